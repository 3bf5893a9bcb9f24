"""An index written with an older text analysis (Whoosh's Porter stemmer) is
refused with one line naming ``searcher rebuild``, and rebuild converts it."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from searcher import Archive
from searcher.cli import cli
from searcher.engine.whoosh.stemming import ANALYSIS_VERSION, analysis_version
from searcher.errors import IndexOutdated


def _downgrade(index_dir):
    """Make the index look as one written before the analysis version existed:
    Whoosh's stemmer in its schema, no version recorded."""
    from whoosh.analysis import StemFilter
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC
    from whoosh.lang.porter import stem

    storage = FileStorage(str(index_dir))
    toc = TOC.read(storage, "MAIN")
    del toc.schema.searcher_analysis
    for name in ("title", "body"):
        analyzer = toc.schema[name].analyzer
        for item in getattr(analyzer, "default", analyzer).items:  # the English chain
            if isinstance(item, StemFilter):
                item.stemfn = stem
                item.clear()
    stale = f"_MAIN_{toc.generation}.toc"
    toc.generation += 1
    toc.write(storage, "MAIN")
    storage.delete_file(stale)


@pytest.fixture
def old_index(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.jsonl").write_text(json.dumps({"id": "a", "title": "Budget", "body": "Officials planned cuts."}) + "\n")
    index = tmp_path / "index"
    result = CliRunner().invoke(cli, ["index", str(data), "--index", str(index), "--quiet"])
    assert result.exit_code == 0, result.output
    _downgrade(index)
    return index, data


def test_a_new_index_records_the_version(old_index, tmp_path):
    with Archive.create(tmp_path / "fresh") as archive:
        assert analysis_version(archive._backend.ix.schema) == ANALYSIS_VERSION == 2


def test_the_library_refuses_an_old_index(old_index):
    index, _ = old_index
    with pytest.raises(IndexOutdated, match="searcher rebuild"):
        Archive.open(index)
    with pytest.raises(IndexOutdated):
        Archive.create(index)


@pytest.mark.parametrize("command", [["search", "plan"], ["stats"], ["show", "a"], ["timeline", "plan"]])
def test_every_command_says_rebuild_in_one_line(old_index, command):
    index, _ = old_index
    result = CliRunner().invoke(cli, [*command, "--index", str(index)])
    assert result.exit_code == IndexOutdated.exit_code != 0
    assert result.output.count("\n") == 1 and "searcher rebuild" in result.output
    assert "Traceback" not in result.output


def test_indexing_into_an_old_index_is_refused(old_index):
    index, data = old_index
    (data / "b.jsonl").write_text(json.dumps({"id": "b", "title": "More", "body": "Cutting costs."}) + "\n")
    result = CliRunner().invoke(cli, ["index", str(data), "--index", str(index), "--quiet"])
    assert result.exit_code == IndexOutdated.exit_code != 0
    assert "searcher rebuild" in result.output


def test_rebuild_converts(old_index):
    index, _ = old_index
    result = CliRunner().invoke(cli, ["rebuild", "--index", str(index), "--quiet"])
    assert result.exit_code == 0, result.output
    with Archive.open(index) as archive:
        assert analysis_version(archive._backend.ix.schema) == ANALYSIS_VERSION
        assert [hit.id for hit in archive.search("plan").hits] == ["a"]
        assert [hit.id for hit in archive.search('"planning cutting"~1').hits] == ["a"]


def test_check_says_rebuild(old_index):
    index, _ = old_index
    result = CliRunner().invoke(cli, ["check", "--index", str(index)])
    assert result.exit_code == 1 and "older text analysis" in result.output and "searcher rebuild" in result.output
