"""Rebuilding an index from its sources (``searcher rebuild [PATH...]``).

The files the manifest records, plus any files and folders the user names,
are read into a new folder next to the index (``.NAME.rebuild-PID``), which
then replaces the index in one atomic rename. Articles no existing file
provides (added as Articles, from files that have vanished or moved) are
kept from the old index where it can still be read. When the manifest is
unreadable or missing, the paths the user names are the sources.
"""
from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional

from searcher.article import Article, Skipped
from searcher.durable import fsync_dir, fsync_enabled, fsync_path
from searcher.engine.whoosh import checksums
from searcher.engine.whoosh.check import INDEX_NAME, _describe, _latest_generation, _names, _whoosh, index_entry
from searcher.errors import IndexDamaged, IndexNotFound, SearcherError
from searcher.ingest import locking
from searcher.ingest.manifest import MANIFEST_NAME, FileEntry, Manifest, file_key
from searcher.results import IndexProgress, RebuildReport

MANIFEST_ERRORS = (ValueError, TypeError, AttributeError, KeyError)  # JSON, UTF-8, shape
_WORK = re.compile(r"^\.(?P<name>.+)\.(?:rebuild|old)-(?P<pid>[0-9]+)$")


# -- folders a killed rebuild left ---------------------------------------------


def work_folders(index_dir: Path) -> list[tuple[Path, int]]:
    """The folders rebuilds of this index made next to it, with their pids."""
    index_dir = Path(index_dir)
    try:
        names = os.listdir(index_dir.parent)
    except OSError:
        return []
    found = []
    for name in sorted(names):
        m = _WORK.match(name)
        if m and m["name"] == index_dir.name and (index_dir.parent / name).is_dir():
            found.append((index_dir.parent / name, int(m["pid"])))
    return found


def stale_work_folders(index_dir: Path) -> list[Path]:
    """Work folders whose rebuild is over: its process is gone, or it is not
    the one holding the index's lock (one writer at a time)."""
    writer = locking.writer_pid(index_dir)
    return [path for path, pid in work_folders(index_dir)
            if not (locking.pid_alive(pid) and writer in (pid, 0))]


def remove_stale_work_folders(index_dir: Path) -> list[str]:
    """Remove them (call with the index's lock held); the paths removed."""
    removed = []
    for path in stale_work_folders(index_dir):
        shutil.rmtree(path, ignore_errors=True)
        removed.append(str(path))
    return removed


# -- sources ------------------------------------------------------------------


def _refuse_without_sources(index_dir: Path, paths: list[Path], target: Any) -> None:
    """No index, or nothing to rebuild it from: say what to do."""
    has_manifest = (index_dir / MANIFEST_NAME).exists()
    if not index_dir.is_dir() or (not has_manifest and not target.has_index(index_dir)):
        raise IndexNotFound(f"no index at {index_dir}")
    if not has_manifest and not paths:
        raise SearcherError(f"{index_dir} has no manifest ({MANIFEST_NAME}): nothing records the files to "
                            "rebuild it from; name them: 'searcher rebuild PATH...'")


def _load_manifest(index_dir: Path, paths: list[Path], notes: list[str]) -> Manifest:
    try:
        return Manifest.load(index_dir)
    except MANIFEST_ERRORS as exc:
        if not paths:
            raise IndexDamaged(f"the manifest {MANIFEST_NAME} of the index at {index_dir} cannot be read "
                               f"({_describe(exc)}): nothing records the files to rebuild from; name them: "
                               "'searcher rebuild PATH...' (articles no file provides are kept)") from exc
        notes.append(f"the manifest could not be read ({_describe(exc)}): rebuilt from the paths given")
        return Manifest(index_dir / MANIFEST_NAME)


def _files_under(paths: list[Path], index_dir: Path) -> set[str]:
    from searcher.readers import iter_files

    return {file_key(p) for p in iter_files(paths, exclude=[index_dir])}


# -- the old index ------------------------------------------------------------


