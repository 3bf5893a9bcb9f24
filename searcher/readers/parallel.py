"""Reading many files, on several cores when there are several files.

Parsing (HTML extraction above all) is pure Python work that one core
cannot hide behind indexing, so files are parsed in worker processes and
handed back in order; a window of a few files in flight bounds memory.

Workers do not outlive their parent: on Linux each asks the kernel for
SIGKILL when the parent dies (:func:`searcher.proc.die_with_parent`), so an
indexing run killed with SIGKILL leaves no parse worker behind.
"""
from __future__ import annotations

import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from ..article import Skipped
from ..proc import die_with_parent
from . import Record, read_file

# Files queued per worker: enough to keep every core busy, few enough that
# parsed articles do not pile up while the index writer catches up...
IN_FLIGHT_PER_JOB = 4
# ... and, past one file per worker, no more than this many bytes of files
# per worker: parsed results wait in this process until the writer takes
# them, and a big file is a lot of articles (10,000 generated articles in a
# 48 MB JSON Lines file are ~65 MB of Articles; eight in flight held half a
# gigabyte in the 1M-article run).
IN_FLIGHT_BYTES_PER_JOB = 16 << 20


@dataclass
class ParsedFile:
    path: Path
    size: int = 0
    mtime_ns: int = 0
    records: list[Record] = field(default_factory=list)
    error: Optional[str] = None  # the file could not be read at all


def parse_file(path: Path) -> ParsedFile:
    try:
        stat = path.stat()
    except OSError as exc:
        return ParsedFile(path, error=exc.strerror or str(exc))
    records = list(read_file(path))
    whole = [r for r in records if isinstance(r, Skipped) and r.origin == str(path)]
    return ParsedFile(path, stat.st_size, stat.st_mtime_ns, records, whole[0].reason if whole else None)


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def parse_files(paths: Iterable[Path], jobs: Optional[int] = None) -> Iterator[ParsedFile]:
    """ParsedFile for each path, in the given order."""
    paths = list(paths)
    jobs = default_jobs() if jobs is None else max(1, jobs)
    if jobs == 1 or len(paths) < 2:
        yield from map(parse_file, paths)
        return
    with ProcessPoolExecutor(max_workers=min(jobs, len(paths)), initializer=die_with_parent,
                             initargs=(os.getpid(),)) as pool:
        yield from in_order(paths, jobs, lambda path: pool.submit(parse_file, path))


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def in_order(paths: Iterable[Path], jobs: int, submit: Callable[[Path], "Future[ParsedFile]"],
             size: Callable[[Path], int] = _file_size) -> Iterator[ParsedFile]:
    """Results of ``submit`` for each path, in order, with a bounded window of
    submitted files: at least ``jobs``, at most ``jobs * IN_FLIGHT_PER_JOB``
    and, past ``jobs``, within ``jobs * IN_FLIGHT_BYTES_PER_JOB`` bytes."""
    pending: deque[tuple[Future, int]] = deque()
    queue = iter(paths)
    upcoming: Optional[tuple[Path, int]] = None
    in_flight = 0

    def fill() -> None:
        nonlocal in_flight, upcoming
        while len(pending) < jobs * IN_FLIGHT_PER_JOB:
            if upcoming is None:
                path = next(queue, None)
                if path is None:
                    return
                upcoming = (path, size(path))
            path, nbytes = upcoming
            if len(pending) >= jobs and in_flight + nbytes > jobs * IN_FLIGHT_BYTES_PER_JOB:
                return
            pending.append((submit(path), nbytes))
            in_flight += nbytes
            upcoming = None

    fill()
    while pending:
        future, nbytes = pending.popleft()
        in_flight -= nbytes
        result = future.result()
        fill()  # the workers go on while the caller takes this file
        yield result
