"""The archive's fields as the query language, facets and filters name them.

Engine-neutral: a backend maps these names to its own fields.
"""
from __future__ import annotations

from typing import Optional

from ..errors import InvalidArgument

# Searched when a word names no field.
TEXT_FIELDS = ("title", "body")
# Names and labels: searchable by word (``author:scott``) and counted by exact value.
NAME_FIELDS = ("author", "source", "tag", "publisher")
# Facet name (API and CLI) -> the query field whose exact values it counts.
VALUE_FACETS = {"tags": "tag", "sources": "source", "authors": "author", "publisher": "publisher",
                "language": "lang"}
DATE_FACETS = ("year", "month")
FACETS = tuple(VALUE_FACETS) + DATE_FACETS
# Filter keys: the query-language field names and the facet names both work.
FILTER_KEYS = {"tag": "tags", "source": "sources", "author": "authors", "lang": "language",
               **{name: name for name in FACETS}}
PERIODS = ("year", "month", "week", "day")


def check_facet(name: str) -> str:
    """``name`` when it is a facet; InvalidArgument naming the facets otherwise."""
    if name not in FACETS:
        raise InvalidArgument(f"unknown facet {name!r} (facets: {', '.join(FACETS)})")
    return name


def check_period(name: str) -> str:
    if name not in PERIODS:
        raise InvalidArgument(f"unknown period {name!r} (periods: {', '.join(PERIODS)})")
    return name


def filter_facet(key: str) -> str:
    """The facet a filter key drills down on (``tag`` -> ``tags``)."""
    facet: Optional[str] = FILTER_KEYS.get(key)
    if facet is None:
        raise InvalidArgument(f"unknown filter {key!r} (filters: {', '.join(sorted(FILTER_KEYS))})")
    return facet
