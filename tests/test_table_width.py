"""Tables fit the terminal where they can, never break an id or a URL, and
--fmt takes only tabulate's table styles."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from searcher.cli import cli


def _run(archive_path, *args, columns=80):
    return CliRunner().invoke(cli, [*args, "--index", str(archive_path)], env={"COLUMNS": str(columns)})


@pytest.mark.parametrize("columns", [70, 80, 100, 140])
def test_the_default_table_fits(archive_path, columns):
    result = _run(archive_path, "search", "pipeline OR moscow OR putin", columns=columns)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) > 5 and max(map(len, lines)) <= columns


def test_ids_and_urls_stay_whole(archive_path):
    table = _run(archive_path, "search", "pipeline OR moscow", "--fields", "rank,id,url,title", columns=60).stdout
    hits = json.loads(_run(archive_path, "search", "pipeline OR moscow", "--format", "json").stdout)["hits"]
    lines = table.splitlines()
    for hit in hits:
        assert any(hit["id"] in line for line in lines), hit["id"]
        if hit["url"]:
            assert any(hit["url"] in line for line in lines), hit["url"]


def test_fmt_takes_only_table_styles(archive_path):
    bad = _run(archive_path, "search", "pipeline", "--fmt", "nonsense")
    assert bad.exit_code == 2 and "'nonsense' is not a table style" in bad.output and "Traceback" not in bad.output
    grid = _run(archive_path, "search", "pipeline", "--fmt", "grid", "--fields", "rank,title")
    assert grid.exit_code == 0 and grid.stdout.startswith("+")
