"""Postings of one new segment: gathered per term in memory, written as
Whoosh 3 posting blocks in one pass per term.

Whoosh's own path sends every posting through a sorting pool as a 5-tuple,
then through four Python calls per posting at commit (the pool's add, the
field writer's add, the postings writer's add_posting with its type
assertions, a field-length lookup). Documents arrive in document-number
order, so each term's list is already sorted: keeping one list per term
leaves only the terms to sort, and a term's blocks are built from slices.

The bytes written are the W3 codec's (``whoosh.codec.whoosh3``: a block is
a pickled info tuple and a pickled, zlib-compressed data tuple). One
deliberate difference: blocks whose pickled data is shorter than
``min_compress`` bytes are stored uncompressed (compression level 0 in
the block info, which Whoosh's reader honours): zlib cannot shrink a
one-posting block, and calling it was a fifth of commit time. With
``min_compress=0`` the files are byte-identical to Whoosh's
(tests/test_postings.py).
"""
from __future__ import annotations

import zlib
from array import array
from pickle import dumps
from typing import Optional

from .whoosh_import import length_to_byte

HEADER_MAGIC = b"W3Bl"  # whoosh.codec.whoosh3.WHOOSH3_HEADER_MAGIC
MIN_COMPRESS = 64
# Rough bytes a buffered posting costs (a tuple, its list slot, a share of
# the term's entry): decides when the buffer moves to Whoosh's spilling pool.
POSTING_BYTES = 100


class PostingBuffer:
    """field name -> term bytes -> [(docnum, weight, value bytes), ...] in
    docnum order, plus each document's quantised field length."""

    def __init__(self):
        self.fields: dict[str, dict[bytes, list]] = {}
        self.lengths: dict[str, dict[int, int]] = {}
        self.count = 0

    def __bool__(self) -> bool:
        return self.count > 0

    def drain_into(self, pool) -> None:
        """Move every posting into a Whoosh PostingPool (which sorts and, past
        its memory limit, spills to disk); lengths stay for the writer."""
        add = pool.add
        for fieldname, terms in self.fields.items():
            for btext, postings in terms.items():
                for docnum, weight, value in postings:
                    add((fieldname, btext, docnum, weight, value))
        self.fields.clear()
        self.count = 0


def write_postings(fieldwriter, schema, buffer: PostingBuffer, blocklimit: int, compression: int,
                   min_compress: Optional[int] = None) -> None:
    """Write every field's terms and posting blocks through a W3FieldWriter
    (its term table and postings file), as its add_postings would."""
    if min_compress is None:
        min_compress = MIN_COMPRESS
    from whoosh.codec.whoosh3 import W3TermInfo  # loaded already: the index is open
    from whoosh.system import pack_int, pack_ushort

    postfile = fieldwriter._postfile
    tindex_add = fieldwriter._tindex.add
    for fieldname in sorted(buffer.fields):
        terms = buffer.fields[fieldname]
        fieldobj = schema[fieldname]
        fieldwriter.start_field(fieldname, fieldobj)
        prefix = pack_ushort(fieldwriter._fieldid)
        fixedsize = fieldobj.format.fixed_value_size()
        lengths = buffer.lengths.get(fieldname, {})
        for btext in sorted(terms):
            postings = terms[btext]
            start = postfile.tell()
            out = [HEADER_MAGIC]
            total_weight = 0.0
            maxweight = 0
            minlength: Optional[int] = None
            maxlength = 0
            count = len(postings)
            for first in range(0, count, blocklimit):
                block = postings[first:first + blocklimit]
                ids, weights, values = zip(*block)
                blen = len(ids)
                # Lengths of the block's documents; 0 (not scorable) counts as none.
                lens = [length for length in map(lengths.get, ids) if length]
                bmin = min(lens) if lens else None
                bmax = max(lens) if lens else 0
                bmaxweight = max(weights)
                if bmaxweight < 0:
                    bmaxweight = 0
                # Weights are stored as 32-bit floats; the sum is over those.
                fweights = _float32(weights)
                total_weight += sum(fweights)
                if all(w == 1.0 for w in fweights):
                    mini_weights = None
                elif all(w == fweights[0] for w in fweights):
                    mini_weights = fweights[0]
                else:
                    mini_weights = tuple(fweights)
                values = [v for v in values if v]
                if fixedsize is None or fixedsize < 0:
                    mini_values = tuple(values)
                elif fixedsize == 0:
                    mini_values = None
                else:
                    mini_values = b"".join(values)
                deltas = [ids[0]]
                deltas.extend(b - a for a, b in zip(ids, ids[1:]))
                data = dumps((tuple(deltas), mini_weights, mini_values), 2)
                comp = compression if len(data) >= min_compress else 0
                if comp:
                    data = zlib.compress(data, comp)
                info = dumps((blen, ids[-1], bmaxweight, comp, length_to_byte(bmin), length_to_byte(bmax)), 2)
                size = len(info) + len(data)
                out.append(pack_int(-size if first + blocklimit >= count else size))
                out.append(info)
                out.append(data)
                if bmaxweight > maxweight:
                    maxweight = bmaxweight
                if bmin is not None and (minlength is None or bmin < minlength):
                    minlength = bmin
                if bmax > maxlength:
                    maxlength = bmax
            postfile.write(b"".join(out))
            terminfo = W3TermInfo(total_weight, count, minlength, maxlength, maxweight,
                                  postings[0][0], postings[-1][0])
            terminfo.set_extent(start, postfile.tell() - start)
            tindex_add(prefix + btext, terminfo.to_bytes())
        fieldwriter.finish_field()


def _float32(weights) -> list[float]:
    """The weights as Whoosh stores them (array "f"), back as Python floats."""
    return array("f", weights).tolist()
