"""RSS 2.0, RSS 1.0 (RDF) and Atom: every field of every fixture item, sniffing, the CLI."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from searcher.article import Article, Skipped
from searcher.cli import cli
from searcher.readers import format_for, read_source
from searcher.readers.feeds import feed_date
from searcher.readers.source import Source
from searcher.readers.xmlsafe import html_to_text


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def feeds(fixtures_dir):
    return fixtures_dir / "feeds"


def read(path) -> list:
    return list(read_source(Source.from_path(path)))


def fields(record: Article) -> dict:
    return record.to_dict()


def test_rss2_every_field(feeds):
    path = feeds / "harbour-gazette.rss"
    first, second, third = read(path)
    assert fields(first) == {
        "id": "hg-2021-0311",
        "title": "Ferry timetable shake-up & new night crossings",
        "body": (
            "The harbour board approved a new timetable on Thursday, adding two night crossings"
            " to Selby Island.\n\n"
            "Fares stay the same until the autumn review.\nSeason tickets are unchanged.\n\n"
            "Night crossing at 23:10\n\nNight crossing at 01:40"
        ),
        "authors": ["Marta Lindqvist", "Owen Pryce"],
        # "Thu, 11 Mar 21 18:30:00 EST": two-digit year, named zone (UTC-5).
        "date": "2021-03-11T23:30:00+00:00",
        "sources": [],
        "tags": ["Transport", "Local News"],  # "transport" again is a duplicate
        "url": "https://harbour-gazette.test/transport/ferry-timetable",
        "publisher": "Harbour Gazette",
        "language": "en",  # en-gb: the primary subtag (languages.normalise)
        "origin": f"{path}#1",
    }
    assert fields(second) == {
        "id": "https://harbour-gazette.test/culture/lighthouse-museum",
        "title": "Lighthouse keeper's cottage opens as museum",
        "body": "Volunteers spent three winters restoring the cottage.\n\nEntry is free on Sundays.",
        "authors": ["Ines Carvalho"],  # from "news@harbour-gazette.test (Ines Carvalho)"
        "date": "2021-02-01T08:00:00+00:00",
        "sources": ["Coastal Wire"],
        "tags": ["Culture"],
        "url": "https://harbour-gazette.test/culture/lighthouse-museum",
        "publisher": "Harbour Gazette",
        "language": "en",  # en-gb: the primary subtag (languages.normalise)
        "origin": f"{path}#2",
    }
    # No guid, no link, no date: the id is derived from the content, no date is invented.
    assert (third.title, third.body, third.date, third.url, third.authors) == (
        "Tide gauge readings",
        "Plain text update.\n\nSecond paragraph of plain text, with AT&T style double escaping.",
        None, "", [],
    )
    assert third.id == Article(title=third.title, body=third.body).id
    assert third.origin == f"{path}#3"


def test_atom_every_field(feeds):
    path = feeds / "river-notes.atom"
    first, second, empty = read(path)
    assert fields(first) == {
        "id": "tag:river-notes.test,2022:entry-41",
        "title": "Orchard growers count frost losses",  # type="html": markup dropped
        "body": (
            "Growers in the upper valley say an early frost cut the apple crop by a fifth.\n\n"
            "The co-operative will meet on Friday to discuss relief."
        ),
        "authors": ["Keri Walsh", "Daniel Okafor"],
        "date": "2022-05-31T19:45:00+00:00",  # published, not updated
        "sources": [],
        "tags": ["Agriculture", "weather"],  # label where there is one, else term
        # rel=alternate of type text/html wins over the PDF alternate and rel=edit.
        "url": "https://river-notes.test/2022/06/frost-losses",
        "publisher": "River Notes",
        "language": "en",  # en-NZ
        "origin": f"{path}#1",
    }
    assert fields(second) == {
        "id": "tag:river-notes.test,2022:entry-42",
        "title": "Kura reo hui",
        "body": "A language school meets this weekend.",  # summary when there is no content
        "authors": ["River Notes Desk"],  # the feed's author, inherited
        "date": "2022-06-02T08:00:00+00:00",  # updated when there is no published
        "sources": ["Valley Radio"],
        "tags": [],
        "url": "https://river-notes.test/2022/06/kura-reo",  # resolved against xml:base
        "publisher": "River Notes",
        "language": "mi",  # the entry's own xml:lang
        "origin": f"{path}#2",
    }
    assert empty == Skipped(f"{path}#3", "entry has neither title nor body")


def test_rss1_rdf_every_field(feeds):
    path = feeds / "market-digest.xml"
    (item,) = read(path)
    assert fields(item) == {
        "id": "https://market-digest.test/2020/cheese-stall",  # rdf:about
        "title": "Cheese stall returns to the square",
        "body": "After a year away the cheese stall is back on Saturdays.",
        "authors": ["Lotte Brandt", "Jonas Weil"],  # "By Lotte Brandt and Jonas Weil"
        "date": "2020-10-17T04:30:00+00:00",
        "sources": [],
        "tags": ["Markets"],
        "url": "https://market-digest.test/2020/cheese-stall",
        "publisher": "Market Digest",
        "language": "de",
        "origin": f"{path}#1",
    }


def test_truncated_feed_is_one_clean_skip(feeds):
    path = feeds / "truncated.xml"
    assert read(path) == [
        Skipped(str(path), "malformed XML at line 12, column 1: Premature end of data in tag description line 11")
    ]


def test_bad_item_among_good_ones(feeds):
    path = feeds / "mixed.xml"
    good, bad, undated = read(path)
    assert (good.title, good.body, good.date, good.publisher) == (
        "School roof repaired before term", "Builders finished the roof a week early.",
        utc(2021, 8, 31, 7), "Valley Bulletin",
    )
    assert bad == Skipped(f"{path}#2", "item has neither title nor body")
    # "31 Feb" is not a date: the item is kept, without one.
    assert (undated.title, undated.date, undated.origin) == ("Bakery wins regional prize", None, f"{path}#3")


@pytest.mark.parametrize("name, expected", [
    ("harbour-gazette.rss", "rss"),
    ("river-notes.atom", "atom"),
    ("market-digest.xml", "rss"),
    ("mixed.xml", "rss"),
])
def test_format_by_extension_and_content(feeds, name, expected):
    assert format_for(Source.from_path(feeds / name)).name == expected


@pytest.mark.parametrize("head, expected", [
    (b'<?xml version="1.0"?>\n<rss version="2.0"><channel>', "rss"),
    (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>', "atom"),
    (b'<a:feed xmlns:a="http://www.w3.org/2005/Atom">', "atom"),
    (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">', "rss"),
    (b"<feed><title>no Atom namespace</title>", None),
    (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description/>', None),
    (b"<catalog><book/></catalog>", None),
])
def test_sniffing_xml_files(head, expected):
    fmt = format_for(Source.from_bytes("feed.xml", head))
    assert (fmt.name if fmt else None) == expected


def test_xml_nobody_claims_is_skipped_not_raised():
    assert list(read_source(Source.from_bytes("catalog.xml", b"<catalog/>"))) == [
        Skipped("catalog.xml", "unsupported file type")
    ]


@pytest.mark.parametrize("text, expected", [
    ("Thu, 11 Mar 21 18:30:00 EST", utc(2021, 3, 11, 23, 30)),
    ("Thu, 11 Mar 99 18:30:00 GMT", utc(1999, 3, 11, 18, 30)),
    ("11 Mar 2021 18:30 PDT", utc(2021, 3, 12, 1, 30)),
    ("Mon, 01 Feb 2021 09:00:00 +0100", utc(2021, 2, 1, 8)),
    ("Mon, 01 Feb 2021 09:00:00 CET", utc(2021, 2, 1, 8)),
    ("Mon, 01 Feb 2021 09:00:00", utc(2021, 2, 1, 9)),  # no zone: UTC
    ("Mon, 01 Feb 2021 09:00:00 -0000", utc(2021, 2, 1, 9)),
    ("2022-06-01T07:45:00+12:00", utc(2022, 5, 31, 19, 45)),
    ("Sun, 31 Feb 2021 09:00:00 GMT", None),
    ("soon", None),
    ("", None),
])
def test_feed_dates(text, expected):
    assert feed_date(text) == expected


@pytest.mark.parametrize("markup, expected", [
    ("<p>One</p><p>Two <b>bold</b></p>", "One\n\nTwo bold"),
    ("<div>Line<br>next</div><script>x()</script><style>p{}</style>", "Line\nnext"),
    ("<table><tr><td>a</td><td>b</td></tr></table>", "a b"),
    ("<h2>Head</h2>text after", "Head\n\ntext after"),
    ("Plain &amp; simple\n\nsecond", "Plain & simple\n\nsecond"),
    ("  ", ""),
    ("<!-- only a comment -->", ""),
])
def test_html_to_text(markup, expected):
    assert html_to_text(markup) == expected


def test_cli_parse_feed(feeds):
    result = CliRunner().invoke(cli, ["parse", str(feeds / "harbour-gazette.rss")])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [a["title"] for a in lines] == [
        "Ferry timetable shake-up & new night crossings",
        "Lighthouse keeper's cottage opens as museum",
        "Tide gauge readings",
    ]
    first = lines[0]
    assert (first["id"], first["authors"], first["date"], first["tags"], first["publisher"]) == (
        "hg-2021-0311", ["Marta Lindqvist", "Owen Pryce"], "2021-03-11T23:30:00+00:00",
        ["Transport", "Local News"], "Harbour Gazette",
    )


def test_cli_parse_reports_the_skipped_entry(feeds):
    path = feeds / "river-notes.atom"
    result = CliRunner().invoke(cli, ["parse", str(path)])
    assert result.exit_code == 1
    assert f"skipped {path}#3: entry has neither title nor body" in result.output
    assert len([line for line in result.output.splitlines() if line.startswith("{")]) == 2


def test_broken_base_keeps_the_link_as_written():
    data = (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
            b'<entry><title>a</title><link href="/a" xml:base="http://[broken/"/></entry></feed>')
    (entry,) = read_source(Source.from_bytes("base.xml", data))
    assert (entry.title, entry.url) == ("a", "/a")


def test_an_item_that_fails_is_skipped_alone(monkeypatch):
    import searcher.readers.feeds as feeds_module

    convert = feeds_module._rss_item

    def flaky(item, ns, meta, origin):
        if origin.endswith("#2"):
            raise ValueError("odd value")
        return convert(item, ns, meta, origin)

    monkeypatch.setattr(feeds_module, "_rss_item", flaky)
    data = b"<rss><channel>" + b"".join(b"<item><title>%d</title></item>" % i for i in (1, 2, 3)) + b"</channel></rss>"
    records = list(read_source(Source.from_bytes("f.rss", data)))
    assert [r.title if isinstance(r, Article) else r.reason for r in records] == [
        "1", "unreadable item: odd value", "3"]
