"""Edge dates (issue 22 item 6): epoch units at the top end, US zone names,
and dates whose conversion to UTC overflows, which must not lose a record."""
import json
from datetime import datetime, timezone

import pytest

from searcher.article import Article
from searcher.dates import parse_date
from searcher.readers import read_file

UTC = timezone.utc


@pytest.mark.parametrize("number, expected", [
    (1617184800, datetime(2021, 3, 31, 10, 0, tzinfo=UTC)),            # 10-digit seconds
    (1617184800000, datetime(2021, 3, 31, 10, 0, tzinfo=UTC)),         # 13-digit milliseconds
    (1617184800.5, datetime(2021, 3, 31, 10, 0, 0, 500000, tzinfo=UTC)),
    (541350061000, datetime(1987, 2, 26, 15, 1, 1, tzinfo=UTC)),       # 12-digit ms after 1978
    (253402300799, datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),    # seconds, not 1978 in ms
    (1617184800000000, datetime(2021, 3, 31, 10, 0, tzinfo=UTC)),      # microseconds
    (-86400, datetime(1969, 12, 31, tzinfo=UTC)),
])
def test_epoch_numbers(number, expected):
    assert parse_date(number) == expected


def test_end_of_time_sentinel_is_no_date_not_1978():
    # 253402300800 s is 9999-12-31T24:00:00Z, one second past what a datetime
    # holds: it is an "end of time" marker, not a date in 1978.
    assert parse_date(253402300800) is None
    assert parse_date(float("nan")) is None


@pytest.mark.parametrize("zone, hours", [("EST", -5), ("EDT", -4), ("CST", -6), ("CDT", -5),
                                         ("MST", -7), ("MDT", -6), ("PST", -8), ("PDT", -7),
                                         ("GMT", 0), ("UTC", 0), ("Z", 0)])
def test_zone_abbreviations_are_honoured(zone, hours):
    found = parse_date(f"2021-03-04 10:00 {zone}")
    assert found == datetime(2021, 3, 4, 10, 0, tzinfo=UTC).replace(hour=10 - hours)


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_overflowing_utc_conversion_is_no_date(text):
    assert parse_date(text) is None


@pytest.mark.parametrize("date", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_overflowing_date_keeps_the_record_and_the_rest_of_the_file(tmp_path, date):
    path = tmp_path / "a.jsonl"
    rows = [{"title": "First", "body": "x"}, {"title": "Odd date", "body": "y", "date": date},
            {"title": "Third", "body": "z", "date": "2021-03-04"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    records = list(read_file(path))
    assert [type(r) for r in records] == [Article, Article, Article]
    assert [r.title for r in records] == ["First", "Odd date", "Third"]
    assert records[1].date is None and records[2].date == datetime(2021, 3, 4, tzinfo=UTC)


def test_overflowing_date_in_a_feed_keeps_the_item(tmp_path):
    path = tmp_path / "f.rss"
    path.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        '<item><title>Old</title><description>a</description><pubDate>1 Jan 0001 00:00:00 +0500</pubDate></item>'
        '<item><title>New</title><description>b</description><pubDate>Thu, 04 Mar 2021 10:00:00 PST</pubDate></item>'
        '</channel></rss>')
    records = list(read_file(path))
    assert [(type(r), getattr(r, "title", "")) for r in records] == [(Article, "Old"), (Article, "New")]
    assert records[0].date is None
    assert records[1].date == datetime(2021, 3, 4, 18, 0, tzinfo=UTC)


def test_overflowing_date_in_newsml_norm(tmp_path):
    from searcher.readers.newsxml import norm_date

    assert norm_date("00010101T000000+0500") is None
    assert norm_date("20210304T091500-0500") == datetime(2021, 3, 4, 14, 15, tzinfo=UTC)
