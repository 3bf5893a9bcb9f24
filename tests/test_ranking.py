"""The ranking function is the documented BM25F (searcher/query/ranking.py):
every hit's score equals a reference computed here from the raw text.

The fixture's words are ones the analysis leaves as they are (no stems, no
stop words), so the reference can count words with ``str.split``; fields
are at most 10 words, where the index keeps lengths exactly (longer ones are
kept in one byte, up to 9% over: the docstring of ranking.py).

The default adds a term-proximity bonus (query/proximity.py) to any-word
searches: the BM25 tests switch it off (``BM25_ONLY``), the proximity tests
check what it may and may not change.
"""
import math
from dataclasses import replace

import pytest

from searcher import Archive, Article
from searcher.query.feedback import Feedback
from searcher.query.proximity import Proximity
from searcher.query.ranking import DEFAULT_RANKING, Ranking, bm25_tf, idf

DOCS = [
    ("r1", "gold market", "gold gold oil river"),
    ("r2", "oil", "oil market wheat copper copper tiger"),
    ("r3", "river lion", "lion lion lion zebra"),
    ("r4", "copper", "gold wheat"),
    ("r5", "tiger zebra wheat", "market market market market bank bank river oil oil gold"),
    ("r6", "bank", "bank copper zebra tiger lion"),
]


def reference(query: list[str], ranking: Ranking) -> dict[str, float]:
    """BM25F as written in ranking.py's docstring, from the texts alone: per
    word, tf = boost * tf_title + tf_body, dl and avgdl alike, df the larger
    field's; ln(1 + (N - df + 0.5) / (df + 0.5)) * tf (k1 + 1) / (tf + k1 (1 - b + b dl / avgdl)),
    summed over the query's words."""
    titles, bodies = [d[1].split() for d in DOCS], [d[2].split() for d in DOCS]
    n, boost = len(DOCS), ranking.title_boost
    avgdl = (boost * sum(map(len, titles)) + sum(map(len, bodies))) / n
    scores: dict[str, float] = {}
    for word in query:
        df = max(sum(1 for t in titles if word in t), sum(1 for t in bodies if word in t))
        w_idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        for (doc_id, _, _), title, body in zip(DOCS, titles, bodies):
            tf = boost * title.count(word) + body.count(word)
            if tf:
                dl = boost * len(title) + len(body)
                part = tf * (ranking.k1 + 1) / (tf + ranking.k1 * (1 - ranking.b + ranking.b * dl / avgdl))
                scores[doc_id] = scores.get(doc_id, 0.0) + w_idf * part
    return scores


def per_field_reference(query: list[str], ranking: Ranking) -> dict[str, float]:
    """BM25 per field, summed, the title's times title_boost (combine_fields=False)."""
    fields = {"title": [d[1].split() for d in DOCS], "body": [d[2].split() for d in DOCS]}
    n = len(DOCS)
    scores: dict[str, float] = {}
    for field, texts in fields.items():
        avgdl = sum(len(t) for t in texts) / n
        weight = ranking.title_boost if field == "title" else 1.0
        for word in query:
            df = sum(1 for t in texts if word in t)
            if not df:
                continue
            w_idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            for (doc_id, _, _), text in zip(DOCS, texts):
                tf = text.count(word)
                if tf:
                    part = tf * (ranking.k1 + 1) / (tf + ranking.k1 * (1 - ranking.b + ranking.b * len(text) / avgdl))
                    scores[doc_id] = scores.get(doc_id, 0.0) + weight * w_idf * part
    return scores


@pytest.fixture(scope="module")
def ranked_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("ranking") / "index"
    with Archive.create(path) as archive:
        archive.add([Article(id=i, title=t, body=b) for i, t, b in DOCS])
    return path


BM25_ONLY = replace(DEFAULT_RANKING, proximity=None)


@pytest.mark.parametrize("ranking", [BM25_ONLY, Ranking(k1=2.0, b=0.3, title_boost=3.0, proximity=None)],
                         ids=["default", "k1=2 b=0.3 title x3"])
@pytest.mark.parametrize("query", ["gold", "zebra", "oil market", "copper tiger bank", "lion wheat river gold"])
def test_scores_equal_the_reference_bm25(ranked_path, ranking, query):
    expected = reference(query.split(), ranking)
    with Archive.open(ranked_path, ranking=ranking) as archive:
        result = archive.search(query, match="any", limit=10, snippets=False)
    got = {hit.id: hit.score for hit in result.hits}
    assert got == pytest.approx(expected, rel=1e-9)
    # Best first: the reference's scores in descending order.
    assert [h.score for h in result.hits] == pytest.approx(sorted(expected.values(), reverse=True), rel=1e-9)


@pytest.mark.parametrize("query", ["gold", "copper tiger bank", "lion wheat river gold"])
def test_per_field_scores_equal_the_reference_when_fields_are_not_combined(ranked_path, query):
    ranking = replace(BM25_ONLY, combine_fields=False)
    with Archive.open(ranked_path, ranking=ranking) as archive:
        got = {h.id: h.score for h in archive.search(query, match="any", limit=10, snippets=False).hits}
    assert got == pytest.approx(per_field_reference(query.split(), ranking), rel=1e-9)


