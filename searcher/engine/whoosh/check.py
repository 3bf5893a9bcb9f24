"""Checking an index (``searcher check``); rebuilding it is ``rebuild.py``'s.

What check verifies, reading the index's files directly (so that it reports
on an index too damaged to open):

- the table of contents (the latest ``_MAIN_N.toc``) reads;
- every segment it lists opens, and its stored documents, terms, postings
  and columns read through; its document count agrees with the table's;
- no article id occurs twice among live documents;
- the manifest reads, and every article it lists is in the index (it is
  saved only after the commit holding those articles, so it may list fewer
  -- articles added as Article objects, or by a run stopped between a
  commit and its manifest save -- but never more);
- no file in the folder is foreign to the index. Files an interrupted write
  left behind (unreferenced segment files, old or half-written tables of
  contents, Whoosh's temporary folder, a half-written manifest) are
  warnings, not errors: the index is intact, and the next indexing run that
  commits removes them (half-written tables of contents excepted: Whoosh
  never does), as does ``searcher check --clean``.

Each problem has a ``ProblemKind``, which fixes its severity: errors make
``ok`` false (exit status 1 on the command line); warnings do not.
Nothing here is Whoosh-specific in what it returns.
"""
from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from searcher.engine.whoosh import checksums, copies
from searcher.engine.whoosh.accel import valuecolumns
from searcher.engine.whoosh.merge_child import TEMP_SUFFIX as MERGE_TEMP_SUFFIX
from searcher.engine.whoosh.stemming import ANALYSIS_VERSION, analysis_version
from searcher.errors import IndexLocked, IndexNotFound
from searcher.ingest import locking
from searcher.ingest.manifest import MANIFEST_NAME, Manifest
from searcher.results import CheckReport, ProblemKind

INDEX_NAME = "MAIN"  # as store.INDEX_NAME
_TOC = re.compile(rf"^_{INDEX_NAME}_([0-9]+)\.toc$")
_TOC_TEMP = re.compile(rf"^_{INDEX_NAME}_([0-9]+)\.toc\.[0-9.]+$")  # TOC.write's temporary name
_SEGMENT_FILE = re.compile(rf"^({INDEX_NAME}_[0-9a-z]+)\.[A-Za-z0-9_.]+$")
_WHOOSH_TEMP = f"{INDEX_NAME}.tmp"  # the writer's temporary folder
_MERGE_TEMP = re.compile(rf"^{INDEX_NAME}_[0-9a-z]+{MERGE_TEMP_SUFFIX}$")  # a background merge's
_MANIFEST_TEMP = Path(MANIFEST_NAME).with_suffix(".tmp").name
_TEMPORARY = (_WHOOSH_TEMP, _MANIFEST_TEMP, checksums.CHECKSUMS_TEMP)
_OWN_FILES = {MANIFEST_NAME, locking.LOCK_NAME, locking.WHOOSH_LOCK_NAME, valuecolumns.FOLDER, copies.FOLDER,
              checksums.CHECKSUMS_NAME}
_EXAMPLES = 5


def index_entry(name: str) -> bool:
    """Whether a name in an index folder is the index's own (or a write's leftover)."""
    return bool(name in _OWN_FILES or name in _TEMPORARY
                or _TOC.match(name) or _TOC_TEMP.match(name) or _SEGMENT_FILE.match(name)
                or _MERGE_TEMP.match(name))


# Damage that hides articles: the manifest's missing ones are then said to be
# in no readable segment, not simply absent.
_UNREADABLE = frozenset({ProblemKind.SEGMENT_FILE_MISSING, ProblemKind.SEGMENT_UNREADABLE,
                         ProblemKind.NEWER_TABLE_OF_CONTENTS_LOST})


def _examples(items: list[str]) -> str:
    shown = ", ".join(items[:_EXAMPLES])
    return shown + (f" and {len(items) - _EXAMPLES} more" if len(items) > _EXAMPLES else "")


