"""Concurrent use with real processes, locks of killed processes, check and rebuild."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from searcher import Archive, Article, IndexLocked
from searcher.cli import cli
from searcher.engine.whoosh import copies
from searcher.engine.whoosh.accel import valuecolumns
from searcher.engine.whoosh.checksums import CHECKSUMS_NAME
from searcher.ingest import locking
from searcher.ingest.manifest import MANIFEST_NAME

from .test_crash import committed_ids, env, index_command, write_corpus

PER_FILE = 50


def start(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=cwd, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def run(args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=env(), capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def finish(proc: subprocess.Popen, timeout: float = 120) -> tuple[str, str]:
    out, err = proc.communicate(timeout=timeout)
    out, err = out.decode(), err.decode()
    assert "Traceback" not in err, err
    return out, err


def wait_for_lock(ix: Path, proc: subprocess.Popen, timeout: float = 30) -> None:
    """Until ``proc`` holds the index's lock (it writes its pid into the lock file)."""
    deadline = time.monotonic() + timeout
    while locking.writer_pid(ix) != proc.pid:
        assert proc.poll() is None, "the indexer ended before taking the lock"
        assert time.monotonic() < deadline, "the indexer never took the lock"
        time.sleep(0.02)


def assert_exactly(ix: Path, expected: set[str]) -> None:
    ids = committed_ids(ix)
    assert len(ids) == len(set(ids)), "an article is in the index twice"
    assert set(ids) == expected
    assert Archive.check_at(ix).ok


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def end(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# -- searching while an indexer writes ----------------------------------------

SEARCH_LOOP = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from searcher import Archive

    ix, stop = sys.argv[1], Path(sys.argv[2])
    with Archive.open(ix) as kept:                      # one long-lived Archive: refreshes
        while not stop.exists():
            total = kept.search("common", limit=1).total
            with Archive.open(ix) as fresh:             # and a new one each time
                print(json.dumps([total, fresh.search("common", limit=3).total, len(fresh)]), flush=True)
            time.sleep(0.01)
""")


@pytest.mark.slow
def test_searches_answer_from_the_last_commit_while_an_indexer_writes(tmp_path):
    base = write_corpus(tmp_path / "base", files=4, prefix="b")
    more = write_corpus(tmp_path / "more", files=16, prefix="m")
    ix = tmp_path / "ix"
    with Archive.create(ix) as archive:
        archive.add([tmp_path / "base"], jobs=1)
    stop = tmp_path / "stop"
    indexer = start(index_command(tmp_path / "more", ix), tmp_path)
    searches = start([sys.executable, "-c", SEARCH_LOOP, str(ix), str(stop)], tmp_path)
    try:
        wait_for_lock(ix, indexer)
        cli_search = run([sys.executable, "-m", "searcher", "search", "common", "--index", str(ix),
                          "--format", "json"], tmp_path)
        assert cli_search.returncode == 0 and json.loads(cli_search.stdout)["total"] >= len(base)
        finish(indexer)
        assert indexer.returncode == 0
    finally:
        stop.touch()
    out, _ = finish(searches, timeout=60)
    assert searches.returncode == 0
    seen = [json.loads(line) for line in out.splitlines()]
    committed_states = {len(base) + PER_FILE * k for k in range(len(more) // PER_FILE + 1)}
    assert seen and all(value in committed_states for row in seen for value in row), seen
    kept = [row[0] for row in seen]
    assert kept == sorted(kept), "a search saw the index go back"
    assert len(set(kept)) >= 3, "searches did not run while the indexer committed"
    assert_exactly(ix, base | more)


COMMIT_LOOP = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from searcher.engine.whoosh.store import open_index

    ix, end, commits = open_index(Path(sys.argv[1])), time.time() + float(sys.argv[2]), 0
    while time.time() < end:                            # each commit deletes the last table of contents
        writer = ix.writer()
        writer.add_document(id=f"w{commits}", title="t", body="common")
        writer.commit()
        commits += 1
    print(commits)
""")


