"""The HTML news-page reader on pages written for these tests (tests/fixtures/html)."""
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from searcher.article import Article, Skipped, content_id
from searcher.cli import cli
from searcher.readers import format_for, read_file, read_source
from searcher.readers.html import decode_html, sniff
from searcher.readers.html_meta import clean_authors, strip_site_name
from searcher.readers.source import Source

HTML = Path(__file__).resolve().parent / "fixtures" / "html"


def read_one(path: Path) -> Article:
    (record,) = list(read_file(path))
    assert isinstance(record, Article), record
    return record


def expected(name: str, body: list[str], **fields) -> dict:
    record = {"title": "", "body": "\n".join(body), "authors": [], "date": None, "sources": [],
              "tags": [], "url": "", "publisher": "", "language": "", "origin": str(HTML / name)}
    record.update(fields)
    record.setdefault("id", record["url"])
    return record


def test_json_ld_news_article():
    got = read_one(HTML / "jsonld_newsarticle.html")
    assert got.to_dict() == expected(
        "jsonld_newsarticle.html",
        title="Ferry operators agree a shared winter timetable",
        # The Organization among the authors is not a person; the first is an @id reference.
        authors=["Ines Okafor", "Marek Lindqvist"],
        date="2023-11-14T07:30:00+00:00",  # datePublished, not dateModified
        tags=["Transport", "ferries", "winter timetable", "islands"],
        url="https://harbourledger.test/transport/ferry-winter-timetable",
        publisher="Harbour Ledger Media",  # publisher given by @id
        language="en",
        body=[
            "The three companies that run passenger ferries between the mainland and the outer islands have "
            "agreed, for the first time, to publish a single winter timetable covering every crossing.",
            "Until now each operator printed its own schedule, and travellers changing boats at the central "
            "pier often found that a connecting sailing had left minutes before their own vessel docked.",
            "Under the new arrangement, departures from the central pier will be spaced at least twenty "
            "minutes after each scheduled arrival, and the operators will hold a connecting boat for up to a "
            "quarter of an hour when bad weather delays an incoming service.",
            "Island councils, which had campaigned for the change for several years, said the agreement would "
            "make day trips to the mainland hospital and college practical again during the darker months.",
        ],
    )
    assert got.date == datetime(2023, 11, 14, 7, 30, tzinfo=timezone.utc)


def test_opengraph_and_article_meta_only():
    got = read_one(HTML / "opengraph_only.html")
    assert got.to_dict() == expected(
        "opengraph_only.html",
        title="Orchard growers test frost sensors",  # og:title, not "... | Valley Courier"
        authors=["Priya Raman"],  # the article:author that is a profile URL is dropped
        date="2022-03-02T06:15:00+00:00",  # published_time, not modified_time
        tags=["Farming", "Agriculture", "Weather"],
        url="https://valleycourier.test/farming/frost-sensors",
        publisher="Valley Courier",
        language="en",  # <html lang="en-GB">
        body=[
            "Apple and pear growers along the river valley are testing small wireless sensors that warn them by "
            "text message when the temperature between their trees falls towards freezing.",
            "A late frost in blossom season can destroy most of a year's crop in a single night, and growers "
            "have until now relied on regional forecasts that say little about the cold air that pools in the "
            "lowest rows of an orchard.",
            "The sensors, fixed to posts at blossom height, report every ten minutes. When a reading drops below "
            "a threshold chosen by the grower, an alert goes out early enough to start the wind machines or the "
            "overhead sprinklers that protect the flowers.",
            "The growers' cooperative said it would publish the readings from the trial so that neighbouring "
            "farms can compare them with their own thermometers.",
        ],
    )


def test_meta_names_time_element_and_byline():
    got = read_one(HTML / "meta_names.html")
    assert got.to_dict() == expected(
        "meta_names.html",
        title="Library opens a seed exchange",  # the h1; <title> carries " - Northfield Bulletin"
        authors=["Ana Lima", "Tomás Reyes"],  # "By Ana Lima and Tom&aacute;s Reyes"
        date="2021-05-20T18:00:00+00:00",  # <time datetime="2021-05-20T14:00:00-04:00">
        tags=["libraries", "gardening", "community"],
        url="https://northfield-bulletin.test/community/seed-exchange",  # <link rel=canonical>
        publisher="Northfield Bulletin",  # dc.publisher
        language="en",  # dc.language
        body=[
            "The public library on Mill Street has turned an old card catalogue into a seed exchange, where "
            "residents can take a packet of vegetable or flower seeds and bring back seeds from their own "
            "harvest in the autumn.",
            "Each drawer of the wooden cabinet is labelled by plant family, and volunteers from the allotment "
            "society have written growing notes for the varieties that do well in the town's heavy clay soil.",
            "The librarian who proposed the idea said the exchange was meant to keep local varieties in "
            "circulation and to bring in residents who had not visited the library in years.",
            "No membership card is needed to use the exchange, and children from the primary school next door "
            "will plant the first seeds in the library garden.",
        ],
    )


