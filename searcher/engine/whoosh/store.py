"""Opening and creating the on-disk index; facts about it (stats).

Readers never lock: :func:`open_index` returns an index whose reads of the
table of contents survive a concurrent commit (accel/snapshot.py). What
reaches into Whoosh's internals lives under accel/; this module decides
where an index is, whether it may be opened or created, and what it holds.
"""
from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional, Sequence

from searcher.article import Skipped
from searcher.engine.whoosh.accel.imports import index as whoosh_index
from searcher.engine.whoosh.accel.snapshot import SnapshotIndex, latest_generation
from searcher.engine.whoosh.accel.valuecolumns import numeric_column, term_ids
from searcher.engine.whoosh.schema import build_schema
from searcher.engine.whoosh.stemming import ANALYSIS_VERSION, analysis_version
from searcher.errors import IndexDamaged, IndexNotFound, IndexOutdated, InvalidArgument
from searcher.results import Stats

INDEX_NAME = "MAIN"
_SEGMENT_FILE = re.compile(rf"^{INDEX_NAME}_[0-9a-z]+\.")  # Whoosh's segment file names


def _storage(index_dir: Path) -> Any:
    # Segment parts read in place, not copied into memory on every open
    # (Whoosh's FileStorage copies the whole index: ~1 s and the index's
    # size in RSS for a search of a 100k-article index; see mapped.py).
    from searcher.engine.whoosh.accel.mapped import MappedStorage

    return MappedStorage(str(index_dir))


def index_exists(index_dir: Path) -> bool:
    """Whether ``index_dir`` holds an index (a table of contents), without
    opening it: True for a table of contents that cannot be read (opening
    it says IndexDamaged), False for a folder of segments without one
    (opening or creating it says IndexDamaged too, see _refuse_lost_toc)."""
    index_dir = Path(index_dir)
    return index_dir.is_dir() and latest_generation(_storage(index_dir), INDEX_NAME) >= 0


def _refuse_lost_toc(path: Path) -> None:
    """IndexDamaged when ``path`` holds what an index leaves (segment files, a
    manifest) but no table of contents: an index created there would delete
    those segments at its first commit (Whoosh removes files its table of
    contents does not name), and the manifest would call their files read."""
    from searcher.ingest.manifest import MANIFEST_NAME  # not on a search's path

    try:
        names = os.listdir(path)
    except OSError:
        return
    segments = [name for name in names if _SEGMENT_FILE.match(name) or name.endswith(".seg")]
    if not segments and MANIFEST_NAME not in names:
        return
    holds = [f"{len(segments)} segment files"] if segments else []
    holds += ["a manifest"] if MANIFEST_NAME in names else []
    raise IndexDamaged(f"the index at {path} is damaged (its table of contents is missing; the folder holds "
                       f"{' and '.join(holds)}); 'searcher check' says what is wrong, "
                       "'searcher rebuild' rebuilds it from its files")


def refuse_foreign_folder(path: Path) -> None:
    """InvalidArgument when ``path`` is a folder of other files: an index
    made there would mix with them (and a rebuild swaps the whole folder)."""
    from searcher.engine.whoosh.check import index_entry  # not on the search path

    _refuse_lost_toc(path)  # the remains of an index are damage, not foreign files
    try:
        # Allowed: what an index being created by another run holds (locks,
        # a table of contents being written) and hidden files (.gitignore).
        names = [n for n in os.listdir(path) if not (n.startswith(".") or index_entry(n))]
    except OSError:
        return  # absent (created next) or unreadable (the create reports it)
    if names:
        raise InvalidArgument(f"{path} is not empty and holds no index ({len(names)} other files and folders, "
                              f"e.g. {sorted(names)[0]!r}): give --index an empty or new folder")


def _open_plain(path: Path) -> Any:
    if not index_exists(path):
        _refuse_lost_toc(path)
        raise IndexNotFound(f"no index at {path}: run 'searcher index PATH...' first")
    return whoosh_index.open_dir(str(path), indexname=INDEX_NAME)


def _create_plain(path: Path) -> Any:
    """Open the index at ``path``, creating it (and the folder) when absent;
    never over the remains of one (IndexDamaged)."""
    if index_exists(path):
        return whoosh_index.open_dir(str(path), indexname=INDEX_NAME)
    _refuse_lost_toc(path)
    refuse_foreign_folder(path)
    path.mkdir(parents=True, exist_ok=True)
    # Through MappedStorage: its first table of contents is synced too.
    return _storage(path).create_index(build_schema(), indexname=INDEX_NAME)


