"""Posting blocks of a new segment, written in Whoosh's W3 format without
Whoosh's posting pool.

Replaces: ``whoosh.writing.PostingPool`` and ``W3FieldWriter.add_postings``
for FastSegmentWriter (writers.py). Postings are kept per term in memory
(buffer.py; documents arrive in document-number order, so only the terms are sorted)
and each term's blocks are built from slices in one pass; segments merged
in (``SegmentSource``) are read term by term from their term tables and
posting files, a term of one segment without deletions block-copied with
each block's first document number patched in its pickle.
One deliberate difference: blocks whose pickled data is shorter than
``MIN_COMPRESS`` bytes are stored uncompressed (level 0 in the block info,
which Whoosh's reader honours); with ``MIN_COMPRESS = 0`` the files are
Whoosh's byte for byte.
Why: the pool and four Python calls per posting were half of writing
time, and zlib on small blocks a fifth of commit (figures: bench/README.md,
"Indexing": posting pool + codec, zlib on small blocks).
Same answers as Whoosh: tests/test_postings.py::test_files_are_byte_identical_to_whooshs_with_compression_everywhere,
::test_uncompressed_small_blocks_read_back_the_same_postings;
tests/test_merge.py::test_merged_files_are_byte_identical_to_whooshs,
::test_optimize_gives_whooshs_postings_and_documents.
"""
from __future__ import annotations

import heapq
import struct
import zlib
from array import array
from functools import partial
from hashlib import md5
from io import BytesIO
from itertools import accumulate, groupby
from operator import itemgetter, sub
from pickle import dumps, load, loads
from typing import Callable, Iterable, Iterator, Optional, Sequence, Union

import numpy as np

from searcher.engine.whoosh.accel.arrays import ArraysWriter, Positions, SegmentArrays, encoded_positions
from searcher.engine.whoosh.accel.buffer import FieldPostings, PostingBuffer, Records, term_postings
from searcher.engine.whoosh.accel.imports import formats, length_to_byte

HEADER_MAGIC = b"W3Bl"  # whoosh.codec.whoosh3.WHOOSH3_HEADER_MAGIC
MIN_COMPRESS = 256

# (document number, weight, value bytes): one posting of a term.
Posting = tuple[int, float, Optional[bytes]]
# Quantised field length of a document (0 or None: none).
LengthOf = Callable[[int], Optional[int]]
# A term of one merged segment: (its source, its term info bytes, a function
# appending its postings to a _Columns).
_SourceTerm = tuple["SegmentSource", bytes, Callable[["_Columns"], None]]
# A term's postings as write_postings meets them: the buffer's records, or merged ones.
_TermPostings = Union[Records, "_Columns", _SourceTerm]


def write_postings(fieldwriter, schema, buffer: PostingBuffer, blocklimit: int, compression: int,
                   min_compress: Optional[int] = None, sources: Sequence["SegmentSource"] = (),
                   field_lengths: Optional[Callable[[str], LengthOf]] = None) -> None:
    """Write every field's terms and posting blocks through a W3FieldWriter
    (its term table and postings file), as its add_postings would.

    ``sources`` are segments merged into this one (``SegmentSource``, in the
    order their documents were numbered, after the buffer's): each field's
    terms are a k-way merge of the buffer's and theirs, and a term's postings
    the buffer's then each source's, read from its postings file one term at
    a time. ``field_lengths(fieldname)`` then gives a function from a
    document number in the new segment to its quantised field length (0 for
    none); without sources the buffer's lengths are used."""
    if min_compress is None:
        min_compress = MIN_COMPRESS
    postfile = fieldwriter._postfile
    arrays = ArraysWriter(fieldwriter)
    try:
        _write_fields(fieldwriter, schema, buffer, blocklimit, compression, min_compress, sources, field_lengths,
                      postfile, arrays)
    finally:
        arrays.close()


