"""NITF and NewsML-G2: every field of every fixture, sniffing, malformed input, the CLI."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from searcher.article import Skipped
from searcher.cli import cli
from searcher.readers import format_for, read_source
from searcher.readers.newsxml import norm_date
from searcher.readers.source import Source


@pytest.fixture(scope="module")
def newsxml(fixtures_dir):
    return fixtures_dir / "newsxml"


def read(path) -> list:
    return list(read_source(Source.from_path(path)))


def test_nitf_every_field(newsxml):
    path = newsxml / "saltmarsh-survey.xml"
    (article,) = read(path)
    assert article.to_dict() == {
        "id": "ESTUARY-2019-0412-0007",
        "title": "Saltmarsh survey finds record count of wading birds",  # hl1, not head/title
        "body": (
            "Volunteers counting birds on the Ferrow saltmarsh logged 4,120 waders on Thursday,"
            " the highest spring total since the survey began.\n\n"
            "Eleven species\n\n"
            "Redshank and dunlin made up most of the count\u2014a sign, the organisers said,"
            " that the new tidal channels are working.\n\n"
            "The next count is planned for the autumn.\n\n"
            "Dunlin feeding at low tide."
        ),
        "authors": ["Priya Natarajan", "Tomas Reid"],
        "date": "2019-04-12T05:30:00+00:00",  # date.issue norm, 20190412T063000+0100
        "sources": ["Estuary Press Agency"],
        "tags": ["saltmarsh", "wading birds", "Conservation", "Nature"],
        "url": "https://estuary-courier.test/nature/saltmarsh-survey",
        "publisher": "Estuary Courier",
        "language": "en",  # en-GB: the primary subtag (languages.normalise)
        "origin": str(path),
    }


def test_newsml_news_item_every_field(newsxml):
    path = newsxml / "glacier-retreat.xml"
    (article,) = read(path)
    assert article.to_dict() == {
        "id": "urn:newsml:alpine-wire.test:20230815:glacier-retreat",
        "title": "Brenn glacier retreats further in hot summer",  # the main headline, not the sub
        "body": (
            "Brenn glacier retreats further\n\n"
            "The tongue of the Brenn glacier moved back 40 metres since last August, surveyors said"
            " on Tuesday.\n\n"
            "Meltwater from the glacier feeds three reservoirs in the valley."
        ),
        "authors": ["Hanna Meier", "Luca Bernasconi"],  # creator/name and creator@literal
        "date": "2023-08-15T12:05:00+00:00",  # firstCreated
        "sources": ["Valley Radio"],
        # The English name of a subject; a subject with only a code keeps the code.
        "tags": ["climate change", "medtop:20000763", "glaciers", "meltwater"],
        "url": "",
        "publisher": "Alpine Wire",
        "language": "en",
        "origin": str(path),
    }


def test_newsml_message_with_items(newsxml):
    path = newsxml / "wire-message.xml"
    tram, harbour, picture = read(path)
    assert tram.to_dict() == {
        "id": "urn:newsml:wire.test:20240109:tram-strike",
        "title": "Grève des trams mardi",
        "body": "Les trams ne circuleront pas mardi matin.\n\nLes bus remplaceront deux lignes.",
        "authors": ["Aline Favre"],
        "date": "2024-01-09T00:00:00+00:00",  # contentCreated (a day) when there is no firstCreated
        "sources": [],
        "tags": ["travail"],  # the subject's name in the item's language (fr-CH)
        "url": "",
        "publisher": "Lakeside Wire",  # provider@literal
        "language": "fr",  # fr-CH
        "origin": f"{path}#1",
    }
    assert harbour.to_dict() == {
        "id": "urn:newsml:wire.test:20240109:harbour-nitf",
        "title": "Harbour dredging starts early",  # from the NITF inside inlineXML
        "body": "Dredgers arrived a week ahead of plan.\n\nWork runs until March.",
        "authors": [],
        "date": "2024-01-09T13:30:00+00:00",
        "sources": [],
        "tags": ["harbour"],
        "url": "",
        "publisher": "",  # a provider code alone is not a name
        "language": "en",  # en-US  # contentMeta/language
        "origin": f"{path}#2",
    }
    assert picture == Skipped(f"{path}#3", "item has neither title nor body")


@pytest.mark.parametrize("name, expected", [
    ("saltmarsh-survey.xml", "nitf"),
    ("glacier-retreat.xml", "newsml"),
    ("wire-message.xml", "newsml"),
])
def test_sniffing_picks_the_reader(newsxml, name, expected):
    assert format_for(Source.from_path(newsxml / name)).name == expected


@pytest.mark.parametrize("origin, head, expected", [
    ("a.nitf", b"<nitf><head/></nitf>", "nitf"),
    ("a.xml", b'<nitf xmlns="http://iptc.org/std/NITF/2006-10-18/">', "nitf"),
    ("a.xml", b'<packageItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="x">', "newsml"),
    ("a.newsml", b'<g2:newsMessage xmlns:g2="http://iptc.org/std/nar/2006-10-01/">', "newsml"),
    ("a.xml", b"<newsItem>no IPTC namespace</newsItem>", None),
])
def test_sniffing_heads(origin, head, expected):
    fmt = format_for(Source.from_bytes(origin, head))
    assert (fmt.name if fmt else None) == expected


def test_nitf_without_title_or_body_is_skipped():
    source = Source.from_bytes("empty.nitf", b"<nitf><head><docdata/></head><body/></nitf>")
    assert list(read_source(source)) == [Skipped("empty.nitf", "document has neither title nor body")]


def test_truncated_nitf_is_one_clean_skip():
    source = Source.from_bytes("cut.nitf", b"<nitf><body><body.content><p>Half a sen")
    (skipped,) = read_source(source)
    assert skipped.origin == "cut.nitf" and skipped.reason.startswith("malformed XML at line 1")


def test_truncated_news_message_keeps_nothing_half_read():
    data = (
        b'<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><itemSet>'
        b'<newsItem guid="a"><contentMeta><headline>Whole</headline></contentMeta></newsItem>'
        b'<newsItem guid="b"><contentMeta><headline>Cut'
    )
    (skipped,) = read_source(Source.from_bytes("cut.xml", data))
    assert skipped.origin == "cut.xml" and skipped.reason.startswith("malformed XML")


def test_nitf_byline_without_person_and_undeclared_entities():
    # An external DTD is never fetched, so &nbsp; stays an unresolved entity,
    # read as the HTML character it names.
    data = (
        b'<!DOCTYPE nitf SYSTEM "http://nitf.invalid/nitf-3-6.dtd">'
        b"<nitf><body><body.head><hedline><hl1>Rates&nbsp;held</hl1></hedline>"
        b"<byline>By Jo Lam and Sam Ortiz <byttl>Economics Desk</byttl></byline></body.head>"
        b"<body.content><p>No change&mdash;again.</p></body.content></body></nitf>"
    )
    (article,) = read_source(Source.from_bytes("rates.nitf", data))
    assert (article.title, article.authors, article.body) == (
        "Rates held", ["Jo Lam", "Sam Ortiz"], "No change\u2014again.")


@pytest.mark.parametrize("text, expected", [
    ("20190412T063000+0100", datetime(2019, 4, 12, 5, 30, tzinfo=timezone.utc)),
    ("20190412T0630Z", datetime(2019, 4, 12, 6, 30, tzinfo=timezone.utc)),
    ("2019-04-12T06:30:00-05:00", datetime(2019, 4, 12, 11, 30, tzinfo=timezone.utc)),
    ("20190412", datetime(2019, 4, 12, tzinfo=timezone.utc)),
    ("20191312", None),
])
def test_norm_dates(text, expected):
    assert norm_date(text) == expected


def test_cli_parse_nitf(newsxml):
    result = CliRunner().invoke(cli, ["parse", str(newsxml / "saltmarsh-survey.xml")])
    assert result.exit_code == 0, result.output
    (line,) = result.output.splitlines()
    article = json.loads(line)
    assert (article["id"], article["title"], article["authors"], article["date"], article["publisher"]) == (
        "ESTUARY-2019-0412-0007", "Saltmarsh survey finds record count of wading birds",
        ["Priya Natarajan", "Tomas Reid"], "2019-04-12T05:30:00+00:00", "Estuary Courier",
    )
    assert article["body"].startswith("Volunteers counting birds on the Ferrow saltmarsh")
