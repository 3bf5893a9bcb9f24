"""When nothing matches the query as given: exports never answer another
query, and a query of only common words says why it found nothing."""
from __future__ import annotations

import pytest


def test_the_library_falls_back_only_when_asked(archive):
    offered = archive.search("zebra pipeline")
    assert offered.fallback == "any" and offered.total > 0
    exact = archive.search("zebra pipeline", fallback=False)
    assert (exact.total, exact.hits, exact.fallback) == (0, [], None)


@pytest.mark.parametrize("query, words", [("the", "the"), ('"to be or not to be"', "to, be, or, not")])
def test_only_common_words_say_so(archive, query, words):
    result = archive.search(query)
    assert result.total == 0
    assert result.notice.startswith(f"the query holds only common words the index leaves out ({words})")
    assert result.to_dict()["notice"] == result.notice


def test_a_query_with_a_real_word_has_no_notice(archive):
    assert archive.search("the zebra").notice is None
    assert archive.search("the pipeline").notice is None


def _cli(archive_path, *args):
    from click.testing import CliRunner

    from searcher.cli import cli

    return CliRunner().invoke(cli, [*args, "--index", str(archive_path)])


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_exports_never_fall_back(archive_path, fmt):
    import csv
    import io
    import json

    result = _cli(archive_path, "search", "zebra pipeline", "--format", fmt)
    assert result.exit_code == 0 and result.stderr == ""
    if fmt == "json":
        data = json.loads(result.stdout)
        assert (data["total"], data["hits"], data["fallback"]) == (0, [], None)
    elif fmt == "jsonl":
        assert result.stdout.strip() == ""
    else:
        assert len(list(csv.reader(io.StringIO(result.stdout)))) == 1  # the header alone


def test_the_table_offers_any_word_results_and_says_so_on_stderr(archive_path, archive):
    result = _cli(archive_path, "search", "zebra pipeline", "--fields", "rank,title")
    assert result.exit_code == 0
    assert result.stderr == "No article has every word of 'zebra pipeline'; showing articles with any of them.\n"
    offered = archive.search("zebra pipeline")
    assert f"of {offered.total} articles" in result.stdout and offered.hits[0].title in result.stdout


def test_the_table_says_why_common_words_find_nothing(archive_path):
    result = _cli(archive_path, "search", '"to be or not to be"')
    assert result.stdout.startswith("No articles match '\"to be or not to be\"': the query holds only common words")