def _write_fields(fieldwriter, schema, buffer, blocklimit, compression, min_compress, sources, field_lengths,
                  postfile, arrays: "ArraysWriter") -> None:
    fieldnames = set(buffer.fields)
    for source in sources:
        fieldnames.update(name for name in source.fieldnames() if name in schema)
    for fieldname in sorted(fieldnames):
        field = buffer.fields.get(fieldname)
        fieldobj = schema[fieldname]
        fixedsize = fieldobj.format.fixed_value_size()
        joined = fixedsize is not None and fixedsize > 0
        keep_values = fixedsize is None or fixedsize < 0 or joined
        # Positions go into the arrays part for Whoosh's own Positions format.
        with_positions = type(fieldobj.format) is formats.Positions
        length_of: LengthOf
        stream: Iterator[tuple[bytes, _TermPostings]]
        if sources:
            assert field_lengths is not None, "sources need field_lengths"
            length_of = field_lengths(fieldname)
            stream = _merged_terms(field, [source.terms(fieldname, fixedsize) for source in sources])
        else:
            length_of = buffer.lengths.get(fieldname, {}).get
            stream = term_postings(field)
        started = False
        prefix = b""
        offset = 0
        pending: list[bytes] = []
        entries: list[tuple[bytes, bytes]] = []
        for btext, postings in stream:
            ids: _Ids
            weights: _Weights
            values: Optional[Sequence[Optional[bytes]]] = None
            positions: Optional[Positions] = None
            if isinstance(postings, _Columns):
                if not postings.ids:
                    continue  # every document of the term was deleted
                block, termbytes = _term_blocks(postings.ids, postings.weights, postings.values, length_of,
                                                blocklimit, compression, min_compress, keep_values, joined)
                ids, weights = postings.ids, postings.weights
                values = postings.values if with_positions else None
            elif isinstance(postings, tuple):
                # Postings of one merged segment only: its blocks, renumbered.
                source, terminfo, read = postings
                copied = source.copy_term(terminfo, compression, min_compress)
                if copied is None:
                    columns = _Columns()
                    read(columns)
                    if not columns.ids:
                        continue
                    copied = _term_blocks(columns.ids, columns.weights, columns.values, length_of,
                                          blocklimit, compression, min_compress, keep_values, joined)
                    ids, weights = columns.ids, columns.weights
                    values = columns.values if with_positions else None
                else:
                    ids, weights, positions, values = source.term_arrays(terminfo, read, with_positions)
                block, termbytes = copied
            else:
                # The buffer's records of the term (buffer.py).
                assert field is not None
                # Values only where the blocks or the arrays part keep them.
                term_ids, term_weights, found = field.postings(postings, keep_values or with_positions)
                term_values = found if found is not None else (None,) * len(term_ids)
                block, termbytes = _term_blocks(term_ids, term_weights, term_values, length_of, blocklimit,
                                                compression, min_compress, keep_values, joined)
                ids, weights = term_ids, term_weights
                if with_positions:
                    values = term_values
            if not started:
                fieldwriter.start_field(fieldname, fieldobj)
                prefix = _USHORT.pack(fieldwriter._fieldid)
                offset = postfile.tell()
                started = True
            pending.append(block)
            if values is not None:
                positions = encoded_positions(values)
            arrays.add(offset, ids, weights, positions)
            size = len(block)
            # W3TermInfo.to_bytes for postings kept in the postings file.
            entries.append((prefix + btext, termbytes + _LONG.pack(offset) + _INT.pack(size)))
            offset += size
            if len(pending) >= 512:
                postfile.write(b"".join(pending))
                pending.clear()
            if len(entries) >= 65536:
                _add_terms(fieldwriter._tindex, entries)
                entries = []
        if started:
            postfile.write(b"".join(pending))
            _add_terms(fieldwriter._tindex, entries)
            fieldwriter.finish_field()


def _term_postings(postings: Sequence[Posting], length_of: LengthOf, blocklimit: int, compression: int,
                   min_compress: int, keep_values: bool, joined: bool) -> tuple[bytes, bytes]:
    """One term's posting blocks (as W3PostingsWriter writes them) and its
    W3TermInfo bytes without the extent; ``postings`` are (docnum, weight,
    value bytes) in docnum order, ``length_of(docnum)`` a quantised length
    (0 or None for none)."""
    count = len(postings)
    if count == 1:
        # Most terms: one posting, one block, nothing to minify.
        docnum, weight, value = postings[0]
        length = length_of(docnum) or None
        stored = _f32(weight)
        kept: tuple[bytes, ...] = (value,) if value else ()
        values = (b"".join(kept) if joined else kept) if keep_values else None  # joined implies keep_values
        data = dumps(((docnum,), None if stored == 1.0 else stored, values), 2)
        comp = compression if len(data) >= min_compress else 0
        if comp:
            data = zlib.compress(data, comp)
        maxweight = weight if weight > 0 else 0
        lbyte = _length_byte(length)
        info = dumps((1, docnum, maxweight, comp, lbyte, lbyte), 2)
        block = b"".join((HEADER_MAGIC, _INT.pack(-(len(info) + len(data))), info, data))
        return block, _TERMINFO.pack(0, stored, 1, lbyte, lbyte, maxweight, docnum, docnum)
    ids, weights, values = zip(*postings)
    return _term_blocks(ids, weights, values, length_of, blocklimit, compression, min_compress, keep_values, joined)


