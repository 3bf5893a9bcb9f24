"""Compressed files and bundles, read as streams and never unpacked to disk.

``a.jsonl.gz`` / ``.bz2`` / ``.xz`` is read as ``a.jsonl``; every member of a
``.zip`` or ``.tar`` (``.tar.gz``, ``.tgz``, ``.tar.bz2``, ``.tar.xz``) is read
as a file of its own, origin ``bundle.zip!path/in/bundle.json``. A format
that claims a compressed name itself (``.warc.gz``) keeps it.

Decompression is bounded: a stream that inflates past ``MAX_RATIO`` times
its compressed size (beyond a small allowance) is stopped as a likely
decompression bomb, and so is a zip member that declares such a ratio; all
the streams of one file together may inflate to ``MAX_RATIO`` times its
size (``_Budget``), so many members or nested compressed files cannot add
up to a bomb either.
"""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zipfile
from typing import IO, Any, BinaryIO, Callable, Iterator, Optional

from .source import MAX_MEMBER_BYTES, Source

COMPRESSED: dict[str, Callable[..., IO[Any]]] = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
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


class _Budget:
    """Bytes all the streams of one file on disk may inflate to, together:
    MAX_RATIO times its size (at least RATIO_ALLOWANCE). Each stream's own
    ratio is checked too; this bounds the sum over a bundle's members and
    over nested compressed files (a 3 MB zip of a thousand 3 MB members)."""

    def __init__(self, size: Optional[int]):
        self.limit = None if size is None else max(RATIO_ALLOWANCE, MAX_RATIO * size)
        self.spent = 0

    @classmethod
    def of(cls, source: Source) -> "_Budget":
        try:
            return cls(source.path.stat().st_size if source.path is not None else None)
        except OSError:
            return cls(None)

    def exceeded(self, more: int = 0) -> bool:
        return self.limit is not None and self.spent + more > self.limit

    def refusal(self) -> DecompressionBomb:
        assert self.limit is not None  # only asked for once exceeded(), which needs a limit
        return DecompressionBomb(
            f"inflates to more than {self.limit // 2**20} MB in all ({MAX_RATIO}x its size); "
            "the rest is not read (decompression bomb?)")

    def charge(self, size: int) -> None:
        self.spent += size
        if self.exceeded():
            raise self.refusal()


class _Counting:
    """A compressed stream's bytes as they are read, counted (tell() would
    need a seekable stream, which a compressed file inside another is not)."""

    def __init__(self, raw: BinaryIO):
        self._raw, self.count = raw, 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.count += len(data)
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()


class _Bounded(io.RawIOBase):
    """Reads a decompressing stream, refusing to inflate beyond the limits."""

    def __init__(self, stream: IO[bytes], consumed: Callable[[], int], close: Callable[[], None],
                 budget: _Budget):
        self._stream, self._consumed, self._close, self._budget, self._out = stream, consumed, close, budget, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        # A megabyte at a time, so the ratio is checked as the stream inflates.
        data = self._stream.read(min(len(buffer), CHUNK))
        self._out += len(data)
        if self._out > RATIO_ALLOWANCE and self._out > MAX_RATIO * max(self._consumed(), 1):
            raise DecompressionBomb(f"inflates more than {MAX_RATIO}x; not read (decompression bomb?)")
        self._budget.charge(len(data))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stream.close()
        self._close()
        super().close()


def _compressed_opener(open_raw: Callable[[], BinaryIO], decompress, budget: _Budget) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        raw = _Counting(open_raw())
        return io.BufferedReader(_Bounded(decompress(raw), lambda: raw.count, raw.close, budget))

    return opener


