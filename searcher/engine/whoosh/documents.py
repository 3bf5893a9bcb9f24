"""Article <-> Whoosh document (indexed and stored fields)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Union

from searcher import languages, nearcopies
from searcher.article import Article
from searcher.engine.whoosh.languages import LanguageText
from searcher.engine.whoosh.schema import BOUNDARY_TOKEN, NAME_FIELDS, VALUE_SEP


def _clean(value: str) -> str:
    return " ".join(value.replace(VALUE_SEP, " ").split())


def to_document(article: Article, fingerprint: str = "", signed: bool = True,
                signature: Union[bytes, str, None] = None) -> dict[str, Any]:
    """``signed``: with the body's near-copy signature (an index made before
    them has no column for it): ``signature``, its record made already for
    a batch of articles (nearcopies.signatures), or the text a sub-writer
    signs (schema.SignatureColumn), else made here."""
    doc: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        "origin": article.origin,
        "fingerprint": fingerprint or article.fingerprint(),
    }
    if article.url:
        doc["url"] = article.url
    if signed:
        if signature is None:
            made = nearcopies.signature(article.body)
            signature = made.record() if made is not None else None
        if signature is not None:
            doc["nearcopy"] = signature
    doc["analysis"] = languages.analysis_of(article.language.lower())
    if article.language:
        doc["lang"] = language = article.language.lower()
        if doc["analysis"] != languages.ENGLISH:
            # Analysed in the article's language, stored as the plain text.
            for name in ("title", "body"):
                doc[f"_stored_{name}"] = doc[name]
                doc[name] = LanguageText(doc[name], language)
    if article.date is not None:
        # Whoosh stores naive datetimes: store UTC and say so on the way out.
        doc["date"] = article.date.astimezone(timezone.utc).replace(tzinfo=None)
        if article.date_precision:
            doc["date_precision"] = article.date_precision
    named = {
        "author": article.authors,
        "source": article.sources,
        "tag": article.tags,
        "publisher": [article.publisher],
    }
    for name, (word_field, value_field) in NAME_FIELDS.items():
        values = [v for v in map(_clean, named[name]) if v]
        if values:
            doc[word_field] = f" {BOUNDARY_TOKEN} ".join(values)
            doc[value_field] = VALUE_SEP.join(values)
    return doc


def split_values(stored: str | None) -> list[str]:
    return [v for v in (stored or "").split(VALUE_SEP) if v]


def stored_date(fields: dict[str, Any]) -> datetime | None:
    value = fields.get("date")
    return value.replace(tzinfo=timezone.utc) if isinstance(value, datetime) else None


_TEXT_FIELDS = ("id", "title", "body", "url", "authors", "sources", "tags", "publishers", "lang", "origin",
                "date_precision")


def to_article(fields: dict[str, Any]) -> Article:
    """The Article a document's stored fields hold; IndexDamaged when they are
    not what any writer stores (damaged bytes that still unpickled)."""
    if not isinstance(fields, dict) or not isinstance(fields.get("id"), str) or any(
            not isinstance(fields.get(name, ""), str) for name in _TEXT_FIELDS):
        from searcher.errors import IndexDamaged

        raise IndexDamaged("an article's stored fields are damaged (not the text the index stores); "
                           "'searcher check' says what is wrong, 'searcher rebuild' rebuilds it from its files")
    publishers = split_values(fields.get("publishers"))
    return Article(
        id=fields["id"],
        title=fields.get("title", ""),
        body=fields.get("body", ""),
        authors=split_values(fields.get("authors")),
        date=stored_date(fields),
        sources=split_values(fields.get("sources")),
        tags=split_values(fields.get("tags")),
        url=fields.get("url", ""),
        publisher=publishers[0] if publishers else "",
        language=fields.get("lang", ""),
        origin=fields.get("origin", ""),
        date_precision=fields.get("date_precision", "") if fields.get("date") is not None else "",
    )
