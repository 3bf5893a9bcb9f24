"""A date known only to its year or month is never completed with an invented
day: it is stored as the period's first day with its precision."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from searcher import Archive, parse_files
from searcher.cli import cli
from searcher.dates import parse_date, precision_of


@pytest.mark.parametrize("text, day, precision", [
    ("2021", (2021, 1, 1), "year"),
    ("2021-03", (2021, 3, 1), "month"),
    ("March 2021", (2021, 3, 1), "month"),
    ("2021-03-04", (2021, 3, 4), ""),
    ("4 March 2021", (2021, 3, 4), ""),
])
def test_parse_keeps_what_the_text_says(text, day, precision):
    value = parse_date(text)
    assert (value.year, value.month, value.day) == day and precision_of(value) == precision


@pytest.fixture
def archive(tmp_path):
    data = tmp_path / "d"
    data.mkdir()
    records = [{"id": "y", "title": "Year only", "body": "flood", "date": "2021"},
               {"id": "m", "title": "Month only", "body": "flood", "date": "2021-03"},
               {"id": "d", "title": "Whole date", "body": "flood", "date": "2021-03-04"}]
    (data / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    [year, month, whole] = parse_files([data / "a.jsonl"])
    assert (year.date, year.date_precision) == (datetime(2021, 1, 1, tzinfo=timezone.utc), "year")
    assert (month.date_precision, whole.date_precision) == ("month", "")
    index = tmp_path / "ix"
    with Archive.create(index) as created:
        created.add(data)
    with Archive.open(index) as opened:
        yield opened, index


def test_searches_and_timelines_use_the_precision(archive):
    archive, _ = archive
    hits = {h.id: h for h in archive.search("flood").hits}
    assert (hits["y"].date_precision, hits["m"].date_precision, hits["d"].date_precision) == ("year", "month", "")
    assert archive.get("y").date_precision == "year"
    assert {h.id for h in archive.search("date:2021").hits} == {"y", "m", "d"}
    assert {h.id for h in archive.search("date:2021-03").hits} == {"m", "d"}  # "2021" may not be March
    by_month = archive.timeline("flood", by="month")
    assert (by_month.periods, by_month.coarse) == ([("2021-03", 2)], 1)  # no January invented for "2021"
    by_day = archive.timeline("flood", by="day")
    assert (by_day.periods, by_day.coarse) == ([("2021-03-04", 1)], 2)
    by_year = archive.timeline("flood", by="year")
    assert (by_year.periods, by_year.coarse) == ([("2021", 3)], 0)


def test_the_table_shows_only_what_is_known(archive):
    _, index = archive
    result = CliRunner().invoke(cli, ["search", "flood", "--index", str(index), "--fields", "id,date"])
    rows = dict(line.split() for line in result.stdout.splitlines()[2:5])
    assert rows == {"y": "2021", "m": "2021-03", "d": "2021-03-04"}


def test_a_date_not_understood_is_said_not_guessed(tmp_path):
    data = tmp_path / "d"
    data.mkdir()
    (data / "a.jsonl").write_text(json.dumps({"id": "s", "title": "T", "body": "b", "date": "sometime soon"}) + "\n")
    result = CliRunner().invoke(cli, ["index", str(data), "--index", str(tmp_path / "ix"), "--format", "json"])
    report = json.loads(result.stdout)
    assert report["new"] == 1
    assert report["warnings"] == [f"{data / 'a.jsonl'}#1: date 'sometime soon' not understood: indexed without a date"]
    with Archive.open(tmp_path / "ix") as archive:
        assert archive.get("s").date is None


def test_an_article_pickled_before_the_new_fields_gets_their_defaults():
    from searcher import Article

    old_state = {k: v for k, v in Article(title="t", body="b").__dict__.items() if k not in ("date_precision", "notes")}
    article = Article.__new__(Article)
    article.__setstate__(old_state)
    assert (article.date_precision, article.notes, article.title) == ("", [], "t")


def test_a_feed_date_not_understood_is_said(tmp_path):
    feed = tmp_path / "f.rss"
    feed.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>'
                    '<item><title>One</title><description>body</description><pubDate>someday</pubDate></item>'
                    '<item><title>Two</title><description>body</description>'
                    '<pubDate>Tue, 03 Jun 2003 09:39:21 GMT</pubDate></item></channel></rss>')
    one, two = parse_files([feed])
    assert one.date is None and one.notes == ["date 'someday' not understood: indexed without a date"]
    assert two.date is not None and two.notes == []
