"""Bytes to text for every reader: BOM, then UTF-8, then a lossless fallback."""
from __future__ import annotations

import codecs
from typing import Protocol

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode(data: bytes) -> str:
    """Decode bytes without ever dropping an article for one bad byte."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Legacy Western files are most often cp1252; bytes it leaves
        # undefined are replaced rather than failing the file.
        return data.decode("cp1252", errors="replace")


class _Readable(Protocol):
    def read_bytes(self) -> bytes: ...


def read_text(source: _Readable) -> str:
    return decode(source.read_bytes())
