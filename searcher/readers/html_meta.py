"""Article metadata from a parsed news page: JSON-LD, OpenGraph, <meta> tags,
<time>, <link rel=canonical>, <html lang> and byline elements.

:func:`page_meta` reads everything a page declares about itself into a
:class:`PageMeta`; each field takes the first source that gives a usable
value, in the order the ``_*`` tuples and functions below list (structured
data first, then meta tags, then visible markup). Nothing here fetches or
guesses from the URL: a date the page does not state stays None.
"""
from __future__ import annotations

import html
import json
import logging
import re
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Iterator
from urllib.parse import urljoin, urlsplit

from ..dates import parse_date
from .names import outlet_names, split_names, unique

# schema.org types whose node describes the article itself.
ARTICLE_TYPES = {
    "newsarticle", "article", "reportagenewsarticle", "blogposting", "analysisnewsarticle",
    "backgroundnewsarticle", "opinionnewsarticle", "reviewnewsarticle", "liveblogposting",
    "socialmediaposting", "report", "techarticle", "scholarlyarticle",
}
_ORG_TYPES = {"organization", "newsmediaorganization", "corporation", "website", "brand"}

# <meta name|property> keys (lower case; microdata as itemprop:KEY), best first.
_TITLE_META = ("twitter:title", "parsely-title", "sailthru.title", "dc.title")
_DATE_META = (
    "article:published_time", "og:article:published_time", "published_time", "article.published",
    "article:published", "datepublished", "pubdate", "publishdate", "publish-date", "publish_date",
    "article_date_original", "date", "dc.date.issued", "dc.date", "dcterms.issued",
    "dcterms.created", "dc.date.created", "sailthru.date", "parsely-pub-date",
    "originalpublicationdate", "og:pubdate", "citation_publication_date", "citation_date",
)
_AUTHOR_META = (
    "article:author", "author", "article_author", "byl", "dc.creator", "dcterms.creator",
    "sailthru.author", "parsely-author", "citation_author", "og:article:author", "itemprop:author",
)
_TAG_META = (
    "article:section", "article:tag", "news_keywords", "parsely-section", "parsely-tags",
    "sailthru.tags",
)
# Often stuffed with every word of the headline: used only when nothing above is.
_KEYWORD_META = ("keywords", "dc.subject", "itemprop:keywords")
_PUBLISHER_META = ("dc.publisher", "publisher")
_URL_META = ("og:url", "twitter:url")
_LANGUAGE_META = ("content-language", "dc.language", "language", "og:locale", "itemprop:inlanguage")
# parse.ly's JSON in <meta name="parsely-page">: its keys -> our meta keys.
_PARSELY = {"pub_date": "parsely-pub-date", "author": "parsely-author", "authors": "parsely-author",
            "title": "parsely-title", "link": "parsely-link", "section": "parsely-section",
            "tags": "parsely-tags"}
# Zone names dateutil cannot place (it knows UTC, GMT, Z).
_ZONES = dict(zone.split("=") for zone in (
    "EST=-05:00 EDT=-04:00 CST=-06:00 CDT=-05:00 MST=-07:00 MDT=-06:00 PST=-08:00 PDT=-07:00 "
    "BST=+01:00 CET=+01:00 CEST=+02:00 IST=+05:30 JST=+09:00 AEST=+10:00 AEDT=+11:00").split())
_ZONE_NAME = re.compile(r"\b(" + "|".join(_ZONES) + r")\b")

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
# "Title | Site", "Title - Site", "Title — Site", "Title :: Site".
# (?<!\s): a match starts only where its run of spaces starts; else every
# position of a long run rescans it (quadratic). Same matches otherwise.
_TITLE_SEPARATOR = re.compile(r"(?<!\s)\s+(?:[|\u2013\u2014\u00b7\u2022:]{1,2}|-{1,2})\s+")
_ROLE = re.compile(
    r"\b(?:staff|reporter|correspondent|editor|editors|writer|columnist|contributor|"
    r"producer|photographer|desk|team|newsroom|bureau|agency|press|wire service|news service|"
    r"contributing|senior|associate|special to|for the|media|group|network|inc|ltd|llc|"
    r"corporation|company|publishing|magazine|newspaper|online)\b", re.IGNORECASE)
