"""Whole articles back (get), similar articles, match="any", the any-word
fallback and queries of only common words."""
from __future__ import annotations

import pytest

from .model import both, either, phrase, word

FIELDS = ("id", "title", "body", "authors", "sources", "tags", "url", "publisher", "date_precision")


def test_get_gives_back_every_article_as_added(archive, articles):
    for article in articles:
        got = archive.get(article.id)
        assert [getattr(got, f) for f in FIELDS] == [getattr(article, f) for f in FIELDS]
        assert got.date == article.date  # the same instant (stored in UTC)


@pytest.mark.parametrize("limit", [1, 3, 100])
def test_similar_leaves_the_article_out_and_ranks_by_score(archive, articles, by_id, limit):
    for article in articles:
        hits = archive.similar(article.id, limit=limit)
        assert len(hits) <= min(limit, len(articles) - 1)
        assert article.id not in {hit.id for hit in hits} and {hit.id for hit in hits} <= set(by_id)
        assert len({hit.id for hit in hits}) == len(hits)
        assert [hit.rank for hit in hits] == list(range(1, len(hits) + 1))
        scores = [hit.score for hit in hits]
        assert scores == sorted(scores, reverse=True)
        for hit in hits:
            assert (hit.title, hit.date) == (by_id[hit.id].title, by_id[hit.id].date)


def test_similar_finds_an_article_on_the_same_subject(archive, expect):
    """Of the articles sharing the most words with the Kazakh floods report,
    one is about floods too."""
    flood = expect(either(word("flood"), word("floods")))
    source = next(i for i in flood if archive.get(i).title == "Floods in Kazakhstan")
    assert {hit.id for hit in archive.similar(source, limit=3)} & (flood - {source})


@pytest.mark.parametrize("query, pred", [
    ("gas mongolia", either(word("gas"), word("mongolia"))),
    ("cyprus flood rates", either(word("cyprus"), word("flood"), word("rates"))),
    ('"bank of england" zurich', either(phrase("bank of england"), word("zurich"))),
    ("pipeline -gas mongolia", both(either(word("pipeline"), word("mongolia")), lambda a: not word("gas")(a))),
])
def test_match_any_finds_articles_with_any_word_best_first(archive, expect, query, pred):
    result = archive.search(query, match="any", limit=100)
    assert {hit.id for hit in result.hits} == expect(pred) and result.total == len(result.hits)
    assert result.match == "any" and result.fallback is None
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True)


def test_match_any_leaves_common_words_out_and_names_them(archive, expect):
    result = archive.search("what mongolia which cyprus", match="any", limit=100)
    assert {hit.id for hit in result.hits} == expect(either(word("mongolia"), word("cyprus")))
    assert set(result.ignored) == {"what", "which"}
    # A quoted common word is kept, and match="all" still searches them.
    assert "which" not in archive.search('"which" mongolia', match="any").ignored


def test_the_timeline_of_match_any_counts_its_results(archive):
    result = archive.search("what mongolia cyprus", match="any", limit=100)
    assert archive.timeline("what mongolia cyprus", match="any", by="year").total == result.total


def test_no_article_with_every_word_falls_back_to_any_word(archive, expect):
    result = archive.search("zebra mongolia", limit=100)
    assert result.fallback == "any"
    assert {hit.id for hit in result.hits} == expect(word("mongolia")) and result.total == len(result.hits)


def test_a_word_not_in_the_index_gets_suggestions(archive):
    result = archive.search("pipelnes")
    assert result.total == 0 and "pipeline" in result.suggestions["pipelnes"]


def test_fallback_false_answers_the_query_as_given(archive):
    result = archive.search("zebra mongolia", fallback=False)
    assert (result.total, result.hits, result.fallback) == (0, [], None)


@pytest.mark.parametrize("query", ["title:zebra mongolia", '"zebra mongolia"', "zebra AND NOT mongolia"])
def test_only_plain_words_fall_back(archive, query):
    result = archive.search(query)
    assert (result.total, result.fallback) == (0, None)


def test_with_an_answer_there_is_no_fallback(archive, expect):
    result = archive.search("gas mongolia", limit=100)
    assert result.fallback is None
    assert {hit.id for hit in result.hits} == expect(both(word("gas"), word("mongolia")))


@pytest.mark.parametrize("query", ["the", '"to be or not to be"', "the AND of"])
def test_a_query_of_only_common_words_finds_nothing_and_says_why(archive, query):
    result = archive.search(query)
    assert result.total == 0 and result.hits == [] and result.notice


@pytest.mark.parametrize("syntax_query, plain_query", [
    ("mongolia cyprus", "mongolia cyprus"),
    ("title:mongolia", "title mongolia"),
])
def test_plain_words_read_operators_as_text(archive, expect, syntax_query, plain_query):
    plain = archive.search(plain_query, syntax=False, limit=100, fallback=False)
    words = plain_query.split()
    assert {hit.id for hit in plain.hits} == expect(both(*(word(w) for w in words)))
    for malformed in ('gas "pipe', "(gas OR", "gas AND"):
        archive.search(malformed, syntax=False)  # never a syntax error
