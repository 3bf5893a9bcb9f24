"""What the library returns: plain dataclasses, never engine objects."""
from __future__ import annotations

import enum
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
    snippet: str = ""
    # Where the matched words are in ``snippet``: (start, end) character offsets.
    highlights: list[tuple[int, int]] = field(default_factory=list)
    # The analysed terms this article matched (stems: "pipelin").
    matched_terms: list[str] = field(default_factory=list)
    # "year" / "month" when the date is known only that far (``date`` is its first day).
    date_precision: str = ""
    # A collapsed search (or a list of copies): the near-copy group's id (the
    # id of its earliest-dated copy), how many matching articles it holds,
    # and their outlets (publishers, most copies first).
    group: Optional[str] = None
    copies: Optional[int] = None
    outlets: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        found = self._fields()
        if self.group is not None:
            found.update(group=self.group, copies=self.copies, outlets=self.outlets)
        return found

    def _fields(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "date_precision": self.date_precision or None,
            "authors": self.authors,
            "sources": self.sources,
            "tags": self.tags,
            "url": self.url,
            "publisher": self.publisher,
            "score": None if self.score is None else round(self.score, 4),
            "snippet": self.snippet,
            "highlights": [list(span) for span in self.highlights],
            "matched_terms": self.matched_terms,
        }


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    offset: int = 0
    sort: str = "relevance"
    match: str = "all"
    # facet name -> [(value, count)], by count then value, over all matches.
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    # query word -> close indexed words, when a word is not in the index.
    suggestions: dict[str, list[str]] = field(default_factory=dict)
    # "any" when no article had every word and any-word results are shown.
    fallback: Optional[str] = None
    # common words left out of a match="any" query (searchable with "all").
    ignored: list[str] = field(default_factory=list)
    # why nothing matched, when the query itself explains it (only common words).
    notice: Optional[str] = None
    # shards of a sharded archive that could not answer (allow_partial): the
    # hits, total and counts are then those of the other shards only.
    missing_shards: list[str] = field(default_factory=list)
    # Near-copy groups among the matches (with collapse or count="stories");
    # ``collapsed``: one hit per group, so pages hold groups.
    stories: Optional[int] = None
    collapsed: bool = False
    count: str = "articles"  # what the facets count: articles, or "stories"

    @property
    def partial(self) -> bool:
        return bool(self.missing_shards)

    def to_dict(self) -> dict[str, Any]:
        found = {
            "query": self.query,
            "total": self.total,
            **({"stories": self.stories, "collapsed": self.collapsed, "count": self.count}
               if self.stories is not None else {}),
            "offset": self.offset,
            "sort": self.sort,
            "match": self.match,
            "fallback": self.fallback,
            "hits": [hit.to_dict() for hit in self.hits],
            "facets": {name: [{"value": v, "count": c} for v, c in counts]
                       for name, counts in self.facets.items()},
            "suggestions": self.suggestions,
            "ignored": self.ignored,
            "notice": self.notice,
        }
        return _with_missing(found, self.missing_shards)


@dataclass
class Timeline:
    """Matching articles per period, every period in the span (zeros included)."""

    query: str
    by: str
    periods: list[tuple[str, int]]
    undated: int
    total: int
    # Dated only to a coarser period than ``by`` ("2021" in a timeline by
    # month): counted here, in no period, rather than given an invented one.
    coarse: int = 0
    missing_shards: list[str] = field(default_factory=list)  # as in SearchResult
    # "stories": near-copy groups counted, each in the period of its earliest matching copy.
    count: str = "articles"

    @property
    def partial(self) -> bool:
        return bool(self.missing_shards)

    def to_dict(self) -> dict[str, Any]:
        found = {
            "query": self.query,
            "by": self.by,
            **({"count": self.count} if self.count != "articles" else {}),
            "total": self.total,
            "undated": self.undated,
            "coarse": self.coarse,
            "periods": [{"period": p, "count": c} for p, c in self.periods],
        }
        return _with_missing(found, self.missing_shards)


@dataclass
class Story:
    """A near-copy group: its representative (the earliest-dated copy: its
    id is the group's id), how many copies the archive holds, and their outlets."""

    group: str
    title: str
    date: Optional[datetime]
    url: str
    publisher: str
    copies: int
    outlets: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"group": self.group, "title": self.title, "date": self.date.isoformat() if self.date else None,
                "url": self.url, "publisher": self.publisher, "copies": self.copies, "outlets": self.outlets}


def _with_missing(found: dict[str, Any], missing: list[str]) -> dict[str, Any]:
    """A partial answer says so (a complete one's keys stay as they were)."""
    if missing:
        found["partial"] = True
        found["missing_shards"] = list(missing)
    return found


@dataclass
class IndexProgress:
    """Where an indexing run is, for progress displays. Bytes are those of
    the files this run reads (new or changed; by their size on disk), so
    the share done and the time left follow the reading, the slow part."""

    files_total: int = 0
    files_done: int = 0  # read, passed over or unchanged
    articles: int = 0
    bytes_total: int = 0
    bytes_done: int = 0

    @property
    def fraction_done(self) -> float:
        """The share of the run done, 0 to 1: by bytes, else by files."""
        if self.bytes_total:
            return min(1.0, self.bytes_done / self.bytes_total)
        return min(1.0, self.files_done / self.files_total) if self.files_total else 1.0

    def seconds_left(self, seconds: float, bytes_then: int = 0) -> Optional[float]:
        """The time left, estimated from the bytes read in the last ``seconds``
        (``bytes_then`` of them done when those began); None before any."""
        read = self.bytes_done - bytes_then
        if read <= 0 or seconds <= 0 or not self.bytes_total:
            return None
        return max(0, self.bytes_total - self.bytes_done) * seconds / read


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
    ignored: int = 0  # files in folders or bundles that are not articles (images, sitemaps, word lists)
    warnings: list[str] = field(default_factory=list)  # indexed, but worth knowing (ids two files share)
    passed_over: list[Skipped] = field(default_factory=list)  # the ``ignored`` files, with why

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
            "ignored": self.ignored,
            "warnings": self.warnings,
            "passed_over": [{"origin": s.origin, "reason": s.reason} for s in self.passed_over],
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


