"""The one record every reader yields and the indexer consumes."""
from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

_SPACE = re.compile(r"\s+")
# How much of the body goes into a content-derived id: enough to tell two
# same-titled, same-dated stories apart, little enough to survive a fixed typo
# far down the page.
_ID_BODY_CHARS = 500


def _normalise(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


@dataclass
class Article:
    """A news article, whatever file format it came from.

    ``date`` is timezone-aware or None when the source does not say: a date is
    never invented. ``origin`` says where the record came from
    (``path`` or ``path#position``) so a user can find it again.
    """

    title: str = ""
    body: str = ""
    authors: list[str] = field(default_factory=list)
    date: datetime | None = None
    sources: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    url: str = ""
    publisher: str = ""
    language: str = ""
    origin: str = ""
    id: str = ""
    # "year" or "month" when the source gave only that ("2021", "March 2021"):
    # ``date`` is then the period's first day. "" for a whole date.
    date_precision: str = ""
    # What a reader wants said about this record without skipping it ("date
    # 'sometime' not understood"): reported by the indexing run, never stored.
    notes: list[str] = field(default_factory=list, compare=False, repr=False)

    def __post_init__(self) -> None:
        precision: str = getattr(self.date, "precision", "") if self.date is not None else ""
        if self.date is not None and precision:
            self.date_precision = self.date_precision or precision
            self.date = datetime(self.date.year, self.date.month, self.date.day, tzinfo=timezone.utc)
        if self.date is None:
            self.date_precision = ""
        if self.date is not None and self.date.tzinfo is None:
            # Sources that give no zone are taken as UTC, so every stored
            # date compares with every other.
            self.date = self.date.replace(tzinfo=timezone.utc)
        if not self.id:
            self.id = self.url.strip() or content_id(self.title, self.date, self.body)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Articles pickled before a field existed (caches, parse workers of
        # an older version) get its default.
        self.__dict__.update(date_precision="", notes=[])
        self.__dict__.update(state)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping with the same keys as the record (dates in ISO 8601)."""
        data = asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        if not self.date_precision:
            del data["date_precision"]  # a whole date: nothing to say
        del data["notes"]
        return {"id": data.pop("id"), **data}

    def fingerprint(self) -> str:
        """Hash of the content (not of where it was read), to tell an
        unchanged re-read from an update."""
        parts = [self.id, self.title, self.body, self.date.isoformat() if self.date else "",
                 *("\x1e".join(values) for values in (self.authors, self.sources, self.tags)),
                 self.url, self.publisher, self.language]
        if self.date_precision:  # (whole dates keep the fingerprints they had)
            parts.append(self.date_precision)
        return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Skipped:
    """A file or record that could not be read, and why."""

    origin: str
    reason: str


def content_id(title: str, date: datetime | None, body: str) -> str:
    """Stable id for an article with no URL: same story, same id."""
    key = "\n".join(
        [_normalise(title), date.isoformat() if date else "", _normalise(body)[:_ID_BODY_CHARS]]
    )
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]
