"""Command line: parse arguments, call one library method, render.

Exit status: 0 success; 1 indexing finished but some input was skipped (or
check found a problem); 2 a usage error, a malformed query, a missing index
or article; 3 the index is locked by another writer; 4 the index cannot be
used as it is (damaged, or written by an older version: check, rebuild);
5 a write failed (disk full, read-only, permission denied); 130 interrupted.
Library errors carry their status (``SearcherError.exit_code``).
"""
from __future__ import annotations

import errno
import functools
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import click

from . import __version__
from .cli_input import QueryCommand, files_named, input_format_option, inputs
from .cli_progress import _progress
from .errors import IndexDamaged, IndexingInterrupted, IndexLocked, IndexWriteError, SearcherError
from .query.fields import FACETS

if TYPE_CHECKING:
    from .query.request import Count, Match, Sort

INDEX_HELP = "Index folder (default: $SEARCHER_INDEX, else ./index)."


INTERRUPTED = "Interrupted: what was committed before stays; run the same command again to go on"
DAMAGED, WRITE_FAILED = IndexDamaged.exit_code, IndexWriteError.exit_code  # also for escaping OSErrors and read errors
# A write that failed for want of room or rights (exit 5), not damage.
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}


# CPython prints this itself (bytearray_dealloc -> PyErr_Print -> sys.excepthook)
# when decoding damaged index bytes frees a buffer mid-read; the error that
# follows is reported in our one line, so the extra line is dropped.
_CPYTHON_BUFFER_NOTICE = "deallocated bytearray object has exported buffers"


def _quiet_buffer_notice(previous: Any) -> Any:
    def hook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
        if kind is SystemError and str(value) == _CPYTHON_BUFFER_NOTICE:
            return
        previous(kind, value, tb)

    return hook


