"""Where a sharded archive's shards are read and written: in this process,
in a process a shard on this machine, or on a Dask cluster (cluster.py).

Each shard lives in a ``ShardHost``: its open index (base.Backend) and the
writer of an indexing run. A runner sends hosts calls (a method name and
its arguments, all picklable) and returns the answers in shard order. A
shard that cannot be opened, read or reached becomes ``ShardUnavailable``
naming it; the caller decides whether that ends the operation (the
default) or is reported as partial. Errors in the user's request (a bad
query, an unknown facet) are the same on every shard and pass through.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Optional, Union

from searcher.errors import IndexDamaged, IndexNotFound, IndexOutdated, SearcherError, ShardUnavailable
from searcher.query.ranking import Ranking

# A shard's answer, or the error that kept it from answering.
Answer = Union[Any, ShardUnavailable]
# (method, arguments) for some shards, by shard number.
Calls = dict[int, tuple[str, tuple]]

WRITER = "writer."  # methods of the indexing run's writer (base.ArticleWriter), e.g. "writer.commit"


def failure_reason(exc: BaseException, path: Path) -> Optional[str]:
    """Why shard ``path`` could not answer, or None when ``exc`` is an error of the request itself."""
    from searcher.engine import whoosh

    if isinstance(exc, IndexNotFound):
        return "it holds no index (its folder is missing or empty)"
    if isinstance(exc, (IndexDamaged, IndexOutdated, OSError)):
        return " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, SearcherError):
        return None
    if whoosh.failed_on_damage(exc, path):
        return f"reading it failed: {type(exc).__name__}: {exc}"
    return None


def shard_label(folder: Path) -> str:
    return f"shard {folder.name} ({folder})"


class ShardHost:
    """One shard where it is stored: its index, opened on the first call."""

    def __init__(self, folder: Path, ranking: Ranking):
        self.folder = Path(folder)
        self.ranking = ranking
        self._backend: Any = None
        self._writer: Any = None
        self._opening = threading.Lock()

    @property
    def backend(self) -> Any:
        if self._backend is None:
            with self._opening:  # threads' first calls at once open the shard once
                if self._backend is None:
                    from searcher.engine import whoosh

                    self._backend = whoosh.open(self.folder, self.ranking)
        return self._backend

    def call(self, method: str, args: tuple) -> Any:
        """The answer; ShardUnavailable when the shard failed, else the request's own error."""
        try:
            return self._call(method, args)
        except Exception as exc:
            reason = failure_reason(exc, self.folder)
            if reason is None:
                raise
            raise ShardUnavailable(shard_label(self.folder), reason) from exc

    def _call(self, method: str, args: tuple) -> Any:
        if method == "check_shard":  # without opening it: a damaged shard is what check is for
            from .check import check_shard

            return check_shard(self.folder, *args)
        if method == WRITER + "open":
            self._close_writer()
            self._writer = self.backend.writer(*args)
            return self.backend.doc_count() == 0  # empty: no id to look up in it
        if method.startswith(WRITER):
            if self._writer is None and method == WRITER + "close":
                return None  # a host started again after a loss holds no writer to release
            if self._writer is None:
                raise SearcherError(f"no indexing run is writing {self.folder}")
            answer = getattr(self._writer, method[len(WRITER):])(*args)
            if method == WRITER + "close":
                self._writer = None
            return answer
        found = getattr(self.backend, method)
        return found(*args) if callable(found) else found  # an attribute: the analysis

    def _close_writer(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def close(self) -> None:
        self._close_writer()
        if self._backend is not None:
            self._backend.close()
            self._backend = None


class RunnerBase:
    """``each`` and ``call`` from a runner's ``run``."""

    names: list[str]

    def run(self, calls: Calls) -> dict[int, Answer]:
        raise NotImplementedError

    def each(self, method: str, *args: Any) -> list[Answer]:
        """``method(*args)`` on every shard, in shard order."""
        answers = self.run({shard: (method, args) for shard in range(len(self.names))})
        return [answers[shard] for shard in range(len(self.names))]

    def call(self, shard: int, method: str, *args: Any) -> Any:
        """``method(*args)`` on one shard; raises ShardUnavailable."""
        answer = self.run({shard: (method, args)})[shard]
        if isinstance(answer, ShardUnavailable):
            raise answer
        return answer

    def close(self) -> None:
        pass


class InProcess(RunnerBase):
    """Every shard opened in this process and read one after the other (by
    any number of threads at once: a shard's reads are thread-safe)."""

    def __init__(self, folders: list[Path], ranking: Ranking):
        self.names = [folder.name for folder in folders]
        self.hosts = [ShardHost(folder, ranking) for folder in folders]

    def backend(self, shard: int) -> Any:
        return self.hosts[shard].backend

    def run(self, calls: Calls) -> dict[int, Answer]:
        answers: dict[int, Answer] = {}
        for shard, (method, args) in calls.items():
            try:
                answers[shard] = self.hosts[shard].call(method, args)
            except ShardUnavailable as failure:
                answers[shard] = failure
        return answers

    def close(self) -> None:
        for host in self.hosts:
            host.close()


def default_processes(shards: int) -> bool:
    """Whether a sharded archive is read in a process a shard by default:
    when there are several shards and several cores to run them on."""
    return shards > 1 and (os.cpu_count() or 1) > 1
