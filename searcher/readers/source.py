"""What a reader reads: one file's bytes, from disk or from inside a container.

A Source looks enough like a Path for readers (``name``, ``read_bytes()``,
``str()``) that a reader never needs to know where its bytes live:
``str(source)`` is the origin shown to users (``bundle.zip!2022/a.json``).
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Optional

HEAD_BYTES = 8192
# Opened members of containers are read whole into memory only up to this
# size; larger ones are refused (a decompression bomb must not exhaust memory).
MAX_MEMBER_BYTES = 512 * 1024 * 1024
_CHUNK = 1024 * 1024


class TooLarge(ValueError):
    """A stream held more bytes than a reader may take."""


@dataclass
class Source:
    origin: str
    opener: Callable[[], BinaryIO]
    path: Optional[Path] = None  # set when the bytes are a plain file on disk

    @classmethod
    def from_path(cls, path: Path) -> "Source":
        return cls(str(path), lambda: open(path, "rb"), path)

    @classmethod
    def from_bytes(cls, origin: str, data: bytes) -> "Source":
        return cls(origin, lambda: io.BytesIO(data))

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
                    raise TooLarge(f"larger than {limit // (1024 * 1024)} MB "
                                   "(the limit for a file read whole); not read")
        return b"".join(chunks)

    def head(self, size: int = HEAD_BYTES) -> bytes:
        with self.open() as stream:
            return stream.read(size)

    def __str__(self) -> str:
        return self.origin
