"""Limits on a query's size (issue 21): clear errors, never a hang or a
RecursionError; the largest allowed queries still answer."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from searcher import QuerySyntaxError
from searcher.cli import cli
from searcher.query.parser import MAX_CLAUSES, MAX_DEPTH, MAX_NEAR_CHAIN, parse, parse_plain


def _words(n: int) -> list[str]:
    return [f"w{i}" for i in range(n)]


def test_a_query_of_max_clauses_words_parses_and_one_more_is_refused_where_it_starts():
    parse(" ".join(_words(MAX_CLAUSES)))
    text = " OR ".join(_words(MAX_CLAUSES + 1))
    with pytest.raises(QuerySyntaxError, match="more than 1,024 words") as caught:
        parse(text)
    assert text[caught.value.position:].startswith(f"w{MAX_CLAUSES}")


def test_phrase_words_count_towards_the_limit():
    half = " ".join(_words(MAX_CLAUSES // 2))
    parse(f'"{half}" "{half}"')
    with pytest.raises(QuerySyntaxError, match="more than"):
        parse(f'"{half}" "{half}" extra')


def test_plain_text_has_the_same_limit():
    assert len(parse_plain(" ".join(_words(MAX_CLAUSES))).children) == MAX_CLAUSES
    text = " ".join(_words(MAX_CLAUSES + 5))
    with pytest.raises(QuerySyntaxError) as caught:
        parse_plain(text)
    assert text[caught.value.position:].startswith(f"w{MAX_CLAUSES} ")


def test_a_near_chain_is_limited_and_said_at_the_operator_past_it():
    parse(" NEAR/3 ".join(_words(MAX_NEAR_CHAIN)))
    text = " NEAR/3 ".join(_words(MAX_NEAR_CHAIN + 1))
    with pytest.raises(QuerySyntaxError, match=f"more than {MAX_NEAR_CHAIN} words") as caught:
        parse(text)
    assert text[caught.value.position:] == f"NEAR/3 w{MAX_NEAR_CHAIN}"


def test_the_largest_allowed_queries_answer(archive):
    words = [w for w in "the harbour pipeline gas and of a to in".split()]
    chain = " NEAR/5 ".join((words * MAX_NEAR_CHAIN)[:MAX_NEAR_CHAIN])
    pairs = " AND ".join(f"({a} NEAR/5 {b})" for a, b in zip((words * MAX_NEAR_CHAIN)[:MAX_NEAR_CHAIN - 1],
                                                          (words * MAX_NEAR_CHAIN)[1:MAX_NEAR_CHAIN]))
    assert archive.search(chain).total == archive.search(pairs).total
    wide = " OR ".join((words * MAX_CLAUSES)[:MAX_CLAUSES])
    assert archive.search(wide).total == archive.search(" OR ".join(words)).total > 0
    deep = "(" * MAX_DEPTH + "gas" + ")" * MAX_DEPTH
    odd = MAX_DEPTH // 2 - 1  # "-(" is two levels: a negation and a group
    negated = "gas AND " + "-(" * odd + "nothingatall" + ")" * odd  # an odd number of NOTs: NOT nothingatall
    assert archive.search(deep).total == archive.search("gas").total == archive.search(negated).total > 0


def test_the_cli_says_the_limit_in_one_line(archive_path):
    result = CliRunner().invoke(cli, ["search", " ".join(_words(MAX_CLAUSES + 1)), "--index", str(archive_path)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "more than 1,024 words and clauses" in result.output
