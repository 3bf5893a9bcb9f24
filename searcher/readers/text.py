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
        pass
    lenient = data.decode("utf-8", errors="replace")
    if _utf8_with_a_few_bad_bytes(lenient, len(data)):
        # A stray bad byte in a UTF-8 file: keep the text, replace the byte.
        return lenient
    return _detect(data)


def _utf8_with_a_few_bad_bytes(lenient: str, size: int) -> bool:
    """Valid multi-byte UTF-8 elsewhere and only a handful of bad bytes. (Pure
    ASCII with a bad byte is left to detection: it may be any 8-bit charset.)"""
    bad = lenient.count("\ufffd")
    multibyte = any(ord(ch) > 127 and ch != "\ufffd" for ch in lenient)
    return multibyte and bad <= max(2, size // 100_000)


def _detect(data: bytes) -> str:
    """Neither UTF-8 nor marked: charset-normalizer guesses, preferring cp1252
    (the commonest legacy news charset) among equally good guesses; cp1252
    when it has none."""
    from charset_normalizer import from_bytes

    if sum(1 for b in data[:1_000_000] if b > 127) < 8:
        return data.decode("cp1252", errors="replace")  # too little evidence to guess from
    matches = list(from_bytes(data[:1_000_000]))
    encoding = "cp1252"
    if matches:
        best = min(matches, key=lambda m: (m.chaos, -m.coherence))
        western = next((m for m in matches if m.encoding == "cp1252"), None)
        if western is None or (western.chaos, -western.coherence) > (best.chaos, -best.coherence):
            encoding = best.encoding
    return data.decode(encoding, errors="replace")


class _Readable(Protocol):
    def read_bytes(self) -> bytes: ...


def read_text(source: _Readable) -> str:
    return decode(source.read_bytes())
