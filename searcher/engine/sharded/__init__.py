"""A sharded archive: N complete indexes of this project's own format under
one folder, each article in the shard its id names (layout.py), searched as
one index with the archive's statistics (backend.py, gather.py).

The functions here are the backend's module interface
(``searcher.engine.base.BackendModule``).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from searcher.errors import IndexNotFound, InvalidArgument
from searcher.query.ranking import Ranking

from . import layout as layouts

if TYPE_CHECKING:
    from searcher.results import CheckReport, RebuildReport

    from .backend import ShardedBackend

DEFAULT_SHARDS = 2


def exists(path: Path) -> bool:
    return layouts.is_sharded(path)


def open(path: Path, ranking: Ranking, allow_partial: bool = False,  # noqa: A001
         processes: Optional[bool] = None) -> "ShardedBackend":
    """``processes``: each shard read and written in a process of its own
    (default: when there are several shards and cores); else all in this one."""
    from .backend import ShardedBackend
    from .runners import InProcess, default_processes

    if not exists(path):
        raise IndexNotFound(f"no sharded archive at {path}: run 'searcher index --shards N PATH...' first")
    layout = layouts.read_layout(path)
    folders = layout.folders(path)
    if processes if processes is not None else default_processes(layout.count):
        from .processes import Processes

        return ShardedBackend(path, layout, ranking, Processes(folders, ranking), allow_partial)
    return ShardedBackend(path, layout, ranking, InProcess(folders, ranking), allow_partial)


def create(path: Path, ranking: Ranking, shards: Optional[int] = None,
           processes: Optional[bool] = None) -> "ShardedBackend":
    """The sharded archive at ``path``, made with ``shards`` shards (default
    2) when absent; an existing one must have that many when it is given."""
    from searcher.engine import whoosh

    path = Path(path)
    if exists(path):
        layout = layouts.read_layout(path)
        if shards is not None and shards != layout.count:
            raise InvalidArgument(f"the archive at {path} has {layout.count} shards, not {shards}: "
                                  "index into it without --shards, or into a new folder")
    else:
        layouts.check_count(shards if shards is not None else DEFAULT_SHARDS)
        refuse_foreign_folder(path)
        layout = layouts.Layout(shards if shards is not None else DEFAULT_SHARDS)
        for folder in layout.folders(path):
            whoosh.create(folder, ranking).close()
        layouts.write_layout(path, layout.count)  # last: a folder without it is no archive yet
    return open(path, ranking, processes=processes)


def connect(address: Any, path: Path, ranking: Ranking, *, shards: Optional[int] = None,
            allow_partial: bool = False) -> "ShardedBackend":
    """The sharded archive at ``path`` on the workers of the Dask cluster at
    ``address`` (a scheduler address or a distributed.Client); made there
    with ``shards`` shards when no worker holds it."""
    from searcher.errors import IndexNotFound as NotFound

    from . import cluster
    from .backend import ShardedBackend

    client = cluster.client_for(address)
    owns = client is not address
    root = str(path)
    try:
        try:
            layout, served = cluster.placement(client, root)
        except NotFound:
            if shards is None:
                raise
            layouts.check_count(shards)
            cluster.create_on_cluster(client, root, shards, ranking)
            layout, served = cluster.placement(client, root)
        if shards is not None and shards != layout.count:
            raise InvalidArgument(f"the archive at {path} has {layout.count} shards, not {shards}")
    except BaseException:
        if owns:
            client.close()
        raise
    runner = cluster.DaskRunner(client, root, layout, served, ranking, owns_client=owns)
    return ShardedBackend(Path(path), layout, ranking, runner, allow_partial)


def refuse_foreign_folder(path: Path) -> None:
    """InvalidArgument for a folder holding other files, or an index that is not sharded."""
    from searcher.engine import whoosh

    if whoosh.exists(path):
        raise InvalidArgument(f"{path} holds an index that is not sharded: give --shards a new folder")
    whoosh.refuse_foreign_folder(path)


def check_index(path: Path, deep: bool = True, clean: bool = False) -> "CheckReport":
    from .check import check_sharded

    return check_sharded(path, deep=deep, clean=clean)


def rebuild_index(path: Path, shards: Optional[int] = None, **options: Any) -> "RebuildReport":
    """Rebuild from the files the manifest records (see Archive.rebuild);
    ``shards``: into that many shards (default: as many as now); the folder
    may also hold a single index, which is then sharded."""
    from .rebuild import rebuild_sharded

    if shards is not None:
        layouts.check_count(shards)
    return rebuild_sharded(path, shards, **options)


def failed_on_damage(exc: BaseException, path: Path) -> bool:
    from searcher.engine import whoosh

    return whoosh.failed_on_damage(exc, path)
