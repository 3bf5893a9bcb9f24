"""The web application: a WSGI callable over one open Archive.

Read-only: it answers GET and HEAD only, serves nothing but its own
pages, its packaged static files and the archive's answers. Every page's
state is in its URL (state.py); /api/ answers with the CLI's JSON.
"""
from __future__ import annotations

import json
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Optional
from urllib.parse import parse_qs

from ..errors import ArticleNotFound, InvalidArgument, QuerySyntaxError, QueryTooBroad, SearcherError
from ..export import (
    COLLAPSED_CSV_FIELDS,
    CSV_FIELDS,
    copies_dict,
    facet_list,
    hits_csv,
    hits_json_lines,
    similar_dict,
    timeline_list,
)
from ..query.fields import check_facet, check_period
from .pages import Pages
from .state import PAGE_FACETS, PAGE_SIZE, SearchState, state_from

if TYPE_CHECKING:
    from ..api import Archive

StartResponse = Callable[..., Any]
USAGE = InvalidArgument.exit_code
STATIC = Path(__file__).parent / "static"
_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".svg": "image/svg+xml"}
# No inline script or style runs, nothing loads from elsewhere: text an
# article smuggles past the escaping still cannot execute.
SECURITY_HEADERS = [
    ("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                                "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
]
API_LIMIT = 1000  # hits a page of /api/search; the export streams the whole set
EXPORT_BATCH = 1000


class Response:
    def __init__(self, body: Iterable[bytes] | bytes | str, status: int = 200, content_type: str = "text/html; "
                 "charset=utf-8", headers: Optional[list[tuple[str, str]]] = None):
        self.body = [body.encode("utf-8")] if isinstance(body, str) else [body] if isinstance(body, bytes) else body
        self.status = status
        self.headers = [("Content-Type", content_type), *SECURITY_HEADERS, *(headers or [])]


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, indent=2), status, "application/json; charset=utf-8")