class _Group(click.Group):
    """Turns library errors into one-line messages and exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        previous = sys.excepthook
        sys.excepthook = _quiet_buffer_notice(previous)
        try:
            return self._invoke(ctx)
        finally:
            sys.excepthook = previous

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SearcherError as exc:
            _fail(ctx, str(exc), exc.exit_code)
        except IndexingInterrupted as exc:
            _fail(ctx, str(exc), 130, prefix="")
        except (KeyboardInterrupt, click.Abort):
            # Commits are atomic and the manifest follows them: a re-run resumes.
            _fail(ctx, INTERRUPTED, 130, prefix="")
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise  # click's own handling: output closed early
            _fail(ctx, *_os_error(ctx, exc))
        except Exception as exc:
            from searcher import engine

            if _manifest_unreadable(exc):
                _fail(ctx, _bad_manifest(ctx, exc), DAMAGED)
            if not engine.backend().failed_on_damage(exc, _index_path(ctx)):
                raise  # a bug: its traceback is what it needs
            _fail(ctx, _damaged(ctx, exc), DAMAGED)


def _fail(ctx: click.Context, message: str, code: int, prefix: str = "Error: ") -> None:
    message = " ".join(message.split())  # one line, whatever an exception's text holds
    click.echo(f"{prefix}{message}", err=True)
    ctx.exit(code)


def _index_path(ctx: click.Context) -> Path:
    from .api import default_index_path

    chosen = ctx.meta.get("searcher.index")
    return Path(chosen) if chosen else default_index_path()


def _damaged(ctx: click.Context, exc: BaseException) -> str:
    return (f"the index at {_index_path(ctx)} is damaged (reading it failed: {type(exc).__name__}: "
            f"{str(exc) or 'no detail'}); 'searcher check' says what is wrong, "
            "'searcher rebuild' rebuilds it from its files")


def _manifest_unreadable(exc: BaseException) -> bool:
    """Garbage where the manifest's JSON should be (bad JSON, bad UTF-8, a
    wrong shape), met while loading it: damage, not a bug."""
    if not isinstance(exc, (ValueError, TypeError, AttributeError, KeyError)):
        return False
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals.get("__name__") == "searcher.ingest.manifest" and tb.tb_frame.f_code.co_name == "load":
            return True
        tb = tb.tb_next
    return False


def _bad_manifest(ctx: click.Context, exc: BaseException) -> str:
    from searcher.ingest.manifest import MANIFEST_NAME

    return (f"the manifest {MANIFEST_NAME} of the index at {_index_path(ctx)} cannot be read "
            f"({type(exc).__name__}: {str(exc)[:200]}); 'searcher check' says what is wrong, "
            "'searcher rebuild PATH...' rebuilds the index from the folders you name")


def _os_error(ctx: click.Context, exc: OSError) -> tuple[str, int]:
    """An OSError escaping a command: a failed write (exit 5), or a file of
    the index gone or unreadable (damage, exit 4)."""
    where = f": {exc.filename}" if exc.filename else ""
    detail = f"{exc.strerror or exc}{where}"
    if exc.errno not in _WRITE_ERRNOS and exc.filename:
        index = _index_path(ctx).resolve()
        if index in Path(os.path.abspath(exc.filename)).resolve().parents:
            return _damaged(ctx, exc), DAMAGED
    return f"a file operation failed ({detail}); what was committed before stays", WRITE_FAILED


def output_options(formats: tuple[str, ...] = ("table", "json", "csv")) -> Callable:
    """--format and --fmt (any tabulate table format, implies --format table)."""

    def decorator(fn: Callable) -> Callable:
        @click.option("--format", "fmt", type=click.Choice(formats), default=formats[0],
                      show_default=True, help="Output format.")
        @click.option("--fmt", "tablefmt", default=None, metavar="TABULATE_FORMAT",
                      help="Table style, e.g. github, grid, plain (see tabulate).")
        @functools.wraps(fn)
        def wrapper(*args: Any, fmt: str, tablefmt: str | None, **kwargs: Any) -> Any:
            if tablefmt:
                from tabulate import tabulate_formats  # only when a style is named

                if tablefmt not in tabulate_formats:
                    raise click.BadParameter(f"{tablefmt!r} is not a table style; "
                                             f"choose from {', '.join(sorted(tabulate_formats))}",
                                             param_hint="--fmt")
                fmt = "table"
            return fn(*args, fmt=fmt, tablefmt=tablefmt or "simple", **kwargs)

        return wrapper

    return decorator


def _remember_index(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    ctx.meta["searcher.index"] = value  # for error messages (ctx.meta is shared with the group)
    return value


def index_option(fn: Callable) -> Callable:
    return click.option("--index", "index_dir", type=click.Path(file_okay=False), default=None,
                        help=INDEX_HELP, callback=_remember_index)(fn)


def _remember_cluster(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    ctx.meta["searcher.cluster"] = value
    return value


def cluster_option(fn: Callable) -> Callable:
    """--cluster: the archive is a sharded one on a Dask cluster (README, "A cluster")."""
    return click.option("--cluster", metavar="ADDRESS", default=None, envvar="SEARCHER_CLUSTER",
                        expose_value=False, callback=_remember_cluster,
                        help="The Dask scheduler of the cluster holding the archive (tcp://host:8786; "
                             "$SEARCHER_CLUSTER); --index is then its folder on the workers.")(fn)


def _open_archive(index_dir: str | None, allow_partial: bool = False, shards: int | None = None,
                  create: bool = False) -> Any:
    """The archive the command names: on a cluster when --cluster is given."""
    from .api import Archive

    address = click.get_current_context().meta.get("searcher.cluster")
    if address:
        return Archive.connect(address, index_dir, shards=shards, allow_partial=allow_partial)
    if create:
        return Archive.create(index_dir, shards=shards)
    # One question a process: starting a process a shard would cost more
    # than it saves (a search of 4 shards of 100k: 0.4 s here, 1.0 s so).
    return Archive.open(index_dir, allow_partial=allow_partial, processes=False)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="searcher")
def cli() -> None:
    """Full-text search for news archives."""


def write_options(fn: Callable) -> Callable:
    """--index, --commit-every, --jobs, --quiet, --wait: what every command writing an index takes."""
    fn = click.option("--wait", type=click.FloatRange(min=0), default=0, metavar="SECONDS",
                      help="When another process is writing the index, wait up to this long for it "
                           f"(default: fail at once, exit status {IndexLocked.exit_code}).")(fn)
    fn = click.option("--quiet", "-q", is_flag=True,
                      help="No progress (a self-rewriting line on a terminal, else a line a minute).")(fn)
    fn = click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
                      help="Processes parsing files (default: every core).")(fn)
    fn = click.option("--commit-every", type=click.IntRange(min=1), default=None,
                      help="Commit after this many articles (default 25000; sooner for long articles: "
                           "12M characters per writing process).")(fn)
    return index_option(fn)


@cli.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@input_format_option
@write_options
@cluster_option
@click.option("--exclude", multiple=True, metavar="GLOB",
              help="In folders, leave out files or folders matching this (repeatable): '*.txt', 'drafts/*'.")
@click.option("--verbose", "-v", is_flag=True, help="Name every file passed over (not an article format), with why.")
@click.option("--shards", type=click.IntRange(min=1, max=4096), default=None, metavar="N",
              help="Make a new archive of N shards (an article's shard is fixed by its id); "
                   "searched as one index, with the same results.")
@output_options(("table", "json"))
def index_cmd(paths: tuple[str, ...], input_format: str | None, index_dir: str | None, commit_every: int | None,
              jobs: int | None, quiet: bool, wait: float, exclude: tuple[str, ...], verbose: bool,
              shards: int | None, fmt: str, tablefmt: str) -> None:
    """Read articles from files and folders (recursively), or from standard
    input (-: JSON Lines, or --input-format), into the index.

    Exit status 1 when some input was skipped (each is listed with its reason)."""
    from .cli_render import index_report

    named = files_named(paths)
    if named == list(paths) and not any(os.path.lexists(p) for p in named):
        # Nothing to read: no index is created for it.
        raise click.UsageError(f"no such file or folder: {', '.join(paths)}")
    items = inputs(paths, input_format)
    progress = _progress(quiet)
    try:
        with _open_archive(index_dir, shards=shards, create=True) as archive:
            report = archive.add(items, commit_every=commit_every, progress=progress, jobs=jobs, wait=wait,
                                 exclude=exclude)
    finally:
        if progress:
            progress.close()
    click.echo(index_report(report, fmt, verbose=verbose))
    if not report.ok:
        sys.exit(1)


def _filters(values: tuple[str, ...]) -> dict[str, list[str]]:
    """--filter tag="Politics News" (repeatable) -> {"tag": ["Politics News"]}."""
    out: dict[str, list[str]] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise click.BadParameter(f"{item!r}: use KEY=VALUE, e.g. tag=\"Politics News\"", param_hint="--filter")
        out.setdefault(key.strip().lower(), []).append(value.strip().strip('"'))
    return out


def _use_color(flag: bool | None) -> bool:
    """Bold only on a terminal, and never when NO_COLOR is set or --no-color given."""
    if flag is not None:
        return flag
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _fields(value: str | None) -> list[str] | None:
    from .cli_render import HIT_FIELDS

    if not value:
        return None
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [n for n in names if n not in HIT_FIELDS]
    if unknown:
        raise click.BadParameter(f"unknown {', '.join(unknown)} (fields: {', '.join(HIT_FIELDS)})",
                                 param_hint="--fields")
    return names


def query_options(fn: Callable) -> Callable:
    """--filter, --since, --until: the narrowing options every query command takes."""
    fn = click.option("--until", default=None, metavar="DATE",
                      help="Up to the end of this date (2022-09-30, 2022-09, 2022; or 7d, 3m, 1y ago).")(fn)
    fn = click.option("--since", default=None, metavar="DATE",
                      help="From this date (any common form) or a span back from now: 7d, 2w, 3m, 1y.")(fn)
    return click.option("--filter", "filters", multiple=True, metavar="KEY=VALUE",
                        help="Only articles with this tag/source/author/publisher/year/month "
                             "(repeatable: AND across keys, OR within one).")(fn)


FORMATS = ("table", "json", "jsonl", "csv", "markdown")
SIMILARITY_HELP = ("How alike near-copies are: moderate (default: 70% of the shorter one's text in the "
                   "other), high (90%) or a number from 0.5 to 1.")


def count_options(fn: Callable) -> Callable:
    """--count, --similarity: counting articles or near-copy groups (stories)."""
    fn = click.option("--similarity", default=None, metavar="LEVEL", help=SIMILARITY_HELP)(fn)
    return click.option("--count", "counting", type=click.Choice(["articles", "stories"]), default="articles",
                        show_default=True,
                        help="stories: count each group of near-copies (syndicated copies of one story) once.")(fn)


def partial_option(fn: Callable) -> Callable:
    return click.option("--allow-partial", is_flag=True,
                        help="On a sharded archive, answer from the shards that can be read when some "
                             "cannot (said on stderr; JSON marks it partial). Default: fail, naming the shard.")(fn)


def _say_partial(missing: list[str]) -> None:
    if missing:
        click.echo(f"Partial results: {len(missing)} shard(s) could not be read ({', '.join(missing)}); "
                   "totals and counts are those of the other shards.", err=True)


@cli.command("search", cls=QueryCommand)
@click.argument("query")
@index_option
@cluster_option
@click.option("--limit", "-n", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--page", type=click.IntRange(min=1), default=None, help="Page number (pages of --limit hits).")
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Skip this many hits.")
@click.option("--sort", type=click.Choice(["relevance", "date", "-date"]), default="relevance",
              show_default=True, help="date: oldest first; -date: newest first.")
@click.option("--match", type=click.Choice(["all", "any"]), default="all", show_default=True,
              help="any: articles with any of the words, best score first.")
@click.option("--plain", is_flag=True, help="Read QUERY as plain words: no operators, fields or wildcards.")
@click.option("--facet", "facets", multiple=True, metavar="NAME",
              help="Count tags, sources, authors, publisher, language, year or month over all matches (repeatable).")
@click.option("--facet-limit", type=click.IntRange(min=1), default=10, show_default=True)
@query_options
@click.option("--fields", default=None, help="Columns, comma-separated (rank,id,date,title,authors,"
                                             "sources,tags,publisher,url,score,snippet).")
@click.option("--color/--no-color", default=None, help="Bold the matched words (default: on a terminal).")
@click.option("--collapse", is_flag=True,
              help="One hit per group of near-copies, with its number of copies and their outlets.")
@count_options
@partial_option
@output_options(FORMATS)
def search_cmd(query: str, index_dir: str | None, limit: int, page: int | None, offset: int, sort: Sort,
               match: Match, plain: bool, facets: tuple[str, ...], facet_limit: int,
               filters: tuple[str, ...], since: str | None, until: str | None, fields: str | None,
               color: bool | None, collapse: bool, counting: Count, similarity: str | None, allow_partial: bool,
               fmt: str, tablefmt: str) -> None:
    """Search the archive. QUERY uses the syntax in the README."""
    from .cli_render import search_result

    if page is not None:
        offset = (page - 1) * limit
    # Exports answer the query as given; only a person reading a table is
    # offered any-word results (told so on stderr).
    human = fmt in ("table", "markdown")
    with _open_archive(index_dir, allow_partial=allow_partial) as archive:
        result = archive.search(query, limit=limit, offset=offset, sort=sort, match=match, facets=facets,
                                facet_limit=facet_limit, filters=_filters(filters), since=since, until=until,
                                syntax=not plain, fallback=human, collapse=collapse, count=counting,
                                similarity=similarity)
    if result.fallback == "any":
        click.echo(f"No article has every word of {query!r}; showing articles with any of them.", err=True)
    _say_partial(result.missing_shards)
    width = shutil.get_terminal_size((160, 24)).columns
    bold = _use_color(color)
    # click.echo strips ANSI codes off a terminal unless told the colour was asked for.
    click.echo(search_result(result, fmt, tablefmt, _fields(fields), width, bold), color=bold)


@cli.command("facets", cls=QueryCommand)
@click.argument("facet", type=click.Choice(list(FACETS)))
@click.argument("query", default="")
@index_option
@cluster_option
@query_options
@count_options
@output_options(("table", "json", "csv", "markdown"))
def facets_cmd(facet: str, query: str, index_dir: str | None, filters: tuple[str, ...], since: str | None,
               until: str | None, counting: Count, similarity: str | None, fmt: str, tablefmt: str) -> None:
    """Every value of FACET with its article count, over QUERY's matches (all articles without one)."""
    from .cli_render import facet_output

    with _open_archive(index_dir) as archive:
        counts = archive.facet(facet, query, filters=_filters(filters), since=since, until=until, count=counting,
                               similarity=similarity)
    click.echo(facet_output(facet, counts, fmt, tablefmt, counting))


