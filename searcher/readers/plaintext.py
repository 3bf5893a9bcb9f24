"""Reader for plain-text articles in the "seed layout" (``.txt``).

The layout, as scraped news pages flatten to text::

    Title line

    Body paragraphs, separated by blank lines (may hold boilerplate such as
    "Related news", and short lead-ins such as "Xi said…", which are body).

    SOURCE: BBC China Daily Thai PBS      <- outlets run together (optional)
    Politics NewsWorld News               <- category links run together
    Bob Scott                             <- author ("By Bob Scott" too)
    Bob Scott is an experienced writer…   <- bio (optional)
    Related Articles                      <- optional, and anything after it

Everything after the SOURCE line is the trailer. Without one, the trailer is
recognised from the end: a bio naming the short line before it, that name
line, and a short title-cased tags line before that.

A text without an article's shape (a word list, a table, a README: see
``textshape``) is passed over as "not an article (...)".
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from ..article import Article
from ..dates import parse_date
from . import Record, Skipped, register
from .names import byline, split_names, unique
from .outlets import split_sources
from .source import Source, TooLarge, size_text
from .text import decode
from .textshape import NOT_AN_ARTICLE, not_an_article

Block = list[str]  # one paragraph: its non-blank lines

# Whole lines (case-insensitive, optional final colon) that are page furniture
# rather than text: link-list headings and ad slots.
BOILERPLATE = frozenset({
    "related news", "related articles", "related stories", "related",
    "advertisement", "read more", "read also", "also read", "continue reading",
})
_SOURCE_LINE = re.compile(r"^sources?\s*:\s*(.*)$", re.IGNORECASE)
_DATE_LINE = re.compile(
    r"^(published|posted|updated|last updated|date)(?:\s+on)?\s*[:\-\u2013\u2014]\s*(.+)$",
    re.IGNORECASE,
)
# A dateline ends at a dash ("BANGKOK, 16 September 2022 — ...") or colon.
# (?<!\s): matches start only where their run of spaces starts (linear).
_DATELINE_END = re.compile(r"(?<!\s)\s*[\u2013\u2014]\s*|(?<!\s)\s+--?\s+|:\s+")
_DATELINE_MAX = 60
_LEADING_CAPITALS = re.compile(r"^(?:[A-Z][A-Z.'\-]+\s+)+")
_FILENAME_DATE = re.compile(r"(?<!\d)(\d{4})([-_.]?)(\d{2})\2(\d{2})(?!\d)")
_MONTH_NAME = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b", re.IGNORECASE)
_DAY_NUMBER = re.compile(r"(?<!\d)\d{1,2}(?:st|nd|rd|th)?(?![\d:])")
_NUMERIC_DATE = re.compile(r"\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b")
_FINAL_PUNCTUATION = tuple(".!?:;,\u2026\"'\u201d\u2019)")
# Lowercase words allowed inside a title-cased tag or a name.
_CONNECTORS = frozenset({"and", "&", "of", "the", "in", "on", "for", "to", "a",
                         "van", "von", "de", "der", "den", "da", "di", "du",
                         "la", "le", "bin", "binti", "al", "el", "y"})
_SHORT_LINE = 80  # longer lines are sentences, never a tag or name line
_NAME_LINE_WORDS = 10  # room for "Jane Doe and John Roe"
_RELATED_TAIL_LINE = 200  # lines under a final "Related Articles" are headlines


# A plain-text file is one article, read whole: past this size it is no
# article (a long book is 3 MB) and reading it would take gigabytes (the
# text, its lines, then every word's postings at once).
MAX_ARTICLE_BYTES = 16 << 20


def read(path: Source) -> Iterator[Record]:
    try:
        source = Source.from_path(path) if isinstance(path, Path) else path
        text = decode(source.read_bytes(MAX_ARTICLE_BYTES))
    except TooLarge:
        raise ValueError(f"larger than {size_text(MAX_ARTICLE_BYTES)}, too long for one plain-text article "
                         "(a .txt file is one article); not read") from None
    article = parse(text, path)
    if article is None:
        yield Skipped(str(path), "empty file")
    elif why := not_an_article(text, article.title, article.body):
        yield Skipped(str(path), f"{NOT_AN_ARTICLE} ({why})")
    else:
        yield article


def parse(text: str, path: Source | Path) -> Article | None:
    """The Article in one file's text, or None when it has no title."""
    lines = [line.strip() for line in text.lstrip("\ufeff").splitlines()]
    lines, date = _take_date_lines(lines)
    title_at = next((i for i, line in enumerate(lines) if line and not _is_furniture(line)), None)
    if title_at is None:
        return None
    title = " ".join(lines[title_at].split())
    rest = _cut_related_tail(lines[title_at + 1:])

    source_at = _last_index(rest, lambda line: bool(_SOURCE_LINE.match(line)))
    if source_at is not None:
        source_line = _SOURCE_LINE.match(rest[source_at])
        assert source_line is not None  # source_at is where it matched
        sources = split_sources(source_line.group(1))
        body_blocks = _blocks(rest[:source_at])
        tags, authors = _read_trailer(_blocks(rest[source_at + 1:]))
    else:
        sources = []
        body_blocks = _blocks(rest)
        body_blocks, tags, authors = _split_trailer_from_end(body_blocks)

    # A byline right under the title is not body either.
    if body_blocks and len(body_blocks[0]) == 1 and (top_authors := _byline(body_blocks[0][0])):
        body_blocks = body_blocks[1:]
        authors = authors or top_authors

    body = "\n\n".join("\n".join(block) for block in body_blocks)
    if date is None and body_blocks:
        date = _dateline_date(body_blocks[0][0])
    if date is None:
        date = _filename_date(path)
    return Article(title=title, body=body, authors=authors, date=date, sources=sources,
                   tags=tags, origin=str(path))


