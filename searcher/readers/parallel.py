"""Reading many files, on several cores when there are several files.

Parsing (HTML extraction above all) is pure Python work that one core
cannot hide behind indexing, so files are parsed in worker processes and
handed back in order; a window of a few files in flight bounds memory.

Workers do not outlive their parent: on Linux each asks the kernel for
SIGKILL when the parent dies (:func:`searcher.proc.die_with_parent`), so an
indexing run killed with SIGKILL leaves no parse worker behind. Ctrl-C is
the parent's alone (:func:`searcher.proc.worker_started`): it ends the
workers at once, whatever they were reading, and reports the run.
"""
from __future__ import annotations

import os
import signal
import threading
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from ..article import Skipped
from ..proc import worker_started
from . import Record, read_file
from .source import ReadPosition

# Files queued per worker: enough to keep every core busy, few enough that
# parsed articles do not pile up while the index writer catches up...
IN_FLIGHT_PER_JOB = 4
# ... and, past one file per worker, no more than this many bytes of files
# per worker: parsed results wait in this process until the writer takes
# them, and a big file is a lot of articles (10,000 generated articles in a
# 48 MB JSON Lines file are ~65 MB of Articles; eight in flight held half a
# gigabyte in the 1M-article run).
IN_FLIGHT_BYTES_PER_JOB = 16 << 20


# A file larger than this is read in this process as its records are
# indexed, not parsed whole in a worker: its articles never all sit in
# memory at once (a 1 GB JSON export is millions of them). No parse time
# limit applies to it (the alarm would stop the indexing, too).
STREAM_FILE_BYTES = 64 << 20


@dataclass
class ParsedFile:
    path: Path
    size: int = 0
    mtime_ns: int = 0
    # A list, or for a large file an iterator read as it is taken; ``error``
    # is known once every record has been taken.
    records: Iterable[Record] = field(default_factory=list)
    error: Optional[str] = None  # the file could not be read at all
    # For a file read as it is taken: how many of its bytes are read so far.
    bytes_read: Optional[Callable[[], int]] = None


# One file may take this long to parse (seconds; 0: no limit). Generous:
# the slowest real file measured parses in seconds; a file that takes
# longer is hostile or pathological and must not hold the run.
PARSE_TIMEOUT_ENV = "SEARCHER_PARSE_TIMEOUT"
DEFAULT_PARSE_TIMEOUT = 300.0


class ParseTimeout(BaseException):
    """Raised into a parse that ran out of time. A BaseException, so that the
    readers' per-record ``except Exception`` cannot swallow it and go on."""


def parse_timeout() -> float:
    try:
        return max(0.0, float(os.environ.get(PARSE_TIMEOUT_ENV, DEFAULT_PARSE_TIMEOUT)))
    except ValueError:
        return DEFAULT_PARSE_TIMEOUT


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """ParseTimeout raised into this thread after ``seconds`` (SIGALRM, so
    only in a main thread on POSIX: every parse worker, and a run with one
    job; elsewhere there is no limit). Python code and regexes are stopped
    wherever they are; a single call into C that never returns is not."""
    usable = (seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def expire(signum, frame):
        raise ParseTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def parse_file(path: Path) -> ParsedFile:
    try:
        stat = path.stat()
    except OSError as exc:
        return ParsedFile(path, error=exc.strerror or str(exc))
    records: list[Record] = []
    timeout = parse_timeout()
    try:
        with _deadline(timeout):
            for record in read_file(path):
                records.append(record)
    except ParseTimeout:
        # What was read stays; the file counts as not read, so it is reported
        # and tried again next run.
        records.append(Skipped(str(path), f"took longer than {timeout:g} s to parse "
                                          f"(limit: {PARSE_TIMEOUT_ENV}); the rest is not read"))
    whole = [r for r in records if isinstance(r, Skipped) and r.origin == str(path)]
    return ParsedFile(path, stat.st_size, stat.st_mtime_ns, records, whole[0].reason if whole else None)


def streamed_file(path: Path) -> ParsedFile:
    """A large file as a ParsedFile whose records are read as they are taken."""
    stat = path.stat()
    position = ReadPosition(path)
    parsed = ParsedFile(path, stat.st_size, stat.st_mtime_ns, bytes_read=position.bytes_read)

    def records() -> Iterator[Record]:
        for record in read_file(path, position.source()):
            if isinstance(record, Skipped) and record.origin == str(path) and parsed.error is None:
                parsed.error = record.reason
            yield record

    parsed.records = records()
    return parsed


def streaming_large(submit: Callable[[Path], "Future[ParsedFile]"]) -> Callable[[Path], "Future[ParsedFile]"]:
    """``submit`` for files up to STREAM_FILE_BYTES; a larger one is read
    here, in its turn, while the workers go on with the files after it."""

    def either(path: Path) -> "Future[ParsedFile]":
        if _file_size(path) <= STREAM_FILE_BYTES:
            return submit(path)
        here: Future[ParsedFile] = Future()
        here.set_result(streamed_file(path))
        return here

    return either


def in_flight(path: Path) -> int:
    """Bytes a file in flight stands for: a streamed one holds no parsed records."""
    size = _file_size(path)
    return 0 if size > STREAM_FILE_BYTES else size


def _read(path: Path) -> ParsedFile:
    return streamed_file(path) if _file_size(path) > STREAM_FILE_BYTES else parse_file(path)


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def jobs_or_default(jobs: Optional[int]) -> int:
    """``jobs`` processes (at least one), or one per core when None."""
    return default_jobs() if jobs is None else max(1, jobs)


def parse_files(paths: Iterable[Path], jobs: Optional[int] = None) -> Iterator[ParsedFile]:
    """ParsedFile for each path, in the given order."""
    paths = list(paths)
    jobs = jobs_or_default(jobs)
    if jobs == 1 or len(paths) < 2:
        yield from map(_read, paths)
        return
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(paths)), initializer=worker_started,
                               initargs=(os.getpid(),))

    try:
        yield from in_order(paths, jobs, streaming_large(lambda path: pool.submit(parse_file, path)), in_flight)
        pool.shutdown()
    except BaseException:
        _abandon(pool)  # interrupted (even while shutting down), or the caller stopped reading
        raise


def _abandon(pool: ProcessPoolExecutor) -> None:
    workers = list((getattr(pool, "_processes", None) or {}).values())
    results = getattr(pool, "_result_queue", None)  # shutdown() forgets it
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        if worker.is_alive():
            worker.kill()
    for worker in workers:
        worker.join(5)
    # A worker killed in the middle of sending its result leaves the pool's
    # thread waiting for the rest of the message, and the interpreter's exit
    # waiting for that thread, for ever. With this process's end of the pipe
    # closed too (it never writes there), the thread reads end-of-file instead.
    writer = getattr(results, "_writer", None)
    if writer is not None and not any(worker.is_alive() for worker in workers):
        writer.close()


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
