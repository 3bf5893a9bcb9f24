"""A sharded archive on disk: ``shards.json`` and one index folder a shard.

An article's shard is fixed by its id (a stable hash, the same on every
machine and Python version), so re-indexing an article finds it where it is
and an id is never in two shards.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from searcher.durable import fsync_dir, fsync_path, write_error
from searcher.errors import IndexDamaged, InvalidArgument

LAYOUT_FILE = "shards.json"
FORMAT = 1
MAX_SHARDS = 4096


@dataclass(frozen=True)
class Layout:
    count: int

    def names(self) -> list[str]:
        return [shard_name(i) for i in range(self.count)]

    def folders(self, root: Path) -> list[Path]:
        return [Path(root) / name for name in self.names()]


def shard_name(number: int) -> str:
    return f"shard-{number:03d}"


def shard_of(article_id: str, count: int) -> int:
    """The shard (0 .. count-1) that holds ``article_id``."""
    digest = hashlib.blake2b(article_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


def is_sharded(root: Path) -> bool:
    return (Path(root) / LAYOUT_FILE).is_file()


def read_layout(root: Path) -> Layout:
    path = Path(root) / LAYOUT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        count = int(data["shards"])
        if data.get("format") != FORMAT or not 1 <= count <= MAX_SHARDS:
            raise ValueError(f"format {data.get('format')!r}, {count} shards")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexDamaged(f"the sharded archive at {root} is damaged ({LAYOUT_FILE} unreadable: {exc})") from None
    return Layout(count)


def write_layout(root: Path, count: int) -> Layout:
    check_count(count)
    root = Path(root)
    try:
        root.mkdir(parents=True, exist_ok=True)
        # Workers sharing a disk may write it at once: each its own temporary file.
        temporary = root / f"{LAYOUT_FILE}.{os.getpid()}.tmp"
        temporary.write_text(json.dumps({"format": FORMAT, "shards": count}) + "\n", encoding="utf-8")
        fsync_path(temporary)
        temporary.replace(root / LAYOUT_FILE)
        fsync_dir(root)
    except OSError as exc:
        raise write_error(root, exc) from exc
    return Layout(count)


def check_count(count: int) -> None:
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_SHARDS:
        raise InvalidArgument(f"shards must be a whole number from 1 to {MAX_SHARDS}, not {count!r}")
