"""The index folder: never made in a folder of other files, never taking the
user's files with it on rebuild, and a hidden .gitignore is no problem."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from searcher import Archive
from searcher.cli import cli

from .conftest import REPO


def _run(*args):
    return CliRunner().invoke(cli, list(args))


def _listing(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_an_index_is_not_made_inside_a_folder_of_other_files(tmp_path):
    data = tmp_path / "d"
    shutil.copytree(REPO / "corpus", data)
    before = _listing(data)
    result = _run("index", str(data), "--index", str(data), "--quiet")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "is not empty and holds no index" in result.output
    assert _listing(data) == before  # not even a lock file


def test_the_quick_starts_index_folder_with_its_gitignore(tmp_path, monkeypatch):
    shutil.copytree(REPO / "index", tmp_path / "index")
    assert (tmp_path / "index" / ".gitignore").is_file()
    monkeypatch.chdir(tmp_path)
    assert _run("index", str(REPO / "corpus"), "--quiet").exit_code == 0
    check = _run("check")
    assert check.exit_code == 0, check.output
    assert _run("rebuild", "--quiet").exit_code == 0
    assert (tmp_path / "index" / ".gitignore").read_text() == (REPO / "index" / ".gitignore").read_text()


def _one_article_index(tmp_path):
    """An index of one file with one article, made by `searcher index`."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.jsonl").write_text(json.dumps({"id": "a", "title": "T", "body": "pipeline"}) + "\n")
    index = tmp_path / "index"
    assert _run("index", str(data), "--index", str(index), "--quiet").exit_code == 0
    return index


def test_rebuild_keeps_the_users_files_in_the_index_folder(tmp_path):
    index = _one_article_index(tmp_path)
    (index / "notes.txt").write_text("mine")
    (index / "drafts").mkdir()
    (index / "drafts" / "x.md").write_text("draft")
    result = _run("rebuild", "--index", str(index), "--quiet")
    assert result.exit_code == 0, result.output
    assert (index / "notes.txt").read_text() == "mine" and (index / "drafts" / "x.md").read_text() == "draft"
    with Archive.open(index) as archive:
        assert len(archive) == 1
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".index.")]  # no work folder left


def test_nothing_to_read_makes_no_index(tmp_path):
    result = _run("index", str(tmp_path / "nowhere"), "--index", str(tmp_path / "ix"))
    assert result.exit_code == 2 and "no such file or folder" in result.output
    assert not (tmp_path / "ix").exists()


def test_a_rebuild_failing_while_it_carries_the_users_files_puts_them_back(tmp_path, monkeypatch):
    from searcher.engine.whoosh import rebuild

    index = _one_article_index(tmp_path)
    (index / "a-notes.txt").write_text("mine")
    (index / "b-notes.txt").write_text("also mine")
    moves = []
    real_rename = rebuild.os.rename

    def rename(source, target):
        if Path(source).name == "b-notes.txt" and Path(target).parent != index:
            raise PermissionError(13, "Permission denied", str(source))
        moves.append(Path(source).name)
        real_rename(source, target)

    monkeypatch.setattr(rebuild.os, "rename", rename)
    result = _run("rebuild", "--index", str(index), "--quiet")
    assert result.exit_code == 5 and "Permission denied" in result.output
    assert "a-notes.txt" in moves  # the first file had been carried when the second failed
    assert (index / "a-notes.txt").read_text() == "mine" and (index / "b-notes.txt").read_text() == "also mine"
    with Archive.open(index) as archive:
        assert len(archive) == 1
