"""Each term's document numbers and weights as flat arrays beside Whoosh's
posting blocks, so a query is evaluated a whole posting list at a time.

Replaces: decoding Whoosh's W3 posting blocks (a zlib-compressed pickle of
Python ints per 128 postings) to learn a term's documents and weights;
the blocks stay, complete and authoritative, for Whoosh's own readers and
positions. The writer (postings.write_postings) adds one more part to each
segment it writes, ``<segment id>.arr``, which goes into the compound
``.seg`` with the others (so checksums, merges and Whoosh's file cleaning
treat it as part of the segment). A term's arrays are found by where its
blocks start in the postings file (its term info's offset), so no term
text is stored twice.

Layout (little-endian): ``MAGIC``; per term, ids ``uint32[n]`` then weights
``float32[n]`` (Whoosh stores weights as 32-bit floats too); then the
directory: block offsets ``int64[T]`` (increasing), array offsets
``int64[T]``, counts ``uint32[T]``; then ``int64`` T, ``int64`` directory
offset, ``END``. A part that is missing or does not fit is not believed:
``SegmentArrays`` then decodes the term's blocks (the slow, always-right
path), as for segments written by Whoosh's own writer.

Why: decoding was ~0.3 µs a posting (43% unpickling, 26% zlib; bench/README.md,
"Scoring a posting block at a time"); arrays read in place cost nothing per posting.
Same answers as Whoosh: tests/test_evaluate.py (every query shape against
Whoosh's own evaluation, arrays present and absent).
"""
from __future__ import annotations

import struct
from array import array
from itertools import accumulate
from typing import Optional, Sequence

import numpy as np

from searcher.engine.whoosh.accel.imports import matching, whoosh3

EXTENSION = ".arr"
MAGIC = b"searcher-arrays-1\n\0\0\0\0\0\0"  # 24 bytes: the arrays start 8-byte aligned
END = b"arrays.\n"
_FOOTER = struct.Struct("<qq8s")

Postings = tuple[np.ndarray, np.ndarray]  # (ids int64, weights float64), ids increasing


class ArraysWriter:
    """Streams each term's ids and weights into a segment's ``.arr`` part."""

    def __init__(self, fieldwriter) -> None:
        segment, storage = fieldwriter._segment, fieldwriter._storage
        self._file = segment.create_file(storage, EXTENSION)
        self._file.write(MAGIC)
        self._position = len(MAGIC)
        self._keys = array("q")
        self._starts = array("q")
        self._counts = array("I")

    def add(self, block_offset: int, ids: Sequence[int], weights: Sequence[float]) -> None:
        count = len(ids)
        if isinstance(ids, np.ndarray):
            data = ids.astype("<u4").tobytes() + np.asarray(weights, dtype="<f4").tobytes()
        else:
            data = array("I", ids).tobytes() + array("f", weights).tobytes()
        self._keys.append(block_offset)
        self._starts.append(self._position)
        self._counts.append(count)
        self._file.write(data)
        self._position += len(data)

    def close(self) -> None:
        directory = self._position
        counts = self._counts.tobytes()
        padding = b"\0" * (-len(counts) % 8)
        self._file.write(self._keys.tobytes() + self._starts.tobytes() + counts + padding)
        self._file.write(_FOOTER.pack(len(self._keys), directory, END))
        self._file.close()


class SegmentArrays:
    """One segment reader's terms as arrays: from its ``.arr`` part when it
    has one that fits, decoded from its posting blocks otherwise."""

    def __init__(self, reader) -> None:
        self._reader = reader
        self._doccount = reader.doc_count_all()
        self._buffer: Optional[memoryview] = None
        self._keys = self._starts = self._counts = None
        try:
            self._open()
        except (OSError, ValueError, KeyError, struct.error):
            self._buffer = None  # not believed: decode the blocks instead

    @property
    def complete(self) -> bool:
        return self._buffer is not None

    def _open(self) -> None:
        segment = self._reader.segment()
        storage = getattr(self._reader, "_storage", None)
        name = segment.make_filename(EXTENSION)
        if storage is None or not storage.file_exists(name):
            return
        part = storage.open_file(name)
        buffer = getattr(part, "_buf", None)
        if buffer is None:  # not read in place (another storage): read it once
            part.seek(0)
            buffer = memoryview(part.read())
        if len(buffer) < len(MAGIC) + _FOOTER.size or bytes(buffer[:len(MAGIC)]) != MAGIC:
            raise ValueError("not an arrays part")
        count, directory, end = _FOOTER.unpack_from(buffer, len(buffer) - _FOOTER.size)
        counts_end = directory + 16 * count + 4 * count
        if end != END or not len(MAGIC) <= directory <= counts_end <= len(buffer) - _FOOTER.size:
            raise ValueError("arrays part does not fit")
        self._keys = np.frombuffer(buffer, "<i8", count, directory)
        self._starts = np.frombuffer(buffer, "<i8", count, directory + 8 * count)
        self._counts = np.frombuffer(buffer, "<u4", count, directory + 16 * count)
        if count and int(self._starts[-1]) + 8 * int(self._counts[-1]) > directory:
            raise ValueError("arrays part does not fit")
        self._buffer = buffer

    def postings(self, fieldname: str, btext: bytes) -> Optional[Postings]:
        """The term's (ids, weights), deleted documents included; None when absent."""
        reader = self._reader
        if (fieldname, btext) not in reader:
            return None
        info = reader.term_info(fieldname, btext)
        if self._buffer is not None and not info.is_inlined():
            found = self.at_block(info.extent()[0])
            if found is not None:
                return found
        return _decoded(reader, fieldname, btext)

    def at_block(self, block_offset: int) -> Optional[Postings]:
        """The arrays of the term whose blocks start at ``block_offset``."""
        keys = self._keys
        assert keys is not None and self._starts is not None and self._counts is not None
        at = int(np.searchsorted(keys, block_offset))
        if at >= len(keys) or keys[at] != block_offset:
            return None
        start, count = int(self._starts[at]), int(self._counts[at])
        ids = np.frombuffer(self._buffer, "<u4", count, start).astype(np.int64)
        weights = np.frombuffer(self._buffer, "<f4", count, start + 4 * count).astype(np.float64)
        # Garbage in the part would be believed silently: ids must increase
        # inside the segment and weights be finite (a few array passes).
        if count and (ids[-1] >= self._doccount or (count > 1 and not np.all(ids[1:] > ids[:-1]))
                      or not np.all(np.isfinite(weights))):
            raise ValueError(f"the arrays of the postings at {block_offset} do not fit their segment")
        return ids, weights


