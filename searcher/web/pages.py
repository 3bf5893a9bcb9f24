"""HTML pages from Jinja2 templates with autoescaping: every value from a
query or an article is escaped by the template engine; the few pieces
built here (snippets with their marks, the chart) escape their text first."""
from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Optional, Sequence
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from ..article import Article
from ..errors import QuerySyntaxError
from ..query.suggest import corrected_query
from ..results import Hit, SearchResult, Timeline
from .chart import Bar, timeline_svg
from .state import MAX_PAGE, PAGE_FACETS, PAGE_SIZE, SearchState

TEMPLATES = Path(__file__).parent / "templates"
FACET_LABELS = {"tags": "Tags", "sources": "Sources", "authors": "Authors", "publisher": "Publisher",
                "language": "Language", "year": "Year", "month": "Month"}
PAGE_WINDOW = 4  # page links either side of the current one


def safe_href(url: str) -> str:
    """An article's URL as a link only when it is http(s): never javascript: or data:."""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return ""
    return url.strip() if scheme in ("http", "https") else ""


def marked(text: str, spans: Sequence[tuple[int, int]]) -> Markup:
    """``text`` escaped, the (start, end) spans in <mark>."""
    out, at = [], 0
    for start, end in sorted(spans):
        if start < at or end > len(text) or start >= end:
            continue  # overlapping or out of range: left unmarked rather than garbled
        out += [escape(text[at:start]), Markup("<mark>"), escape(text[start:end]), Markup("</mark>")]
        at = end
    out.append(escape(text[at:]))
    return Markup("").join(out)


def day(value: Optional[datetime], precision: str = "") -> str:
    if value is None:
        return ""
    return value.strftime({"year": "%Y", "month": "%B %Y"}.get(precision, "%-d %B %Y"))


def paragraphs(body: str) -> list[str]:
    found = [part.strip() for part in body.replace("\r\n", "\n").split("\n\n")]
    return [part for part in found if part]


class Pages:
    def __init__(self) -> None:
        self.env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True),
                               trim_blocks=True, lstrip_blocks=True)
        self.env.filters.update(day=day, href=safe_href, number=lambda n: f"{n:,}")
        self.env.globals.update(labels=FACET_LABELS)

    def _render(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(**context)

    def error(self, status: int, message: str, state: Optional[SearchState] = None) -> str:
        return self._render("error.html", status=status, message=message, state=state or SearchState())

    def search(self, state: SearchState, result: Optional[SearchResult] = None, timeline: Optional[Timeline] = None,
               error: str = "", syntax_error: Optional[QuerySyntaxError] = None) -> str:
        context: dict[str, Any] = {"state": state, "result": result, "error": error,
                                   "syntax": _syntax_error(state.q, syntax_error) if syntax_error else None}
        if result is not None:
            context.update(
                hits=[_hit_view(hit, state) for hit in result.hits],
                facets=_facet_views(state, result),
                chips=_chips(state),
                pages=_pages(state, result),
                suggestion=_suggestion(state, result),
                chart=Markup(timeline_svg(timeline.periods, lambda bar: _narrowed(state, bar),
                                          "stories" if state.collapse else "articles")) if timeline else "",
                timeline=timeline,
                first=state.offset + 1, last=state.offset + len(result.hits),
                exports={fmt: state.url(f"/export.{fmt}", page=1) for fmt in ("csv", "json", "jsonl")},
            )
        return self._render("search.html", **context)

    def article(self, state: SearchState, article: Article, similar: list[Hit], copies: list[Hit]) -> str:
        return self._render("article.html", state=state, article=article, body=paragraphs(article.body),
                            similar=[_hit_view(hit, state) for hit in similar],
                            copies=[_hit_view(hit, state) for hit in copies if hit.id != article.id],
                            back=state.url("/"))

    def facet(self, state: SearchState, name: str, counts: list[tuple[str, int]]) -> str:
        rows = [(value, count, value in state.selected(name), state.link_with(name, value)) for value, count in counts]
        return self._render("facet.html", state=state, name=name, rows=rows, back=state.url("/"))


def _hit_view(hit: Hit, state: SearchState) -> dict[str, Any]:
    return {"hit": hit, "snippet": marked(hit.snippet, hit.highlights),
            "link": state.url("/article", extra=[("id", hit.id)])}


def _facet_views(state: SearchState, result: SearchResult) -> list[dict[str, Any]]:
    views = []
    for name in PAGE_FACETS:
        counts = result.facets.get(name, [])
        chosen = state.selected(name)
        rows = [{"value": value, "count": count, "selected": value in chosen,
                 "link": state.link_without(name, value) if value in chosen else state.link_with(name, value)}
                for value, count in counts]
        shown = {value for value, _count in counts}
        rows += [{"value": value, "count": None, "selected": True, "link": state.link_without(name, value)}
                 for value in chosen if value not in shown]
        if rows:
            views.append({"name": name, "label": FACET_LABELS[name], "rows": rows,
                          "more": state.url("/facet", extra=[("name", name)], page=1) if len(counts) >= 10 else ""})
    return views


def _chips(state: SearchState) -> list[dict[str, str]]:
    chips = [{"label": FACET_LABELS.get(name, name), "value": value, "link": state.link_without(name, value)}
             for name, values in state.filters for value in values]
    if state.since:
        chips.append({"label": "Since", "value": state.since, "link": replace(state, since="", page=1).url()})
    if state.until:
        chips.append({"label": "Until", "value": state.until, "link": replace(state, until="", page=1).url()})
    return chips


def _pages(state: SearchState, result: SearchResult) -> dict[str, Any]:
    shown = result.stories if result.collapsed and result.stories is not None else result.total
    count = min(max(1, math.ceil(shown / PAGE_SIZE)), MAX_PAGE)
    around = range(max(1, state.page - PAGE_WINDOW), min(count, state.page + PAGE_WINDOW) + 1)
    return {"count": count, "current": state.page,
            "links": [(n, state.url(page=n)) for n in around] if count > 1 else [],
            "previous": state.url(page=state.page - 1) if state.page > 1 else "",
            "next": state.url(page=state.page + 1) if state.page < count else ""}


def _suggestion(state: SearchState, result: SearchResult) -> Optional[dict[str, str]]:
    if not result.suggestions:
        return None
    corrected = corrected_query(state.q, result.suggestions)
    if corrected == state.q:
        return None
    return {"query": corrected, "link": state.url(q=corrected, page=1)}


def _narrowed(state: SearchState, bar: Bar) -> str:
    since, until = bar.dates
    return state.url(since=since, until=until, page=1, by="auto")


def _syntax_error(query: str, error: QuerySyntaxError) -> dict[str, Any]:
    position = error.position
    if position is None or not 0 <= position <= len(query):
        return {"message": error.message, "before": query, "at": "", "after": "", "position": None}
    return {"message": error.message, "position": position + 1, "before": query[:position],
            "at": query[position:position + 1] or " ", "after": query[position + 1:]}
