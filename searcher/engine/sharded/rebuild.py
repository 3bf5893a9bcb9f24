"""``searcher rebuild`` of a sharded archive, also into another shard count
(``--shards N``: resharding, or sharding a single index): the Whoosh
backend's rebuild (the manifest's files re-read into a new folder swapped
in whole, articles no file provides kept from the old shards) with a
sharded archive as what it builds."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator, Optional

from searcher.query.ranking import DEFAULT_RANKING

from .layout import LAYOUT_FILE, is_sharded, read_layout

_SHARD_FOLDER = re.compile(r"^shard-[0-9]{3,4}$")


class ShardedTarget:
    def __init__(self, count: int):
        self.count = count
        self.backend: Any = None
        self.folder: Optional[Path] = None

    def create(self, new: Path) -> None:
        from . import create

        self.folder = new
        self.backend = create(new, DEFAULT_RANKING, shards=self.count, processes=False)

    def writer(self, jobs: Optional[int]) -> Any:
        from searcher.readers.parallel import jobs_or_default

        return self.backend.writer(jobs_or_default(jobs))

    def ids(self) -> set[str]:
        found: set[str] = set()
        for shard in range(self.count):
            index = self.backend.runner.backend(shard).ix
            with index.searcher() as searcher:
                found.update(stored["id"] for stored in searcher.all_stored_fields())
        return found

    def doc_count(self) -> int:
        return self.backend.doc_count()

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()

    def finish(self, old: Path) -> None:
        """Each shard ready to replace the old archive's shard of its name (open readers refresh)."""
        from searcher.engine.whoosh.rebuild import ready_to_swap

        assert self.folder is not None
        for folder in read_layout(self.folder).folders(self.folder):
            ready_to_swap(folder, old / folder.name)

    @staticmethod
    def old_documents(index_dir: Path, notes: list[tuple[str, int]]) -> Iterator[dict]:
        """The old archive's articles, shard by shard (or a single index's, when it is being sharded)."""
        from searcher.engine.whoosh.rebuild import _old_documents

        if not is_sharded(index_dir):
            yield from _old_documents(index_dir, notes)
            return
        for folder in read_layout(index_dir).folders(index_dir):
            if not folder.is_dir():
                notes.append((f"shard {folder.name} is missing", -1))
                continue
            shard_notes: list[tuple[str, int]] = []
            yield from _old_documents(folder, shard_notes)
            notes.extend((f"{folder.name}: {note}", count) for note, count in shard_notes)

    @staticmethod
    def own_entry(name: str) -> bool:
        from searcher.engine.whoosh.check import index_entry

        return name == LAYOUT_FILE or bool(_SHARD_FOLDER.match(name)) or index_entry(name)

    @staticmethod
    def has_index(index_dir: Path) -> bool:
        from searcher.engine import whoosh

        return is_sharded(index_dir) or whoosh.exists(index_dir)


def rebuild_sharded(path: Path, shards: Optional[int] = None, **options: Any) -> Any:
    from searcher.engine.whoosh.rebuild import rebuild_index

    count = shards if shards is not None else read_layout(path).count
    return rebuild_index(path, target=ShardedTarget(count), **options)
