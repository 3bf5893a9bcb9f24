"""Readers turn files into Articles. One registry maps formats to readers.

Adding a format is adding one module that calls :func:`register` and naming
it in ``_READER_MODULES``. A reader is a function ``read(source) ->
Iterable[Article | Skipped]`` over a :class:`~.source.Source` (a file on
disk or a member of a container): it yields a Skipped for a record it cannot
use (any exception while converting one record is caught, per record, and
becomes a Skipped with :func:`record_failure`), and raises (ValueError,
OSError, ...) only when the whole file is unreadable.

A format is chosen by file extension; where several formats share one
(``.xml``: feeds, NITF, NewsML) or a reader must confirm (``sniff``), the
first bytes decide. A stream has no name: :func:`stream_source` names its
format (JSON Lines unless told).
"""
from __future__ import annotations

import errno
import fnmatch
import importlib
import lzma
import os
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, Optional, Union

from ..article import Article, Skipped
from ..errors import InvalidArgument
from ..languages import decided
from .containers import container_kind, expand, inner_name
from .source import Source

Record = Union[Article, Skipped]
# The reason given for a file no reader takes: in a folder or a bundle such
# files (images, sitemaps, notes) are passed over; named explicitly, reported.
UNSUPPORTED = "unsupported file type"
ReadFn = Callable[[Source], Iterable[Record]]
SniffFn = Callable[[bytes], bool]


@dataclass(frozen=True)
class Format:
    name: str
    extensions: tuple[str, ...]
    read: ReadFn
    sniff: Optional[SniffFn] = None  # True when the first bytes look like this format


_FORMATS: dict[str, Format] = {}
_READER_MODULES = ("plaintext", "jsonfmt", "html", "reuters", "warc", "feeds", "newsxml")
_loaded = False


def register(name: str, extensions: Iterable[str], read: ReadFn, sniff: Optional[SniffFn] = None) -> None:
    _FORMATS[name] = Format(name, tuple(e.lower() for e in extensions), read, sniff)


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in _READER_MODULES:
            importlib.import_module(f"{__name__}.{module}")
        _loaded = True


def formats() -> dict[str, Format]:
    _load()
    return dict(_FORMATS)


def candidates(name: str) -> list[Format]:
    """Formats whose extensions match a file name (no bytes read)."""
    _load()
    lower = name.lower()
    return [fmt for fmt in _FORMATS.values() if any(lower.endswith(ext) for ext in fmt.extensions)]


def readable_name(name: str) -> bool:
    """Whether a file of this name is worth opening: a reader claims it, or it
    is a bundle, or a compressed file whose inner name a reader claims."""
    if candidates(name):
        return True
    kind = container_kind(name)
    return kind in ("zip", "tar") or (kind == "compressed" and readable_name(inner_name(name)))


def format_for(source: Union[Source, Path]) -> Optional[Format]:
    """The reader for a file: the format it is given (a stream), else by
    extension, confirmed by content where needed."""
    if isinstance(source, Path):
        source = Source.from_path(source)
    if source.format is not None:
        return formats().get(source.format)
    found = candidates(source.name)
    if len(found) == 1 and found[0].sniff is None:
        return found[0]
    if not found:
        return None
    head = source.head()
    for fmt in found:
        if fmt.sniff is None or fmt.sniff(head):
            return fmt
    return None


STDIN = "<stdin>"  # the origin of standard input's records: <stdin>#3
DEFAULT_STREAM_FORMAT = "jsonl"
# Formats whose reader opens its source one time, front to back, so that a
# stream is read as it comes; the others (XML makes several passes, WARC
# and JSON look at its head first) read a temporary copy of it.
_READ_ONCE = frozenset({"jsonl", "text", "html", "reuters"})


def stream_source(stream: BinaryIO, format: str = DEFAULT_STREAM_FORMAT, origin: str = STDIN) -> Source:
    """A binary stream (``sys.stdin.buffer``, a pipe, a socket's file) as a
    Source of ``format``, one of :func:`formats`' names: ``Archive.add``,
    ``parse_files`` and :func:`read_source` read it with that format's
    reader, and its records' origins are ``origin#N``. It is read once, as
    it comes (JSON Lines, plain text, HTML, Reuters), or copied to a
    temporary file first (JSON, RSS, Atom, NITF, NewsML, WARC). Raises
    InvalidArgument for an unknown format."""
    known = formats()
    if format not in known:
        raise InvalidArgument(f"unknown format {format!r}; formats: {', '.join(known)}")
    return Source.from_stream(origin, stream, format, once=format in _READ_ONCE)


