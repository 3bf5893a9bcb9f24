"""A sharded archive on a Dask cluster (``dask[distributed]``, the
``cluster`` extra): each shard is read and written by the worker whose disk
holds it.

Dask does the distributed part: its scheduler knows the workers and their
health, a task restricted to a worker runs there (placement), data moves
between client and workers, a worker that stops answering heartbeats is
removed. This module adds only what is search-specific: which worker holds
which shard, and a ShardHost (runners.py) kept open in each worker between
tasks. A shard whose worker is gone fails the call with ShardUnavailable at
once (its task could run nowhere else), never silently.

Layout on the workers: the archive folder has the same path on every
machine; a worker holds the shard folders on its disk (all of them on a
shared file system, where the shards are spread over the workers in turn).
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any, Iterator, Optional

from searcher.errors import InvalidArgument, SearcherError, ShardUnavailable
from searcher.query.ranking import Ranking

from .layout import LAYOUT_FILE, Layout, read_layout, shard_name
from .runners import Answer, Calls, RunnerBase, ShardHost, shard_label

log = logging.getLogger("searcher")


# -- on the workers ----------------------------------------------------------
class WorkerShards:
    """A Dask actor on a worker, serving the shards this archive keeps there:
    each stays open between calls, and one call carries a round's requests
    for all of them, straight to the worker (no scheduler on the way), so a
    search costs the client a message a worker, not a shard
    (bench/README.md, "Issue 14"). Dask runs one call of an actor at a time."""

    def __init__(self, root: str, ranking: Ranking):
        self.root, self.ranking = root, ranking
        self.hosts: dict[int, ShardHost] = {}

    def call(self, calls: Calls) -> dict[int, Answer]:
        """Each shard's answer or ShardUnavailable; the request's own error is raised."""
        answers: dict[int, Answer] = {}
        for shard, (method, args) in calls.items():
            host = self.hosts.get(shard)
            if host is None:
                host = self.hosts[shard] = ShardHost(Path(self.root) / shard_name(shard), self.ranking)
            try:
                answers[shard] = host.call(method, args)
            except ShardUnavailable as failure:
                answers[shard] = failure
        return answers

    def close(self) -> None:
        for host in self.hosts.values():
            host.close()
        self.hosts.clear()


def held_shards(root: str) -> tuple[Optional[int], list[int]]:
    """On a worker: the archive's shard count (None: no layout file here) and the shards whose folders it holds."""
    from searcher.engine import whoosh

    folder = Path(root)
    if not (folder / LAYOUT_FILE).is_file():
        return None, []
    count = read_layout(folder).count
    return count, [n for n in range(count) if whoosh.exists(folder / shard_name(n))]


def make_shards(root: str, count: int, shards: list[int], ranking: Ranking) -> None:
    """On a worker: the layout file and empty indexes for the shards it is to hold."""
    from searcher.engine import whoosh

    from .layout import write_layout

    for shard in shards:
        folder = Path(root) / shard_name(shard)
        if not whoosh.exists(folder):
            whoosh.create(folder, ranking).close()
    write_layout(Path(root), count)