@cli.command("timeline", cls=QueryCommand)
@click.argument("query", default="")
@index_option
@cluster_option
@click.option("--by", type=click.Choice(["year", "month", "week", "day"]), default="month", show_default=True)
@click.option("--match", type=click.Choice(["all", "any"]), default="all", show_default=True)
@query_options
@count_options
@partial_option
@output_options(("table", "json", "csv", "markdown"))
def timeline_cmd(query: str, index_dir: str | None, by: str, match: Match, filters: tuple[str, ...],
                 since: str | None, until: str | None, counting: Count, similarity: str | None, allow_partial: bool,
                 fmt: str, tablefmt: str) -> None:
    """Matching articles per period, every period in the span (zeros included).

    When the span holds more than 10,000 periods (an article dated 0001
    among today's, by day), only the periods with articles are listed,
    and the table says so."""
    from .cli_render import timeline_output

    with _open_archive(index_dir, allow_partial=allow_partial) as archive:
        timeline = archive.timeline(query, by=by, match=match, filters=_filters(filters), since=since, until=until,
                                    count=counting, similarity=similarity)
    _say_partial(timeline.missing_shards)
    click.echo(timeline_output(timeline, fmt, tablefmt))


@cli.command("similar")
@click.argument("article_id")
@index_option
@cluster_option
@click.option("--limit", "-n", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--fields", default=None, help="Columns, comma-separated.")
@output_options(("table", "json", "jsonl", "csv", "markdown"))
def similar_cmd(article_id: str, index_dir: str | None, limit: int, fields: str | None, fmt: str,
                tablefmt: str) -> None:
    """The articles closest in content to ARTICLE_ID (itself excluded)."""
    from .cli_render import hits_output, to_json
    from .export import similar_dict

    with _open_archive(index_dir) as archive:
        hits = archive.similar(article_id, limit=limit)
    if fmt == "json":
        click.echo(to_json(similar_dict(article_id, hits)))
    else:
        default = ["rank", "date", "title", "authors", "sources", "score"]
        click.echo(hits_output(hits, fmt, tablefmt, _fields(fields) or default, 160, False))


@cli.command("duplicates")
@click.argument("article_id", required=False)
@index_option
@cluster_option
@click.option("--top", type=click.IntRange(min=1), default=None, metavar="N",
              help="Instead: the N most republished stories (groups with the most copies).")
@click.option("--similarity", default=None, metavar="LEVEL", help=SIMILARITY_HELP)
@output_options(("table", "json", "csv", "markdown"))
def duplicates_cmd(article_id: str | None, index_dir: str | None, top: int | None, similarity: str | None,
                   fmt: str, tablefmt: str) -> None:
    """ARTICLE_ID's near-copies (syndicated copies of its story) with their
    similarity, earliest first; or, with --top N, the most republished stories."""
    from .cli_render import copies_output, stories_output

    if (article_id is None) == (top is None):
        raise click.UsageError("give an ARTICLE_ID or --top N")
    with _open_archive(index_dir) as archive:
        if top is not None:
            click.echo(stories_output(archive.stories(top, similarity=similarity), fmt, tablefmt))
        else:
            assert article_id is not None
            click.echo(copies_output(archive.duplicates(article_id, similarity=similarity), fmt, tablefmt))


@cli.command("show")
@click.argument("article_id")
@index_option
@cluster_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def show_cmd(article_id: str, index_dir: str | None, fmt: str) -> None:
    """Print one whole article."""
    from .cli_render import article_text, to_json

    with _open_archive(index_dir) as archive:
        article = archive.get(article_id)
    click.echo(to_json(article.to_dict()) if fmt == "json" else article_text(article))


@cli.command("parse")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@input_format_option
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True,
              help="One JSON object per article per line.")