# -- check and rebuild ---------------------------------------------------------

class ProblemKind(enum.Enum):
    """What check found; callers decide by this, never by the message."""

    STALE_WRITE_LOCK = "stale_write_lock"  # Whoosh's lock, held by what a killed run left
    MANIFEST_UNREADABLE = "manifest_unreadable"
    NO_TABLE_OF_CONTENTS = "no_table_of_contents"
    TABLE_OF_CONTENTS_UNREADABLE = "table_of_contents_unreadable"
    NEWER_TABLE_OF_CONTENTS_LOST = "newer_table_of_contents_lost"
    OUTDATED_ANALYSIS = "outdated_analysis"
    SEGMENT_FILE_MISSING = "segment_file_missing"  # a compound segment's .seg
    SEGMENT_UNREADABLE = "segment_unreadable"
    DOCUMENTS_WITHOUT_ID = "documents_without_id"
    CHECKSUMS_UNREADABLE = "checksums_unreadable"
    CHECKSUM_MISMATCH = "checksum_mismatch"
    DUPLICATE_ID = "duplicate_id"
    MANIFEST_ARTICLE_MISSING = "manifest_article_missing"
    FOREIGN_FILE = "foreign_file"
    INTERRUPTED_WRITE_LEFTOVER = "interrupted_write_leftover"
    STALE_REBUILD_FOLDER = "stale_rebuild_folder"
    WRONG_SHARD = "wrong_shard"  # an article in a shard its id does not name
    SHARD_MISSING = "shard_missing"  # a shard folder of a sharded archive is gone

    @property
    def severity(self) -> str:
        """``warning`` when the index is intact and usable as it is, else ``error``."""
        return "warning" if self in _WARNINGS else "error"


_WARNINGS = frozenset({ProblemKind.STALE_WRITE_LOCK, ProblemKind.CHECKSUMS_UNREADABLE,
                       ProblemKind.INTERRUPTED_WRITE_LEFTOVER, ProblemKind.STALE_REBUILD_FOLDER})
@dataclass
class Problem:
    kind: ProblemKind
    message: str

    @property
    def severity(self) -> str:  # "error" or "warning"
        return self.kind.severity

    def to_dict(self) -> dict[str, str]:
        return {"severity": self.severity, "message": self.message, "kind": self.kind.value}


@dataclass
class CheckReport:
    """What ``Archive.check()`` found."""

    path: str
    articles: int = 0  # live articles in the index
    segments: int = 0
    generation: int = -1  # the table of contents' generation (one per commit)
    files_recorded: int = 0  # files the manifest records as read
    ids_recorded: int = 0  # distinct article ids the manifest lists
    # Articles no recorded file lists: added as Article objects, or by a run
    # stopped between a commit and its manifest save (its next run re-reads
    # the file and counts them unchanged).
    unrecorded: int = 0
    writer: Optional[int] = None  # pid of an indexing run writing now (0: pid unknown)
    leftovers: list[str] = field(default_factory=list)  # files an interrupted write left
    problems: list[Problem] = field(default_factory=list)
    cleaned: list[str] = field(default_factory=list)  # leftovers removed by clean=True
    verified: int = 0  # files whose size (deep: and CRC32) matched their recorded checksum
    unchecksummed: list[str] = field(default_factory=list)  # sound files with no checksum yet
    newer_toc_lost: str = ""  # a committed table of contents newer than the one read, gone
    checksummed_now: list[str] = field(default_factory=list)  # of those, recorded by this check
    stale_rebuilds: list[str] = field(default_factory=list)  # folders killed rebuilds left

    @property
    def errors(self) -> list[str]:
        return [p.message for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[str]:
        return [p.message for p in self.problems if p.severity == "warning"]

    @property
    def kinds(self) -> set[ProblemKind]:
        return {p.kind for p in self.problems}

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_problem(self, kind: ProblemKind, message: str) -> None:
        self.problems.append(Problem(kind, message))

    def drop_problems(self, kind: ProblemKind) -> None:
        """Forget the problems of one kind (``clean`` removed their cause)."""
        self.problems = [p for p in self.problems if p.kind is not kind]

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "ok": self.ok,
            "articles": self.articles,
            "segments": self.segments,
            "generation": self.generation,
            "files_recorded": self.files_recorded,
            "ids_recorded": self.ids_recorded,
            "unrecorded": self.unrecorded,
            "writer": self.writer,
            "leftovers": self.leftovers,
            "cleaned": self.cleaned,
            "verified": self.verified,
            "unchecksummed": self.unchecksummed,
            "checksummed_now": self.checksummed_now,
            "stale_rebuilds": self.stale_rebuilds,
            "problems": [p.to_dict() for p in self.problems],
        }


@dataclass
class RebuildReport(IndexReport):
    """An IndexReport of the files re-read, plus the articles kept from the
    old index because no existing source file provides them."""

    kept: int = 0
    notes: list[str] = field(default_factory=list)  # what the user should know, not a failure

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "kept": self.kept, "notes": list(self.notes)}
