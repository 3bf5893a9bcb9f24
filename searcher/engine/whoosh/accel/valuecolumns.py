"""Exact-value columns (tags, sources, authors, publisher) per segment, kept
beside the index so a new process does not rebuild them.

Facet counts read, for each matching document, the values it holds (the
way Lucene's doc values work). Building that column means reading every
posting of the field and grouping it by document: ~1.5 µs a posting in
Python, about 4 s for the tags of a million generated articles, paid by
every new ``searcher search --facet`` process. A segment never changes
once written (deletions only hide documents), so its column is built once
and saved in ``<index>/columns/<segment id>.<field>.col``; later processes
load it in milliseconds. A file that is missing, unreadable or does not
fit its segment is rebuilt (and saved when the folder is writable); files
of segments merged away are removed at the end of an indexing run.

Also here: a term's document numbers read a posting block at a time, for
the query layer's document sets too.
"""
from __future__ import annotations

import json
import os
import struct
import sys
import tempfile
from array import array
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate, chain
from pathlib import Path
from typing import Iterable, Optional

from searcher.engine.whoosh.accel.imports import matching, whoosh3

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
        ids = set(matcher.all_ids())
        return ids if within is None else ids & within
    if within is None:
        ids: set[int] = set()
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


@dataclass
class SegmentValues:
    """One segment's values of a field: document d holds
    ``terms[i] for i in ids[offsets[d]:offsets[d + 1]]``."""

    terms: list[str]
    offsets: array  # "I", documents + 1
    ids: array  # "I", indexes into terms

    def count(self, docnums: Iterable[int]) -> dict[str, int]:
        """Documents per value over ``docnums`` (this segment's numbers), in C:
        no Python call per document."""
        offsets, ids = self.offsets, self.ids
        docnums = list(docnums)
        slices = map(slice, map(offsets.__getitem__, docnums), map(offsets.__getitem__, map((1).__add__, docnums)))
        counts = Counter(chain.from_iterable(map(ids.__getitem__, slices)))
        return {self.terms[i]: n for i, n in counts.items()}


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
