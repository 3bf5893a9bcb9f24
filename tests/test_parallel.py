"""Parse-pool workers do not outlive a parent killed with SIGKILL (Linux)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from searcher.readers import parallel
from searcher.readers.parallel import parse_files

from .test_crash import env, index_command, write_corpus
from .test_reliability import children_of

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")

# The parent: parses files on 2 workers whose task writes its pid, then sleeps.
PARENT = textwrap.dedent("""
    import multiprocessing, os, sys, time
    from pathlib import Path
    from searcher.readers import parallel

    def sleeper(path):
        (Path(sys.argv[2]) / str(os.getpid())).write_text(str(path))
        time.sleep(60)

    def nothing(parent_pid=None):
        return False

    if __name__ == "__main__":
        multiprocessing.set_start_method(sys.argv[1])
        parallel.parse_file = sleeper  # what the workers run (by name: __main__.sleeper)
        if sys.argv[3] == "unguarded":
            parallel.worker_started = nothing
        paths = [Path(sys.argv[2]) / f"in-{n}.txt" for n in range(4)]
        for parsed in parallel.parse_files(paths, jobs=2):
            pass
""")


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie, dead but not yet reaped, is not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    state = next((line.split()[1] for line in status.splitlines() if line.startswith("State:")), "?")
    return state not in ("Z", "X")


def _run_and_kill_parent(tmp_path: Path, method: str, mode: str) -> list[int]:
    """Start the parent, wait for both workers to be busy, SIGKILL the parent;
    the workers' pids."""
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    pids_dir = tmp_path / f"pids-{method}-{mode}"
    pids_dir.mkdir()
    stderr = tmp_path / f"stderr-{method}-{mode}"
    # Output to a file, not a pipe: workers that outlive the parent would hold a pipe open.
    with open(stderr, "wb") as err:
        parent = subprocess.Popen([sys.executable, str(script), method, str(pids_dir), mode], cwd=tmp_path,
                                  env=env(), stdin=subprocess.DEVNULL, stdout=err, stderr=err)
    try:
        deadline = time.monotonic() + 60
        while len(list(pids_dir.iterdir())) < 2:
            if parent.poll() is not None:
                pytest.fail(f"the parent ended: {stderr.read_text()}")
            assert time.monotonic() < deadline, "the workers never started"
            time.sleep(0.05)
        workers = sorted(int(p.name) for p in pids_dir.iterdir())
        assert all(_alive(pid) for pid in workers)
        assert parent.pid not in workers
    finally:
        parent.kill()  # SIGKILL: no cleanup in the parent
        parent.wait(timeout=30)
    assert parent.returncode == -signal.SIGKILL
    return workers