def _whoosh():
    from searcher.engine.whoosh.accel.imports import index as whoosh_index  # noqa: F401  (imports Whoosh quietly first)
    # isort: split
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC
    from whoosh.reading import SegmentReader

    return FileStorage, TOC, SegmentReader


def _latest_generation(names: list[str]) -> int:
    gens = [int(m.group(1)) for m in map(_TOC.match, names) if m]
    return max(gens) if gens else -1


def _size(path: Path) -> int:
    try:
        if path.is_dir():
            return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        return path.stat().st_size
    except OSError:
        return 0


def _read_segment(storage, schema, segment, generation: int, deep: bool) -> list[str]:
    """The ids of a segment's live documents, reading everything it holds on the way."""
    _, _, SegmentReader = _whoosh()
    reader = SegmentReader(storage, schema, segment, generation=generation)
    try:
        ids = []
        for _, stored in reader.iter_docs():
            ids.append(stored.get("id"))
        if deep:
            for fieldname, text in reader.all_terms():
                for _ in reader.postings(fieldname, text).all_ids():
                    pass
            for fieldname in schema.names():
                if reader.has_column(fieldname):
                    for _ in reader.column_reader(fieldname, translate=False):
                        pass
        stored_all = reader.doc_count_all()
        if stored_all != segment.doc_count_all():
            raise ValueError(f"the table of contents says {segment.doc_count_all()} documents, "
                             f"the segment holds {stored_all}")
        return ids
    finally:
        reader.close()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return f"file {Path(exc.filename).name} is missing"
    text = str(exc) or type(exc).__name__
    return text if len(text) < 200 else text[:200] + "..."


def check_index(index_dir: Path, deep: bool = True, clean: bool = False,
                ids: Optional[set[str]] = None) -> CheckReport:
    """Check the index at ``index_dir``; see the module docstring. ``ids``,
    when given, receives the ids of the articles found."""
    index_dir = Path(index_dir)
    if not index_dir.is_dir():
        raise IndexNotFound(f"no index at {index_dir}")
    # A run committing while we read can make the files we read disagree;
    # when the table of contents moved on meanwhile, check again.
    for _ in range(3):
        report = _check_once(index_dir, deep, ids)
        names = _names(index_dir)
        if report.ok or _latest_generation(names) == report.generation:
            break
    _stale_rebuilds(index_dir, report)
    if clean and not report.newer_toc_lost:  # its segments look like leftovers: keep them for rebuild
        _clean(index_dir, report)
    if report.unchecksummed and report.writer is None and report.ok:  # never over a damaged index's records
        _record_missing_sums(index_dir, report)
    return report


def _stale_rebuilds(index_dir: Path, report: CheckReport) -> None:
    from searcher.engine.whoosh.rebuild import stale_work_folders

    report.stale_rebuilds = [str(p) for p in stale_work_folders(index_dir)]
    if report.stale_rebuilds:
        size = sum(_size(Path(p)) for p in report.stale_rebuilds)
        report.add_problem(ProblemKind.STALE_REBUILD_FOLDER,
                    f"{len(report.stale_rebuilds)} folders ({size / 1e6:.1f} MB) left by a rebuild that was "
                    f"stopped: {_examples(report.stale_rebuilds)}; the index is unaffected; the next "
                    "'searcher rebuild', or 'searcher check --clean', removes them")


def _record_missing_sums(index_dir: Path, report: CheckReport) -> None:
    """Checksum files that have none yet (an index written before checksums,
    or by a writer that records none), once they read soundly: from then on
    a changed byte is found. Only under the index's lock, never waiting."""
    try:
        fd = locking.acquire(index_dir)
    except (IndexLocked, OSError):
        return  # a run is writing, or the folder is read-only: next time
    try:
        report.checksummed_now = checksums.record_checksums(index_dir, report.unchecksummed)
    except OSError:
        pass
    finally:
        locking.release(fd)


