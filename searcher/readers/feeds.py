"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds: one Article per item or entry.

Feeds are streamed (:func:`.xmlsafe.iter_records`), so a feed of any length
is read in bounded memory. The feed's own title (the publisher), language and
authors are taken from the elements before the first item, where every feed
in practice puts them.

Field mapping (first present wins):

======== ===================================== ===========================================
field    RSS 2.0 / RSS 1.0                     Atom
======== ===================================== ===========================================
title    title                                 title (text, html or xhtml)
body     content:encoded, description          content (unless ``src``), summary
authors  dc:creator, author ("a@b (Name)")     author/name, else the feed's author/name
date     pubDate (RFC 822), dc:date            published, updated
tags     category, dc:subject                  category @label, else @term
url      link, guid (permalink), @rdf:about    link rel=alternate (html first), xml:base
id       guid, @rdf:about                      id
sources  source                                source/title
lang     dc:language, channel language         xml:lang (entry, else feed)
======== ===================================== ===========================================

HTML in bodies becomes plain text with paragraphs split by a blank line.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Callable, Iterator, Optional
from urllib.parse import urljoin

from lxml import etree

from ..article import Article, Skipped
from ..dates import date_notes, parse_date, utc_or_none
from . import Record, record_failure, register
from .names import split_names, unique
from .source import Source
from .xmlsafe import (
    element_text,
    html_inline,
    html_to_text,
    inline_text,
    iter_records,
    plain_paragraphs,
    raw_text,
    sniff_root,
    xml_lang,
)

RSS1 = "http://purl.org/rss/1.0/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/elements/1.1/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
XHTML = "http://www.w3.org/1999/xhtml"
_ABOUT = f"{{{RDF}}}about"

