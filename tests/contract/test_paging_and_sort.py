"""Paging, sorting and totals: pages concatenate to the full ranked list
(no duplicates, the same on every call), date order follows the fixture's
dates with undated articles last, and totals are exact whatever the page."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from .model import either, everything, utc, word

QUERIES = {"": everything, "pipeline": word("pipeline"), "gas OR rates OR mongolia":
           either(word("gas"), word("rates"), word("mongolia"))}
SORTS = ["relevance", "date", "-date"]


def _ids(result):
    return [hit.id for hit in result.hits]


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("query", sorted(QUERIES))
@pytest.mark.parametrize("size", [1, 3, 5])
def test_pages_concatenate_to_the_full_list(archive, expect, query, sort, size):
    full = archive.search(query, limit=100, sort=sort)
    assert _ids(full) == _ids(archive.search(query, limit=100, sort=sort))  # stable, ties included
    assert set(_ids(full)) == expect(QUERIES[query]) and len(set(_ids(full))) == len(full.hits)
    pages, offset = [], 0
    while offset < full.total + size:  # one page past the end: empty
        page = archive.search(query, limit=size, offset=offset, sort=sort)
        assert page.total == full.total and page.offset == offset
        assert len(page.hits) == min(size, max(0, full.total - offset))
        assert [hit.rank for hit in page.hits] == list(range(offset + 1, offset + 1 + len(page.hits)))
        pages.extend(_ids(page))
        offset += size
    assert pages == _ids(full)


def _order_key(newest_first):
    """Dated articles by date (newest first for -date), then the undated ones."""
    latest = datetime.max.replace(tzinfo=timezone.utc)

    def key(article):
        when = utc(article)
        if when is None:
            return (1, latest - latest)
        return (0, latest - when if newest_first else when - datetime.min.replace(tzinfo=timezone.utc))
    return key


@pytest.mark.parametrize("sort", ["date", "-date"])
@pytest.mark.parametrize("query", sorted(QUERIES))
def test_date_order_follows_the_dates_undated_last(archive, by_id, expect, query, sort):
    result = archive.search(query, limit=100, sort=sort)
    got = [by_id[i] for i in _ids(result)]
    expected = sorted((by_id[i] for i in expect(QUERIES[query])), key=_order_key(sort == "-date"))
    assert [_order_key(sort == "-date")(a) for a in got] == [_order_key(sort == "-date")(a) for a in expected]
    assert [hit.date for hit in result.hits] == [a.date for a in got]
    if query == "":
        assert got[-1].date is None  # the fixture's undated article sorts last both ways


def test_hits_carry_the_articles_fields(archive, by_id):
    for hit in archive.search("", limit=100, sort="date").hits:
        article = by_id[hit.id]
        assert (hit.title, hit.authors, hit.sources, hit.tags, hit.url, hit.publisher) == (
            article.title, article.authors, article.sources, article.tags, article.url, article.publisher)
        assert hit.date == article.date and hit.date_precision == article.date_precision


@pytest.mark.parametrize("limit", [0, 1, 2, 100])
@pytest.mark.parametrize("query", sorted(QUERIES))
def test_totals_are_exact_whatever_the_page(archive, expect, query, limit):
    result = archive.search(query, limit=limit, facets=["year"])
    assert result.total == len(expect(QUERIES[query]))
    assert len(result.hits) == min(limit, result.total)


def test_the_archive_counts_every_article(archive, articles):
    assert len(archive) == len(articles) == archive.search("").total == archive.search("*").total
