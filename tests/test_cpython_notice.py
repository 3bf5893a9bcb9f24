"""CPython's own "deallocated bytearray object has exported buffers" line
(printed through sys.excepthook while damaged index bytes are decoded) does
not reach the user beside the one-line error; other notices still do."""
from __future__ import annotations

import sys

from click.testing import CliRunner

from searcher import Archive, Article, IndexDamaged
from searcher.cli import cli


def _notice_then_damage(message: str):
    def stats(self, top: int = 10):
        # What bytearray_dealloc's PyErr_Print does: hand the error to sys.excepthook.
        sys.excepthook(SystemError, SystemError(message), None)
        raise IndexDamaged("the index at x is damaged (reading it failed: MemoryError: no detail)")

    return stats


def _index(tmp_path):
    path = tmp_path / "ix"
    with Archive.create(path) as archive:
        archive.add([Article(id="x", title="Pipeline", body="Talks.")], jobs=1)
    return path


def test_the_buffer_notice_is_dropped(tmp_path, monkeypatch):
    path = _index(tmp_path)
    monkeypatch.setattr(Archive, "stats", _notice_then_damage("deallocated bytearray object has exported buffers"))
    result = CliRunner().invoke(cli, ["stats", "--index", str(path)])
    assert result.exit_code == 4
    assert result.output == "Error: the index at x is damaged (reading it failed: MemoryError: no detail)\n"


def test_other_notices_still_reach_the_previous_hook(tmp_path, monkeypatch):
    path = _index(tmp_path)
    seen = []
    monkeypatch.setattr(sys, "excepthook", lambda kind, value, tb: seen.append(str(value)))
    monkeypatch.setattr(Archive, "stats", _notice_then_damage("something else"))
    result = CliRunner().invoke(cli, ["stats", "--index", str(path)])
    assert result.exit_code == 4 and seen == ["something else"]


def test_the_hook_is_put_back_after_a_command(tmp_path):
    before = sys.excepthook
    CliRunner().invoke(cli, ["stats", "--index", str(_index(tmp_path))])
    assert sys.excepthook is before
