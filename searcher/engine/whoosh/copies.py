"""Near-copy groups of one Whoosh reader (issue 16; searcher/nearcopies.py).

Every document's signature is a fixed-width column, read a segment at a
time; the candidate pairs of the whole index (bands) and their estimated
containment are what groups at any threshold are made of. They depend on
every live document, so they are computed once per index version and
saved in ``<index>/copies/<key>.npz`` (the key names each segment and its
deletions: a file is never believed for another version); an indexing
run computes them for the version it leaves, so searches only load them.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Optional

import numpy as np

from searcher import nearcopies

FOLDER = "copies"
FIELD = "nearcopy"


def index_key(reader) -> str:
    """Names this index version: each segment, its size and its deletions."""
    digest = hashlib.sha1()
    for segment_reader, offset in reader.leaf_readers():
        segment = segment_reader.segment()
        if segment is None:  # an index without segments
            continue
        deleted = sorted(segment.deleted_docs()) if segment_reader.has_deletions() else []
        digest.update(f"{segment.segment_id()}:{offset}:{segment_reader.doc_count_all()}:".encode())
        digest.update(np.asarray(deleted, dtype=np.int64).tobytes())
    return digest.hexdigest()[:20]


def signatures(reader) -> tuple[np.ndarray, np.ndarray]:
    """(hashes, sizes) of every document by docnum; size 0 for a deleted
    document or one without a signature."""
    count = reader.doc_count_all()
    hashes = np.zeros((count, nearcopies.PERMUTATIONS), dtype=np.uint32)
    sizes = np.zeros(count, dtype=np.int64)
    for segment_reader, offset in reader.leaf_readers():
        if segment_reader.segment() is None or FIELD not in segment_reader.schema \
                or not segment_reader.has_column(FIELD):
            continue
        column = segment_reader.column_reader(FIELD, translate=False)
        stored = column._count  # documents past it have no signature (the column's default)
        part_hashes, part_sizes = nearcopies.records(
            column._dbfile.get(column._basepos, stored * nearcopies.RECORD_BYTES))
        hashes[offset:offset + stored] = part_hashes
        sizes[offset:offset + stored] = part_sizes
        if segment_reader.has_deletions():
            sizes[offset + np.fromiter(segment_reader.segment().deleted_docs(), dtype=np.int64)] = 0
    return hashes, sizes


class CopyGroups:
    """The candidate pairs of one reader, and its groups by threshold."""

    def __init__(self, reader, folder: Optional[Path]):
        self.count = reader.doc_count_all()
        self.signed = FIELD in reader.schema
        self._hashes: Optional[tuple[np.ndarray, np.ndarray]] = None
        self._reader = reader
        path = Path(folder) / FOLDER / f"{index_key(reader)}.npz" if folder is not None else None
        pairs = _load(path, self.count) if path is not None else None
        if pairs is None:
            hashes, sizes = self.signatures()
            pairs = nearcopies.candidate_pairs(hashes, sizes)
            if path is not None:
                _save(path, pairs)
        self.pairs = pairs
        self._labels: dict[float, np.ndarray] = {}

    def signatures(self) -> tuple[np.ndarray, np.ndarray]:
        if self._hashes is None:
            self._hashes = signatures(self._reader)
        return self._hashes

    def labels(self, threshold: float) -> np.ndarray:
        """Each docnum's group: the smallest docnum of its copies (itself when alone)."""
        if threshold not in self._labels:
            decided = self.pairs.at(threshold)
            self._labels[threshold] = nearcopies.components(self.count, decided.first, decided.second)
        return self._labels[threshold]


def _load(path: Path, count: int) -> Optional[nearcopies.Pairs]:
    """The saved pairs, or None when missing or not whole and fitting (then made again)."""
    try:
        with np.load(path) as saved:
            first, second, containment = saved["first"], saved["second"], saved["containment"]
    except (OSError, KeyError, ValueError, EOFError):
        return None
    fits = (first.shape == second.shape == containment.shape and first.ndim == 1
            and (not len(first) or (0 <= first.min() and max(first.max(), second.max()) < count)))
    return nearcopies.Pairs(first.astype(np.int64), second.astype(np.int64), containment) if fits else None


def _save(path: Path, pairs: nearcopies.Pairs) -> None:
    """Saved for the next process (best effort); other versions' files go."""
    try:
        path.parent.mkdir(exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            np.savez(out, first=pairs.first.astype(np.int32), second=pairs.second.astype(np.int32),
                     containment=pairs.containment.astype(np.float32))
        os.replace(temporary, path)
        for name in os.listdir(path.parent):
            if name != path.name:
                try:
                    os.unlink(path.parent / name)
                except OSError:
                    pass
    except OSError:
        pass