def _old_documents(index_dir: Path, notes: list[tuple[str, int]]) -> Iterator[dict]:
    """Stored fields of the old index's live documents, segment by segment;
    in ``notes``, what could not be read and how many articles it held
    (-1: unknown)."""
    FileStorage, TOC, SegmentReader = _whoosh()
    generation = _latest_generation(_names(index_dir))
    if generation < 0:
        notes.append(("it has no table of contents", -1))
        return
    storage = FileStorage(str(index_dir), readonly=True)
    try:
        toc = TOC.read(storage, INDEX_NAME, gen=generation)
    except Exception as exc:  # noqa: BLE001
        notes.append((f"its table of contents cannot be read ({_describe(exc)})", -1))
        return
    for segment in toc.segments:
        try:
            reader = SegmentReader(storage, toc.schema, segment, generation=generation)
            try:
                for _, stored in reader.iter_docs():
                    if stored.get("id"):
                        yield stored
            finally:
                reader.close()
        except Exception as exc:  # noqa: BLE001
            notes.append((f"segment {segment.segment_id()} cannot be read ({_describe(exc)})", segment.doc_count()))


# -- swapping it in -------------------------------------------------------------


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2); False where unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap_in(new: Path, target: Path) -> Path:
    """Put ``new`` where ``target`` is; return where the old one now is."""
    if _exchange(new, target):
        return new
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    os.rename(target, old)  # readers starting in this instant find no index
    os.rename(new, target)
    return old


def _carry_over(old: Path, new: Path, carried: list[tuple[Path, Path]], own_entry: Callable[[str], bool]) -> None:
    """Move what the old folder holds besides the index (a .gitignore, files
    of the user's) into the new one, which replaces it whole; ``carried``
    gets (new place, old place) of each as it moves, to move back if the
    swap fails (also when a later move fails)."""
    for entry in sorted(old.iterdir()):
        target = new / entry.name
        if own_entry(entry.name) or target.exists():
            continue
        os.rename(entry, target)
        carried.append((target, entry))


def _carry_back(carried: list[tuple[Path, Path]]) -> bool:
    """Move carried files back; False when one could not be (the rebuild
    folder must then be kept, not removed: it holds the user's file)."""
    back = True
    for now, before in reversed(carried):
        try:
            os.rename(now, before)
        except OSError:
            back = False
    return back


def ready_to_swap(new: Path, old: Path) -> None:
    """The rebuilt index in ``new`` ready to replace the one in ``old`` (which
    may be absent): numbered after it, its files' checksums recorded."""
    _follow_generation(new, _latest_generation(_names(old)) if old.is_dir() else -1)
    checksums.record_checksums(new)  # the rebuilt files, as each commit's are


def _follow_generation(new: Path, old_generation: int) -> None:
    """Number the new index's table of contents after the old one's, so that
    a reader open on the old index sees a newer generation and refreshes."""
    FileStorage, TOC, _ = _whoosh()
    storage = FileStorage(str(new))
    toc = TOC.read(storage, INDEX_NAME)
    if toc.generation > old_generation:
        return
    stale = f"_{INDEX_NAME}_{toc.generation}.toc"
    toc.generation = old_generation + 1
    toc.write(storage, INDEX_NAME)
    storage.delete_file(stale)
    if fsync_enabled():  # durable before it is swapped in
        fsync_path(new / f"_{INDEX_NAME}_{toc.generation}.toc")
        fsync_dir(new)


# -- what is rebuilt --------------------------------------------------------------


class WhooshTarget:
    """A rebuild's new index: one Whoosh index (a sharded archive has its
    own target, engine/sharded/rebuild.py, with the same methods)."""

    def __init__(self) -> None:
        self.ix: Any = None
        self.folder: Optional[Path] = None

    def create(self, new: Path) -> None:
        from searcher.engine.whoosh.store import create_index

        self.folder, self.ix = new, create_index(new)

    def writer(self, jobs: Optional[int]) -> Any:
        from searcher.readers.parallel import jobs_or_default

        from .writing import WhooshWriter

        assert self.folder is not None
        return WhooshWriter(self.ix, self.folder, jobs_or_default(jobs))

    def ids(self) -> set[str]:
        with self.ix.searcher() as searcher:
            return {stored["id"] for stored in searcher.all_stored_fields()}

    def doc_count(self) -> int:
        return self.ix.doc_count()

    def close(self) -> None:
        if self.ix is not None:
            self.ix.close()

    def finish(self, old: Path) -> None:
        assert self.folder is not None
        ready_to_swap(self.folder, old)

    @staticmethod
    def old_documents(index_dir: Path, notes: list[tuple[str, int]]) -> Iterator[dict]:
        return _old_documents(index_dir, notes)

    @staticmethod
    def own_entry(name: str) -> bool:
        """Whether a name in the folder is the index's (not carried into the new one)."""
        return index_entry(name)

    @staticmethod
    def has_index(index_dir: Path) -> bool:
        return _latest_generation(_names(index_dir)) >= 0