@pytest.mark.slow
def test_opening_the_index_while_commits_replace_its_files(tmp_path):
    """Opening lists the folder, then reads the newest table of contents; a
    commit in between deletes it. Plain Whoosh failed ~1% of such opens
    (FileNotFoundError) under a commit loop like this one, and a refresh
    that met it raised ReaderClosed."""
    ix = tmp_path / "ix"
    with Archive.create(ix) as archive:
        archive.add([Article(title="first", body="common", id="0")])
    writer = start([sys.executable, "-c", COMMIT_LOOP, str(ix), "3"], tmp_path)
    opens = 0
    with Archive.open(ix) as kept:  # refreshes to each new commit (Whoosh closed its old reader twice)
        while writer.poll() is None:
            with Archive.open(ix) as archive:
                assert archive.search("common", limit=1).total >= 1
            assert kept.search("common", limit=1).total >= 1
            opens += 1
    out, _ = finish(writer)
    assert writer.returncode == 0 and int(out) > 20 and opens > 20


# -- two indexers -------------------------------------------------------------


@pytest.mark.slow
def test_a_second_indexer_fails_at_once_with_exit_3(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", files=16)
    ix = tmp_path / "ix"
    first = start(index_command(tmp_path / "corpus", ix), tmp_path)
    wait_for_lock(ix, first)
    began = time.monotonic()
    second = run(index_command(tmp_path / "corpus", ix), tmp_path)
    assert second.returncode == 3
    assert second.stderr == (f"Error: another process (pid {first.pid}) is writing to this index; try again "
                             "when it has finished, or wait for it (--wait SECONDS)\n")
    assert time.monotonic() - began < 15
    finish(first)
    assert first.returncode == 0
    assert_exactly(ix, corpus)


@pytest.mark.slow
def test_a_second_indexer_with_wait_waits_then_succeeds(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", files=12)
    extra = write_corpus(tmp_path / "extra", files=2, prefix="x")
    ix = tmp_path / "ix"
    first = start(index_command(tmp_path / "corpus", ix), tmp_path)
    wait_for_lock(ix, first)
    # The same files and two more: what the first run commits meanwhile must
    # not be added a second time.
    second = start([*index_command(tmp_path / "corpus", ix), str(tmp_path / "extra"), "--wait", "120",
                    "--format", "json"], tmp_path)
    finish(first)
    out, _ = finish(second)
    assert (first.returncode, second.returncode) == (0, 0)
    report = json.loads(out)
    assert (report["new"], report["unchanged"], report["files_unchanged"]) == (len(extra), len(corpus), 12)
    assert_exactly(ix, corpus | extra)


@pytest.mark.slow
def test_two_indexers_started_together_on_a_new_index(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", files=6)
    ix = tmp_path / "ix"
    runs = [start([*index_command(tmp_path / "corpus", ix), "--wait", "120", "--format", "json"], tmp_path)
            for _ in range(2)]
    reports = [json.loads(finish(proc)[0]) for proc in runs]
    assert [proc.returncode for proc in runs] == [0, 0]
    assert sorted(r["new"] for r in reports) == [0, len(corpus)]
    assert_exactly(ix, corpus)


def test_in_process_writers_exclude_each_other(tmp_path):
    ix = tmp_path / "ix"
    with Archive.create(ix) as archive:
        fd = locking.acquire(ix)
        try:
            with pytest.raises(IndexLocked, match=f"pid {os.getpid()}"):
                archive.add([Article(title="t", body="b", id="1")])
            began = time.monotonic()
            with pytest.raises(IndexLocked, match="after waiting 0.3 s"):
                archive.add([Article(title="t", body="b", id="1")], wait=0.3)
            assert time.monotonic() - began >= 0.3
        finally:
            locking.release(fd)
        assert archive.add([Article(title="t", body="b", id="1")]).new == 1


# -- locks left by killed processes -------------------------------------------


@pytest.mark.slow
def test_the_lock_of_a_killed_indexer_goes_with_it(tmp_path):
    """flock locks belong to open files: kill -9 closes them. The parse
    workers (--jobs 2) never hold the lock (and on Linux die with the run:
    tests/test_parallel.py)."""
    corpus = write_corpus(tmp_path / "corpus", files=12)
    ix = tmp_path / "ix"
    first = start([*index_command(tmp_path / "corpus", ix)[:-3], "--jobs", "2", "--quiet"], tmp_path)
    orphans: list[int] = []
    try:
        wait_for_lock(ix, first)
        time.sleep(0.3)
        orphans = children_of(first.pid)
        first.send_signal(signal.SIGKILL)
        first.wait()
        assert (ix / locking.LOCK_NAME).exists()  # the file stays; the lock does not
        assert locking.writer_pid(ix) is None
        began = time.monotonic()
        second = run(index_command(tmp_path / "corpus", ix), tmp_path)
        assert second.returncode == 0, second.stderr
        assert time.monotonic() - began < 60
    finally:
        end(orphans)
    assert_exactly(ix, corpus)


HOLD_WHOOSH_LOCK = textwrap.dedent("""
    import os, signal, sys, time
    from searcher import Archive

    archive = Archive.open(sys.argv[1])
    writer = archive._backend.ix.writer()                 # Whoosh's own lock, as a writer takes it
    if sys.argv[2] == "orphan":
        child = os.fork()                         # like Whoosh's multi-process sub-writers
        if child == 0:
            time.sleep(120)
            os._exit(0)
        print(child, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)      # the parent dies; the child keeps the lock file open
    print(os.getpid(), flush=True)
    time.sleep(120)
""")


def test_whoosh_lock_kept_by_a_dead_writers_child_is_recovered(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", files=2)
    ix = tmp_path / "ix"
    with Archive.create(ix) as archive:
        archive.add([tmp_path / "corpus"], jobs=1)
    holder = start([sys.executable, "-c", HOLD_WHOOSH_LOCK, str(ix), "orphan"], tmp_path)
    child = int(holder.stdout.readline())
    try:
        holder.wait(timeout=30)
        state = locking.whoosh_lock_state(ix)
        assert state.state == "stale" and child in state.holders
        checked = CliRunner().invoke(cli, ["check", "--index", str(ix)])
        assert checked.exit_code == 0 and "write lock of a killed indexing run" in checked.output
        os.utime(tmp_path / "corpus" / "c000.jsonl", ns=(1, 1))  # make the run write something
        again = run(index_command(tmp_path / "corpus", ix), tmp_path)
        assert again.returncode == 0, again.stderr
        assert again.stderr.count("\n") == 1 and "recovered the write lock of a killed indexing run" in again.stderr
        assert locking.whoosh_lock_state(ix).state == "free"
    finally:
        end([child])
        finish(holder)
    assert_exactly(ix, corpus)


@pytest.mark.slow
def test_a_live_foreign_writer_makes_the_indexer_exit_3(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", files=2)
    ix = tmp_path / "ix"
    with Archive.create(ix) as archive:
        archive.add([tmp_path / "corpus" / "c000.jsonl"], jobs=1)
    holder = start([sys.executable, "-c", HOLD_WHOOSH_LOCK, str(ix), "live"], tmp_path)
    pid = int(holder.stdout.readline())
    try:
        assert locking.whoosh_lock_state(ix).state == "held"
        blocked = run(index_command(tmp_path / "corpus", ix), tmp_path)
        assert blocked.returncode == 3
        assert blocked.stderr.startswith("Error: another process is writing to this index")
        assert blocked.stderr.count("\n") == 1
    finally:
        end([pid])
        finish(holder)
    assert run(index_command(tmp_path / "corpus", ix), tmp_path).returncode == 0
    assert_exactly(ix, corpus)


# -- check and rebuild --------------------------------------------------------


@pytest.fixture
def built(tmp_path):
    """An index of 6 files x 50 articles, committed in 3 segments."""
    corpus = write_corpus(tmp_path / "corpus", files=6)
    ix = tmp_path / "ix"
    with Archive.create(ix) as archive:
        archive.add([tmp_path / "corpus"], commit_every=100, jobs=1)
    return ix, corpus


def check(ix: Path, *extra: str):
    return CliRunner().invoke(cli, ["check", "--index", str(ix), *extra])


def rebuild(ix: Path, *extra: str):
    return CliRunner().invoke(cli, ["rebuild", "--index", str(ix), "--jobs", "1", *extra])


def test_check_passes_on_a_sound_index(built):
    ix, corpus = built
    result = check(ix, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ok"] and data["articles"] == len(corpus) == data["ids_recorded"]
    assert data["problems"] == [] and data["files_recorded"] == 6


def test_a_removed_segment_fails_check_and_rebuild_restores_it(built):
    ix, corpus = built
    segment = sorted(ix.glob("MAIN_*.seg"))[0]
    segment.unlink()
    result = check(ix)
    assert result.exit_code == 1
    assert f"error: segment {segment.stem} (" in result.output and f"file {segment.name} is missing" in result.output
    assert "FAILED" in result.output
    restored = rebuild(ix)
    assert restored.exit_code == 0, restored.output
    assert f"{len(corpus)} articles in the index" in restored.output
    assert check(ix).exit_code == 0
    assert_exactly(ix, corpus)
    with Archive.open(ix) as archive:
        assert archive.search("common").total == len(corpus)
    assert not list(ix.parent.glob(".ix.*")), "the rebuild left its folder behind"


def test_a_corrupted_segment_fails_check_and_rebuild_restores_it(built):
    ix, corpus = built
    segment = sorted(ix.glob("MAIN_*.seg"))[0]
    data = bytearray(segment.read_bytes())
    for i in range(200, len(data) - 200, 401):
        data[i] ^= 0x5A
    segment.write_bytes(bytes(data))
    result = check(ix)
    assert result.exit_code == 1 and f"segment {segment.stem}" in result.output and "cannot be read" in result.output
    assert rebuild(ix).exit_code == 0
    assert_exactly(ix, corpus)


def test_a_damaged_table_of_contents_fails_check_and_rebuild_restores_it(built):
    ix, corpus = built
    (toc,) = ix.glob("_MAIN_*.toc")
    toc.write_bytes(toc.read_bytes()[:40])
    result = check(ix)
    assert result.exit_code == 1 and f"the table of contents {toc.name} cannot be read" in result.output
    search = CliRunner().invoke(cli, ["search", "common", "--index", str(ix)])
    assert search.exit_code == 4 and search.output.startswith(f"Error: the index at {ix} is damaged")
    assert search.output.count("\n") == 1
    restored = rebuild(ix)
    # Every file is re-read; what the index held beyond them cannot be known.
    assert restored.exit_code == 1
    assert "its table of contents cannot be read" in restored.output
    assert "articles added without a file may be lost" in restored.output
    assert_exactly(ix, corpus)


def test_check_reports_duplicates_foreign_files_and_manifest_gaps(built, tmp_path):
    ix, corpus = built
    from searcher.ingest.indexer import Indexer

    with Archive.open(ix) as archive:
        # Two runs working from the same view of the index, as happened
        # before runs took a lock for their whole length.
        extra = tmp_path / "extra.jsonl"
        extra.write_text(json.dumps({"id": "dup", "title": "t", "body": "b"}) + "\n")
        twins = [Indexer(archive._backend.writer(1), ix, 50, jobs=1) for _ in range(2)]
        for indexer in twins:
            indexer.add_paths([extra])
    (ix / "notes.txt").write_text("mine")
    manifest = json.loads((ix / MANIFEST_NAME).read_text())
    next(iter(manifest["files"].values()))["ids"].append("ghost")
    (ix / MANIFEST_NAME).write_text(json.dumps(manifest))
    result = check(ix)
    assert result.exit_code == 1
    assert "error: 1 article ids occur more than once: 'dup' (2 copies)" in result.output
    assert "error: 1 files in the index folder are not part of the index: notes.txt" in result.output
    assert "error: the manifest lists 1 articles the index does not hold: 'ghost' (from " in result.output


def test_leftovers_of_an_interrupted_write_are_warnings_and_clean_removes_them(built):
    ix, _ = built
    (ix / "MAIN.tmp").mkdir()
    (ix / "MAIN.tmp" / "run1.ctmp").write_bytes(b"x" * 100)
    (ix / "MAIN_0123456789abcdef.pst").write_bytes(b"")
    (ix / "_MAIN_9.toc.1712345678.25").write_bytes(b"")
    (ix / "searcher-manifest.tmp").write_text("{")
    result = check(ix)
    assert result.exit_code == 0
    assert "warning: 4 files (0.0 MB) left over from an interrupted write" in result.output
    cleaned = check(ix, "--clean")
    assert cleaned.exit_code == 0 and "removed 4 leftover files" in cleaned.output
    assert "warning" not in cleaned.output
    assert sorted(p.name for p in ix.iterdir() if not p.name.startswith("MAIN_") or p.suffix != ".seg") == sorted([
        "MAIN_WRITELOCK", "_MAIN_3.toc", CHECKSUMS_NAME, valuecolumns.FOLDER, copies.FOLDER, MANIFEST_NAME,
        locking.LOCK_NAME])


def test_rebuild_keeps_articles_no_file_provides_and_reports_vanished_files(built, tmp_path):
    ix, corpus = built
    with Archive.open(ix) as archive:
        archive.add([Article(title="Added by hand", body="common words", id="by-hand")])
    gone = tmp_path / "corpus" / "c005.jsonl"
    gone_ids = {i for i in corpus if i.startswith("c005-")}
    gone.unlink()
    result = rebuild(ix)
    assert result.exit_code == 1  # a source is gone: reported
    assert f"skipped {gone.resolve()}: no longer exists: its 50 articles were kept from the old index" in result.output
    assert "51 articles kept from the old index" in result.output
    assert_exactly(ix, corpus | {"by-hand"})
    assert gone_ids <= set(committed_ids(ix))


def test_rebuild_waits_for_a_running_indexer_or_fails_with_exit_3(built, tmp_path):
    ix, corpus = built
    fd = locking.acquire(ix)
    try:
        result = rebuild(ix)
        assert result.exit_code == 3
        assert result.output.startswith(f"Error: another process (pid {os.getpid()}) is writing to this index")
    finally:
        locking.release(fd)


def test_check_and_rebuild_of_a_missing_index_exit_2(tmp_path):
    assert check(tmp_path / "nothing").exit_code == 2
    assert rebuild(tmp_path / "nothing").exit_code == 2


def test_an_archive_open_during_a_rebuild_sees_the_rebuilt_index(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", files=2)
    ix = tmp_path / "ix"
    with Archive.create(ix) as archive:
        archive.add([tmp_path / "corpus"], jobs=1)  # one commit: generation 1, as the rebuild's own
    first = tmp_path / "corpus" / "c000.jsonl"
    first.write_text("\n".join(first.read_text().splitlines()[:10]) + "\n")  # 40 articles fewer
    with Archive.open(ix) as kept:
        assert kept.search("common").total == len(corpus)
        assert rebuild(ix).exit_code == 0
        assert kept.search("common").total == len(corpus) - 40


def test_an_article_two_files_share_stays_when_one_drops_it(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    shared = json.dumps({"id": "X", "title": "Shared", "body": "both files"})
    (folder / "a.jsonl").write_text(shared + "\n" + json.dumps({"id": "A", "title": "a", "body": "a"}) + "\n")
    (folder / "b.jsonl").write_text(shared + "\n")
    ix = tmp_path / "ix"
    with Archive.create(ix) as archive:
        archive.add([folder], jobs=1)
        (folder / "a.jsonl").write_text(json.dumps({"id": "A", "title": "a", "body": "a"}) + "\n")
        os.utime(folder / "a.jsonl", ns=(1, 1))
        archive.add([folder], jobs=1)
    assert_exactly(ix, {"A", "X"})  # check: "the manifest lists 1 articles the index does not hold: 'X'"
