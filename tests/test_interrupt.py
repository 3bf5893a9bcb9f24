"""Ctrl-C during `searcher index`: one line, exit 130, nothing left behind,
and the same command run again finishes the job exactly (issue 18).

A terminal's Ctrl-C sends SIGINT to the whole foreground process group:
the run itself, its parse workers and its sub-writers. Here a real
`searcher index` runs in a process group of its own and the group gets
SIGINT at several moments of the run."""
from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from searcher import Archive

REPO = Path(__file__).resolve().parents[1]
WORDS = ("pipeline gas energy market oil price river flood election vote court bank trade port rail harbour "
         "minister council strike wages inflation budget drought harvest").split()
FILES, PER_FILE = 24, 500

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="process groups are POSIX")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("interrupt") / "feeds"
    folder.mkdir()
    rng = random.Random(18)
    for n in range(FILES):
        lines = [json.dumps({"id": f"a{n}-{i}", "title": " ".join(rng.choices(WORDS, k=6)),
                             "body": " ".join(rng.choices(WORDS, k=250)), "date": f"2024-{1 + i % 12:02d}-01"})
                 for i in range(PER_FILE)]
        (folder / f"part-{n:02d}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _index(corpus: Path, index: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "searcher", "index", str(corpus), "--index", str(index),
                             "--jobs", "2", "--commit-every", "3000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=index.parent,
                            preexec_fn=_ctrl_c_as_on_a_terminal)


def _ctrl_c_as_on_a_terminal() -> None:
    # A job started in the background (CI, nohup) inherits SIGINT ignored,
    # and Python then leaves it so: the run as a user starts it takes it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _group_gone(pgid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def _committed(index: Path) -> bool:
    # _MAIN_0.toc is the new, empty index's (written before indexing starts).
    return any(path.name != "_MAIN_0.toc" for path in index.glob("_MAIN_*.toc"))


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["parsing", "after a commit", "later"])
def test_ctrl_c_says_one_line_leaves_nothing_and_the_rerun_completes(corpus, tmp_path, moment):
    index = tmp_path / "index"
    run = _index(corpus, index)
    if moment == "parsing":
        time.sleep(1.0)  # workers started, nothing committed yet
    else:
        deadline = time.monotonic() + 120
        while not _committed(index) and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.0 if moment == "after a commit" else 1.5)
    if run.poll() is not None:
        pytest.skip("the run ended before it could be interrupted (a very fast machine)")
    os.killpg(run.pid, signal.SIGINT)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 130, stderr
    assert "Traceback" not in stderr and "Error" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and re.fullmatch(
        r"Interrupted: [\d,]+ articles committed stay in the index; run the same command again to go on",
        lines[0]), stderr
    assert _group_gone(run.pid), "a worker outlived the interrupted run"
    assert not list(index.glob("*.tmp")), "a writer's temporary folder was left"

    if _committed(index):
        checked = subprocess.run([sys.executable, "-m", "searcher", "check", "--index", str(index)],
                                 capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
        assert checked.returncode == 0 and "leftover" not in checked.stdout.lower(), checked.stdout
    again = _index(corpus, index)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert out.strip().splitlines()[-1] == f"{FILES * PER_FILE} articles in the index"
    with Archive.open(index) as archive:
        assert len(archive) == FILES * PER_FILE
        assert archive.search("id:a7-123").total == 1
        assert archive.search("pipeline", limit=1).total == archive.search("pipeline", limit=1, sort="date").total


def _sleep() -> None:
    time.sleep(60)


def test_an_interrupted_add_ends_its_own_processes_only(tmp_path, monkeypatch):
    """Processes running before add() (another Archive's shard hosts, the
    caller's own) survive its interrupt; those the run started do not."""
    import multiprocessing

    from searcher import IndexingInterrupted

    context = multiprocessing.get_context("fork")
    before = context.Process(target=_sleep, daemon=True)
    before.start()
    started = []

    def interrupted_run(self, *args, **kwargs):
        child = context.Process(target=_sleep, daemon=True)
        child.start()
        started.append(child)
        raise KeyboardInterrupt

    monkeypatch.setattr(Archive, "_add", interrupted_run)
    try:
        with Archive.create(tmp_path / "index") as archive:
            with pytest.raises(IndexingInterrupted):
                archive.add([tmp_path])
        assert not started[0].is_alive()
        assert before.is_alive()
    finally:
        before.kill()
        before.join(5)
