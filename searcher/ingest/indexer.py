"""Writing articles into the index: counts, batching, the manifest, segment sizes."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Iterable, Optional

from searcher.article import Article, Skipped
from searcher.errors import IndexDamaged, IndexLocked
from searcher.readers import UNSUPPORTED, iter_files
from searcher.readers.parallel import ParsedFile, default_jobs, parse_files
from searcher.results import IndexProgress, IndexReport
from searcher.engine.whoosh.documents import to_document
from searcher.engine.whoosh.accel.writers import FastMpWriter, FastSegmentWriter, SubWriterFailed, release_lock
from searcher.ingest.manifest import FileEntry, Manifest, file_key, write_error
from searcher.engine.whoosh.schema import NAME_FIELDS
from searcher.engine.whoosh.accel.imports import index as whoosh_index
from searcher.engine.whoosh import checksums
from searcher.engine.whoosh.accel import valuecolumns
from searcher.engine.whoosh.accel import imports as whoosh_import

# A commit makes one segment per writing process (FastMpWriter is
# multisegment): 25,000 articles on two cores is two ~12,500-article
# segments (5,000 made 400 segments for a million).
DEFAULT_COMMIT_EVERY = 25_000
# ... or sooner, by text: each writing process keeps its batch's postings in
# memory (postings.py), about 120 bytes each, and moves them to Whoosh's
# slow spilling pool past its limit. 12 million characters of title and
# body per process stay under it (~1M postings of long articles; 2,400
# generated 715-word articles, all of Reuters-21578 in one batch).
TEXT_PER_WRITER = 12_000_000
_NAMED_WARNINGS = 20  # warnings of a run named one by one; past that, counted
PARALLEL_WRITE_MIN = 2000
# Whoosh's default of 128 MB makes the posting pool spill to disk early.
WRITER_LIMIT_MB = 256

# Segment sizes (bench/README.md, "Scale limits"). Whoosh 2.7.4's fixed-width
# limits are per segment: the stored-fields column raises OverflowError past
# 4 GiB (~1.5M generated articles), a term's posting list struct.error past
# 2 GiB, document numbers past 2**32. Whoosh's MERGE_SMALL has no cap (its
# Fibonacci rule would merge 25 segments of 25,000 articles into one of
# 625,000) and a merge is costly (100k articles: 18 min of one core through
# Whoosh's add_reader; FastSegmentWriter's own merge path, which merges here
# and after FastMpWriter's commits, is about 4x faster). So only small
# segments are merged, MERGE_FACTOR at a time, never into one over
# SEGMENT_MAX_BYTES, and each article is rewritten at most once.
SMALL_SEGMENT_BYTES = 64 << 20
MERGE_FACTOR = 10
SEGMENT_MAX_BYTES = 1 << 30

Progress = Callable[[IndexProgress], None]
log = logging.getLogger("searcher")


def _cancel(writer) -> None:
    """Cancel a writer whose commit failed; at least release Whoosh's lock,
    so that a later writer in this process can take it."""
    if writer.is_closed:
        return
    try:
        writer.cancel()
    except Exception:  # noqa: BLE001 - the error that got us here is the one to raise
        release_lock(writer)


def _digest(fingerprint: str) -> bytes:
    """An article fingerprint (hex) as bytes; b"" (equal to no digest) for anything else."""
    try:
        return bytes.fromhex(fingerprint)
    except ValueError:
        return b""


def segment_bytes(storage, segment) -> int:
    try:
        if segment.is_compound():
            return storage.file_length(segment.make_filename(".seg"))
        return sum(storage.file_length(name) for name in segment.list_files(storage))
    except OSError:
        return 0


def pick_merge(sizes: list[int]) -> list[int]:
    """Which segments (indexes into ``sizes``, bytes) to merge now: once
    MERGE_FACTOR are under SMALL_SEGMENT_BYTES, the smallest of them that fit
    in SEGMENT_MAX_BYTES together; else none."""
    small = sorted((i for i, size in enumerate(sizes) if size < SMALL_SEGMENT_BYTES), key=lambda i: sizes[i])
    if len(small) < MERGE_FACTOR:
        return []
    chosen, total = [], 0
    for i in small:
        if total + sizes[i] > SEGMENT_MAX_BYTES:
            break
        chosen.append(i)
        total += sizes[i]
    return chosen if len(chosen) >= 2 else []


def _refuse_lost_newer_toc(ix, index_dir: Path) -> None:
    """IndexDamaged when a newer table of contents than the one opened was
    committed and is gone: this writer's commit would delete its segments."""
    lost = checksums.lost_newer_toc(index_dir, ix.latest_generation())
    if lost:
        raise IndexDamaged(f"the index at {index_dir} is damaged (its newest table of contents {lost} is "
                           "missing; an older one would drop the articles committed since); "
                           "'searcher check' says what is wrong, 'searcher rebuild' rebuilds it from its files")


