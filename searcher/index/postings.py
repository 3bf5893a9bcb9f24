"""Postings of one new segment: gathered per term in memory, written as
Whoosh 3 posting blocks in one pass per term.

Whoosh's own path sends every posting through a sorting pool as a 5-tuple,
then through four Python calls per posting at commit (the pool's add, the
field writer's add, the postings writer's add_posting with its type
assertions, a field-length lookup). Documents arrive in document-number
order, so each term's list is already sorted: keeping one list per term
leaves only the terms to sort, and a term's blocks are built from slices.

The bytes written are the W3 codec's (``whoosh.codec.whoosh3``: a block is
a pickled info tuple and a pickled, zlib-compressed data tuple; the term
table is Whoosh's OrderedHashWriter file). One deliberate difference:
blocks whose pickled data is shorter than ``MIN_COMPRESS`` bytes are stored
uncompressed (compression level 0 in the block info, which Whoosh's reader
honours): zlib barely shrinks them, and calling it was a fifth of commit
time (on Reuters-21578: 256 bytes makes writing 13% faster than 128 and the
postings file 2.3% larger). With ``MIN_COMPRESS = 0`` the files are
byte-identical to Whoosh's (tests/test_postings.py).
"""
from __future__ import annotations

import struct
from hashlib import md5
import zlib
from array import array
from operator import sub
from pickle import dumps
from typing import Optional

from .whoosh_import import length_to_byte

HEADER_MAGIC = b"W3Bl"  # whoosh.codec.whoosh3.WHOOSH3_HEADER_MAGIC
MIN_COMPRESS = 256
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
    postfile = fieldwriter._postfile
    for fieldname in sorted(buffer.fields):
        terms = buffer.fields[fieldname]
        fieldobj = schema[fieldname]
        fieldwriter.start_field(fieldname, fieldobj)
        prefix = _USHORT.pack(fieldwriter._fieldid)
        fixedsize = fieldobj.format.fixed_value_size()
        joined = fixedsize is not None and fixedsize > 0
        keep_values = fixedsize is None or fixedsize < 0 or joined
        lengths = buffer.lengths.get(fieldname, {})
        offset = postfile.tell()
        pending: list[bytes] = []
        entries: list[tuple[bytes, bytes]] = []
        for btext in sorted(terms):
            postings = terms[btext]
            count = len(postings)
            if count == 1:
                # Most terms: one posting, one block, nothing to minify.
                docnum, weight, value = postings[0]
                length = lengths.get(docnum) or None
                stored = _f32(weight)
                values = ((value,) if value else ()) if keep_values else None
                if joined:
                    values = b"".join(values)
                data = dumps(((docnum,), None if stored == 1.0 else stored, values), 2)
                comp = compression if len(data) >= min_compress else 0
                if comp:
                    data = zlib.compress(data, comp)
                maxweight = weight if weight > 0 else 0
                lbyte = _length_byte(length)
                info = dumps((1, docnum, maxweight, comp, lbyte, lbyte), 2)
                block = b"".join((HEADER_MAGIC, _INT.pack(-(len(info) + len(data))), info, data))
                pending.append(block)
                size = len(block)
                termbytes = _TERMINFO.pack(0, stored, 1, lbyte, lbyte, maxweight, docnum, docnum)
            else:
                out = [HEADER_MAGIC]
                total_weight = 0.0
                maxweight = 0
                minlength: Optional[int] = None
                maxlength = 0
                for first in range(0, count, blocklimit):
                    ids, weights, values = zip(*postings[first:first + blocklimit])
                    # Lengths of the block's documents; 0 (not scorable) counts as none.
                    lens = [length for length in map(lengths.get, ids) if length]
                    bmin = min(lens) if lens else None
                    bmax = max(lens) if lens else 0
                    bmaxweight = max(weights)
                    if bmaxweight < 0:
                        bmaxweight = 0
                    # Weights are stored as 32-bit floats; the sum is over those.
                    fweights = array("f", weights).tolist()
                    total_weight += sum(fweights)
                    first_weight = fweights[0]
                    if fweights.count(first_weight) != len(fweights):
                        mini_weights = tuple(fweights)
                    else:
                        mini_weights = None if first_weight == 1.0 else first_weight
                    if keep_values:
                        values = tuple(v for v in values if v)
                        mini_values = b"".join(values) if joined else values
                    else:
                        mini_values = None
                    deltas = [ids[0]]
                    deltas.extend(map(sub, ids[1:], ids))
                    data = dumps((tuple(deltas), mini_weights, mini_values), 2)
                    comp = compression if len(data) >= min_compress else 0
                    if comp:
                        data = zlib.compress(data, comp)
                    info = dumps((len(ids), ids[-1], bmaxweight, comp, _length_byte(bmin), _length_byte(bmax)), 2)
                    size = len(info) + len(data)
                    out.append(_INT.pack(-size if first + blocklimit >= count else size))
                    out.append(info)
                    out.append(data)
                    if bmaxweight > maxweight:
                        maxweight = bmaxweight
                    if bmin is not None and (minlength is None or bmin < minlength):
                        minlength = bmin
                    if bmax > maxlength:
                        maxlength = bmax
                block = b"".join(out)
                pending.append(block)
                size = len(block)
                termbytes = _TERMINFO.pack(0, total_weight, count, _length_byte(minlength), _length_byte(maxlength),
                                           maxweight, postings[0][0], postings[-1][0])
            # W3TermInfo.to_bytes for postings kept in the postings file.
            entries.append((prefix + btext, termbytes + _LONG.pack(offset) + _INT.pack(size)))
            offset += size
            if len(pending) >= 512:
                postfile.write(b"".join(pending))
                pending.clear()
        postfile.write(b"".join(pending))
        _add_terms(fieldwriter._tindex, entries)
        fieldwriter.finish_field()