BOILERPLATE = [
    "We use cookies", "Accept all cookies", "Manage preferences", "Local news", "Sport results",
    "Search the Echo", "Share on social media", "Email this story", "About the author",
    "covers local government", "Related stories", "Harbour dredging delayed", "Comments (3)",
    "Great article", "My grandfather worked there", "Who is going to pay", "millpond_fan",
    "Subscribe to our newsletter", "Contact the newsroom", "Privacy policy", "All rights reserved",
    "analyticsQueue", "cookie-banner",
]


def test_boilerplate_is_removed_from_the_body():
    got = read_one(HTML / "boilerplate.html")
    assert got.to_dict() == expected(
        "boilerplate.html",
        title="River council votes to restore the old tide mill",
        authors=["Jonas Weber"],
        date="2024-02-09T11:20:00+00:00",
        url="https://estuaryecho.test/local/tide-mill-restoration",
        publisher="Estuary Echo",
        language="en",
        body=[
            "The river council has voted to restore the tide mill at the mouth of the estuary, a timber "
            "building that ground grain for the surrounding farms for more than two centuries before it fell "
            "out of use.",
            "Councillors agreed to spend the money set aside for coastal heritage on a new roof and on repairs "
            "to the sluice gates, which once held back the high tide in a millpond and released it to turn the "
            "wheel as the water fell.",
            "A local trust has offered to run the building as a working museum once the repairs are finished, "
            "with volunteers grinding flour on the days when the tide is high enough in the afternoon.",
            "Engineers will first survey the foundations, which have been washed by salt water twice a day "
            "since the mill was built, before any work on the wheel itself can begin.",
        ],
    )
    for text in BOILERPLATE:
        assert text not in got.body


def test_windows_1252_page_declared_by_meta_charset():
    path = HTML / "windows1252.html"
    raw = path.read_bytes()
    assert b"\x80" in raw and b"Z\xfcrich" in raw  # the euro sign and u-umlaut as cp1252 bytes
    got = read_one(path)
    title = "Zürich cafés weigh a €2 levy on disposable cups"
    body = "\n".join([
        "Café owners in Zürich’s old town are considering a voluntary charge of €2 on every drink served in "
        "a disposable cup, returned in full when the customer brings the cup back.",
        "“Most of our customers already carry their own mugs,” said the owner of a bakery near the lake. "
        "“The levy is for the rest — and for the tourists who leave their cups on the quay.”",
        "The association of cafés will decide next month whether to try the scheme in a dozen shops before "
        "asking the city to make it a rule for all of them.",
    ])
    date = datetime(2024, 6, 3, tzinfo=timezone.utc)
    assert got.to_dict() == expected(
        "windows1252.html", title=title, body=body.split("\n"), authors=["Reto Schärer"],
        date=date.isoformat(), language="de", id=content_id(title, date, body))


def test_page_without_a_date_has_none():
    got = read_one(HTML / "no_date.html")
    title = "Un sentier côtier rouvre après des travaux"
    body = [
        "Le sentier qui longe les falaises au nord du port est de nouveau ouvert aux promeneurs, après "
        "plusieurs mois de travaux destinés à l'éloigner du bord, grignoté par les tempêtes de l'hiver.",
        "Les équipes de la commune ont déplacé le tracé de quelques mètres vers l'intérieur des terres et "
        "installé des marches en bois dans les passages les plus raides.",
        "Des panneaux rappellent aux randonneurs de rester sur le chemin balisé et de tenir leur chien en "
        "laisse pendant la saison de nidification des oiseaux marins.",
    ]
    assert got.date is None
    assert got.to_dict() == expected(
        "no_date.html", title=title, body=body, language="fr",
        id=content_id(title, None, "\n".join(body)))


