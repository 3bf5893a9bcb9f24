"""WARC/ARC reader: archives built here with warcio, plain and gzipped."""
from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from searcher.article import Article, Skipped
from searcher.readers import format_for, read_file, read_source
from searcher.readers import warc as warc_reader
from searcher.readers.source import Source

UTC = timezone.utc

DATED_URL = "https://harbour.test/news/2021/03/ferry-timetable"
UNDATED_URL = "https://harbour.test/news/lighthouse-repainted"

DATED_PAGE = """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">
<title>Ferry timetable changes for spring | Harbour Times</title>
<meta property="og:title" content="Ferry timetable changes for spring">
<meta property="og:site_name" content="Harbour Times">
<meta name="author" content="Mara Quist">
<meta property="article:published_time" content="2021-03-04T08:30:00+01:00">
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article>
<h1>Ferry timetable changes for spring</h1>
<p>The island ferry will run every forty minutes from April, the harbour office said on Thursday.</p>
<p>Evening crossings move to the north pier while the south pier is dredged.</p>
</article>
<footer>Copyright Harbour Times</footer>
</body></html>""".encode("utf-8")

UNDATED_PAGE = """<html><head><title>Lighthouse repainted</title></head><body>
<h1>Lighthouse repainted</h1>
<p>Volunteers finished repainting the old lighthouse in red and white stripes, using 240 litres of paint over three weekends.</p>
<p>The café at its foot reopens on Saturday.</p>
</body></html>""".encode("utf-8")

WARC_DATES = ["2021-03-05T10:00:00Z", "2022-07-01T12:00:00Z", "2022-07-01T12:00:01Z",
              "2022-07-01T12:00:02Z"]


def _response(writer, uri, status, content_type, payload, warc_date):
    headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
    return writer.create_warc_record(uri, "response", payload=io.BytesIO(payload),
                                     http_headers=headers, warc_headers_dict={"WARC-Date": warc_date})


def build_warc(gzip: bool) -> bytes:
    """request, dated page, png, 404, undated page (in that order)."""
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gzip)
    request = StatusAndHeaders("GET /news/2021/03/ferry-timetable HTTP/1.1",
                               [("Host", "harbour.test")], is_http_request=True)
    writer.write_record(writer.create_warc_record(
        DATED_URL, "request", payload=io.BytesIO(b""), http_headers=request,
        warc_headers_dict={"WARC-Date": WARC_DATES[0]}))
    writer.write_record(_response(writer, DATED_URL, "200 OK", "text/html; charset=utf-8",
                                  DATED_PAGE, WARC_DATES[0]))
    writer.write_record(_response(writer, "https://harbour.test/logo.png", "200 OK", "image/png",
                                  b"\x89PNG\r\n\x1a\n" + bytes(64), WARC_DATES[1]))
    writer.write_record(_response(writer, "https://harbour.test/missing", "404 Not Found",
                                  "text/html", b"<html><title>Not found</title></html>", WARC_DATES[2]))
    writer.write_record(_response(writer, UNDATED_URL, "200 OK", "text/html",
                                  UNDATED_PAGE, WARC_DATES[3]))
    return buf.getvalue()


def _offsets(data: bytes) -> dict[str, int]:
    """Offset of each response record, by URI, read back with warcio itself."""
    from warcio.archiveiterator import ArchiveIterator

    it = ArchiveIterator(io.BytesIO(data))
    found = {}
    for record in it:
        if record.rec_type == "response":
            found[record.rec_headers.get_header("WARC-Target-URI")] = it.get_record_offset()
    return found


@pytest.fixture(params=["plain", "gzip"])
def archive_file(request, tmp_path) -> Path:
    gzip = request.param == "gzip"
    path = tmp_path / ("crawl.warc.gz" if gzip else "crawl.warc")
    path.write_bytes(build_warc(gzip))
    return path


def test_format_by_double_extension(archive_file):
    assert format_for(archive_file).name == "warc"
    for name in ("a.warc", "a.WARC.GZ", "a.arc", "a.arc.gz"):
        assert format_for(Source.from_bytes(name, b"")).name == "warc"


def test_html_records_read_by_the_html_reader(archive_file):
    """Every 200 HTML response is read by the HTML reader (trafilatura); the
    WARC's own fields (url, id, origin, capture date) override the page's."""
    records = list(read_file(archive_file))
    assert [type(r) for r in records] == [Article, Article]  # request, png, 404 passed over
    offsets = _offsets(archive_file.read_bytes())
    dated, undated = records

    assert dated.url == DATED_URL
    assert dated.id == DATED_URL
    assert dated.origin == f"{archive_file}#{offsets[DATED_URL]}"
    assert dated.title == "Ferry timetable changes for spring"
    assert dated.body == (  # no navigation, headline or footer
        "The island ferry will run every forty minutes from April, the harbour office said on Thursday.\n"
        "Evening crossings move to the north pier while the south pier is dredged."
    )
    assert dated.date == datetime(2021, 3, 4, 7, 30, tzinfo=UTC)  # the page's, not the capture's
    assert dated.authors == ["Mara Quist"]
    assert dated.publisher == "Harbour Times"
    assert dated.language == "en"
    assert dated.tags == [] and dated.sources == []

    assert undated.url == UNDATED_URL
    assert undated.id == UNDATED_URL
    assert undated.origin == f"{archive_file}#{offsets[UNDATED_URL]}"
    assert undated.title == "Lighthouse repainted"
    assert undated.body == (
        "Volunteers finished repainting the old lighthouse in red and white stripes, "
        "using 240 litres of paint over three weekends.\n"
        "The caf\u00e9 at its foot reopens on Saturday."
    )
    assert undated.date == datetime(2022, 7, 1, 12, 0, 2, tzinfo=UTC)  # WARC-Date
    assert undated.authors == [] and undated.publisher == ""
    assert undated.language == "en"  # none declared: detected from the text