# --- lines and paragraphs

def _is_boilerplate(line: str) -> bool:
    return " ".join(line.split()).rstrip(":").casefold() in BOILERPLATE


def _is_furniture(line: str) -> bool:
    """Lines that can never be the title."""
    return _is_boilerplate(line) or bool(_SOURCE_LINE.match(line))


def _blocks(lines: list[str]) -> list[Block]:
    """Paragraphs (runs of non-blank lines), boilerplate lines left out."""
    blocks: list[Block] = []
    current: Block = []
    for line in lines + [""]:
        if line and not _is_boilerplate(line):
            current.append(line)
        elif not line and current:
            blocks.append(current)
            current = []
    return blocks


def _last_index(lines: list[str], test) -> int | None:
    for i in range(len(lines) - 1, -1, -1):
        if test(lines[i]):
            return i
    return None


def _cut_related_tail(lines: list[str]) -> list[str]:
    """Drop a final "Related Articles" heading and the headlines under it.

    Only when what follows is short lines: a heading in mid-article is just
    boilerplate, dropped later, and the text around it is kept.
    """
    at = _last_index(lines, lambda line: " ".join(line.split()).rstrip(":").casefold()
                     in ("related articles", "related stories"))
    if at is None or any(len(line) > _RELATED_TAIL_LINE for line in lines[at + 1:]):
        return lines
    return lines[:at]


# --- trailer: tags, author, bio

def _is_short_title_line(text: str) -> bool:
    """Short, every word capitalised (bar connectors), no final punctuation."""
    if not text or len(text) > _SHORT_LINE or text.endswith(_FINAL_PUNCTUATION):
        return False
    words = text.split()
    return all(w[0].isupper() or w[0].isdigit() or w.casefold() in _CONNECTORS for w in words) \
        and words[0][0].isupper()


def _is_name_line(text: str) -> bool:
    words = text.split()
    return (_is_short_title_line(text) and len(words) <= _NAME_LINE_WORDS
            and not any(ch.isdigit() for ch in text))


def _byline(text: str) -> list[str] | None:
    """Author names of a "By Jane Doe" line, or None when it is not one."""
    names = byline(text)
    if names and _is_name_line(names):
        return split_names(names)
    return None


def _single_line(block: Block) -> str | None:
    return " ".join(block) if len(block) == 1 else None


def _is_bio_of(bio: Block, name: str) -> bool:
    """A bio names its author: all the name's words, or starts with one of them."""
    text = " ".join(bio)
    if _single_line(bio) and _is_short_title_line(text):
        return False  # a bio is prose, not another label line
    words = {w.strip(".,;:!?\"'()").casefold() for w in text.split()}
    name_words = [w.casefold() for w in name.split() if w.casefold() not in _CONNECTORS]
    first = text.split()[0].strip(".,;:'\u2019").casefold() if text.split() else ""
    return bool(name_words) and (all(w in words for w in name_words)
                                 or first in (name_words[0], name_words[-1]))


def _unstack(blocks: list[Block]) -> list[Block]:
    # Trailer labels written on consecutive lines, without blank lines between.
    result: list[Block] = []
    for block in blocks:
        if len(block) > 1 and all(_is_short_title_line(line) or _byline(line) for line in block):
            result.extend([line] for line in block)
        else:
            result.append(block)
    return result


def _read_trailer(blocks: list[Block]) -> tuple[list[str], list[str]]:
    """Tags and authors from the paragraphs after a SOURCE line."""
    blocks = _unstack(blocks)
    tags: list[str] = []
    authors: list[str] = []
    for i, block in enumerate(blocks):
        if authors:
            break  # what follows the author is the bio
        line = _single_line(block)
        if line is None:
            continue
        after = blocks[i + 1] if i + 1 < len(blocks) else None
        if by := _byline(line):
            authors = by
        elif _is_name_line(line) and after is not None and _is_bio_of(after, line):
            authors = split_names(line)
        elif not tags and _is_short_title_line(line):
            # Tags come first: a lone short line is taken as tags, not author.
            tags = split_tags(line)
        elif tags and _is_name_line(line):
            authors = split_names(line)
    return tags, authors


