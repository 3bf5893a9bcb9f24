"""A sharded archive answering the engine interface (base.Backend).

A search runs in two rounds over the shards: first each shard's statistics
for the words the query scores (summed: the archive's), then the query on
every shard scored with those sums, whose pages, totals and facet counts are
merged (gather.py). So a sharded archive ranks exactly as one index of the
same articles would.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any, Optional

from searcher.article import Article
from searcher.errors import ShardUnavailable
from searcher.query import tree
from searcher.query.ranking import Ranking
from searcher.query.request import Filters
from searcher.results import Stats

from ..base import CorpusStats, DayCounts, Execution, Plan
from . import gather, grouped
from .copies import ArchiveGroups, retried
from .layout import Layout, shard_of
from .runners import RunnerBase


class ShardedBackend:
    def __init__(self, path: Path, layout: Layout, ranking: Ranking, runner: RunnerBase, allow_partial: bool = False):
        self.path = Path(path)
        self.layout = layout
        self.ranking = ranking
        self.runner = runner
        self.allow_partial = allow_partial
        self._analysis: Any = None
        self._groups: Optional[ArchiveGroups] = None

    # -- gathering -------------------------------------------------------------
    def _partial(self, method: str, *args: Any, shards: Optional[list[int]] = None,
                 given: Optional[list[Any]] = None) -> tuple[dict[int, Any], list[str]]:
        """The answers of ``shards`` (default: all), and the shards that
        could not answer: allowed only with allow_partial, and never all of
        them; else the first failure is raised. ``given``: a last argument
        per shard (its part of the near-copy groups)."""
        chosen = range(self.layout.count) if shards is None else shards
        answers = self.runner.run({shard: (method, args if given is None else (*args, given[shard]))
                                   for shard in chosen})
        failed = [answer for answer in answers.values() if isinstance(answer, ShardUnavailable)]
        if failed and (not self.allow_partial or len(failed) == len(answers)):
            raise failed[0]
        found = {shard: a for shard, a in sorted(answers.items()) if not isinstance(a, ShardUnavailable)}
        return found, [f.shard for f in failed]

    def _all(self, method: str, *args: Any) -> list[Any]:
        """Every shard's answer, in shard order (answers that cannot say they
        are partial: counts, statistics, similar articles)."""
        answers = self._all_of({shard: (method, args) for shard in range(self.layout.count)})
        return [answers[shard] for shard in range(self.layout.count)]

    def _all_of(self, calls: dict) -> dict[int, Any]:
        """The answers to ``calls``; any shard's failure is raised."""
        answers = self.runner.run(calls)
        for answer in answers.values():
            if isinstance(answer, ShardUnavailable):
                raise answer
        return answers

    # -- the interface -----------------------------------------------------------
    @property
    def analysis(self) -> Any:
        if self._analysis is None:
            self._analysis = self._first("analysis")
        return self._analysis

    def _first(self, method: str, *args: Any) -> Any:
        """One shard's answer (the schema and analysis are the same in every shard)."""
        for shard in range(self.layout.count):
            try:
                return self.runner.call(shard, method, *args)
            except ShardUnavailable:
                if shard == self.layout.count - 1 or not self.allow_partial:
                    raise
        raise AssertionError("unreachable")

    def doc_count(self) -> int:
        return sum(self._all("doc_count"))

    def corpus_stats(self, plan: Plan) -> CorpusStats:
        return gather.summed_stats(self._all("corpus_stats", gather.shard_plan(plan)))

    # -- near-copy groups (copies.py, grouped.py) ----------------------------------
    def groups(self) -> ArchiveGroups:
        """The archive's groups for the shards' current versions."""
        keys = self._all("copy_key")
        groups = self._groups  # once: another thread may regroup meanwhile
        if groups is None or groups.keys != keys:
            folder = self.path if self.path.is_dir() else None  # a cluster's client may hold no folder
            groups = self._groups = ArchiveGroups.gather(self._all("copy_signatures"), folder)
        return groups

    def _regroup(self) -> None:
        self._groups = None

    def execute(self, plan: Plan, stats: Optional[CorpusStats] = None) -> Execution:
        if plan.collapse or plan.stories:
            return retried(self._regroup, lambda: self._execute(plan, stats, self.groups()))
        return self._execute(plan, stats, None)

    def _execute(self, plan: Plan, stats: Optional[CorpusStats], groups: Optional[ArchiveGroups]) -> Execution:
        given = groups.given(plan.similarity) if groups is not None else None
        per_shard = gather.shard_plan(plan)
        shards: Optional[list[int]] = None
        missing: list[str] = []
        if stats is None and plan.sort == "relevance":
            found, missing = self._partial("corpus_stats", per_shard)
            stats = gather.summed_stats(list(found.values()))
            shards = list(found)  # a partial answer is scored with its own shards' statistics
        # A deep page: the shards send ids for their offset + limit
        # candidates, and only the page's articles are fetched whole.
        deep = plan.offset > 0 and plan.fetch
        if deep:
            per_shard = replace(per_shard, fetch=False)
        parts, lost = self._partial("execute", per_shard, stats, shards=shards, given=given)
        merged = gather.merged_execution(plan, list(parts.values()), list(parts))
        merged.missing = missing + lost
        if groups is not None and given is not None:
            grouped.complete_copies(self, plan, merged, groups, given, list(parts))
        if deep:
            self._fetch(merged)
        return merged

    def fetch(self, article_ids: list[str]) -> list[Optional[Article]]:
        wanted: dict[int, list[str]] = {}
        for article_id in article_ids:
            wanted.setdefault(self._shard(article_id), []).append(article_id)
        found = self._all_of({shard: ("fetch", (ids,)) for shard, ids in wanted.items()})
        whole = {article.id: article for answer in found.values() for article in answer if article is not None}
        return [whole.get(article_id) for article_id in article_ids]

    def _fetch(self, merged: Execution) -> None:
        """The page's articles, whole, from their shards (one call each)."""
        wanted: dict[int, list[str]] = {}
        for (article, _), shard in zip(merged.page, merged.sources):
            wanted.setdefault(shard, []).append(article.id)
        found = self._all_of({shard: ("fetch", (ids,)) for shard, ids in wanted.items()})
        whole = {article.id: article for answer in found.values() for article in answer if article is not None}
        merged.page = [(whole.get(article.id, article), score) for article, score in merged.page]

    def searchable(self, node: tree.Node) -> bool:
        return any(self._all("searchable", node))

    def suggest(self, words: list[tuple[str, str]]) -> dict[str, list[str]]:
        from searcher.engine.whoosh.suggest import MAX_SUGGESTIONS

        return gather.merged_suggestions(self._all("suggest", words), MAX_SUGGESTIONS)

    def facet(self, node: tree.Node, filters: Optional[Filters], name: str,
              stories: Optional[float] = None) -> Counter:
        if stories is not None:
            return retried(self._regroup, lambda: grouped.facet_stories(self, node, filters, name, stories))
        return gather.summed_counts(self._all("facet", node, filters, name))

    def days(self, node: tree.Node, filters: Optional[Filters], by: str,
             stories: Optional[float] = None) -> DayCounts:
        if stories is not None:
            return retried(self._regroup, lambda: grouped.day_stories(self, node, filters, by, stories))
        parts, missing = self._partial("days", node, filters, by)
        summed = gather.summed_days(list(parts.values()))
        summed.missing = missing
        return summed

    def similar(self, article_id: str, limit: int) -> list[tuple[Article, Optional[float]]]:
        """The article's key words weighed with the archive's frequencies, then searched on every shard."""
        weights = self.similar_words(article_id)
        if weights is None:
            from searcher.errors import ArticleNotFound

            raise ArticleNotFound(f"no article with id {article_id!r}")
        stats = self.word_stats(sorted(weights))
        return self.similar_to(self.key_terms(weights, stats), article_id, limit, stats).page

    def similar_words(self, article_id: str) -> Optional[dict[str, float]]:
        return self.runner.call(self._shard(article_id), "similar_words", article_id)

    def word_stats(self, words: list[str]) -> CorpusStats:
        return gather.summed_stats(self._all("word_stats", words))

    def key_terms(self, weights: dict[str, float], stats: CorpusStats) -> list[tuple[str, float]]:
        return self._first("key_terms", weights, stats)

    def similar_to(self, terms: list[tuple[str, float]], article_id: str, limit: int,
                   stats: CorpusStats) -> Execution:
        return gather.merged_execution(Plan(tree.MatchAll(), limit=limit),
                                       self._all("similar_to", terms, article_id, limit, stats))

    def copies(self, article_id: str, similarity: float) -> Optional[list[tuple[Article, float]]]:
        return retried(self._regroup, lambda: grouped.article_copies(self, article_id, similarity))

    def top_stories(self, limit: int, similarity: float) -> list[tuple[Article, int, tuple[str, ...]]]:
        return retried(self._regroup, lambda: grouped.top_stories(self, limit, similarity))

    def get(self, article_id: str) -> Optional[Article]:
        return self.runner.call(self._shard(article_id), "get", article_id)

    def stats(self, top: int) -> Stats:
        every_value = 2 ** 31  # a value's count is a sum over shards
        parts = self._all("stats", every_value)
        # The layout file and manifest here (a cluster's client may hold no folder).
        here = [f for f in self.path.iterdir() if f.is_file()] if self.path.is_dir() else []
        size = sum(part.size_bytes for part in parts) + sum(f.stat().st_size for f in here)
        result = gather.merged_stats(parts, top, str(self.path), size)
        from searcher.article import Skipped
        from searcher.ingest.manifest import Manifest

        manifest = Manifest.load(self.path)
        result.skipped_files = [Skipped(origin, reason) for origin, reason in manifest.skipped.items()]
        return result

    def check_archive(self, deep: bool, clean: bool) -> Any:
        """``searcher check`` through the runner: each shard checked where it is (on a cluster, its worker)."""
        from .check import combined_check

        answers = self.runner.run({shard: ("check_shard", (deep, clean)) for shard in range(self.layout.count)})
        return combined_check(self.path, self.layout.count, answers)

    def writer(self, jobs: int) -> Any:
        from .writer import ShardedWriter

        return ShardedWriter(self.layout, self.runner, jobs, regroup=self.groups)

    def _shard(self, article_id: str) -> int:
        return shard_of(article_id, self.layout.count)

    def close(self) -> None:
        self.runner.close()
