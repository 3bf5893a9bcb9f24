"""HTML news pages (.html, .htm, .xhtml): one Article per page.

The main text comes from trafilatura (boilerplate removal: navigation,
related links, comments, cookie banners, footers, author boxes); the other
fields come from our own metadata code (``html_meta.py``: JSON-LD, OpenGraph
and ``article:*`` meta, ``<meta name=...>``, ``<time datetime>``,
``<link rel=canonical>``, ``<html lang>``, bylines). trafilatura gets the
decoded page only: no URL, nothing fetched, no date read from an address.

Per-field choice, ours against trafilatura's, measured with
``python bench/html_extraction.py --candidates`` on the real pages in
../shared/corpora/news-html (full tables in bench/README.md):

- body: trafilatura ``extract`` (comments out, tables in, balanced
  precision/recall), fast pass first and its fallback extractors only when
  that finds under 500 characters. Token F1 0.952 on newspaper3k (26 pages)
  and 0.980 on newspaper4k (6) against 0.403 / 0.346 for the text of
  ``<body>``; trafilatura's ``with`` snippets all found, 0.952 of ``without``
  snippets absent. JSON-LD ``articleBody`` scored the same where pages have
  it and is only the fallback when trafilatura finds nothing. The fallback
  extractors on every page gave identical text in 40% more time;
  ``favor_precision`` gained on newspaper3k (0.970) but lost recall
  elsewhere (newspaper4k 0.977, a ``with`` snippet missed).
  A first line repeating the headline is dropped.
- title: ours (og:title, JSON-LD headline, other title meta, the h1 most like
  ``<title>``, then ``<title>``, with " | Site" stripped). 5/6 on
  newspaper4k, trafilatura's 5/6 too; ours follows the product's
  og:title/headline/h1 preference.
- authors: ours, 4/6 against trafilatura's 2/6 (it keeps organisations such
  as "CNN" and "Condé Nast" among the authors and drops initials' dots).
- date: ours, 6/6 against 6/6; ours keeps the time of day and zone. Where the
  page states no date in metadata, htmldate (trafilatura's date library)
  reads the markup only: no URL, no free-text search.
- publisher: ours, 6/6 against 6/6 (trafilatura falls back to the URL's
  domain, which we do not want). language: ours, 6/6 (trafilatura reports
  none without its optional detector). url, tags: ours (not scored).

Bytes become text through :func:`decode_html`: BOM; the charset the page
declares (``<meta charset>``, ``http-equiv``, XML declaration); UTF-8;
charset-normalizer; a lossy windows-1252 decode last. Two refinements: a
page declaring a single-byte charset whose bytes are valid multi-byte UTF-8
was re-saved as UTF-8 and is read so; and a page is never dropped for one
bad byte (it becomes U+FFFD).
"""
from __future__ import annotations

import codecs
import logging
import re
from typing import Any, Iterator

from ..article import Article
from . import Record, Skipped, register
from .html_meta import page_meta
from .source import Source

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-z0-9_.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([a-z0-9_.:-]+)""",
    re.IGNORECASE)
_PRESCAN_BYTES = 16384
# Labels that browsers (WHATWG Encoding) read as windows-1252.
_AS_CP1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii",
              "iso_8859-1", "cp819", "ibm819", "windows-1252", "cp1252", "x-cp1252"}
_LEADING = re.compile(
    r"^(?:\s+|<!--.*?-->|<\?xml[^>]*\?>)*", re.DOTALL)
# What a page opens with; HTML lets <html> and <head> be left out.
_PAGE_START = re.compile(r"<!doctype\s+html|<(?:html|head|body|meta|title)[\s>/]", re.IGNORECASE)
_PAGE_ANYWHERE = re.compile(r"<!doctype\s+html|^\s*<html[\s>]", re.IGNORECASE | re.MULTILINE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def _codec(label: str) -> str | None:
    label = label.strip().lower()
    if label in _AS_CP1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_charset(data: bytes) -> str | None:
    """The codec a page declares near its start, if Python knows it."""
    match = _DECLARED.search(data[:_PRESCAN_BYTES])
    if not match:
        return None
    return _codec((match.group(1) or match.group(2)).decode("ascii", "replace"))


def _utf8(data: bytes, tolerance: float) -> str | None:
    """UTF-8 text, also when a few bytes are broken (replaced): at most
    ``tolerance`` of the non-ASCII characters. None when the bytes are mostly
    something else."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    non_ascii = sum(1 for char in text if ord(char) > 127)
    return text if broken <= tolerance * non_ascii else None


