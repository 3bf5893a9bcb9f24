"""Writing to disk so that it lasts: syncs, and write failures as one-line errors.

Shared by ingest (the manifest, the lock file) and the engines (their commits).
"""
from __future__ import annotations

import os
from pathlib import Path

from searcher.errors import IndexWriteError


def write_error(where: Path | str, exc: OSError) -> IndexWriteError:
    """An OSError met writing the index, as a one-line IndexWriteError naming
    the path and the system's reason."""
    path = exc.filename or where
    reason = exc.strerror or str(exc) or type(exc).__name__
    error = IndexWriteError(f"cannot write the index at {path}: {reason}")
    error.__cause__ = exc
    return error


# -- durability -------------------------------------------------------------
# A commit counts as done once its files and their names are on disk: the
# new segment files, the table of contents (before it is renamed into
# place), the folder; the manifest likewise (Lucene and SQLite sync before
# their commit point). SEARCHER_FSYNC=0 skips the syncs, for benchmarks only:
# a power cut may then lose or damage the last commits.


def fsync_enabled() -> bool:
    return os.environ.get("SEARCHER_FSYNC", "1").strip() != "0"


def fsync_path(path: Path | str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path | str) -> None:
    """Make the names in folder ``path`` durable (no-op where folders cannot be opened)."""
    if os.name != "nt":
        fsync_path(path)
