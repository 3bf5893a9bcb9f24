"""Small segments merged in a background process (engine/whoosh/merging.py)
while the run goes on: nothing is lost or duplicated whatever the merge's
fate, and the index answers as one never merged."""
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from searcher import Archive
from searcher.article import Article
from searcher.engine.whoosh import merge_child, merging, writing

WORDS = "pipeline gas energy market oil price river flood election vote court bank trade".split()


def _articles(n, word="", start=0):
    return [Article(id=f"a{i}", title=f"story {i} {word}".strip(),
                    body=" ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(40 + i % 9)) + f" {word}",
                    url=f"https://d.test/{i}")
            for i in range(start, start + n)]


QUERIES = ["pipeline", "gas AND market", '"oil price"', "replaced", "title:story", "flood OR vote NOT court"]


def _answers(path):
    with Archive.open(path) as archive:
        return len(archive), {q: sorted(hit.id for hit in archive.search(q, limit=1000).hits)
                              for q in QUERIES}


def _segments(path):
    from whoosh import index as whoosh_index

    return whoosh_index.open_dir(str(path), indexname="MAIN")._segments()


@pytest.fixture
def small_merges(monkeypatch):
    """Three small segments are enough to merge."""
    monkeypatch.setattr(writing, "MERGE_FACTOR", 3)


@pytest.fixture
def reapplied(monkeypatch):
    """Deletions made in a merge's sources after it began, carried into the merged segment."""
    counts = []
    original = merging.swap_in

    def swap_in(merges, segments):
        before = [merge.outcome[1].deleted_count() for merge in merges]
        kept = original(merges, segments)
        counts.extend(merge.outcome[1].deleted_count() - b for merge, b in zip(merges, before))
        return kept

    monkeypatch.setattr(merging, "swap_in", swap_in)
    return counts


def test_replacements_made_while_a_merge_runs_hold_after_it(tmp_path, small_merges, reapplied):
    # Three commits start a merge of their segments; the fourth replaces
    # articles of the first, after the merge took its copy of them, and only
    # then is the merge swapped in.
    articles = _articles(120) + _articles(40, "replaced")
    with Archive.create(tmp_path / "merged") as archive:
        archive.add(articles, commit_every=40, jobs=1)
        assert archive.check().ok and not archive.check().warnings
    assert sum(reapplied) == 40  # the replaced copies, deleted again in the merged segment
    assert len(_segments(tmp_path / "merged")) < 4
    with Archive.create(tmp_path / "unmerged") as archive:
        archive.add(_articles(40, "replaced") + _articles(80, start=40), jobs=1)
    total, answers = _answers(tmp_path / "merged")
    assert (total, answers) == _answers(tmp_path / "unmerged")
    assert total == 120 and len(answers["replaced"]) == 40