def _term_blocks(all_ids: Sequence[int], all_weights: Sequence[float], all_values: Sequence[Optional[bytes]],
                 length_of: LengthOf, blocklimit: int, compression: int, min_compress: int, keep_values: bool,
                 joined: bool) -> tuple[bytes, bytes]:
    """_term_postings for postings given as three sequences: document
    numbers, weights and value bytes."""
    count = len(all_ids)
    if count == 1:
        return _term_postings([(all_ids[0], all_weights[0], all_values[0])], length_of, blocklimit, compression,
                              min_compress, keep_values, joined)
    out = [HEADER_MAGIC]
    total_weight = 0.0
    maxweight: float = 0
    minlength: Optional[int] = None
    maxlength = 0
    for first in range(0, count, blocklimit):
        end = first + blocklimit
        ids = all_ids[first:end]
        weights = all_weights[first:end]
        values = all_values[first:end]
        # Lengths of the block's documents; 0 (not scorable) counts as none.
        lens = [length for length in map(length_of, ids) if length]
        bmin = min(lens) if lens else None
        bmax = max(lens) if lens else 0
        bmaxweight = max(weights)
        if bmaxweight < 0:
            bmaxweight = 0
        # Weights are stored as 32-bit floats; the sum is over those.
        fweights = array("f", weights).tolist()
        total_weight += sum(fweights)
        first_weight = fweights[0]
        mini_weights: Union[tuple[float, ...], float, None]
        if fweights.count(first_weight) != len(fweights):
            mini_weights = tuple(fweights)
        else:
            mini_weights = None if first_weight == 1.0 else first_weight
        mini_values: Union[bytes, tuple[bytes, ...], None]
        if keep_values:
            kept = tuple(v for v in values if v)
            mini_values = b"".join(kept) if joined else kept
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
    termbytes = _TERMINFO.pack(0, total_weight, count, _length_byte(minlength), _length_byte(maxlength),
                               maxweight, all_ids[0], all_ids[-1])
    return b"".join(out), termbytes


def _merged_terms(field: Optional[FieldPostings], sources: list[Iterator[tuple[bytes, int, _SourceTerm]]]
                  ) -> Iterator[tuple[bytes, Union[_Columns, _SourceTerm]]]:
    """(term bytes, postings) in term order over the buffer's terms and the
    sources' (each an iterator of (term bytes, source index, (source, term
    info bytes, read function)) in term order). The postings are the
    buffer's then each source's, as _Columns; or, for a term of one source
    only, that (source, term info bytes, read function)."""
    # The buffer's terms come as (term, -1, None), the sources' with their index and entry.
    terms = field.terms if field is not None else {}
    streams: list[Iterator[tuple[bytes, int, Optional[_SourceTerm]]]] = [
        ((btext, -1, None) for btext in sorted(terms))]
    streams.extend(sources)
    for btext, grouped in groupby(heapq.merge(*streams), key=itemgetter(0)):
        group = list(grouped)
        only = group[0][2]
        if len(group) == 1 and only is not None:
            # One segment's term: (source, term info bytes, read), which
            # the caller may copy block by block.
            yield btext, only
            continue
        columns = _Columns()
        for _, _, entry in group:
            if entry is None:  # the buffer's
                assert field is not None
                ids, weights, values = field.postings(terms[btext])
                assert values is not None
                columns.ids.extend(ids)
                columns.weights.extend(weights)
                columns.values.extend(values)
            else:
                entry[2](columns)
        yield btext, columns


_Ids = Union[Sequence[int], np.ndarray]
_Weights = Union[Sequence[float], np.ndarray]


