"""Web archives: WARC and ARC files (``.warc``, ``.warc.gz``, ``.arc``,
``.arc.gz``), read as a stream with warcio.

Every ``response`` record with status 200 and an HTML content type
(``text/html``, ``application/xhtml+xml``) is one Article; everything else
(requests, metadata, images, redirects, 404s, revisits) is passed over
silently. The page is read by the HTML reader (``html.py``: metadata from
JSON-LD, OpenGraph and ``<meta>``, main text by trafilatura), as an
``.html`` file would be, with the HTTP header's charset when the page
declares none. Then:

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
from . import Record, register
from .html import read as read_html
from .source import Source

_HTML_TYPES = ("text/html", "application/xhtml+xml")
# No news page is this large; a bigger "HTML" payload is not read into memory.
_MAX_PAGE = 32 << 20
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""", re.I)
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# An ARC v1 record line: URL IP-address Archive-date Content-type Archive-length.
_ARC_LINE = re.compile(rb"\S+ \S+ \d{14} \S+ \d+\s*\n")


def _with_charset(payload: bytes, charset: str) -> bytes:
    """The page's bytes, made to carry the HTTP header's charset when the page
    declares none itself (as UTF-8 with a BOM, which every decoder honours)."""
    if not charset or payload.startswith(_BOMS) or _CHARSET.search(payload[:4096]):
        return payload
    try:
        return codecs.BOM_UTF8 + payload.decode(charset, errors="replace").encode("utf-8")
    except LookupError:
        return payload


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
    try:
        found = list(read_html(Source.from_bytes(page_origin, payload)))
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