def _add_terms(tindex, entries: list[tuple[bytes, bytes]]) -> None:
    """OrderedHashWriter.add for each (key, value) in key order, in one pass:
    the same records, MD5 bucket entries and key index, one write."""
    from whoosh.filedb.filetables import OrderedHashWriter

    if type(tindex) is not OrderedHashWriter or tindex.hashtype != 0 or not entries:
        for key, value in entries:
            tindex.add(key, value)
        return
    if entries[0][0] <= tindex.lastkey:
        raise ValueError("Keys must increase: %r..%r" % (tindex.lastkey, entries[0][0]))
    dbfile = tindex.dbfile
    position = dbfile.tell()
    index_append = tindex.index.append
    buckets = tindex.buckets
    records = []
    for key, value in entries:
        index_append(position)
        record = _KEY_VALUE_LENGTHS.pack(len(key), len(value)) + key + value
        records.append(record)
        # filetables.md5_hash: the digest's low 32 bits.
        hashed = int.from_bytes(md5(key).digest()[-4:], "big")
        buckets[hashed & 255].append((hashed, position))
        position += len(record)
    dbfile.write(b"".join(records))
    tindex.lastkey = entries[-1][0]


# whoosh.system's pack_ushort / pack_int / pack_long and W3TermInfo._struct.
_USHORT = struct.Struct("!H")
_INT = struct.Struct("!i")
_LONG = struct.Struct("!q")
_TERMINFO = struct.Struct("!BfIBBfII")
_KEY_VALUE_LENGTHS = struct.Struct("!ii")  # whoosh.filedb.filetables._lengths
_F32_CACHE: dict[float, float] = {}
_LENGTH_BYTES: dict[Optional[int], int] = {}


def _f32(weight: float) -> float:
    """The weight as Whoosh stores it (array "f"), back as a Python float."""
    stored = _F32_CACHE.get(weight)
    if stored is None:
        stored = array("f", (weight,))[0]
        if len(_F32_CACHE) < 10_000:
            _F32_CACHE[weight] = stored
    return stored


def _length_byte(length: Optional[int]) -> int:
    byte = _LENGTH_BYTES.get(length)
    if byte is None:
        byte = _LENGTH_BYTES[length] = length_to_byte(length)
    return byte
