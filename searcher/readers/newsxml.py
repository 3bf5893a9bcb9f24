"""News agency XML: NITF 3.x and IPTC NewsML-G2.

NITF (one article a file, origin = the path; with or without the NITF
namespace, and with a ``<!DOCTYPE nitf SYSTEM ...>`` that is never fetched):

======== ==================================================================
title    body.head/hedline/hl1, else head/title
body     body.content (paragraphs, blocks, subheads, captions), else abstract
authors  byline/person, else the byline text without "By" and byttl
date     docdata/date.issue@norm, pubdata@date.publication,
         docdata/date.release@norm, dateline/story.date@norm
tags     key-list/keyword@key, tobject.subject (most specific name given),
         identified-content/classifier (@value or text)
id       docdata/doc-id@id-string
url      pubdata@ex-ref when it is a web address
other    publisher = pubdata@name; sources = distributor; language = xml:lang
======== ==================================================================

NewsML-G2 (``newsItem`` or ``packageItem``, origin = the path; or a
``newsMessage`` holding several, origin = ``path#n``), namespace
``http://iptc.org/std/nar/2006-10-01/``:

======== ==================================================================
title    contentMeta/headline (a main one first), else the XHTML or NITF title
body     contentSet: inlineXML (XHTML body or NITF body.content) or inlineData
         (text/plain, text/html), first that has text; else contentMeta/description
authors  contentMeta/creator (name, else @literal)
date     itemMeta/firstCreated, else contentMeta/contentCreated, else
         itemMeta/versionCreated (the item's first appearance is its date)
tags     subject/name (in the item's language where several), else the bare
         code (``medtop:20000763``); keyword
id       @guid
other    publisher = itemMeta/provider; sources = infoSource;
         language = xml:lang, else contentMeta/language@tag; url stays empty
======== ==================================================================

Dateline and located are not fields of Article and are not kept.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Iterator, Optional

from lxml import etree

from ..article import Article, Skipped
from ..dates import parse_date, utc_or_none
from . import Record, record_failure, register
from .names import split_names, unique
from .source import Source
from .xmlsafe import (
    element_text,
    find_local,
    html_to_text,
    inline_text,
    iter_records,
    local,
    parse,
    plain_paragraphs,
    raw_text,
    sniff_root,
    xml_lang,
)

NAR = "http://iptc.org/std/nar/2006-10-01/"
# NITF is one article, parsed whole: a file this large is not one article.
NITF_MAX_BYTES = 64 * 1024 * 1024

_NORM = re.compile(
    r"^\s*(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2})(?::?(\d{2}))?(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)


def _child(element: Optional[etree._Element], *path: str) -> Optional[etree._Element]:
    """Follow child local names, any namespace; None when a step is missing."""
    for name in path:
        if element is None:
            return None
        element = next(find_local(element, name), None)
    return element


def _children(element: Optional[etree._Element], name: str) -> list[etree._Element]:
    return [] if element is None else list(find_local(element, name))


def _descendants(element: Optional[etree._Element], name: str) -> list[etree._Element]:
    if element is None:
        return []
    return [el for el in element.iter() if local(el.tag) == name]


def _attr(element: Optional[etree._Element], name: str) -> str:
    return "" if element is None else " ".join((element.get(name) or "").split())


def _inline(element: Optional[etree._Element]) -> str:
    return "" if element is None else inline_text(element)


def norm_date(text: str) -> Optional[datetime]:
    """ISO 8601 basic or extended (NITF ``norm``: 20210304T091500-0500), else parse_date."""
    match = _NORM.match(text or "")
    if not match:
        return parse_date(text)
    year, month, day, hour, minute, second, zone = match.groups()
    offset = timedelta(0)
    if zone and zone != "Z":
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        offset = -offset if zone[0] == "-" else offset
    try:
        value = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                         tzinfo=timezone(offset))
    except ValueError:
        return None
    return utc_or_none(value)  # year 1 at +05:00 has no UTC time: no date


# --- NITF --------------------------------------------------------------------


def _byline_authors(byline: etree._Element) -> list[str]:
    people = [inline_text(p) for p in _descendants(byline, "person")]
    if people:
        return people
    # No <person>: the byline's own words, without the title (<byttl>).
    parts = [byline.text or ""]
    for child in byline:
        if local(child.tag) != "byttl":
            parts.append(inline_text(child))
        parts.append(child.tail or "")
    return split_names(" ".join(" ".join(parts).split()))  # XML line breaks are layout, not separators


def nitf_body(nitf: etree._Element) -> str:
    """The article text of a <nitf> element (also used inside NewsML-G2)."""
    body = _child(nitf, "body")
    for part in (_child(body, "body.content"), _child(body, "body.head", "abstract")):
        text = element_text(part) if part is not None else ""
        if text:
            return text
    return ""


def nitf_title(nitf: etree._Element) -> str:
    return _inline(_child(nitf, "body", "body.head", "hedline", "hl1")) or _inline(_child(nitf, "head", "title"))


def _subject_name(subject: etree._Element) -> str:
    for attr in ("tobject.subject.detail", "tobject.subject.matter", "tobject.subject.type",
                 "tobject.subject.refnum"):
        if _attr(subject, attr):
            return _attr(subject, attr)
    return ""


def nitf_article(nitf: etree._Element, origin: str) -> Optional[Article]:
    head, body_head = _child(nitf, "head"), _child(nitf, "body", "body.head")
    docdata, pubdata = _child(head, "docdata"), _child(head, "pubdata")
    title, body = nitf_title(nitf), nitf_body(nitf)
    if not title and not body:
        return None
    authors = [name for byline in _children(body_head, "byline") for name in _byline_authors(byline)]
    date = None
    for element, attr in ((_child(docdata, "date.issue"), "norm"), (pubdata, "date.publication"),
                          (_child(docdata, "date.release"), "norm"),
                          (_child(body_head, "dateline", "story.date"), "norm")):
        date = norm_date(_attr(element, attr)) if _attr(element, attr) else None
        if date:
            break
    tags = [_attr(k, "key") or _inline(k) for k in _descendants(_child(docdata, "key-list"), "keyword")]
    tags += [_subject_name(s) for s in _descendants(_child(head, "tobject"), "tobject.subject")]
    tags += [_attr(c, "value") or _inline(c) for c in _descendants(head, "classifier")]
    url = _attr(pubdata, "ex-ref")
    return Article(
        title=title,
        body=body,
        authors=unique(authors),
        date=date,
        sources=unique([_inline(d) for d in _children(body_head, "distributor")]),
        tags=unique(tags),
        url=url if url.startswith(("http://", "https://")) else "",
        publisher=_attr(pubdata, "name"),
        language=xml_lang(nitf) or xml_lang(_child(nitf, "body")),
        origin=origin,
        id=_attr(_child(docdata, "doc-id"), "id-string"),
    )


def read_nitf(source: Source) -> Iterator[Record]:
    root = parse(source.read_bytes(NITF_MAX_BYTES))
    if local(root.tag) != "nitf":
        raise ValueError(f"not NITF: the root element is <{local(root.tag)}>")
    article = nitf_article(root, str(source))
    yield article if article is not None else Skipped(str(source), "document has neither title nor body")


# --- NewsML-G2 ---------------------------------------------------------------


def _g2(element: Optional[etree._Element], *path: str) -> Optional[etree._Element]:
    for name in path:
        if element is None:
            return None
        element = element.find(f"{{{NAR}}}{name}")
    return element


def _g2_all(element: Optional[etree._Element], name: str) -> list[etree._Element]:
    return [] if element is None else element.findall(f"{{{NAR}}}{name}")


def _g2_name(element: etree._Element, language: str) -> str:
    """A party's or concept's readable name: in the item's language where there are several."""
    names = _g2_all(element, "name")
    wanted = language.split("-")[0].lower()
    for name in names:
        lang = (name.get("{http://www.w3.org/XML/1998/namespace}lang") or "").split("-")[0].lower()
        if wanted and lang == wanted:
            return inline_text(name)
    for name in names:
        if inline_text(name):
            return inline_text(name)
    return ""


