"""Calendar periods (year, month, ISO week, day): labels, spans, counts per period.

Engine-neutral: backends count articles per day; timelines, date facets,
year/month filters and the query language's date spans all use these.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Optional

from .fields import check_period

# Zero-filled periods past this many (an article dated 0001 puts 3.6 million
# days before today's): only the periods with articles are listed.
MAX_PERIODS = 10_000
# A timeline by month cannot place an article dated "2021"; by week or day,
# not one dated "March 2021" either: the date precisions too coarse for each.
COARSER = {"month": ("year",), "week": ("year", "month"), "day": ("year", "month")}


def next_month(year: int, month: int) -> tuple[int, int]:
    """The (year, month) after ``month`` of ``year``: the one month roll-over."""
    return year + month // 12, month % 12 + 1


def next_start(start: datetime, unit: str) -> datetime:
    """The start of the next ``unit`` (year, month, day, hour, minute, second);
    past 9999-12-31 the last moment datetime holds, so that ``date:9999`` is
    a range like any other (it leaves out the very last microsecond)."""
    try:
        if unit == "year":
            return start.replace(year=start.year + 1)
        if unit == "month":
            year, month = next_month(start.year, start.month)
            return start.replace(year=year, month=month)
        return start + timedelta(**{unit + "s": 1})
    except (ValueError, OverflowError):  # year 10000
        return datetime.max.replace(tzinfo=start.tzinfo)


def period_range(period: str, value: str) -> tuple[datetime, Optional[datetime]]:
    """A year (``2022``) or month (``2022-09``) filter value as [start, end):
    ``end`` is None past year 9999. ValueError when ``value`` is not one."""
    if period == "year":
        start = datetime(int(value), 1, 1)
        return start, (datetime(start.year + 1, 1, 1) if start.year < 9999 else None)
    year, month = (int(part) for part in value.split("-"))
    start = datetime(year, month, 1)
    return start, (datetime(*next_month(year, month), 1) if (year, month) < (9999, 12) else None)


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
    check_period(period)
    return day.isoformat()


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


def count_by_period(per_day: Counter, period: str) -> Counter:
    """Documents per period label, from documents per day ordinal (0: undated, left out)."""
    counts: Counter = Counter()
    for ordinal, n in per_day.items():
        if ordinal:
            counts[period_label(date.fromordinal(ordinal), period)] += n
    return counts


def timeline_rows(per_day: Counter, period: str) -> tuple[list[tuple[str, int]], int]:
    """(period label, count) for every period from the first to the last, zeros
    included -- or, when that span holds more than MAX_PERIODS periods, for
    the periods with articles only -- and the number of undated documents."""
    check_period(period)
    per_day = Counter(per_day)
    undated = per_day.pop(0, 0)
    if not per_day:
        return [], undated
    counts: Counter = Counter()
    for ordinal, n in per_day.items():
        counts[_period_index(date.fromordinal(ordinal), period)] += n
    first, last = min(counts), max(counts)
    indexes = sorted(counts) if last - first + 1 > MAX_PERIODS else range(first, last + 1)
    return [(str(period_label(_period_at(i, period), period)), counts.get(i, 0)) for i in indexes], undated


def ranked(counts: Counter, limit: Optional[int]) -> list[tuple[str, int]]:
    """Facet values by count, then value; the first ``limit`` (all when None)."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ordered if limit is None else ordered[:limit]
