"""Two files giving one id: indexed as one article (ids are global), with a
warning naming both files; a file re-read or reordered is no warning."""
from __future__ import annotations

import json

from click.testing import CliRunner

from searcher import Archive
from searcher.cli import cli


def _write(path, *records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def _index(data, index):
    result = CliRunner().invoke(cli, ["index", str(data), "--index", str(index), "--quiet", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_two_files_with_one_id_are_named(tmp_path):
    data = tmp_path / "d"
    data.mkdir()
    _write(data / "a.jsonl", {"id": "x", "title": "First", "body": "one"})
    _write(data / "b.jsonl", {"id": "x", "title": "Second", "body": "two"})
    report = _index(data, tmp_path / "ix")
    assert (report["new"], report["updated"], report["total"]) == (1, 1, 1)
    [warning] = report["warnings"]
    assert "'x'" in warning and "a.jsonl" in warning and "b.jsonl" in warning and "replaces" in warning
    # In a later run too: a third file with the same id names the one indexed.
    _write(data / "c.jsonl", {"id": "x", "title": "Third", "body": "three"})
    [later] = _index(data, tmp_path / "ix")["warnings"]
    assert "c.jsonl" in later and "b.jsonl" in later
    with Archive.open(tmp_path / "ix") as archive:
        assert archive.get("x").title == "Third"


def test_a_file_changed_or_reordered_is_no_warning(tmp_path):
    data = tmp_path / "d"
    data.mkdir()
    _write(data / "a.jsonl", {"id": "x", "title": "T", "body": "one"}, {"id": "y", "title": "U", "body": "two"})
    assert _index(data, tmp_path / "ix")["warnings"] == []
    _write(data / "a.jsonl", {"id": "y", "title": "U", "body": "two"}, {"id": "x", "title": "T", "body": "changed"})
    report = _index(data, tmp_path / "ix")
    assert report["updated"] == 1 and report["warnings"] == []
