"""Checksums of the index's files, which Whoosh 2.7.4 does not keep.

A bit flipped in a segment where check reads nothing (padding, a posting
block no term lists any more, a stored field's unused bytes) went
unnoticed: ``check`` found 20 of 30 single-bit flips by reading. So each
Whoosh file of the index (segment files, the table of contents) gets its
size and CRC32 recorded in ``checksums.json`` once written -- they never
change after their commit -- and ``check`` compares.

CRC32, not SHA-256: the damage to find is accidental (bit rot, a torn
copy), not forged; CRC32 detects every single-bit flip and every burst of
up to 32 bits by construction, and runs several times faster, which
matters for a call after every commit and a check of a large index.
Value columns (``columns/``) are left out: they are caches that readers
rebuild, and rewrite, when one does not fit its segment.
"""
from __future__ import annotations

import json
import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

CHECKSUMS_NAME = "checksums.json"
CHECKSUMS_TEMP = "checksums.tmp"
_SUMMED = re.compile(r"^(MAIN_[0-9a-z]+\.[A-Za-z0-9_.]+|_MAIN_[0-9]+\.toc)$")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Sum:
    size: int
    crc32: int


def file_sum(path: Path) -> Sum:
    crc, size = 0, 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
    return Sum(size, crc)


def is_summed(name: str) -> bool:
    """Whether a file of the folder gets a checksum (Whoosh's, not our caches)."""
    return bool(_SUMMED.match(name))


def summed_names(index_dir: Path) -> list[str]:
    """The files of the folder that get a checksum."""
    try:
        return sorted(n for n in os.listdir(index_dir) if _SUMMED.match(n) and (Path(index_dir) / n).is_file())
    except OSError:
        return []


def load(index_dir: Path) -> Optional[dict[str, Sum]]:
    """The recorded sums: empty when none are, None when the record is unreadable."""
    try:
        data = json.loads((Path(index_dir) / CHECKSUMS_NAME).read_text(encoding="utf-8"))
        return {name: Sum(int(entry["size"]), int(entry["crc32"])) for name, entry in data["files"].items()}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def _save(index_dir: Path, sums: dict[str, Sum]) -> None:
    data = {"version": 1, "algorithm": "crc32",
            "files": {name: {"size": s.size, "crc32": s.crc32} for name, s in sorted(sums.items())}}
    temp = Path(index_dir) / CHECKSUMS_TEMP
    temp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(temp, Path(index_dir) / CHECKSUMS_NAME)  # a reader sees the old record or the new


def record_checksums(index_dir: Path, names: Optional[Iterable[str]] = None) -> list[str]:
    """Sum the files not yet recorded (all of the folder's Whoosh files, or
    only ``names``), drop the records of files gone, and save; the names
    newly summed. Call with the index's lock held, after a commit."""
    index_dir = Path(index_dir)
    present = summed_names(index_dir)
    before = load(index_dir) or {}  # an unreadable record is started afresh
    sums = {name: s for name, s in before.items() if name in present}
    wanted = present if names is None else [n for n in names if n in present]
    added = []
    for name in wanted:
        if name not in sums:
            try:
                sums[name] = file_sum(index_dir / name)
            except FileNotFoundError:
                continue  # removed meanwhile: nothing to record
            added.append(name)
    if added or len(sums) != len(before):
        _save(index_dir, sums)
    return added


def verify(index_dir: Path, names: Iterable[str], deep: bool = True) -> tuple[list[str], list[str]]:
    """(files that differ from their record, files with none) among ``names``;
    sizes only unless ``deep``."""
    index_dir = Path(index_dir)
    sums = load(index_dir) or {}
    mismatched, unrecorded = [], []
    for name in names:
        recorded = sums.get(name)
        if recorded is None:
            unrecorded.append(name)
            continue
        try:
            size = (index_dir / name).stat().st_size
            if size != recorded.size:
                mismatched.append(f"{name} (size {size}, recorded {recorded.size})")
            elif deep and file_sum(index_dir / name) != recorded:
                mismatched.append(f"{name} (its CRC32 differs)")
        except FileNotFoundError:
            continue  # check reports missing files itself
    return mismatched, unrecorded


_TOC_NAME = re.compile(r"^_MAIN_([0-9]+)\.toc$")


def lost_newer_toc(index_dir: Path, generation: int) -> Optional[str]:
    """The name of a table of contents newer than ``generation`` that a
    commit recorded and that is gone, or None. Whoosh would open the older
    one, and its next commit would delete the newer segments as strays."""
    newer = [name for name in (load(index_dir) or {})
             if (m := _TOC_NAME.match(name)) and int(m.group(1)) > generation
             and not (Path(index_dir) / name).exists()]
    return max(newer, key=_toc_generation) if newer else None


def _toc_generation(name: str) -> int:
    match = _TOC_NAME.match(name)
    return int(match.group(1)) if match else -1
