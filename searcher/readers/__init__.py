"""Readers turn files into Articles. One registry maps formats to readers.

Adding a format is adding one module that calls :func:`register` and naming
it in ``_READER_MODULES``. A reader is a function ``read(path) -> Iterable[
Article | Skipped]``: it yields a Skipped for a record it cannot use, and
raises ReaderError (or any exception) when the whole file is unreadable.
"""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Union

from ..article import Article, Skipped


Record = Union[Article, Skipped]
ReadFn = Callable[[Path], Iterable[Record]]


@dataclass(frozen=True)
class Format:
    name: str
    extensions: tuple[str, ...]
    read: ReadFn


_FORMATS: dict[str, Format] = {}
_READER_MODULES = ("plaintext", "jsonfmt")
_loaded = False


def register(name: str, extensions: Iterable[str], read: ReadFn) -> None:
    _FORMATS[name] = Format(name, tuple(e.lower() for e in extensions), read)


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in _READER_MODULES:
            importlib.import_module(f"{__name__}.{module}")
        _loaded = True


def formats() -> dict[str, Format]:
    _load()
    return dict(_FORMATS)


def format_for(path: Path) -> Format | None:
    """The reader for a file, by extension; None when no reader claims it."""
    _load()
    name = path.name.lower()
    for fmt in _FORMATS.values():
        if any(name.endswith(ext) for ext in fmt.extensions):
            return fmt
    return None


def iter_files(
    paths: Iterable[str | os.PathLike[str]], exclude: Iterable[Path] = ()
) -> Iterator[Path]:
    """Files to read under the given files and folders, recursively, in a stable order.

    In folders, hidden entries (``.git``, editor swap files), folders in
    ``exclude`` (the index itself) and files no reader claims are passed
    over; a file named explicitly is always yielded, so that it is reported
    if it cannot be read.
    """
    excluded = {Path(p).resolve() for p in exclude}
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            yield path
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(
                d for d in dirs if not d.startswith(".") and (Path(root) / d).resolve() not in excluded
            )
            for name in sorted(files):
                if not name.startswith(".") and format_for(Path(name)) is not None:
                    yield Path(root) / name


def read_file(path: Path) -> Iterator[Record]:
    """Every record of one file; an unreadable file becomes one Skipped."""
    fmt = format_for(path)
    if fmt is None:
        yield Skipped(str(path), "unsupported file type")
        return
    try:
        yield from fmt.read(path)
    except (OSError, UnicodeError, ValueError) as exc:
        yield Skipped(str(path), _describe(exc))


def _describe(exc: Exception) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc) or type(exc).__name__


def read_paths(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Record]:
    for path in iter_files(paths):
        yield from read_file(path)
