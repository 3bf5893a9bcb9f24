"""Kill -9 a real indexing process at random moments: what was committed
stays, nothing is doubled, and the next run finishes the rest.

SEARCHER_CRASH_SEED picks the moments (default 6), SEARCHER_CRASH_KILLS how
many kills (default 10).
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from searcher import Archive
from searcher.cli import cli

REPO = Path(__file__).resolve().parents[1]
FILES, PER_FILE = 40, 50
FULL = FILES * PER_FILE
SEED = int(os.environ.get("SEARCHER_CRASH_SEED", "6"))
KILLS = int(os.environ.get("SEARCHER_CRASH_KILLS", "10"))
WORDS = "gas pipeline report river flood market energy election court harbour bank price".split()


def write_corpus(folder: Path, files: int = FILES, per_file: int = PER_FILE, prefix: str = "c") -> set[str]:
    """JSONL files of small articles; returns their ids."""
    rng = random.Random(1)
    folder.mkdir(parents=True, exist_ok=True)
    ids = set()
    for f in range(files):
        lines = []
        for i in range(per_file):
            article_id = f"{prefix}{f:03d}-{i:03d}"
            ids.add(article_id)
            lines.append(json.dumps({
                "id": article_id, "title": f"Story {article_id}", "date": f"2021-{1 + f % 12:02d}-{1 + i % 28:02d}",
                "body": "common " + " ".join(rng.choice(WORDS) for _ in range(60)), "tags": [f"T{f % 5}"],
            }))
        (folder / f"{prefix}{f:03d}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ids


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}


def index_command(corpus: Path, ix: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "searcher", "index", str(corpus), "--index", str(ix),
            "--commit-every", "50", "--jobs", "1", "--quiet", *extra]


def committed_ids(ix: Path) -> list[str]:
    """The id of every live document, as committed (duplicates kept)."""
    with Archive.open(ix) as archive:
        with archive._backend.ix.searcher() as searcher:
            ids = [fields["id"] for fields in searcher.all_stored_fields()]
        assert len(archive) == len(ids)
    return ids


def assert_consistent(ix: Path, corpus_ids: set[str]) -> int:
    """The index opens, holds each id once, only corpus ids, and check passes."""
    ids = committed_ids(ix)
    assert len(ids) == len(set(ids)), "an article is in the index twice"
    assert set(ids) <= corpus_ids
    result = CliRunner().invoke(cli, ["check", "--index", str(ix)])
    assert result.exit_code == 0, result.output
    return len(ids)


@pytest.mark.slow
def test_kill_9_at_random_moments_loses_and_doubles_nothing(tmp_path):
    corpus_ids = write_corpus(tmp_path / "corpus")
    ix = tmp_path / "ix"
    rng = random.Random(SEED)
    kills = completed = with_leftovers = 0
    phases = {"before the index existed": 0, "before its first commit": 0, "with articles committed": 0}
    committed = 0
    started = time.monotonic()
    while kills < KILLS:
        proc = subprocess.Popen(index_command(tmp_path / "corpus", ix), cwd=tmp_path, env=env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            proc.wait(timeout=rng.uniform(0.2, 3.0))
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)  # this process only, by its id
        out, err = proc.communicate()
        assert b"Traceback" not in err, err.decode()
        if proc.returncode == -signal.SIGKILL:
            kills += 1
            if not any(ix.glob("_MAIN_*.toc")):
                phases["before the index existed"] += 1
                committed = 0
                continue
            count = assert_consistent(ix, corpus_ids)
            phases["with articles committed" if count else "before its first commit"] += 1
            assert count >= committed, "a committed article was lost"
            committed = count
            report = Archive.check_at(ix)
            with_leftovers += bool(report.leftovers)
        else:
            # The run finished before its kill: it must hold everything.
            assert proc.returncode == 0, err.decode()
            assert assert_consistent(ix, corpus_ids) == FULL
            completed += 1
            shutil.rmtree(ix)  # a fresh start, so that every kill interrupts real work
            committed = 0
    # The next run completes the rest: what it re-reads counts unchanged, not new.
    done = subprocess.run(index_command(tmp_path / "corpus", ix, "--format", "json"), cwd=tmp_path, env=env(),
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    report = json.loads(done.stdout)
    ids = committed_ids(ix)
    assert len(ids) == FULL and set(ids) == corpus_ids
    assert report["new"] == FULL - committed and report["updated"] == 0
    assert report["new"] + report["unchanged"] == FULL
    assert Archive.check_at(ix).ok
    print(f"\n{kills} kills (seed {SEED}): " + ", ".join(f"{n} {phase}" for phase, n in phases.items())
          + f"; {with_leftovers} left files of an unfinished write; {completed} runs finished before their kill "
          f"(then a fresh index); {time.monotonic() - started:.1f} s")


KILL_BEFORE_MANIFEST = textwrap.dedent("""
    import os, signal, sys
    from searcher.ingest import manifest

    saves = {"n": 0}
    save = manifest.Manifest.save

    def save_or_die(self):
        saves["n"] += 1
        if saves["n"] == int(sys.argv[1]):
            os.kill(os.getpid(), signal.SIGKILL)  # committed, manifest not yet saved
        save(self)

    manifest.Manifest.save = save_or_die
    from searcher.cli import cli
    cli(sys.argv[2:], prog_name="searcher")
""")


def test_kill_between_commit_and_manifest_save_rereads_as_unchanged(tmp_path):
    corpus_ids = write_corpus(tmp_path / "corpus", files=6)
    ix = tmp_path / "ix"
    args = index_command(tmp_path / "corpus", ix)[3:]
    killed = subprocess.run([sys.executable, "-c", KILL_BEFORE_MANIFEST, "3", *args], cwd=tmp_path, env=env(),
                            capture_output=True, timeout=60)
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    # Three commits of 50 (the third ends file 3); the manifest saved after
    # the second records file 1 only (a file is recorded once read through).
    assert assert_consistent(ix, corpus_ids) == 150
    report = Archive.check_at(ix)
    assert (report.ids_recorded, report.unrecorded) == (50, 100)
    rerun = subprocess.run([*index_command(tmp_path / "corpus", ix), "--format", "json"], cwd=tmp_path, env=env(),
                           capture_output=True, timeout=60)
    assert rerun.returncode == 0, rerun.stderr.decode()
    counts = json.loads(rerun.stdout)
    assert (counts["new"], counts["updated"], counts["unchanged"]) == (150, 0, 150)
    assert (counts["files_read"], counts["files_unchanged"]) == (5, 1)
    ids = committed_ids(ix)
    assert sorted(ids) == sorted(corpus_ids)
    assert Archive.check_at(ix).ok