def _names(index_dir: Path) -> list[str]:
    try:
        return sorted(os.listdir(index_dir))
    except OSError:
        return []


# -- one pass over the index's files ---------------------------------------------


@dataclass
class _Read:
    """What reading the segments found: live ids, and the files they use."""

    ids: list[str] = field(default_factory=list)
    referenced: set[str] = field(default_factory=set)  # files of the index's segments and table
    sound: set[str] = field(default_factory=set)  # of those, files read without an error: safe to checksum


def _check_once(index_dir: Path, deep: bool, ids: Optional[set[str]] = None) -> CheckReport:
    report = CheckReport(path=str(index_dir))
    writing = _check_writers(index_dir, report)
    # The manifest first: it is saved after the commit holding its articles,
    # so the index read after it holds at least what it lists.
    manifest = read_manifest(index_dir, report)
    names = _names(index_dir)
    opened = _read_toc(index_dir, names, manifest, report)
    if opened is None:
        return report
    storage, toc = opened
    _check_toc(index_dir, toc, report)
    read = _read_segments(storage, toc, names, report, deep)
    _verify_sums(index_dir, report, read.referenced, read.sound, deep)
    present = _check_ids(read.ids, report)
    if ids is not None:
        ids.clear()
        ids.update(present)
    check_manifest(manifest, present, report)
    _check_folder(index_dir, names, read.referenced, toc.segments, writing, report)
    return report


def _check_writers(index_dir: Path, report: CheckReport) -> bool:
    """Note an indexing run writing now (True when one is), and a write lock a killed one left."""
    report.writer = locking.writer_pid(index_dir)
    whoosh_lock = locking.whoosh_lock_state(index_dir)
    if whoosh_lock.state == "stale":
        report.add_problem(ProblemKind.STALE_WRITE_LOCK,
                    f"the write lock of a killed indexing run (pid {whoosh_lock.owner}) is still held by "
                    + (f"processes it left ({', '.join(map(str, whoosh_lock.holders))}); they do nothing, "
                       "end them with kill" if whoosh_lock.holders else "processes it left")
                    + "; the next indexing run recovers the lock")
    return report.writer is not None or whoosh_lock.state == "held"


def read_manifest(index_dir: Path, report: CheckReport) -> Optional[Manifest]:
    if not (index_dir / MANIFEST_NAME).exists():
        return None
    try:
        return Manifest.load(index_dir)
    except (ValueError, TypeError, AttributeError, OSError) as exc:
        report.add_problem(ProblemKind.MANIFEST_UNREADABLE,
                           f"the manifest {MANIFEST_NAME} cannot be read: {_describe(exc)}")
        return None


def _read_toc(index_dir: Path, names: list[str], manifest: Optional[Manifest], report: CheckReport):
    """(storage, table of contents) of the latest commit; None when there is none to read."""
    FileStorage, TOC, _ = _whoosh()
    generation = report.generation = _latest_generation(names)
    if generation < 0:
        if manifest is None and not (index_dir / MANIFEST_NAME).exists():
            raise IndexNotFound(f"no index at {index_dir}")
        report.add_problem(ProblemKind.NO_TABLE_OF_CONTENTS,
                    "the index has no table of contents (_MAIN_N.toc): it cannot be opened; "
                    "'searcher rebuild' rebuilds it from the files the manifest records")
        return None
    storage = FileStorage(str(index_dir), readonly=True)
    try:
        return storage, TOC.read(storage, INDEX_NAME, gen=generation)
    except Exception as exc:  # noqa: BLE001 - any damage is a finding, not a crash
        report.add_problem(ProblemKind.TABLE_OF_CONTENTS_UNREADABLE,
                    f"the table of contents _{INDEX_NAME}_{generation}.toc cannot be read: {_describe(exc)}; "
                    "'searcher rebuild' rebuilds the index from the files the manifest records")
        return None