# -- on the client -----------------------------------------------------------
def client_for(address: Any) -> Any:
    """A Dask client: ``address`` is a scheduler address or a Client already made."""
    try:
        from distributed import Client
    except ImportError:
        raise InvalidArgument("a cluster needs Dask: pip install 'searcher[cluster]'") from None
    if isinstance(address, Client):
        return address
    try:
        return Client(address, timeout=10)
    except (OSError, TimeoutError) as exc:
        raise InvalidArgument(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def placement(client: Any, root: str) -> tuple[Layout, dict[int, str]]:
    """The archive's layout and the worker serving each shard (the shards a
    worker holds; where several hold one, as on a shared disk, in turn)."""
    found = client.run(held_shards, root)
    counts = {count for count, _ in found.values() if count is not None}
    if not counts:
        from searcher.errors import IndexNotFound

        raise IndexNotFound(f"no sharded archive at {root} on any worker of the cluster")
    if len(counts) > 1:
        raise InvalidArgument(f"the workers disagree on the shard count of {root}: {sorted(counts)}")
    layout = Layout(counts.pop())
    served: dict[int, str] = {}
    for shard in range(layout.count):
        holders = sorted(worker for worker, (_, shards) in found.items() if shard in shards)
        if holders:
            served[shard] = holders[shard % len(holders)]
    return layout, served


def create_on_cluster(client: Any, root: str, count: int, ranking: Ranking) -> None:
    """A new archive of ``count`` shards spread over the workers in turn
    (sorted by address), each made on the disk of the worker that holds it."""
    workers = sorted(client.scheduler_info()["workers"])
    if not workers:
        raise InvalidArgument("the cluster has no workers")
    assigned: dict[str, list[int]] = {}
    for shard in range(count):
        assigned.setdefault(workers[shard % len(workers)], []).append(shard)
    futures = [client.submit(make_shards, root, count, shards, ranking, workers=[worker], pure=False)
               for worker, shards in assigned.items()]
    client.gather(futures)


class DaskRunner(RunnerBase):
    parallel = True

    def __init__(self, client: Any, root: str, layout: Layout, served: dict[int, str], ranking: Ranking,
                 owns_client: bool = False):
        self.client = client
        self.root = root
        self.layout = layout
        self.served = served
        self.ranking = ranking
        self.names = layout.names()
        self._owns_client = owns_client
        self._actors: dict[str, tuple[Any, Any]] = {}  # worker -> (the future that made it, the actor)
        self._stale = False  # a worker was lost: ask the cluster again where the shards are
        self._placing = threading.RLock()  # threads searching at once make one actor a worker

    def _label(self, shard: int) -> str:
        return shard_label(Path(self.root) / shard_name(shard))

    def _actor(self, worker: str) -> Any:
        with self._placing:
            if worker not in self._actors:
                made = self.client.submit(WorkerShards, self.root, self.ranking, actor=True,
                                          workers=[worker], allow_other_workers=False, pure=False)
                # The future is kept: Dask deletes an actor once no future holds it.
                self._actors[worker] = (made, made.result())
            return self._actors[worker][1]

    def run(self, calls: Calls) -> dict[int, Answer]:
        with self._placing:
            if self._stale:
                self._close_actors()
                self.layout, self.served = placement(self.client, self.root)
                self._stale = False
        answers: dict[int, Answer] = {}
        by_worker: dict[str, Calls] = {}
        for shard, call in calls.items():
            worker = self.served.get(shard)
            if worker is None:
                answers[shard] = ShardUnavailable(self._label(shard), "no worker of the cluster holds it")
            else:
                by_worker.setdefault(worker, {})[shard] = call
        futures = {}
        for worker, its_calls in by_worker.items():
            try:
                futures[worker] = self._actor(worker).call(its_calls)
            except Exception as exc:  # the worker left between placement and call
                answers.update(self._lost(worker, its_calls, exc))
        errors = []
        for worker, future in futures.items():
            try:
                answers.update(future.result())
            except SearcherError as exc:
                errors.append(exc)  # the request's own error, the same on every shard
            except Exception as exc:  # Dask: "Worker holding Actor was lost", a closed connection
                answers.update(self._lost(worker, by_worker[worker], exc))
        if errors:
            raise errors[0]
        return answers

    def parse_files(self, paths: list[Path], jobs: int) -> Iterator[Any]:
        """Files parsed on the workers when every worker sees them (a shared
        file system: the first file is looked for), in order, a few per
        worker in flight; else here on ``jobs`` processes."""
        from searcher.readers.parallel import in_flight, in_order, parse_file, parse_files, streaming_large

        if not paths:
            return
        seen = self.client.run(os.path.exists, str(paths[0]))
        if not seen or not all(seen.values()):
            log.info("the workers do not see %s: files are parsed on this machine", paths[0])
            yield from parse_files(paths, jobs)
            return
        executor = self.client.get_executor(pure=False)
        slots = sum(info.get("nthreads", 1) for info in self.client.scheduler_info()["workers"].values())
        yield from in_order(paths, max(1, slots), streaming_large(lambda path: executor.submit(parse_file, path)),
                            in_flight)

    def _lost(self, worker: str, calls: Calls, exc: BaseException) -> dict[int, ShardUnavailable]:
        self._actors.pop(worker, None)
        self._stale = True
        reason = f"its worker {worker} was lost ({type(exc).__name__}: {exc})"
        return {shard: ShardUnavailable(self._label(shard), reason) for shard in calls}

    def _close_actors(self) -> None:
        for _, actor in self._actors.values():
            try:
                actor.close().result()
            except Exception:  # a lost worker holds nothing to close
                pass
        self._actors.clear()

    def close(self) -> None:
        self._close_actors()
        if self._owns_client:
            self.client.close()
