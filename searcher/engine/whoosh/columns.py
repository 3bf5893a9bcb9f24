"""Facet counts and dates per day over a whole result set, from a Whoosh index.

Values are read once per index version into compact per-document columns
(value ids per document, a date per document), the way Lucene's field cache
works, instead of walking stored fields for every query. Counting a result
set is then one pass over its document numbers.
"""
from __future__ import annotations

import threading
from array import array
from collections import Counter
from pathlib import Path
from typing import Iterable, Optional, Union

import numpy as np

from searcher.engine.whoosh.accel.valuecolumns import segment_values
from searcher.engine.whoosh.copies import CopyGroups, index_key
from searcher.engine.whoosh.schema import NAME_FIELDS
from searcher.engine.whoosh.store import date_days, date_values
from searcher.query import fields
from searcher.query.periods import count_by_period

# Facet name (API and CLI) -> exact-value index field.
# Facet -> the index field of its exact values (a language code is its own).
VALUE_FACETS = {facet: NAME_FIELDS[field][1] if field in NAME_FIELDS else field
                for facet, field in fields.VALUE_FACETS.items()}


class ValueColumn:
    """For one multi-valued field: its distinct values, and each segment's
    values per document (``accel/valuecolumns.py``: saved beside the index,
    so only the first process to ask builds them)."""

    def __init__(self, reader, field: str, folder: Optional[Path] = None):
        self.values: list[str] = list(reader.field_terms(field)) if field in reader.schema else []
        self.by_lower: dict[str, list[int]] = {}
        for value_id, term in enumerate(self.values):
            self.by_lower.setdefault(term.lower(), []).append(value_id)
        self._global: dict[int, np.ndarray] = {}
        self._segments = [(offset, segment.doc_count_all(), segment_values(segment, field, folder))
                          for segment, offset in reader.leaf_readers()
                          if segment.segment() is not None]  # an index without segments has none
        self._count = reader.doc_count_all()
        self._single: Union[None, bool, np.ndarray] = None  # False: a document has several values

    def count(self, docnums: Iterable[int]) -> Counter:
        """Documents per value over index-wide ``docnums``, segment by segment."""
        docs = np.sort(np.asarray(list(docnums), dtype=np.int64))
        counts: Counter = Counter()
        for offset, size, column in self._segments:
            first, last = np.searchsorted(docs, [offset, offset + size])
            if first < last:
                counts.update(column.count(docs[first:last] - offset))
        return counts

    def by_doc(self, docnums: list[int]) -> list[list[str]]:
        """Each of a few documents' values (a page's): from one value id per
        document when none has more (an outlet), else segment by segment."""
        docs = np.asarray(docnums, dtype=np.int64)
        single = self.single()
        if single is not None:
            return [[self.values[i]] if i >= 0 else [] for i in single[docs].tolist()]
        found: list[list[str]] = [[] for _ in docnums]
        starts = np.array([offset for offset, _, _ in self._segments], dtype=np.int64)
        where = np.searchsorted(starts, docs, side="right") - 1
        for segment in np.unique(where).tolist():
            if segment < 0:
                continue
            offset, _, column = self._segments[segment]
            inside = np.flatnonzero(where == segment)
            values, positions = column.entries(docs[inside] - offset)
            for value, position in zip(values.tolist(), inside[positions].tolist()):
                found[position].append(column.terms[value])
        return found

    def single(self) -> Optional[np.ndarray]:
        """Each document's one value id (-1: none), or None when some document
        has several (worked out once per index version)."""
        if self._single is None:
            table = np.full(self._count, -1, dtype=np.int64)
            for offset, size, column in self._segments:
                values, positions = column.entries(np.arange(size))
                if len(positions) > 1 and (positions[1:] == positions[:-1]).any():
                    self._single = False
                    return None
                table[offset + positions] = self._global_ids(column)[values]
            self._single = table
        return self._single if isinstance(self._single, np.ndarray) else None

    def count_groups(self, docnums: Iterable[int], labels: np.ndarray) -> Counter:
        """Groups per value over index-wide ``docnums``: a group counts once
        for each value any of its documents among them has (``labels``: each docnum's group)."""
        docs = np.sort(np.asarray(list(docnums), dtype=np.int64))
        found_values, found_groups = [], []
        for offset, size, column in self._segments:
            first, last = np.searchsorted(docs, [offset, offset + size])
            if first < last:
                values, positions = column.entries(docs[first:last] - offset)
                found_values.append(self._global_ids(column)[values])
                found_groups.append(labels[docs[first:last][positions]])
        if not found_values:
            return Counter()
        pairs = np.unique((np.concatenate(found_values) << 32) | np.concatenate(found_groups))
        counts = np.bincount(pairs >> 32, minlength=len(self.values))
        return Counter({self.values[i]: int(counts[i]) for i in np.flatnonzero(counts).tolist()})

    def _global_ids(self, column) -> np.ndarray:
        """A segment's value ids as indexes into ``values`` (made once per segment)."""
        known = self._global.get(id(column))
        if known is None:
            index = {value: i for i, value in enumerate(self.values)}
            known = self._global[id(column)] = np.array([index[t] for t in column.terms] or [0], dtype=np.int64)
        return known