def parse_cmd(paths: tuple[str, ...], input_format: str | None, fmt: str) -> None:
    """Show what the readers extract from files, or from standard input (-),
    without indexing."""
    from .api import parse_files
    from .article import Skipped
    from .cli_render import articles_json_lines

    skipped = 0
    for record in parse_files(inputs(paths, input_format)):
        if isinstance(record, Skipped):
            skipped += 1
            click.echo(f"skipped {record.origin}: {record.reason}", err=True)
        else:
            click.echo(next(iter(articles_json_lines([record]))))
    if skipped:
        sys.exit(1)


@cli.command("stats")
@index_option
@cluster_option
@output_options(("table", "json"))
def stats_cmd(index_dir: str | None, fmt: str, tablefmt: str) -> None:
    """Article count, date span, top tags, sources and authors, size on disk."""
    from .cli_render import stats_report

    with _open_archive(index_dir) as archive:
        stats = archive.stats()
    click.echo(stats_report(stats, fmt, tablefmt))


@cli.command("serve")
@index_option
@cluster_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but this machine's own lets others read the archive.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="0: any free port.")
def serve_cmd(index_dir: str | None, host: str, port: int) -> None:
    """Search the archive in a web browser (read-only; Ctrl-C stops)."""
    from .web.server import LOCAL_HOSTS, serve

    if host not in LOCAL_HOSTS:
        click.echo(f"Note: listening on {host}: anyone who can reach this machine can read the archive.", err=True)
    with _open_archive(index_dir) as archive:
        try:
            serve(archive, host, port, started=lambda url: click.echo(f"Serving the archive at {url} (Ctrl-C stops)",
                                                                      err=True))
        except KeyboardInterrupt:
            click.echo("Stopped.", err=True)


