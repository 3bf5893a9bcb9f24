"""Web archives: WARC and ARC files (``.warc``, ``.warc.gz``, ``.arc``,
``.arc.gz``), read as a stream with warcio.

Every ``response`` record with status 200 and an HTML content type
(``text/html``, ``application/xhtml+xml``) is one Article; everything else
(requests, metadata, images, redirects, 404s, revisits) is passed over
silently. The page is parsed by the HTML reader when one is registered
("html"), else by a small lxml extraction here (title, date, authors, body
text), so web archives work either way. Then:

- url is the record's WARC-Target-URI, whatever the page says, and the id is
  that URL (two captures of one URL are one article: the later wins);
- date is the page's own, else the capture time (WARC-Date);
- origin is ``file#offset``, the record's byte offset in the file (in the
  compressed file for ``.gz``), which ``warcio extract`` takes.

A damaged file yields its good records, then a Skipped for the first bad one
(truncated, cut mid-record, not a record): nothing after it can be trusted.
A file whose first record is unreadable is not a web archive and fails whole.
"""
from __future__ import annotations

import codecs
import re
import zlib
from dataclasses import replace
from typing import Iterator, Optional

from ..article import Article, Skipped
from ..dates import parse_date
from . import Record, formats, register
from .source import Source
from .text import decode

