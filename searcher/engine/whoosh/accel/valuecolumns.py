"""Per-segment exact-value columns (tags, sources, authors, publisher) and
reads of Whoosh's posting blocks and numeric columns in one piece.

Replaces: a term's documents read through W3LeafMatcher one posting at a
time (``term_ids``: a posting block at a time, only the blocks that can
hold a wanted document); a facet field's values per document rebuilt from
its postings by every process (``segment_values``: built once per segment
and saved in ``<index>/columns/<segment id>.<field>.col``; a file that is
missing, unreadable or does not fit its segment is rebuilt, never believed;
files of merged-away segments are pruned after an indexing run); and
``NumericColumn.Reader``'s value per document (``numeric_column``: the
stored numbers in one read).
Why: building a column costs ~1.5 µs a posting in Python, paid by every new
``searcher search --facet`` process; a segment never changes once written
(figures: bench/README.md, "Cold columns in a new process").
Same answers as Whoosh: tests/test_docsets.py::test_the_same_documents_as_whooshs_walk,
::test_a_real_search_counts_and_facets_the_same (tags and years against
the stored fields of Whoosh's own walk); tests/test_valuecolumns.py::
test_columns_are_saved_then_loaded_with_the_same_counts, ::test_a_bad_file_is_rebuilt_not_believed.
"""
from __future__ import annotations

import json
import os
import struct
import sys
import tempfile
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate, chain
from pathlib import Path
from typing import Any, Iterable, Optional

import numpy as np

from searcher.engine.whoosh.accel.imports import columns, matching, whoosh3

FOLDER = "columns"
_MAGIC = b"searcher-values-1\n"
_HEADER_LENGTH = struct.Struct("<I")


def term_ids(reader, fieldname: str, text, within: Optional[set[int]] = None) -> set[int]:
    """Docnums of one term in one segment's reader, deleted documents
    included; only those in ``within`` when given, and then only the posting
    blocks that can hold one of them are decoded (a block's header says its
    last document)."""
    if (fieldname, text) not in reader:  # also False for a field this index lacks
        return set()
    matcher = reader.postings(fieldname, text)
    if isinstance(matcher, matching.FilterMatcher):
        matcher = matcher.child  # deletions: the caller's business
    if not isinstance(matcher, whoosh3.W3LeafMatcher) or matcher._byteids:
        ids: set[int] = set(matcher.all_ids())
        return ids if within is None else ids & within
    if within is None:
        ids = set()
        while matcher.is_active():
            matcher._read_data()
            # Document ids are stored as deltas (W3LeafMatcher._read_ids).
            ids.update(accumulate(matcher._data[0]))
            matcher._next_block()
        return ids
    wanted = sorted(within)
    found: set[int] = set()
    first = 0  # the first wanted document not yet past
    while matcher.is_active() and first < len(wanted):
        last = matcher._maxid
        if wanted[first] <= last:
            matcher._read_data()
            found.update(within.intersection(accumulate(matcher._data[0])))
            first = bisect_right(wanted, last, first)
        matcher._next_block()
    return found


def numeric_column(column: Any) -> Optional[array]:
    """A Whoosh 2.7.4 NumericColumn's stored values in one read (big-endian,
    fixed width; documents past the stored ones have the default and are
    left out), or None for any other column reader (whose values are then
    read one ``column[docnum]`` at a time)."""
    if type(column) is not columns.NumericColumn.Reader or column._typecode not in ("Q", "q"):
        return None
    values = array(column._typecode)
    if values.itemsize != column._fixedlen:
        return None
    values.frombytes(column._dbfile.get(column._basepos, column._count * column._fixedlen))
    if sys.byteorder == "little":
        values.byteswap()
    return values


def numeric_values(reader: Any, fieldname: str) -> Optional[tuple[np.ndarray, int]]:
    """One segment's numeric column as a numpy array, a value per document
    (the column's default where none was stored), and that default; None
    when the segment's column is not one ``numeric_column`` reads."""
    field = reader.schema[fieldname]
    missing = field.column_type.default_value()
    if not reader.has_column(fieldname):
        return np.full(reader.doc_count_all(), missing, dtype=np.uint64), missing
    packed = numeric_column(reader.column_reader(fieldname, translate=False))
    if packed is None:
        return None
    values = np.full(reader.doc_count_all(), missing, dtype=np.uint64 if packed.typecode == "Q" else np.int64)
    values[:len(packed)] = np.frombuffer(packed, dtype=values.dtype)
    return values, missing