class WebApp:
    """``WebApp(archive)`` is a WSGI application (wsgiref, waitress, gunicorn...)."""

    def __init__(self, archive: "Archive"):
        self.archive = archive  # shared by the server's threads (an Archive is safe to share)
        self.pages = Pages()
        self.routes: dict[str, Callable[[Mapping[str, list[str]]], Response]] = {
            "/": self.search_page, "/article": self.article_page, "/facet": self.facet_page,
            "/export.csv": self.export_csv, "/export.jsonl": self.export_jsonl, "/export.json": self.export_json,
            "/api/search": self.api_search, "/api/facets": self.api_facets, "/api/timeline": self.api_timeline,
            "/api/article": self.api_article, "/api/similar": self.api_similar, "/api/copies": self.api_copies,
            "/api/stats": self.api_stats,
        }

    # -- WSGI --------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        response = self.respond(environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/"),
                                environ.get("QUERY_STRING", ""))
        start_response(f"{response.status} {HTTPStatus(response.status).phrase}", response.headers)
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else response.body

    def respond(self, method: str, path: str, query_string: str) -> Response:
        if method not in ("GET", "HEAD"):
            return Response("This archive is read-only: only GET and HEAD are answered.\n", 405,
                            "text/plain; charset=utf-8", [("Allow", "GET, HEAD")])
        params = parse_qs(query_string, keep_blank_values=True)
        if path.startswith("/static/"):
            return self.static(path[len("/static/"):])
        handler = self.routes.get(path)
        if handler is None:
            return self._error(path, params, HTTPStatus.NOT_FOUND, f"No page at {path}.")
        try:
            return handler(params)
        except ArticleNotFound as exc:
            return self._error(path, params, HTTPStatus.NOT_FOUND, str(exc))
        except SearcherError as exc:
            # The asker's mistake (the CLI's exit status 2: a malformed query, a bad
            # value) or the index's state (damaged, unreadable): said, never a traceback.
            status = HTTPStatus.BAD_REQUEST if exc.exit_code == USAGE else HTTPStatus.INTERNAL_SERVER_ERROR
            return self._error(path, params, status, str(exc))

    def _error(self, path: str, params: Mapping[str, list[str]], status: HTTPStatus, message: str) -> Response:
        if path.startswith("/api/") or path.startswith("/export"):
            return _json({"error": message, "status": int(status)}, int(status))
        # The search box keeps what was asked, to be corrected.
        return Response(self.pages.error(int(status), message, _state_or_default(params)), int(status))

    def static(self, name: str) -> Response:
        # Only the package's own files, by plain name: no path leads elsewhere.
        found = STATIC / name
        if "/" in name or "\\" in name or name.startswith(".") or not found.is_file() \
                or found.suffix not in _STATIC_TYPES:
            return Response("Not found\n", 404, "text/plain; charset=utf-8")
        return Response(found.read_bytes(), 200, _STATIC_TYPES[found.suffix],
                        [("Cache-Control", "max-age=3600")])

    # -- pages -------------------------------------------------------------
    def search_page(self, params: Mapping[str, list[str]]) -> Response:
        try:
            state = state_from(params)
        except InvalidArgument as exc:
            return Response(self.pages.search(SearchState(), error=str(exc)), 400)
        try:
            result = self.archive.search(
                state.q, limit=PAGE_SIZE, offset=state.offset, sort=state.effective_sort,
                match=state.effective_match, facets=PAGE_FACETS, facet_limit=10, syntax=not state.plain,
                collapse=state.collapse, **state.query_args())  # type: ignore[arg-type]
            timeline = self.archive.timeline(
                state.q, by=state.timeline_by(), syntax=not state.plain,
                match=result.fallback or state.effective_match,  # type: ignore[arg-type]
                count="stories" if state.collapse else "articles", **state.query_args())  # type: ignore[arg-type]
        except QuerySyntaxError as exc:
            if exc.position is None:  # not in the query box: a date that cannot be read
                return Response(self.pages.search(state, error=str(exc)), 400)
            return Response(self.pages.search(state, syntax_error=exc), 400)
        except (InvalidArgument, QueryTooBroad) as exc:
            return Response(self.pages.search(state, error=str(exc)), 400)
        return Response(self.pages.search(state, result=result, timeline=timeline))

    def article_page(self, params: Mapping[str, list[str]]) -> Response:
        article_id = _required(params, "id")
        state = _state_or_default(params)
        article = self.archive.get(article_id)
        similar = self.archive.similar(article_id, limit=10)
        copies = self.archive.duplicates(article_id)
        return Response(self.pages.article(state, article, similar, copies))

    def facet_page(self, params: Mapping[str, list[str]]) -> Response:
        name = check_facet(_required(params, "name"))
        state = state_from(params)
        counts = self.archive.facet(name, state.q, syntax=not state.plain,
                                    **state.query_args())  # type: ignore[arg-type]
        return Response(self.pages.facet(state, name, counts))

    # -- exports: the whole result set, streamed -----------------------------
    def _all_hits(self, params: Mapping[str, list[str]]) -> Iterator[Any]:
        state = state_from(params)
        hits = self.archive.iter_hits(state.q, sort=state.effective_sort, match=state.effective_match,
                                      syntax=not state.plain, collapse=state.collapse, batch=EXPORT_BATCH,
                                      **state.query_args())  # type: ignore[arg-type]
        first = next(hits, None)  # the first batch here: a malformed query fails before the response starts
        if first is None:
            return iter(())
        return _chained(first, hits)

    def export_csv(self, params: Mapping[str, list[str]]) -> Response:
        fields = COLLAPSED_CSV_FIELDS if state_from(params).collapse else CSV_FIELDS
        lines = hits_csv(self._all_hits(params), fields)
        return Response(_encoded(lines), 200, "text/csv; charset=utf-8", _attachment("csv"))

    def export_jsonl(self, params: Mapping[str, list[str]]) -> Response:
        lines = hits_json_lines(self._all_hits(params))
        return Response(_encoded(lines), 200, "application/x-ndjson; charset=utf-8", _attachment("jsonl"))

    def export_json(self, params: Mapping[str, list[str]]) -> Response:
        hits = self._all_hits(params)
        return Response(_encoded(_json_array(hits)), 200, "application/json; charset=utf-8", _attachment("json"))

    # -- /api/: the CLI's JSON ---------------------------------------------
    def api_search(self, params: Mapping[str, list[str]]) -> Response:
        state = state_from(params)
        limit = _number(params, "limit", PAGE_SIZE, 1, API_LIMIT)
        offset = _number(params, "offset", state.offset, 0, 10**9)
        facets = [check_facet(name) for name in params.get("facet", []) if name]
        result = self.archive.search(state.q, limit=limit, offset=offset, sort=state.effective_sort,
                                     match=state.effective_match, facets=facets, syntax=not state.plain,
                                     collapse=state.collapse, fallback=False,
                                     facet_limit=_number(params, "facet_limit", 10, 1, 10**6),
                                     **state.query_args())  # type: ignore[arg-type]
        return _json(result.to_dict())

    def api_facets(self, params: Mapping[str, list[str]]) -> Response:
        name = check_facet(_required(params, "facet"))
        state = state_from(params)
        counts = self.archive.facet(name, state.q, syntax=not state.plain,
                                    **state.query_args())  # type: ignore[arg-type]
        return _json(facet_list(counts))

    def api_timeline(self, params: Mapping[str, list[str]]) -> Response:
        state = state_from(params)
        by = state.by if state.by != "auto" else "month"
        timeline = self.archive.timeline(state.q, by=check_period(by), syntax=not state.plain,
                                         match=state.effective_match, **state.query_args())  # type: ignore[arg-type]
        return _json(timeline_list(timeline))

    def api_article(self, params: Mapping[str, list[str]]) -> Response:
        return _json(self.archive.get(_required(params, "id")).to_dict())

    def api_similar(self, params: Mapping[str, list[str]]) -> Response:
        article_id = _required(params, "id")
        hits = self.archive.similar(article_id, limit=_number(params, "limit", 10, 1, API_LIMIT))
        return _json(similar_dict(article_id, hits))

    def api_copies(self, params: Mapping[str, list[str]]) -> Response:
        return _json(copies_dict(self.archive.duplicates(_required(params, "id"))))

    def api_stats(self, params: Mapping[str, list[str]]) -> Response:
        return _json(self.archive.stats().to_dict())


