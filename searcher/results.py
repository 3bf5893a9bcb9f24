"""What the library returns: plain dataclasses, never engine objects."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

from .article import Skipped


@dataclass
class Hit:
    id: str
    title: str
    date: Optional[datetime]
    authors: list[str]
    sources: list[str]
    tags: list[str]
    url: str
    publisher: str
    score: Optional[float]
    rank: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "authors": self.authors,
            "sources": self.sources,
            "tags": self.tags,
            "url": self.url,
            "publisher": self.publisher,
            "score": None if self.score is None else round(self.score, 4),
        }


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    offset: int = 0
    sort: str = "relevance"

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "offset": self.offset,
            "sort": self.sort,
            "hits": [hit.to_dict() for hit in self.hits],
        }


@dataclass
class IndexReport:
    """What one indexing run did, in articles (files for ``files_*``)."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    files_read: int = 0
    files_unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    total: int = 0

    @property
    def ok(self) -> bool:
        return not self.skipped

    def to_dict(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "files_read": self.files_read,
            "files_unchanged": self.files_unchanged,
            "skipped": [{"origin": s.origin, "reason": s.reason} for s in self.skipped],
            "total": self.total,
        }


@dataclass
class Stats:
    articles: int
    first_date: Optional[datetime]
    last_date: Optional[datetime]
    undated: int
    top_tags: list[tuple[str, int]]
    top_sources: list[tuple[str, int]]
    top_authors: list[tuple[str, int]]
    size_bytes: int
    path: str
    skipped_files: list[Skipped] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "articles": self.articles,
            "first_date": self.first_date.isoformat() if self.first_date else None,
            "last_date": self.last_date.isoformat() if self.last_date else None,
            "undated": self.undated,
            "top_tags": [{"value": v, "count": c} for v, c in self.top_tags],
            "top_sources": [{"value": v, "count": c} for v, c in self.top_sources],
            "top_authors": [{"value": v, "count": c} for v, c in self.top_authors],
            "size_bytes": self.size_bytes,
            "skipped_files": [{"origin": s.origin, "reason": s.reason} for s in self.skipped_files],
        }