# -- rebuild --------------------------------------------------------------------


def rebuild_index(index_dir: Path, *, commit_every: int, jobs: Optional[int] = None,
                  progress: Optional[Callable[[IndexProgress], None]] = None,
                  wait: Optional[float] = None, paths: Iterable[Any] = (), target: Any = None) -> RebuildReport:
    """Rebuild the index from the files its manifest records and ``paths``,
    in a new folder next to it swapped in at the end; see ``Archive.rebuild``.
    ``target``: what the new folder holds (default: one Whoosh index)."""
    index_dir = Path(index_dir)
    paths = [Path(p) for p in paths]
    target = target if target is not None else WhooshTarget()
    _refuse_without_sources(index_dir, paths, target)
    fd = locking.acquire(index_dir, wait)
    swap = _Swap(index_dir, target)
    try:
        report = _rebuild_into(swap.new, index_dir, paths, commit_every, jobs, progress, target)
        swap.swap_in()
    except BaseException:
        swap.undo()
        locking.release(fd)
        raise
    locking.release(fd)  # the old folder's lock: whoever waited on it finds it replaced
    swap.finish()
    return report


def _rebuild_into(new: Path, index_dir: Path, paths: list[Path], commit_every: int, jobs: Optional[int],
                  progress, target: Any) -> RebuildReport:
    """Build the whole new index in ``new``, ready to be swapped in."""
    report = RebuildReport()
    cleared = remove_stale_work_folders(index_dir)
    if cleared:
        report.notes.append(f"removed {len(cleared)} folders killed rebuilds left: {', '.join(cleared)}")
    manifest = _load_manifest(index_dir, paths, report.notes)
    shutil.rmtree(new, ignore_errors=True)
    _build(index_dir, new, manifest, paths, report, commit_every, jobs, progress, target)
    target.finish(index_dir)
    return report


class _Swap:
    """The new folder taking the index's place: its lock, held across the
    swap (waiters re-check and wait on it), and the user's files carried
    into it."""

    def __init__(self, index_dir: Path, target: Any) -> None:
        self.index_dir = index_dir
        self.target = target
        self.new = index_dir.parent / f".{index_dir.name}.rebuild-{os.getpid()}"
        self.old: Optional[Path] = None
        self.fd: Optional[int] = None
        self.carried: list[tuple[Path, Path]] = []

    def swap_in(self) -> None:
        self.fd = locking.acquire(self.new)
        _carry_over(self.index_dir, self.new, self.carried, self.target.own_entry)
        self.old = _swap_in(self.new, self.index_dir)
        if fsync_enabled():
            fsync_dir(self.index_dir.parent)  # the swap itself survives a power cut

    def undo(self) -> None:
        """After a failure: the new folder goes, unless a carried file could not be moved back."""
        if self.fd is not None:
            locking.release(self.fd)
        if _carry_back(self.carried):
            shutil.rmtree(self.new, ignore_errors=True)

    def finish(self) -> None:
        """After the swap: the old index goes."""
        if self.old is not None:
            shutil.rmtree(self.old, ignore_errors=True)
        if self.fd is not None:
            locking.release(self.fd)


def _build(index_dir: Path, new: Path, manifest: Manifest, paths: list[Path], report: RebuildReport,
           commit_every: int, jobs: Optional[int], progress, target: Any) -> None:
    recorded = sorted(set(manifest.files) | set(manifest.skipped))
    present = [s for s in recorded if Path(s).exists()]
    vanished = [s for s in recorded if not Path(s).exists()]
    # Files under the paths given are read from there, once.
    walked = _files_under(paths, index_dir) if paths else set()
    to_read = [Path(s) for s in present if s not in walked] + paths
    target.create(new)
    try:
        from_files = _read_sources(target, new, to_read, report, commit_every, jobs, progress)
        # Not the old copies of articles an existing file provided: that
        # file, re-read, decides.
        decided = {i for s in present if s in manifest.files for i in manifest.files[s].ids}
        notes: list[tuple[str, int]] = []
        have, readable = _keep_old(index_dir, new, target, decided, from_files, notes, report, commit_every)
        rebuilt = Manifest.load(new)
        _report_vanished(manifest, vanished, from_files, have, rebuilt, report)
        _report_unreadable(index_dir, manifest, readable, notes, report)
        rebuilt.save()
        report.total = target.doc_count()
    finally:
        target.close()