def _state_or_default(params: Mapping[str, list[str]]) -> SearchState:
    try:
        return state_from(params)
    except InvalidArgument:
        return SearchState()


def _required(params: Mapping[str, list[str]], name: str) -> str:
    value = (params.get(name) or [""])[-1]
    if not value:
        raise InvalidArgument(f"the parameter {name!r} is required")
    return value


def _number(params: Mapping[str, list[str]], name: str, default: int, least: int, most: int) -> int:
    text = (params.get(name) or [""])[-1].strip()
    if not text:
        return default
    if not text.isdigit() or not least <= int(text) <= most:
        raise InvalidArgument(f"{name} must be a number from {least} to {most}")
    return int(text)


def _attachment(ext: str) -> list[tuple[str, str]]:
    return [("Content-Disposition", f'attachment; filename="searcher-export.{ext}"')]


def _chained(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def _json_array(hits: Iterator[Any]) -> Iterator[str]:
    yield "["
    for i, hit in enumerate(hits):
        yield ("," if i else "") + "\n" + json.dumps(hit.to_dict(), ensure_ascii=False)
    yield "\n]\n"


def _encoded(lines: Iterable[str], size: int = 1 << 16) -> Iterator[bytes]:
    """Text as UTF-8 in chunks of about ``size`` bytes (not a write a line)."""
    buffer: list[str] = []
    held = 0
    for line in lines:
        buffer.append(line)
        held += len(line)
        if held >= size:
            yield "".join(buffer).encode("utf-8")
            buffer, held = [], 0
    if buffer:
        yield "".join(buffer).encode("utf-8")