class _Columns:
    """One term's postings as three lists: document numbers, weights, values."""

    __slots__ = ("ids", "weights", "values")

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.weights: list[float] = []
        self.values: list[Optional[bytes]] = []


class SegmentSource:
    """The postings of a W3 segment being merged into a new one, read straight
    from its term table and postings file: the documents are renumbered
    from ``base`` on, or by ``docmap`` (old -> new number, deleted documents
    left out) when the segment has deletions."""

    def __init__(self, reader, index: int, base: int, docmap: Optional[dict], blocklimit: int = 128):
        self._blocklimit = blocklimit
        self._reader = reader
        self._arrays: Optional[SegmentArrays] = None
        terms_reader = reader._terms  # a W3TermsReader
        self._tindex = terms_reader._tindex
        self._fieldmap = terms_reader._fieldmap
        self._postfile = terms_reader._postfile
        self._index = index
        self._base = base
        self._map: Optional[list] = None
        if docmap is not None:
            mapping = [-1] * reader.doc_count_all()
            for old, new in docmap.items():
                mapping[old] = new
            self._map = mapping

    def fieldnames(self):
        return list(self._fieldmap)

    def terms(self, fieldname: str, fixedsize: Optional[int]) -> Iterator[tuple[bytes, int, _SourceTerm]]:
        """(term bytes, this source's index, a function appending the term's
        postings to a list) for each term of the field, in term order."""
        fieldid = self._fieldmap.get(fieldname)
        if fieldid is None:
            return
        prefix = _USHORT.pack(fieldid)
        index = self._index
        for key, value in self._tindex.items_from(prefix):
            if key[:2] != prefix:
                break
            yield key[2:], index, (self, value, partial(self._read, value, fixedsize))

    def term_arrays(self, terminfo: bytes, read: Callable[["_Columns"], None], with_positions: bool
                    ) -> tuple[_Ids, _Weights, Optional[Positions], Optional[Sequence[Optional[bytes]]]]:
        """A copied term's new ids, its weights and its positions (arrays) or
        their encoded values: from the segment's arrays part when it has
        the term, else from its blocks."""
        if self._arrays is None:
            self._arrays = SegmentArrays(self._reader)
        found = None
        if not terminfo[0]:
            found = self._arrays.at_block(_LONG.unpack_from(terminfo, _TERMINFO.size)[0])
        if found is None or (with_positions and found[2] is None):
            columns = _Columns()
            read(columns)  # already renumbered
            return columns.ids, columns.weights, None, (columns.values if with_positions else None)
        ids, weights, positions = found
        return ids + self._base, weights, positions if with_positions else None, None

    def copy_term(self, terminfo: bytes, compression: int, min_compress: int) -> Optional[tuple[bytes, bytes]]:
        """The term's posting blocks and W3TermInfo bytes (without the extent)
        as re-blocking its postings would write them, when that is a copy:
        no deletions in the segment, blocks of the writer's size from the
        first posting (true of every W3 writer's, the last block aside),
        and only each block's first (absolute) document number changes,
        patched in the block's pickle. None when it cannot be done so."""
        if self._map is not None or terminfo[0]:
            return None
        _, weight, df, minbyte, maxbyte, maxweight, minid, maxid = _TERMINFO.unpack_from(terminfo)
        base = self._base
        if maxid + base >= 1 << 31:
            return None
        size = _TERMINFO.size
        offset = _LONG.unpack_from(terminfo, size)[0]
        raw = self._postfile.get(offset, _INT.unpack_from(terminfo, size + 8)[0])
        out = [HEADER_MAGIC]
        for length, (count, lastid, bmaxweight, comp, bminbyte, bmaxbyte), data in _raw_blocks(raw):
            shifted = _shift_first_id(data, base)
            if shifted is None or (count != self._blocklimit and length >= 0):
                return None
            comp = compression if len(shifted) >= min_compress else 0
            data = zlib.compress(shifted, comp) if comp else shifted
            if type(bmaxweight) is float:
                bmaxweight = _f32(bmaxweight)  # as read back: a 32-bit float
            info = dumps((count, lastid + base, bmaxweight, comp, bminbyte, bmaxbyte), 2)
            blocksize = len(info) + len(data)
            out.append(_INT.pack(-blocksize if length < 0 else blocksize))
            out.append(info)
            out.append(data)
        return b"".join(out), _TERMINFO.pack(0, weight, df, minbyte, maxbyte, maxweight, minid + base, maxid + base)

    def _read(self, terminfo: bytes, fixedsize: Optional[int], out: "_Columns") -> None:
        size = _TERMINFO.size
        blocks: Iterable[tuple[Sequence[int], Sequence[float], Sequence[Optional[bytes]]]]
        if terminfo[0]:
            # Inlined postings (W3TermInfo.set_inlined): (ids, weights, values).
            ids, weights, values = loads(terminfo[size:])
            blocks = [(list(ids), weights, _split_values(values, fixedsize, len(ids)))]
        else:
            offset = _LONG.unpack_from(terminfo, size)[0]
            length = _INT.unpack_from(terminfo, size + 8)[0]
            blocks = _read_blocks(self._postfile.get(offset, length), fixedsize)
        base = self._base
        mapping = self._map
        for ids, weights, values in blocks:
            if mapping is None:
                out.ids.extend([base + docnum for docnum in ids])
                out.weights.extend(weights)
                out.values.extend(values)
            else:
                for docnum, weight, value in zip(ids, weights, values):
                    docnum = mapping[docnum]
                    if docnum >= 0:
                        out.ids.append(docnum)
                        out.weights.append(weight)
                        out.values.append(value)