def _check_toc(index_dir: Path, toc, report: CheckReport) -> None:
    """The table read is the newest committed one, and written with this searcher's analysis."""
    report.segments = len(toc.segments)
    lost = checksums.lost_newer_toc(index_dir, report.generation)
    if lost:
        report.newer_toc_lost = lost
        report.add_problem(ProblemKind.NEWER_TABLE_OF_CONTENTS_LOST,
                    f"the newest table of contents {lost} is missing: the index opens an older one, without "
                    "the articles committed since; 'searcher rebuild' rebuilds it from its files")
    version = analysis_version(toc.schema)
    if version != ANALYSIS_VERSION:
        report.add_problem(ProblemKind.OUTDATED_ANALYSIS,
                    f"the index was written with an older text analysis (version {version}; this searcher "
                    f"uses {ANALYSIS_VERSION}): searches refuse it; 'searcher rebuild' converts it")


def _read_segments(storage, toc, names: list[str], report: CheckReport, deep: bool) -> _Read:
    read = _Read(referenced={f"_{INDEX_NAME}_{report.generation}.toc"})
    read.sound = set(read.referenced)
    for segment in toc.segments:
        files = {n for n in names if n.startswith(segment.segment_id() + ".")}
        read.referenced |= files
        segment_ids = _check_segment(storage, toc, segment, names, report, deep)
        if segment_ids is not None:
            read.sound |= files
            read.ids.extend(segment_ids)
    return read


def _check_segment(storage, toc, segment, names: list[str], report: CheckReport, deep: bool) -> Optional[list[str]]:
    """The ids of one segment's live documents; None when it cannot be read."""
    segid = segment.segment_id()
    label = f"segment {segid} ({segment.doc_count()} articles)"
    if segment.is_compound() and f"{segid}.seg" not in names:
        report.add_problem(ProblemKind.SEGMENT_FILE_MISSING, f"{label}: file {segid}.seg is missing")
        return None
    try:
        segment_ids = _read_segment(storage, toc.schema, segment, report.generation, deep)
    except Exception as exc:  # noqa: BLE001
        report.add_problem(ProblemKind.SEGMENT_UNREADABLE, f"{label} cannot be read: {_describe(exc)}")
        return None
    missing_id = sum(1 for i in segment_ids if not i)
    if missing_id:
        report.add_problem(ProblemKind.DOCUMENTS_WITHOUT_ID, f"{label}: {missing_id} documents have no id")
    return [i for i in segment_ids if i]


def _verify_sums(index_dir: Path, report: CheckReport, referenced: set[str], sound: set[str], deep: bool) -> None:
    """Every file of the index against its recorded checksum (``--quick``: its size)."""
    if checksums.load(index_dir) is None:
        report.add_problem(ProblemKind.CHECKSUMS_UNREADABLE,
                    f"the checksums {checksums.CHECKSUMS_NAME} cannot be read; they are recorded afresh")
    names = sorted(n for n in referenced if checksums.is_summed(n))
    mismatched, unrecorded = checksums.verify(index_dir, names, deep=deep)
    report.verified = len(names) - len(mismatched) - len(unrecorded)
    report.unchecksummed = [n for n in unrecorded if n in sound]
    if mismatched:
        report.add_problem(ProblemKind.CHECKSUM_MISMATCH,
                    f"{len(mismatched)} files differ from the checksum recorded when they were written: "
                    f"{_examples(mismatched)}; the disk or a copy changed them: 'searcher rebuild' "
                    "rebuilds the index from its files")


def _check_ids(ids: list[str], report: CheckReport) -> set[str]:
    """No article id twice; the distinct ids."""
    report.articles = len(ids)
    counts = Counter(ids)
    doubled = sorted(i for i, n in counts.items() if n > 1)
    if doubled:
        report.add_problem(ProblemKind.DUPLICATE_ID, f"{len(doubled)} article ids occur more than once: "
                    + _examples([f"{i!r} ({counts[i]} copies)" for i in doubled]))
    return set(counts)


