"""The CLI's renderer: results to table, JSON, JSON Lines or CSV text.

Part of the CLI edge (only the CLI uses it), so it may import tabulate.
Functions take our result dataclasses and return strings; cli.py prints.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any, Iterable, Optional, Sequence

from tabulate import tabulate

from .article import Article
from .results import IndexReport, SearchResult, Stats

FORMATS = ("table", "json", "jsonl", "csv")
TITLE_WIDTH = 60
LIST_SEP = "; "


def _day(value: Optional[datetime]) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().rstrip("\n")


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str = "simple",
          numeric: Sequence[str] = ()) -> str:
    """A tabulate table; columns named in ``numeric`` are right-aligned."""
    align = ["right" if name in numeric else "left" for name in header]
    return tabulate(rows, headers=list(header), tablefmt=fmt, disable_numparse=True, colalign=align)


# -- search ---------------------------------------------------------------
_HIT_COLUMNS = ("rank", "date", "title", "authors", "sources", "score")
_HIT_CSV_COLUMNS = ("rank", "id", "date", "title", "authors", "sources", "tags", "url", "score")


def search_result(result: SearchResult, fmt: str, tablefmt: str = "simple") -> str:
    if fmt == "json":
        return to_json(result.to_dict())
    if fmt == "jsonl":
        return "\n".join(json.dumps(hit.to_dict(), ensure_ascii=False) for hit in result.hits)
    if fmt == "csv":
        rows = []
        for hit in result.hits:
            data = hit.to_dict()
            rows.append([hit.rank, hit.id, data["date"] or "", hit.title, LIST_SEP.join(hit.authors),
                         LIST_SEP.join(hit.sources), LIST_SEP.join(hit.tags), hit.url,
                         "" if hit.score is None else f"{hit.score:.4f}"])
        return to_csv(_HIT_CSV_COLUMNS, rows)
    if not result.hits:
        return f"No articles match {result.query!r}."
    rows = [
        [hit.rank, _day(hit.date), _cut(hit.title, TITLE_WIDTH), ", ".join(hit.authors),
         ", ".join(hit.sources), "" if hit.score is None else f"{hit.score:.2f}"]
        for hit in result.hits
    ]
    first, last = result.offset + 1, result.offset + len(result.hits)
    return f"{table(_HIT_COLUMNS, rows, tablefmt, numeric=('rank', 'score'))}\n\n{first}-{last} of {result.total} articles"


# -- show / parse ---------------------------------------------------------
def article_text(article: Article) -> str:
    lines = [article.title, "=" * min(len(article.title), 78)]
    meta = [
        ("id", article.id),
        ("date", article.date.isoformat() if article.date else ""),
        ("authors", ", ".join(article.authors)),
        ("sources", ", ".join(article.sources)),
        ("tags", ", ".join(article.tags)),
        ("publisher", article.publisher),
        ("url", article.url),
        ("origin", article.origin),
    ]
    lines += [f"{name + ':':<11}{value}" for name, value in meta if value]
    return "\n".join(lines + ["", article.body])


def articles_json_lines(articles: Iterable[Article]) -> Iterable[str]:
    for article in articles:
        yield json.dumps(article.to_dict(), ensure_ascii=False)


# -- index / stats --------------------------------------------------------
def index_report(report: IndexReport, fmt: str) -> str:
    if fmt == "json":
        return to_json(report.to_dict())
    lines = [
        f"{report.new} new, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.skipped)} skipped ({report.files_read} files read, "
        f"{report.files_unchanged} unchanged files not re-read)",
    ]
    if report.removed:
        lines.append(f"{report.removed} articles removed (no longer in their files)")
    lines += [f"skipped {s.origin}: {s.reason}" for s in report.skipped]
    lines.append(f"{report.total} articles in the index")
    return "\n".join(lines)


def stats_report(stats: Stats, fmt: str, tablefmt: str = "simple") -> str:
    if fmt == "json":
        return to_json(stats.to_dict())
    span = f"{_day(stats.first_date)} to {_day(stats.last_date)}" if stats.first_date else "no dates"
    lines = [
        f"index:     {stats.path}",
        f"articles:  {stats.articles}",
        f"dates:     {span} ({stats.undated} undated)",
        f"size:      {stats.size_bytes / 1e6:.1f} MB",
    ]
    for title, counts in (("tag", stats.top_tags), ("source", stats.top_sources), ("author", stats.top_authors)):
        if counts:
            lines += ["", table((title, "articles"), counts, tablefmt, numeric=("articles",))]
    if stats.skipped_files:
        lines += ["", "files skipped in the last run (retried next time):"]
        lines += [f"  {s.origin}: {s.reason}" for s in stats.skipped_files]
    return "\n".join(lines)
