"""Pseudo-relevance feedback (query/feedback.py): RM1's word weights from the
first round's articles, and an expansion that reorders without changing the
answer."""
import re
from dataclasses import replace

import pytest

from searcher import Archive, Article
from searcher.query import tree
from searcher.query.feedback import Feedback, expanded, relevance_model
from searcher.query.ranking import DEFAULT_RANKING

ARTICLES = [
    ("a", "", "tanker tanker gulf"),
    ("b", "", "tanker strike"),
    ("c", "", "gulf strike port port"),
    ("d", "", "wheat harvest"),
]


class Words:
    """An analysis that keeps every word as it is (the model needs only spans)."""

    def spans(self, text, language=""):
        return [(m.start(), m.end(), m.group().lower()) for m in re.finditer(r"\w+", text)]


def test_the_relevance_model_weighs_words_by_score_and_share_of_the_article():
    first = [(Article(id="a", body="tanker tanker gulf"), 2.0), (Article(id="b", body="Tanker strike"), 1.0),
             (Article(id="z", body="ignored"), 0.0)]
    model = dict(relevance_model(first, Words(), frozenset(), terms=10))
    # RM1: tanker 2 * 2/3 + 1 * 1/2, gulf 2 * 1/3, strike 1 * 1/2; then normalised.
    raw = {"tanker": 2 * 2 / 3 + 0.5, "gulf": 2 / 3, "strike": 0.5}
    assert model == pytest.approx({word: weight / sum(raw.values()) for word, weight in raw.items()})
    assert [w for w, _ in relevance_model(first, Words(), frozenset(), terms=1)] == ["tanker"]
    assert "gulf" not in dict(relevance_model(first, Words(), frozenset({"gulf"}), terms=10))
    assert relevance_model([], Words(), frozenset(), terms=10) == []


def test_the_expansion_keeps_the_query_and_weighs_the_words():
    query = tree.Or((tree.Term("tanker"), tree.Term("gulf")))
    node = expanded(query, [("strike", 0.75), ("port", 0.25)], original_weight=0.5)
    assert isinstance(node, tree.Rescored) and node.query == query
    # (1 - a) / a * n * p: n = 2 query words.
    assert [(t.text, t.boost) for t in node.extra.children] == [("strike", 1.5), ("port", 0.5)]
    assert expanded(query, [], 0.5) == query and expanded(query, [("x", 1.0)], 1.0) == query


def test_feedback_reorders_an_any_word_search_and_keeps_its_answer(tmp_path):
    with Archive.create(tmp_path / "ix") as archive:
        archive.add([Article(id=i, title=t, body=b) for i, t, b in ARTICLES])
    plain_ranking = replace(DEFAULT_RANKING, proximity=None)
    fed = replace(plain_ranking, feedback=Feedback(docs=2, terms=5, original_weight=0.5))
    with Archive.open(tmp_path / "ix", ranking=plain_ranking) as archive:
        plain = archive.search("tanker", match="any", snippets=False, facets=("year",))
    with Archive.open(tmp_path / "ix", ranking=fed) as archive:
        after = archive.search("tanker", match="any", snippets=False, facets=("year",))
    assert {h.id for h in after.hits} == {h.id for h in plain.hits} == {"a", "b"}
    assert after.total == plain.total and after.facets == plain.facets
    # The first round's words raise both articles by what each holds of them.
    assert all(h.score > p.score for h, p in zip(sorted(after.hits, key=lambda h: h.id),
                                                   sorted(plain.hits, key=lambda h: h.id)))


def test_the_expansion_words_are_not_highlighted(tmp_path):
    # feedback only reorders: a hit's matched terms and highlights are the
    # words the user asked for, not the first round's words
    with Archive.create(tmp_path / "ix") as archive:
        archive.add([Article(id=i, title=t, body=b) for i, t, b in ARTICLES])
    fed = replace(DEFAULT_RANKING, feedback=Feedback(docs=2, terms=5, original_weight=0.5))
    with Archive.open(tmp_path / "ix", ranking=fed) as archive:
        result = archive.search("tanker", match="any")
        plain = archive.search("tanker", match="all")
    first = next(h for h in result.hits if h.id == "a")
    assert first.matched_terms == ["tanker"] == next(h for h in plain.hits if h.id == "a").matched_terms
    assert [first.snippet[start:end] for start, end in first.highlights] == ["tanker", "tanker"]
