"""One background merge, in a process of its own (merging.py starts it):
``python -m searcher.engine.whoosh.merge_child``, its job pickled on
standard input, its outcome pickled on standard output.

A fresh interpreter, not a fork of the indexing run: a forked child would
keep every page of the run's heap that the run writes to meanwhile; and
not multiprocessing's spawn, which imports the caller's main script again
in the child (a user's script without a ``__main__`` guard would index again).
"""
from __future__ import annotations

import pickle
import sys
import threading

TEMP_SUFFIX = "_tmp"
# How often the merge lets go of the source pages it has read (see write_merged).
RELEASE_EVERY_S = 0.5


def temp_folder_name(indexname: str, segid: str) -> str:
    """A merge's temporary folder: not "<segment id>.tmp", since a segment's
    files are listed by that prefix."""
    return f"{indexname}_{segid}{TEMP_SUFFIX}"


def write_merged(index_dir: str, indexname: str, segid: str, sources: list, limitmb: int):
    """``sources`` (segments as the table of contents had them, deletions
    included) written as one segment named ``segid``, not committed."""
    from whoosh.codec.whoosh3 import W3Codec, W3Segment
    from whoosh.reading import SegmentReader

    from .accel.mapped import MappedStorage
    from .accel.writers import FastSegmentWriter

    codec = W3Codec()  # Whoosh's default, as every writer of ours uses
    # The segment named as the parent knows it (its files are kept from
    # deletion by that name); its codec a plain one, as the table of contents pickles it.
    codec.new_segment = lambda storage, name: W3Segment(W3Codec(), name, segid=segid)
    storage = MappedStorage(index_dir)
    # Temporary files of its own (Whoosh's "MAIN.tmp" is removed by each of
    # the run's commits).
    temporary = storage.temp_storage(temp_folder_name(indexname, segid))
    storage.temp_storage = lambda name=None: temporary
    # The sources are read once, through maps: their pages, left mapped,
    # would count as this process's memory until it ends (~550 MB of a
    # 1 GB merge's peak of 760, bench/README.md "Session 10").
    done = threading.Event()
    releaser = threading.Thread(target=_release_pages, args=(storage, done), daemon=True)
    releaser.start()
    try:
        ix = storage.open_index(indexname)
        writer = FastSegmentWriter(ix, _lk=False, codec=codec, limitmb=limitmb)
        for source in sources:
            reader = SegmentReader(storage, writer.schema, source)
            try:
                writer.add_reader(reader)
            finally:
                reader.close()
        # Not writer.commit(): the run puts the segment in the table of contents.
        return writer._finalize_segment()
    finally:
        done.set()
        releaser.join()
        temporary.destroy()


def _release_pages(storage, done: threading.Event) -> None:
    while not done.wait(RELEASE_EVERY_S):
        storage.release_pages()


def main() -> None:
    from searcher.proc import die_with_parent

    job = pickle.load(sys.stdin.buffer)
    die_with_parent(job.pop("parent_pid"))
    try:
        outcome = ("done", write_merged(**job))
    except BaseException as exc:  # noqa: BLE001 - reported to the run, which decides
        outcome = ("failed", f"{type(exc).__name__}: {exc}")
    # Small (a segment without deletions): the run reads it once this process has ended.
    sys.stdout.buffer.write(pickle.dumps(outcome))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