def expand(source: Source, claims: Callable[[str], bool], budget: Optional[_Budget] = None) -> Iterator[Source]:
    """The readable sources in a file: itself, or what a container holds,
    also inside one another (``a.zip!b.jsonl.gz``, ``a.jsonl.gz.gz``).

    ``claims(name)`` says whether some reader takes a file of that name as
    it is (so ``.warc.gz`` is not unpacked).
    """
    kind = None if claims(source.name) else container_kind(source.name)
    if kind is None:
        yield source
        return
    budget = budget or _Budget.of(source)
    if kind == "compressed":
        opener = COMPRESSED[next(s for s in COMPRESSED if source.name.lower().endswith(s))]
        inner = Source(f"{source.origin}!{inner_name(source.name)}",
                       _compressed_opener(source.open, lambda raw: opener(raw, "rb"), budget))
        yield from expand(inner, claims, budget)
    elif kind == "zip":
        yield from _zip_members(source, claims, budget)
    else:
        yield from _tar_members(source, claims, budget)


def _zip_members(source: Source, claims, budget: _Budget) -> Iterator[Source]:
    with source.open() as raw:
        seekable = raw.seekable()
    if not seekable:
        # A zip inside a zip or a compressed file: zip needs to seek, so it
        # is held in memory (at most MAX_MEMBER_BYTES), never put on disk.
        source = Source.from_bytes(source.origin, source.read_bytes())
    with source.open() as raw, zipfile.ZipFile(raw) as bundle:
        members = [info for info in bundle.infolist() if not info.is_dir()]
    for info in members:
        origin = f"{source.origin}!{info.filename}"
        if info.file_size > RATIO_ALLOWANCE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            yield Source(origin, _refuse(f"inflates more than {MAX_RATIO}x; not read (decompression bomb?)"))
            continue
        if info.file_size > MAX_MEMBER_BYTES:
            yield Source(origin, _refuse(f"larger than {MAX_MEMBER_BYTES // 2**20} MB; not read"))
            continue
        if budget.exceeded():
            raise budget.refusal()  # the whole bundle is reported; what was read stays read
        name = info.filename.rsplit("/", 1)[-1]
        if budget.exceeded(info.file_size) and (claims(name) or container_kind(name)):
            raise budget.refusal()
        yield from expand(Source(origin, _zip_opener(source, info.filename, budget)), claims, budget)


def _zip_opener(source: Source, member: str, budget: _Budget) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        raw = source.open()
        bundle = zipfile.ZipFile(raw)
        stream = bundle.open(member)
        start = raw.tell()

        def close() -> None:
            bundle.close()
            raw.close()

        return io.BufferedReader(_Bounded(stream, lambda: raw.tell() - start, close, budget))

    return opener


def _tar_members(source: Source, claims, budget: _Budget) -> Iterator[Source]:
    # Tar streams are read once, front to back: members are small enough to
    # hold one at a time (bounded by MAX_MEMBER_BYTES).
    lower = source.name.lower()
    decompress = next((COMPRESSED[s] for s in COMPRESSED if lower.endswith(s)), None)
    if lower.endswith((".tgz", ".tbz2", ".txz")):
        decompress = COMPRESSED[{"tgz": ".gz", "tbz2": ".bz2", "txz": ".xz"}[lower.rsplit(".", 1)[1]]]
    opener = source.open
    if decompress is not None:
        opener = _compressed_opener(source.open, lambda raw: decompress(raw, "rb"), budget)
    with opener() as raw, tarfile.open(fileobj=raw, mode="r|") as bundle:
        for info in bundle:
            if not info.isfile():
                continue
            origin = f"{source.origin}!{info.name}"
            if info.size > MAX_MEMBER_BYTES:
                yield Source(origin, _refuse(f"larger than {MAX_MEMBER_BYTES // 2**20} MB; not read"))
                continue
            if budget.exceeded():
                raise budget.refusal()
            stream = bundle.extractfile(info)
            data = stream.read() if stream else b""
            yield from expand(Source.from_bytes(origin, data), claims, budget)


def _refuse(reason: str) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        raise DecompressionBomb(reason)

    return opener
