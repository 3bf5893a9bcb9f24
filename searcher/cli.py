"""Command line: parse arguments, call one library method, render.

Exit status: 0 success; 1 indexing finished but some input was skipped;
2 a usage error, a malformed query, a missing index or article; 3 the index
is locked by another writer.
"""
from __future__ import annotations

import functools
import sys
from typing import Any, Callable

import click

from . import __version__

INDEX_HELP = "Index folder (default: $SEARCHER_INDEX, else ./index)."


class _Group(click.Group):
    """Turns library errors into one-line messages and exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        from .errors import IndexLocked, SearcherError

        try:
            return super().invoke(ctx)
        except SearcherError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(3 if isinstance(exc, IndexLocked) else exc.exit_code)


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
                fmt = "table"
            return fn(*args, fmt=fmt, tablefmt=tablefmt or "simple", **kwargs)

        return wrapper

    return decorator


def index_option(fn: Callable) -> Callable:
    return click.option("--index", "index_dir", type=click.Path(file_okay=False), default=None,
                        help=INDEX_HELP)(fn)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="searcher")
def cli() -> None:
    """Full-text search for news archives."""


@cli.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@index_option
@click.option("--commit-every", type=click.IntRange(min=1), default=None,
              help="Commit after this many articles (default 5000).")
@output_options(("table", "json"))
def index_cmd(paths: tuple[str, ...], index_dir: str | None, commit_every: int | None,
              fmt: str, tablefmt: str) -> None:
    """Read articles from files and folders (recursively) into the index."""
    from .api import Archive
    from .cli_render import index_report

    with Archive.create(index_dir) as archive:
        report = archive.add(paths, commit_every=commit_every)
    click.echo(index_report(report, fmt))
    if not report.ok:
        sys.exit(1)


@cli.command("search")
@click.argument("query")
@index_option
@click.option("--limit", "-n", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Skip this many hits.")
@click.option("--sort", type=click.Choice(["relevance", "date", "-date"]), default="relevance",
              show_default=True, help="date: oldest first; -date: newest first.")
@output_options(("table", "json", "jsonl", "csv"))
def search_cmd(query: str, index_dir: str | None, limit: int, offset: int, sort: str,
               fmt: str, tablefmt: str) -> None:
    """Search the archive. QUERY uses the syntax in the README."""
    from .api import Archive
    from .cli_render import search_result

    with Archive.open(index_dir) as archive:
        result = archive.search(query, limit=limit, offset=offset, sort=sort)
    click.echo(search_result(result, fmt, tablefmt))


@cli.command("show")
@click.argument("article_id")
@index_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def show_cmd(article_id: str, index_dir: str | None, fmt: str) -> None:
    """Print one whole article."""
    from .api import Archive
    from .cli_render import article_text, to_json

    with Archive.open(index_dir) as archive:
        article = archive.get(article_id)
    click.echo(to_json(article.to_dict()) if fmt == "json" else article_text(article))


@cli.command("parse")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True,
              help="One JSON object per article per line.")
def parse_cmd(paths: tuple[str, ...], fmt: str) -> None:
    """Show what the readers extract from files, without indexing."""
    from .api import parse_files
    from .article import Skipped
    from .cli_render import articles_json_lines

    skipped = 0
    for record in parse_files(paths):
        if isinstance(record, Skipped):
            skipped += 1
            click.echo(f"skipped {record.origin}: {record.reason}", err=True)
        else:
            click.echo(next(iter(articles_json_lines([record]))))
    if skipped:
        sys.exit(1)


@cli.command("stats")
@index_option
@output_options(("table", "json"))
def stats_cmd(index_dir: str | None, fmt: str, tablefmt: str) -> None:
    """Article count, date span, top tags, sources and authors, size on disk."""
    from .api import Archive
    from .cli_render import stats_report

    with Archive.open(index_dir) as archive:
        stats = archive.stats()
    click.echo(stats_report(stats, fmt, tablefmt))


def main() -> None:
    cli(prog_name="searcher")
