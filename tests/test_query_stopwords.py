"""Query-time stop words (issue 7): bare words of a match="any" query that are
in the English stop list are left out; everything else is searched as typed."""
import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from searcher import Archive
from searcher.article import Article
from searcher.cli import cli
from searcher.query import stopwords
from searcher.query.parser import parse, parse_plain
from searcher.query.tree import And, Not, Or, Phrase, Term


def drop(text, **kw):
    return stopwords.drop_stop_words(parse(text, default_operator="or"), **kw)


# -- the list -------------------------------------------------------------------
def test_the_list_is_whooshs_127_word_english_list():
    from whoosh.lang.stopwords import stoplists

    assert stopwords.ENGLISH == stoplists["en"] and len(stopwords.ENGLISH) == 127
    # It holds the index's stop words and the question words the index keeps.
    assert {"the", "of", "what", "which", "been", "his", "about"} <= stopwords.ENGLISH
    assert not {"kashmir", "may", "us", "war"} & stopwords.ENGLISH


@pytest.mark.parametrize("typed, normal", [("WHAT", "what"), ("What?", "what"), ("(the", "the"),
                                           ("been,", "been"), ("u.s.", "u.s"), ("don't", "don't")])
def test_words_are_compared_lower_case_without_edge_punctuation(typed, normal):
    assert stopwords.normalise(typed) == normal


# -- the rule on trees ------------------------------------------------------------
def test_bare_stop_words_are_left_out_and_reported_as_typed():
    node, dropped = drop("What was the Kashmir dispute about")
    assert node == Or((Term("Kashmir"), Term("dispute")))
    assert dropped == ("What", "was", "the", "about")


def test_one_word_left_is_that_word():
    assert drop("what about kashmir") == (Term("kashmir"), ("what", "about"))


def test_plain_text_is_treated_the_same():
    node, dropped = stopwords.drop_stop_words(parse_plain("WHAT IS (THE) KASHMIR DISPUTE?", "or"))
    assert node == Or((Term("KASHMIR"), Term("DISPUTE?"))) and dropped == ("WHAT", "IS", "(THE)")


def test_words_in_a_phrase_are_kept():
    node, dropped = drop('"what is" kashmir which')
    assert node == Or((Phrase(("what", "is")), Term("kashmir"))) and dropped == ("which",)


@pytest.mark.parametrize("query", ["title:what kashmir", "author:which kashmir"])
def test_fielded_words_are_kept(query):
    node, dropped = drop(query)
    assert dropped == () and node == parse(query, default_operator="or")


@pytest.mark.parametrize("query", ["whic* kashmir", "wh?ch kashmir", "which~ kashmir", "which^2 kashmir",
                                   "which NEAR/2 kashmir", "atleast2(which) kashmir"])
def test_wildcards_fuzzy_boosted_and_proximity_words_are_kept(query):
    node, dropped = drop(query)
    assert dropped == () and node == parse(query, default_operator="or")


@pytest.mark.parametrize("query", ["what which been", "the", "which", "What?"])
def test_a_query_of_stop_words_only_is_kept_as_it_was(query):
    node, dropped = drop(query)
    assert dropped == () and node == parse(query, default_operator="or")


def test_a_negation_stays_and_is_not_enough_to_search_for():
    node, dropped = drop("which kashmir -what")
    assert node == And((Term("kashmir"), Not(Term("what")))) and dropped == ("which",)
    node, dropped = drop("which been -kashmir")
    assert dropped == () and node == parse("which been -kashmir", default_operator="or")


def test_a_date_range_is_not_enough_to_search_for():
    node, dropped = drop("which date:1963")
    assert dropped == () and node == parse("which date:1963", default_operator="or")
    node, dropped = drop("which kashmir date:1963")
    assert dropped == ("which",) and len(node.children) == 2


def test_an_explicit_and_is_left_alone():
    # (a OR b) AND c: the OR is one condition of the AND, not free text.
    query = "(which OR kashmir) AND dispute"
    assert drop(query) == (parse(query, default_operator="or"), ())


