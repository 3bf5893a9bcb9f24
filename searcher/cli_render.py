"""The CLI's renderer: results to table, JSON, JSON Lines or CSV text.

Part of the CLI edge (only the CLI uses it), so it may import tabulate:
but only when a table is drawn (tabulate and wcwidth cost ~60 ms at start-up,
which ``--format json`` must not pay). Functions take our result dataclasses
and return strings; cli.py prints.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterable, Optional, Sequence

from .article import Article, Skipped
from .export import (
    COLLAPSED_CSV_FIELDS,
    CSV_FIELDS,
    LIST_SEP,
    copies_dict,
    day_text,
    facet_list,
    hit_cell,
    timeline_list,
    to_csv,
)
from .results import CheckReport, Hit, IndexReport, SearchResult, Stats, Story, Timeline


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str = "simple",
          numeric: Sequence[str] = ()) -> str:
    """A tabulate table; columns named in ``numeric`` are right-aligned."""
    from tabulate import tabulate

    align = ["right" if name in numeric else "left" for name in header]
    return tabulate(rows, headers=list(header), tablefmt=fmt, disable_numparse=True, colalign=align)


# -- hits -----------------------------------------------------------------
HIT_FIELDS = ("rank", "id", "date", "title", "authors", "sources", "tags", "publisher", "url",
              "score", "snippet", "group", "copies", "outlets")
TABLE_FIELDS = ("rank", "date", "title", "authors", "sources", "score", "snippet")
# A collapsed search: each hit stands for its group.
COLLAPSED_TABLE_FIELDS = ("rank", "date", "title", "copies", "outlets", "score", "snippet")
# Wrap widths for table cells; the snippet takes what the terminal has left.
_WRAP = {"title": 40, "authors": 22, "sources": 22, "tags": 22, "publisher": 20, "url": 40, "id": 30,
         "outlets": 22}
BOLD, RESET = "\x1b[1m", "\x1b[0m"


# Columns never wrapped: an id or URL must stay whole to be pasted into `show`.
_WHOLE = ("rank", "date", "score", "id", "url", "copies", "group")
_MIN_WIDTH = {"title": 16, "snippet": 20}


def _widths(fields: Sequence[str], rows: Sequence[Sequence[str]], total_width: int) -> list[Optional[int]]:
    """A wrap width per column (None: never wrapped) so the table fits in
    ``total_width`` where it can: whole columns keep their width, the others
    take what is left (the snippet first gives up its room, down to
    _MIN_WIDTH), none below its minimum."""
    # tabulate pads a header by 2 (MIN_PADDING): a column is never narrower.
    natural = [max([len(f) + 2] + [len(line) for row in rows for line in row[i].splitlines() or [""]])
               for i, f in enumerate(fields)]
    wrap = {f: min(natural[i], _WRAP.get(f, 20)) for i, f in enumerate(fields) if f not in _WHOLE}
    if "snippet" in wrap:
        wrap["snippet"] = natural[fields.index("snippet")]
    used = sum(natural[i] for i, f in enumerate(fields) if f in _WHOLE) + 2 * (len(fields) - 1)
    excess = used + sum(wrap.values()) - total_width
    for name in ["snippet"] + sorted((f for f in wrap if f != "snippet"), key=lambda f: -wrap[f]):
        if excess <= 0 or name not in wrap:
            continue
        floor = min(wrap[name], _MIN_WIDTH.get(name, 10))
        give = min(excess, wrap[name] - floor)
        wrap[name] -= give
        excess -= give
    return [wrap.get(f) for f in fields]


_NATURAL_MIN = {"rank": 6, "date": 10, "score": 7, "copies": 8}
# Default columns given up, in this order, when the terminal is too narrow.
_OPTIONAL = ("sources", "authors", "outlets", "score")


def fit_fields(fields: Sequence[str], total_width: int) -> list[str]:
    """The default table columns that fit ``total_width`` at their narrowest."""
    fields = list(fields)
    for name in _OPTIONAL:
        narrowest = sum(_NATURAL_MIN.get(f) or _MIN_WIDTH.get(f, 10) for f in fields) + 2 * (len(fields) - 1)
        if narrowest <= total_width or name not in fields:
            continue
        fields.remove(name)
    return fields


def _embolden(text: str, hits: Sequence[Hit]) -> str:
    """Bold every matched word (as the snippets show them) in rendered text."""
    words = {hit.snippet[s:e].lower() for hit in hits for s, e in hit.highlights}
    if not words:
        return text
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + r")\b",
                         re.IGNORECASE)
    return pattern.sub(lambda m: f"{BOLD}{m.group(0)}{RESET}", text)


def hits_table(hits: Sequence[Hit], fields: Sequence[str], tablefmt: str, width: int, color: bool) -> str:
    from tabulate import tabulate

    rows = [[hit_cell(hit, f, True) for f in fields] for hit in hits]
    wraps = _widths(fields, rows, width)
    align = ["right" if f in ("rank", "score") else "left" for f in fields]
    text = tabulate(rows, headers=list(fields), tablefmt=tablefmt, disable_numparse=True,
                    colalign=align, maxcolwidths=wraps)
    return _embolden(text, hits) if color else text


def hits_output(hits: Sequence[Hit], fmt: str, tablefmt: str, fields: Optional[Sequence[str]],
                width: int, color: bool, collapsed: bool = False) -> str:
    if fmt == "jsonl":
        return "\n".join(json.dumps(hit.to_dict(), ensure_ascii=False) for hit in hits)
    if fmt == "csv":
        names = fields or (COLLAPSED_CSV_FIELDS if collapsed else CSV_FIELDS)
        return to_csv(names, [[hit_cell(hit, f, False) for f in names] for hit in hits])
    default = COLLAPSED_TABLE_FIELDS if collapsed else TABLE_FIELDS
    return hits_table(hits, fields or fit_fields(default, width), "github" if fmt == "markdown" else tablefmt,
                      width, color)


def search_result(result: SearchResult, fmt: str, tablefmt: str = "simple", fields: Optional[Sequence[str]] = None,
                  width: int = 160, color: bool = False) -> str:
    if fmt == "json":
        return to_json(result.to_dict())
    if fmt in ("jsonl", "csv"):
        return hits_output(result.hits, fmt, tablefmt, fields, width, color, result.collapsed)
    lines = []
    if result.hits:
        first, last = result.offset + 1, result.offset + len(result.hits)
        lines += [hits_output(result.hits, fmt, tablefmt, fields, width, color, result.collapsed), "",
                  f"{first}-{last} of {_matched(result)}"]
    elif result.total:
        lines.append(f"No {'stories' if result.collapsed else 'articles'} on this page; {_matched(result)} "
                     f"match {result.query!r}.")
    else:
        lines.append(f"No articles match {result.query!r}" + (f": {result.notice}." if result.notice else "."))
    for word, options in result.suggestions.items():
        lines.append(f"Did you mean: {word} -> {', '.join(options)}?")
    for name, counts in result.facets.items():
        lines += ["", facet_table(name, counts, "github" if fmt == "markdown" else tablefmt, result.count)]
    return "\n".join(lines)


def _matched(result: SearchResult) -> str:
    """How many match: articles, and the stories they tell when counted."""
    if result.stories is None:
        return f"{result.total} articles"
    if result.collapsed:
        return f"{result.stories} stories ({result.total} articles)"
    return f"{result.total} articles ({result.stories} stories)"


# -- facets and timeline ----------------------------------------------------
def facet_table(name: str, counts: Sequence[tuple[str, int]], tablefmt: str = "simple",
                counting: str = "articles") -> str:
    return table((name, counting), counts, tablefmt, numeric=(counting,))


def facet_output(name: str, counts: Sequence[tuple[str, int]], fmt: str, tablefmt: str,
                 counting: str = "articles") -> str:
    if fmt == "json":
        return to_json(facet_list(counts))
    if fmt == "csv":
        return to_csv(("value", "count"), counts)
    return facet_table(name, counts, "github" if fmt == "markdown" else tablefmt, counting)


BAR_WIDTH = 40


def timeline_output(timeline: Timeline, fmt: str, tablefmt: str) -> str:
    if fmt == "json":
        return to_json(timeline_list(timeline))
    if fmt == "csv":
        return to_csv(("period", "count"), timeline.periods)
    top = max((c for _, c in timeline.periods), default=0)
    rows = [(p, c, "█" * round(BAR_WIDTH * c / top) if top else "") for p, c in timeline.periods]
    counted = timeline.count
    text = table(("period", counted, ""), rows, "github" if fmt == "markdown" else tablefmt,
                 numeric=(counted,)) if rows else f"No dated {counted} match."
    coarse = f", {timeline.coarse} dated only to a longer period than a {timeline.by}" if timeline.coarse else ""
    return (f"{text}\n\n{timeline.total} {counted}, {timeline.undated} without a date{coarse}"
            f"{_sparse_note(timeline)}")


def _sparse_note(timeline: Timeline) -> str:
    """Past facets.MAX_PERIODS the periods without articles are left out: say so."""
    from searcher.query.periods import MAX_PERIODS, label_start, span_periods

    if not timeline.periods:
        return ""
    first, last = timeline.periods[0][0], timeline.periods[-1][0]
    span = span_periods(label_start(first, timeline.by), label_start(last, timeline.by), timeline.by)
    if span <= len(timeline.periods):
        return ""
    unit = f"{timeline.by}s"
    return (f"\nonly the {len(timeline.periods):,} {unit} with articles are listed: {first} to {last} is "
            f"{span:,} {unit}, more than {MAX_PERIODS:,}; use a coarser --by, or --since/--until")


# -- show / parse ---------------------------------------------------------
# -- near-copies --------------------------------------------------------------
COPY_FIELDS = ("rank", "date", "publisher", "title", "similarity", "id")


def copies_output(hits: Sequence[Hit], fmt: str, tablefmt: str) -> str:
    """An article's near-copies (``score``: the similarity), the article first."""
    if fmt == "json":
        return to_json(copies_dict(hits))
    rows = [[hit_cell(hit, "rank", False), hit_cell(hit, "date", fmt != "csv"), hit.publisher, hit.title,
             f"{hit.score:.2f}" if hit.score is not None else "", hit.id] for hit in hits]
    if fmt == "csv":
        return to_csv(COPY_FIELDS, rows)
    note = (f"{len(hits) - 1} near-copies of {hits[0].id} (group {hits[0].group})" if len(hits) > 1
            else f"No near-copies of {hits[0].id}.")
    return table(COPY_FIELDS, rows, "github" if fmt == "markdown" else tablefmt, numeric=("rank", "similarity")) \
        + "\n\n" + note


