"""The Whoosh backend (Whoosh 2.7.4): the index on disk, its analysis,
compiling our query tree, running it, checking and rebuilding.

Only modules of this package import whoosh; everything in ``accel/`` reaches
into Whoosh's internals (each module says which behaviour it replaces and
which test proves it the same). The functions here are the backend's
module interface (``searcher.engine.base.BackendModule``).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from searcher.query.ranking import Ranking

if TYPE_CHECKING:
    from searcher.results import CheckReport, RebuildReport

    from .backend import WhooshBackend


def exists(path: Path) -> bool:
    """Whether ``path`` holds an index (a table of contents), without opening it."""
    from .store import index_exists

    return index_exists(path)


def open(path: Path, ranking: Ranking) -> "WhooshBackend":  # noqa: A001 - the interface's name
    """An existing index; IndexNotFound when there is none."""
    from .backend import WhooshBackend
    from .store import open_index

    return WhooshBackend(path, open_index(path), ranking)


def create(path: Path, ranking: Ranking) -> "WhooshBackend":
    """The index at ``path``, created (and the folder) when absent; two runs
    may race to create one, so ingest calls this under its lock."""
    from .backend import WhooshBackend
    from .store import create_index

    return WhooshBackend(path, create_index(path), ranking)


def refuse_foreign_folder(path: Path) -> None:
    from .store import refuse_foreign_folder as refuse

    refuse(path)


# Not named check/rebuild: importing the submodules of those names would
# replace the functions on this package.
def check_index(path: Path, deep: bool = True, clean: bool = False) -> "CheckReport":
    from .check import check_index as check

    return check(path, deep=deep, clean=clean)


def rebuild_index(path: Path, **options: Any) -> "RebuildReport":
    from .rebuild import rebuild_index as rebuild

    return rebuild(path, **options)


def failed_on_damage(exc: BaseException, path: Path) -> bool:
    """Whether an error raised while reading the index at ``path`` comes from damaged files."""
    from .damage import failed_on_damage as failed

    return failed(exc, path)
