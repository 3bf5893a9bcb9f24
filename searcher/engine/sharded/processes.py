"""Shards read and written in processes of their own, one a shard, so that
a search or a batch's commit runs on every core at once.

A process serves one shard for the archive's lifetime (its index stays open
and its caches warm) and ends with it, or with this process (proc.py). One
that dies (killed, out of memory) fails the call it was serving with
ShardUnavailable, and is started again for the next call.
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Optional

from searcher.errors import SearcherError, ShardUnavailable
from searcher.query.ranking import Ranking

from .runners import Answer, Calls, RunnerBase, ShardHost, shard_label

_STOP = "stop"


def _serve(connection, folder: str, ranking: Ranking, parent: int) -> None:
    from searcher.proc import worker_started

    worker_started(parent)
    host = ShardHost(Path(folder), ranking)
    try:
        while True:
            try:
                message = connection.recv()
            except EOFError:
                return
            if message == _STOP:
                return
            method, args = message
            connection.send(_answer(host, method, args))
    finally:
        host.close()


def _answer(host: ShardHost, method: str, args: tuple) -> tuple[str, Any]:
    try:
        return "ok", host.call(method, args)
    except ShardUnavailable as failure:
        return "unavailable", (failure.shard, failure.reason)
    except Exception as exc:
        try:
            pickle.loads(pickle.dumps(exc))
            return "error", exc
        except Exception:  # an exception that does not survive pickling, said as one line
            return "error", SearcherError(f"{type(exc).__name__}: {exc}")


class _Worker:
    def __init__(self, folder: Path, ranking: Ranking):
        context = multiprocessing.get_context("spawn")  # no fork of a process that may hold threads
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, str(folder), ranking, os.getpid()),
                                       name=f"searcher-{folder.name}", daemon=True)
        self.process.start()
        child.close()

    def stop(self) -> None:
        try:
            self.connection.send(_STOP)
        except (OSError, ValueError):
            pass
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()


class Processes(RunnerBase):
    parallel = True

    def __init__(self, folders: list[Path], ranking: Ranking):
        self.folders = folders
        self.names = [folder.name for folder in folders]
        self.ranking = ranking
        self._workers: dict[int, _Worker] = {}
        # A worker answers its pipe's requests in the order sent: one
        # thread's round at a time, else threads would take each other's answers.
        self._round = threading.Lock()
        self._starter: Optional[ThreadPoolExecutor] = None

    def worker_pid(self, shard: int) -> Optional[int]:
        worker = self._workers.get(shard)
        return worker.process.pid if worker is not None else None

    def _worker(self, shard: int) -> _Worker:
        worker = self._workers.get(shard)
        if worker is None or not worker.process.is_alive():
            if worker is not None:
                worker.stop()
            worker = self._workers[shard] = self._start(shard)
        return worker

    def _start(self, shard: int) -> _Worker:
        """A shard's process, started by a thread that lives as long as the
        archive: a child dies with the thread that started it (proc.py,
        PR_SET_PDEATHSIG), and a caller's thread may end before the archive."""
        if threading.current_thread() is threading.main_thread():
            return _Worker(self.folders[shard], self.ranking)
        if self._starter is None:
            self._starter = ThreadPoolExecutor(1, thread_name_prefix="searcher-shard-starter")
        return self._starter.submit(_Worker, self.folders[shard], self.ranking).result()

    def run(self, calls: Calls) -> dict[int, Answer]:
        with self._round:
            return self._run(calls)

    def _run(self, calls: Calls) -> dict[int, Answer]:
        answers: dict[int, Answer] = {}
        sent = []
        for shard, call in calls.items():
            try:
                self._worker(shard).connection.send(call)
                sent.append(shard)
            except (OSError, ValueError) as exc:
                answers[shard] = self._lost(shard, exc)
        errors = []
        for shard in sent:
            try:
                status, value = self._workers[shard].connection.recv()
            except (EOFError, OSError) as exc:
                answers[shard] = self._lost(shard, exc)
                continue
            if status == "ok":
                answers[shard] = value
            elif status == "unavailable":
                answers[shard] = ShardUnavailable(*value)
            else:
                errors.append(value)
        if errors:
            raise errors[0]  # the request's own error (after every answer was read: the pipes stay in step)
        return answers

    def _lost(self, shard: int, exc: BaseException) -> ShardUnavailable:
        worker = self._workers.pop(shard, None)
        code = None
        if worker is not None:
            worker.process.join(timeout=5)
            code = worker.process.exitcode
            worker.connection.close()
        ended = f"exit status {code}" if code is not None and code >= 0 else f"signal {-code}" if code else "gone"
        return ShardUnavailable(shard_label(self.folders[shard]),
                                f"the process serving it ended ({ended}; {type(exc).__name__})")

    def close(self) -> None:
        with self._round:
            for worker in self._workers.values():
                worker.stop()
            self._workers.clear()
            if self._starter is not None:
                self._starter.shutdown()
                self._starter = None