def _g2_body(content_set: Optional[etree._Element]) -> tuple[str, str]:
    """(body, title found inside the content) from the first rendition with text."""
    for rendition in content_set if content_set is not None else ():
        kind = local(rendition.tag)
        text, title = "", ""
        if kind == "inlineXML":
            inner = next((el for el in rendition if isinstance(el.tag, str)), None)
            if inner is None:
                continue
            if local(inner.tag) == "nitf":
                text, title = nitf_body(inner), nitf_title(inner)
            elif local(inner.tag) == "html":
                page = _child(inner, "body")
                text = element_text(page if page is not None else inner)
                title = _inline(_child(inner, "head", "title"))
            else:
                text = element_text(inner)
        elif kind == "inlineData" and not _attr(rendition, "encoding"):
            raw = raw_text(rendition)
            html = "html" in _attr(rendition, "contenttype").lower()
            text = html_to_text(raw) if html else plain_paragraphs(raw)
        if text:
            return text, title
    return "", ""


def _headline(content_meta: Optional[etree._Element]) -> str:
    headlines = _g2_all(content_meta, "headline")
    main = [h for h in headlines if _attr(h, "role") in ("", "hld:main")]
    return next((inline_text(h) for h in main + headlines if inline_text(h)), "")


def g2_article(item: etree._Element, origin: str) -> Optional[Article]:
    item_meta, content_meta = _g2(item, "itemMeta"), _g2(item, "contentMeta")
    language = xml_lang(item) or _attr(_g2(content_meta, "language"), "tag")
    body, inner_title = _g2_body(_g2(item, "contentSet"))
    title = _headline(content_meta) or inner_title
    if not body:
        body = "\n\n".join(filter(None, (element_text(d) for d in _g2_all(content_meta, "description"))))
    if not title and not body:
        return None
    authors = [_g2_name(c, language) or _attr(c, "literal") for c in _g2_all(content_meta, "creator")]
    date = None
    for element in (_g2(item_meta, "firstCreated"), _g2(content_meta, "contentCreated"),
                    _g2(item_meta, "versionCreated")):
        date = norm_date(_inline(element)) if _inline(element) else None
        if date:
            break
    tags = [_g2_name(s, language) or _attr(s, "qcode") or _attr(s, "literal")
            for s in _g2_all(content_meta, "subject")]
    tags += [_inline(k) for k in _g2_all(content_meta, "keyword")]
    provider = _g2(item_meta, "provider")
    publisher = (_g2_name(provider, language) or _attr(provider, "literal")) if provider is not None else ""
    return Article(
        title=title,
        body=body,
        authors=unique(authors),
        date=date,
        sources=unique([_g2_name(s, language) or _attr(s, "literal") for s in _g2_all(content_meta, "infoSource")]),
        tags=unique(tags),
        url="",
        publisher=publisher,
        language=language,
        origin=origin,
        id=_attr(item, "guid"),
    )


