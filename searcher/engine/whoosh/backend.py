"""The Whoosh backend: an open index answering the engine interface (base.Backend)."""
from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import numpy as np

from searcher.article import Article
from searcher.query import tree
from searcher.query.ranking import Ranking
from searcher.query.request import Filters
from searcher.results import Stats

from ..base import CorpusStats, DayCounts, Execution, GivenGroups, Plan, SharedStories
from . import collapse, similar
from .accel.analysis import analysed_spans
from .accel.imports import query as wq
from .damage import reads_index
from .execute import Searching, execute, facet_counts, matching_groups, plan_stats, shard_facet_counts
from .languages import for_language
from .suggest import suggestions


class WhooshAnalysis:
    """The index's text analysis (its body field's analyzer), for the query layer."""

    def __init__(self, analyzer):
        self.analyzer = analyzer

    def query_terms(self, text: str) -> list[str]:
        return [token.text for token in self.analyzer(text, mode="query")]

    def spans(self, text: str, language: str = "") -> list[tuple[int, int, str]]:
        fast = analysed_spans(self.analyzer, text, language)
        if fast is not None:
            return fast
        analyzer = for_language(self.analyzer, language)
        return [(tok.startchar, tok.endchar, tok.text) for tok in analyzer(text, chars=True, mode="query")]


