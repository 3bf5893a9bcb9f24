"""Which files the index has read: path -> size, mtime and article ids.

It lets a re-run skip unchanged files without parsing them, and it is saved
only after the commit that holds those files' articles, so it never claims
more than the index holds.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from searcher.durable import fsync_dir, fsync_enabled, write_error

MANIFEST_NAME = "searcher-manifest.json"


@dataclass
class FileEntry:
    size: int
    mtime_ns: int
    ids: list[str] = field(default_factory=list)


def file_key(path: Path) -> str:
    """The manifest's key of a file: its resolved path (a symbolic link
    loop resolves nowhere: its absolute path, and reading it reports it)."""
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):
        return str(path.absolute())


def file_signature(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


@dataclass
class Manifest:
    path: Path
    files: dict[str, FileEntry] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, index_dir: Path) -> "Manifest":
        path = index_dir / MANIFEST_NAME
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        files = {key: FileEntry(**entry) for key, entry in data.get("files", {}).items()}
        return cls(path, files, dict(data.get("skipped", {})))

    def is_unchanged(self, path: Path) -> FileEntry | None:
        entry = self.files.get(file_key(path))
        if entry is None:
            return None
        try:
            size, mtime_ns = file_signature(path)
        except OSError:
            return None
        return entry if (entry.size, entry.mtime_ns) == (size, mtime_ns) else None

    def save(self) -> None:
        data = {
            "version": 1,
            "files": {key: vars(entry) for key, entry in sorted(self.files.items())},
            "skipped": dict(sorted(self.skipped.items())),
        }
        tmp = self.path.with_suffix(".tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as out:
                out.write(json.dumps(data, indent=1))
                out.flush()
                if fsync_enabled():
                    os.fsync(out.fileno())
            # Atomic on POSIX: a reader sees the old manifest or the new, never half.
            os.replace(tmp, self.path)
            if fsync_enabled():
                fsync_dir(self.path.parent)
        except BaseException as exc:  # a failed write, or Ctrl-C in the middle of it
            try:
                tmp.unlink()  # half written: the saved manifest stays as it was
            except OSError:
                pass
            if isinstance(exc, OSError):
                raise write_error(self.path.parent, exc) from exc
            raise