def _files_written(index_dir, merge, timeout=60.0):
    """Wait until a merge has written some of its segment's files: True, or
    False when it ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(index_dir.glob(merge.segment_id() + ".*")):
            return True
        if merge.process.poll() is not None:
            return False
        time.sleep(0.001)
    return False


@pytest.fixture
def paused_merges(monkeypatch):
    """Each merge stopped (SIGSTOP) once it has written files and let go
    after the run's next commit: commits happen beside half-written merges.
    Counts the merges paused."""
    paused, count = [], []
    start, swap_finished = merging.BackgroundMerges._start, merging.BackgroundMerges._swap_finished

    def go_on():
        while paused:
            os.kill(paused.pop().process.pid, signal.SIGCONT)

    def start_and_pause(self, sources):
        start(self, sources)
        merge = self._running[-1]
        if _files_written(self.index_dir, merge):
            os.kill(merge.process.pid, signal.SIGSTOP)
            paused.append(merge)
            count.append(1)

    monkeypatch.setattr(merging.BackgroundMerges, "_start", start_and_pause)
    # Let go before any look at the merges (after a commit, and in the
    # end-of-run loop, which may start and pause merges itself).
    monkeypatch.setattr(merging.BackgroundMerges, "_swap_finished", lambda self, swap: (go_on(), swap_finished(self, swap)))
    return count


def test_merges_beside_multi_process_commits(tmp_path, small_merges, paused_merges, monkeypatch):
    monkeypatch.setattr(writing, "PARALLEL_WRITE_MIN", 10)  # each batch written by two processes
    with Archive.create(tmp_path / "merged") as archive:
        archive.add(_articles(300), commit_every=20, jobs=2)
        assert len(archive) == 300 and archive.check().ok
    assert paused_merges  # commits kept the files of a merge they did not name
    with Archive.create(tmp_path / "unmerged") as archive:
        archive.add(_articles(300), jobs=1)
    assert _answers(tmp_path / "merged") == _answers(tmp_path / "unmerged")
    assert len(_segments(tmp_path / "merged")) < 15 // 3 + 3


def test_a_merge_killed_midway_loses_nothing_and_leaves_nothing(tmp_path, small_merges, monkeypatch, caplog):
    killed = []
    start = merging.BackgroundMerges._start

    def start_and_kill(self, sources):
        start(self, sources)
        merge = self._running[-1]
        if _files_written(self.index_dir, merge):
            merge.process.kill()
            killed.append(1)

    monkeypatch.setattr(merging.BackgroundMerges, "_start", start_and_kill)
    path = tmp_path / "index"
    with caplog.at_level(logging.WARNING, logger="searcher"):
        with Archive.create(path) as archive:
            archive.add(_articles(160), commit_every=40, jobs=1)
            report = archive.check()
    assert killed
    assert any("background merge" in r.getMessage() and "killed" in r.getMessage() for r in caplog.records)
    assert report.ok and not report.warnings and not report.leftovers
    assert len(_segments(path)) == 4  # merged by nobody: as committed
    monkeypatch.undo()
    assert _answers(path) == _answers_of_fresh(tmp_path / "fresh", _articles(160))


def _answers_of_fresh(path, articles):
    with Archive.create(path) as archive:
        archive.add(articles, jobs=1)
    return _answers(path)


KILLED_RUN = """
import os, signal, sys
from searcher import Archive
from searcher.article import Article
from searcher.engine.whoosh import merge_child, merging, writing
sys.path.insert(0, {tests!r})
from test_background_merge import _articles

writing.MERGE_FACTOR = 3
start = merging.BackgroundMerges._start

def start_and_die(self, sources):
    start(self, sources)
    self._running[-1].process.wait()  # the merged segment is written ...
    os.kill(os.getpid(), signal.SIGKILL)  # ... and the run dies before it is swapped in

merging.BackgroundMerges._start = start_and_die
with Archive.create({path!r}) as archive:
    archive.add(_articles(120), commit_every=40, jobs=1)
"""


def test_a_run_killed_before_swapping_a_merge_in_keeps_every_commit(tmp_path):
    path = tmp_path / "index"
    script = KILLED_RUN.format(tests=os.path.dirname(__file__), path=str(path))
    run = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == -signal.SIGKILL, run.stderr
    with Archive.open(path) as archive:
        assert len(archive) == 120  # the three commits, as they were
        report = archive.check()
        assert report.ok and report.leftovers  # the merged segment no table of contents names
        assert all(name.startswith("MAIN_") for name in report.leftovers)
        archive.add(_articles(10, start=120), jobs=1)  # the next run's commit deletes them
        report = archive.check()
        assert report.ok and not report.leftovers and not report.warnings
    assert _answers(path) == _answers_of_fresh(tmp_path / "fresh", _articles(130))


def test_a_killed_merges_temporary_folder_is_a_leftover_the_next_run_removes(tmp_path):
    path = tmp_path / "index"
    with Archive.create(path) as archive:
        archive.add(_articles(30), jobs=1)
    stale = path / merge_child.temp_folder_name("MAIN", "abcdefgh12345678")
    stale.mkdir()
    (stale / "x.ctmp").write_bytes(b"partial")
    with Archive.open(path) as archive:
        report = archive.check()
        assert report.ok and stale.name in report.leftovers  # not a foreign file
        archive.add(_articles(5, start=30), jobs=1)
        assert not stale.exists() and not archive.check().leftovers


UNGUARDED_SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
from searcher import Archive
from searcher.engine.whoosh import writing
from test_background_merge import _articles

writing.MERGE_FACTOR = 3
print("indexing", flush=True)
with Archive.create({path!r}) as archive:
    archive.add(_articles(160), commit_every=40, jobs=1)
    print(len(archive), flush=True)
"""


def test_a_users_script_without_a_main_guard_runs_once(tmp_path):
    # A merge's process does not import the caller's main script (as
    # multiprocessing's spawn would: it would index again).
    script = tmp_path / "index_it.py"
    script.write_text(UNGUARDED_SCRIPT.format(tests=os.path.dirname(__file__), path=str(tmp_path / "index")))
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["indexing", "160"]
    assert len(_segments(tmp_path / "index")) < 4  # merged
