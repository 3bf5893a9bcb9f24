"""Reuters-21578 SGML (``reut2-000.sgm`` .. ``reut2-021.sgm``): one Article per
``<REUTERS NEWID=..>`` record.

Fields:

- id ``reuters-21578:NEWID``; origin ``file#n`` (n: the record's position in
  the file, from 1); publisher "Reuters"; language "en"; no url.
- title from TITLE (whitespace collapsed).
- date from DATE (``26-FEB-1987 15:01:01.79``, taken as UTC). Wire noise after
  the time (``&#5;&#5;&#5;RM``, ``# date added ...``) is ignored; when the
  time is impossible (``605:12:19.12``) the day alone is kept.
- body: the story as the wire sent it. The DATELINE stays at the start of the
  body ("SALVADOR, Feb 26 - Showers continued ..."), and so does any stray
  text the corpus left outside BODY (tables cut by a misplaced DATELINE).
  Hard-wrapped lines are joined; an indented line starts a new paragraph
  (paragraphs are separated by a blank line). The trailing ``Reuter`` /
  ``REUTER`` sign-off and control characters (``&#2;``, ``&#3;``, ...) are
  dropped.
- TYPE="BRIEF" records (a headline only) have an empty body: the corpus's
  filler ("******", "Blah blah blah.") is not text.
- TYPE="UNPROC" records have no TITLE or BODY: the whole TEXT is the body with
  its line breaks kept (they are mostly tables), and its first line, the
  wire headline, is also the title.
- authors from AUTHOR by :func:`.names.split_names` with ``wire=True``
  ("By Rich Miller, Reuters" -> "Rich Miller"; names in capitals are
  title-cased).
- tags: every ``<D>`` value of TOPICS, PLACES, PEOPLE, ORGS, EXCHANGES and
  COMPANIES, prefixed by its kind so the kinds stay apart: ``topic:grain``,
  ``place:usa``, ``person:reagan``, ``org:opec``, ``exchange:nasdaq``,
  ``company:...`` (search with ``tag:"topic:grain"``).

The file is read as a stream of records, each decoded on its own with
:func:`~.text.decode`, so one bad byte (reut2-017.sgm has one) costs nothing.
Structure is found in the escaped SGML first and entities (``&lt;``,
``&amp;``, ``&#3;``) are unescaped per field afterwards, so an escaped ``<``
never looks like a tag. An HTML parser is not used: it takes ``<BODY>`` for
the page body.
"""
from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from typing import BinaryIO, Iterator, Optional

from ..article import Article, Skipped
from ..dates import parse_date
from . import Record, record_failure, register
from .names import split_names
from .source import Source
from .text import decode

_CHUNK = 1 << 20
_START = b"<REUTERS"
_END = b"</REUTERS>"
# A record larger than this is not Reuters-21578 (the largest is ~30 KB):
# stop rather than buffer a whole unterminated file.
_MAX_RECORD = 4 << 20

_NEWID = re.compile(r'\bNEWID\s*=\s*"?(\d+)')
# No "<" inside a tag's attributes: with [^>]* every "<TEXT" or "<a" of a
# run without ">" would scan to the end of the record (quadratic).
_TEXT = re.compile(r"<TEXT\b([^<>]*)>(.*?)(?:</TEXT>|$)", re.S | re.I)
_TEXT_TYPE = re.compile(r'TYPE\s*=\s*"?(\w+)', re.I)
_TAG = re.compile(r"</?[A-Za-z]+[^<>]*>")
_D_TAG = re.compile(r"<(/?)D>", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"\s+")
_DATE = re.compile(r"(\d{1,2}-[A-Za-z]{3}-\d{4})(?:\s+(\d{1,2}:\d{2}:\d{2}(?:\.\d+)?)(?!\d))?")
# The sign-off on its own last line, in the spellings the corpus uses.
_SIGN_OFF = re.compile(r"(?:^|\n)[ \t]*reuters?[ \t]*(?:\.\.\.)?[ \t]*(?:\^M)?\s*$", re.I)

# SGML element -> tag prefix.
_KINDS = (("TOPICS", "topic"), ("PLACES", "place"), ("PEOPLE", "person"),
          ("ORGS", "org"), ("EXCHANGES", "exchange"), ("COMPANIES", "company"))


def _element(record: str, name: str) -> Optional[str]:
    """Raw (still escaped) content of the first ``<name>`` element, or None."""
    start = record.find(f"<{name}>")
    if start < 0:
        return None
    start += len(name) + 2
    end = record.find(f"</{name}>", start)
    return record[start:] if end < 0 else record[start:end]


def _clean(raw: str) -> str:
    """Unescape entities and drop control characters."""
    return _CONTROL.sub("", html.unescape(raw))


def _one_line(raw: Optional[str]) -> str:
    return _SPACES.sub(" ", _clean(raw or "")).strip()


def _date(raw: Optional[str]) -> Optional[datetime]:
    match = _DATE.search(_clean(raw or ""))
    if not match:
        return None
    day, time = match.groups()
    if time:
        try:
            # The corpus's one form, read directly: dateutil would triple
            # the parse time of a file. Anything else goes to parse_date.
            return datetime.strptime(f"{day} {time}", "%d-%b-%Y %H:%M:%S.%f").replace(tzinfo=timezone.utc)
        except ValueError:
            pass
    return (parse_date(f"{day} {time}") if time else None) or parse_date(day)