def test_pages_go_through_the_html_reader_only(archive_file, monkeypatch):
    """No extraction of its own: each page is handed to html.read, and a page
    it fails on is one Skipped at that record, not the end of the crawl."""
    from searcher.readers import html

    seen = []

    def spy(source):
        seen.append(str(source))
        if "lighthouse" in str(source):
            raise RuntimeError("boom")
        return html.read(source)

    monkeypatch.setattr(warc_reader, "read_html", spy)
    assert not hasattr(warc_reader, "extract_html")
    records = list(read_file(archive_file))
    assert seen == [f"{archive_file}#{DATED_URL}", f"{archive_file}#{UNDATED_URL}"]
    dated, failed = records
    assert isinstance(dated, Article) and "every forty minutes" in dated.body
    offsets = _offsets(archive_file.read_bytes())
    assert isinstance(failed, Skipped)
    assert (failed.origin, failed.reason) == (f"{archive_file}#{offsets[UNDATED_URL]}",
                                              "unreadable page: RuntimeError: boom")


@pytest.mark.parametrize("gzip", [False, True])
def test_truncated_file_keeps_good_records(gzip, tmp_path):
    data = build_warc(gzip)
    offsets = _offsets(data)
    # Cut inside the last (undated) record.
    cut = offsets[UNDATED_URL] + (len(data) - offsets[UNDATED_URL]) // 2
    path = tmp_path / ("cut.warc.gz" if gzip else "cut.warc")
    path.write_bytes(data[:cut])
    records = list(read_file(path))
    assert [type(r) for r in records] == [Article, Skipped]
    assert records[0].url == DATED_URL
    skipped = records[1]
    assert skipped.origin == f"{path}#{offsets[UNDATED_URL]}"
    assert "truncated" in skipped.reason


@pytest.mark.parametrize("gzip", [False, True])
def test_truncated_inside_record_headers(gzip, tmp_path):
    data = build_warc(gzip)
    offsets = _offsets(data)
    path = tmp_path / ("cut.warc.gz" if gzip else "cut.warc")
    path.write_bytes(data[: offsets[UNDATED_URL] + 12])
    records = list(read_file(path))
    assert [type(r) for r in records] == [Article, Skipped]
    assert records[1].origin == f"{path}#{offsets[UNDATED_URL]}"


def test_not_a_warc_fails_whole(tmp_path):
    path = tmp_path / "notes.warc"
    path.write_bytes(b"these are my notes, not an archive\n" * 3)
    records = list(read_file(path))
    assert len(records) == 1 and isinstance(records[0], Skipped)
    assert records[0].origin == str(path)
    assert records[0].reason == "not a WARC/ARC file"


@pytest.mark.parametrize("gzip", [False, True])
def test_cut_in_first_record_fails_whole(gzip, tmp_path):
    data = build_warc(gzip)
    path = tmp_path / ("cut.warc.gz" if gzip else "cut.warc")
    path.write_bytes(data[:40])
    records = list(read_file(path))
    assert len(records) == 1 and records[0].origin == str(path)
    assert records[0].reason.startswith("not a readable WARC/ARC file")


def test_empty_archive_has_no_records():
    assert list(read_source(Source.from_bytes("empty.warc", b""))) == []


def test_arc_file(tmp_path):
    page = b"<html><head><title>Tide tables</title></head><body><p>High water at 06:12.</p></body></html>"
    http = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n" + page
    version = b"1 0 Example\nURL IP-address Archive-date Content-type Archive-length\n"
    header = b"filedesc://tides.arc 0.0.0.0 20050614070159 text/plain %d\n%s\n" % (len(version), version)
    record = b"http://tides.test/today 10.0.0.1 20050614070200 text/html %d\n%s\n" % (len(http), http)
    path = tmp_path / "tides.arc"
    path.write_bytes(header + record)
    (article,) = list(read_file(path))
    assert article.url == "http://tides.test/today"
    assert article.title == "Tide tables"
    assert article.body == "High water at 06:12."
    assert article.date == datetime(2005, 6, 14, 7, 2, tzinfo=UTC)
    assert article.origin == f"{path}#{len(header)}"


def test_http_charset_applies_when_page_declares_none(tmp_path):
    page = "<html><head><title>Bj\u00f6rk in Reykjav\u00edk</title></head><body><p>Gr\u00fc\u00dfe.</p></body></html>"
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=False)
    writer.write_record(_response(writer, "https://x.test/a", "200 OK", "text/html; charset=iso-8859-1",
                                  page.encode("latin-1"), WARC_DATES[0]))
    path = tmp_path / "latin.warc"
    path.write_bytes(buf.getvalue())
    (article,) = list(read_file(path))
    assert article.title == "Bj\u00f6rk in Reykjav\u00edk"
    assert article.body == "Gr\u00fc\u00dfe."


def test_chunked_gzipped_http_body(tmp_path):
    import gzip as gz

    page = b"<html><head><title>Zipped</title></head><body><p>Compressed page body text.</p></body></html>"
    packed = gz.compress(page)
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(packed), packed)
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
                                          ("Transfer-Encoding", "chunked")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(
        "https://z.test/a", "response", payload=io.BytesIO(chunked), http_headers=headers,
        warc_headers_dict={"WARC-Date": WARC_DATES[0]}))
    path = tmp_path / "zipped.warc.gz"
    path.write_bytes(buf.getvalue())
    (article,) = list(read_file(path))
    assert (article.title, article.url, article.origin) == ("Zipped", "https://z.test/a", f"{path}#0")
    assert article.body == "Compressed page body text."
    assert article.date == datetime(2021, 3, 5, 10, 0, tzinfo=UTC)