_G2_ITEMS = ("newsItem", "packageItem")


def read_newsml(source: Source) -> Iterator[Record]:
    root = sniff_root(source.head())
    single = root is None or root.name != "newsMessage"
    tags = [f"{{{NAR}}}{name}" for name in _G2_ITEMS]
    for number, item in enumerate(iter_records(source.open, tags), 1):
        origin = str(source) if single else f"{source}#{number}"
        try:
            article = g2_article(item, origin)
        except ValueError as exc:  # one odd value loses its item, not the message
            yield Skipped(origin, f"unreadable item: {exc}")
            continue
        except Exception as exc:  # noqa: BLE001 - so does any other failure in one item
            yield Skipped(origin, f"item {number}: {record_failure(exc)}")
            continue
        yield article if article is not None else Skipped(origin, "item has neither title nor body")


def sniff_nitf(head: bytes) -> bool:
    root = sniff_root(head)
    return root is not None and root.name == "nitf"


def sniff_newsml(head: bytes) -> bool:
    root = sniff_root(head)
    return root is not None and root.namespace == NAR and root.name in _G2_ITEMS + ("newsMessage",)


register("nitf", [".xml", ".nitf"], read_nitf, sniff=sniff_nitf)
register("newsml", [".xml", ".nml", ".newsml"], read_newsml, sniff=sniff_newsml)