_URLISH = re.compile(r"(?:https?:|www\.|\.(?:com|org|net|co\.uk)\b|@|/)", re.IGNORECASE)
_NOT_NAMES = {"admin", "administrator", "staff", "editor", "author", "guest", "print", "email"}
_MAX_TAGS = 30


@dataclass
class PageMeta:
    title: str = ""
    authors: list[str] = field(default_factory=list)
    date: datetime | None = None
    tags: list[str] = field(default_factory=list)
    url: str = ""
    publisher: str = ""
    language: str = ""
    body: str = ""  # JSON-LD articleBody, when the page carries one


def clean(text: Any) -> str:
    """One line of text: entities decoded, whitespace collapsed."""
    if text is None:
        return ""
    return _SPACE.sub(" ", html.unescape(str(text))).strip()


# --- JSON-LD --------------------------------------------------------------

def _json_blocks(tree) -> Iterator[Any]:
    for script in tree.iter("script"):
        kind = (script.get("type") or "").strip().lower()
        if kind != "application/ld+json" or not script.text:
            continue
        text = re.sub(r"^\s*(?://\s*)?(?:<!\[CDATA\[|<!--)|(?://\s*)?(?:\]\]>|-->)\s*$", "", script.text)
        try:
            yield json.loads(text, strict=False)
        except ValueError:
            # A trailing comma is the commonest hand-written JSON-LD error.
            try:
                yield json.loads(re.sub(r",\s*([}\]])", r"\1", text), strict=False)
            except ValueError:
                continue


