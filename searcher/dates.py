"""Date parsing shared by readers and the query layer (python-dateutil)."""
from __future__ import annotations

import re
from datetime import datetime, timezone


_YEAR = re.compile(r"(?<!\d)(1[6-9]|20)\d{2}(?!\d)")
_TWO_DIGIT_YEAR = re.compile(r"\d{1,2}[-/ ](\w{3,9}|\d{1,2})[-/ ]\d{2}(?!\d)")


def to_utc(value: datetime) -> datetime:
    """Timezone-aware UTC datetime; a naive value is taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def parse_date(text: object, *, require_year: bool = True) -> datetime | None:
    """Read a date written in any common form, or None. Never invents one.

    Numbers are taken as Unix epoch seconds (milliseconds when too large).
    A string must name a year (four digits, or two in a day-month-year form)
    unless ``require_year`` is False: dateutil would otherwise fill the
    missing year in from today.
    """
    if text is None or text == "":
        return None
    if isinstance(text, datetime):
        return to_utc(text)
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        seconds = text / 1000 if text > 10**11 else text
        try:
            return datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(text, str):
        return None
    text = text.strip()
    if require_year and not (_YEAR.search(text) or _TWO_DIGIT_YEAR.search(text)):
        return None
    from dateutil import parser as _dateutil  # not needed to start a search

    try:
        value = _dateutil.parse(text, fuzzy=False)
    except (ValueError, OverflowError, TypeError):
        return None
    return to_utc(value)
