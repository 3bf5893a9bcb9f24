"""Concurrent use of an index: one writing run at a time, readers any time.

Two locks guard an index folder:

- ``searcher.lock``, ours, held for a whole run: from before the run reads
  the manifest and the index's state until after its last commit and
  manifest save. Whoosh's own lock (below) is taken only around each
  commit, so two runs could otherwise interleave their batches, each
  working from a view of the index the other has since changed (an article
  added twice, a manifest overwritten).
- ``MAIN_WRITELOCK``, Whoosh's, held by each Whoosh writer.

Both are ``flock`` locks: the kernel drops them when the last file
descriptor on them closes, so a process killed with SIGKILL leaves no lock
behind -- the lock *file* stays, the lock does not. One catch: a forked
child shares its parent's descriptors. Our lock is closed in every child
this process forks (``os.register_at_fork``) and is opened close-on-exec,
so only the run's own process ever holds it. Whoosh's lock is inherited by
the sub-writer processes of its multi-process writer; they die with a
killed run on Linux (``searcher.proc.die_with_parent``), but should one
live on, blocked for ever, it would still hold the lock. That case is
recognised (the process that took the lock is gone, see
``/proc/locks``) and recovered by removing the lock file, so that the next
writer locks a fresh one; the leftover processes are reported, not killed.

Readers never lock; opening the index so that it survives a concurrent
commit is the engine's (the Whoosh backend's ``store.open_index``).
"""
from __future__ import annotations

import errno

try:
    import fcntl
except ImportError:  # Windows: msvcrt byte-range locks, as Whoosh uses there
    fcntl = None  # type: ignore[assignment]  # Windows has none
    import msvcrt
import logging
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional, TypeVar

from searcher.durable import write_error
from searcher.errors import IndexLocked

LOCK_NAME = "searcher.lock"
WHOOSH_LOCK_NAME = "MAIN_WRITELOCK"  # Whoosh's FileStorage.lock("WRITELOCK") for index MAIN
POLL_SECONDS = 0.1

log = logging.getLogger("searcher")

T = TypeVar("T")

_held: dict[int, Path] = {}  # fd -> lock file, for the locks this process holds
_held_guard = threading.Lock()


def _close_held_in_child() -> None:
    # In a forked child: drop our copies of the parent's lock descriptors, so
    # that the lock lives exactly as long as the process that took it.
    for fd in list(_held):
        try:
            os.close(fd)
        except OSError:
            pass
    _held.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_held_in_child)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_pid(path: Path) -> Optional[int]:
    try:
        text = path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _lock_nb(fd: int) -> None:
    """Lock ``fd`` exclusively without waiting; OSError when another holds it."""
    if fcntl is None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock(fd: int) -> None:
    if fcntl is None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _try_lock(path: Path) -> Optional[int]:
    """An fd holding an exclusive flock on ``path``, or None when another holds it."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            _lock_nb(fd)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK, errno.EDEADLK):
                return None
            raise
        # The file we locked must still be the one at ``path``: a rebuild
        # swaps the whole folder, and whoever waited on the old lock file
        # must take the new one.
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


def _writable(index_dir: Path, write: Callable[[], T]) -> T:
    """``write()`` in ``index_dir`` (made when absent); an OSError (a read-only
    folder, no permission, a full disk) as a one-line IndexWriteError."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        return write()
    except OSError as exc:
        raise write_error(index_dir, exc) from exc


def _release(fd: int) -> None:
    with _held_guard:
        _held.pop(fd, None)
    try:
        _unlock(fd)
    finally:
        os.close(fd)


def writer_pid(index_dir: Path) -> Optional[int]:
    """The pid of the process running an indexing run on this index, or None.

    0 when some process holds the lock but its pid is not known (it has
    not written it yet)."""
    path = Path(index_dir) / LOCK_NAME
    if not path.exists():
        return None
    with _held_guard:
        held = list(_held)
    try:
        here = os.stat(path)
        mine = any(os.path.samestat(os.fstat(fd), here) for fd in held)
    except OSError:
        mine = False
    if mine:
        return os.getpid()
    try:
        fd = _try_lock(path)
    except OSError:
        return None  # a read-only index: no one writes it
    if fd is not None:
        _unlock(fd)
        os.close(fd)
        return None
    return _read_pid(path) or 0


@dataclass
class WhooshLockState:
    """Whoosh's write lock: ``free``, ``held`` by a live process, or
    ``stale``: held only by processes left over from one that is gone."""

    state: str
    owner: Optional[int] = None  # the pid that took the lock (from /proc/locks)
    holders: list[int] = field(default_factory=list)  # processes with the lock file open (Linux)