def test_cli_parse_shows_the_fields():
    path = HTML / "opengraph_only.html"
    result = CliRunner().invoke(cli, ["parse", str(path)])
    assert result.exit_code == 0, result.output
    (line,) = result.output.splitlines()
    record = json.loads(line)
    assert {k: record[k] for k in ("id", "title", "authors", "date", "tags", "url", "publisher", "language")} == {
        "id": "https://valleycourier.test/farming/frost-sensors",
        "title": "Orchard growers test frost sensors",
        "authors": ["Priya Raman"],
        "date": "2022-03-02T06:15:00+00:00",
        "tags": ["Farming", "Agriculture", "Weather"],
        "url": "https://valleycourier.test/farming/frost-sensors",
        "publisher": "Valley Courier",
        "language": "en",
    }
    assert record["body"].startswith("Apple and pear growers along the river valley")
    assert record["origin"] == str(path)


# --- registration, sniffing, decoding ---------------------------------------

@pytest.mark.parametrize("name", ["page.html", "PAGE.HTM", "page.xhtml"])
def test_registered_for_html_extensions(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"<!DOCTYPE html><html><body><p>x</p></body></html>")
    assert format_for(path).name == "html"


@pytest.mark.parametrize("head", [
    b"<!DOCTYPE html><html>",
    b"\xef\xbb\xbf  \n<!doctype HTML>",
    b"<!-- saved from url=(0040)https://example.test/ -->\n<HTML lang=en>",
    b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN">',
    b"\n\n<head><title>t</title></head>",
    "<html><body>UTF-16</body></html>".encode("utf-16"),
    b"<br />\n<b>Warning</b>: session_start() failed<br />\n<!DOCTYPE html>\n<html>",
])
def test_sniff_accepts_pages(head):
    assert sniff(head)


@pytest.mark.parametrize("head", [b"", b'{"title": "not a page"}', b"Plain text about <html> tags",
                                  b"<rss version='2.0'>", b"<div>a fragment</div>"])
def test_sniff_rejects_other_content(head):
    assert not sniff(head)


def test_html_name_that_is_not_html_is_reported(tmp_path):
    path = tmp_path / "export.html"
    path.write_text('{"title": "json in disguise"}', encoding="utf-8")
    (record,) = list(read_file(path))
    assert isinstance(record, Skipped) and record.reason == "unsupported file type"


