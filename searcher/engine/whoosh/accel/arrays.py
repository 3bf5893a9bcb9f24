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

Layout (little-endian): ``MAGIC``; per term, ids ``uint32[n]``, weights
``float32[n]`` (Whoosh stores weights as 32-bit floats too) and, for a
field with positions, each posting's number of positions ``uint32[n]``
and the positions ``uint32[p]``; then the directory: block offsets
``int64[T]`` (increasing), array offsets ``int64[T]``, positions ``int64[T]``
(p, or -1 for none), counts ``uint32[T]``; then ``int64`` T, ``int64``
directory offset, ``END``. A part that is missing or does not fit is not believed:
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
from pickle import loads
from typing import NamedTuple, Optional, Sequence

import numpy as np

from searcher.engine.whoosh.accel.imports import matching, whoosh3

EXTENSION = ".arr"
MAGIC = b"searcher-arrays-2\n\0\0\0\0\0\0"  # 24 bytes: the arrays start 8-byte aligned
END = b"arrays.\n"
_FOOTER = struct.Struct("<qq8s")

Postings = tuple[np.ndarray, np.ndarray]  # (ids int64, weights float64), ids increasing
# One term's positions: each posting's count and the positions, in posting order.
Positions = tuple[np.ndarray, np.ndarray]


class ArraysWriter:
    """Streams each term's ids, weights and positions into a segment's ``.arr`` part."""

    def __init__(self, fieldwriter) -> None:
        segment, storage = fieldwriter._segment, fieldwriter._storage
        self._file = segment.create_file(storage, EXTENSION)
        self._file.write(MAGIC)
        self._position = len(MAGIC)
        self._keys = array("q")
        self._starts = array("q")
        self._npositions = array("q")
        self._counts = array("I")

    def add(self, block_offset: int, ids, weights, positions: Optional[Positions] = None) -> None:
        """One term: ids and weights (sequences or arrays) and, for a field
        with positions, (count per posting, positions) arrays."""
        count = len(ids)
        if isinstance(ids, np.ndarray):
            data = [ids.astype("<u4").tobytes(), np.asarray(weights, dtype="<f4").tobytes()]
        else:
            data = [array("I", ids).tobytes(), array("f", weights).tobytes()]
        if positions is not None:
            data.append(np.asarray(positions[0], dtype="<u4").tobytes())
            data.append(np.asarray(positions[1], dtype="<u4").tobytes())
        joined = b"".join(data)
        self._keys.append(block_offset)
        self._starts.append(self._position)
        self._npositions.append(-1 if positions is None else len(positions[1]))
        self._counts.append(count)
        self._file.write(joined)
        self._position += len(joined)

    def close(self) -> None:
        directory = self._position
        counts = self._counts.tobytes()
        padding = b"\0" * (-len(counts) % 8)
        self._file.write(self._keys.tobytes() + self._starts.tobytes() + self._npositions.tobytes() + counts
                         + padding)
        self._file.write(_FOOTER.pack(len(self._keys), directory, END))
        self._file.close()


def encoded_positions(values: Sequence[Optional[bytes]]) -> Positions:
    """(count per posting, positions) of Whoosh Positions-format values
    (``formats.Positions.encode``: the count, then the pickled deltas);
    a one-position value is decoded once and remembered."""
    counts = array("I")
    flat = array("I")
    single = _SINGLE_POSITION
    for value in values:
        if value is None:  # a posting without positions (not written by Positions.encode)
            counts.append(0)
            continue
        pos = single.get(value)
        if pos is not None:
            counts.append(1)
            flat.append(pos)
            continue
        deltas = loads(value[4:] if value.endswith(b".") else value[4:] + b".")
        if len(deltas) == 1 and len(single) < 1 << 17:
            single[value] = deltas[0]
        counts.append(len(deltas))
        flat.extend(accumulate(deltas))
    return np.frombuffer(counts, dtype=np.uint32), np.frombuffer(flat, dtype=np.uint32)


_SINGLE_POSITION: dict[bytes, int] = {}


