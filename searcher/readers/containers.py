"""Compressed files and bundles, read as streams and never unpacked to disk.

``a.jsonl.gz`` / ``.bz2`` / ``.xz`` is read as ``a.jsonl``; every member of a
``.zip`` or ``.tar`` (``.tar.gz``, ``.tgz``, ``.tar.bz2``, ``.tar.xz``) is read
as a file of its own, origin ``bundle.zip!path/in/bundle.json``. A format
that claims a compressed name itself (``.warc.gz``) keeps it.

Decompression is bounded: a stream that inflates past ``MAX_RATIO`` times
its compressed size (beyond a small allowance) is stopped as a likely
decompression bomb, and so is a zip member that declares such a ratio.
"""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zipfile
from typing import BinaryIO, Callable, Iterator, Optional

from .source import MAX_MEMBER_BYTES, Source

COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
ZIP_SUFFIXES = (".zip",)
# Real text compresses 3-15x; XML and logs up to ~50x. Far beyond that is a bomb.
MAX_RATIO = 200
RATIO_ALLOWANCE = 16 * 1024 * 1024  # small files may inflate freely up to this
CHUNK = 1024 * 1024


class DecompressionBomb(ValueError):
    pass


def container_kind(name: str) -> Optional[str]:
    lower = name.lower()
    if lower.endswith(TAR_SUFFIXES):
        return "tar"
    if lower.endswith(ZIP_SUFFIXES):
        return "zip"
    if any(lower.endswith(suffix) for suffix in COMPRESSED):
        return "compressed"
    return None


def inner_name(name: str) -> str:
    """``a.jsonl.gz`` -> ``a.jsonl``."""
    for suffix in COMPRESSED:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


class _Bounded(io.RawIOBase):
    """Reads a decompressing stream, refusing to inflate beyond the limits."""

    def __init__(self, stream: BinaryIO, raw: BinaryIO):
        self._stream, self._raw, self._out = stream, raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        # A megabyte at a time, so the ratio is checked as the stream inflates.
        data = self._stream.read(min(len(buffer), CHUNK))
        self._out += len(data)
        consumed = max(self._raw.tell(), 1)
        if self._out > RATIO_ALLOWANCE and self._out > MAX_RATIO * consumed:
            raise DecompressionBomb(f"inflates more than {MAX_RATIO}x; not read (decompression bomb?)")
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stream.close()
        self._raw.close()
        super().close()


def _compressed_opener(open_raw: Callable[[], BinaryIO], decompress) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        raw = open_raw()
        return io.BufferedReader(_Bounded(decompress(raw), raw))

    return opener


def expand(source: Source, claims: Callable[[str], bool]) -> Iterator[Source]:
    """The readable sources in a file: itself, or what a container holds.

    ``claims(name)`` says whether some reader takes a file of that name as
    it is (so ``.warc.gz`` is not unpacked).
    """
    kind = None if claims(source.name) else container_kind(source.name)
    if kind is None:
        yield source
    elif kind == "compressed":
        opener = COMPRESSED[next(s for s in COMPRESSED if source.name.lower().endswith(s))]
        inner = Source(f"{source.origin}!{inner_name(source.name)}",
                       _compressed_opener(source.open, lambda raw: opener(raw, "rb")))
        yield from expand(inner, claims)
    elif kind == "zip":
        yield from _zip_members(source, claims)
    else:
        yield from _tar_members(source, claims)


def _zip_members(source: Source, claims) -> Iterator[Source]:
    with source.open() as raw, zipfile.ZipFile(raw) as bundle:
        members = [info for info in bundle.infolist() if not info.is_dir()]
    for info in members:
        origin = f"{source.origin}!{info.filename}"
        if info.file_size > RATIO_ALLOWANCE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            yield Source(origin, _refuse(f"inflates more than {MAX_RATIO}x; not read (decompression bomb?)"))
            continue
        if info.file_size > MAX_MEMBER_BYTES:
            yield Source(origin, _refuse(f"larger than {MAX_MEMBER_BYTES // 2**20} MB"))
            continue
        yield from expand(Source(origin, _zip_opener(source, info.filename)), claims)


def _zip_opener(source: Source, member: str) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        raw = source.open()
        bundle = zipfile.ZipFile(raw)
        stream = bundle.open(member)
        return io.BufferedReader(_Bounded(stream, _Closing(raw, bundle)))

    return opener


class _Closing:
    """Stands in for the raw file of a zip member: tell() of the compressed
    file for the ratio check, and close() of both bundle and file."""

    def __init__(self, raw: BinaryIO, bundle: zipfile.ZipFile):
        self._raw, self._bundle = raw, bundle

    def tell(self) -> int:
        return self._raw.tell()

    def close(self) -> None:
        self._bundle.close()
        self._raw.close()


def _tar_members(source: Source, claims) -> Iterator[Source]:
    # Tar streams are read once, front to back: members are small enough to
    # hold one at a time (bounded by MAX_MEMBER_BYTES).
    lower = source.name.lower()
    decompress = next((COMPRESSED[s] for s in COMPRESSED if lower.endswith(s)), None)
    if lower.endswith((".tgz", ".tbz2", ".txz")):
        decompress = COMPRESSED[{"tgz": ".gz", "tbz2": ".bz2", "txz": ".xz"}[lower.rsplit(".", 1)[1]]]
    opener = source.open
    if decompress is not None:
        opener = _compressed_opener(source.open, lambda raw: decompress(raw, "rb"))
    with opener() as raw, tarfile.open(fileobj=raw, mode="r|") as bundle:
        for info in bundle:
            if not info.isfile():
                continue
            origin = f"{source.origin}!{info.name}"
            if info.size > MAX_MEMBER_BYTES:
                yield Source(origin, _refuse(f"larger than {MAX_MEMBER_BYTES // 2**20} MB"))
                continue
            stream = bundle.extractfile(info)
            data = stream.read() if stream else b""
            yield from expand(Source.from_bytes(origin, data), claims)


def _refuse(reason: str) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        raise DecompressionBomb(reason)

    return opener