def _file_of(origin: str) -> str:
    """The file part of an article's origin ("a.jsonl#12": record 12 of a.jsonl)."""
    head, sep, tail = origin.rpartition("#")
    return head if sep and tail.isdigit() else origin


def capped_merge(writer, segments):
    """A Whoosh merge policy (``writer.commit(mergetype=capped_merge)``):
    the segments ``pick_merge`` names go into the one being written."""
    from whoosh.reading import SegmentReader

    chosen = set(pick_merge([segment_bytes(writer.storage, s) for s in segments]))
    for i in sorted(chosen):
        reader = SegmentReader(writer.storage, writer.schema, segments[i])
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
    return [s for i, s in enumerate(segments) if i not in chosen]


class Indexer:
    """One indexing run over an open Whoosh index.

    Articles are buffered by id, so an article met twice in one batch is
    written once, and committed every ``commit_every`` articles; after each
    commit the manifest records the files whose articles it now holds.
    """

    def __init__(self, ix: "whoosh_index.Index", index_dir: Path, commit_every: int = DEFAULT_COMMIT_EVERY,
                 jobs: Optional[int] = None):
        self.ix = ix
        self.jobs = default_jobs() if jobs is None else max(1, jobs)
        self.index_dir = index_dir
        _refuse_lost_newer_toc(ix, index_dir)
        self.manifest = Manifest.load(index_dir)
        self.commit_every = max(1, commit_every)
        self._batch_text = 0  # characters of title and body in the batch
        self.report = IndexReport()
        self._batch: dict[str, tuple[dict, bool]] = {}  # id -> (document, replaces an older copy)
        self._stale: set[str] = set()
        self._done_files: dict[str, FileEntry] = {}
        # id -> fingerprint (20-byte digest, not 40 hex characters: a million
        # ids are held), every article met in this run.
        self._seen: dict[str, bytes] = {}
        self._warnings = 0  # of this run, named or not
        self._named: set[Path] = set()  # files given by name, not found in a folder
        self._searcher = ix.searcher()
        self._empty = self._searcher.doc_count_all() == 0

    # -- public -----------------------------------------------------------
    def add_paths(self, paths: Iterable[str | Path], progress: Optional[Progress] = None,
                  exclude: Iterable[str] = ()) -> IndexReport:
        try:
            paths = list(paths)
            self._named = {Path(p) for p in paths if not Path(p).is_dir()}
            passed: list[Skipped] = []
            files = list(iter_files(paths, exclude=[self.index_dir], patterns=exclude, passed=passed))
            self._passed_over(passed)
            state = IndexProgress(files_total=len(files))
            changed = []
            for path in files:
                entry = self.manifest.is_unchanged(path)
                if entry is None:
                    changed.append(path)
                    continue
                self.report.files_unchanged += 1
                self.report.unchanged += len(entry.ids)
                state.files_done += 1
            for parsed in parse_files(changed, self.jobs):
                self._add_parsed(parsed)
                state.files_done += 1
                state.articles = self.report.new + self.report.updated + self.report.unchanged
                if progress:
                    progress(state)
            self._flush()
        finally:
            self._searcher.close()
        return self._finish()

    def add_articles(self, articles: Iterable[Article]) -> IndexReport:
        try:
            for article in articles:
                self._add_article(article)
            self._flush()
        finally:
            self._searcher.close()
        return self._finish()

    # -- internals --------------------------------------------------------
    def _add_parsed(self, parsed: ParsedFile) -> None:
        path = parsed.path
        ids: list[str] = []
        bad_records = False
        for record in parsed.records:
            if isinstance(record, Skipped):
                if record.reason == UNSUPPORTED and (record.origin != str(path) or path not in self._named):
                    self.report.ignored += 1  # not an article file, and not asked for by name
                    self.report.passed_over.append(record)
                elif record.origin != str(path):
                    self.report.skipped.append(record)
                    bad_records = True
                continue
            self._add_article(record)
            ids.append(record.id)
        if parsed.error == UNSUPPORTED and path not in self._named:
            return
        if parsed.error is not None:
            # The file failed as a whole (what it yielded before failing is
            # kept): it is not marked read, so the next run tries it again.
            self._skip_file(path, parsed.error)
            return
        self.report.files_read += 1
        key = file_key(path)
        previous = self.manifest.files.get(key)
        if previous:
            provided = set(ids)
            missing = [i for i in previous.ids if i not in provided]
            if bad_records:
                # A record that no longer reads may be the one that held a
                # missing article: keep them all (and their ids) until the
                # file reads cleanly, rather than delete a good article.
                ids.extend(missing)
            else:
                self._stale.update(missing)
        self.manifest.skipped.pop(key, None)
        self._done_files[key] = FileEntry(parsed.size, parsed.mtime_ns, list(dict.fromkeys(ids)))

    def _passed_over(self, passed: list[Skipped]) -> None:
        """What the folder walk left out: other kinds of file are passed over
        (counted, named on request); a folder that cannot be listed is input
        not read (skipped, so the run says so and exits 1)."""
        for record in passed:
            if record.reason.startswith("folder not read"):
                self.report.skipped.append(record)
            else:
                self.report.ignored += 1
                self.report.passed_over.append(record)

    def _skip_file(self, path: Path, reason: str) -> None:
        self.report.skipped.append(Skipped(str(path), reason))
        self.manifest.skipped[file_key(path)] = reason

    def _previous_fingerprint(self, article: Article) -> bytes | None:
        if article.id in self._seen:
            if article.origin:
                self._check_shared_id(article, None)
            return self._seen[article.id]
        if self._empty:
            return None  # a new index: nothing to look up
        stored = self._searcher.document(id=article.id)
        if not stored:
            return None
        if article.origin and stored.get("origin") and _file_of(stored["origin"]) != _file_of(article.origin):
            self._check_shared_id(article, stored["origin"])
        return _digest(stored.get("fingerprint") or "")

    def _check_shared_id(self, article: Article, before: str | None) -> None:
        """Warn when two files give articles one id: ids are global, so the
        later copy replaces the earlier (named for the first few)."""
        if before is None:  # met earlier in this run: which file? (rare: a scan)
            if len(self.report.warnings) >= _NAMED_WARNINGS:
                before = "another file"
            else:
                found = [key for key, entry in {**self.manifest.files, **self._done_files}.items()
                         if article.id in entry.ids]
                before = found[0] if found else "an earlier record of the same file"
            if before in (_file_of(article.origin), file_key(Path(_file_of(article.origin)))):
                return  # the same file again (a changed file re-read)
        self._warn(f"id {article.id!r} of {article.origin} was already given by {before}: the later copy "
                   "replaces the earlier (ids are global: give records distinct ids, or leave the id out "
                   "to have one made from the content)")

    def _warn(self, text: str) -> None:
        """Name the first warnings of a run; count the rest."""
        self._warnings += 1
        if len(self.report.warnings) < _NAMED_WARNINGS:
            self.report.warnings.append(text)

    def _add_article(self, article: Article) -> None:
        for note in article.notes:
            self._warn(f"{article.origin or article.id}: {note}")
        fingerprint = article.fingerprint()
        previous = self._previous_fingerprint(article)
        self._seen[article.id] = digest = _digest(fingerprint)
        if previous == digest:
            self.report.unchanged += 1
            return
        if previous is None:
            self.report.new += 1
        else:
            self.report.updated += 1
        # A replacement deletes the older copy; a new article is just added,
        # which spares Whoosh a term lookup per document. (An id met earlier
        # in this run, committed or not, has a previous fingerprint.)
        replaces = previous is not None
        self._batch[article.id] = (to_document(article, fingerprint), replaces)
        self._batch_text += len(article.title) + len(article.body)
        if len(self._batch) >= self.commit_every or self._batch_text >= TEXT_PER_WRITER * self.jobs:
            self._flush()

    def _flush(self) -> None:
        # Ids another file still provides are not stale.
        stale = {i for i in self._stale if i not in self._seen}
        if stale:
            # Nor are ids another file, not read again this run, still holds.
            others = (entry.ids for key, entry in self.manifest.files.items() if key not in self._done_files)
            stale -= {i for ids in others for i in ids}
        if self._batch or stale:
            try:
                self._commit(stale, self._writer(len(self._batch)))
            except SubWriterFailed as exc:
                # Nothing of the batch was committed. Once more in this
                # process: a killed sub-writer does not end the run, and a
                # cause that lasts (a full disk) fails here again, loudly.
                log.warning("%s: the batch of %d articles is written again in one process", exc, len(self._batch))
                self._commit(stale, self._writer(0))
            self.report.removed += len(stale)
        self._batch.clear()
        self._batch_text = 0
        self._stale.clear()
        self.manifest.files.update(self._done_files)
        self._done_files.clear()
        self.manifest.save()  # IndexWriteError when it cannot: the saved one stays

    def _commit(self, stale: set[str], writer) -> None:
        """The batch and the deletions, in one commit, or nothing of them."""
        try:
            for article_id in stale:
                writer.delete_by_term("id", article_id)
            for doc, replaces in self._batch.values():
                (writer.update_document if replaces else writer.add_document)(**doc)
            # Any commit may merge small segments (capped_merge: each article
            # rewritten at most once, no segment over the cap).
            writer.commit(mergetype=capped_merge)
            checksums.record_checksums(self.index_dir)  # for `check`: the new segments' sums
        except BaseException as exc:
            _cancel(writer)
            if isinstance(exc, OSError):
                raise write_error(self.index_dir, exc) from exc
            raise

    def _writer(self, documents: int):
        """One process for small batches; one per core for large ones (the
        sub-processes cost a second or so to start and feed)."""
        try:
            if self.jobs > 1 and documents >= PARALLEL_WRITE_MIN:
                return FastMpWriter(self.ix, procs=self.jobs, limitmb=WRITER_LIMIT_MB // self.jobs, batchsize=256)
            return FastSegmentWriter(self.ix, limitmb=WRITER_LIMIT_MB)
        except whoosh_import.writing.LockError as exc:
            raise IndexLocked("another process is writing to this index; try again when it has finished") from exc
        except OSError as exc:
            raise write_error(self.index_dir, exc) from exc

    def _finish(self) -> IndexReport:
        # From the table of contents: a searcher opens every segment (with
        # Whoosh's own FileStorage, a copy of each in RAM: 2.4 GB at 100k).
        segments = self.ix._segments()
        self.report.total = sum(segment.doc_count() for segment in segments)
        if self._warnings > _NAMED_WARNINGS:
            self.report.warnings.append(f"... and {self._warnings - _NAMED_WARNINGS} more warnings")
        valuecolumns.prune(self.index_dir, [segment.segment_id() for segment in segments])
        # Facet columns of the new segments now, while their files are in the
        # page cache: ~1% of the run, seconds off a large archive's first facet.
        valuecolumns.save_missing(self.ix.storage, self.ix.schema, segments,
                                  [value_field for _, value_field in NAME_FIELDS.values()], self.index_dir)
        return self.report