def _authors(raw: Optional[str]) -> list[str]:
    return split_names(_one_line(raw), wire=True)  # "By Ann Lee, Reuters": the sign-off is no author


def _d_values(text: str) -> Iterator[str]:
    """What each ``<D>...</D>`` holds, in one pass over the tags: a lazy
    regex rescans the rest of the text from every unclosed ``<D>`` (80,000
    of them took minutes)."""
    start = None
    for tag in _D_TAG.finditer(text):
        if not tag.group(1):
            start = tag.end() if start is None else start  # a <D> inside is content, as before
        elif start is not None:
            yield text[start:tag.start()]
            start = None


def _brief_filler(text: str) -> bool:
    """Only asterisks and "Blah blah blah." (the corpus's BRIEF filler), or nothing."""
    rest = text.strip().lstrip("*").strip().lower()
    return rest in ("", "blah blah blah", "blah blah blah.")


def _tags(record: str) -> list[str]:
    tags: list[str] = []
    for element, kind in _KINDS:
        for value in _d_values(_element(record, element) or ""):
            value = _one_line(value)
            tag = f"{kind}:{value}"
            if value and tag not in tags:
                tags.append(tag)
    return tags


def _paragraphs(text: str) -> str:
    """Join hard-wrapped lines; an indented line or a blank line starts a paragraph."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in text.split("\n"):
        if not line.strip() or line[:1].isspace():
            if current:
                paragraphs.append(" ".join(current))
            current = []
        if line.strip():
            current.append(line.strip())
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


def _lines(text: str) -> str:
    """Keep line breaks (UNPROC tables); trim line ends and runs of blank lines."""
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def _sign_off(text: str) -> str:
    return _SIGN_OFF.sub("", text.rstrip())


def to_article(record: str, origin: str) -> Article | Skipped:
    """One ``<REUTERS ...> ... </REUTERS>`` record (decoded text) to an Article."""
    head_end = record.find(">")
    newid = _NEWID.search(record[:head_end])
    if not newid:
        return Skipped(origin, "record has no NEWID")
    text_match = _TEXT.search(record)
    kind = "NORM"
    inner = ""
    if text_match:
        type_match = _TEXT_TYPE.search(text_match.group(1))
        kind = type_match.group(1).upper() if type_match else "NORM"
        inner = text_match.group(2)
    title = _one_line(_element(inner, "TITLE"))
    author = _element(inner, "AUTHOR")
    # Everything in TEXT but the title and byline, in wire order: the
    # dateline first, then the story (and any text the corpus put outside).
    rest = re.sub(r"<(TITLE|AUTHOR)>.*?(?:</\1>|$)", "", inner, flags=re.S)
    rest = _clean(_TAG.sub("", rest))
    if kind == "UNPROC" and "<BODY>" not in inner:
        body = _lines(_sign_off(rest))
        if not title:
            title = body.split("\n", 1)[0].strip() if body else ""
    elif _brief_filler(rest):
        body = ""
    else:
        body = _paragraphs(re.sub(r"^\s*\*+", "", _sign_off(rest)))
    return Article(
        title=title,
        body=body,
        authors=_authors(author),
        date=_date(_element(record, "DATE")),
        tags=_tags(record),
        publisher="Reuters",
        language="en",
        origin=origin,
        id=f"reuters-21578:{newid.group(1)}",
    )


def _records(stream: BinaryIO) -> Iterator[tuple[bytes, bool]]:
    """Raw bytes of each record, and whether it was complete (closed)."""
    buffer = b""
    pos = 0  # records before pos are done; slicing only when reading more
    eof = False
    while True:
        start = buffer.find(_START, pos)
        end = buffer.find(_END, start) if start >= 0 else -1
        if end >= 0:
            pos = end + len(_END)
            yield buffer[start:pos], True
            continue
        if eof or (start >= 0 and len(buffer) - start > _MAX_RECORD):
            if start >= 0:
                yield buffer[start:], False
            return
        # Keep only what may still hold a record start (or a split marker).
        buffer = buffer[start:] if start >= 0 else buffer[-len(_START):]
        pos = 0
        chunk = stream.read(_CHUNK)
        eof = not chunk
        buffer += chunk


def read(source: Source) -> Iterator[Record]:
    with source.open() as stream:
        for number, (raw, complete) in enumerate(_records(stream), 1):
            origin = f"{source}#{number}"
            if not complete:
                yield Skipped(origin, "record is cut off (no </REUTERS>)")
                return
            try:
                record: Record = to_article(decode(raw), origin)
            except Exception as exc:  # noqa: BLE001 - one odd record, not the file
                record = Skipped(origin, f"record {number}: {record_failure(exc)}")
            yield record


def sniff(head: bytes) -> bool:
    return re.search(rb"<!DOCTYPE\s+lewis\b|<REUTERS\b", head, re.I) is not None


register("reuters", [".sgm", ".sgml"], read, sniff=sniff)
