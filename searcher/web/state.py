"""A search page's whole state, read from and written to its URL: links
are shareable, bookmarkable, and the back button returns to the last state.

Parameters: ``q`` (our query language), ``sort``, ``match``, ``plain``,
``since``/``until``, one parameter per facet drilled into (``tags=...``,
repeatable: OR within one, AND across), ``collapse``, ``page``, ``by``
(the timeline's period, ``auto`` by default).
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date
from typing import Mapping, Optional, Sequence
from urllib.parse import urlencode

from ..errors import InvalidArgument
from ..query.fields import FACETS, PERIODS
from ..query.request import MATCHES, SORTS, Match, Sort

PAGE_SIZE = 20
MAX_PAGE = 500  # 10,000 hits deep: past that, narrowing or the export serves better
TIMELINE_BY = ("auto",) + PERIODS
# Facet lists of the page, in this order; "month" is left to the timeline.
PAGE_FACETS = ("tags", "sources", "authors", "publisher", "language", "year")
_FILTERABLE = tuple(name for name in FACETS)
_FLAGS = ("plain", "collapse")


@dataclass(frozen=True)
class SearchState:
    q: str = ""
    sort: str = ""  # "" is the default: relevance with a query, newest first without
    match: str = "all"
    plain: bool = False
    since: str = ""
    until: str = ""
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    collapse: bool = False
    page: int = 1
    by: str = "auto"

    # -- what the library is asked -------------------------------------------
    @property
    def effective_sort(self) -> Sort:
        if self.sort:
            return self.sort  # type: ignore[return-value]
        return "relevance" if self.q.strip() else "-date"

    @property
    def effective_match(self) -> Match:
        return self.match  # type: ignore[return-value]

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE

    def filter_map(self) -> Optional[dict[str, tuple[str, ...]]]:
        return dict(self.filters) or None

    def query_args(self) -> dict[str, object]:
        """The keyword arguments every Archive read of this state shares."""
        return {"filters": self.filter_map(), "since": self.since or None, "until": self.until or None}

    def timeline_by(self) -> str:
        """The period to chart by: as asked, or days for a span of three
        months or less, otherwise months (charted by year past 8 years)."""
        if self.by != "auto":
            return self.by
        start, end = _day_of(self.since), _day_of(self.until, last=True)
        if start and end and (end - start).days <= 92:
            return "day"
        return "month"

    def selected(self, facet: str) -> tuple[str, ...]:
        return dict(self.filters).get(facet, ())

    # -- links -----------------------------------------------------------------
    def params(self) -> list[tuple[str, str]]:
        """The URL parameters of this state, defaults left out."""
        out: list[tuple[str, str]] = []
        if self.q:
            out.append(("q", self.q))
        for name in ("sort", "since", "until"):
            if getattr(self, name):
                out.append((name, getattr(self, name)))
        if self.match != "all":
            out.append(("match", self.match))
        out += [(flag, "1") for flag in _FLAGS if getattr(self, flag)]
        for facet, values in self.filters:
            out += [(facet, value) for value in values]
        if self.by != "auto":
            out.append(("by", self.by))
        if self.page != 1:
            out.append(("page", str(self.page)))
        return out

    def url(self, path: str = "/", extra: Sequence[tuple[str, str]] = (), **changes: object) -> str:
        """A link to ``path`` with this state (``changes`` applied) and ``extra`` parameters."""
        state = replace(self, **changes) if changes else self  # type: ignore[arg-type]
        query = urlencode([*extra, *state.params()])
        return f"{path}?{query}" if query else path

    def with_filter(self, facet: str, value: str) -> "SearchState":
        found = dict(self.filters)
        values = found.get(facet, ())
        if value not in values:
            found[facet] = values + (value,)
        return replace(self, filters=_ordered(found), page=1)

    def without_filter(self, facet: str, value: str) -> "SearchState":
        found = dict(self.filters)
        found[facet] = tuple(v for v in found.get(facet, ()) if v != value)
        return replace(self, filters=_ordered(found), page=1)

    def link_with(self, facet: str, value: str, path: str = "/") -> str:
        return self.with_filter(facet, value).url(path)

    def link_without(self, facet: str, value: str, path: str = "/") -> str:
        return self.without_filter(facet, value).url(path)


def _ordered(found: Mapping[str, tuple[str, ...]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((name, found[name]) for name in _FILTERABLE if found.get(name))


def _day_of(text: str, last: bool = False) -> Optional[date]:
    """The first (or last) day a since/until value like 2021, 2021-03 or
    2021-03-05 names; None for any other form (the library reads those)."""
    parts = text.split("-")
    if not text or len(parts) > 3 or not all(part.isdigit() for part in parts):
        return None
    numbers = [int(part) for part in parts]
    try:
        if len(numbers) == 3:
            return date(*numbers)
        if len(numbers) == 2:
            year, month = numbers
            return date(year, month, calendar.monthrange(year, month)[1] if last else 1)
        return date(numbers[0], 12, 31) if last else date(numbers[0], 1, 1)
    except ValueError:
        return None


def _one(params: Mapping[str, Sequence[str]], name: str) -> str:
    values = params.get(name) or [""]
    return values[-1].strip() if name != "q" else values[-1]


def state_from(params: Mapping[str, Sequence[str]]) -> SearchState:
    """The state a URL's parameters describe; InvalidArgument for a value
    that cannot be (an unknown sort, a page that is not a number)."""
    sort, match, by = _one(params, "sort"), _one(params, "match") or "all", _one(params, "by") or "auto"
    if sort and sort not in SORTS:
        raise InvalidArgument(f"sort must be one of {', '.join(SORTS)}")
    if match not in MATCHES:
        raise InvalidArgument(f"match must be one of {', '.join(MATCHES)}")
    if by not in TIMELINE_BY:
        raise InvalidArgument(f"by must be one of {', '.join(TIMELINE_BY)}")
    page_text = _one(params, "page") or "1"
    if not page_text.isdigit() or not 1 <= int(page_text) <= MAX_PAGE:
        raise InvalidArgument(f"page must be a number from 1 to {MAX_PAGE}")
    filters = {name: tuple(dict.fromkeys(v for v in params.get(name, ()) if v)) for name in _FILTERABLE}
    return SearchState(q=_one(params, "q"), sort=sort, match=match, plain=_flag(params, "plain"),
                       since=_one(params, "since"), until=_one(params, "until"), filters=_ordered(filters),
                       collapse=_flag(params, "collapse"), page=int(page_text), by=by)


def _flag(params: Mapping[str, Sequence[str]], name: str) -> bool:
    return _one(params, name) not in ("", "0")