def check_manifest(manifest: Optional[Manifest], present: set[str], report: CheckReport) -> None:
    """Every article the manifest lists is in the index (the index may hold more)."""
    if manifest is None:
        report.unrecorded = len(present)
        return
    recorded: dict[str, str] = {}  # article id -> the first file listing it
    for key, entry in manifest.files.items():
        for article_id in entry.ids:
            recorded.setdefault(article_id, key)
    report.files_recorded = len(manifest.files)
    report.ids_recorded = len(recorded)
    report.unrecorded = len(present - set(recorded))
    absent = sorted(i for i in recorded if i not in present)
    if absent and not report.kinds & _UNREADABLE:
        report.add_problem(ProblemKind.MANIFEST_ARTICLE_MISSING,
                    f"the manifest lists {len(absent)} articles the index does not hold: "
                    + _examples([f"{i!r} (from {recorded[i]})" for i in absent])
                    + "; 'searcher rebuild' restores them")
    elif absent:
        report.add_problem(ProblemKind.MANIFEST_ARTICLE_MISSING,
                    f"{len(absent)} articles the manifest lists are in no readable segment; "
                    "'searcher rebuild' restores them")


def _check_folder(index_dir: Path, names: list[str], referenced: set[str], segments, writing: bool,
                  report: CheckReport) -> None:
    """Files that are not the index's: foreign (an error), or an interrupted write's (a warning)."""
    live = tuple(s.segment_id() + "." for s in segments)
    foreign = []
    for name in names:
        if name in referenced or name in _OWN_FILES or name.startswith("."):
            continue  # hidden files are the user's (.gitignore), never the index's
        if _leftover(name, live):
            report.leftovers.append(name)
        else:
            foreign.append(name)
    if foreign:
        report.add_problem(ProblemKind.FOREIGN_FILE,
                    f"{len(foreign)} files in the index folder are not part of the index: {_examples(foreign)}")
    if writing:
        report.leftovers = []  # the files a run is writing now
    elif report.leftovers:
        size = sum(_size(index_dir / n) for n in report.leftovers)
        report.add_problem(ProblemKind.INTERRUPTED_WRITE_LEFTOVER,
                    f"{len(report.leftovers)} files ({size / 1e6:.1f} MB) left over from an interrupted "
                    f"write: {_examples(report.leftovers)}; the next indexing run that commits, "
                    "or 'searcher check --clean', removes them")


def _leftover(name: str, live_prefixes: tuple[str, ...]) -> bool:
    """A table of contents, temporary or segment file no live segment uses."""
    segment_file = _SEGMENT_FILE.match(name) and not name.startswith(live_prefixes)
    return bool(_TOC.match(name) or _TOC_TEMP.match(name) or name in _TEMPORARY or segment_file
                or _MERGE_TEMP.match(name))


def _clean(index_dir: Path, report: CheckReport) -> None:
    """Remove the leftovers of interrupted writes and stopped rebuilds, when no one is writing."""
    if not report.leftovers and not report.stale_rebuilds:
        return
    fd = locking.acquire(index_dir)  # IndexLocked when a run is writing
    try:
        if report.stale_rebuilds:
            from searcher.engine.whoosh.rebuild import remove_stale_work_folders

            report.cleaned += remove_stale_work_folders(index_dir)
            report.drop_problems(ProblemKind.STALE_REBUILD_FOLDER)
        locking.recover_whoosh_lock(index_dir)
        if locking.whoosh_lock_state(index_dir).state != "free":
            return  # a writer that is not ours: leave its files alone
        _remove_leftovers(index_dir, report)
    finally:
        locking.release(fd)


def _remove_leftovers(index_dir: Path, report: CheckReport) -> None:
    for name in report.leftovers:
        path = index_dir / name
        try:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        except FileNotFoundError:
            pass
        report.cleaned.append(name)
    report.drop_problems(ProblemKind.INTERRUPTED_WRITE_LEFTOVER)