def _nodes(data: Any, depth: int = 0) -> Iterator[dict]:
    """Every object in a JSON-LD block, outer ones first."""
    if depth > 8:
        return
    if isinstance(data, list):
        for item in data:
            yield from _nodes(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for value in data.values():
            if isinstance(value, (dict, list)):
                yield from _nodes(value, depth + 1)


def _types(node: dict) -> set[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rsplit("/", 1)[-1].lower() for k in kinds if k}


class _JsonLd:
    """The article node of a page's JSON-LD, with ``@id`` references resolved."""

    def __init__(self, tree) -> None:
        self.ids: dict[str, dict] = {}
        self.article: dict = {}
        candidates = []
        for block in _json_blocks(tree):
            for node in _nodes(block):
                if isinstance(node.get("@id"), str) and len(node) > 1:
                    self.ids.setdefault(node["@id"], node)
                if _types(node) & ARTICLE_TYPES:
                    candidates.append(node)
        # The first article node that names a headline is the page's own;
        # later ones are usually related stories.
        named = [node for node in candidates if node.get("headline") or node.get("name")]
        if named or candidates:
            self.article = (named or candidates)[0]

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in self.ids:
            return self.ids[value["@id"]]
        return value

    def get(self, key: str) -> Any:
        return self.resolve(self.article.get(key))

    def names(self, value: Any, persons_only: bool = False) -> list[str]:
        value = self.resolve(value)
        if isinstance(value, list):
            return [name for item in value for name in self.names(item, persons_only)]
        if isinstance(value, dict):
            if persons_only and _types(value) & _ORG_TYPES:
                return []
            value = value.get("name") or ""
            value = (value or [""])[0] if isinstance(value, list) else value
        text = clean(value) if isinstance(value, (str, int, float)) else ""
        return [text] if text else []

    def text(self, key: str) -> str:
        value = self.get(key)
        value = (value or [""])[0] if isinstance(value, list) else value
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url") or value.get("name") or ""
        return clean(value) if isinstance(value, (str, int, float)) else ""


# --- <meta> ---------------------------------------------------------------

def _meta_index(tree) -> dict[str, list[str]]:
    """Lower-case name/property/http-equiv -> contents, in page order.

    Microdata (``itemprop``) is kept apart as ``itemprop:KEY``: it may belong
    to a related story's item rather than to the page.
    """
    index: dict[str, list[str]] = {}
    for meta in tree.iter("meta"):
        content = meta.get("content")
        if content is None or not content.strip():
            continue
        keys = {(meta.get(attr) or "").strip().lower() for attr in ("name", "property", "http-equiv")}
        if meta.get("itemprop"):
            keys.add("itemprop:" + meta.get("itemprop").strip().lower())
        for key in keys - {""}:
            index.setdefault(key, []).append(content if key == "parsely-page" else clean(content))
    for raw in index.pop("parsely-page", [])[:1]:
        try:
            page = json.loads(raw)
        except ValueError:
            continue
        for name, key in _PARSELY.items():
            value = page.get(name) if isinstance(page, dict) else None
            values = value if isinstance(value, list) else [value]
            if key not in index:
                index[key] = [clean(v) for v in values if isinstance(v, str) and v.strip()]
    return index


def _first_meta(meta: dict[str, list[str]], keys: tuple[str, ...]) -> str:
    return next((value for key in keys for value in meta.get(key, ()) if value), "")


# --- fields ---------------------------------------------------------------

def _element_text(element) -> str:
    return clean(element.text_content())


def _classes(element) -> str:
    return " ".join(element.get(attr) or "" for attr in ("class", "id", "data-testid")).lower()


def strip_site_name(title: str, site_names: Iterable[str] = ()) -> str:
    """'Story | Site' -> 'Story'. A trailing or leading part is dropped when it
    names the site; after a bar ('|', '::', '·') also when it is a few words
    after a longer headline ('Story | Watch News Videos Online')."""
    names = {re.sub(r"\W+", "", n).casefold() for n in site_names if n}

    def is_site(part: str) -> bool:
        key = re.sub(r"\W+", "", part).casefold()
        return bool(key) and any(key == n or (len(n) > 3 and (n in key or key in n)) for n in names)

    title = clean(title)
    bar_used = False
    for _ in range(8):  # a title names its site a few times at most; bounded, not quadratic
        separators = list(_TITLE_SEPARATOR.finditer(title))
        if not separators:
            return title
        last, first = separators[-1], separators[0]
        head, tail = title[: last.start()], title[last.end():]
        head_words, tail_words = len(_WORD.findall(head)), len(_WORD.findall(tail))
        barred = last.group(0).strip() in {"|", "||", "::", "\u00b7", "\u2022"}
        if is_site(tail):
            title = head.strip()
        elif barred and not bar_used and tail_words <= 4 and head_words > tail_words:
            title, bar_used = head.strip(), True
        elif is_site(title[: first.start()]):
            title = title[first.end():].strip()
        else:
            return title
    return title


def _h1(tree, page_title: str) -> str:
    """The h1 that is the headline: the one sharing most words with <title>."""
    texts = [text for text in map(_element_text, tree.iter("h1")) if text]
    if not texts:
        return ""
    title_words = set(_WORD.findall(page_title.lower()))
    if title_words:
        def overlap(text: str) -> float:
            words = set(_WORD.findall(text.lower()))
            return len(words & title_words) / max(len(words), 1)
        best = max(texts, key=overlap)
        if overlap(best) >= 0.5:
            return best
    longer = [t for t in texts if len(_WORD.findall(t)) >= 3]
    return (longer or texts)[0]


def _title(tree, meta, ld: _JsonLd, sites: list[str]) -> str:
    title_el = tree.find(".//title")
    page_title = _element_text(title_el) if title_el is not None else ""
    for candidate in (_first_meta(meta, ("og:title",)), ld.text("headline"), _first_meta(meta, _TITLE_META),
                      _h1(tree, page_title), page_title, ld.text("name")):
        candidate = strip_site_name(candidate, sites)
        if _WORD.search(candidate):
            return candidate
    return ""


def _person(name: str, sites: set[str]) -> str:
    """``name`` (one of split_names') when it reads as a person's name, else ''."""
    words, folded = name.split(), name.casefold()
    # A job title or organisation word is allowed only inside a name ("Ann Press Lee").
    role = _ROLE.search(name) and not (2 <= len(words) <= 4 and not _ROLE.search(f"{words[0]} {words[-1]}"))
    if (not words or len(words) > 5 or role or _URLISH.search(name) or any(c.isdigit() for c in name)
            or not any(c.isalpha() for c in name) or folded in sites or folded in _NOT_NAMES
            or folded in outlet_names()):
        return ""
    return name


def clean_authors(values: Iterable[str], site_names: Iterable[str] = ()) -> list[str]:
    """Person names from bylines: 'By A and B, CNN' -> ['A', 'B']; URLs, e-mail
    addresses, site and outlet names and job titles are dropped."""
    sites = {s.casefold() for s in site_names if s}
    out = []
    for value in values:
        value = clean(value)
        if value.lower().startswith(("http:", "https:", "www.")):
            continue
        out += [name for name in (_person(part, sites) for part in split_names(value)) if name]
    return unique(out)


def _byline_texts(tree) -> Iterator[str]:
    """Visible bylines: rel=author links, itemprop=author, class/id 'byline'/'author'."""
    for link in tree.xpath('//a[@rel="author"]'):
        yield _element_text(link)
    for element in tree.xpath('//*[@itemprop="author"]'):
        names = element.xpath('.//*[@itemprop="name"]')
        for source in names or [element]:
            yield source.get("content") or _element_text(source)
    for element in tree.xpath(
            '//*[contains(translate(@class, "BYLINE", "byline"), "byline") '
            'or contains(translate(@id, "BYLINE", "byline"), "byline") '
            'or contains(concat(" ", normalize-space(translate(@class, "AUTHOR", "author")), " "), " author ")]'):
        if element.tag not in {"script", "style", "meta", "img", "link"}:
            text = _element_text(element)
            if 0 < len(text) < 120:
                yield text


def _authors(tree, meta, ld: _JsonLd, sites: list[str]) -> list[str]:
    sources: list[list[str]] = [ld.names(ld.article.get("author"), persons_only=True),
                                ld.names(ld.article.get("creator"), persons_only=True)]
    sources += [meta.get(key, []) for key in _AUTHOR_META]
    for values in sources:
        names = clean_authors(values, sites)
        if names:
            return names
    for text in _byline_texts(tree):
        names = clean_authors([text], sites)
        if names:
            return names
    return []


def _parse_date(text: str) -> datetime | None:
    text = _ZONE_NAME.sub(lambda m: _ZONES[m.group(1)], text.strip())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dateutil warns about zone names it drops
        date = parse_date(text)
    latest = datetime.now(timezone.utc) + timedelta(days=2)
    return date if date is not None and 1990 <= date.year and date <= latest else None


def _stated_dates(tree, meta, ld: _JsonLd) -> Iterator[str]:
    """Published-date strings the page states, most trustworthy first."""
    yield ld.text("datePublished")
    yield ld.text("dateCreated")
    for key in _DATE_META:
        yield from meta.get(key, ())
    times = tree.xpath("//time[@datetime]")
    for t in times:
        if (t.get("pubdate") is not None or "publish" in _classes(t)
                or (t.get("itemprop") or "").lower() == "datepublished"):
            yield t.get("datetime")
    for element in tree.xpath('//*[@itemprop="datePublished"]'):
        yield element.get("content") or element.get("datetime") or _element_text(element)
    for t in tree.xpath("//article//time[@datetime]|//header//time[@datetime]"):
        if "modif" not in _classes(t) and "update" not in _classes(t):
            yield t.get("datetime")


def _markup_date(tree) -> datetime | None:
    """htmldate's reading of the page's markup: no URL, no free-text search."""
    from htmldate import find_date

    logging.getLogger("htmldate").setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = find_date(tree, url="", extensive_search=False, original_date=True)
    except Exception:  # noqa: BLE001 - a third-party heuristic must not fail the page
        return None
    if not found:
        return None
    # htmldate gives the day; a <time> stating that day also gives the hour.
    for element in tree.xpath("//time[@datetime]"):
        if element.get("datetime").strip().startswith(found):
            date = _parse_date(element.get("datetime"))
            if date is not None:
                return date
    return _parse_date(found)


def _date(tree, meta, ld: _JsonLd) -> datetime | None:
    for candidate in _stated_dates(tree, meta, ld):
        date = _parse_date(candidate) if candidate else None
        if date is not None:
            return date
    return _markup_date(tree)


def _absolute(url: str, base: str) -> str:
    url = url.strip()
    if url.startswith("//"):
        url = "https:" + url
    if not urlsplit(url).scheme:
        if not (base and url.startswith("/")):
            return ""  # 'story.html', '8003098': too often wrong to resolve
        url = urljoin(base, url)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path in ("", "/"):
        return ""  # relative with no base, or a site's home page, is not the article's address
    return url


def _url(tree, meta, ld: _JsonLd) -> str:
    declared = [_first_meta(meta, _URL_META[:2]), ld.text("url"), ld.text("mainEntityOfPage")]
    base = next((u for u in declared if urlsplit(u).scheme in ("http", "https")), "")
    canonical = [link.get("href") or "" for link in tree.xpath('//link[@href]')
                 if "canonical" in (link.get("rel") or "").lower().split()]
    for candidate in canonical + declared + meta.get("parsely-link", []):
        url = _absolute(candidate, base) if candidate else ""
        if url:
            return url
    return ""


def _publisher(meta, ld: _JsonLd) -> str:
    og = _first_meta(meta, ("og:site_name",))
    names = ld.names(ld.article.get("publisher")) or ld.names(ld.article.get("sourceOrganization"))
    return og.lstrip("@") or (names[0] if names else _first_meta(meta, _PUBLISHER_META))


def _language(tree, meta, ld: _JsonLd) -> str:
    """Primary language subtag, lower case ('en-US' -> 'en'), so lang:en finds it."""
    value = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    inlang = ld.get("inLanguage")
    if isinstance(inlang, dict):
        inlang = inlang.get("alternateName") or inlang.get("name")
    for candidate in (value, inlang if isinstance(inlang, str) else "", _first_meta(meta, _LANGUAGE_META)):
        match = re.match(r"\s*([A-Za-z]{2,3})(?:[-_]|\s*$|\s*,)", candidate or "")
        if match:
            return match.group(1).lower()
    return ""


def _split_list(value: str) -> list[str]:
    """'a, b (c, d); e' -> ['a', 'b (c, d)', 'e']: commas inside brackets stay.

    A separator is inside brackets when the next bracket after it closes
    one; found in one pass from the end (a lookahead from each of 80,000
    commas took 26 s)."""
    cuts, next_bracket = [], ""
    for at in range(len(value) - 1, -1, -1):
        char = value[at]
        if char in "()":
            next_bracket = char
        elif char in ",;|" and next_bracket != ")":
            cuts.append(at)
    parts, start = [], 0
    for at in reversed(cuts):
        parts.append(value[start:at])
        start = at + 1
    parts.append(value[start:])
    return [part.strip() for part in parts if part.strip()]


def _tag_values(values: Iterable[Any]) -> list[str]:
    out = []
    for value in values:
        if not isinstance(value, str):
            continue
        for part in _split_list(clean(value).strip("[]")):
            part = part.strip("#'\"")
            # Machine tags ('uk_news', '@cooking', 'LANGUAGES/English') are not topics.
            if (0 < len(part) <= 50 and len(part.split()) <= 5 and not _URLISH.search(part)
                    and not re.search(r"[_:@=/]", part)):
                out.append(part)
    return out


def _tags(meta, ld: _JsonLd) -> list[str]:
    values: list[Any] = []
    for key in ("articleSection", "keywords"):
        value = ld.get(key)
        values += value if isinstance(value, list) else [value]
    for key in _TAG_META:
        values += meta.get(key, [])
    tags = _tag_values(values)
    if not tags:
        tags = _tag_values(v for key in _KEYWORD_META for v in meta.get(key, []))
    return unique(tags)[:_MAX_TAGS]


def page_meta(tree) -> PageMeta:
    """Everything a parsed page (an lxml.html root) says about its article."""
    meta = _meta_index(tree)
    ld = _JsonLd(tree)
    publisher = _publisher(meta, ld)
    sites = [publisher, *ld.names(ld.article.get("publisher")), *meta.get("og:site_name", [])]
    body = ld.get("articleBody")
    return PageMeta(
        title=_title(tree, meta, ld, sites),
        authors=_authors(tree, meta, ld, sites),
        date=_date(tree, meta, ld),
        tags=_tags(meta, ld),
        url=_url(tree, meta, ld),
        publisher=publisher,
        language=_language(tree, meta, ld),
        body=body.strip() if isinstance(body, str) else "",
    )
