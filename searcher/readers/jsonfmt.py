"""JSON (.json: one object, an array, or an object holding an array) and
JSON Lines (.jsonl, .ndjson: one object a line), with the field names common
exports use mapped onto Article."""
from __future__ import annotations

import codecs
import itertools
import json
import re
from typing import Any, Iterable, Iterator, Optional

from ..article import Article
from ..dates import date_notes, parse_date
from . import Record, Skipped, record_failure, register
from .names import split_names, unique
from .source import Source, size_text
from .text import decode, read_text

# First present key wins; order says which name is preferred.
_TITLE = ("title", "headline", "name")
_AUTHORS = ("authors", "author", "byline", "creator", "dc:creator")
_DATE = ("date", "published", "pubDate", "datePublished", "published_at", "publishedAt",
         "publish_date", "pub_date", "created_at", "timestamp")
_BODY = ("body", "text", "content", "articleBody", "full_text", "description", "summary")
_SOURCES = ("sources", "source")
_TAGS = ("tags", "categories", "keywords", "section", "subjects", "category", "articleSection")
_URL = ("url", "link", "href", "canonical_url")
_ID = ("id", "_id", "guid", "docid", "doc_id")
_PUBLISHER = ("publisher", "site_name", "outlet", "newspaper", "media")
_LANGUAGE = ("language", "lang", "inLanguage")
# Exports wrap their records in one of these keys.
_CONTAINERS = ("articles", "items", "data", "results", "documents", "records", "hits")

