"""An index object whose reads of the table of contents survive a concurrent commit.

Replaces: ``whoosh.index.FileIndex``'s table-of-contents reads (``__init__``,
``_read_toc``, what ``ix.schema`` uses) and ``reader(reuse=...)``; its readers
read through accel/read.py's codec.
Why: a reader lists the folder for the newest ``_MAIN_N.toc``, then opens it;
a commit in between deletes it (FileNotFoundError). Whoosh 2.7.4 retries that
inside ``reader()`` only, so searches run during indexing failed about once in
200 opens; and a ``reader(reuse=...)`` that a commit made retry closed the old
reader twice (ReaderClosed).
Same answers as Whoosh: tests/test_fastread.py::test_rankings_scores_and_matches_are_whooshs
(an index opened through ``SnapshotIndex`` against plain ``open_dir``); the
retries: tests/test_reliability.py::test_opening_the_index_while_commits_replace_its_files
and ::test_searches_answer_from_the_last_commit_while_an_indexer_writes.
"""
from __future__ import annotations

import pickle
import struct
import time
from typing import Any, Callable, Optional, TypeVar

from searcher.engine.whoosh.accel.imports import index as whoosh_index
from searcher.engine.whoosh.accel.read import reading_copy
from searcher.errors import IndexDamaged

TOC_RETRIES = 20

T = TypeVar("T")


def latest_generation(storage: Any, indexname: str) -> int:
    """The generation of the newest table of contents in ``storage`` (-1: none),
    from the folder's listing alone (nothing is opened)."""
    generation: int = whoosh_index.TOC._latest_generation(storage, indexname)
    return generation


def _retry(read: Callable[[], T], folder: str) -> T:
    """``read()``, again while a concurrent commit deletes what it opens;
    IndexDamaged when what it reads is not an index's table of contents."""
    for attempt in range(TOC_RETRIES):
        try:
            return read()
        except FileNotFoundError:
            if attempt == TOC_RETRIES - 1:
                raise
            time.sleep(0.005 * (attempt + 1))
        # whoosh.index.IndexError ("created on different architecture") is
        # Whoosh's own class, not the builtin: garbage where its header's ints are.
        except (EOFError, ValueError, IndexError, whoosh_index.IndexError, KeyError, AttributeError, ImportError,
                MemoryError, OverflowError, TypeError, pickle.UnpicklingError, struct.error) as exc:
            raise IndexDamaged(f"the index at {folder} is damaged (its table of contents cannot be read: "
                               f"{str(exc) or type(exc).__name__}); 'searcher check' says what is wrong, "
                               "'searcher rebuild' rebuilds it from its files") from exc
    raise AssertionError("unreachable")


class SnapshotIndex(whoosh_index.FileIndex):
    """A FileIndex whose reads of the table of contents survive a
    concurrent commit (see the module docstring)."""

    def __init__(self, storage: Any, schema: Any = None, indexname: str = whoosh_index._DEF_INDEX_NAME) -> None:
        _retry(lambda: whoosh_index.FileIndex.__init__(self, storage, schema, indexname), storage.folder)

    def _read_toc(self) -> Any:
        return _retry(lambda: whoosh_index.FileIndex._read_toc(self), self.storage.folder)

    @classmethod
    def _reader(cls, storage: Any, schema: Any, segments: list[Any], generation: int,
                reuse: Optional[Any] = None) -> Any:
        # Posting lists read with a skip that bisects (read.py); the
        # segment records themselves stay as they are.
        return super()._reader(storage, schema, [reading_copy(s) for s in segments], generation, reuse=reuse)

    def reader(self, reuse: Optional[Any] = None) -> Any:
        # Whoosh 2.7.4 keys the readers it could reuse by generation
        # and looks them up by segment id, so it never reuses one: it
        # only closes them, and when a concurrent commit makes it
        # retry, closes them again (ReaderClosed, from a search's
        # refresh). Read afresh, then close the old reader once.
        fresh = whoosh_index.FileIndex.reader(self)
        if reuse is not None:
            try:
                reuse.close()
            except Exception:  # noqa: BLE001 - already closed, or its files gone
                pass
        return fresh