def _flock_owner(path: Path) -> Optional[int]:
    """The pid /proc/locks gives for a flock on ``path`` (Linux), else None."""
    try:
        st = os.stat(path)
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.split()
        # "1: FLOCK  ADVISORY  WRITE 13899 fe:00:2187781 0 EOF" (a "->" marks waiters)
        if len(parts) < 6 or parts[1] != "FLOCK" or "->" in parts:
            continue
        try:
            major, minor, inode = parts[5].split(":")
            if (int(inode) == st.st_ino and int(major, 16) == os.major(st.st_dev)
                    and int(minor, 16) == os.minor(st.st_dev)):
                return int(parts[4])
        except ValueError:
            continue
    return None


def _processes_with_open(path: Path) -> list[int]:
    """Processes (Linux, those we may inspect) holding ``path`` open."""
    try:
        st = os.stat(path)
        entries = os.listdir("/proc")
    except OSError:
        return []
    found = []
    for entry in entries:
        if not entry.isdigit():
            continue
        fd_dir = f"/proc/{entry}/fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in fds:
            try:
                if os.path.samestat(os.stat(f"{fd_dir}/{fd}"), st):
                    found.append(int(entry))
                    break
            except OSError:
                continue
    return sorted(found)


def whoosh_lock_state(index_dir: Path) -> WhooshLockState:
    path = Path(index_dir) / WHOOSH_LOCK_NAME
    if not path.exists():
        return WhooshLockState("free")
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return WhooshLockState("free")
    try:
        _lock_nb(fd)
    except OSError:
        pass  # held
    else:
        _unlock(fd)
        return WhooshLockState("free")
    finally:
        os.close(fd)
    owner = _flock_owner(path)
    if not owner or pid_alive(owner):
        # A live writer, or one we cannot identify: never take its lock.
        return WhooshLockState("held", owner)
    return WhooshLockState("stale", owner, [p for p in _processes_with_open(path) if p != os.getpid()])


def recover_whoosh_lock(index_dir: Path) -> Optional[WhooshLockState]:
    """Remove Whoosh's lock file when only leftovers of a dead process hold
    it. Call only while holding our own lock (no other run can be writing).
    Returns the stale state recovered from, or None."""
    state = whoosh_lock_state(index_dir)
    if state.state != "stale":
        return None
    try:
        os.unlink(Path(index_dir) / WHOOSH_LOCK_NAME)
    except FileNotFoundError:
        pass
    held_by = f"; processes {', '.join(map(str, state.holders))} left over from it still hold the old one " \
              f"(they do nothing: end them with kill)" if state.holders else ""
    log.warning("recovered the write lock of a killed indexing run (pid %s)%s", state.owner, held_by)
    return state


def _locked_message(index_dir: Path, waited: Optional[float]) -> str:
    pid = writer_pid(index_dir)
    who = f"another process (pid {pid})" if pid else "another process"
    if waited:
        return f"{who} is still writing to this index after waiting {waited:g} s; try again when it has finished"
    return f"{who} is writing to this index; try again when it has finished, or wait for it (--wait SECONDS)"


def acquire(index_dir: Path, wait: Optional[float] = None) -> int:
    """Take the index's lock (waiting up to ``wait`` seconds); an fd to pass to
    :func:`release`. Raises IndexLocked when another run keeps it."""
    index_dir = Path(index_dir)
    path = index_dir / LOCK_NAME
    deadline = time.monotonic() + (wait or 0)
    while True:
        fd = _writable(index_dir, lambda: _try_lock(path))
        if fd is not None:
            break
        if time.monotonic() >= deadline:
            raise IndexLocked(_locked_message(index_dir, wait))
        time.sleep(POLL_SECONDS)
    with _held_guard:
        _held[fd] = path
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    except OSError:
        pass  # the pid is a courtesy for messages
    return fd


def release(fd: int) -> None:
    _release(fd)


@contextmanager
def writer_lock(index_dir: Path, wait: Optional[float] = None) -> Iterator[None]:
    """Hold the index's lock for one run; recover Whoosh's lock if a killed
    run left it held by its leftover sub-processes."""
    fd = acquire(index_dir, wait)
    try:
        recover_whoosh_lock(Path(index_dir))
        yield
    finally:
        release(fd)


def create_locked(index_dir: Path, exists: Callable[[Path], bool], create: Callable[[Path], T],
                  timeout: float = 60.0) -> T:
    """Create an index under the lock, so that two processes starting at once
    on a new folder do not both create it (Whoosh's create clears the
    folder's table of contents, and with it what the other has committed)."""
    index_dir = Path(index_dir)
    if exists(index_dir):
        return create(index_dir)
    deadline = time.monotonic() + timeout
    while True:
        fd = _writable(index_dir, lambda: _try_lock(index_dir / LOCK_NAME))
        if fd is not None:
            with _held_guard:
                _held[fd] = index_dir / LOCK_NAME
            try:
                # Opens it if another process created it meanwhile.
                return _writable(index_dir, lambda: create(index_dir))
            finally:
                _release(fd)
        if exists(index_dir):
            return create(index_dir)  # created by the run that holds the lock
        if time.monotonic() >= deadline:
            raise IndexLocked(_locked_message(index_dir, timeout))
        time.sleep(POLL_SECONDS / 2)
