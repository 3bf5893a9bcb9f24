"""One indexing run's writes to a sharded archive: each article to the
shard its id names, each batch one commit a shard.

A batch is committed shard by shard; a run stopped between two shards'
commits leaves the others' part of the batch for the next run, which finds
those files' articles missing or changed (the manifest is saved only after
the whole batch) and writes them again: nothing is lost or doubled.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Optional

from searcher.article import Article
from searcher.errors import SearcherError, ShardUnavailable

from .layout import Layout, shard_of


class ShardedWriter:
    """base.ArticleWriter over the shards' own writers, wherever they run."""

    def __init__(self, layout: Layout, runner: Any, jobs: int, regroup: Optional[Callable[[], Any]] = None):
        self.layout = layout
        self.runner = runner
        self._regroup = regroup  # the archive's near-copy groups made for the versions the run leaves
        # Shards written side by side share the cores; one after another, each has them all.
        each = max(1, jobs // layout.count) if getattr(runner, "parallel", False) else jobs
        self._empty = _answers(runner.each("writer.open", each))
        # A cluster parses the files on its workers when they see them (ingest asks for this).
        self.parse_files = getattr(runner, "parse_files", None)

    def stored(self, article_id: str) -> Optional[tuple[str, str]]:
        shard = shard_of(article_id, self.layout.count)
        if self._empty[shard]:
            return None  # ids met again in the run are known to ingest, not looked up
        return self.runner.call(shard, "writer.stored", article_id)

    def commit(self, articles: list[tuple[Article, str, bool]], deletions: Iterable[str]) -> None:
        count = self.layout.count
        batches: dict[int, tuple[list, list]] = {}
        for entry in articles:
            batches.setdefault(shard_of(entry[0].id, count), ([], []))[0].append(entry)
        for article_id in deletions:
            batches.setdefault(shard_of(article_id, count), ([], []))[1].append(article_id)
        answers = self.runner.run({shard: ("writer.commit", batch) for shard, batch in batches.items()})
        _answers([answers[shard] for shard in sorted(answers)])

    def finish(self) -> int:
        count = sum(_answers(self.runner.each("writer.finish")))
        if self._regroup is not None:
            try:
                self._regroup()  # as one index does at the end of its run: searches only load them
            except SearcherError:
                pass  # made by the first search that needs them (a shard made before signatures: never)
        return count

    def close(self) -> None:
        self.runner.each("writer.close")  # a shard that cannot be reached has nothing to release here


def _answers(answers: list[Any]) -> list[Any]:
    """The answers, or the first shard's failure raised: a write needs every shard."""
    for answer in answers:
        if isinstance(answer, ShardUnavailable):
            raise answer
    return answers