@dataclass
class SegmentValues:
    """One segment's values of a field: document d holds
    ``terms[i] for i in ids[offsets[d]:offsets[d + 1]]``."""

    terms: list[str]
    offsets: array  # "I", documents + 1
    ids: array  # "I", indexes into terms

    def count(self, docnums: Iterable[int]) -> dict[str, int]:
        """Documents per value over ``docnums`` (this segment's numbers), as
        array operations: each document's run of value ids gathered at once,
        then counted (no Python step per document or value)."""
        values, _ = self.entries(docnums)
        if not len(values):
            return {}
        counts = np.bincount(values, minlength=len(self.terms))
        return {self.terms[i]: int(counts[i]) for i in np.flatnonzero(counts).tolist()}

    def entries(self, docnums: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        """(value id, position in ``docnums``) of every value the documents hold."""
        docs = np.asarray(docnums if isinstance(docnums, np.ndarray) else list(docnums), dtype=np.int64)
        offsets = np.frombuffer(self.offsets, dtype=f"u{self.offsets.itemsize}")
        starts = offsets[docs].astype(np.int64)
        lengths = offsets[docs + 1].astype(np.int64) - starts
        total = int(lengths.sum())
        gather = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(total)
        values = np.frombuffer(self.ids, dtype=f"u{self.ids.itemsize}")[gather].astype(np.int64)
        return values, np.repeat(np.arange(len(docs)), lengths)


def segment_values(reader, fieldname: str, folder: Optional[Path]) -> SegmentValues:
    """The column of one segment's reader: loaded from ``folder`` when saved
    there, else built from the postings (and saved when possible)."""
    path = None
    if folder is not None:
        path = Path(folder) / FOLDER / f"{reader.segment().segment_id()}.{fieldname}.col"
        loaded = _load(path, _identity(reader, fieldname))
        if loaded is not None:
            return loaded
    values = _build(reader, fieldname)
    if path is not None:
        _save(path, values, _identity(reader, fieldname))
    return values


def _identity(reader, fieldname: str) -> dict:
    """What a saved column must say it belongs to."""
    return {"segment": reader.segment().segment_id(), "field": fieldname, "docs": reader.doc_count_all()}


def save_missing(storage, schema, segments, fieldnames: Iterable[str], folder: Path) -> None:
    """Build and save the columns no file holds yet (after an indexing run,
    so the first faceted search of a large archive does not pay for them)."""
    from whoosh.reading import SegmentReader

    fieldnames = [name for name in fieldnames if name in schema]
    for segment in segments:
        todo = [name for name in fieldnames
                if not (Path(folder) / FOLDER / f"{segment.segment_id()}.{name}.col").exists()]
        if not todo:
            continue
        reader = SegmentReader(storage, schema, segment)
        try:
            for name in todo:
                segment_values(reader, name, folder)
        finally:
            reader.close()


def prune(folder: Path, live_segment_ids: Iterable[str]) -> None:
    """Remove the saved columns of segments no longer in the index (best effort)."""
    live = set(live_segment_ids)
    try:
        names = os.listdir(Path(folder) / FOLDER)
    except OSError:
        return
    for name in names:
        if name.split(".", 1)[0] not in live:
            try:
                os.unlink(Path(folder) / FOLDER / name)
            except OSError:
                pass


def _build(reader, fieldname: str) -> SegmentValues:
    terms = list(reader.field_terms(fieldname)) if fieldname in reader.schema else []
    rows: list = [None] * reader.doc_count_all()
    for value_id, term in enumerate(terms):
        for docnum in term_ids(reader, fieldname, term):
            row = rows[docnum]
            if row is None:
                rows[docnum] = [value_id]
            else:
                row.append(value_id)
    offsets = array("I", accumulate((len(row) if row else 0 for row in rows), initial=0))
    ids = array("I", chain.from_iterable(row for row in rows if row))
    return SegmentValues(terms, offsets, ids)


def _load(path: Path, identity: dict) -> Optional[SegmentValues]:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        if not data.startswith(_MAGIC):
            return None
        start = len(_MAGIC)
        (length,) = _HEADER_LENGTH.unpack_from(data, start)
        start += _HEADER_LENGTH.size
        header = json.loads(data[start:start + length])
        start += length
        offsets, ids = array("I"), array("I")
        end = start + header["offsets"] * offsets.itemsize
        offsets.frombytes(data[start:end])
        ids.frombytes(data[end:end + header["ids"] * ids.itemsize])
        if header["byteorder"] != sys.byteorder:
            offsets.byteswap()
            ids.byteswap()
        terms = header["terms"]
        if (any(header.get(key) != value for key, value in identity.items())
                or len(offsets) != identity["docs"] + 1 or len(ids) != header["ids"]
                or offsets[-1] != len(ids) or (ids and max(ids) >= len(terms))):
            return None
        return SegmentValues(list(terms), offsets, ids)
    except (ValueError, KeyError, TypeError, struct.error):
        return None


def _save(path: Path, values: SegmentValues, identity: dict) -> None:
    header = json.dumps({**identity, "terms": values.terms, "offsets": len(values.offsets),
                         "ids": len(values.ids), "byteorder": sys.byteorder}).encode("utf-8")
    try:
        path.parent.mkdir(exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".col")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(_MAGIC + _HEADER_LENGTH.pack(len(header)) + header)
                out.write(values.offsets.tobytes())
                out.write(values.ids.tobytes())
            os.replace(temp, path)  # readers see a whole file or none
        except BaseException:
            try:
                os.unlink(temp)
            except OSError:
                pass
            raise
    except OSError:
        pass  # a read-only index: the column is kept in memory only
