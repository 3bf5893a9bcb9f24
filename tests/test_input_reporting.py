"""Input left out is never silent: other kinds of file are counted (named
with --verbose), folders that cannot be listed are skipped with the reason,
symbolic links to folders are followed, each folder once."""
from __future__ import annotations

import json
import os

from click.testing import CliRunner

from searcher import Archive
from searcher.cli import cli


def _tree(tmp_path):
    data = tmp_path / "d"
    (data / "sub").mkdir(parents=True)
    for name in ("a.pdf", "b.docx", "c.csv"):
        (data / name).write_bytes(b"not news")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "x.jsonl").write_text(json.dumps({"id": "x", "title": "Linked", "body": "in"}) + "\n")
    (data / "sub" / "linked").symlink_to(elsewhere)
    (data / "sub" / "up").symlink_to(data)  # a loop
    return data


def test_other_files_are_counted_and_named(tmp_path):
    data = _tree(tmp_path)
    plain = CliRunner().invoke(cli, ["index", str(data), "--index", str(tmp_path / "ix"), "--quiet"])
    assert plain.exit_code == 0, plain.output
    assert "4 passed over, not articles (1 .csv, 1 .docx, 1 .pdf, 1 symbolic link loops); --verbose names them" \
        in plain.output
    (tmp_path / "d" / "e.pdf").write_bytes(b"more")
    verbose = CliRunner().invoke(cli, ["index", str(data), "--index", str(tmp_path / "ix"), "--quiet", "-v"])
    named = [line for line in verbose.output.splitlines() if line.startswith("passed over ")]
    assert len(named) == 5 and any(line.startswith(f"passed over {data / 'e.pdf'}:") for line in named)


def test_linked_folders_are_followed_once(tmp_path):
    data = _tree(tmp_path)
    with Archive.create(tmp_path / "ix") as archive:
        report = archive.add(data)
        assert report.new == 1 and archive.get("x").title == "Linked"
        loops = [r for r in report.passed_over if "leads back" in r.reason]
        assert [r.origin for r in loops] == [str(data / "sub" / "up")]


def test_a_folder_that_cannot_be_listed_is_skipped_with_its_reason(tmp_path, monkeypatch):
    data = _tree(tmp_path)
    (data / "locked").mkdir()
    real = os.scandir

    def scandir(path="."):
        if str(path) == str(data / "locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)  # (root reads a chmod 000 folder anyway)
    with Archive.create(tmp_path / "ix") as archive:
        report = archive.add(data)
    assert [(s.origin, s.reason) for s in report.skipped] == [(str(data / "locked"), "folder not read: Permission denied")]
    assert report.new == 1 and not report.ok


def test_a_symbolic_link_loop_named_on_the_command_line_is_skipped(tmp_path):
    (tmp_path / "loop.jsonl").symlink_to(tmp_path / "loop.jsonl")
    result = CliRunner().invoke(cli, ["index", str(tmp_path / "loop.jsonl"), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"skipped {tmp_path / 'loop.jsonl'}: Too many levels of symbolic links" in result.output
