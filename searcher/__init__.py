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
    "IndexOutdated": "errors",
    "IndexWriteError": "errors",
    "IndexingInterrupted": "errors",
    "QueryTooBroad": "errors",
    "ArchiveClosed": "errors",
    "Timeline": "results",
}
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # "X as X": explicit re-exports, for mypy --strict in user code
    from .api import Archive as Archive
    from .api import parse_files as parse_files
    from .article import Article as Article
    from .article import Skipped as Skipped
    from .errors import ArchiveClosed as ArchiveClosed
    from .errors import ArticleNotFound as ArticleNotFound
    from .errors import IndexDamaged as IndexDamaged
    from .errors import IndexingInterrupted as IndexingInterrupted
    from .errors import IndexLocked as IndexLocked
    from .errors import IndexNotFound as IndexNotFound
    from .errors import IndexOutdated as IndexOutdated
    from .errors import IndexWriteError as IndexWriteError
    from .errors import InvalidArgument as InvalidArgument
    from .errors import QuerySyntaxError as QuerySyntaxError
    from .errors import QueryTooBroad as QueryTooBroad
    from .errors import SearcherError as SearcherError
    from .results import Hit as Hit
    from .results import IndexReport as IndexReport
    from .results import SearchResult as SearchResult
    from .results import Stats as Stats
    from .results import Timeline as Timeline


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'searcher' has no attribute {name!r}")
