"""searcher: full-text search for news archives.

    from searcher import Archive
    with Archive.create("index") as archive:
        archive.add(["corpus/"])
        for hit in archive.search('"gas pipeline" source:BBC').hits:
            print(hit.date, hit.title)
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Resolved on first use, so that `searcher --help` does not import Whoosh.
_EXPORTS = {
    "Archive": "api",
    "parse_files": "api",
    "Article": "article",
    "Skipped": "article",
    "Hit": "results",
    "SearchResult": "results",
    "IndexReport": "results",
    "Stats": "results",
    "SearcherError": "errors",
    "QuerySyntaxError": "errors",
    "IndexNotFound": "errors",
    "ArticleNotFound": "errors",
    "IndexLocked": "errors",
    "InvalidArgument": "errors",
    "IndexDamaged": "errors",
    "Timeline": "results",
}
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from .api import Archive, parse_files
    from .article import Article, Skipped
    from .errors import (ArticleNotFound, IndexDamaged, IndexLocked, IndexNotFound, InvalidArgument, QuerySyntaxError,
                         SearcherError)
    from .results import Hit, IndexReport, SearchResult, Stats, Timeline


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'searcher' has no attribute {name!r}")
