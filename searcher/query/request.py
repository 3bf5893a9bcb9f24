"""What a search asks for: one typed request, checked once for every backend."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal, Mapping, Optional, Union, get_args

from ..errors import InvalidArgument
from ..nearcopies import threshold_of
from .fields import check_facet, filter_facet

Sort = Literal["relevance", "date", "-date"]
Match = Literal["all", "any"]
Count = Literal["articles", "stories"]
SORTS: tuple[str, ...] = get_args(Sort)
MATCHES: tuple[str, ...] = get_args(Match)
COUNTS: tuple[str, ...] = get_args(Count)
# A near-copy threshold: a name of nearcopies.SIMILARITY, a containment number, or None (the default).
Similarity = Union[str, float, None]
FilterValues = Union[str, Iterable[str]]
# Filter key -> the values any of which an article must have.
Filters = dict[str, tuple[str, ...]]


def normalise_filters(filters: Optional[Mapping[str, FilterValues]]) -> Optional[Filters]:
    """``{"tag": "Politics"}`` as ``{"tag": ("Politics",)}``; None when empty;
    InvalidArgument for a key that is not a filter or a value that is not text."""
    if not filters:
        return None
    out: Filters = {}
    for key, values in filters.items():
        filter_facet(key)
        try:
            out[key] = (values,) if isinstance(values, str) else tuple(values)
        except TypeError:  # a number, None: not a value nor a list of them
            out[key] = ()
        if not out[key] or not all(isinstance(value, str) for value in out[key]):
            raise InvalidArgument(f"filter {key!r} takes a string or a list of strings, not {values!r}")
    return out


def check_match(match: str) -> str:
    if match not in MATCHES:
        raise InvalidArgument(f"match must be one of {', '.join(MATCHES)}")
    return match


def check_counting(count: str) -> str:
    if count not in COUNTS:
        raise InvalidArgument(f"count must be one of {', '.join(COUNTS)}")
    return count


def check_count(name: str, value: Optional[int], *, least: int = 0, optional: bool = False) -> None:
    """InvalidArgument unless ``value`` is an int of at least ``least`` (or None when ``optional``)."""
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise InvalidArgument(f"{name} must be a whole number of at least {least}, not {value!r}")


@dataclass(frozen=True)
class SearchRequest:
    """One search. ``query`` in our language (or plain words with
    ``syntax=False``); see ``Archive.search`` for every field."""

    query: str = ""
    limit: int = 10
    offset: int = 0
    sort: Sort = "relevance"
    match: Match = "all"
    facets: tuple[str, ...] = ()
    facet_limit: Optional[int] = 10
    filters: Optional[Filters] = None
    since: Optional[str] = None
    until: Optional[str] = None
    syntax: bool = True
    fallback: bool = True
    # Snippets and matched terms for each hit (exports that print neither can skip them).
    snippets: bool = True
    # Near-copy groups: one hit per group; facets counting groups ("stories").
    collapse: bool = False
    count: Count = "articles"
    similarity: Similarity = None

    def __post_init__(self) -> None:
        if not isinstance(self.query, str):
            raise TypeError(f"search() takes the query as a str, not {type(self.query).__name__}")
        if self.sort not in SORTS:
            raise InvalidArgument(f"sort must be one of {', '.join(SORTS)}")
        check_match(self.match)
        check_counting(self.count)
        threshold_of(self.similarity)
        check_count("limit", self.limit)
        check_count("offset", self.offset)
        check_count("facet_limit", self.facet_limit, optional=True)
        object.__setattr__(self, "facets", tuple(self.facets))
        for facet in self.facets:
            check_facet(facet)
        object.__setattr__(self, "filters", normalise_filters(self.filters))
