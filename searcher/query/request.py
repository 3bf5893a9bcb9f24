"""What a search asks for: one typed request, checked once for every backend."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal, Mapping, Optional, Union, get_args

from ..errors import InvalidArgument
from .fields import check_facet, filter_facet

Sort = Literal["relevance", "date", "-date"]
Match = Literal["all", "any"]
SORTS: tuple[str, ...] = get_args(Sort)
MATCHES: tuple[str, ...] = get_args(Match)
FilterValues = Union[str, Iterable[str]]
# Filter key -> the values any of which an article must have.
Filters = dict[str, tuple[str, ...]]


def normalise_filters(filters: Optional[Mapping[str, FilterValues]]) -> Optional[Filters]:
    """``{"tag": "Politics"}`` as ``{"tag": ("Politics",)}``; None when empty;
    InvalidArgument for a key that is not a filter."""
    if not filters:
        return None
    out: Filters = {}
    for key, values in filters.items():
        filter_facet(key)
        out[key] = (values,) if isinstance(values, str) else tuple(values)
    return out


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

    def __post_init__(self) -> None:
        if not isinstance(self.query, str):
            raise TypeError(f"search() takes the query as a str, not {type(self.query).__name__}")
        if self.sort not in SORTS:
            raise InvalidArgument(f"sort must be one of {', '.join(SORTS)}")
        if self.match not in MATCHES:
            raise InvalidArgument(f"match must be one of {', '.join(MATCHES)}")
        object.__setattr__(self, "facets", tuple(self.facets))
        for facet in self.facets:
            check_facet(facet)
        object.__setattr__(self, "filters", normalise_filters(self.filters))
