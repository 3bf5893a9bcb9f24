"""Exit statuses (README, Command reference): 0 ok; 1 input skipped; 2 usage,
query, no index, no article; 3 locked; 4 the index cannot be used as it is
(damaged, outdated); 5 a write failed; 130 interrupted. Each non-zero exit
is one line on stderr, never a traceback."""
from __future__ import annotations

import errno
import json

import pytest
from click.testing import CliRunner

from searcher import errors
from searcher.cli import cli


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "a.jsonl").write_text(json.dumps({"id": "a", "title": "Budget", "body": "Officials planned cuts."})
                                    + "\n")
    return folder


@pytest.fixture
def index(tmp_path, data):
    path = tmp_path / "index"
    result = CliRunner().invoke(cli, ["index", str(data), "--index", str(path), "--quiet"])
    assert result.exit_code == 0, result.output
    return path


def one_line(result) -> str:
    assert "Traceback" not in result.output and "Aborted!" not in result.output, result.output
    assert result.output.count("\n") == 1, result.output
    return result.output


def test_the_exit_codes_live_on_the_exception_classes():
    assert errors.SearcherError.exit_code == 2
    assert errors.IndexLocked.exit_code == 3
    assert errors.IndexDamaged.exit_code == errors.IndexOutdated.exit_code == 4
    assert errors.IndexWriteError.exit_code == 5


def test_a_damaged_table_of_contents_exits_4(index):
    (toc,) = index.glob("_MAIN_*.toc")
    toc.write_bytes(toc.read_bytes()[:40])
    for command in (["search", "budget"], ["stats"], ["show", "a"], ["timeline"]):
        result = CliRunner().invoke(cli, [*command, "--index", str(index)])
        assert result.exit_code == 4, (command, result.output)
        assert "is damaged" in one_line(result)


def test_the_cli_uses_the_exit_code_of_any_searcher_error(index, monkeypatch):
    from searcher.api import Archive

    class Custom(errors.SearcherError):
        exit_code = 42

    def fail(*args, **kwargs):
        raise Custom("custom trouble")

    monkeypatch.setattr(Archive, "search", fail)
    result = CliRunner().invoke(cli, ["search", "budget", "--index", str(index)])
    assert (result.exit_code, one_line(result)) == (42, "Error: custom trouble\n")


def test_ctrl_c_exits_130_with_one_line(index, data, monkeypatch):
    from searcher.api import Archive

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Archive, "add", interrupted)
    result = CliRunner().invoke(cli, ["index", str(data), "--index", str(index), "--quiet"])
    assert result.exit_code == 130
    line = one_line(result)
    assert line.startswith("Interrupted") and "run the same command again" in line


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT])
def test_a_failed_write_exits_5_with_one_line(index, data, monkeypatch, code):
    from searcher.ingest import indexer as writer

    def fail(*args, **kwargs):
        raise OSError(code, __import__("os").strerror(code), str(index / "MAIN_x.seg"))

    monkeypatch.setattr(writer.Indexer, "add_paths", fail)
    (data / "b.jsonl").write_text(json.dumps({"id": "b", "title": "More", "body": "Cuts."}) + "\n")
    result = CliRunner().invoke(cli, ["index", str(data), "--index", str(index), "--quiet"])
    assert result.exit_code == 5
    line = one_line(result)
    assert line.startswith("Error: ") and "MAIN_x.seg" in line


def test_permission_denied_on_the_lock_file_exits_5(index, data, monkeypatch):
    from searcher.ingest import locking

    def denied(path):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(locking, "_try_lock", denied)
    result = CliRunner().invoke(cli, ["index", str(data), "--index", str(index), "--quiet"])
    assert result.exit_code == 5
    assert "Permission denied" in one_line(result) and locking.LOCK_NAME in result.output


def test_index_write_error_exits_5(index, data, monkeypatch):
    from searcher.ingest import indexer as writer

    def fail(*args, **kwargs):
        raise errors.IndexWriteError("the disk is full")

    monkeypatch.setattr(writer.Indexer, "add_paths", fail)
    result = CliRunner().invoke(cli, ["index", str(data), "--index", str(index), "--quiet"])
    assert (result.exit_code, one_line(result)) == (5, "Error: the disk is full\n")


def test_a_bug_still_shows_its_traceback(index, monkeypatch):
    from searcher.api import Archive

    def bug(*args, **kwargs):
        raise TypeError("a bug")

    monkeypatch.setattr(Archive, "search", bug)
    result = CliRunner().invoke(cli, ["search", "budget", "--index", str(index)])
    assert isinstance(result.exception, TypeError)


def test_an_error_whose_text_spans_lines_is_one_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from searcher import Archive
    from searcher.cli import cli
    from searcher.errors import IndexDamaged

    with Archive.create(tmp_path / "ix"):
        pass

    def damaged(self, *args, **kwargs):
        raise IndexDamaged("reading failed: A load persistent id instruction was encountered,\nbut no function")

    monkeypatch.setattr(Archive, "search", damaged)
    result = CliRunner().invoke(cli, ["search", "x", "--index", str(tmp_path / "ix")])
    assert result.exit_code == 4
    assert result.output == ("Error: reading failed: A load persistent id instruction was encountered, "
                             "but no function\n")
