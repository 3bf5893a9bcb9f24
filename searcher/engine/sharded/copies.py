"""A sharded archive's near-copy groups (issue 16).

Copies of one story land in different shards (articles are placed by id),
so groups are made from every shard's signatures at once: rows numbered
shard after shard, banded and paired as in one index (searcher/nearcopies.py),
the pairs saved in ``<archive>/copies/<key>.npz`` for this set of shard
versions. Each shard is then given its part (``GivenGroups``): a group
number per docnum and whether the group has copies in other shards; the
shards count the groups wholly theirs and report their part of the others
(engine/whoosh/spanning.py), which are added up here once.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable, Optional, TypeVar

import numpy as np

from searcher import nearcopies

from ..base import GivenGroups, SharedStories

FOLDER = "copies"
T = TypeVar("T")


class ArchiveGroups:
    """The groups of one set of shard versions (``keys``), by threshold."""

    def __init__(self, keys: list[str], hashes: np.ndarray, sizes: np.ndarray, dates: np.ndarray,
                 counts: list[int], folder: Optional[Path]):
        self.keys = keys
        self.hashes, self.sizes = hashes, sizes
        self.keys_by_date = dates  # each row's date order key (undated last)
        self.starts = np.concatenate(([0], np.cumsum(counts)))
        self.shard_of_row = np.repeat(np.arange(len(counts)), counts)
        key = hashlib.sha1("/".join(keys).encode()).hexdigest()[:20]
        path = Path(folder) / FOLDER / f"{key}.npz" if folder is not None else None
        self.pairs, _ = nearcopies.pairs_of(path, len(sizes),
                                            lambda: (nearcopies.candidate_pairs(hashes, sizes), sizes))
        self._labels: dict[float, tuple[np.ndarray, np.ndarray]] = {}
        self._alone: dict[float, np.ndarray] = {}

    @classmethod
    def gather(cls, parts: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]],
               folder: Optional[Path]) -> "ArchiveGroups":
        """From each shard's (version key, hashes, sizes, date keys)."""
        keys = [part[0] for part in parts]
        hashes = np.concatenate([part[1] for part in parts])
        sizes = np.concatenate([part[2] for part in parts])
        dates = np.concatenate([part[3] for part in parts])
        return cls(keys, hashes, sizes, dates, [len(part[2]) for part in parts], folder)

    def labels(self, threshold: float) -> tuple[np.ndarray, np.ndarray]:
        """Each row's group (its smallest row) and whether the group spans shards."""
        if threshold not in self._labels:
            decided = self.pairs.at(threshold)
            labels = nearcopies.components(len(self.sizes), decided.first, decided.second)
            low = np.full(len(labels), len(self.keys), dtype=np.int64)
            high = np.zeros(len(labels), dtype=np.int64)
            np.minimum.at(low, labels, self.shard_of_row)
            np.maximum.at(high, labels, self.shard_of_row)
            self._alone[threshold] = nearcopies.alone(labels)  # first: given() reads it once labels are in
            self._labels[threshold] = labels, low[labels] != high[labels]
        return self._labels[threshold]

    def given(self, threshold: float) -> list[GivenGroups]:
        """Each shard's part of the groups."""
        labels, spanning = self.labels(threshold)
        alone = self._alone[threshold]
        return [GivenGroups(key, labels[start:end], spanning[start:end], alone[start:end])
                for key, start, end in zip(self.keys, self.starts[:-1].tolist(), self.starts[1:].tolist())]

    def spans(self, threshold: float, label: int) -> bool:
        return bool(self.labels(threshold)[1][label])

    def row(self, shard: int, docnum: int) -> int:
        return int(self.starts[shard]) + docnum

    def members(self, threshold: float, row: int) -> dict[int, list[int]]:
        """The docnums of ``row``'s group, by shard."""
        labels, _ = self.labels(threshold)
        rows = np.flatnonzero(labels == labels[row])
        found: dict[int, list[int]] = {}
        for member in rows.tolist():
            shard = int(self.shard_of_row[member])
            found.setdefault(shard, []).append(member - int(self.starts[shard]))
        return found

    def similarities(self, row: int, rows: np.ndarray) -> np.ndarray:
        if self.sizes[row] == 0:
            return np.where(rows == row, 1.0, 0.0)
        return nearcopies.containments(self.hashes, self.sizes, np.full(len(rows), row), rows)

    def largest(self, threshold: float, limit: int) -> list[tuple[int, int, int]]:
        """nearcopies.largest_groups over the archive."""
        labels, _ = self.labels(threshold)
        return nearcopies.largest_groups(labels, self.sizes > 0, self.keys_by_date, limit)


def merged_shared(parts: list[Optional[SharedStories]]) -> SharedStories:
    """The shards' parts of the spanning groups as one: each group's earliest
    matching copy over every shard, and the union of (value, group) pairs."""
    earliest: dict[int, tuple[int, int, bool]] = {}
    values: dict[str, set[tuple[str, int]]] = {}
    for part in parts:
        if part is None:
            continue
        for label, entry in part.earliest.items():
            if label not in earliest or entry < earliest[label]:
                earliest[label] = entry
        for name, pairs in part.values.items():
            values.setdefault(name, set()).update(pairs)
    return SharedStories(earliest, {name: sorted(pairs) for name, pairs in values.items()})


def retried(refresh: Callable[[], None], operation: Callable[[], T]) -> T:
    """``operation``, once more after ``refresh`` when a shard changed under it."""
    from searcher.errors import GroupsChanged

    try:
        return operation()
    except GroupsChanged:
        refresh()
        return operation()
