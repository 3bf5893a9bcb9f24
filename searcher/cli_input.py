"""What commands read from their arguments: `index` and `parse` paths, and
`-` for standard input; `search`, `facets` and `timeline` a QUERY that may
begin with `-`.

`-` is standard input, read as JSON Lines unless ``--input-format`` names
another reader (the library's ``readers.stream_source``). The readers are
imported only when a command reads: `searcher search` never loads them.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import click

STDIN_ARG = "-"
# The registry's names (readers/__init__.py), written out for --help, which
# must not import the readers; tests/test_stdin.py checks they agree.
FORMAT_NAMES = ("jsonl", "json", "text", "html", "rss", "atom", "nitf", "newsml", "reuters", "warc")


class ReaderFormat(click.ParamType):
    """A reader's registered name, checked against the registry when given."""

    name = "format"

    def get_metavar(self, param: click.Parameter, ctx: Optional[click.Context] = None) -> str:
        return "NAME"

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]) -> str:
        from .readers import formats

        names = list(formats())
        if value not in names:
            self.fail(f"{value!r} is not a format; choose from {', '.join(names)}", param, ctx)
        return str(value)


def input_format_option(fn: Callable) -> Callable:
    return click.option("--input-format", type=ReaderFormat(), default=None,
                        help="The format of standard input (-), by reader name: "
                             f"{', '.join(FORMAT_NAMES)} (default: jsonl). Files are recognised "
                             "by their extension and content.")(fn)


def inputs(paths: tuple[str, ...], input_format: Optional[str]) -> list[Any]:
    """The paths as given, with `-` as a Source over standard input.

    `-` twice is a usage error (a stream is read once), and so is
    ``--input-format`` without `-` (files name their own format)."""
    dashes = paths.count(STDIN_ARG)
    if dashes > 1:
        raise click.UsageError("- (standard input) can be given only once")
    if not dashes:
        if input_format is not None:
            raise click.UsageError("--input-format is the format of standard input: give - among the paths "
                                   "(files are recognised by their extension and content)")
        return list(paths)
    from .readers import DEFAULT_STREAM_FORMAT, stream_source

    fmt = input_format or DEFAULT_STREAM_FORMAT
    stream = _stdin()
    if stream.isatty():  # nothing piped in: say why it waits, rather than hang silently
        click.echo(f"Reading {fmt} from standard input (end it with Ctrl-D; files: name them instead of -)",
                   err=True)
    return [stream_source(stream, fmt) if path == STDIN_ARG else path for path in paths]


def _stdin() -> Any:
    return click.get_binary_stream("stdin")


def files_named(paths: tuple[str, ...]) -> list[str]:
    """The paths that name files or folders (not standard input)."""
    return [path for path in paths if path != STDIN_ARG]


class QueryCommand(click.Command):
    """A command taking a QUERY, which may begin with '-' (`-y*`: every
    article without a word starting with y). Click reads such a query as an
    unknown option; the error then says how to pass it."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        given = list(args)
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            if exc.option_name.startswith("--"):
                raise  # a mistyped option, not a query
            query = next((arg for arg in given if arg.startswith(exc.option_name)), exc.option_name)
            raise click.UsageError(
                f"{exc.format_message()} A query that begins with '-' goes after '--', the options before "
                f"it: searcher {ctx.info_name} [OPTIONS] -- '{query}'", ctx) from None
