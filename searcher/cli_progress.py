"""The CLI's progress display for indexing runs (stderr): a self-rewriting
bar on a terminal, a plain line a minute elsewhere.

Both show files, articles, the rate and, once reading has gone on a little,
the time left. The share done and the time left go by bytes (IndexProgress
has the size of the files to read): the time goes with the bytes, not with
the number of files.
"""
from __future__ import annotations

import math
import shutil
import sys
import time
from typing import Callable, Optional

import click

from .results import IndexProgress

REDRAW_SECONDS = 0.1  # at most ten redraws a second
BAR_WIDTH = 20
MIN_BAR_WIDTH = 5  # narrower, no bar: the share is written beside it anyway
# The time left is shown once reading has gone on this long: the first
# files' pace says little about the rest.
ESTIMATE_AFTER_SECONDS = 2.0

Clock = Callable[[], float]


def time_left(seconds: Optional[float]) -> str:
    """'~45s left', '~2m10s left', '~1h05m left'; '' when not known or none."""
    if seconds is None or seconds < 0.5:
        return ""
    whole = math.ceil(seconds)
    if whole < 60:
        return f"~{whole}s left"
    if whole < 3600:
        return f"~{whole // 60}m{whole % 60:02d}s left"
    return f"~{whole // 3600}h{whole % 3600 // 60:02d}m left"


def _megabytes(count: int) -> str:
    return f"{count / 1e9:,.1f} GB" if count >= 1e9 else f"{count / 1e6:,.1f} MB"


class _Estimate:
    """Where reading began (the first report: the folder walk and a wait
    for the lock come before it), for the time left."""

    def __init__(self) -> None:
        self.since: Optional[tuple[float, int]] = None  # (time, bytes done then)

    def note(self, now: float, state: IndexProgress) -> None:
        if self.since is None or state.bytes_done < self.since[1]:  # a new run of files
            self.since = (now, state.bytes_done)

    def text(self, now: float, state: IndexProgress) -> str:
        if self.since is None or now - self.since[0] < ESTIMATE_AFTER_SECONDS:
            return ""
        return time_left(state.seconds_left(now - self.since[0], self.since[1]))


def counts(state: IndexProgress, seconds: float) -> str:
    """'3/9 files, 3,000 articles, 49/s': ``seconds`` since the run began."""
    rate = state.articles / max(seconds, 1e-6)
    return f"{state.files_done:,}/{state.files_total:,} files, {state.articles:,} articles, {rate:,.0f}/s"


def bar_line(state: IndexProgress, seconds: float, left: str = "", columns: int = 0) -> str:
    """'[#####...............]  25% 3/9 files, 3,000 articles, 49/s, ~2m10s left'.
    Within ``columns`` - 1 characters when given (a full line would wrap):
    the bar narrows, then goes, then the line is cut."""
    text = f"{int(state.fraction_done * 100):3d}% {counts(state, seconds)}" + (f", {left}" if left else "")
    width = min(BAR_WIDTH, columns - 1 - len(text) - len("[] ")) if columns > 1 else BAR_WIDTH
    if width >= MIN_BAR_WIDTH:
        filled = int(width * state.fraction_done)
        text = f"[{'#' * filled}{'.' * (width - filled)}] {text}"
    return text[:columns - 1] if columns > 1 else text


def log_line(state: IndexProgress, seconds: float, left: str = "") -> str:
    """'3/9 files, 3,000 articles, 49/s, 25% of 30.0 MB, ~2m10s left' (the
    share and the size when there are bytes to read)."""
    line = counts(state, seconds)
    if state.bytes_total:
        line += f", {int(state.fraction_done * 100)}% of {_megabytes(state.bytes_total)}"
    return line + (f", {left}" if left else "")


class _ProgressLine:
    """One self-rewriting line on stderr: a bar by bytes read, files,
    articles, rate, time left."""

    def __init__(self, clock: Clock = time.monotonic, columns: Optional[Callable[[], int]] = None) -> None:
        self.clock = clock
        self.columns = columns or (lambda: shutil.get_terminal_size().columns)
        self.start = clock()
        self.last: Optional[float] = None
        self.estimate = _Estimate()
        self.drawn = 0  # characters on the line now

    def __call__(self, state: IndexProgress) -> None:
        now = self.clock()
        self.estimate.note(now, state)
        finished = state.files_done >= state.files_total
        if self.last is not None and now - self.last < REDRAW_SECONDS and not finished:
            return
        self.last = now
        line = bar_line(state, now - self.start, self.estimate.text(now, state), self.columns())
        # Spaces over what a longer line before left on screen.
        click.echo(f"\r{line}{' ' * max(0, self.drawn - len(line))}", nl=False, err=True)
        self.drawn = len(line)

    def close(self) -> None:
        if self.drawn:
            click.echo(err=True)


class _ProgressLog:
    """Progress for stderr that is not a terminal (a log file, nohup, CI):
    one plain line every ``every`` seconds, so a long run is seen to move."""

    def __init__(self, every: float = 60.0, clock: Clock = time.monotonic) -> None:
        self.every = every
        self.clock = clock
        self.start = self.last = clock()
        self.estimate = _Estimate()

    def __call__(self, state: IndexProgress) -> None:
        now = self.clock()
        self.estimate.note(now, state)
        if now - self.last < self.every:
            return
        self.last = now
        line = log_line(state, now - self.start, self.estimate.text(now, state))
        click.echo(f"{time.strftime('%H:%M:%S')} {line}", err=True)

    def close(self) -> None:
        pass


def _progress(quiet: bool):
    if quiet:
        return None
    return _ProgressLine() if sys.stderr.isatty() else _ProgressLog()