class WhooshBackend:
    """One open Whoosh index; the searcher is opened on the first read.
    Every read may run on many threads at once (execute.Searching)."""

    def __init__(self, path: Path, ix, ranking: Ranking):
        self.path = Path(path)
        self.ix = ix
        self.ranking = ranking
        self._searching: Optional[Searching] = None
        self._analysis: Optional[WhooshAnalysis] = None
        self._opening = threading.Lock()

    @property
    def searching(self) -> Searching:
        if self._searching is None:
            with self._opening:  # threads' first reads at once open one searcher, not one each
                if self._searching is None:
                    self._searching = self._open_searching()
        return self._searching

    @reads_index
    def _open_searching(self) -> Searching:
        return Searching(self.ix, self.ranking)

    @property
    def analysis(self) -> WhooshAnalysis:
        if self._analysis is None:
            self._analysis = WhooshAnalysis(self.searching.schema["body"].analyzer)
        return self._analysis

    @reads_index
    def doc_count(self) -> int:
        # From the search snapshot: Whoosh's ix.doc_count() opens a fresh
        # reader of every segment (13 ms at 1M articles in 21 segments).
        return self.searching.snapshot().searcher.doc_count()

    @reads_index
    def execute(self, plan: Plan, stats: Optional[CorpusStats] = None,
                given: Optional[GivenGroups] = None) -> Execution:
        return execute(self.searching.snapshot(), plan, stats, given)

    @reads_index
    def corpus_stats(self, plan: Plan) -> CorpusStats:
        return plan_stats(self.searching.snapshot(), plan)

    def searchable(self, node: tree.Node) -> bool:
        return self.searching.compile(node) is not wq.NullQuery

    @reads_index
    def suggest(self, words: list[tuple[str, str]]) -> dict[str, list[str]]:
        searching = self.searching
        return suggestions(searching.snapshot().searcher, searching.schema, words)

    @reads_index
    def facet(self, node: tree.Node, filters: Optional[Filters], name: str,
              stories: Optional[float] = None) -> Counter:
        return facet_counts(self.searching.snapshot(), node, filters, name, stories)

    @reads_index
    def days(self, node: tree.Node, filters: Optional[Filters], by: str,
             stories: Optional[float] = None, given: Optional[GivenGroups] = None) -> DayCounts:
        snapshot = self.searching.snapshot()
        snapshot.given = given
        return snapshot.days(node, filters, by, stories)

    @reads_index
    def copies(self, article_id: str, similarity: float) -> Optional[list[tuple[Article, float]]]:
        return collapse.article_copies(self.searching.snapshot(), article_id, similarity)

    @reads_index
    def top_stories(self, limit: int, similarity: float) -> list[tuple[Article, int, tuple[str, ...]]]:
        return collapse.top_stories(self.searching.snapshot(), limit, similarity)

    # -- a shard's part of a sharded archive's near-copy groups (spanning.py) ----
    @reads_index
    def copy_key(self) -> str:
        return self.searching.snapshot().facets.index_key

    @reads_index
    def copy_signatures(self) -> tuple:
        """(index version key, hashes, sizes, date order keys) of every docnum."""
        from .copies import FIELD, signatures

        snapshot = self.searching.snapshot()
        reader = snapshot.searcher.reader()
        if FIELD not in reader.schema:
            raise collapse.unsigned()
        dates = np.frombuffer(snapshot.facets.date_order(newest_first=False), dtype=np.int64).copy()
        return (snapshot.facets.index_key, *signatures(reader), dates)

    @reads_index
    def shard_facet(self, node: tree.Node, filters: Optional[Filters], name: str,
                    given: GivenGroups) -> tuple[Counter, SharedStories]:
        return shard_facet_counts(self.searching.snapshot(), node, filters, name, given)

    @reads_index
    def group_copies(self, node: Optional[tree.Node], filters: Optional[Filters], given: GivenGroups,
                     wanted: list[int]) -> dict:
        """Per wanted group: (matching copies here, their outlets, (date key, id) of its earliest copy
        here); ``node`` None: every article matches."""
        return matching_groups(self.searching.snapshot(), node, filters, given, wanted)

    @reads_index
    def docnum_of(self, article_id: str) -> Optional[tuple[str, int]]:
        snapshot = self.searching.snapshot()
        docnum = snapshot.searcher.document_number(id=article_id)
        return None if docnum is None else (snapshot.facets.index_key, docnum)

    @reads_index
    def group_members(self, given: GivenGroups, docnums: list[int]) -> list[tuple[Article, int]]:
        """(article, date key) of these docnums (a group's copies in this shard)."""
        from .spanning import members

        snapshot = self.searching.snapshot()
        return members(snapshot.searcher, snapshot.facets, given, docnums)

    @reads_index
    def similar(self, article_id: str, limit: int) -> list[tuple[Article, Optional[float]]]:
        found = similar.similar(self.searching.snapshot(), article_id, limit)
        if found is None:
            from searcher.errors import ArticleNotFound

            raise ArticleNotFound(f"no article with id {article_id!r}")
        return found

    @reads_index
    def similar_words(self, article_id: str) -> Optional[dict[str, float]]:
        return similar.similar_words(self.searching.snapshot().searcher, article_id)

    @reads_index
    def word_stats(self, words: list[str]) -> CorpusStats:
        return similar.word_stats(self.searching.snapshot().searcher, words)

    def key_terms(self, weights: dict[str, float], stats: CorpusStats) -> list[tuple[str, float]]:
        return similar.key_terms(weights, stats)

    @reads_index
    def similar_to(self, terms: list[tuple[str, float]], article_id: str, limit: int,
                   stats: CorpusStats) -> Execution:
        return similar.similar_to(self.searching.snapshot(), terms, article_id, limit, stats)

    def get(self, article_id: str) -> Optional[Article]:
        # From the search snapshot, as fetch: a reader opened for each call
        # cost 1.4 ms of its 1.5 (Reuters).
        return self.fetch([article_id])[0]

    @reads_index
    def fetch(self, article_ids: list[str]) -> list[Optional[Article]]:
        from .documents import to_article

        searcher = self.searching.snapshot().searcher
        found = [searcher.document(id=article_id) for article_id in article_ids]
        return [to_article(fields) if fields else None for fields in found]

    def stats(self, top: int) -> Stats:
        from .store import stats

        return stats(self.ix, self.path, top=top)

    def writer(self, jobs: int):
        from .writing import WhooshWriter

        return WhooshWriter(self.ix, self.path, jobs)

    def close(self) -> None:
        if self._searching is not None:
            self._searching.close()
            self._searching = None
        self.ix.close()


if TYPE_CHECKING:  # mypy holds the backend to the engine interface
    from ..base import ArticleWriter, Backend, BackendModule
    from . import writing

    def _backend_conforms(backend: WhooshBackend) -> Backend:
        return backend

    def _writer_conforms(writer: "writing.WhooshWriter") -> ArticleWriter:
        return writer

    def _module_conforms() -> BackendModule:
        import searcher.engine.whoosh as module

        return module