_HTML_TYPES = ("text/html", "application/xhtml+xml")
# No news page is this large; a bigger "HTML" payload is not read into memory.
_MAX_PAGE = 32 << 20
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""", re.I)
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_SPACE = re.compile(r"\s+")
# An ARC v1 record line: URL IP-address Archive-date Content-type Archive-length.
_ARC_LINE = re.compile(rb"\S+ \S+ \d{14} \S+ \d+\s*\n")

# Where pages put their publication date, best first.
_DATE_META = ("article:published_time", "og:published_time", "datepublished", "date",
              "pubdate", "publishdate", "publish-date", "dc.date", "dc.date.issued",
              "dcterms.date", "dcterms.created", "sailthru.date", "parsely-pub-date")
_DROP = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside",
         "form", "iframe", "svg", "button", "figure")
_BLOCKS = ("p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dd", "dt")


# -- minimal HTML extraction (used when no HTML reader is registered) ------

def _meta(doc, names: tuple[str, ...]) -> str:
    """First non-empty <meta> content whose name/property/itemprop is in names."""
    found: dict[str, str] = {}
    for meta in doc.iter("meta"):
        content = (meta.get("content") or "").strip()
        for attr in ("property", "name", "itemprop"):
            key = (meta.get(attr) or "").strip().lower()
            if key and content and key not in found:
                found[key] = content
    return next((found[n] for n in names if n in found), "")


def _text(element) -> str:
    return _SPACE.sub(" ", element.text_content()).strip()


def _page_date(doc):
    date = parse_date(_meta(doc, _DATE_META))
    if date:
        return date
    for element in doc.iter("time"):
        date = parse_date(element.get("datetime") or "")
        if date:
            return date
    for element in doc.xpath("//*[@itemprop='datePublished']"):
        date = parse_date(element.get("datetime") or element.get("content") or _text(element))
        if date:
            return date
    return None


def _body(doc) -> str:
    roots = (doc.xpath("//*[@itemprop='articleBody']") or doc.xpath("//article")
             or doc.xpath("//main") or doc.xpath("//body") or [doc])
    root = roots[0]
    for element in list(root.iter(*_DROP)):
        if element.getparent() is not None:
            element.drop_tree()
    # Innermost text blocks only, so an <li><p>..</p></li> is read once.
    blocks = [el for el in root.iter(*_BLOCKS)
              if not any(True for _ in el.iterdescendants(*_BLOCKS))]
    paragraphs = [t for t in (_text(el) for el in blocks) if t]
    return "\n\n".join(paragraphs) if paragraphs else _text(root)


def _with_charset(payload: bytes, charset: str) -> bytes:
    """The page's bytes, made to carry the HTTP header's charset when the page
    declares none itself (as UTF-8 with a BOM, which every decoder honours)."""
    if not charset or payload.startswith(_BOMS) or _CHARSET.search(payload[:4096]):
        return payload
    try:
        return codecs.BOM_UTF8 + payload.decode(charset, errors="replace").encode("utf-8")
    except LookupError:
        return payload


def _decode_page(payload: bytes) -> str:
    declared = None if payload.startswith(_BOMS) else _CHARSET.search(payload[:4096])
    if declared:
        try:
            label = (declared.group(1) or declared.group(2)).decode("ascii")
            return payload.decode(label, errors="replace")
        except (LookupError, UnicodeError):
            pass
    return decode(payload)


def extract_html(payload: bytes, origin: str) -> Article | Skipped:
    """Title, date, authors, publisher, language and body text of one HTML page."""
    import lxml.html
    from lxml.etree import ParserError

    text = _XML_DECL.sub("", _decode_page(payload))
    try:
        doc = lxml.html.document_fromstring(text)
    except (ParserError, ValueError) as exc:
        return Skipped(origin, f"unreadable HTML: {exc}")
    h1 = doc.xpath("//h1")
    titles = doc.xpath("//title")
    title = (_meta(doc, ("og:title", "twitter:title")) or (_text(h1[0]) if h1 else "")
             or (_text(titles[0]) if titles else ""))
    author = _meta(doc, ("author", "article:author", "byl", "dc.creator"))
    author = re.sub(r"^\s*by\s+", "", author, flags=re.I)
    language = (doc.get("lang") or _meta(doc, ("og:locale", "language"))).strip()
    date = _page_date(doc)
    for element in h1[:1]:
        element.drop_tree()  # the headline is the title, not body text
    return Article(
        title=title,
        body=_body(doc),
        authors=[author] if author and not author.startswith("http") else [],
        date=date,
        publisher=_meta(doc, ("og:site_name", "application-name")),
        language=re.split(r"[-_]", language)[0].lower() if language else "",
        origin=origin,
    )


# -- records ---------------------------------------------------------------

def _html_page(record) -> Optional[str]:
    """The charset ('' when unsaid) of a 200 HTML response, else None."""
    if record.rec_type != "response" or record.http_headers is None:
        return None
    if record.http_headers.get_statuscode() != "200":
        return None
    content_type = (record.http_headers.get_header("Content-Type") or "").lower()
    mime, _, params = content_type.partition(";")
    if mime.strip() not in _HTML_TYPES:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", params)
    return match.group(1) if match else ""


def _articles(payload: bytes, charset: str, page_origin: str, origin: str) -> Iterator[Record]:
    payload = _with_charset(payload, charset)
    fmt = formats().get("html")
    try:
        if fmt is not None:
            found = list(fmt.read(Source.from_bytes(page_origin, payload)))
        else:
            found = [extract_html(payload, origin)]
    except Exception as exc:  # noqa: BLE001 - one bad page must not end a crawl of thousands
        found = [Skipped(origin, f"unreadable page: {type(exc).__name__}: {exc}")]
    for record in found:
        yield Skipped(origin, record.reason) if isinstance(record, Skipped) else record


def _leftover(source: Source, end: int) -> Optional[int]:
    """Where data other than blank lines follows byte ``end`` of the file, or None."""
    with source.open() as stream:
        if stream.seekable():
            stream.seek(end)
        else:
            remaining = end
            while remaining > 0:
                skipped = len(stream.read(min(remaining, 1 << 20)))
                if not skipped:
                    return None
                remaining -= skipped
        rest = stream.read(1 << 16)
    trimmed = rest.lstrip()
    return end + len(rest) - len(trimmed) if trimmed else None


def _looks_like_archive(head: bytes) -> bool:
    """A WARC record or an ARC header first (after gunzipping the head)."""
    if head.startswith(b"\x1f\x8b"):
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 4096)
        except zlib.error:
            return False
    head = head.lstrip()
    return not head or head.startswith((b"WARC/", b"filedesc://")) or _ARC_LINE.match(head) is not None


def read(source: Source) -> Iterator[Record]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    if not _looks_like_archive(source.head(4096)):
        raise ValueError("not a WARC/ARC file")
    end = 0  # byte just after the last good record
    count = 0
    with source.open() as stream:
        records = ArchiveIterator(stream, arc2warc=True)  # ARC headers as WARC ones
        while True:
            try:
                record = next(records, None)
                if record is None:
                    break
                charset = _html_page(record)
                # Read the content before asking for the offset: asking
                # first reads past it.
                payload = record.content_stream().read(_MAX_PAGE + 1) if charset is not None else b""
                offset, length = records.get_record_offset(), records.get_record_length()
            except (ArchiveLoadFailed, EOFError, OSError, ValueError, zlib.error) as exc:
                yield _damaged(source, end, count, f"unreadable record: {exc}")
                return
            # A record cut off before its declared length: warcio returns
            # what there is without complaint.
            if record.length is None or (getattr(record.raw_stream, "limit", 0) or 0) > 0:
                yield _damaged(source, offset, count, "record is cut off (file truncated)")
                return
            count += 1
            end = offset + length
            if charset is None:
                continue
            origin = f"{source}#{offset}"
            if len(payload) > _MAX_PAGE:
                yield Skipped(origin, f"page larger than {_MAX_PAGE >> 20} MB")
                continue
            uri = (record.rec_headers.get_header("WARC-Target-URI") or "").strip()
            captured = parse_date(record.rec_headers.get_header("WARC-Date") or "")
            for found in _articles(payload, charset, f"{source}#{uri}", origin):
                if isinstance(found, Article):
                    found = replace(found, url=uri, id=uri, origin=origin, date=found.date or captured)
                yield found
    # warcio stops silently at a record cut off in its headers.
    leftover = _leftover(source, end)
    if leftover is not None:
        yield _damaged(source, leftover, count, "unreadable data after the last record (file truncated?)")


def _damaged(source: Source, at: int, good: int, reason: str) -> Skipped:
    """A Skipped for the first bad record; a file with no good record is not a web archive."""
    if not good:
        raise ValueError(f"not a readable WARC/ARC file: {reason}")
    return Skipped(f"{source}#{at}", reason)


register("warc", [".warc", ".warc.gz", ".arc", ".arc.gz"], read)