class DateColumn:
    """Each document's date as days since 0001-01-01 (ordinal); 0 when undated."""

    def __init__(self, reader):
        self.days = array("i", date_days(reader))

    def count_days(self, docnums: Iterable[int]) -> Counter:
        """Documents per day (ordinal; 0 for undated), as one array count:
        periods are then labelled once per distinct day, not per document."""
        docs = np.asarray(list(docnums), dtype=np.int64)
        days, counts = np.unique(np.frombuffer(self.days, dtype=f"i{self.days.itemsize}")[docs], return_counts=True)
        return Counter(dict(zip(days.tolist(), counts.tolist())))


class FacetCache:
    """Columns for one open reader; rebuilt when the index changes. Shared
    by threads: each column is built once, under a lock, then read freely."""

    def __init__(self, reader, folder: Optional[Path] = None):
        self.reader = reader
        self.folder = folder  # the index folder, where value columns are saved
        self._values: dict[str, ValueColumn] = {}
        self._dates: Optional[DateColumn] = None
        self._orders: dict[str, array] = {}
        self._copies: Optional[CopyGroups] = None
        self._key: Optional[str] = None
        self._building = threading.RLock()  # re-entrant: copies() reads index_key

    def values(self, facet: str) -> ValueColumn:
        found = self._values.get(facet)
        if found is None:
            with self._building:
                found = self._values.get(facet)
                if found is None:
                    found = self._values[facet] = ValueColumn(self.reader, VALUE_FACETS[facet], self.folder)
        return found

    def dates(self) -> DateColumn:
        if self._dates is None:
            with self._building:
                if self._dates is None:
                    self._dates = DateColumn(self.reader)
        return self._dates

    @property
    def index_key(self) -> str:
        """copies.index_key of this reader (a shard checks it on every grouped request)."""
        if self._key is None:
            with self._building:
                if self._key is None:
                    self._key = index_key(self.reader)
        return self._key

    def copies(self) -> CopyGroups:
        """The near-copy groups of this index version (copies.py)."""
        if self._copies is None:
            with self._building:
                if self._copies is None:
                    self._copies = CopyGroups(self.reader, self.folder)
        return self._copies

    def date_order(self, newest_first: bool) -> array:
        """A sort key per document for date order, undated last either way
        (full precision; ties are left to document order)."""
        key = "newest" if newest_first else "oldest"
        found = self._orders.get(key)
        if found is None:
            with self._building:
                found = self._orders.get(key)
                if found is None:
                    values = date_values(self.reader)
                    last = 2 ** 63 - 1
                    if newest_first:
                        found = array("q", (last if v is None else -v for v in values))
                    else:
                        found = array("q", (last if v is None else v for v in values))
                    self._orders[key] = found
        return found

    def count(self, facet: str, docnums: list[int], labels: Optional[np.ndarray] = None) -> Counter:
        """Documents per value of ``facet`` among ``docnums``; with ``labels``
        (each docnum's near-copy group), groups: once per value their copies
        have, once per period (at the earliest matching copy's date)."""
        if facet in VALUE_FACETS:
            column = self.values(facet)
            return column.count(docnums) if labels is None else column.count_groups(docnums, labels)
        fields.check_facet(facet)
        if labels is not None:
            docnums = self.earliest_of_groups(docnums, labels)
        return count_by_period(self.dates().count_days(docnums), facet)

    def earliest_of_groups(self, docnums: list[int], labels: np.ndarray) -> list[int]:
        """Of ``docnums``, the earliest-dated of each group (undated last, then the smallest docnum)."""
        docs = np.asarray(docnums, dtype=np.int64)
        if not len(docs):
            return []
        keys = np.frombuffer(self.date_order(newest_first=False), dtype=np.int64)[docs]
        order = np.lexsort((docs, keys))
        _, first = np.unique(labels[docs[order]], return_index=True)
        return np.sort(docs[order[first]]).tolist()