def _read_blocks(raw: bytes, fixedsize: Optional[int]) -> Iterator[tuple[list, tuple, tuple]]:
    """(ids, weights, values) of each posting block of one term's postings
    (W3LeafMatcher._goto, _read_data, _read_ids, _read_weights, _read_values)."""
    for _, info, data in _raw_blocks(raw):
        count = info[0]
        deltas, weights, values = loads(data)
        if weights is None:
            weights = (1.0,) * count
        elif isinstance(weights, float):
            weights = (weights,) * count
        yield list(accumulate(deltas)), weights, _split_values(values, fixedsize, count)


def _raw_blocks(raw: bytes) -> Iterator[tuple[int, tuple, bytes]]:
    """(signed block length, info tuple, uncompressed data pickle) of each
    block of one term's postings; the last block's length is negative."""
    if raw[:4] != HEADER_MAGIC:
        raise ValueError("Block tag error %r" % raw[:4])
    stream = BytesIO(raw)
    pos = 4
    end = len(raw)
    while pos < end:
        length = _INT.unpack_from(raw, pos)[0]
        stream.seek(pos + 4)
        info = load(stream)
        pos += 4 + abs(length)
        data = raw[stream.tell():pos]
        if info[3]:  # compression level
            data = zlib.decompress(data)
        yield length, info, data
        if length < 0:
            break


def _shift_first_id(data: bytes, base: int) -> Optional[bytes]:
    """A block's pickled (ids, weights, values) with ``base`` added to the
    first id (the others are deltas), as pickle.dumps(..., 2) would write
    it: protocol header, MARK when the ids are more than three, then the
    id as BININT1, BININT2 or BININT. None when the bytes are not so."""
    if data[:2] != b"\x80\x02":
        return None
    pos = 3 if data[2] == 0x28 else 2
    op = data[pos]
    if op == 0x4B:  # K
        old, width = data[pos + 1], 1
    elif op == 0x4D:  # M
        old, width = int.from_bytes(data[pos + 1:pos + 3], "little"), 2
    elif op == 0x4A:  # J
        old, width = int.from_bytes(data[pos + 1:pos + 5], "little", signed=True), 4
    else:
        return None
    new = old + base
    if new < 0:
        return None
    if new <= 0xFF:
        encoded = b"K" + new.to_bytes(1, "little")
    elif new <= 0xFFFF:
        encoded = b"M" + new.to_bytes(2, "little")
    elif new < 1 << 31:
        encoded = b"J" + new.to_bytes(4, "little", signed=True)
    else:
        return None
    return data[:pos] + encoded + data[pos + 1 + width:]


def _split_values(values, fixedsize: Optional[int], count: int) -> tuple:
    if fixedsize is None or fixedsize < 0:
        values = tuple(values)
        if len(values) < count:  # empty values are not stored
            values += (b"",) * (count - len(values))
        return values
    if fixedsize == 0 or not values:
        return (None,) * count
    return tuple(values[i:i + fixedsize] for i in range(0, len(values), fixedsize))


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
