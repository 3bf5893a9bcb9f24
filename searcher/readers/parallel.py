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
from typing import Iterable, Iterator, Optional

from ..article import Skipped
from ..proc import die_with_parent
from . import Record, read_file

# Files queued per worker: enough to keep every core busy, few enough that
# parsed articles do not pile up while the index writer catches up.
IN_FLIGHT_PER_JOB = 4


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
        pending: deque[Future] = deque()
        queue = iter(paths)
        for path in queue:
            pending.append(pool.submit(parse_file, path))
            if len(pending) >= jobs * IN_FLIGHT_PER_JOB:
                break
        while pending:
            yield pending.popleft().result()
            for path in queue:
                pending.append(pool.submit(parse_file, path))
                break
