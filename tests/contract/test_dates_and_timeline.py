"""since/until and timelines: spans from the start of the period ``since``
names through the end of the one ``until`` names (or back from now),
timelines by year and month with every period in the span (zeros
included), undated articles and ones dated only to a longer period
counted apart."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from .model import both, dated, day, either, everything, utc, word

SPANS = [
    ("2021", None, dated(day(2021), None)),
    (None, "2021", dated(None, day(2022))),
    ("2021", "2021-06", dated(day(2021), day(2021, 7))),         # until: the whole of June
    ("2021-03", "2022-09", dated(day(2021, 3), day(2022, 10))),
    ("16 September 2019", "29 February 2020", dated(day(2019, 9, 16), day(2020, 3, 1))),
    ("2021-01-02", None, dated(day(2021, 1, 2), None)),          # leaves out an article dated only 2021
    ("2024-01-01", "2024-01-01", dated(day(2024), day(2024, 1, 2))),  # a zone moved one into 2023
]
QUERIES = {"": everything, "pipeline": word("pipeline"), "gas OR flood OR floods":
           either(word("gas"), word("flood"), word("floods"))}


@pytest.mark.parametrize("since, until, span", SPANS)
@pytest.mark.parametrize("query", sorted(QUERIES))
def test_since_and_until(archive, expect, query, since, until, span):
    result = archive.search(query, since=since, until=until, limit=100)
    assert {hit.id for hit in result.hits} == expect(both(QUERIES[query], span))
    assert result.total == len(result.hits)


def test_relative_spans_count_back_from_now(archive, articles, expect):
    from .conftest import NOW

    recent = expect(dated(NOW - timedelta(days=7), None))
    assert len(recent) == 1
    assert {hit.id for hit in archive.search("", since="7d", limit=100).hits} == recent
    assert {hit.id for hit in archive.search("", since="2w", limit=100).hits} == recent
    assert {hit.id for hit in archive.search("", until="1w", limit=100).hits} == expect(
        dated(None, NOW - timedelta(days=7)))


def _periods(first, last, by):
    """Every period label from ``first``'s to ``last``'s (datetimes), in order."""
    labels = []
    year, month = first.year, first.month if by == "month" else 1
    while (year, month) <= (last.year, last.month if by == "month" else 1):
        labels.append(f"{year:04d}" if by == "year" else f"{year:04d}-{month:02d}")
        if by == "year":
            year += 1
        else:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return labels


def _timeline(articles, by):
    """(periods with counts, undated, coarse): an article dated only to a
    year has no month (README: "counts it apart instead of inventing a month")."""
    undated = sum(1 for a in articles if a.date is None)
    coarse = [a for a in articles if a.date is not None and by == "month" and a.date_precision == "year"]
    placed = [a for a in articles if a.date is not None and a not in coarse]
    label = (lambda w: f"{w.year:04d}") if by == "year" else (lambda w: f"{w.year:04d}-{w.month:02d}")
    counts = Counter(label(utc(a)) for a in placed)
    if not placed:
        return [], undated, len(coarse)
    first, last = min(utc(a) for a in placed), max(utc(a) for a in placed)
    return [(p, counts.get(p, 0)) for p in _periods(first, last, by)], undated, len(coarse)


@pytest.mark.parametrize("by", ["year", "month"])
@pytest.mark.parametrize("query", sorted(QUERIES))
def test_timeline_counts_every_period_zeros_included(archive, articles, query, by):
    matching = [a for a in articles if QUERIES[query](a)]
    periods, undated, coarse = _timeline(matching, by)
    timeline = archive.timeline(query, by=by)
    assert timeline.periods == periods
    if by == "month":
        assert any(count == 0 for _, count in periods)  # the fixture's dates leave gaps
    assert (timeline.undated, timeline.coarse, timeline.total) == (undated, coarse, len(matching))
    assert sum(count for _, count in timeline.periods) + timeline.undated + timeline.coarse == timeline.total


@pytest.mark.parametrize("by", ["year", "month"])
def test_timeline_with_a_span_filters_and_any_word_match(archive, articles, by):
    span = dated(day(2020), day(2022, 10))
    matching = [a for a in articles if span(a) and (word("pipeline")(a) or word("flood")(a))
                and "Reuters" in a.sources]
    periods, undated, coarse = _timeline(matching, by)
    timeline = archive.timeline("pipeline flood", by=by, match="any", since="2020", until="2022-09",
                                filters={"source": "reuters"})
    assert (timeline.periods, timeline.undated, timeline.coarse, timeline.total) == (
        periods, undated, coarse, len(matching))


def test_a_timeline_of_nothing_is_empty(archive):
    timeline = archive.timeline("zebra")
    assert (timeline.periods, timeline.undated, timeline.coarse, timeline.total) == ([], 0, 0, 0)


def test_stats_span_the_dates_and_count_the_undated(archive, articles):
    from . import model

    stats = archive.stats(top=3)
    dates = [utc(a) for a in articles if a.date is not None]
    assert stats.articles == len(articles)
    # The days of the first and last dates (the Whoosh backend gives midnight of each day).
    assert (stats.first_date.date(), stats.last_date.date()) == (min(dates).date(), max(dates).date())
    assert stats.undated == len(articles) - len(dates)
    assert stats.top_tags == model.facet_counts(articles, "tags")[:3]
    assert stats.top_sources == model.facet_counts(articles, "sources")[:3]
    assert stats.top_authors == model.facet_counts(articles, "authors")[:3]
    assert stats.size_bytes > 0