def _decoded(reader, fieldname: str, btext: bytes) -> Postings:
    """A term's postings from Whoosh's blocks (or its inlined postings)."""
    matcher = _unfiltered(reader, fieldname, btext)
    if not isinstance(matcher, whoosh3.W3LeafMatcher) or matcher._byteids:
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)
    id_parts, weight_parts = [], []
    while matcher.is_active():
        matcher._read_data()
        deltas, weights = matcher._data[0], matcher._data[1]
        id_parts.append(np.fromiter(accumulate(deltas), dtype=np.int64, count=len(deltas)))
        if weights is None:
            weight_parts.append(np.ones(len(deltas)))
        elif isinstance(weights, float):
            weight_parts.append(np.full(len(deltas), weights))
        else:
            weight_parts.append(np.asarray(weights, dtype=np.float64))
        matcher._next_block()
    if not id_parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(id_parts), np.concatenate(weight_parts)


def _unfiltered(reader, fieldname: str, btext: bytes):
    """The term's matcher over every posting, deleted documents included
    (the evaluator applies deletions; Whoosh's filter has already stepped
    its child past the first deleted ones, hence the reset)."""
    matcher = reader.postings(fieldname, btext)
    if isinstance(matcher, matching.FilterMatcher):
        matcher = matcher.child
        matcher.reset()
    return matcher


def field_lengths(reader, fieldname: str) -> np.ndarray:
    """Each document's length in one field, as Whoosh's scorer reads it
    (the one-byte quantised length, decoded), float64 by document number."""
    doccount = reader.doc_count_all()
    lengths = np.zeros(doccount, dtype=np.float64)
    perdoc = getattr(reader, "_perdoc", None)
    column = None
    if perdoc is not None and hasattr(perdoc, "_cached_reader"):
        column = perdoc._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
    if column is None:
        return lengths + 1.0  # Whoosh's scorer reads a missing length as 1
    raw = getattr(column, "_dbfile", None)
    if raw is not None and hasattr(column, "_basepos"):
        stored = np.frombuffer(raw.get(column._basepos, column._count), dtype=np.uint8)
    else:
        stored = np.array([column[i] for i in range(doccount)], dtype=np.uint8)
    stored = stored[:doccount]
    lengths[:len(stored)] = _BYTE_LENGTHS[stored]
    return lengths


def _byte_lengths() -> np.ndarray:
    from whoosh.util.numeric import byte_to_length

    return np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


_BYTE_LENGTHS = _byte_lengths()


def positions_of(reader, fieldname: str, btext: bytes, wanted: Sequence[int]) -> list[list[int]]:
    """The positions of one term in each of ``wanted`` (increasing document
    numbers, each holding the term), decoding only the posting blocks that
    hold one of them."""
    decode = reader.schema[fieldname].format.decode_positions
    matcher = _unfiltered(reader, fieldname, btext)
    out: list[list[int]] = []
    if not isinstance(matcher, whoosh3.W3LeafMatcher) or matcher._byteids:
        for docnum in wanted:
            matcher.skip_to(docnum)
            out.append(matcher.value_as("positions"))
        return out
    at, count = 0, len(wanted)
    while at < count and matcher.is_active():
        last = matcher._maxid
        if wanted[at] <= last:
            matcher._read_ids()
            matcher._read_values()
            ids, values = matcher._ids, matcher._values
            index = 0
            while at < count and wanted[at] <= last:
                docnum = wanted[at]
                while ids[index] < docnum:
                    index += 1
                out.append(decode(values[index]))
                at += 1
        matcher._next_block()
    return out
