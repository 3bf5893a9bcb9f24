"""Write failures (issue 22): a full disk, a read-only folder, a lock file
that cannot be opened are one-line IndexWriteError (exit status 5), never
tracebacks, and nothing half written is recorded: the index opens with
what was committed before, and the manifest names only what it holds."""
from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh.filedb.structfile import StructFile

from searcher import Archive
from searcher.cli import cli
from searcher.errors import IndexWriteError
from searcher.ingest import locking
from searcher.ingest.manifest import MANIFEST_NAME, Manifest, file_key

from .test_crash import committed_ids, write_corpus

NO_SPACE = os.strerror(errno.ENOSPC)


def two_corpora(tmp_path: Path) -> tuple[set[str], set[str]]:
    return (write_corpus(tmp_path / "first", files=2, per_file=20, prefix="a"),
            write_corpus(tmp_path / "second", files=2, per_file=20, prefix="b"))


def first_indexed(tmp_path: Path) -> tuple[Path, set[str], set[str], str]:
    """An index of the first corpus: (its folder, both corpora's ids, its saved manifest)."""
    first, second = two_corpora(tmp_path)
    ix = tmp_path / "ix"
    with Archive.create(ix) as archive:
        archive.add([tmp_path / "first"], jobs=1)
    return ix, first, second, (ix / MANIFEST_NAME).read_text()


def disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, NO_SPACE)


@pytest.mark.parametrize("where", ["every file", "the table of contents"])
def test_a_full_disk_during_a_commit_is_an_index_write_error(tmp_path, monkeypatch, where):
    ix, first, _, saved = first_indexed(tmp_path)
    write = StructFile.write

    def full(self, *args):
        if where == "every file" or ".toc." in (self._name or ""):
            disk_full()
        return write(self, *args)

    monkeypatch.setattr(StructFile, "write", full)
    with Archive.open(ix) as archive:
        with pytest.raises(IndexWriteError) as caught:
            archive.add([tmp_path / "second"], jobs=1)
    message = str(caught.value)
    assert message == f"cannot write the index at {ix}: {NO_SPACE}" and "\n" not in message
    assert caught.value.exit_code == 5
    monkeypatch.undo()
    assert (ix / MANIFEST_NAME).read_text() == saved
    assert set(committed_ids(ix)) == first
    assert not [p.name for p in ix.iterdir() if ".toc." in p.name], "a half-written table of contents was left"
    with Archive.open(ix) as archive:  # the writer's lock was released: a later run in this process writes
        archive.add([tmp_path / "second"], jobs=1)
    assert Archive.check_at(ix).ok


def test_a_full_disk_when_the_manifest_is_saved_keeps_the_saved_one(tmp_path, monkeypatch):
    ix, first, second, saved = first_indexed(tmp_path)
    replace = os.replace

    def full_for_the_manifest(src, dst, *args, **kwargs):
        if Path(dst).name == MANIFEST_NAME:
            raise OSError(errno.ENOSPC, NO_SPACE, str(src))
        return replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", full_for_the_manifest)
    with Archive.open(ix) as archive:
        with pytest.raises(IndexWriteError, match=f"^cannot write the index at .*: {NO_SPACE}$"):
            archive.add([tmp_path / "second"], jobs=1)
    monkeypatch.undo()
    assert (ix / MANIFEST_NAME).read_text() == saved
    assert not (ix / "searcher-manifest.tmp").exists()
    assert file_key(tmp_path / "second" / "b000.jsonl") not in Manifest.load(ix).files
    # The commit before the failed save stands; the next run re-reads its files as unchanged.
    with Archive.open(ix) as archive:
        report = archive.add([tmp_path / "second"], jobs=1)
    assert (report.new, report.unchanged) == (0, len(second))
    assert sorted(committed_ids(ix)) == sorted(first | second)


def test_a_lock_file_that_cannot_be_opened_is_an_index_write_error(tmp_path, monkeypatch):
    write_corpus(tmp_path / "corpus", files=1, per_file=5)
    ix = tmp_path / "ix"
    with Archive.create(ix) as archive:
        archive.add([tmp_path / "corpus"], jobs=1)
    opener = os.open

    def denied(path, *args, **kwargs):
        if Path(path).name == locking.LOCK_NAME:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return opener(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    with Archive.open(ix) as archive:
        with pytest.raises(IndexWriteError) as caught:
            archive.add([tmp_path / "corpus"], jobs=1)
    assert str(caught.value) == f"cannot write the index at {ix / locking.LOCK_NAME}: Permission denied"
    result = CliRunner().invoke(cli, ["index", str(tmp_path / "corpus"), "--index", str(ix), "--quiet"])
    assert result.exit_code == 5
    assert result.output.strip().splitlines() == [f"Error: {caught.value}"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes read-only folders")
def test_a_read_only_index_folder_is_an_index_write_error(tmp_path):
    write_corpus(tmp_path / "corpus", files=1, per_file=5)
    ix = tmp_path / "ix"
    with Archive.create(ix) as archive:
        archive.add([tmp_path / "corpus"], jobs=1)
    (tmp_path / "corpus" / "c000.jsonl").write_text(json.dumps({"id": "x", "title": "t", "body": "b"}) + "\n")
    ix.chmod(0o555)
    try:
        with Archive.open(ix) as archive:
            with pytest.raises(IndexWriteError, match="cannot write the index at"):
                archive.add([tmp_path / "corpus"], jobs=1)
    finally:
        ix.chmod(0o755)
    assert len(committed_ids(ix)) == 5
