"""Facet counts and timelines over a whole result set.

Values are read once per index version into compact per-document columns
(value ids per document, a date per document), the way Lucene's field cache
works, instead of walking stored fields for every query. Counting a result
set is then one pass over its document numbers.
"""
from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Iterable, Optional

from searcher.errors import InvalidArgument
from searcher.engine.whoosh.schema import NAME_FIELDS
from searcher.engine.whoosh.store import date_days, date_values
from searcher.engine.whoosh.accel.valuecolumns import segment_values

# Facet name (API and CLI) -> exact-value index field.
VALUE_FACETS = {
    "tags": NAME_FIELDS["tag"][1],
    "sources": NAME_FIELDS["source"][1],
    "authors": NAME_FIELDS["author"][1],
    "publisher": NAME_FIELDS["publisher"][1],
}
DATE_FACETS = ("year", "month")
FACETS = tuple(VALUE_FACETS) + DATE_FACETS
# Filter keys: the query-language field names and the facet names both work.
FILTER_KEYS = {"tag": "tags", "source": "sources", "author": "authors", **{name: name for name in FACETS}}
PERIODS = ("year", "month", "week", "day")


class ValueColumn:
    """For one multi-valued field: its distinct values, and each segment's
    values per document (``index/valuecolumns.py``: saved beside the index,
    so only the first process to ask builds them)."""

    def __init__(self, reader, field: str, folder: Optional[Path] = None):
        self.values: list[str] = list(reader.field_terms(field)) if field in reader.schema else []
        self.by_lower: dict[str, list[int]] = {}
        for value_id, term in enumerate(self.values):
            self.by_lower.setdefault(term.lower(), []).append(value_id)
        self._segments = [(offset, segment.doc_count_all(), segment_values(segment, field, folder))
                          for segment, offset in reader.leaf_readers()]

    def count(self, docnums: Iterable[int]) -> Counter:
        """Documents per value over index-wide ``docnums``, segment by segment."""
        docnums = sorted(docnums)
        counts: Counter = Counter()
        for offset, size, column in self._segments:
            first, last = bisect_left(docnums, offset), bisect_left(docnums, offset + size)
            if first < last:
                mine = docnums[first:last]
                counts.update(column.count(map(offset.__rsub__, mine) if offset else mine))
        return counts


class DateColumn:
    """Each document's date as days since 0001-01-01 (ordinal); 0 when undated."""

    def __init__(self, reader):
        self.days = array("i", date_days(reader))

    def count_days(self, docnums: Iterable[int]) -> Counter:
        """Documents per day (ordinal; 0 for undated), in one C-level pass:
        periods are then labelled once per distinct day, not per document."""
        return Counter(map(self.days.__getitem__, docnums))


class FacetCache:
    """Columns for one open reader; rebuilt when the index changes."""

    def __init__(self, reader, folder: Optional[Path] = None):
        self.reader = reader
        self.folder = folder  # the index folder, where value columns are saved
        self._values: dict[str, ValueColumn] = {}
        self._dates: Optional[DateColumn] = None
        self._orders: dict[str, array] = {}

    def values(self, facet: str) -> ValueColumn:
        if facet not in self._values:
            self._values[facet] = ValueColumn(self.reader, VALUE_FACETS[facet], self.folder)
        return self._values[facet]

    def dates(self) -> DateColumn:
        if self._dates is None:
            self._dates = DateColumn(self.reader)
        return self._dates

    def date_order(self, newest_first: bool) -> array:
        """A sort key per document for date order, undated last either way
        (full precision; ties are left to document order)."""
        key = "newest" if newest_first else "oldest"
        if key not in self._orders:
            values = date_values(self.reader)
            last = 2 ** 63 - 1
            if newest_first:
                self._orders[key] = array("q", (last if v is None else -v for v in values))
            else:
                self._orders[key] = array("q", (last if v is None else v for v in values))
        return self._orders[key]

    def count(self, facet: str, docnums: list[int], limit: Optional[int]) -> list[tuple[str, int]]:
        if facet in VALUE_FACETS:
            counts = self.values(facet).count(docnums)
        elif facet in DATE_FACETS:
            counts = Counter()
            for ordinal, n in self.dates().count_days(docnums).items():
                if ordinal:
                    counts[period_label(date.fromordinal(ordinal), facet)] += n
        else:
            raise InvalidArgument(f"unknown facet {facet!r} (facets: {', '.join(FACETS)})")
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return ordered if limit is None else ordered[:limit]


def period_label(day: Optional[date], period: str) -> Optional[str]:
    if day is None:
        return None
    if period == "year":
        return f"{day.year:04d}"
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year:04d}-W{week:02d}"
    if period == "day":
        return day.isoformat()
    raise InvalidArgument(f"unknown period {period!r} (periods: {', '.join(PERIODS)})")


# Zero-filled periods past this many (an article dated 0001 puts 3.6 million
# days before today's): only the periods with articles are listed.
MAX_PERIODS = 10_000


def _period_index(day: date, period: str) -> int:
    """A period's position on one integer scale: consecutive periods differ
    by one, and no date past date.max is ever made (9999-12-31 has no
    'next year')."""
    if period == "year":
        return day.year
    if period == "month":
        return day.year * 12 + day.month - 1
    if period == "week":
        return (day.toordinal() - 1) // 7  # 0001-01-01 is a Monday: weeks start on Mondays
    return day.toordinal()


def _period_at(index: int, period: str) -> date:
    """The first day of the period at ``index`` on ``_period_index``'s scale."""
    if period == "year":
        return date(index, 1, 1)
    if period == "month":
        return date(index // 12, index % 12 + 1, 1)
    if period == "week":
        return date.fromordinal(index * 7 + 1)
    return date.fromordinal(index)


def label_start(label: str, period: str) -> date:
    """The first day of the period ``period_label`` called ``label``."""
    if period == "year":
        return date(int(label), 1, 1)
    if period == "month":
        return date(int(label[:-3]), int(label[-2:]), 1)
    if period == "week":
        year, week = label.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    return date.fromisoformat(label)


def span_periods(first: date, last: date, period: str) -> int:
    """How many periods run from the one holding ``first`` to the one holding ``last``."""
    return _period_index(last, period) - _period_index(first, period) + 1


def timeline(cache: FacetCache, docnums: list[int], period: str) -> tuple[list[tuple[str, int]], int]:
    """(period label, count) for every period from the first to the last, zeros
    included -- or, when that span holds more than MAX_PERIODS periods, for
    the periods with articles only -- and the number of undated documents."""
    if period not in PERIODS:
        raise InvalidArgument(f"unknown period {period!r} (periods: {', '.join(PERIODS)})")
    per_day = cache.dates().count_days(docnums)
    undated = per_day.pop(0, 0)
    if not per_day:
        return [], undated
    counts: Counter = Counter()
    for ordinal, n in per_day.items():
        counts[_period_index(date.fromordinal(ordinal), period)] += n
    first, last = min(counts), max(counts)
    indexes = sorted(counts) if last - first + 1 > MAX_PERIODS else range(first, last + 1)
    return [(period_label(_period_at(i, period), period), counts.get(i, 0)) for i in indexes], undated
