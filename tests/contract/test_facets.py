"""Facets and drill-down: counts equal the counts computed from the
fixture's Articles, over every match (not the page), by count then value;
filters narrow the hits without reordering them."""
from __future__ import annotations

import pytest

from searcher import InvalidArgument

from . import model
from .model import both, dated, day, either, everything, word

FACETS = ["tags", "sources", "authors", "publisher", "year", "month"]
QUERIES = {"": everything, "pipeline": word("pipeline"), "mongolia OR cyprus": either(word("mongolia"), word("cyprus"))}


def _matching(articles, pred):
    return [a for a in articles if pred(a)]


@pytest.mark.parametrize("name", FACETS)
@pytest.mark.parametrize("query", sorted(QUERIES))
def test_facet_counts_every_value(archive, articles, name, query):
    expected = model.facet_counts(_matching(articles, QUERIES[query]), name)
    assert archive.facet(name, query) == expected


@pytest.mark.parametrize("name", FACETS)
def test_search_facets_count_all_matches_not_the_page(archive, articles, name):
    expected = model.facet_counts(_matching(articles, word("pipeline")), name)
    result = archive.search("pipeline", limit=1, facets=[name], facet_limit=None)
    assert len(result.hits) == 1 and result.total == len(_matching(articles, word("pipeline")))
    assert result.facets[name] == expected


def test_facet_limit_keeps_the_first_values(archive, articles):
    expected = model.facet_counts(articles, "tags")
    assert len(expected) > 3
    assert archive.search("", facets=["tags"], facet_limit=3).facets["tags"] == expected[:3]
    assert archive.search("", facets=["tags", "year"]).facets == {
        "tags": expected[:10], "year": model.facet_counts(articles, "year")[:10]}


def test_an_undated_article_counts_in_no_date_facet(archive, articles):
    undated = [a for a in articles if a.date is None]
    assert undated
    assert sum(count for _, count in archive.facet("year")) == len(articles) - len(undated)


@pytest.mark.parametrize("filters", [
    {"tag": "energy news"},                      # case-insensitive
    {"tag": ["Energy News", "Law"]},             # OR within a key
    {"tag": "World News", "source": "xinhua"},   # AND across keys
    {"tags": "Business News"},                   # facet names work as keys too
    {"author": "Lena Hoffmann", "year": "2021"},
    {"sources": ["Reuters", "AP"], "authors": "lena hoffmann"},
    {"publisher": "example news"},
    {"year": ["2019", "2024"]},
    {"month": "2021-01"},                        # the stored day of an article dated only 2021
    {"month": ["2022-09", "2021-03"]},
    {"source": "nobody"},
])
@pytest.mark.parametrize("query", ["", "pipeline", "gas OR rates"])
def test_filters_narrow_the_hits_without_reordering_them(archive, articles, filters, query):
    full = archive.search(query, limit=100, fallback=False)
    narrowed = archive.search(query, limit=100, filters=filters, fallback=False)
    by_id = {a.id: a for a in articles}
    expected = [hit.id for hit in full.hits if model.passes(by_id[hit.id], filters)]
    assert [hit.id for hit in narrowed.hits] == expected
    assert narrowed.total == len(expected)


@pytest.mark.parametrize("name, key", [("tags", "tag"), ("sources", "source"), ("authors", "author"),
                                       ("publisher", "publisher"), ("year", "year"), ("month", "month")])
def test_drilling_down_on_a_facet_value_finds_its_count(archive, name, key):
    for value, count in archive.facet(name, "gas OR pipeline OR mongolia"):
        assert archive.search("gas OR pipeline OR mongolia", filters={key: value}, limit=0).total == count


def test_facets_of_a_filtered_search_count_the_filtered_matches(archive, articles):
    filters = {"tag": "Energy News"}
    expected = model.facet_counts([a for a in articles if word("pipeline")(a) and model.passes(a, filters)], "sources")
    assert archive.search("pipeline", filters=filters, facets=["sources"]).facets["sources"] == expected
    assert archive.facet("sources", "pipeline", filters=filters) == expected


def test_facets_with_a_date_span(archive, articles):
    pred = both(word("pipeline"), dated(day(2021), day(2025)))
    expected = model.facet_counts(_matching(articles, pred), "year")
    assert archive.facet("year", "pipeline", since="2021", until="2024") == expected


def test_a_bad_year_or_month_filter_is_an_invalid_argument(archive):
    for filters in ({"year": "last"}, {"month": "2021"}, {"month": "March"}):
        with pytest.raises(InvalidArgument):
            archive.search("pipeline", filters=filters)
