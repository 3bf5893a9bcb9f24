"""A QUERY beginning with '-' on the command line, and the language facet
from the CLI (issues 21 and 17)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from searcher import Archive
from searcher.article import Article
from searcher.cli import cli


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    path = tmp_path_factory.mktemp("queries") / "index"
    with Archive.create(path) as archive:
        archive.add([Article(id="a", title="Gas pipeline", body="The gas pipeline opened.", language="en"),
                     Article(id="b", title="Yachts", body="Yachts sailed into the harbour.", language="en"),
                     Article(id="c", title="Neue Häuser", body="Der Stadtrat hat neue Häuser gebaut.",
                             language="de")])
    return path


@pytest.mark.parametrize("command", [["search"], ["facets", "tags"], ["timeline"]])
def test_a_query_beginning_with_a_dash_gets_a_hint(index, command):
    result = CliRunner().invoke(cli, [*command, "-y*", "--index", str(index)])
    assert result.exit_code == 2
    name = command[0]
    assert result.output.splitlines()[-1] == (f"Error: No such option '-y'. A query that begins with '-' goes after "
                                              f"'--', the options before it: searcher {name} [OPTIONS] -- '-y*'")


def test_a_mistyped_option_gets_no_query_hint(index):
    result = CliRunner().invoke(cli, ["search", "gas", "--limt", "3", "--index", str(index)])
    assert result.exit_code == 2 and "goes after '--'" not in result.output and "--limt" in result.output


def test_a_dash_query_after_double_dash_is_searched(index):
    result = CliRunner().invoke(cli, ["search", "--index", str(index), "--format", "json", "--", "-y*"])
    assert result.exit_code == 0, result.output
    assert '"total": 2' in result.output


def test_the_language_facet_from_the_cli(index):
    result = CliRunner().invoke(cli, ["facets", "language", "--index", str(index), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:] == ["en,2", "de,1"]