def _split_trailer_from_end(blocks: list[Block]) -> tuple[list[Block], list[str], list[str]]:
    """Without a SOURCE line: body, tags and authors, reading from the end."""
    blocks = _unstack(blocks)
    end = len(blocks)
    authors: list[str] = []

    def line_at(i: int) -> str | None:
        return _single_line(blocks[i]) if 0 <= i < end else None

    last, before = line_at(end - 1), line_at(end - 2)
    if before and _is_name_line(before) and _is_bio_of(blocks[end - 1], before):
        authors, end = split_names(before), end - 2            # name line + bio
    elif before and (by := _byline(before)) and _is_bio_of(blocks[end - 1], by[0]):
        authors, end = by, end - 2                              # byline + bio
    elif last and (by := _byline(last)):
        authors, end = by, end - 1                              # byline, no bio
    elif last and before and _is_name_line(last) and _is_short_title_line(before):
        authors, end = split_names(last), end - 1              # tags line + name line

    tags: list[str] = []
    last = line_at(end - 1)
    if last and _is_short_title_line(last) and (authors or _looks_run_together(last)):
        tags, end = split_tags(last), end - 1
    return blocks[:end], tags, authors


# --- tags

def _tag_boundaries(text: str) -> list[int]:
    # Two lowercase letters then an uppercase one: "NewsWorld" but not
    # "iPhone" or "McDonald".
    return [i for i in range(2, len(text))
            if text[i].isupper() and text[i - 1].islower() and text[i - 2].islower()]


def _looks_run_together(text: str) -> bool:
    return bool(_tag_boundaries(text)) or bool(re.search(r"[,|;]", text))


def split_tags(text: str) -> list[str]:
    """Category names from a tags line: run-together links, or ``,`` ``|`` ``;``."""
    tags: list[str] = []
    for piece in re.split(r"[,|;]", text):
        start = 0
        for cut in _tag_boundaries(piece) + [len(piece)]:
            tags.append(" ".join(piece[start:cut].split()))
            start = cut
    return unique(tags)


# --- dates

def _take_date_lines(lines: list[str]) -> tuple[list[str], datetime | None]:
    """Lines without their "Published: ..." style lines, and the date these give."""
    published: list[datetime] = []
    updated: list[datetime] = []
    kept = []
    for line in lines:
        label = _label_date(line)
        if label is None:
            kept.append(line)
        else:
            (updated if label[0] else published).append(label[1])
    # A "Published"/"Posted"/"Date" line beats an "Updated" one.
    return kept, published[0] if published else updated[0] if updated else None


def _label_date(line: str) -> tuple[bool, datetime] | None:
    """(is an update, date) for a "Published: ..." style line, else None."""
    match = _DATE_LINE.match(line)
    if not match:
        return None
    # "Published: 16 Sep 2022 | Updated: ..." - the first part is the date.
    value = re.split(r"\s+[|\u00b7\u2022]\s+", match.group(2))[0]
    date = _full_date(value)
    if date is None:
        return None
    return match.group(1).casefold() in ("updated", "last updated"), date


def _dateline_date(first_line: str) -> datetime | None:
    """Date of a dateline opening the first paragraph, e.g. "BANGKOK, 16 Sep 2022 —"."""
    match = _DATELINE_END.search(first_line)
    if not match or match.start() > _DATELINE_MAX:
        return None
    prefix = first_line[:match.start()]
    parts = prefix.split(",")
    # Try the whole prefix, then without each leading place name in turn.
    for i in range(len(parts)):
        candidate = re.sub(r"\([^)]*\)", " ", ",".join(parts[i:]))  # "(Reuters)"
        # "BANGKOK 16 Sep 2022": the place is in capitals.
        for text in (candidate, _LEADING_CAPITALS.sub("", candidate.strip())):
            date = _full_date(text)
            if date is not None:
                return date
    return None


def _full_date(text: str) -> datetime | None:
    """parse_date, for text naming a day and month too: dateutil would fill a
    bare "2020" or "September 2022" in with today's month or day."""
    text = text.strip()
    named_month = _MONTH_NAME.search(text) and _DAY_NUMBER.search(text)
    if not (named_month or _NUMERIC_DATE.search(text)):
        return None
    return parse_date(text)


def _filename_date(path: Source | Path) -> datetime | None:
    for match in _FILENAME_DATE.finditer(path.name):
        year, month, day = int(match.group(1)), int(match.group(3)), int(match.group(4))
        if 1900 <= year <= 2100:
            try:
                return datetime(year, month, day, tzinfo=timezone.utc)
            except ValueError:
                continue
    return None


register("text", [".txt"], read)
