"""Writing batches of articles into a Whoosh index: writers, commits, segment sizes."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable, Optional, Union

from searcher import nearcopies
from searcher.article import Article
from searcher.durable import write_error
from searcher.errors import IndexDamaged, IndexLocked
from searcher.nearcopies import NO_SIGNATURE

from . import checksums
from .accel import imports as whoosh_import
from .accel import valuecolumns
from .accel.terms import committed_segments
from .accel.writers import FastMpWriter, FastSegmentWriter, SubWriterFailed, release_lock
from .copies import CopyGroups
from .documents import to_document
from .merging import BackgroundMerges
from .schema import NAME_FIELDS

PARALLEL_WRITE_MIN = 2000
# Whoosh's default of 128 MB makes the posting pool spill to disk early.
WRITER_LIMIT_MB = 256

# Segment sizes (bench/README.md, "Scale limits"). Whoosh 2.7.4's fixed-width
# limits are per segment: the stored-fields column raises OverflowError past
# 4 GiB (~1.5M generated articles), a term's posting list struct.error past
# 2 GiB, document numbers past 2**32. Whoosh's MERGE_SMALL has no cap (its
# Fibonacci rule would merge 25 segments of 25,000 articles into one of
# 625,000) and a merge is costly (FastSegmentWriter's own merge path, which
# background merges take, is about 4x faster than Whoosh's add_reader). So
# only small segments are merged, once MERGE_FACTOR are there, never into
# one over SEGMENT_MAX_BYTES, and each article is rewritten at most once;
# in a process of their own beside the run's commits (merging.py).
SMALL_SEGMENT_BYTES = 64 << 20
MERGE_FACTOR = 10
SEGMENT_MAX_BYTES = 1 << 30

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


class WhooshWriter:
    """One indexing run's writes (base.ArticleWriter): each batch one commit."""

    def __init__(self, ix, index_dir: Path, jobs: int):
        self.ix = ix
        self.index_dir = Path(index_dir)
        self.jobs = jobs
        _refuse_lost_newer_toc(ix, self.index_dir)
        self._searcher = ix.searcher()
        self._empty = self._searcher.doc_count_all() == 0
        self._merges = BackgroundMerges(ix, self.index_dir, WRITER_LIMIT_MB, jobs)
        self._signed = "nearcopy" in self._searcher.schema  # an older index has no signatures

    def stored(self, article_id: str) -> Optional[tuple[str, str]]:
        if self._empty:
            return None  # a new index: nothing to look up
        stored = self._searcher.document(id=article_id)
        if not stored:
            return None
        return stored.get("origin") or "", stored.get("fingerprint") or ""

    def commit(self, articles: list[tuple[Article, str, bool]], deletions: Iterable[str]) -> None:
        deletions = list(deletions)
        try:
            self._commit(articles, deletions, self._writer(len(articles)))
        except SubWriterFailed as exc:
            # Nothing of the batch was committed. Once more in this process:
            # a killed sub-writer does not end the run, and a cause that
            # lasts (a full disk) fails here again, loudly.
            log.warning("%s: the batch of %d articles is written again in one process", exc, len(articles))
            self._commit(articles, deletions, self._writer(0))

    def _commit(self, articles: list[tuple[Article, str, bool]], deletions: list[str], writer) -> None:
        """The batch and the deletions, in one commit, or nothing of them."""

        def write(writer) -> None:
            for article_id in deletions:
                writer.delete_by_term("id", article_id)
            # A replacement deletes the older copy; a new article is just
            # added, which spares Whoosh a term lookup per document.
            for (article, fingerprint, replaces), signature in zip(articles, self._signatures(articles, writer)):
                doc = to_document(article, fingerprint, self._signed, signature)
                (writer.update_document if replaces else writer.add_document)(**doc)

        # Small segments are merged in the background (merging.py), by
        # pick_merge's rule: each article rewritten at most once, no segment
        # over the cap.
        self._commit_with(writer, whoosh_import.writing.NO_MERGE, write)
        self._merges.after_commit(self._commit_swap)

    def _signatures(self, articles: list[tuple[Article, str, bool]], writer) -> list[Union[bytes, str, None]]:
        """The batch's near-copy signature records, made together
        (nearcopies.signatures); for sub-writer processes, the bodies: each
        signs its job's documents, beside the others, while this process
        reads and hands out the next (bench/README.md, Near-copies: costs)."""
        if not self._signed:
            return [None] * len(articles)
        if isinstance(writer, FastMpWriter):
            nearcopies.prepare()  # before the sub-writers are forked
            return [article.body for article, _, _ in articles]
        found = nearcopies.signatures([article.body for article, _, _ in articles])
        return [signature.record() if signature is not None else NO_SIGNATURE for signature in found]

    def _commit_with(self, writer, mergetype, write=None) -> None:
        """Commit ``writer`` (after ``write(writer)``) keeping the files of
        running merges, and record the new files' checksums; on any failure
        the writer is cancelled."""
        try:
            if write is not None:
                write(writer)
            writer.kept = self._merges.unfinished()
            writer.commit(mergetype=mergetype)
            self._record_checksums()  # for `check`: the new segments' sums
        except BaseException as exc:
            _cancel(writer)
            if isinstance(exc, OSError):
                raise write_error(self.index_dir, exc) from exc
            raise

    def _record_checksums(self) -> None:
        """Sums of the new files, not of those a running merge is still writing."""
        writing = tuple(merge.segment_id() + "." for merge in self._merges.unfinished())
        names = [name for name in checksums.summed_names(self.index_dir) if not name.startswith(writing)]
        checksums.record_checksums(self.index_dir, names)

    def _commit_swap(self, policy) -> None:
        """A commit of merged segments only (``policy``: merging.swap_in)."""
        self._commit_with(self._writer(0), policy)

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

    def finish(self) -> int:
        self._merges.drain(self._commit_swap)
        # From the table of contents: a searcher opens every segment (with
        # Whoosh's own FileStorage, a copy of each in RAM: 2.4 GB at 100k).
        segments = committed_segments(self.ix)
        valuecolumns.prune(self.index_dir, [segment.segment_id() for segment in segments])
        # Facet columns of the new segments now, while their files are in the
        # page cache: ~1% of the run, seconds off a large archive's first facet.
        valuecolumns.save_missing(self.ix.storage, self.ix.schema, segments,
                                  [value_field for _, value_field in NAME_FIELDS.values()], self.index_dir)
        if self._signed:  # and the near-copy pairs of this version, for the first --collapse
            reader = self.ix.reader()
            try:
                CopyGroups(reader, self.index_dir)
            finally:
                reader.close()
        return sum(segment.doc_count() for segment in segments)

    def close(self) -> None:
        self._merges.stop()  # a run that did not finish: merges still running are dropped
        self._searcher.close()
