"""Merging small segments in processes of their own while indexing goes on.

An indexing run commits each batch as small segments; ten small ones are
merged into one (writing.pick_merge). Merged inside the batch's commit, the
merge held the run: at a million articles one core merged while the
writers waited, about half of the run (bench/README.md, "Issue 13").
Here a merge is a child process that writes the merged segment next to the
index's own, under a name chosen here, while the run goes on writing
batches. Once it is written, a commit of its own (holding Whoosh's lock, like
every commit) puts it in the table of contents in place of its sources, and
deletes there the articles deleted from the sources since the merge began
(replaced or removed articles: their new document numbers are known, the
merged segment holds the sources' live documents in order). Until then the
sources stay in the table of contents and answer searches; a merge that
fails or is killed changes nothing but a warning, and a run that is killed
leaves files that no table of contents names, which the next commit deletes.

Tests: tests/test_background_merge.py.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
from bisect import bisect_left
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any, Optional

log = logging.getLogger("searcher")

# A merge that sends nothing for this long after its process ended is over.
_RESULT_SECONDS = 5.0
# A fresh interpreter, not a fork: a forked child keeps the pages of the
# parent's heap that the parent writes to while the merge runs (at 50k
# articles, peak memory 858 -> ~1,100 MB).
START_METHOD = "spawn"


def _merge_in_child(index_dir: str, indexname: str, segid: str, sources: list, limitmb: int,
                    parent_pid: int, sender) -> None:
    """The child process: write ``sources`` (segments as the table of
    contents had them, deletions included) as one segment named ``segid``,
    and send it back (or the error, as text)."""
    from searcher.proc import die_with_parent

    die_with_parent(parent_pid)
    try:
        sender.send(("done", _write_merged(index_dir, indexname, segid, sources, limitmb)))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which decides
        sender.send(("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        sender.close()


def _write_merged(index_dir: str, indexname: str, segid: str, sources: list, limitmb: int):
    from whoosh.codec.whoosh3 import W3Codec, W3Segment
    from whoosh.reading import SegmentReader

    from .accel.mapped import MappedStorage
    from .accel.writers import FastSegmentWriter

    codec = W3Codec()  # Whoosh's default, as every writer of ours uses
    # The segment named as the parent knows it (its files are kept from
    # deletion by that name); its codec a plain one, as the table of contents pickles it.
    codec.new_segment = lambda storage, name: W3Segment(W3Codec(), name, segid=segid)
    storage = MappedStorage(index_dir)
    # Temporary files of its own (Whoosh's "MAIN.tmp" is removed by each
    # commit of the parent), named as the segment's files are: kept by the
    # same name, and a leftover `searcher check --clean` knows.
    temporary = storage.temp_storage(temp_folder_name(indexname, segid))
    storage.temp_storage = lambda name=None: temporary
    try:
        ix = storage.open_index(indexname)
        writer = FastSegmentWriter(ix, _lk=False, codec=codec, limitmb=limitmb)
        for source in sources:
            reader = SegmentReader(storage, writer.schema, source)
            try:
                writer.add_reader(reader)
            finally:
                reader.close()
        # Not writer.commit(): the parent puts the segment in the table of contents.
        return writer._finalize_segment()
    finally:
        temporary.destroy()


def temp_folder_name(indexname: str, segid: str) -> str:
    # Not "<segment id>.tmp": the segment's own files are listed by that prefix.
    return f"{indexname}_{segid}{TEMP_SUFFIX}"


TEMP_SUFFIX = "_tmp"


def remove_stale_temp_folders(index_dir: Path, indexname: str) -> None:
    """Temporary folders of merges a killed run left (none runs now: this
    run holds the index)."""
    for path in Path(index_dir).glob(f"{indexname}_*{TEMP_SUFFIX}"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


@dataclass
class _Merge:
    indexname: str
    segid: str
    sources: list  # the segments as they were when the merge began
    process: Any
    receiver: Any
    outcome: Optional[tuple[str, Any]] = None
    # Per source: its first document number in the merged segment, and the
    # documents it had deleted when the merge began (sorted).
    bases: list[int] = field(default_factory=list)
    deleted: list[list[int]] = field(default_factory=list)

    def source_ids(self) -> list[str]:
        return [source.segment_id() for source in self.sources]

    def segment_id(self) -> str:  # what Whoosh's clean_files asks of a segment
        return f"{self.indexname}_{self.segid}"

    def poll(self) -> bool:
        """Whether the merge is over (its outcome known)."""
        if self.outcome is None:
            if self.receiver.poll():
                try:
                    self.outcome = self.receiver.recv()
                except (EOFError, OSError):
                    self.outcome = ("failed", f"its process {_ended(self.process)}")
            elif self.process.exitcode is not None and not self.receiver.poll(_RESULT_SECONDS):
                self.outcome = ("failed", f"its process {_ended(self.process)}")
        return self.outcome is not None

    def remove_files(self, index_dir: Path) -> None:
        """What a merge that did not end well wrote (its names are its own)."""
        shutil.rmtree(index_dir / temp_folder_name(self.indexname, self.segid), ignore_errors=True)
        for path in index_dir.glob(self.segment_id() + ".*"):
            try:
                path.unlink()
            except OSError:
                pass  # a file no table of contents names: the next commit deletes it

    def new_docnum(self, source: int, docnum: int) -> int:
        return self.bases[source] + docnum - bisect_left(self.deleted[source], docnum)


def _ended(process) -> str:
    code = process.exitcode
    return f"was killed by signal {-code}" if code is not None and code < 0 else f"ended with status {code}"


class BackgroundMerges:
    """One indexing run's merges: started after commits, swapped in by
    commits of their own, all finished (or stopped) at the end of the run."""

    def __init__(self, ix, index_dir: Path, limitmb: int, jobs: int):
        self.ix = ix
        self.index_dir = Path(index_dir)
        self.limitmb = limitmb
        self.jobs = max(1, jobs)
        self._running: list[_Merge] = []
        self.failed: list[str] = []  # why merges failed
        self._not_again: set[str] = set()  # segments a merge failed on: not tried again this run
        remove_stale_temp_folders(self.index_dir, ix.indexname)

    # -- what commits need ----------------------------------------------------
    def unfinished(self) -> list[_Merge]:
        """Merges whose files a commit must not delete (see _DurableCommit.kept)."""
        return list(self._running)

    def busy_ids(self) -> set[str]:
        return {segid for merge in self._running for segid in merge.source_ids()}

    # -- the run's steps -----------------------------------------------------
    def after_commit(self, commit_swap) -> None:
        """Swap in the merges that are over (``commit_swap(policy)`` commits
        with a Whoosh merge policy), then start one if none is running: one
        at a time while batches are written (they use the other cores)."""
        self._swap_finished(commit_swap)
        self._start_picked(limit=1)

    def drain(self, commit_swap) -> None:
        """Run merges until the policy asks for none; at the end of a run, as
        many at once as there are cores."""
        self._start_picked(limit=self.jobs)
        while self._running:
            wait([merge.process.sentinel for merge in self._running] + [merge.receiver for merge in self._running])
            self._swap_finished(commit_swap)
            self._start_picked(limit=self.jobs)

    def stop(self) -> None:
        """End the merges still running (a run that failed or was stopped):
        their files are deleted by the next commit, the sources stay."""
        for merge in self._running:
            if merge.process.exitcode is None:
                merge.process.kill()
        for merge in self._running:
            merge.process.join(5)
            merge.receiver.close()
            merge.remove_files(self.index_dir)
        self._running = []

    # -- internals ----------------------------------------------------------
    def _swap_finished(self, commit_swap) -> None:
        finished = [merge for merge in self._running if merge.poll()]
        if not finished:
            return
        for merge in finished:
            merge.process.join(5)
            merge.receiver.close()
            if merge.outcome and merge.outcome[0] != "done":
                merge.remove_files(self.index_dir)
                self.failed.append(str(merge.outcome[1]))
                self._not_again.update(merge.source_ids())
                log.warning("a background merge of %d segments failed (%s); they stay as they are",
                            len(merge.sources), merge.outcome[1])
        done = [merge for merge in finished if merge.outcome and merge.outcome[0] == "done"]
        self._running = [merge for merge in self._running if merge not in finished]
        if done:
            commit_swap(lambda writer, segments: swap_in(done, segments))

    def _start_picked(self, limit: int) -> None:
        from .accel.terms import committed_segments
        from .writing import pick_merge, segment_bytes

        while len(self._running) < limit:
            busy = self.busy_ids() | self._not_again
            free = [s for s in committed_segments(self.ix) if s.segment_id() not in busy]
            chosen = pick_merge([segment_bytes(self.ix.storage, s) for s in free])
            if not chosen:
                return
            self._start([free[i] for i in chosen])

    def _start(self, sources: list) -> None:
        from whoosh.util import random_name

        segid = random_name(16)
        context: Any = multiprocessing.get_context(START_METHOD)
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_merge_in_child, name=f"searcher-merge-{segid}", daemon=True,
                                  args=(str(self.index_dir), self.ix.indexname, segid, sources, self.limitmb,
                                        os.getpid(), sender))
        try:
            process.start()
        finally:
            sender.close()
        merge = _Merge(self.ix.indexname, segid, sources, process, receiver)
        base = 0
        for source in sources:
            deleted = sorted(source.deleted_docs())
            merge.bases.append(base)
            merge.deleted.append(deleted)
            base += source.doc_count_all() - len(deleted)
        self._running.append(merge)


def swap_in(merges: list[_Merge], segments: list) -> list:
    """A Whoosh merge policy's answer: ``segments`` with each merge's sources
    replaced by its merged segment, carrying the deletions made in the
    sources since the merge began. A merge whose sources are no longer all
    there is dropped (its files are then deleted as no commit's)."""
    by_id = {segment.segment_id(): segment for segment in segments}
    replaced: set[str] = set()
    merged = []
    for merge in merges:
        ids = merge.source_ids()
        if not all(segid in by_id for segid in ids) or replaced.intersection(ids):
            continue
        segment = merge.outcome[1]  # type: ignore[index]
        for index, segid in enumerate(ids):
            before = set(merge.deleted[index])
            for docnum in by_id[segid].deleted_docs():
                if docnum not in before:
                    segment.delete_document(merge.new_docnum(index, docnum))
        replaced.update(ids)
        merged.append(segment)
    return [segment for segment in segments if segment.segment_id() not in replaced] + merged