def _read_sources(target: Any, new: Path, to_read: list[Path], report: RebuildReport, commit_every: int,
                  jobs: Optional[int], progress) -> set[str]:
    """Index the source files and folders into ``new``; the ids they gave."""
    from searcher.ingest.indexer import Indexer

    files = Indexer(target.writer(jobs), new, commit_every, jobs=jobs).add_paths(to_read, progress=progress)
    for name in ("new", "updated", "unchanged", "removed", "files_read", "files_unchanged", "ignored"):
        setattr(report, name, getattr(files, name))
    report.skipped = list(files.skipped)
    return target.ids()


def _keep_old(index_dir: Path, new: Path, target: Any, decided: set[str], from_files: set[str],
              notes: list[tuple[str, int]], report: RebuildReport, commit_every: int) -> tuple[set[str], set[str]]:
    """Add what only the old index holds (articles added as Article objects,
    from a run stopped before recording its file, from files that vanished);
    the ids the new index holds then, and those the old one could read."""
    from searcher.engine.whoosh.documents import to_article
    from searcher.ingest.indexer import Indexer

    have = set(from_files)
    keep: list[Article] = []
    readable: set[str] = set()
    for stored in target.old_documents(index_dir, notes):
        readable.add(stored["id"])
        if stored["id"] not in decided and stored["id"] not in have:
            have.add(stored["id"])
            keep.append(to_article(stored))
    if keep:
        Indexer(target.writer(1), new, commit_every, jobs=1).add_articles(keep)
    report.kept = len(keep)
    report.new += len(keep)
    return have, readable


def _report_vanished(manifest: Manifest, vanished: list[str], from_files: set[str], have: set[str],
                     rebuilt: Manifest, report: RebuildReport) -> None:
    """A recorded file that no longer exists: reported, with where its
    articles are, unless the paths given provided all of them (it moved)."""
    moved = 0
    for source in vanished:
        entry = manifest.files.get(source)
        if entry is None:
            reason = "no longer exists (it was not indexed before either)"
            rebuilt.skipped[source] = reason
            report.skipped.append(Skipped(source, reason))
            continue
        if entry.ids and all(i in from_files for i in entry.ids):
            moved += 1  # every article came from a file at its new place
            continue
        lost = [i for i in entry.ids if i not in have]
        if lost:
            reason = (f"no longer exists: {len(lost)} of its {len(entry.ids)} articles are lost "
                      "(not in any readable part of the old index)")
            rebuilt.skipped[source] = reason
        else:
            reason = (f"no longer exists: its {len(entry.ids)} articles were kept from the old index; "
                      "if it moved, name its new place: 'searcher rebuild NEW_PATH...'")
            rebuilt.files[source] = FileEntry(entry.size, entry.mtime_ns, list(entry.ids))
        report.skipped.append(Skipped(source, reason))
    if moved:
        report.notes.append(f"{moved} recorded files that no longer exist had every article in the paths given "
                            "(moved): now recorded at their new place")


def _report_unreadable(index_dir: Path, manifest: Manifest, readable: set[str], notes: list[tuple[str, int]],
                       report: RebuildReport) -> None:
    """What the unreadable parts held beyond the articles the manifest lists
    (those are re-read from their files, or reported with their vanished
    file) was added without a file: lost."""
    recorded = {i for entry in manifest.files.values() for i in entry.ids}
    unreadable = sum(count for _, count in notes)
    lost = -1 if any(count < 0 for _, count in notes) else unreadable - len(recorded - readable)
    if notes and lost != 0:
        how_many = "articles" if lost < 0 else f"{lost} articles"
        report.skipped.append(Skipped(str(index_dir), f"the old index: {'; '.join(n for n, _ in notes)}: "
                                                      f"{how_many} added without a file may be lost"))
