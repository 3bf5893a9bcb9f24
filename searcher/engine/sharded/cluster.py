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

import threading
from pathlib import Path
from typing import Any, Optional

from searcher.errors import InvalidArgument, ShardUnavailable
from searcher.query.ranking import Ranking

from .layout import LAYOUT_FILE, Layout, read_layout, shard_name
from .runners import Answer, Calls, RunnerBase, ShardHost, shard_label

CHECK_S = 0.5  # how long a wait runs before it looks for lost workers

# -- on the workers ----------------------------------------------------------
_hosts: dict[tuple[str, int], tuple[threading.Lock, ShardHost]] = {}
_hosts_guard = threading.Lock()


def _host(root: str, shard: int, ranking: Ranking) -> tuple[threading.Lock, ShardHost]:
    with _hosts_guard:
        key = (root, shard)
        if key not in _hosts:
            _hosts[key] = (threading.Lock(), ShardHost(Path(root) / shard_name(shard), ranking))
        return _hosts[key]


def shard_call(root: str, shard: int, ranking: Ranking, method: str, args: tuple) -> Any:
    """One call on the worker holding the shard (tasks may share a worker's threads: one call a shard at a time)."""
    lock, host = _host(root, shard, ranking)
    with lock:
        return host.call(method, args)


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


def close_shards(root: str) -> None:
    """On a worker: close this archive's open shards (a test's or a tool's clean end)."""
    with _hosts_guard:
        for key in [k for k in _hosts if k[0] == root]:
            _hosts.pop(key)[1].close()


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

    def _label(self, shard: int) -> str:
        return shard_label(Path(self.root) / shard_name(shard))

    def run(self, calls: Calls) -> dict[int, Answer]:
        answers: dict[int, Answer] = {}
        futures = {}
        for shard, (method, args) in calls.items():
            worker = self.served.get(shard)
            if worker is None:
                answers[shard] = ShardUnavailable(self._label(shard), "no worker of the cluster holds it")
                continue
            futures[shard] = self.client.submit(shard_call, self.root, shard, self.ranking, method, args,
                                                workers=[worker], allow_other_workers=False, pure=False)
        self._wait(futures, answers)
        errors = []
        for shard, future in futures.items():
            if shard in answers:
                continue
            exc = future.exception()
            if exc is None:
                answers[shard] = future.result()
            elif isinstance(exc, ShardUnavailable):
                answers[shard] = exc
            else:
                errors.append(exc)
        if errors:
            raise errors[0]  # the request's own error, the same on every shard
        return answers

    def _wait(self, futures: dict[int, Any], answers: dict[int, Answer]) -> None:
        """Until every future is done, or its worker has left the cluster
        (the scheduler's own failure detection): then that shard fails. A
        task bound to a lost worker would wait for it for ever."""
        from distributed import wait

        pending = dict(futures)
        while pending:
            try:
                wait(list(pending.values()), timeout=CHECK_S)
                return
            except TimeoutError:
                pass
            alive = set(self.client.scheduler_info()["workers"])
            for shard in [s for s, f in pending.items() if f.done()]:
                del pending[shard]
            for shard in [s for s in pending if self.served[s] not in alive]:
                pending.pop(shard).cancel()
                answers[shard] = ShardUnavailable(self._label(shard), f"its worker {self.served[shard]} "
                                                  "left the cluster")

    def close(self) -> None:
        if self._owns_client:
            self.client.close()
