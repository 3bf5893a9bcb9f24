"""Merging small segments in processes of their own while indexing goes on.

An indexing run commits each batch as small segments; once MERGE_FACTOR
small ones are there, they are merged into one (writing.pick_merge). Merged inside the batch's commit, the
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
import os
import pickle
import shutil
import subprocess
import sys
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from .merge_child import TEMP_SUFFIX, temp_folder_name

log = logging.getLogger("searcher")

# How long the end of a run waits on one merge before looking at the others.
_DRAIN_POLL_SECONDS = 0.05


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
    process: Any  # subprocess.Popen of merge_child
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
        """Whether the merge is over (its process ended, its outcome read)."""
        if self.outcome is None and self.process.poll() is not None:
            try:
                self.outcome = pickle.loads(self.process.stdout.read())
            except Exception:  # noqa: BLE001 - nothing (or half) sent: the process died
                self.outcome = ("failed", f"its process {_ended(self.process)}")
            self.process.stdout.close()
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
    code = process.returncode
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
        self._not_again: set[str] = set()  # segments a merge failed on: not tried again this run
        remove_stale_temp_folders(self.index_dir, ix.indexname)

    # -- what commits need ----------------------------------------------------
    def unfinished(self) -> list[_Merge]:
        """Merges whose files a commit must not delete (see _DurableCommit.kept)."""
        return list(self._running)

    def _busy_ids(self) -> set[str]:
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
            for merge in self._running:
                try:
                    merge.process.wait(timeout=_DRAIN_POLL_SECONDS)
                except subprocess.TimeoutExpired:
                    pass
            self._swap_finished(commit_swap)
            self._start_picked(limit=self.jobs)

    def stop(self) -> None:
        """End the merges still running (a run that failed or was stopped):
        what they wrote is removed, the sources stay."""
        for merge in self._running:
            if merge.process.poll() is None:
                merge.process.kill()
            merge.process.wait()
            merge.process.stdout.close()
            merge.remove_files(self.index_dir)
        self._running = []

    # -- internals ----------------------------------------------------------
    def _swap_finished(self, commit_swap) -> None:
        finished = [merge for merge in self._running if merge.poll()]
        if not finished:
            return
        self._running = [merge for merge in self._running if merge not in finished]
        for merge in finished:
            if merge.outcome and merge.outcome[0] != "done":
                merge.remove_files(self.index_dir)
                self._not_again.update(merge.source_ids())
                log.warning("a background merge of %d segments failed (%s); they stay as they are",
                            len(merge.sources), merge.outcome[1])
        done = [merge for merge in finished if merge.outcome and merge.outcome[0] == "done"]
        if done:
            commit_swap(lambda writer, segments: swap_in(done, segments))

    def _start_picked(self, limit: int) -> None:
        from .accel.terms import committed_segments
        from .writing import pick_merge, segment_bytes

        while len(self._running) < limit:
            busy = self._busy_ids() | self._not_again
            free = [s for s in committed_segments(self.ix) if s.segment_id() not in busy]
            chosen = pick_merge([segment_bytes(self.ix.storage, s) for s in free])
            if not chosen:
                return
            self._start([free[i] for i in chosen])

    def _start(self, sources: list) -> None:
        from whoosh.util import random_name

        segid = random_name(16)
        job = {"index_dir": str(self.index_dir), "indexname": self.ix.indexname, "segid": segid,
               "sources": sources, "limitmb": self.limitmb, "parent_pid": os.getpid()}
        process = subprocess.Popen([sys.executable, "-m", "searcher.engine.whoosh.merge_child"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                   env=_child_environment())
        stdin = process.stdin
        assert stdin is not None  # stdin=PIPE
        stdin.write(pickle.dumps(job))  # read at once: the write does not wait on it for long
        stdin.close()
        merge = _Merge(self.ix.indexname, segid, sources, process)
        base = 0
        for source in sources:
            deleted = sorted(source.deleted_docs())
            merge.bases.append(base)
            merge.deleted.append(deleted)
            base += source.doc_count_all() - len(deleted)
        self._running.append(merge)


def _child_environment() -> dict[str, str]:
    """This process's environment, with this package importable first (a
    checkout run through PYTHONPATH as much as an installed one)."""
    import searcher

    env = dict(os.environ)
    root = str(Path(searcher.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


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