# Separators alone, parts stripped after: "\s*,\s*" rescans a long run of
# spaces from each of its positions (quadratic).
_LIST_SPLIT = re.compile(r"[,;|]")
# One JSON Lines record may be this long; a longer line is skipped (read
# past in chunks, never held): no export writes a 64 MiB article, and
# without a bound one endless line would take all memory.
MAX_LINE_BYTES = 64 << 20
_CHUNK = 1 << 20
# Scans past one JSON value too deeply nested for json to read (strings kept
# whole, so brackets inside them do not count).
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[{]|[\]}]|[^"\[\]{}]+')


def _first(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = record.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def _names(value: Any) -> list[str]:
    """Plain strings from a string, a list, or schema.org-style {"name": ...} objects."""
    if value is None:
        return []
    if isinstance(value, dict):
        value = value.get("name") or value.get("title") or ""
    if isinstance(value, (list, tuple)):
        return [name for item in value for name in _names(item)]
    text = _clean(str(value).strip())
    return [text] if text else []


def _authors(value: Any) -> list[str]:
    return unique(name for text in _names(value) for name in split_names(text))


def _keywords(record: dict[str, Any], keys: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for key in keys:
        for name in _names(record.get(key)):
            out.extend(part.strip() for part in _LIST_SPLIT.split(name) if part.strip())
    return unique(out)


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "\n\n".join(_text(v) for v in value if _text(v))
    if isinstance(value, dict):
        return _text(value.get("text") or value.get("value") or "")
    return "" if value is None else _clean(str(value).strip())


def _clean(text: str) -> str:
    """JSON may escape lone surrogates ("\\ud800"), which no UTF-8 writer takes."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def to_article(record: dict[str, Any], origin: str) -> Article | None:
    """Map one JSON object to an Article; None when it has neither title nor body."""
    title = _text(_first(record, _TITLE))
    body = _text(_first(record, _BODY))
    if not title and not body:
        return None
    ident = _first(record, _ID)
    publisher = _names(_first(record, _PUBLISHER))
    language = _first(record, _LANGUAGE)
    given = _first(record, _DATE)
    date = parse_date(given)
    return Article(
        title=title,
        body=body,
        authors=_authors(_first(record, _AUTHORS)),
        date=date,
        notes=date_notes(date, given),
        sources=_keywords(record, _SOURCES),
        tags=_keywords(record, _TAGS),
        url=_text(_first(record, _URL)),
        publisher=publisher[0] if publisher else "",
        language=str(language) if isinstance(language, str) else "",
        origin=origin,
        id=str(ident) if ident is not None else "",
    )


def _records(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        # The first container key holding records (a large file is read so, too: _streamed).
        lists = [data[key] for key in _CONTAINERS if isinstance(data.get(key), list)]
        if lists:
            return next((records for records in lists if records), lists[0])
        return [data]
    raise ValueError("JSON holds neither an object nor an array")


def _convert(records: Iterable[tuple[int, Any]], path: Source) -> Iterator[Record]:
    for position, record in records:
        origin = f"{path}#{position}"
        if isinstance(record, BaseException):  # too deep to decode
            yield Skipped(origin, f"record {position}: {record_failure(record)}")
            continue
        if not isinstance(record, dict):
            yield Skipped(origin, "record is not a JSON object")
            continue
        try:
            article = to_article(record, origin)
        except Exception as exc:  # noqa: BLE001 - one odd record, not the file
            yield Skipped(origin, f"record {position}: {record_failure(exc)}")
            continue
        yield article if article else Skipped(origin, "record has neither title nor body")


def _skip_value(text: str, start: int) -> int:
    """Index just past the array or object at ``start`` (brackets counted, not parsed)."""
    depth = 0
    for token in _JSON_TOKEN.finditer(text, start):
        first = token.group()[0]
        if first in "[{":
            depth += 1
        elif first in "]}":
            depth -= 1
            if depth == 0:
                return token.end()
    raise ValueError("invalid JSON: unterminated value")


def _array_items(text: str) -> Iterator[tuple[int, Any]]:
    """The elements of a top-level array one by one, for an array that one
    too deeply nested element keeps json.loads from reading whole: that
    element becomes its RecursionError, the others are read."""
    decoder = json.JSONDecoder()
    ws = re.compile(r"\s*")

    def past_space(at: int) -> int:
        space = ws.match(text, at)
        assert space is not None  # \s* matches, if only the empty string, at any position
        return space.end()

    at = past_space(0) + 1  # past "["
    for position in itertools.count(1):
        at = past_space(at)
        if text.startswith("]", at):
            return
        try:
            value, at = decoder.raw_decode(text, at)
        except RecursionError as exc:
            value, at = exc, _skip_value(text, at)
        except json.JSONDecodeError as exc:
            raise ValueError(f"invalid JSON: {exc}") from None
        yield position, value
        at = past_space(at)
        if text.startswith(",", at):
            at += 1
        elif not text.startswith("]", at):
            raise ValueError(f"invalid JSON: expected ',' or ']' at char {at}")


# A JSON file up to this size is read whole (json.loads is the fastest
# reader); a larger one record by record (ijson, in C), so that a 1 GB export
# holds one record in memory, not the whole file and all its objects.
STREAM_JSON_BYTES = 16 << 20
_SPACE = b" \t\r\n"


def read_json(path: Source) -> Iterator[Record]:
    head = path.head(STREAM_JSON_BYTES + 1)
    if len(head) > STREAM_JSON_BYTES and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        first = head.removeprefix(codecs.BOM_UTF8).lstrip(_SPACE)[:1]
        del head  # 16 MB this generator would otherwise hold for the whole stream
        streamed = _streamed(path, first)
        if streamed is not None:
            yield from _convert(streamed, path)
            return
    yield from _read_whole(path)


def _streamed(path: Source, first: bytes) -> Optional[Iterator[tuple[int, Any]]]:
    """The records of a large file one by one: the elements of a top-level
    array, or of the first of the container keys (_CONTAINERS, in that
    order) whose array has an element; None for one large object."""
    import ijson  # type: ignore[import-untyped]

    if first == b"[":
        return _numbered(path, "item")
    if first != b"{":
        return None
    for key in _CONTAINERS:
        records = _numbered(path, f"{key}.item")
        try:
            head = next(records)
        except StopIteration:
            continue
        except ijson.JSONError as exc:
            raise ValueError(f"invalid JSON: {exc}") from None
        return itertools.chain([head], records)
    return None


def _numbered(path: Source, prefix: str) -> Iterator[tuple[int, Any]]:
    import ijson

    with path.open() as stream:
        if stream.read(3) != codecs.BOM_UTF8:
            stream.seek(0)
        try:
            yield from enumerate(ijson.items(stream, prefix, use_float=True), 1)
        except ijson.JSONError as exc:
            raise ValueError(f"invalid JSON: {exc}") from None


def _read_whole(path: Source) -> Iterator[Record]:
    text = read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc}") from exc
    except RecursionError:
        if not text.lstrip().startswith("["):
            raise ValueError("JSON nested too deeply to read") from None
        yield from _convert(_array_items(text.lstrip()), path)
        return
    yield from _convert(enumerate(_records(data), 1), path)


def read_jsonl(path: Source) -> Iterator[Record]:
    """One record a line, streamed: memory stays that of the longest line
    (at most MAX_LINE_BYTES); each line is read on its own, whatever the
    others hold."""
    with path.open() as stream:
        for number in itertools.count(1):
            raw = stream.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):
                    raw = stream.readline(_CHUNK)
                yield Skipped(f"{path}#{number}",
                              f"line {number} is longer than {size_text(MAX_LINE_BYTES)}; skipped")
                continue
            if number == 1:
                raw = raw.removeprefix(codecs.BOM_UTF8)
            if not raw.strip():
                continue
            try:
                record = json.loads(decode(raw))
            except json.JSONDecodeError as exc:
                yield Skipped(f"{path}#{number}", f"invalid JSON on line {number}: {exc.msg}")
                continue
            except RecursionError:
                yield Skipped(f"{path}#{number}", f"line {number}: JSON nested too deeply to read")
                continue
            yield from _convert([(number, record)], path)


register("json", [".json"], read_json)
register("jsonl", [".jsonl", ".ndjson"], read_jsonl)