# RFC 822 / 2822 dates, as RSS writes them: "Thu, 11 Mar 21 18:30:00 EST".
_RFC822 = re.compile(
    r"\s*(?:[A-Za-z]{3,9},?\s*)?(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?\s+(\d{4}|\d{2})\s+"
    r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[A-Za-z]{1,5})?\s*$"
)
_MONTHS = {m: n for n, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
# Hours from UTC: RFC 822's zones, and ones feeds write anyway. Ambiguous
# abbreviations (IST; CST is taken in RFC 822's American sense) are left out.
_ZONES = {"UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5,
          "MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "CET": 1, "CEST": 2, "MET": 1, "MEST": 2,
          "EET": 2, "EEST": 3, "WET": 0, "WEST": 1, "BST": 1, "MSK": 3, "JST": 9, "KST": 9,
          "HKT": 8, "SGT": 8, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13}
_EMAIL_NAME = re.compile(r"^\s*\S+@\S+\s*\((.+)\)\s*$")  # RSS author: "anna@x.test (Anna Berg)"
_NAME_EMAIL = re.compile(r"^\s*(.+?)\s*<\S+@\S+>\s*$")  # "Anna Berg <anna@x.test>"


def _q(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}" if namespace else name


def _raw(element: Optional[etree._Element]) -> str:
    return "" if element is None else raw_text(element)


def _markup(element: Optional[etree._Element]) -> str:
    """An RSS text field holding escaped HTML (or, improperly, raw elements)."""
    if element is None:
        return ""
    return element_text(element) if len(element) else html_to_text(_raw(element))


def _rss_author(text: str) -> list[str]:
    text = " ".join(text.split())
    match = _EMAIL_NAME.match(text) or _NAME_EMAIL.match(text)
    return [match.group(1).strip()] if match else split_names(text)


@lru_cache(maxsize=64)
def _zone(minutes: int) -> timezone:
    return timezone(timedelta(minutes=minutes))


def feed_date(text: str) -> Optional[datetime]:
    """RFC 822 (two-digit years, named zones like EST) or anything parse_date reads."""
    match = _RFC822.match(text)
    if match is None:
        return parse_date(text)
    day, month, year, hour, minute, second, zone = match.groups()
    year_n = int(year)
    if len(year) == 2:  # RFC 822 years: 00-49 are 2000s, 50-99 1900s (as RFC 5322 says)
        year_n += 2000 if year_n < 50 else 1900
    zone = (zone or "").upper()
    if zone[:1] in "+-" and len(zone) == 5:
        offset = int(zone[1:3]) * 60 + int(zone[3:])
        offset = -offset if zone[0] == "-" else offset
    else:
        # No zone, "-0000" or an unknown name: taken as UTC, as elsewhere.
        offset = _ZONES.get(zone, 0) * 60
    try:
        value = datetime(year_n, _MONTHS[month.lower()], int(day), int(hour), int(minute), int(second or 0),
                         tzinfo=_zone(offset))
    except (ValueError, KeyError):
        return None  # "31 Feb": a wrong date is no date
    return utc_or_none(value)  # year 1 at +05:00 has no UTC time: no date


# --- RSS 2.0 and RSS 1.0 ---------------------------------------------------


def _rss_meta(item: etree._Element, ns: str) -> dict:
    parent = item.getparent()
    if ns == RSS1 and parent is not None:  # RDF: channel and items are siblings
        channel = parent.find(_q(RSS1, "channel"))
    else:
        channel = parent
    if channel is None:
        return {"publisher": "", "language": ""}
    language = channel.findtext(_q(ns, "language")) or channel.findtext(_q(DC, "language"))
    return {
        "publisher": html_inline(_raw(channel.find(_q(ns, "title")))),
        "language": (language or "").strip() or xml_lang(channel),
    }


def _by_tag(element: etree._Element) -> dict:
    # One pass over the children: a feed can hold 100k items, and one
    # find() per field per item is most of the cost of reading one.
    found: dict = {}
    for child in element:
        found.setdefault(child.tag, []).append(child)
    return found


def _one(found: dict, tag: str) -> Optional[etree._Element]:
    elements = found.get(tag)
    return elements[0] if elements else None


def _texts(found: dict, tag: str) -> list[str]:
    elements = found.get(tag)
    return [" ".join(_raw(el).split()) for el in elements] if elements else []


@lru_cache(maxsize=8)
def _rss_names(ns: str) -> dict[str, str]:
    """Clark names of an item's children, built once per namespace, not once per item."""
    names = {n: _q(ns, n) for n in ("title", "description", "author", "guid", "link", "pubDate",
                                     "source", "category", "language")}
    names.update({n: _q(DC, n) for n in ("creator", "date", "subject")})
    names["dc:language"] = _q(DC, "language")
    names["encoded"] = _q(CONTENT, "encoded")
    return names


def _rss_item(item: etree._Element, ns: str, meta: dict, origin: str) -> Optional[Article]:
    tag = _rss_names(ns)
    found = _by_tag(item)
    title = html_inline(_raw(_one(found, tag["title"])))
    body = _markup(_one(found, tag["encoded"])) or _markup(_one(found, tag["description"]))
    if not title and not body:
        return None
    authors = [name for text in _texts(found, tag["creator"]) for name in split_names(text)]
    authors += [name for text in _texts(found, tag["author"]) for name in _rss_author(text)]
    guid_el = _one(found, tag["guid"])
    guid = _raw(guid_el).strip()
    about = (item.get(_ABOUT) or "").strip()
    url = _raw(_one(found, tag["link"])).strip()
    if (not url and guid.startswith(("http://", "https://")) and guid_el is not None
            and guid_el.get("isPermaLink", "true") != "false"):
        url = guid
    languages = _texts(found, tag["dc:language"])
    given = (_raw(_one(found, tag["pubDate"])), _raw(_one(found, tag["date"])))
    date = feed_date(given[0]) or feed_date(given[1])
    return Article(
        title=title,
        body=body,
        authors=unique(authors),
        date=date,
        notes=date_notes(date, *given),
        sources=unique(_texts(found, tag["source"])),
        tags=unique(_texts(found, tag["category"]) + _texts(found, tag["subject"])),
        url=url or about,
        publisher=meta["publisher"],
        language=(languages[0] if languages else "") or meta["language"],
        origin=origin,
        id=guid or about,
    )


# --- Atom ------------------------------------------------------------------


def _atom_text(element: Optional[etree._Element], *, inline: bool = False) -> str:
    """An Atom text construct or content: type text, html, xhtml, or a MIME type."""
    if element is None or element.get("src"):
        return ""  # content elsewhere (src=...): nothing to read here
    kind = (element.get("type") or "text").strip().lower()
    if kind == "xhtml":
        div = element.find(_q(XHTML, "div"))
        text = element_text(div if div is not None else element)
    elif kind in ("html", "text/html"):
        text = html_to_text(_raw(element))
    elif kind.endswith(("+xml", "/xml")):
        text = element_text(element)
    elif kind in ("text", "text/plain") or kind.startswith("text/"):
        text = plain_paragraphs(_raw(element))
    else:
        return ""  # base64 of some binary type: not text
    return " ".join(text.split()) if inline else text


def _atom_names(parent: Optional[etree._Element]) -> list[str]:
    if parent is None:
        return []
    return [inline_text(name) for author in parent.iterfind(_q(ATOM, "author"))
            for name in author.iterfind(_q(ATOM, "name"))]


def _atom_meta(entry: etree._Element, ns: str) -> dict:
    feed = entry.getparent()
    return {
        "publisher": _atom_text(feed.find(_q(ATOM, "title")), inline=True) if feed is not None else "",
        "authors": _atom_names(feed),
    }


def _atom_link(entry: etree._Element) -> str:
    best, best_rank = "", 99
    for link in entry.iterfind(_q(ATOM, "link")):
        href = (link.get("href") or "").strip()
        rel = (link.get("rel") or "alternate").strip()
        if not href or rel not in ("alternate", "http://www.iana.org/assignments/relation/alternate"):
            continue
        kind = (link.get("type") or "").lower()
        rank = 0 if kind in ("text/html", "application/xhtml+xml") else 1 if not kind else 2
        if rank < best_rank:
            try:
                best = urljoin(link.base or "", href)
            except ValueError:  # a broken xml:base ("http://[x"): the link as written
                best = href
            best_rank = rank
    return best


def _atom_entry(entry: etree._Element, ns: str, meta: dict, origin: str) -> Optional[Article]:
    title = _atom_text(entry.find(_q(ATOM, "title")), inline=True)
    body = _atom_text(entry.find(_q(ATOM, "content"))) or _atom_text(entry.find(_q(ATOM, "summary")))
    if not title and not body:
        return None
    tags = [(cat.get("label") or cat.get("term") or "").strip() for cat in entry.iterfind(_q(ATOM, "category"))]
    source = entry.find(_q(ATOM, "source"))
    given = (entry.findtext(_q(ATOM, "published")) or "", entry.findtext(_q(ATOM, "updated")) or "")
    date = feed_date(given[0]) or feed_date(given[1])
    return Article(
        title=title,
        body=body,
        authors=unique(_atom_names(entry) or meta["authors"]),
        date=date,
        notes=date_notes(date, *given),
        sources=unique([_atom_text(source.find(_q(ATOM, "title")), inline=True)] if source is not None else []),
        tags=unique(tags),
        url=_atom_link(entry),
        publisher=meta["publisher"],
        language=xml_lang(entry),
        origin=origin,
        id=(entry.findtext(_q(ATOM, "id")) or "").strip(),
    )


# --- reading and sniffing ----------------------------------------------------

def _kind(head: bytes) -> Optional[tuple[str, str]]:
    """("rss" | "rdf" | "atom", namespace of the items), or None."""
    root = sniff_root(head)
    if root is None:
        return None
    if root.name == "rss":
        return "rss", root.namespace
    if root.name == "RDF" and root.namespace == RDF and RSS1 in root.declared.values():
        return "rdf", RSS1
    if root.name == "feed" and root.namespace == ATOM:
        return "atom", ATOM
    return None


def sniff_rss(head: bytes) -> bool:
    kind = _kind(head)
    return kind is not None and kind[0] in ("rss", "rdf")


def sniff_atom(head: bytes) -> bool:
    kind = _kind(head)
    return kind is not None and kind[0] == "atom"


def read(source: Source) -> Iterator[Record]:
    kind = _kind(source.head())
    if kind is None:
        raise ValueError("not an RSS or Atom feed")
    name, ns = kind
    meta_of: Callable[[etree._Element, str], dict]
    convert: Callable[[etree._Element, str, dict, str], Optional[Article]]
    if name == "atom":
        tag, meta_of, convert, noun = _q(ATOM, "entry"), _atom_meta, _atom_entry, "entry"
    else:
        tag, meta_of, convert, noun = _q(ns, "item"), _rss_meta, _rss_item, "item"
    meta: Optional[dict] = None
    for number, element in enumerate(iter_records(source.open, [tag]), 1):
        if meta is None:
            meta = meta_of(element, ns)
            meta.setdefault("authors", [])
            meta.setdefault("language", "")
        origin = f"{source}#{number}"
        try:
            article = convert(element, ns, meta, origin)
        except ValueError as exc:  # one odd value (a bad URL) loses its item, not the feed
            yield Skipped(origin, f"unreadable {noun}: {exc}")
            continue
        except Exception as exc:  # noqa: BLE001 - so does any other failure in one item
            yield Skipped(origin, f"{noun} {number}: {record_failure(exc)}")
            continue
        yield article if article is not None else Skipped(origin, f"{noun} has neither title nor body")


_EXTENSIONS = [".rss", ".xml", ".atom", ".feed"]
register("rss", _EXTENSIONS, read, sniff=sniff_rss)
register("atom", _EXTENSIONS, read, sniff=sniff_atom)