def test_the_engine_can_say_a_remaining_word_searches_nothing():
    # "may" is not in the list but the index drops it: nothing would remain.
    node, dropped = drop("which may", searchable=lambda n: not (isinstance(n, Term) and n.text == "may"))
    assert dropped == () and node == parse("which may", default_operator="or")


def test_an_empty_stop_list_changes_nothing():
    query = "what about kashmir"
    assert drop(query, stoplist=()) == (parse(query, default_operator="or"), ())


# -- through the API and the CLI ---------------------------------------------------
ARTICLES = [
    Article(title="Sea pipeline", body="The pipeline which crosses the sea opened.", url="https://s.test/1",
            date=datetime(2020, 1, 5, tzinfo=timezone.utc)),
    Article(title="Gas pipeline", body="A pipeline for gas was finished.", url="https://s.test/2",
            date=datetime(2021, 3, 1, tzinfo=timezone.utc)),
    Article(title="Which way now", body="Nobody knows which way the vote goes.", url="https://s.test/3",
            date=datetime(2022, 7, 9, tzinfo=timezone.utc)),
    Article(title="May fair", body="The fair opened in May.", url="https://s.test/4",
            date=datetime(2022, 5, 1, tzinfo=timezone.utc)),
]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    path = tmp_path_factory.mktemp("stopwords") / "index"
    with Archive.create(path) as archive:
        archive.add(ARTICLES)
    with Archive.open(path) as archive:
        yield archive


def found(result):
    assert result.total == len(result.hits)
    return {hit.id.rsplit("/", 1)[1] for hit in result.hits}


def test_match_any_leaves_stop_words_out(small):
    assert found(small.search("which pipeline", match="any")) == {"1", "2"}
    assert found(small.search("which pipeline", match="any", syntax=False)) == {"1", "2"}
    # Ranking by the words that matter: a stop word no longer lifts an article.
    assert found(small.search("which pipeline", match="any")) == found(small.search("pipeline", match="any"))
    # ... and the result says which words were left out.
    assert small.search("Which pipeline", match="any").ignored == ["Which"]
    assert small.search("which pipeline").ignored == []
    assert small.search("which", match="any").ignored == []  # kept: nothing else to search for


def test_a_quoted_word_is_kept(small):
    result = small.search('"which" pipeline', match="any")
    assert result.ignored == [] and found(result) == {"1", "2", "3"}
    # Quoting is the way to ask for the word: unquoted it is left out.
    assert small.search("which pipeline", match="any").ignored == ["which"]


def test_match_all_keeps_every_word(small):
    assert found(small.search("which pipeline")) == {"1"}
    assert found(small.search("which pipeline", match="all", syntax=False)) == {"1"}


def test_stop_words_stay_searchable_in_phrases_fields_and_alone(small):
    assert found(small.search('"which crosses" vote', match="any")) == {"1", "3"}
    assert found(small.search("title:which pipeline", match="any")) == {"1", "2", "3"}
    assert found(small.search("which^2 pipeline", match="any")) == {"1", "2", "3"}
    assert found(small.search("which", match="any")) == {"1", "3"}
    assert found(small.search("which been", match="any")) == {"1", "3"}


def test_a_word_the_index_drops_does_not_count_as_left(small):
    # "may" is one of the index's own stop words: "which may" keeps "which".
    assert found(small.search("which may", match="any")) == {"1", "3"}


def test_the_any_word_fallback_and_timeline_agree(small):
    result = small.search("which pipeline zebra")  # no article has all three
    assert result.fallback == "any" and found(result) == {"1", "2"}
    assert result.ignored == ["which"]
    assert small.search("which zebra").ignored == []  # nothing offered: the all-word result stands
    timeline = small.timeline("which pipeline", by="year", match="any")
    assert timeline.total == small.search("which pipeline", match="any").total == 2
    assert small.timeline("which pipeline", by="year").total == 1


def test_cli_match_any(small):
    result = CliRunner().invoke(cli, ["search", "which pipeline", "--match", "any", "--index", str(small.path),
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"total": 2' in result.output
    assert json.loads(result.output)["ignored"] == ["which"]
