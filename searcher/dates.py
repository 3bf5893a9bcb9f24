"""Date parsing shared by readers and the query layer (python-dateutil)."""
from __future__ import annotations

import re
from datetime import datetime, timezone

_YEAR = re.compile(r"(?<!\d)(1[6-9]|20)\d{2}(?!\d)")
_TWO_DIGIT_YEAR = re.compile(r"\d{1,2}[-/ ](\w{3,9}|\d{1,2})[-/ ]\d{2}(?!\d)")

# Epoch numbers: seconds while the value is a time no later than the end of
# year 9999 (|n| <= 253402300800, i.e. 9999-12-31T24:00:00Z), else the
# smallest of milliseconds, microseconds, nanoseconds that reads as such a
# time. Real exports write 10-digit seconds and 13-digit milliseconds, both
# read right; so are "end of time" sentinels (253402300799 and
# 253402300800, which is one second past what a datetime holds: no date).
# The cost: 12-digit milliseconds before 1978-01-11 read as years 5138-9999.
_END_OF_9999 = 253402300800
_UNITS = (1, 1_000, 1_000_000, 1_000_000_000)

# Zone abbreviations dateutil does not place by itself (it knows UTC, GMT,
# UT and Z): the US ones, as feeds and US sites write them. Ambiguous ones
# (IST, BST) are left to the readers that know their context.
_HOUR = 3600
TZINFOS = {"EST": -5 * _HOUR, "EDT": -4 * _HOUR, "CST": -6 * _HOUR, "CDT": -5 * _HOUR,
           "MST": -7 * _HOUR, "MDT": -6 * _HOUR, "PST": -8 * _HOUR, "PDT": -7 * _HOUR,
           "GMT": 0, "UTC": 0, "UT": 0, "Z": 0}


class PartialDate(datetime):
    """A date known only to its year or month: the period's first moment,
    with ``precision`` "year" or "month" (an Article keeps the precision
    beside a plain datetime)."""

    precision = ""

    @classmethod
    def of(cls, value: datetime, precision: str) -> "PartialDate":
        made = cls(value.year, value.month, value.day, tzinfo=timezone.utc)  # no zone means anything here
        made.precision = precision
        return made


# Two far-apart fills for what a text leaves out: a part that comes out
# different under the two was not in the text (dateutil fills it from the
# default, which is today's date unless given: "2021" became 2021-12-02).
_FILL_A = datetime(2000, 1, 1)
_FILL_B = datetime(2004, 2, 2)


def precision_of(value: datetime | None) -> str:
    """"year", "month", or "" (a whole date) for a value parse_date returned."""
    return getattr(value, "precision", "")


def to_utc(value: datetime) -> datetime:
    """Timezone-aware UTC datetime; a naive value is taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def utc_or_none(value: datetime) -> datetime | None:
    """:func:`to_utc`, or None when the UTC time is not a datetime (year 1 at
    +05:00, year 9999 at -05:00). Readers use this: the record then keeps no
    date (the nearest valid one would be an invented date) and is indexed
    all the same."""
    try:
        return to_utc(value)
    except (OverflowError, ValueError):
        return None


def _epoch(number: float) -> datetime | None:
    for unit in _UNITS:
        if abs(number) <= _END_OF_9999 * unit:
            try:
                return datetime.fromtimestamp(number / unit, tz=timezone.utc)
            except (OverflowError, OSError, ValueError):
                return None  # past datetime's range (the year-10000 sentinel): no date
    return None


def parse_date(text: object, *, require_year: bool = True) -> datetime | None:
    """Read a date written in any common form, or None. Never invents one: a
    year or a month alone is its first day as a PartialDate that says so.

    Numbers are Unix epoch times (seconds, else milliseconds, ...: see
    ``_END_OF_9999``). A string must name a year (four digits, or two in a
    day-month-year form) unless ``require_year`` is False: dateutil would
    otherwise fill the missing year in from today.
    """
    if text is None or text == "":
        return None
    if isinstance(text, datetime):
        return utc_or_none(text)
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        if text != text:  # NaN
            return None
        return _epoch(text)
    if not isinstance(text, str):
        return None
    text = text.strip()
    if require_year and not (_YEAR.search(text) or _TWO_DIGIT_YEAR.search(text)):
        return None
    from dateutil import parser as _dateutil  # not needed to start a search

    try:
        value = _dateutil.parse(text, fuzzy=False, tzinfos=TZINFOS, default=_FILL_A)
        other = _dateutil.parse(text, fuzzy=False, tzinfos=TZINFOS, default=_FILL_B)
    except (ValueError, OverflowError, TypeError):
        return None
    if value.month != other.month:  # "2021": the year alone, stored as its first day
        return PartialDate.of(value.replace(month=1, day=1), "year")
    if value.day != other.day:  # "March 2021", "2021-03"
        return PartialDate.of(value.replace(day=1), "month")
    return utc_or_none(value)


def date_notes(date: datetime | None, *given: object) -> list[str]:
    """An Article's note when a record gives a date that reads as none
    (the record is kept without one: a date is never guessed)."""
    written = [g for g in given if g not in (None, "") and not (isinstance(g, str) and not g.strip())]
    if date is not None or not written:
        return []
    return [f"date {written[0]!r} not understood: indexed without a date"]