def decode_html(data: bytes) -> str:
    """Page bytes to text; never fails, never drops a page for a bad byte."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    declared = declared_charset(data)
    if declared and not declared.startswith("utf-16"):
        if declared == "utf-8":
            # Declared: trusted unless most non-ASCII bytes are not UTF-8.
            text = _utf8(data, tolerance=0.5)
            if text is not None:
                return text
        else:
            if declared == "cp1252" or declared.startswith(("iso8859", "latin")):
                # A page saved by a tool is often re-encoded to UTF-8 while its
                # <meta> still names the old single-byte charset: valid UTF-8
                # with multi-byte characters is then what the bytes really are.
                try:
                    return data.decode("utf-8")
                except UnicodeDecodeError:
                    pass
            return data.decode(declared, errors="replace")
    text = _utf8(data, tolerance=0.1)
    if text is not None:
        return text
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        return str(best)
    return data.decode("cp1252", errors="replace")


def sniff(head: bytes) -> bool:
    """True when the first bytes open an HTML page: after BOM, whitespace,
    comments and an XML declaration comes ``<!doctype html``, ``<html`` (or
    ``<head``, ``<body``, ``<meta``, ``<title``); or, after stray output such as
    a server warning, ``<!doctype html`` or a line starting with ``<html``."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            text = head[len(bom):].decode(encoding, errors="ignore")
            break
    else:
        text = head.decode("latin-1")
    leading = _LEADING.match(text)
    assert leading is not None  # every part of _LEADING is optional: it matches at the start of any text
    rest = text[leading.end():]
    return bool(_PAGE_START.match(rest) or _PAGE_ANYWHERE.search(rest))


def _parse(text: str):
    import lxml.html
    from lxml import etree

    text = _XML_DECLARATION.sub("", text, count=1)
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None


def _quiet(name: str) -> None:
    # trafilatura and htmldate log a warning for every page they find
    # little in; the reader reports what matters as Skipped records.
    logging.getLogger(name).setLevel(logging.ERROR)


# Below this many characters the fast pass may have missed the article.
_SHORT_TEXT = 500


def main_text(text: str) -> str:
    """The article text of a page, boilerplate removed (trafilatura, offline).

    trafilatura's fast pass first; its slower fallback extractors (readability,
    jusText) only when that finds little: on the benchmark pages both give the
    same text, and the fast pass takes 40% less time.
    """
    import trafilatura

    for name in ("trafilatura", "htmldate", "courlan"):
        _quiet(name)
    options: dict[str, Any] = dict(url=None, include_comments=False, include_tables=True, include_images=False,
                   include_links=False, with_metadata=False, deduplicate=False)
    body = (trafilatura.extract(text, fast=True, **options) or "").strip()
    if len(body) < _SHORT_TEXT:
        body = (trafilatura.extract(text, fast=False, **options) or "").strip() or body
    return body


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _without_headline(body: str, title: str) -> str:
    """The text without the headline trafilatura often repeats as its first line."""
    first, _, rest = body.partition("\n")
    if title and rest.strip() and _words(first) == _words(title):
        return rest.strip()
    return body


def article_from_html(text: str, origin: str = "") -> Article | None:
    """One Article from a decoded page; None when it has neither title nor text."""
    tree = _parse(text)
    if tree is None:
        return None
    meta = page_meta(tree)
    body = _without_headline(main_text(text) or meta.body, meta.title)
    if not meta.title and not body:
        return None
    return Article(
        title=meta.title,
        body=body,
        authors=meta.authors,
        date=meta.date,
        tags=meta.tags,
        url=meta.url,
        publisher=meta.publisher,
        language=meta.language,
        origin=origin,
    )


def read(source: Source) -> Iterator[Record]:
    article = article_from_html(decode_html(source.read_bytes()), str(source))
    yield article if article is not None else Skipped(str(source), "no article title or text in the page")


register("html", [".html", ".htm", ".xhtml"], read, sniff=sniff)