def iter_files(
    paths: Iterable[Union[str, "os.PathLike[str]"]], exclude: Iterable[Path] = (),
    patterns: Iterable[str] = (), passed: Optional[list] = None,
) -> Iterator[Path]:
    """Files to read under the given files and folders, recursively, in a stable order.

    In folders, hidden entries (``.git``, editor swap files), folders in
    ``exclude`` (the index itself) and files or folders whose name or path
    below the folder matches a glob in ``patterns`` (``*.txt``,
    ``drafts/*``) are left out as asked. Files no reader claims by name,
    symbolic link loops and folders that cannot be listed are passed over
    and, when ``passed`` is a list, put in it as Skipped records with the
    reason. Symbolic links to folders are followed, each folder once (a link
    back up the tree is a loop, passed over). A file named explicitly is
    always yielded, so that it is reported if it cannot be read. Special
    files (pipes, devices, sockets) are yielded, and :func:`read_file`
    reports them unopened.
    """
    excluded = {Path(p).resolve() for p in exclude}
    patterns = list(patterns)
    note = passed.append if passed is not None else (lambda record: None)

    def unwanted(top: Path, path: Path) -> bool:
        relative = path.relative_to(top).as_posix()
        return any(fnmatch.fnmatch(path.name, p) or fnmatch.fnmatch(relative, p) for p in patterns)

    def unlisted(error: OSError) -> None:
        note(Skipped(str(error.filename), f"folder not read: {error.strerror or error}"))

    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            yield path
            continue
        visited: set[tuple[int, int]] = set()
        for root, dirs, files in os.walk(path, onerror=unlisted, followlinks=True):
            here = _identity(Path(root))
            if here in visited:  # reached again through a link: a loop or a second way in
                dirs[:] = []
                note(Skipped(root, "folder passed over: a symbolic link leads back to a folder already read"))
                continue
            visited.add(here)
            dirs[:] = sorted(
                d for d in dirs if not d.startswith(".") and _resolved(Path(root) / d) not in excluded
                and not unwanted(path, Path(root) / d)
            )
            for name in sorted(files):
                file = Path(root) / name
                if name.startswith(".") or unwanted(path, file):
                    continue
                if not readable_name(name):
                    note(Skipped(str(file), UNSUPPORTED))
                elif _link_loop(file):
                    note(Skipped(str(file), "a symbolic link loop: names no file"))
                else:
                    yield file


def _identity(folder: Path) -> tuple[int, int]:
    try:
        info = folder.stat()
    except OSError:
        return (-1, hash(str(folder)))
    return (info.st_dev, info.st_ino)


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symbolic link loop
        return path


def _link_loop(path: Path) -> bool:
    """A symbolic link that leads back to itself names no file: it is passed
    over in folders like a file no reader takes (it has no place to key it by)."""
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


# Files that are not regular files are never opened: a named pipe blocks
# until a writer comes, a device (/dev/zero) never ends.
_SPECIAL = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
            (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def special_file(path: Path) -> Optional[str]:
    """'not a regular file (a named pipe); not read' and the like, or None."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # opening it says why
    kind = next((name for test, name in _SPECIAL if test(mode)), None)
    return f"not a regular file ({kind}); not read" if kind else None


def read_source(source: Source) -> Iterator[Record]:
    """Every record of one source; an unreadable one becomes a single Skipped."""
    try:
        fmt = format_for(source)
        if fmt is None:
            yield Skipped(str(source), UNSUPPORTED)
            return
        for record in fmt.read(source):
            # Every article leaves the readers with its language decided (languages.py).
            yield decided(record) if isinstance(record, Article) else record
    except _READ_ERRORS as exc:
        yield Skipped(str(source), _describe(exc))
    except Exception as exc:  # noqa: BLE001 - a reader's bug on hostile bytes must not end the run
        yield Skipped(str(source), f"could not be read ({type(exc).__name__}: {exc})")


# Damaged or hostile input: each becomes a Skipped with the reason.
_READ_ERRORS = (OSError, EOFError, UnicodeError, ValueError, zipfile.BadZipFile, tarfile.TarError,
                lzma.LZMAError, zlib.error, NotImplementedError)


def read_file(path: Path, top: Optional[Source] = None) -> Iterator[Record]:
    """Every record of one file, or of every file a bundle or compressed file
    holds; ``top``: the file as a Source opened some other way (to see how far it is read)."""
    top = top or Source.from_path(path)
    special = special_file(path)
    if special:
        yield Skipped(str(top), special)
        return
    try:
        for source in expand(top, lambda name: bool(candidates(name))):
            yield from read_source(source)
    except _READ_ERRORS as exc:
        # A damaged bundle: what was read stays read; the rest is reported.
        yield Skipped(str(top), _describe(exc))
    except Exception as exc:  # noqa: BLE001 - as in read_source
        yield Skipped(str(top), f"could not be read ({type(exc).__name__}: {exc})")


def record_failure(exc: BaseException) -> str:
    """The reason one record of a file could not be read: readers catch any
    exception per record and yield a Skipped with this, so one odd record
    never costs the records after it."""
    if isinstance(exc, RecursionError):
        return "nested too deeply to read"
    return f"could not be read ({type(exc).__name__}: {exc})"


def _describe(exc: Exception) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return "is a folder"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc) or type(exc).__name__


def read_paths(paths: Iterable[Union[str, "os.PathLike[str]"]]) -> Iterator[Record]:
    for path in iter_files(paths):
        yield from read_file(path)