def test_a_field_searched_alone_is_bm25_on_that_field(ranked_path):
    titles = [d[1].split() for d in DOCS]
    n, avgdl = len(DOCS), sum(map(len, titles)) / len(DOCS)
    df = sum(1 for t in titles if "copper" in t)
    (only,) = [(d[0], t) for d, t in zip(DOCS, titles) if "copper" in t]
    expected = idf(n, df) * bm25_tf(1, len(only[1]), avgdl, 1.2, 0.75)
    with Archive.open(ranked_path, ranking=BM25_ONLY) as archive:
        (hit,) = archive.search("title:copper", limit=10, snippets=False).hits
    assert (hit.id, hit.score) == (only[0], pytest.approx(expected, rel=1e-9))


def test_the_same_scores_on_a_sharded_archive(tmp_path):
    expected = reference(["copper", "tiger", "bank"], BM25_ONLY)
    with Archive.create(tmp_path / "sharded", shards=3, processes=False, ranking=BM25_ONLY) as archive:
        archive.add([Article(id=i, title=t, body=b) for i, t, b in DOCS])
        got = {h.id: h.score for h in archive.search("copper tiger bank", match="any", snippets=False).hits}
    assert got == pytest.approx(expected, rel=1e-9)


def test_idf_is_lucenes_and_never_negative():
    assert idf(10, 1) == pytest.approx(math.log(1 + 9.5 / 1.5))
    assert idf(10, 10) == pytest.approx(math.log(1 + 0.5 / 10.5))
    assert all(idf(100, df) > 0 for df in range(0, 101))
    # Rarer words weigh more, everywhere.
    assert all(idf(100, df) > idf(100, df + 1) for df in range(0, 100))


def test_term_frequency_saturates_and_length_normalises():
    assert bm25_tf(1, 10, 10, 1.2, 0.75) == pytest.approx(1.0)  # one occurrence, average length
    assert bm25_tf(1000, 10, 10, 1.2, 0.75) < 1.2 + 1  # bounded by k1 + 1
    assert bm25_tf(2, 20, 10, 1.2, 0.75) < bm25_tf(2, 10, 10, 1.2, 0.75)  # longer fields weigh less
    assert bm25_tf(2, 20, 10, 1.2, 0.0) == bm25_tf(2, 10, 10, 1.2, 0.0)  # b = 0: no normalisation


CLOSE = [
    ("far", "report", "oil prices fell as the gulf tension eased and the market for crude steadied"),
    ("near", "report", "the market for crude steadied and oil prices fell as the gulf tension eased"),
    ("apart", "report", "prices market notes crude then many other words here about the old days of oil"),
    ("other", "report", "wheat and copper prices rose"),
]


@pytest.fixture(scope="module")
def close_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("proximity") / "index"
    with Archive.create(path) as archive:
        archive.add([Article(id=i, title=t, body=b) for i, t, b in CLOSE])
    return path


def test_proximity_ranks_the_query_words_together_first_and_changes_nothing_else(close_path):
    # "far" and "near" hold the same words equally often in fields of one
    # length: plain BM25 ties them; "near" has "crude oil" within 3 words of
    # each other, and "oil prices" adjacent in both.
    query = "crude oil prices"
    with Archive.open(close_path, ranking=BM25_ONLY) as archive:
        plain = archive.search(query, match="any", snippets=False, facets=("year",))
    with Archive.open(close_path) as archive:
        close = archive.search(query, match="any", snippets=False, facets=("year",))
        every_word = archive.search(query, match="all", snippets=False)
    scores = {h.id: h.score for h in plain.hits}
    assert scores["far"] == pytest.approx(scores["near"])
    bonus = {h.id: h.score - scores[h.id] for h in close.hits}
    assert bonus["near"] > bonus["far"] > 0  # "oil prices" together in both, "crude oil" only in "near"
    assert bonus["other"] == pytest.approx(0.0) and bonus["apart"] == pytest.approx(0.0)
    assert [h.id for h in close.hits][0] == "near"
    # It reorders only: the same articles, totals and facets.
    assert {h.id for h in close.hits} == {h.id for h in plain.hits} and close.total == plain.total
    assert close.facets == plain.facets
    # Only any-word searches by relevance get it.
    with Archive.open(close_path, ranking=BM25_ONLY) as archive:
        assert [h.score for h in archive.search(query, match="all", snippets=False).hits] == pytest.approx(
            [h.score for h in every_word.hits])


def test_proximity_and_feedback_score_a_sharded_archive_as_one_index(tmp_path):
    ranking = replace(DEFAULT_RANKING, proximity=Proximity(slop=3, weight=0.5), feedback=Feedback(2, 5, 0.5))
    articles = [Article(id=i, title=t, body=b) for i, t, b in DOCS + CLOSE]
    answers = []
    for name, shards in (("one", None), ("sharded", 3)):
        with Archive.create(tmp_path / name, shards=shards, processes=False, ranking=ranking) as archive:
            archive.add(articles)
            found = archive.search("crude oil market prices", match="any", snippets=False)
            answers.append(({h.id: h.score for h in found.hits}, found.total))
    assert answers[0][0] == pytest.approx(answers[1][0], rel=1e-9) and answers[0][1] == answers[1][1]
