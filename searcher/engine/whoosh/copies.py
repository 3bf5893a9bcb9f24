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
from bisect import bisect_right
from pathlib import Path
from typing import Optional

import numpy as np

from searcher import nearcopies

FOLDER = "copies"
FIELD = "nearcopy"
_KEYS_AT_ONCE = 16384  # signatures read at a time into band keys (8 MB)


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
        column = _column(segment_reader)
        if column is None:
            continue
        stored = column._count  # documents past it have no signature (the column's default)
        part_hashes, part_sizes = nearcopies.records(
            column._dbfile.get(column._basepos, stored * nearcopies.RECORD_BYTES))
        hashes[offset:offset + stored] = part_hashes
        sizes[offset:offset + stored] = part_sizes
        if segment_reader.has_deletions():
            sizes[offset + np.fromiter(segment_reader.segment().deleted_docs(), dtype=np.int64)] = 0
    return hashes, sizes


def reader_pairs(reader) -> tuple[nearcopies.Pairs, np.ndarray]:
    """The candidate pairs of every document and their sizes: band keys made
    a segment at a time (296 bytes a document, not the signatures' 516), and
    whole signatures read only for the documents that pair."""
    count = reader.doc_count_all()
    keys = np.zeros((count, nearcopies.BANDS), dtype=np.uint64)
    sizes = np.zeros(count, dtype=np.int64)
    for segment_reader, offset in reader.leaf_readers():
        column = _column(segment_reader)
        if column is None:
            continue
        stored = column._count  # documents past it have no signature (the column's default)
        for start in range(0, stored, _KEYS_AT_ONCE):
            part = min(_KEYS_AT_ONCE, stored - start)
            part_hashes, part_sizes = nearcopies.records(column._dbfile.get(
                column._basepos + start * nearcopies.RECORD_BYTES, part * nearcopies.RECORD_BYTES))
            keys[offset + start:offset + start + part] = nearcopies.band_keys(part_hashes)
            sizes[offset + start:offset + start + part] = part_sizes
        if segment_reader.has_deletions():
            sizes[offset + np.fromiter(segment_reader.segment().deleted_docs(), dtype=np.int64)] = 0
    pairs = nearcopies.pairs_from_keys(keys, sizes, lambda rows: signature_rows(reader, rows)[0])
    return pairs, sizes


def signature_rows(reader, docnums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hashes, sizes) of these docnums only, each read from its segment's column."""
    hashes = np.zeros((len(docnums), nearcopies.PERMUTATIONS), dtype=np.uint32)
    sizes = np.zeros(len(docnums), dtype=np.int64)
    leaves = list(reader.leaf_readers())
    starts = [offset for _, offset in leaves]
    for place, docnum in enumerate(np.asarray(docnums, dtype=np.int64).tolist()):
        segment_reader, offset = leaves[bisect_right(starts, docnum) - 1]
        column = _column(segment_reader)
        local = docnum - offset
        if column is None or local >= column._count or segment_reader.is_deleted(local):
            continue
        data = column._dbfile.get(column._basepos + local * nearcopies.RECORD_BYTES, nearcopies.RECORD_BYTES)
        row_hashes, row_sizes = nearcopies.records(data)
        hashes[place], sizes[place] = row_hashes[0], row_sizes[0]
    return hashes, sizes


def _column(segment_reader):
    """The segment's signature column (Whoosh's), or None when it has none."""
    if segment_reader.segment() is None or FIELD not in segment_reader.schema \
            or not segment_reader.has_column(FIELD):
        return None
    return segment_reader.column_reader(FIELD, translate=False)


class CopyGroups:
    """The candidate pairs of one reader, and its groups by threshold. The
    signatures themselves (516 bytes an article) are read whole only to make
    the pairs; afterwards only the rows asked for."""

    def __init__(self, reader, folder: Optional[Path]):
        self.count = reader.doc_count_all()
        self.signed = FIELD in reader.schema
        self._reader = reader
        path = Path(folder) / FOLDER / f"{index_key(reader)}.npz" if folder is not None else None
        self.pairs, self.sizes = nearcopies.pairs_of(path, self.count, lambda: reader_pairs(reader))
        self._labels: dict[float, np.ndarray] = {}
        self._alone: dict[float, np.ndarray] = {}

    def rows(self, docnums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return signature_rows(self._reader, docnums)

    def labels(self, threshold: float) -> np.ndarray:
        """Each docnum's group: the smallest docnum of its copies (itself when alone)."""
        if threshold not in self._labels:
            decided = self.pairs.at(threshold)
            self._labels[threshold] = nearcopies.components(self.count, decided.first, decided.second)
        return self._labels[threshold]

    def alone(self, threshold: float) -> np.ndarray:
        """Per docnum: whether its group is itself only (most articles)."""
        if threshold not in self._alone:
            self._alone[threshold] = nearcopies.alone(self.labels(threshold))
        return self._alone[threshold]
