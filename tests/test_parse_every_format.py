"""`searcher parse` shows what each format's reader extracts (the readers'
own tests check every field; here, that the command shows them)."""
import gzip
import json
import zipfile

import pytest
from click.testing import CliRunner

from searcher.article import Article
from searcher.cli import cli
from searcher.readers import read_file

from .conftest import FIXTURES

CASES = [
    ("seed_layout/harbour-festival.txt", "Harbour lantern festival returns after t", "Daniel Whitcombe", "2022-05-07"),
    ("archive/articles.jsonl", "Putin and Xi meet in Samarkand", "Bob Scott", "2022-09-16"),
    ("html/jsonld_newsarticle.html", "Ferry operators agree a shared winter ti", "Ines Okafor", "2023-11-14"),
    ("feeds/harbour-gazette.rss", "Ferry timetable shake-up & new night cro", "Marta Lindqvist", "2021-03-11"),
    ("feeds/river-notes.atom", "Orchard growers count frost losses", "Keri Walsh", "2022-05-31"),
    ("feeds/market-digest.xml", "Cheese stall returns to the square", "Lotte Brandt", "2020-10-17"),
    ("newsxml/saltmarsh-survey.xml", "Saltmarsh survey finds record count of w", "Priya Natarajan", "2019-04-12"),
    ("newsxml/glacier-retreat.xml", "Brenn glacier retreats further in hot su", "Hanna Meier", "2023-08-15"),
    ("reuters/sample.sgm", "PRAIRIE GRAIN & OILSEED REVIEW", "Jane Doe", "1987-02-26"),
]


def parse(path):
    result = CliRunner().invoke(cli, ["parse", str(path), "--format", "json"])
    return result, [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("name, title, author, day", CASES)
def test_parse_shows_the_reader_fields(name, title, author, day):
    path = FIXTURES / name
    result, records = parse(path)
    first = records[0]
    assert (first["title"][:40], first["authors"][0], first["date"][:10]) == (title, author, day)
    expected = [r.to_dict() for r in read_file(path) if isinstance(r, Article)]
    assert records == expected


def test_parse_reads_inside_compressed_files_and_bundles(tmp_path):
    source = FIXTURES / "feeds" / "harbour-gazette.rss"
    packed = tmp_path / "feed.rss.gz"
    packed.write_bytes(gzip.compress(source.read_bytes()))
    bundle = tmp_path / "bundle.zip"
    with zipfile.ZipFile(bundle, "w") as z:
        z.write(FIXTURES / "reuters" / "sample.sgm", "wire/sample.sgm")
    _, from_gzip = parse(packed)
    _, plain = parse(source)
    assert [r["title"] for r in from_gzip] == [r["title"] for r in plain]
    assert from_gzip[0]["origin"].startswith(f"{packed}!feed.rss")
    _, from_zip = parse(bundle)
    assert from_zip[0]["title"] == "PRAIRIE GRAIN & OILSEED REVIEW"
    assert from_zip[0]["origin"].startswith(f"{bundle}!wire/sample.sgm")


def test_parse_reads_a_web_archive(tmp_path):
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "crawl.warc.gz"
    page = (b"<html><head><title>Harbour wall repaired</title>"
            b'<meta property="article:published_time" content="2024-02-03T08:00:00Z"></head>'
            b"<body><article><h1>Harbour wall repaired</h1><p>" + b"Masons finished the harbour wall. " * 20
            + b"</p></article></body></html>")
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://port.test/wall", "response",
                                                      payload=BytesIO(page), http_headers=headers))
    _, records = parse(path)
    assert [(r["url"], r["title"], r["date"][:10]) for r in records] == [
        ("https://port.test/wall", "Harbour wall repaired", "2024-02-03")]
    assert "Masons finished the harbour wall." in records[0]["body"]