STORY_FIELDS = ("rank", "copies", "date", "title", "outlets", "group")


def stories_output(stories: Sequence[Story], fmt: str, tablefmt: str) -> str:
    """The most republished stories."""
    if fmt == "json":
        return to_json([story.to_dict() for story in stories])
    rows = [[str(rank), str(story.copies), day_text(story.date) if fmt != "csv" else
             (story.date.isoformat() if story.date else ""), story.title,
             (", " if fmt != "csv" else LIST_SEP).join(story.outlets), story.group]
            for rank, story in enumerate(stories, 1)]
    if fmt == "csv":
        return to_csv(STORY_FIELDS, rows)
    if not rows:
        return "No article has a near-copy."
    return table(STORY_FIELDS, rows, "github" if fmt == "markdown" else tablefmt, numeric=("rank", "copies"))


def article_text(article: Article) -> str:
    lines = [article.title, "=" * min(len(article.title), 78)]
    meta = [
        ("id", article.id),
        ("date", (article.date.isoformat() if article.date else "")
         + (f" (known only to the {article.date_precision})" if article.date_precision else "")),
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
def _kinds(records: Sequence[Skipped]) -> list[tuple[str, int]]:
    """Passed-over files by extension, most first: [(".pdf", 3), (".txt by content", 2), ...]."""
    from collections import Counter
    from pathlib import PurePath

    from .readers import UNSUPPORTED
    from .readers.textshape import is_not_an_article

    def kind(record: Skipped) -> str:
        extension = PurePath(record.origin.split("!")[-1]).suffix.lower() or "without extension"
        if is_not_an_article(record.reason):
            return f"{extension} by content"  # read, and found a list, a table, a README
        return extension if record.reason == UNSUPPORTED else "symbolic link loops"

    counts = Counter(kind(r) for r in records)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def index_report(report: IndexReport, fmt: str, verbose: bool = False) -> str:
    if fmt == "json":
        return to_json(report.to_dict())
    lines = [
        f"{report.new} new, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.skipped)} skipped ({report.files_read} files read, "
        f"{report.files_unchanged} unchanged files not re-read)",
    ]
    if report.ignored:
        kinds = ", ".join(f"{n} {k}" for k, n in _kinds(report.passed_over))
        lines.append(f"{report.ignored} passed over, not articles ({kinds})"
                     + ("" if verbose else "; --verbose names them"))
        if verbose:
            lines += [f"passed over {s.origin}: {s.reason}" for s in report.passed_over]
    if report.removed:
        lines.append(f"{report.removed} articles removed (no longer in their files)")
    lines += [f"skipped {s.origin}: {s.reason}" for s in report.skipped]
    lines += [f"warning: {w}" for w in report.warnings]
    lines.append(f"{report.total} articles in the index")
    return "\n".join(lines)


def stats_report(stats: Stats, fmt: str, tablefmt: str = "simple") -> str:
    if fmt == "json":
        return to_json(stats.to_dict())
    span = f"{day_text(stats.first_date)} to {day_text(stats.last_date)}" if stats.first_date else "no dates"
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


def check_text(report: CheckReport) -> str:
    lines = [
        f"index:      {report.path}",
        f"articles:   {report.articles} in {report.segments} segments (commit {report.generation})",
        f"manifest:   {report.files_recorded} files, {report.ids_recorded} article ids"
        + (f" ({report.unrecorded} articles in the index come from no recorded file)" if report.unrecorded else ""),
    ]
    if report.writer is not None:
        lines.append(f"writing:    an indexing run (pid {report.writer or '?'}) is writing now; "
                     "this checks its last commit")
    sums = f"checksums:  {report.verified} files match their recorded checksums"
    if report.unchecksummed:
        later = " (recorded by the next check while no run writes)"
        sums += f"; {len(report.unchecksummed)} not yet checksummed" + (" (recorded now)" if report.checksummed_now
                                                                         else later)
    lines.append(sums)
    if report.cleaned:
        lines.append(f"cleaned:    removed {len(report.cleaned)} leftover files")
    lines += [f"{p.severity}: {p.message}" for p in report.problems]
    lines.append("OK" if report.ok else f"FAILED: {len(report.errors)} problems")
    return "\n".join(lines)
