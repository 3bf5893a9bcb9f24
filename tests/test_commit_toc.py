"""A lost table of contents never turns `searcher index` into a wipe (issue 22)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from searcher import Archive
from searcher.errors import IndexDamaged
from searcher.ingest.manifest import MANIFEST_NAME

from .test_commit_integrity import assert_complete
from .test_crash import env, write_corpus


def test_a_lost_table_of_contents_is_refused_not_wiped(tmp_path):
    expected = write_corpus(tmp_path / "corpus", files=40)
    ix = tmp_path / "ix"
    args = [sys.executable, "-m", "searcher", "index", str(tmp_path / "corpus"), "--index", str(ix),
            "--jobs", "1", "--quiet"]
    first = subprocess.run(args, cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    segments = sorted(p.name for p in ix.iterdir() if p.name.startswith("MAIN_") and "." in p.name)
    assert segments
    for toc in ix.glob("_MAIN_*.toc"):
        toc.unlink()
    again = subprocess.run(args, cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=300)
    assert again.returncode == IndexDamaged.exit_code, (again.stdout, again.stderr)
    assert len(again.stderr.strip().splitlines()) == 1, again.stderr
    assert "damaged" in again.stderr and "searcher check" in again.stderr and "searcher rebuild" in again.stderr
    assert sorted(p.name for p in ix.iterdir() if p.name.startswith("MAIN_") and "." in p.name) == segments
    assert not any(ix.glob("_MAIN_*.toc")), "an empty table of contents was written over the index"
    with pytest.raises(IndexDamaged):
        Archive.create(ix)
    rebuilt = subprocess.run([sys.executable, "-m", "searcher", "rebuild", "--index", str(ix), "--jobs", "1",
                              "--quiet"], cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=300)
    # Exit 1: it reports that articles added without a file cannot be known.
    assert rebuilt.returncode in (0, 1) and "Traceback" not in rebuilt.stderr, rebuilt.stderr
    assert_complete(ix, expected)


def test_a_folder_with_only_a_manifest_is_refused(tmp_path):
    ix = tmp_path / "ix"
    ix.mkdir()
    (ix / MANIFEST_NAME).write_text(json.dumps({"version": 1, "files": {}, "skipped": {}}))
    with pytest.raises(IndexDamaged, match="searcher rebuild"):
        Archive.create(ix)
    assert not any(ix.glob("_MAIN_*.toc"))


def test_a_lost_newest_table_of_contents_with_an_older_one_left_is_refused(tmp_path):
    from click.testing import CliRunner

    from searcher.cli import cli

    data = tmp_path / "d"
    data.mkdir()
    index = tmp_path / "ix"
    for i in (1, 2):
        (data / f"{i}.jsonl").write_text(f'{{"id": "a{i}", "title": "t{i}", "body": "b"}}\n')
        assert CliRunner().invoke(cli, ["index", str(data / f"{i}.jsonl"), "--index", str(index), "-q"]).exit_code == 0
        if i == 1:
            older = next(index.glob("_MAIN_*.toc")).read_bytes()
    newest = next(index.glob("_MAIN_*.toc"))
    newest.unlink()
    (index / "_MAIN_1.toc").write_bytes(older)  # an older table of contents is what Whoosh now opens
    segments = sorted(p.name for p in index.glob("MAIN_*.seg"))
    (data / "3.jsonl").write_text('{"id": "a3", "title": "t3", "body": "b"}\n')
    again = CliRunner().invoke(cli, ["index", str(data / "3.jsonl"), "--index", str(index), "-q"])
    assert again.exit_code == IndexDamaged.exit_code and f"{newest.name} is missing" in again.output
    check = CliRunner().invoke(cli, ["check", "--clean", "--index", str(index)])
    assert check.exit_code == 1 and f"{newest.name} is missing" in check.output
    assert sorted(p.name for p in index.glob("MAIN_*.seg")) == segments  # nothing deleted
    assert CliRunner().invoke(cli, ["rebuild", "--index", str(index), "-q"]).exit_code == 0
    with Archive.open(index) as archive:
        assert {archive.get(i).title for i in ("a1", "a2")} == {"t1", "t2"}