class _Directory(NamedTuple):
    buffer: memoryview
    keys: np.ndarray  # block offsets, increasing
    starts: np.ndarray
    npositions: np.ndarray
    counts: np.ndarray


class SegmentArrays:
    """One segment reader's terms as arrays: from its ``.arr`` part when it
    has one that fits, decoded from its posting blocks otherwise."""

    def __init__(self, reader) -> None:
        self._reader = reader
        self._doccount = reader.doc_count_all()
        self._dir: Optional[_Directory] = None
        try:
            self._dir = self._open()
        except (OSError, ValueError, KeyError, struct.error):
            self._dir = None  # not believed: decode the blocks instead

    @property
    def complete(self) -> bool:
        return self._dir is not None

    def _open(self) -> Optional[_Directory]:
        segment = self._reader.segment()
        if segment is None:  # an index without segments (Whoosh's EmptyReader): nothing to read
            return None
        storage = getattr(self._reader, "_storage", None)
        name = segment.make_filename(EXTENSION)
        if storage is None or not storage.file_exists(name):
            return None
        part = storage.open_file(name)
        buffer = getattr(part, "_buf", None)
        if buffer is None:  # not read in place (another storage): read it once
            part.seek(0)
            buffer = memoryview(part.read())
        if len(buffer) < len(MAGIC) + _FOOTER.size or bytes(buffer[:len(MAGIC)]) != MAGIC:
            raise ValueError("not an arrays part")
        count, directory, end = _FOOTER.unpack_from(buffer, len(buffer) - _FOOTER.size)
        counts_end = directory + 24 * count + 4 * count
        if end != END or not len(MAGIC) <= directory <= counts_end <= len(buffer) - _FOOTER.size:
            raise ValueError("arrays part does not fit")
        found = _Directory(buffer, _aligned(np.frombuffer(buffer, "<i8", count, directory)),
                           _aligned(np.frombuffer(buffer, "<i8", count, directory + 8 * count)),
                           _aligned(np.frombuffer(buffer, "<i8", count, directory + 16 * count)),
                           _aligned(np.frombuffer(buffer, "<u4", count, directory + 24 * count)))
        if count and int(found.starts[-1]) + 8 * int(found.counts[-1]) > directory:
            raise ValueError("arrays part does not fit")
        return found

    def postings(self, fieldname: str, btext: bytes) -> Optional[Postings]:
        """The term's (ids, weights), deleted documents included; None when absent."""
        reader = self._reader
        if (fieldname, btext) not in reader:
            return None
        return self.postings_of(fieldname, btext, reader.term_info(fieldname, btext))

    def postings_of(self, fieldname: str, btext: bytes, info) -> Postings:
        """``postings`` of a term whose term info the caller holds (no lookup)."""
        entry, found = self._entry_of(info), self._dir
        if entry is not None and found is not None:
            return self._postings(found, entry)
        return _decoded(self._reader, fieldname, btext)

    def ids_of(self, fieldname: str, btext: bytes, info) -> np.ndarray:
        """The term's document ids alone (increasing, deleted ones included)."""
        entry, found = self._entry_of(info), self._dir
        if entry is None or found is None:
            return _decoded(self._reader, fieldname, btext)[0]
        return self._ids(found, entry)

    def run_ids(self, first_info, last_info, terms: int) -> Optional[np.ndarray]:
        """The document ids (repeated across terms, deleted ones included) of
        ``terms`` consecutive terms from ``first_info``'s to ``last_info``'s:
        postings are written in term order, so a prefix's words are one run
        of the directory, gathered at once; None unless the run holds exactly
        ``terms`` entries."""
        found = self._dir
        low, high = self._entry_of(first_info), self._entry_of(last_info)
        if found is None or low is None or high is None or high - low + 1 != terms:
            return None
        starts, counts = found.starts[low:high + 1], found.counts[low:high + 1].astype(np.int64)
        total = int(counts.sum())
        words = np.frombuffer(found.buffer, "<u4", len(found.buffer) // 4)
        ids = words[np.repeat(starts // 4 - (np.cumsum(counts) - counts), counts) + np.arange(total)]
        if total and int(ids.max()) >= self._doccount:
            raise ValueError(f"the arrays of the postings at {int(found.keys[low])} do not fit their segment")
        return ids

    def positions(self, fieldname: str, btext: bytes, wanted: np.ndarray) -> Optional[tuple[np.ndarray, np.ndarray]]:
        """(owner, position) pairs of the term in the documents ``wanted``
        (increasing, each holding the term): ``owner`` indexes ``wanted``,
        positions increase within each; None when this part has no
        positions for the term (then they are read from the blocks)."""
        entry, found = self._entry(fieldname, btext), self._dir
        if entry is None or found is None or found.npositions[entry] < 0:
            return None
        start, count, total = int(found.starts[entry]), int(found.counts[entry]), int(found.npositions[entry])
        buffer = found.buffer
        ids = np.frombuffer(buffer, "<u4", count, start)
        counts = np.frombuffer(buffer, "<u4", count, start + 8 * count).astype(np.int64)
        flat = np.frombuffer(buffer, "<u4", total, start + 12 * count)
        ends = np.cumsum(counts)
        if (ends[-1] if count else 0) != total:
            raise ValueError(f"the positions of the postings at {found.keys[entry]} do not fit their segment")
        at = np.searchsorted(ids, wanted)
        chosen = counts[at]
        owner = np.repeat(np.arange(len(wanted)), chosen)
        offsets = np.repeat(ends[at] - chosen - (np.cumsum(chosen) - chosen), chosen) + np.arange(int(chosen.sum()))
        return owner, flat[offsets].astype(np.int64)

    def _entry(self, fieldname: str, btext: bytes) -> Optional[int]:
        """The directory index of a term's arrays, or None."""
        if self._dir is None or (fieldname, btext) not in self._reader:
            return None
        return self._entry_of(self._reader.term_info(fieldname, btext))

    def _entry_of(self, info) -> Optional[int]:
        if self._dir is None or info.is_inlined():
            return None
        return _find(self._dir.keys, info.extent()[0])

    def at_block(self, block_offset: int) -> Optional[tuple[np.ndarray, np.ndarray, Optional[Positions]]]:
        """The ids, weights and positions of the term whose blocks start at ``block_offset``."""
        found = self._dir
        at = None if found is None else _find(found.keys, block_offset)
        if found is None or at is None:
            return None
        ids, weights = self._postings(found, at)
        total = int(found.npositions[at])
        if total < 0:
            return ids, weights, None
        start, count = int(found.starts[at]), len(ids)
        counts = np.frombuffer(found.buffer, "<u4", count, start + 8 * count)
        return ids, weights, (counts, np.frombuffer(found.buffer, "<u4", total, start + 12 * count))

    def _ids(self, found: _Directory, at: int) -> np.ndarray:
        """One entry's ids as stored (uint32); garbage in the part would be
        believed silently, so they must increase inside the segment."""
        start, count = int(found.starts[at]), int(found.counts[at])
        ids = np.frombuffer(found.buffer, "<u4", count, start)
        if count and (ids[-1] >= self._doccount or (count > 1 and not np.all(ids[1:] > ids[:-1]))):
            raise ValueError(f"the arrays of the postings at {int(found.keys[at])} do not fit their segment")
        return ids

    def _postings(self, found: _Directory, at: int) -> Postings:
        ids = self._ids(found, at)
        count = len(ids)
        weights = np.frombuffer(found.buffer, "<f4", count, int(found.starts[at]) + 4 * count).astype(np.float64)
        if not np.all(np.isfinite(weights)):
            raise ValueError(f"the arrays of the postings at {int(found.keys[at])} do not fit their segment")
        return ids.astype(np.int64), weights


def _aligned(values: np.ndarray) -> np.ndarray:
    """``values`` in aligned memory: the part sits at any offset of the
    compound file, and numpy's searchsorted copies an unaligned array on
    every call (bench/README.md, issue 13: it was most of a term lookup)."""
    return values if values.flags.aligned else values.copy()


def _find(keys: np.ndarray, block_offset: int) -> Optional[int]:
    at = int(np.searchsorted(keys, block_offset))
    return at if at < len(keys) and keys[at] == block_offset else None


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
