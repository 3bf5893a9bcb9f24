"""The engine interface: what ``Archive`` and ingest ask of a backend.

A backend stores articles and answers query trees; the query language,
the planning rules (any-word fallback, stop words, suggestions), snippets
and the result records are the library's own (searcher/query/) and the same
for every backend. Each backend is a module (``searcher.engine.BACKENDS``)
with the functions of ``BackendModule``; an open index is a ``Backend``.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Protocol

from ..article import Article
from ..nearcopies import COPY_CONTAINMENT
from ..query import tree
from ..query.ranking import Ranking
from ..query.request import Filters, Sort
from ..results import CheckReport, IndexProgress, RebuildReport, Stats

# (start, end, analysed term) of one word of a text.
Span = tuple[int, int, str]


@dataclass(frozen=True)
class Plan:
    """One query as a backend runs it: the tree (date span included), the
    filters, the order and the page."""

    node: tree.Node
    filters: Optional[Filters] = None
    sort: Sort = "relevance"
    offset: int = 0
    limit: int = 10
    facets: tuple[str, ...] = ()
    facet_limit: Optional[int] = 10
    # False: the page's articles as ids only (Article(id=...)), fetched
    # whole later (a sharded archive's deep pages: the shards' candidates
    # are many, the page's articles few).
    fetch: bool = True
    # Near-copy groups at this containment threshold (searcher/nearcopies.py):
    # ``collapse``, one page entry per group; ``stories``, the groups among
    # the matches counted (Execution.stories) and facets counting groups.
    similarity: float = COPY_CONTAINMENT
    collapse: bool = False
    stories: bool = False


@dataclass(frozen=True)
class Copies:
    """A page entry's group among the matches: the group's id (its
    representative's article id: the earliest-dated copy in the archive),
    how many matching articles it holds, and their outlets (most copies first)."""

    group: str
    count: int
    outlets: tuple[str, ...] = ()


@dataclass
class Execution:
    """A backend's answer to a Plan: the page, the exact total, the facet
    counts over every match, and the analysed terms the query looks for in
    each text field (for snippets)."""

    total: int
    page: list[tuple[Article, Optional[float]]]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    terms: dict[str, frozenset[str]] = field(default_factory=dict)
    # Each page entry's place in the plan's order, smaller first (relevance:
    # the negated score; date orders: the date key), so that the pages of
    # several shards merge into the page of the whole archive.
    order: list[float] = field(default_factory=list)
    # Shards that could not answer (a partial answer, when allowed).
    missing: list[str] = field(default_factory=list)
    # A merged answer's shard of each page entry.
    sources: list[int] = field(default_factory=list)
    # With plan.collapse or plan.stories: each page entry's group, and
    # the number of groups among the matches.
    copies: list[Copies] = field(default_factory=list)
    stories: Optional[int] = None
    # A shard's: each page entry's group number, and the groups among the
    # matches with copies in other shards (``stories`` counts the others).
    groups: list[int] = field(default_factory=list)
    shared: Optional["SharedStories"] = None


@dataclass(frozen=True)
class GivenGroups:
    """A sharded archive's near-copy groups as one shard sees them: the
    shard's index version they were made for (``key``), each docnum's group
    number (``labels``, numbers unique across the archive) and whether its
    group has copies in other shards (``spanning``; numpy arrays)."""

    key: str
    labels: Any
    spanning: Any
    alone: Any  # the group is this docnum only, in the whole archive


@dataclass
class SharedStories:
    """A shard's part of the groups that span shards, among its matches:
    each group's earliest matching copy (``earliest``: group -> (date key,
    day ordinal, dated only coarser than the timeline's period)) and, per
    value facet, the (value, group) pairs of those copies."""

    earliest: dict[int, tuple[int, int, bool]] = field(default_factory=dict)
    values: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


@dataclass
class CorpusStats:
    """What BM25F needs to know of the whole archive for one query: the
    document count, each scored field's total length, and the document
    frequency of each (field, word) the query scores. One index's own
    statistics; or the sums over the shards of a sharded archive, given to
    each shard so that its scores are those of one index of every article."""

    doc_count: int = 0
    field_lengths: dict[str, int] = field(default_factory=dict)
    doc_frequencies: dict[tuple[str, str], int] = field(default_factory=dict)
    # Occurrences in all documents (what "similar" weighs an article's words by).
    collection_frequencies: dict[tuple[str, str], int] = field(default_factory=dict)
    # Each pattern's (prefix, wildcard, fuzzy) words, by the backend's key for
    # it: whether it is scored word by word depends on how many it has in
    # the whole archive.
    pattern_words: dict[str, frozenset[str]] = field(default_factory=dict)

    def add(self, other: "CorpusStats") -> "CorpusStats":
        words = dict(self.pattern_words)
        for key, found in other.pattern_words.items():
            words[key] = words.get(key, frozenset()) | found
        return CorpusStats(self.doc_count + other.doc_count, _summed(self.field_lengths, other.field_lengths),
                           _summed(self.doc_frequencies, other.doc_frequencies),
                           _summed(self.collection_frequencies, other.collection_frequencies), words)


def _summed(one: dict, other: dict) -> dict:
    total = dict(one)
    for key, count in other.items():
        total[key] = total.get(key, 0) + count
    return total


@dataclass
class DayCounts:
    """Matching articles per day (day ordinal; 0: undated) for a timeline;
    ``coarse``: those dated only to a period longer than the timeline's."""

    per_day: Counter
    total: int
    coarse: int = 0
    missing: list[str] = field(default_factory=list)
    shared: Optional[SharedStories] = None  # a shard's, counting stories


class Analysis(Protocol):
    """How a backend turns text into the terms it indexes."""

    def query_terms(self, text: str) -> list[str]:
        """The analysed terms of query text (a common word gives none)."""

    def spans(self, text: str, language: str = "") -> list[Span]:
        """Every analysed word of ``text`` (in ``language``'s analysis) with its character offsets."""


class ArticleWriter(Protocol):
    """One indexing run's access to the index (ingest batches the articles)."""

    def stored(self, article_id: str) -> Optional[tuple[str, str]]:
        """(origin, fingerprint) of the article indexed under this id, or None."""

    def commit(self, articles: list[tuple[Article, str, bool]], deletions: Iterable[str]) -> None:
        """Write (article, fingerprint, replaces an indexed copy) and delete
        ``deletions`` (ids) in one commit: all of it, or nothing."""

    def finish(self) -> int:
        """End the run (derived data brought up to date); the article count."""

    def close(self) -> None:
        """Release what the run holds, committed or not."""


class Backend(Protocol):
    """An open index."""

    @property
    def path(self) -> Path:
        """The index folder."""

    @property
    def analysis(self) -> Analysis:
        """The index's text analysis (for snippets and the query layer)."""

    def doc_count(self) -> int: ...

    def execute(self, plan: Plan, stats: Optional[CorpusStats] = None) -> Execution:
        """The plan's answer, scored with ``stats`` (default: the index's own)."""

    def corpus_stats(self, plan: Plan) -> CorpusStats:
        """This index's statistics for the words ``plan`` scores."""

    def searchable(self, node: tree.Node) -> bool:
        """Whether ``node`` can match anything here (False: it holds only words the index leaves out)."""

    def suggest(self, words: list[tuple[str, str]]) -> dict[str, list[str]]:
        """For (word, field or '') pairs the index does not hold: close indexed words."""

    def facet(self, node: tree.Node, filters: Optional[Filters], name: str,
              stories: Optional[float] = None) -> Counter:
        """Matching articles per value of one facet (``stories``: near-copy
        groups at that threshold instead, each counted once per value its copies have)."""

    def days(self, node: tree.Node, filters: Optional[Filters], by: str,
             stories: Optional[float] = None) -> DayCounts:
        """Matching articles per day (``stories``: groups, each on the day of its earliest matching copy)."""

    def copies(self, article_id: str, similarity: float) -> Optional[list[tuple[Article, float]]]:
        """The article's group at ``similarity``, itself first, each with its
        estimated containment against the article; None when it is not here."""

    def top_stories(self, limit: int, similarity: float) -> list[tuple[Article, int, tuple[str, ...]]]:
        """The groups with the most copies: (representative, copies, outlets), most copies first."""

    def similar(self, article_id: str, limit: int) -> list[tuple[Article, Optional[float]]]: ...

    def similar_words(self, article_id: str) -> Optional[dict[str, float]]:
        """The article's analysed body words with their weights (None: not here)."""

    def word_stats(self, words: list[str]) -> CorpusStats:
        """This index's document and collection frequencies of body words."""

    def key_terms(self, weights: dict[str, float], stats: CorpusStats) -> list[tuple[str, float]]:
        """The words ``similar`` searches for, weighted, from the archive's ``stats``."""

    def similar_to(self, terms: list[tuple[str, float]], article_id: str, limit: int,
                   stats: CorpusStats) -> Execution:
        """The best ``limit`` articles for weighted body words, ``article_id`` left out."""

    def get(self, article_id: str) -> Optional[Article]: ...

    def fetch(self, article_ids: list[str]) -> list[Optional[Article]]:
        """The articles of these ids (None for one not here), from the index as one search reads it."""

    def stats(self, top: int) -> Stats: ...

    def writer(self, jobs: int) -> ArticleWriter: ...

    def close(self) -> None: ...


class BackendModule(Protocol):
    """What a backend package provides (``searcher.engine.backend(name)``)."""

    def exists(self, path: Path) -> bool: ...

    def open(self, path: Path, ranking: Ranking) -> Backend: ...

    def create(self, path: Path, ranking: Ranking) -> Backend:
        """Open, creating an index when there is none (under ingest's lock)."""

    def refuse_foreign_folder(self, path: Path) -> None: ...

    def check_index(self, path: Path, deep: bool, clean: bool) -> "CheckReport": ...

    def rebuild_index(self, path: Path, *, commit_every: int, jobs: Optional[int],
                progress: Optional[Callable[[IndexProgress], None]], wait: Optional[float],
                paths: Iterable[Any]) -> "RebuildReport": ...

    def failed_on_damage(self, exc: BaseException, path: Path) -> bool:
        """Whether an error met while reading the index at ``path`` comes from damaged files."""
