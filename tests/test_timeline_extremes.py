"""Timelines and date queries at the ends of the date type: an article dated
9999 made `timeline --by year` a traceback, one dated 0001 made `--by day`
print 2.9 million zero lines, and `date:9999` was refused (issue 22)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from searcher import Archive
from searcher.article import Article
from searcher.cli import cli
from searcher.query.periods import MAX_PERIODS


def utc(*parts):
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def extremes(tmp_path_factory):
    index = tmp_path_factory.mktemp("extremes") / "index"
    dates = {"first": utc(1, 1, 1), "early": utc(1, 3, 5), "now": utc(2021, 6, 1), "now2": utc(2021, 6, 3),
             "late": utc(9999, 12, 31, 23, 59), "end": utc(9999, 12, 30)}
    with Archive.create(index) as archive:
        archive.add([Article(id=key, title=f"story {key}", body="pipeline news", date=day)
                     for key, day in dates.items()])
    return index


def timeline(index, *args):
    return CliRunner().invoke(cli, ["timeline", "pipeline", *args, "--index", str(index)])


@pytest.mark.parametrize("by", ["year", "month", "week", "day"])
def test_no_overflow_and_at_most_max_periods(extremes, by):
    result = timeline(extremes, "--by", by, "--format", "json")
    assert result.exit_code == 0, result.output
    periods = json.loads(result.output)
    assert sum(p["count"] for p in periods) == 6
    assert len(periods) <= MAX_PERIODS
    labels = [p["period"] for p in periods]
    assert labels == sorted(labels)
    assert labels[0].startswith("0001") and labels[-1].startswith("9999")


def test_year_by_year_is_zero_filled_across_the_whole_date_type(extremes):
    with Archive.open(extremes) as archive:
        result = archive.timeline("pipeline", by="year")
    assert len(result.periods) == 9999  # 0001 to 9999: within the bound, every year listed
    assert dict(result.periods)["0001"] == 2 and dict(result.periods)["9999"] == 2
    assert dict(result.periods)["2021"] == 2 and dict(result.periods)["5000"] == 0


def test_past_the_bound_only_periods_with_articles_are_listed_and_the_table_says_so(extremes):
    with Archive.open(extremes) as archive:
        by_day = archive.timeline("pipeline", by="day")
    assert by_day.periods == [("0001-01-01", 1), ("0001-03-05", 1), ("2021-06-01", 1), ("2021-06-03", 1),
                              ("9999-12-30", 1), ("9999-12-31", 1)]
    result = timeline(extremes, "--by", "day")
    assert result.exit_code == 0 and len(result.output.splitlines()) < 20, result.output
    assert "only the 6 days with articles are listed" in result.output
    assert "3,652,059 days" in result.output and "coarser --by" in result.output


def test_a_narrow_span_is_still_zero_filled(extremes):
    with Archive.open(extremes) as archive:
        narrow = archive.timeline("pipeline", by="day", since="2021-06-01", until="2021-06-03")
    assert narrow.periods == [("2021-06-01", 1), ("2021-06-02", 0), ("2021-06-03", 1)]


@pytest.mark.parametrize("query, expected", [
    ("date:9999", {"late", "end"}),
    ("date:9999-12", {"late", "end"}),
    ("date:9999-12-31", {"late"}),
    ("date:[9999-01-01 TO *]", {"late", "end"}),
    ("date:[2021 TO 9999]", {"now", "now2", "late", "end"}),
    ("date:>=9999-12-31", {"late"}),
    ("date:>9999", set()),
    ("date:<=0001", {"first", "early"}),
    ("date:0001-01-01", {"first"}),
    ("date:{0001-01-01 TO 9999-12-31}", {"early", "now", "now2", "end"}),
])
def test_date_queries_at_both_ends(extremes, query, expected):
    with Archive.open(extremes) as archive:
        assert {hit.id for hit in archive.search(query, limit=100).hits} == expected


def test_since_and_until_and_filters_at_the_end(extremes):
    with Archive.open(extremes) as archive:
        assert archive.search("pipeline", since="9999", limit=10).total == 2
        assert archive.search("pipeline", until="9999", limit=10).total == 6
        assert archive.search("pipeline", filters={"year": "9999"}).total == 2
        assert archive.search("pipeline", filters={"month": "9999-12"}).total == 2
        assert archive.timeline("pipeline", by="month", filters={"year": "9999"}).periods == [("9999-12", 2)]