def open_index(index_dir: Path) -> SnapshotIndex:
    """Open an existing index for reading and writing; IndexNotFound when absent."""
    index_dir = Path(index_dir)
    if not index_exists(index_dir):
        return _open_plain(index_dir)  # raises IndexNotFound
    try:
        ix = _storage(index_dir).open_index(INDEX_NAME, indexclass=SnapshotIndex)
    except whoosh_index.EmptyIndexError:
        return _open_plain(index_dir)
    _refuse_outdated(ix, index_dir)
    return ix


def _refuse_outdated(ix, index_dir: Path) -> None:
    """IndexOutdated when the index was written with another text analysis:
    its words would not meet this version's query words (stemming.py)."""
    version = analysis_version(ix.schema)
    if version != ANALYSIS_VERSION:
        ix.close()
        raise IndexOutdated(f"the index at {index_dir} was written with an older text analysis "
                            f"(version {version}; this searcher uses {ANALYSIS_VERSION}): "
                            "run 'searcher rebuild' to convert it")


def create_index(index_dir: Path) -> SnapshotIndex:
    """Open the index at ``index_dir``, creating it (and the folder) when
    absent. Two processes may race to create one: call it under the lock
    (``locking.create_locked``)."""
    if not index_exists(index_dir):
        _create_plain(Path(index_dir)).close()
    return open_index(index_dir)


# -- facts -----------------------------------------------------------------------


def _value_counts(reader, field: str, top: int) -> list[tuple[str, int]]:
    """Live documents per exact value (deleted documents not counted), from
    posting blocks: no Python call per posting."""
    segments = [(segment, set(segment.segment().deleted_docs()) if segment.has_deletions() else set())
                for segment, _ in reader.leaf_readers()]
    counts = []
    for term in reader.field_terms(field):
        count = sum(len(term_ids(segment, field, term) - deleted) for segment, deleted in segments)
        if count:
            counts.append((term, count))
    counts.sort(key=lambda item: (-item[1], item[0]))
    return counts[:top]


_MICROSECONDS_A_DAY = 86_400_000_000
_LAST_DAY = datetime.max.toordinal()


def date_days(reader) -> list[int]:
    """Each document's date as a day ordinal (0 when undated), by document number."""
    # Whoosh stores microseconds since datetime.min (ordinal 1): no datetime per document.
    days = [0 if raw is None else raw // _MICROSECONDS_A_DAY + 1 for raw in date_values(reader)]
    if days and (max(days) > _LAST_DAY or min(days) < 0):
        raise IndexDamaged("the index's date column holds dates no calendar has (damaged bytes); "
                           "'searcher check' says what is wrong, 'searcher rebuild' rebuilds it from its files")
    return days


def date_values(reader) -> list[Optional[int]]:
    """Each document's date as Whoosh stores it (an integer, full precision),
    None when undated, by document number.

    Read segment by segment: Whoosh 2.7.4's multi-segment column reader fails
    when a segment holds no value of the column at all.
    """
    values: list[Optional[int]] = [None] * reader.doc_count_all()
    missing = reader.schema["date"].column_type.default_value()
    for segment, offset in reader.leaf_readers():
        if not segment.has_column("date"):
            continue
        column = segment.column_reader("date", translate=False)
        packed = numeric_column(column)
        # None: not the fixed-width column this Whoosh writes: one value at a time.
        raw: Sequence[int] = (packed if packed is not None
                              else [column[docnum] for docnum in range(segment.doc_count_all())])
        values[offset:offset + len(raw)] = [None if value == missing else value for value in raw]
    return values


def live_days(reader) -> list[int]:
    """The day ordinal (0: undated) of each live document."""
    days = date_days(reader)
    return [days[docnum] for docnum in reader.all_doc_ids()] if reader.has_deletions() else days


def _utc_day(ordinal: int) -> datetime:
    return datetime.fromordinal(ordinal).replace(tzinfo=timezone.utc)


def stats(ix: "whoosh_index.Index", path: Path, top: int = 10) -> Stats:
    with ix.searcher() as searcher:
        reader = searcher.reader()
        days = [day for day in live_days(reader) if day]
        articles = searcher.doc_count()
        result = Stats(
            articles=articles,
            first_date=_utc_day(min(days)) if days else None,
            last_date=_utc_day(max(days)) if days else None,
            undated=articles - len(days),
            top_tags=_value_counts(reader, "tags", top),
            top_sources=_value_counts(reader, "sources", top),
            top_authors=_value_counts(reader, "authors", top),
            size_bytes=sum(f.stat().st_size for f in path.rglob("*") if f.is_file()),
            path=str(path),
        )
    from searcher.ingest.manifest import Manifest

    manifest = Manifest.load(path)
    result.skipped_files = [Skipped(origin, reason) for origin, reason in manifest.skipped.items()]
    return result