def _gone_within(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while any(_alive(pid) for pid in pids):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def _end(pids: list[int]) -> None:
    for pid in pids:
        if _alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.mark.slow
@linux_only
@pytest.mark.parametrize("method", ["fork", "forkserver", "spawn"])
def test_workers_die_with_a_killed_parent(tmp_path, method):
    workers = _run_and_kill_parent(tmp_path, method, "guarded")
    try:
        assert _gone_within(workers, 5), f"parse workers {workers} outlived their killed parent"
    finally:
        _end(workers)


@pytest.mark.slow
@linux_only
def test_without_the_guard_workers_outlive_the_parent(tmp_path):
    """The control: the same run without die_with_parent leaves its workers
    running (so the test above tests something)."""
    workers = _run_and_kill_parent(tmp_path, "fork", "unguarded")
    try:
        assert not _gone_within(workers, 1.5)
    finally:
        _end(workers)


@pytest.mark.slow
@linux_only
def test_a_killed_indexing_run_leaves_no_parse_workers(tmp_path):
    """searcher index --jobs 2, killed with SIGKILL while it parses: its parse
    workers go with it (batches of 50 stay below the multi-process writer's
    threshold, so every child is a parse worker)."""
    write_corpus(tmp_path / "corpus", files=40)
    command = [*index_command(tmp_path / "corpus", tmp_path / "ix")]
    command[command.index("--jobs") + 1] = "2"
    _kill_once_children_run(command, tmp_path, "parse workers", 60)


def _kill_once_children_run(command: list, cwd: Path, what: str, seconds: float) -> None:
    """Start ``command``, SIGKILL it once it has two children, and assert
    the children are gone within 5 s."""
    indexer = subprocess.Popen(command, cwd=cwd, env=env(), stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + seconds
        while len(workers) < 2:
            assert indexer.poll() is None, f"the run ended before its {what} were seen"
            assert time.monotonic() < deadline, f"no {what}"
            time.sleep(0.02)
            workers = children_of(indexer.pid)
    finally:
        indexer.kill()
        indexer.wait(timeout=30)
    try:
        assert _gone_within(workers, 5), f"{what} {workers} outlived the killed run"
    finally:
        _end(workers)


CHILD = textwrap.dedent("""
    import ctypes, os, sys
    from searcher.proc import die_with_parent

    parent = {"none": None, "real": os.getppid(), "other": os.getppid() + 1_000_000}[sys.argv[1]]
    print(die_with_parent(parent), flush=True)
    value = ctypes.c_int(-1)
    ctypes.CDLL(None).prctl(2, ctypes.byref(value), 0, 0, 0)  # PR_GET_PDEATHSIG
    print(value.value)
""")


@linux_only
@pytest.mark.parametrize("parent", ["none", "real"])
def test_die_with_parent_sets_the_parent_death_signal(parent):
    result = subprocess.run([sys.executable, "-c", CHILD, parent], env=env(), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", str(int(signal.SIGKILL))]


@linux_only
def test_die_with_parent_ends_a_process_whose_parent_is_already_gone():
    """A parent that died before the call sends no signal: the call sees the
    process re-parented (its parent is not the one given) and ends it."""
    result = subprocess.run([sys.executable, "-c", CHILD, "other"], env=env(), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == -signal.SIGKILL
    assert result.stdout == ""


def test_die_with_parent_is_a_no_op_off_linux(monkeypatch):
    from searcher import proc

    monkeypatch.setattr(proc, "_prctl", None)
    monkeypatch.setattr(proc.sys, "platform", "darwin")
    assert proc.die_with_parent(os.getppid() + 1_000_000) is False  # nothing set, nothing killed


class _Done:
    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


@pytest.mark.parametrize("file_mb, most_ahead", [(0.1, 8), (48, 2), (10, 3)])
def test_the_window_of_files_in_flight_is_bounded_by_count_and_bytes(file_mb, most_ahead):
    """Two workers: at most 8 small files ahead of the one being used, only
    one per worker when files are big (results wait in the parent's memory)."""
    paths = [Path(f"f{n}") for n in range(20)]
    submitted: list[Path] = []

    def submit(path):
        submitted.append(path)
        return _Done(path)

    ahead = []
    for taken, result in enumerate(parallel.in_order(paths, 2, submit, size=lambda p: int(file_mb * 2**20)), 1):
        ahead.append(len(submitted) - taken)
        assert result == paths[taken - 1]
    assert submitted == paths
    assert max(ahead) == most_ahead


def test_parse_files_in_a_pool_keeps_order(tmp_path):
    paths = []
    for n in range(6):
        path = tmp_path / f"a{n}.json"
        path.write_text(f'{{"title": "Title {n}", "body": "Body number {n}."}}')
        paths.append(path)
    parsed = list(parse_files(paths, jobs=2))
    assert [p.path for p in parsed] == paths
    assert [p.records[0].title for p in parsed] == [f"Title {n}" for n in range(6)]
    assert all(p.error is None for p in parsed)


WATCHED = textwrap.dedent("""
    import os, sys, time
    from searcher.proc import die_with_parent

    if sys.argv[2] == "poll":
        del os.pidfd_open  # as on a kernel or platform without it
    print(die_with_parent(int(sys.argv[1])), flush=True)
    time.sleep(60)
""")


@pytest.mark.slow
@linux_only
@pytest.mark.parametrize("how", ["pidfd", "poll"])
def test_die_with_parent_watches_a_parent_that_is_not_the_direct_one(tmp_path, how):
    """As under the forkserver start method: the process to die with is not
    this one's parent; it is watched, and its end ends this process."""
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    child = subprocess.Popen([sys.executable, "-c", WATCHED, str(owner.pid), how], env=env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert child.stdout.readline() == b"True\n"
        time.sleep(0.3)
        assert child.poll() is None  # the owner lives: so does the child
        owner.kill()  # not reaped yet: a zombie counts as ended
        assert _gone_within([child.pid], 5) or child.poll() is not None
        child.wait(timeout=10)
        assert child.returncode == -signal.SIGKILL
    finally:
        for proc in (owner, child):
            proc.kill()
            proc.wait()


SUBWRITER_PARENT = textwrap.dedent("""
    import sys
    from searcher import Archive, Article

    articles = [Article(title=f"Story {n}", body=f"Word{n % 97} pipeline gas talks " * 40,
                        url=f"https://w.test/{n}") for n in range(6000)]
    with Archive.create(sys.argv[1]) as archive:
        archive.add(articles, jobs=2, commit_every=6000)  # one batch: Whoosh's multi-process writer
""")


@pytest.mark.slow
@linux_only
def test_a_killed_indexing_run_leaves_no_sub_writers(tmp_path):
    """Whoosh's multi-process writer forks sub-writers that inherit the write
    lock and wait on a queue: killed with their run, they must go with it."""
    script = tmp_path / "subwriters.py"
    script.write_text(SUBWRITER_PARENT)
    _kill_once_children_run([sys.executable, str(script), str(tmp_path / "ix")], tmp_path, "sub-writers", 120)


def _half_sent_result() -> None:
    """In a pool worker: the start of a 1 MB result message on the pool's
    result pipe, and no more (a worker killed in the middle of sending)."""
    import gc
    import struct
    from multiprocessing.queues import SimpleQueue

    (queue,) = [obj for obj in gc.get_objects() if isinstance(obj, SimpleQueue)]  # the result queue
    os.write(queue._writer.fileno(), struct.pack("!i", 1 << 20) + b"x" * 100)
    time.sleep(60)


def test_an_abandoned_pool_whose_worker_died_mid_result_lets_the_process_exit():
    # Its thread would wait for the rest of the message for ever, and the
    # interpreter's exit (threading._shutdown) would wait for that thread.
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=1)
    pool.submit(_half_sent_result)
    thread = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        thread = pool._executor_manager_thread
        frames = sys._current_frames()
        if thread is not None and thread.ident in frames and "_recv" in repr(frames[thread.ident].f_code):
            break  # reading the half-sent message
        time.sleep(0.05)
    else:
        pytest.fail("the pool's thread never started reading the result")
    parallel._abandon(pool)
    thread.join(10)
    assert not thread.is_alive()
