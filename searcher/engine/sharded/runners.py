"""Where a sharded archive's shards are read: in this process, or elsewhere.

A runner calls one method of the engine interface (base.Backend) on one or
every shard and returns the answers in shard order. A shard that cannot be
opened or read becomes ``ShardUnavailable`` naming it; the caller decides
whether that ends the operation (the default) or is reported as partial.
Errors in the user's request (a bad query, an unknown facet) are the same
on every shard and pass through as they are.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Protocol, Union

from searcher.errors import IndexDamaged, IndexNotFound, IndexOutdated, SearcherError, ShardUnavailable
from searcher.query.ranking import Ranking

# A shard's answer, or the error that kept it from answering.
Answer = Union[Any, ShardUnavailable]


class Runner(Protocol):
    names: list[str]

    def each(self, method: str, *args: Any) -> list[Answer]:
        """``method(*args)`` on every shard, in shard order."""

    def call(self, shard: int, method: str, *args: Any) -> Any:
        """``method(*args)`` on one shard; raises ShardUnavailable."""

    def close(self) -> None: ...


def unavailable(name: str, path: Path, exc: BaseException) -> Optional[ShardUnavailable]:
    """``exc`` as the failure of shard ``name``, or None when it is an error
    of the request itself (raised as it is)."""
    from searcher.engine import whoosh

    if isinstance(exc, (IndexNotFound, IndexDamaged, IndexOutdated, OSError)):
        reason = " ".join(str(exc).split()) or type(exc).__name__
    elif isinstance(exc, SearcherError):
        return None
    elif whoosh.failed_on_damage(exc, path):
        reason = f"reading it failed: {type(exc).__name__}: {exc}"
    else:
        return None
    return ShardUnavailable(f"{name} ({path})", reason)


class InProcess:
    """Every shard opened in this process and read one after the other."""

    def __init__(self, folders: list[Path], ranking: Ranking):
        self.folders = folders
        self.names = [folder.name for folder in folders]
        self.ranking = ranking
        self._open: dict[int, Any] = {}

    def backend(self, shard: int) -> Any:
        if shard not in self._open:
            from searcher.engine import whoosh

            self._open[shard] = whoosh.open(self.folders[shard], self.ranking)
        return self._open[shard]

    def call(self, shard: int, method: str, *args: Any) -> Any:
        try:
            found = getattr(self.backend(shard), method)
            return found(*args) if callable(found) else found  # an attribute: the analysis
        except Exception as exc:
            failure = unavailable(self.names[shard], self.folders[shard], exc)
            if failure is None:
                raise
            raise failure from exc

    def each(self, method: str, *args: Any) -> list[Answer]:
        answers: list[Answer] = []
        for shard in range(len(self.folders)):
            try:
                answers.append(self.call(shard, method, *args))
            except ShardUnavailable as failure:
                answers.append(failure)
        return answers

    def close(self) -> None:
        for backend in self._open.values():
            backend.close()
        self._open.clear()
