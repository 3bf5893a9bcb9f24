"""The CLI's progress display for indexing runs (stderr): a self-rewriting
line on a terminal, a plain line a minute elsewhere."""
from __future__ import annotations

import sys
import time
from typing import Callable

import click


class _ProgressLine:
    """One self-rewriting line on stderr: files, articles, rate."""

    WIDTH = 30

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.last = 0.0
        self.drawn = False

    def __call__(self, state) -> None:
        now = time.monotonic()
        if now - self.last < 0.1 and state.files_done < state.files_total:
            return  # at most ten redraws a second
        self.last = now
        done = state.files_done / state.files_total if state.files_total else 1.0
        filled = int(self.WIDTH * done)
        rate = state.articles / max(time.monotonic() - self.start, 1e-6)
        click.echo(f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {state.files_done}/{state.files_total} files, "
                   f"{state.articles:,} articles, {rate:,.0f}/s ", nl=False, err=True)
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            click.echo(err=True)


class _ProgressLog:
    """Progress for stderr that is not a terminal (a log file, nohup, CI):
    one plain line every ``every`` seconds, so a long run is seen to move."""

    def __init__(self, every: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.every = every
        self.clock = clock
        self.start = self.last = clock()

    def __call__(self, state) -> None:
        now = self.clock()
        if now - self.last < self.every:
            return
        self.last = now
        rate = state.articles / max(now - self.start, 1e-6)
        click.echo(f"{time.strftime('%H:%M:%S')} {state.files_done}/{state.files_total} files, "
                   f"{state.articles:,} articles, {rate:,.0f}/s", err=True)

    def close(self) -> None:
        pass


def _progress(quiet: bool):
    if quiet:
        return None
    return _ProgressLine() if sys.stderr.isatty() else _ProgressLog()