@cli.command("check")
@index_option
@click.option("--quick", is_flag=True, help="Open every segment and read its documents, "
                                            "but not every term and posting.")
@click.option("--clean", is_flag=True, help="Remove files an interrupted write left (when no run is writing).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def check_cmd(index_dir: str | None, quick: bool, clean: bool, fmt: str) -> None:
    """Verify the index: segments read, no article twice, the manifest agrees,
    no stray files. Exit status 1 when something is wrong."""
    from .api import Archive
    from .cli_render import check_text, to_json

    report = Archive.check_at(index_dir, deep=not quick, clean=clean)
    click.echo(to_json(report.to_dict()) if fmt == "json" else check_text(report))
    if not report.ok:
        sys.exit(1)


@cli.command("rebuild")
@click.argument("paths", nargs=-1, type=click.Path())
@write_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--shards", type=click.IntRange(min=1, max=4096), default=None, metavar="N",
              help="Rebuild into N shards (reshard a sharded archive, or shard a single index).")
def rebuild_cmd(paths: tuple[str, ...], index_dir: str | None, commit_every: int | None, jobs: int | None,
                quiet: bool, wait: float, fmt: str, shards: int | None) -> None:
    """Rebuild the index from the files its manifest records and the files
    and folders PATHS (the only sources when the manifest is unreadable or
    missing; name a moved source folder's new place here), in a new folder
    that then replaces it. Exit status 1 when some file is gone or unreadable
    (each is listed)."""
    from .api import Archive
    from .cli_render import index_report

    progress = _progress(quiet)
    try:
        report = Archive.rebuild_at(index_dir, commit_every=commit_every, jobs=jobs, progress=progress, wait=wait,
                                    paths=paths, shards=shards)
    finally:
        if progress:
            progress.close()
    text = index_report(report, fmt)
    if fmt != "json":
        if report.kept:
            text += f"\n{report.kept} articles kept from the old index (no existing file provides them)"
        text += "".join(f"\nnote: {note}" for note in report.notes)
    click.echo(text)
    if not report.ok:
        sys.exit(1)


def main() -> None:
    cli(prog_name="searcher")
