"""What a reader reads: one file's bytes, from disk, from inside a container,
or from a stream (standard input).

A Source looks enough like a Path for readers (``name``, ``read_bytes()``,
``str()``) that a reader never needs to know where its bytes live:
``str(source)`` is the origin shown to users (``bundle.zip!2022/a.json``,
``<stdin>``).
"""
from __future__ import annotations

import io
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, Callable, Optional

HEAD_BYTES = 8192
# Opened members of containers are read whole into memory only up to this
# size; larger ones are refused (a decompression bomb must not exhaust memory).
MAX_MEMBER_BYTES = 512 * 1024 * 1024
_CHUNK = 1024 * 1024
# A stream copied for a reader that reads it more than once stays in memory
# up to this size, then goes to a temporary file (deleted when done).
_SPOOL_IN_MEMORY = 16 * _CHUNK


class TooLarge(ValueError):
    """A stream held more bytes than a reader may take."""


def size_text(n: int) -> str:
    """A size limit as messages say it: "64 MB" (MB of 2**20 bytes), or bytes below one."""
    return f"{n >> 20} MB" if n >= 1 << 20 else f"{n} bytes"


@dataclass
class Source:
    origin: str
    opener: Callable[[], BinaryIO]
    path: Optional[Path] = None  # set when the bytes are a plain file on disk
    format: Optional[str] = None  # a registered format's name: read as that, whatever the name says

    @classmethod
    def from_path(cls, path: Path) -> "Source":
        return cls(str(path), lambda: open(path, "rb"), path)

    @classmethod
    def from_bytes(cls, origin: str, data: bytes) -> "Source":
        return cls(origin, lambda: io.BytesIO(data))

    @classmethod
    def from_stream(cls, origin: str, stream: BinaryIO, format: str, once: bool = True) -> "Source":
        """A stream read as ``format``. ``once``: read as it comes, by a
        reader that opens it one time, front to back; else copied to a
        temporary file when first opened, for readers that open it again
        (XML readers make several passes). The stream is never closed."""
        return cls(origin, _Once(stream) if once else _Spooled(stream), None, format)

    @property
    def name(self) -> str:
        """The file's own name, without folders or container path."""
        return self.origin.replace("\\", "/").rsplit("!", 1)[-1].rsplit("/", 1)[-1]

    def open(self) -> BinaryIO:
        return self.opener()

    def read_bytes(self, limit: int = MAX_MEMBER_BYTES) -> bytes:
        # In chunks: one read(limit) would reserve the whole limit up front.
        chunks, size = [], 0
        with self.open() as stream:
            while chunk := stream.read(_CHUNK):
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"larger than {size_text(limit)} "
                                   "(the limit for a file read whole); not read")
        return b"".join(chunks)

    def head(self, size: int = HEAD_BYTES) -> bytes:
        with self.open() as stream:
            return stream.read(size)

    def __str__(self) -> str:
        return self.origin


class ReadPosition:
    """How far into one file on disk its readers have got: the furthest
    offset any open of it reached (a reader may open a file more than once).
    Progress inside a large file read as it is indexed."""

    def __init__(self, path: Path):
        self.path = path
        self._open: list[BinaryIO] = []
        self._furthest = 0

    def source(self) -> Source:
        return Source(str(self.path), self._opened, self.path)

    def _opened(self) -> BinaryIO:
        stream = open(self.path, "rb")
        self._open.append(stream)
        return stream

    def bytes_read(self) -> int:
        for stream in self._open:
            if not stream.closed:
                self._furthest = max(self._furthest, stream.tell())
        self._open = [stream for stream in self._open if not stream.closed]
        return self._furthest


class _Borrowed(io.RawIOBase):
    """Reads through ``read(n)`` from a stream it does not own: closing this
    leaves that stream open (standard input stays usable)."""

    def __init__(self, read: Callable[[int], bytes]) -> None:
        super().__init__()
        self._read = read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


class _Once:
    """Opens a stream one time: there is no going back in a pipe."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream: Optional[BinaryIO] = stream

    def __call__(self) -> BinaryIO:
        if self._stream is None:
            raise ValueError("a stream can be read only once")
        stream, self._stream = self._stream, None
        # read1: what has arrived, without waiting for a full buffer (a slow pipe streams).
        return io.BufferedReader(_Borrowed(getattr(stream, "read1", stream.read)))


class _Spooled:
    """Opens a stream as often as asked: copied to a temporary file (in memory
    while small) on the first open, each open then reads the copy from its start."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._copy: Optional[IO[bytes]] = None

    def __call__(self) -> BinaryIO:
        copy = self._copy
        if copy is None:
            copy = self._copy = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)
            shutil.copyfileobj(self._stream, copy, _CHUNK)
        position = 0

        def read(size: int) -> bytes:
            nonlocal position
            copy.seek(position)  # each open keeps its own place in the one copy
            data = copy.read(size)
            position += len(data)
            return data

        return io.BufferedReader(_Borrowed(read))
