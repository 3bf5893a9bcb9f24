"""Child processes that end with the process that started them.

A worker process (a parse-pool worker, a Whoosh multi-process sub-writer)
that outlives a parent killed with SIGKILL does no more useful work: it
finishes work nobody will collect, or blocks for ever on a queue, holding
memory, files and possibly Whoosh's write lock. On Linux the kernel can end it instead:
:func:`die_with_parent`, called first thing in the child, asks for a signal
(SIGKILL) when the parent dies (``prctl(PR_SET_PDEATHSIG)``). Elsewhere, or
when libc cannot be loaded, it does nothing.

Two caveats of PR_SET_PDEATHSIG:

- "The parent" is the *thread* that forked the child: if that thread ends
  while the parent process lives on, the child is killed too. Start
  children from a thread that outlives them (the main thread, or the one
  that also shuts the pool down).
- A parent that died before the call sends nothing, and the signal is
  tied to the direct parent, which for multiprocessing's ``forkserver``
  start method is the fork server (it lives as long as its children do).
  Passing ``parent_pid`` covers both: see :func:`die_with_parent`.
"""
from __future__ import annotations

import os
import signal
import sys
import time
from typing import Any, Iterable, Optional

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

_prctl = None  # libc's prctl, once loaded; False when it cannot be


def _load_prctl():
    global _prctl
    if _prctl is None:
        _prctl = False
        if sys.platform.startswith("linux"):
            import ctypes

            for name in (None, "libc.so.6"):  # the process's own symbols (glibc, musl), then glibc by name
                try:
                    function = ctypes.CDLL(name, use_errno=True).prctl
                except (OSError, AttributeError):
                    continue
                function.restype = ctypes.c_int
                function.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
                _prctl = function
                break
    return _prctl or None


def _gone(pid: int) -> bool:
    """Whether process ``pid`` has ended (a zombie, not yet reaped, has)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            state = stat.read().rpartition(b")")[2].split()[0]
    except (OSError, IndexError):
        return True
    return state in (b"Z", b"X", b"x")


def _watch(pid: int, sig: int) -> None:
    """Send ``sig`` to this process when process ``pid`` (not its parent) ends."""
    import select
    import threading

    def wait_pidfd(fd: int) -> None:
        try:
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            while not poller.poll():  # readable once the process has ended
                pass
        finally:
            os.close(fd)
        os.kill(os.getpid(), sig)

    def poll() -> None:
        while not _gone(pid):
            time.sleep(0.2)
        os.kill(os.getpid(), sig)

    try:
        fd = os.pidfd_open(pid)  # Linux 5.3+
    except ProcessLookupError:
        os.kill(os.getpid(), sig)
        return
    except (AttributeError, OSError):
        threading.Thread(target=poll, name="die-with-parent", daemon=True).start()
        return
    threading.Thread(target=wait_pidfd, args=(fd,), name="die-with-parent", daemon=True).start()


def die_with_parent(parent_pid: Optional[int] = None, sig: int = signal.SIGKILL) -> bool:
    """Have ``sig`` (SIGKILL) sent to this process when its parent dies. True
    when that is set up; False (and nothing done) off Linux or when libc's
    ``prctl`` cannot be called. Never raises.

    ``parent_pid``: the process whose death must end this one, as the
    parent knew itself (``os.getpid()`` passed down). Pass it: it covers two
    cases the kernel's parent-death signal does not:

    - the parent died before this call (this process was re-parented): the
      signal is sent at once;
    - the parent is not this process's direct parent, as with
      multiprocessing's ``forkserver`` start method (the fork server does
      not end while its children live): a daemon thread waits for that
      process to end (``pidfd_open``, else polling ``/proc``) and then sends
      the signal.

    Usable as a ``ProcessPoolExecutor`` / ``multiprocessing.Pool``
    initializer (``initializer=die_with_parent, initargs=(os.getpid(),)``)
    or first thing in a ``multiprocessing.Process.run``.
    """
    prctl = _load_prctl()
    if prctl is None:
        return False
    try:
        if prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
            return False
        if parent_pid is not None and os.getppid() != parent_pid:
            if _gone(parent_pid):
                os.kill(os.getpid(), sig)
            else:
                _watch(parent_pid, sig)
    except Exception:  # noqa: BLE001 - a worker must start whatever happens here
        return False
    return True


def worker_started(parent_pid: Optional[int] = None) -> None:
    """First thing in a worker process that its parent ends and cleans up
    after: it dies with the parent (:func:`die_with_parent`) and leaves
    Ctrl-C to it. A terminal sends SIGINT to the whole process group; a
    worker that took it would print its own traceback mid-task, while the
    parent, which ends its workers and drops their unfinished files, says
    in one line what became of the run."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent_pid)


def children() -> set[Any]:
    """This process's multiprocessing children now running."""
    import multiprocessing

    return set(multiprocessing.active_children())


def end_children(spare: Iterable[Any] = (), wait: float = 5.0) -> None:
    """Kill this process's multiprocessing children still running (parse
    workers, sub-writers), but those in ``spare`` (started before the run:
    another Archive's shard hosts), and reap them: after an interrupt, so
    that none outlives the run and the interpreter's exit joins none of them."""
    import multiprocessing

    kept = set(spare)
    running = [child for child in multiprocessing.active_children() if child not in kept]
    for child in running:
        child.kill()
    for child in running:
        child.join(wait)