def test_decoding_order():
    text = "<p>Zürich café €2</p>"
    assert decode_html(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    assert decode_html(text.encode("utf-16")) == text  # BOM
    declared = '<meta charset="windows-1252">' + text
    assert decode_html(declared.encode("cp1252")) == declared
    http_equiv = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15">' + text
    assert decode_html(http_equiv.encode("iso-8859-15")) == http_equiv
    # Latin-1 is read as windows-1252, as browsers do: 0x80 is the euro sign.
    assert decode_html(b'<meta charset="ISO-8859-1"><p>\x80</p>') == '<meta charset="ISO-8859-1"><p>€</p>'
    assert decode_html(text.encode("utf-8")) == text  # undeclared UTF-8


def test_page_resaved_as_utf8_under_an_old_declaration():
    page = '<meta charset="iso-8859-1"><p>Zürich café</p>'
    assert decode_html(page.encode("utf-8")) == page


def test_one_bad_byte_does_not_drop_the_page(tmp_path):
    page = ('<html><head><meta charset="utf-8"><title>Brücke gesperrt</title></head><body><article>'
            + "<p>Die Brücke über den Fluss bleibt wegen Schäden am Geländer gesperrt. </p>" * 5
            + "</article></body></html>")
    data = page.encode("utf-8").replace("Fluss".encode(), b"Flu\xff", 1)
    path = tmp_path / "bad-byte.html"
    path.write_bytes(data)
    got = read_one(path)
    assert got.title == "Brücke gesperrt"
    assert "Die Brücke über den Flu\ufffd bleibt" in got.body


def test_undeclared_legacy_bytes_fall_back_to_detection():
    page = ("<html><body><p>" + "Les équipes ont déplacé le tracé de quelques mètres vers l’intérieur. " * 5
            + "</p></body></html>")
    assert decode_html(page.encode("cp1252")) == page


def test_page_with_neither_title_nor_text_is_skipped():
    (record,) = list(read_source(Source.from_bytes("empty.html", b"<html><body><nav></nav></body></html>")))
    assert isinstance(record, Skipped) and record.origin == "empty.html"
    assert record.reason == "no article title or text in the page"


# --- metadata details -------------------------------------------------------

@pytest.mark.parametrize("raw, names", [
    ("By Ann Lee and Bob Scott", ["Ann Lee", "Bob Scott"]),
    ("Dana A. Ford, Tom Watkins, and Chien-Ming Wang, CNN", ["Dana A. Ford", "Tom Watkins", "Chien-Ming Wang"]),
    ("https://www.facebook.com/someone", []),
    ("ann.lee@example.test", []),
    ("Associated Press", []),
    ("By JOHN MARZULLI", ["John Marzulli"]),
    ("Maria Lopez, Staff Writer", ["Maria Lopez"]),
    ("By Ann Lee Updated 5:35 PM ET, Tue May 2, 2023", ["Ann Lee"]),
    ("Northeast Ohio Media Group", []),
])
def test_author_cleaning(raw, names):
    assert clean_authors([raw], ["CNN"]) == names


@pytest.mark.parametrize("title, sites, want", [
    ("How Butterflies Get Their Shine | WIRED", ["WIRED"], "How Butterflies Get Their Shine"),
    ("Cracking the Sitcom Code - The Atlantic", ["The Atlantic"], "Cracking the Sitcom Code"),
    ("Storm closes the coast road | Watch News Videos Online", [], "Storm closes the coast road"),
    ("BBC News - Storm closes the coast road", ["BBC News"], "Storm closes the coast road"),
    ("Brexit - what happens next", [], "Brexit - what happens next"),
    ("Storm closes the coast road", ["Daily"], "Storm closes the coast road"),
])
def test_site_name_is_stripped_from_titles(title, sites, want):
    assert strip_site_name(title, sites) == want


def _page(head: str, body: str = "") -> bytes:
    paragraph = "<p>The ferry service resumed after the storm, and the harbour master reopened the pier. </p>"
    return f"<!DOCTYPE html><html><head>{head}</head><body><article>{body}{paragraph * 4}</article></body></html>".encode()


def _read_bytes(data: bytes) -> Article:
    (record,) = list(read_source(Source.from_bytes("page.html", data)))
    assert isinstance(record, Article), record
    return record


def test_json_ld_article_inside_a_list_with_string_author_and_zone_names():
    ld = json.dumps([{"@type": "BreadcrumbList"},
                     {"@type": ["ReportageNewsArticle"], "headline": "Pier reopens",
                      "author": "By Kim Cho", "datePublished": "2020-05-01 09:30:00 EDT",
                      "publisher": "Coast Post", "inLanguage": {"name": "English", "alternateName": "en"},
                      "keywords": "ferries, storms"}])
    got = _read_bytes(_page(f'<script type="application/ld+json">{ld}</script>'))
    assert (got.title, got.authors, got.publisher, got.language, got.tags) == (
        "Pier reopens", ["Kim Cho"], "Coast Post", "en", ["ferries", "storms"])
    assert got.date == datetime(2020, 5, 1, 13, 30, tzinfo=timezone.utc)


def test_broken_json_ld_is_ignored_not_fatal():
    got = _read_bytes(_page('<script type="application/ld+json">{"headline": "x",,}</script>'
                            '<meta property="og:title" content="Pier reopens">'))
    assert got.title == "Pier reopens"


def test_no_date_is_taken_from_the_url_or_invented():
    got = _read_bytes(_page('<link rel="canonical" href="https://coast.test/2019/04/02/pier-reopens">'
                            "<title>Pier reopens</title>"))
    assert got.url == "https://coast.test/2019/04/02/pier-reopens" and got.date is None


def test_future_and_home_page_values_are_not_used():
    future = (datetime.now(timezone.utc) + timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%SZ")
    got = _read_bytes(_page(f'<meta property="article:published_time" content="{future}">'
                            '<link rel="canonical" href="https://coast.test/">'
                            "<title>Pier reopens</title>"))
    assert got.date is None and got.url == ""


def test_microdata_of_a_related_story_does_not_beat_the_page_date():
    got = _read_bytes(_page(
        "<title>Pier reopens</title>",
        '<div itemscope><meta itemprop="datePublished" content="2015-01-02T16:00:00Z"></div>'
        '<time itemprop="datePublished" pubdate datetime="2014-12-16T11:45:00-05:00">Dec 16</time>'))
    assert got.date == datetime(2014, 12, 16, 16, 45, tzinfo=timezone.utc)
