"""A commit is all or nothing across every writing process (issue 22): a
dead sub-writer of a multi-process commit loses no article, hangs nothing,
and its batch's files are never recorded as read without their articles."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from searcher import Archive
from searcher.engine.whoosh.accel import writers as fastwriters
from searcher.ingest.manifest import Manifest, file_key

from .test_crash import committed_ids, env, write_corpus
from .test_reliability import children_of, end

pytestmark = pytest.mark.slow  # long: real multi-process commits with killed sub-writers

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc")
# One batch over writing.PARALLEL_WRITE_MIN: the multi-process commit on 2
# jobs (each sub-writer works ~0.5 s of CPU on its half).
BIG = 6000


def big_corpus(folder: Path, articles: int = BIG) -> set[str]:
    return write_corpus(folder, files=1, per_file=articles)


def index_args(corpus: Path, ix: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "searcher", "index", str(corpus), "--index", str(ix),
            "--commit-every", "100000", "--jobs", "2", "--quiet", "--format", "json", *extra]


def holds_whoosh_lock(pid: int, ix: Path) -> bool:
    """Whether ``pid`` has the index's Whoosh lock file open: a sub-writer
    (forked while the commit holds it), not a parse worker."""
    lock = ix / "MAIN_WRITELOCK"
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") == str(lock) for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def busy_sub_writer(indexer: subprocess.Popen, ix: Path, cpu: float, timeout: float = 120) -> int:
    """A sub-writer of ``indexer`` once it has worked ``cpu`` seconds (it has
    written part of its share: killing it then loses that part)."""
    deadline = time.monotonic() + timeout
    while True:
        for pid in children_of(indexer.pid):
            try:
                if holds_whoosh_lock(pid, ix) and cpu_seconds(pid) >= cpu:
                    return pid
            except OSError:
                continue
        assert indexer.poll() is None, "the run ended before a sub-writer was seen at work"
        assert time.monotonic() < deadline, "no sub-writer at work"
        time.sleep(0.005)


def assert_complete(ix: Path, expected: set[str]) -> None:
    ids = committed_ids(ix)
    assert len(ids) == len(set(ids)), "an article is in the index twice"
    assert set(ids) == expected, f"{len(expected - set(ids))} articles missing"
    assert Archive.check_at(ix).ok


@linux_only
@pytest.mark.parametrize("cpu", [0.0, 0.1, 0.25])
def test_a_killed_sub_writer_loses_no_article(tmp_path, cpu):
    """SIGKILL one sub-writer of a multi-process commit: the run fails with
    one line or writes every article; it never hangs, never records the
    file without its articles, and the next run ends with all of them once."""
    expected = big_corpus(tmp_path / "corpus")
    ix = tmp_path / "ix"
    indexer = subprocess.Popen(index_args(tmp_path / "corpus", ix), cwd=tmp_path, env=env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        end([busy_sub_writer(indexer, ix, cpu)])
        out, err = indexer.communicate(timeout=180)  # a hang fails here
    finally:
        if indexer.poll() is None:
            indexer.kill()
            indexer.wait()
        end(children_of(indexer.pid))
    assert "Traceback" not in err, err
    if indexer.returncode == 0:
        assert_complete(ix, expected)
    else:
        assert len(err.strip().splitlines()) == 1 and err.startswith("Error: "), err
        manifest = Manifest.load(ix)
        assert file_key(tmp_path / "corpus" / "c000.jsonl") not in manifest.files
    again = subprocess.run(index_args(tmp_path / "corpus", ix), cwd=tmp_path, env=env(),
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert_complete(ix, expected)


HOLD_QUEUE_LOCK = textwrap.dedent("""
    import os, sys
    from searcher import Archive
    from searcher.engine.whoosh.accel import writers as fastwriters

    original = fastwriters._FastSubWriterTask._process_file

    def die_holding_the_queue(self, filename, doc_count):
        # The first sub-writer to get here takes the job queue's read lock,
        # as a process killed inside get() leaves it, and dies.
        try:
            os.close(os.open(sys.argv[3], os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return original(self, filename, doc_count)
        self.jobqueue._rlock.acquire()
        os._exit(9)

    fastwriters._FastSubWriterTask._process_file = die_holding_the_queue
    with Archive.create(sys.argv[2]) as archive:
        report = archive.add([sys.argv[1]], jobs=2, commit_every=100000)
    print(report.new, report.total)
""")



@linux_only
def test_a_sub_writer_dead_inside_the_job_queue_hangs_nothing(tmp_path):
    """A sub-writer killed holding the job queue's lock leaves its siblings
    blocked for ever in get(): the commit must notice the dead one and
    end them instead of waiting for them (Whoosh joined them for ever)."""
    expected = big_corpus(tmp_path / "corpus")
    ix = tmp_path / "ix"
    try:
        done = subprocess.run([sys.executable, "-c", HOLD_QUEUE_LOCK, str(tmp_path / "corpus"), str(ix),
                               str(tmp_path / "token")],
                              cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=150)
    except subprocess.TimeoutExpired:
        pytest.fail("the commit hung on a dead sub-writer")
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(len(expected))] * 2
    assert_complete(ix, expected)


def test_a_failing_sub_writer_makes_the_batch_written_again(tmp_path, monkeypatch, caplog):
    """A sub-writer that ends with an error (its exit status 3): nothing of
    its share is lost, the file is recorded with all its articles."""
    expected = big_corpus(tmp_path / "corpus")
    original = fastwriters._FastSubWriterTask._process_file

    token = tmp_path / "token"

    def the_first_fails(self, filename, doc_count):
        try:
            os.close(os.open(token, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return original(self, filename, doc_count)
        os._exit(3)

    monkeypatch.setattr(fastwriters._FastSubWriterTask, "_process_file", the_first_fails)
    ix = tmp_path / "ix"
    with Archive.create(ix) as archive:
        report = archive.add([tmp_path / "corpus"], jobs=2, commit_every=100000)
    assert (report.new, report.total) == (len(expected), len(expected))
    assert "written again" in caplog.text
    assert_complete(ix, expected)
    entry = Manifest.load(ix).files[file_key(tmp_path / "corpus" / "c000.jsonl")]
    assert set(entry.ids) == expected
