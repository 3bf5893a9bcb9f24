"""Hits as text cells, CSV and JSON Lines: the CLI's exports and the web
application's downloads write the same columns the same way."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any, Iterable, Iterator, Optional, Sequence

from .results import Hit, Timeline

LIST_SEP = "; "
CSV_FIELDS = ("rank", "id", "date", "title", "authors", "sources", "tags", "url", "score", "snippet")
# A collapsed search: each hit stands for its group.
COLLAPSED_CSV_FIELDS = CSV_FIELDS + ("group", "copies", "outlets")


def day_text(value: Optional[datetime]) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def hit_cell(hit: Hit, name: str, for_table: bool) -> str:
    """One field of a hit as text: for a table (days, 2 decimals, lists
    joined by commas) or for an export (ISO dates, 4 decimals, "; ")."""
    value = getattr(hit, name)
    if name == "date":
        if value and hit.date_precision:  # known only to the year or month: shown so
            return value.strftime("%Y" if hit.date_precision == "year" else "%Y-%m")
        return day_text(value) if for_table else (value.isoformat() if value else "")
    if name == "score":
        return "" if value is None else (f"{value:.2f}" if for_table else f"{value:.4f}")
    if value is None:
        return ""
    if isinstance(value, list):
        return (", " if for_table else LIST_SEP).join(value)
    return str(value)


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    return "".join(csv_lines(header, rows)).rstrip("\n")


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text a row at a time (header first), for output streamed as it is made."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in _with_header(header, rows):
        writer.writerow(row)
        yield out.getvalue()
        out.seek(0)
        out.truncate()


def _with_header(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    yield header
    yield from rows


def hits_csv(hits: Iterable[Hit], fields: Sequence[str] = CSV_FIELDS) -> Iterator[str]:
    return csv_lines(fields, ([hit_cell(hit, name, False) for name in fields] for hit in hits))


def hits_json_lines(hits: Iterable[Hit]) -> Iterator[str]:
    for hit in hits:
        yield json.dumps(hit.to_dict(), ensure_ascii=False) + "\n"


def similar_dict(article_id: str, hits: Sequence[Hit]) -> dict[str, Any]:
    """The JSON of an article's similar articles (CLI ``similar``, web API)."""
    return {"id": article_id, "hits": [hit.to_dict() for hit in hits]}


def copies_dict(hits: Sequence[Hit]) -> dict[str, Any]:
    """The JSON of an article's near-copy group, the article first (``score``: the similarity)."""
    return {"id": hits[0].id, "group": hits[0].group, "copies": [
        {**hit.to_dict(), "similarity": None if hit.score is None else round(hit.score, 4)} for hit in hits]}


def timeline_list(timeline: Timeline) -> list[dict[str, Any]]:
    """The JSON of a timeline (CLI ``timeline``, web API): its periods and counts."""
    return [{"period": period, "count": count} for period, count in timeline.periods]


def facet_list(counts: Sequence[tuple[str, int]]) -> list[dict[str, Any]]:
    """The JSON of one facet's counts (CLI ``facets``, web API)."""
    return [{"value": value, "count": count} for value, count in counts]
