"""One indexing run's writes to a sharded archive: each article to the
shard its id names, each batch one commit a shard.

A batch is committed shard by shard; a run stopped between two shards'
commits leaves the others' part of the batch for the next run, which finds
those files' articles missing or changed (the manifest is saved only after
the whole batch) and writes them again: nothing is lost or doubled.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

from searcher.article import Article

from .layout import Layout, shard_of


class ShardedWriter:
    def __init__(self, layout: Layout, runner: Any, jobs: int):
        self.layout = layout
        self.runner = runner
        self.jobs = jobs
        self._writers: dict[int, Any] = {}

    def _writer(self, shard: int) -> Any:
        if shard not in self._writers:
            self._writers[shard] = self.runner.backend(shard).writer(self.jobs)
        return self._writers[shard]

    def stored(self, article_id: str) -> Optional[tuple[str, str]]:
        return self._writer(shard_of(article_id, self.layout.count)).stored(article_id)

    def commit(self, articles: list[tuple[Article, str, bool]], deletions: Iterable[str]) -> None:
        count = self.layout.count
        batches: dict[int, tuple[list, list]] = {}
        for entry in articles:
            batches.setdefault(shard_of(entry[0].id, count), ([], []))[0].append(entry)
        for article_id in deletions:
            batches.setdefault(shard_of(article_id, count), ([], []))[1].append(article_id)
        for shard in sorted(batches):
            written, deleted = batches[shard]
            self._writer(shard).commit(written, deleted)

    def finish(self) -> int:
        return sum(self._writer(shard).finish() for shard in range(self.layout.count))

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
