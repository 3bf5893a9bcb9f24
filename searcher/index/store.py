"""Opening and creating the on-disk index; facts about it (stats, get)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from ..article import Article, Skipped
from ..errors import IndexNotFound
from ..results import Stats
from .documents import to_article
from .manifest import Manifest
from .schema import build_schema
from .whoosh_import import index as whoosh_index
from .whoosh_import import long_to_datetime

INDEX_NAME = "MAIN"


def exists(path: Path) -> bool:
    return path.is_dir() and whoosh_index.exists_in(str(path), indexname=INDEX_NAME)


def open_index(path: Path) -> "whoosh_index.Index":
    if not exists(path):
        raise IndexNotFound(f"no index at {path}: run 'searcher index PATH...' first")
    return whoosh_index.open_dir(str(path), indexname=INDEX_NAME)


def create_index(path: Path) -> "whoosh_index.Index":
    """Open the index at ``path``, creating it (and the folder) when absent."""
    if exists(path):
        return whoosh_index.open_dir(str(path), indexname=INDEX_NAME)
    path.mkdir(parents=True, exist_ok=True)
    return whoosh_index.create_in(str(path), build_schema(), indexname=INDEX_NAME)


def get_article(ix: "whoosh_index.Index", article_id: str) -> Optional[Article]:
    with ix.searcher() as searcher:
        fields = searcher.document(id=article_id)
    return to_article(fields) if fields else None


def _value_counts(reader, field: str, top: int) -> list[tuple[str, int]]:
    """Live documents per exact value (deleted documents not counted)."""
    counts = []
    for term in reader.field_terms(field):
        count = sum(1 for _ in reader.postings(field, term).all_ids())
        if count:
            counts.append((term, count))
    counts.sort(key=lambda item: (-item[1], item[0]))
    return counts[:top]


def date_days(reader) -> list[int]:
    """Each document's date as a day ordinal (0 when undated), by document number.

    Read segment by segment: Whoosh 2.7.4's multi-segment column reader fails
    when a segment holds no value of the column at all.
    """
    days = [0] * reader.doc_count_all()
    missing = reader.schema["date"].column_type._default
    for segment, offset in reader.leaf_readers():
        if not segment.has_column("date"):
            continue
        column = segment.column_reader("date", translate=False)
        for docnum in range(segment.doc_count_all()):
            raw = column[docnum]
            if raw != missing:
                days[offset + docnum] = long_to_datetime(raw).toordinal()
    return days


def dated(reader) -> list[datetime]:
    """Dates of the live documents that have one (UTC midnight of their day)."""
    days = date_days(reader)
    return [
        datetime.fromordinal(days[docnum]).replace(tzinfo=timezone.utc)
        for docnum in reader.all_doc_ids()
        if days[docnum]
    ]


def stats(ix: "whoosh_index.Index", path: Path, top: int = 10) -> Stats:
    with ix.searcher() as searcher:
        reader = searcher.reader()
        values = sorted(dated(reader))
        articles = searcher.doc_count()
        result = Stats(
            articles=articles,
            first_date=values[0] if values else None,
            last_date=values[-1] if values else None,
            undated=articles - len(values),
            top_tags=_value_counts(reader, "tags", top),
            top_sources=_value_counts(reader, "sources", top),
            top_authors=_value_counts(reader, "authors", top),
            size_bytes=sum(f.stat().st_size for f in path.iterdir() if f.is_file()),
            path=str(path),
        )
    manifest = Manifest.load(path)
    result.skipped_files = [Skipped(origin, reason) for origin, reason in manifest.skipped.items()]
    return result
