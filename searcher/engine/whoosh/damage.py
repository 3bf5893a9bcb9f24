"""Which errors mean damaged index files, and the guard that turns them into IndexDamaged."""
from __future__ import annotations

import functools
import pickle
import struct
import zlib
from pathlib import Path
from typing import Callable, TypeVar

from searcher.errors import IndexDamaged, SearcherError

F = TypeVar("F", bound=Callable)

# What a damaged segment file raises while it is read: a posting block that
# does not decompress, a truncated or garbled structure, a vanished file.
READ_ERRORS = (zlib.error, struct.error, EOFError, pickle.UnpicklingError, OSError)
# Garbage bytes make Whoosh's decoding code raise almost anything: a bad
# pickle protocol (ValueError), a date out of range (OverflowError), "Block
# tag error" (a bare Exception), FileFormatError, TermNotFound, and from
# unpickling garbage TypeError, AttributeError, ImportError, LookupError
# ("unknown encoding"). Raised inside the modules that only decode the
# index's files, any of them is damage; anywhere else TypeError and the
# like are bugs, and a traceback is what they need.
_DECODING_MODULES = ("whoosh.codec.", "whoosh.filedb.", "whoosh.util.", "whoosh.index",
                     # our reading of the same files
                     "searcher.engine.whoosh.accel.mapped", "searcher.engine.whoosh.accel.read",
                     "searcher.engine.whoosh.accel.valuecolumns", "searcher.engine.whoosh.accel.postings",
                     "searcher.engine.whoosh.accel.arrays")
# Bytes of the index that are not UTF-8 (a term, a stored string): damage
# when Whoosh decodes them, wherever the codec's own frame is.
_TEXT_ERRORS = (UnicodeDecodeError,)


def _is_damage(exc: BaseException) -> bool:
    if isinstance(exc, SearcherError):
        return False
    if isinstance(exc, READ_ERRORS):
        return True
    tb = exc.__traceback__
    if tb is None:
        return False
    modules = []
    while tb is not None:
        modules.append(tb.tb_frame.f_globals.get("__name__", ""))
        tb = tb.tb_next
    if isinstance(exc, _TEXT_ERRORS) and any(m.startswith("whoosh.") for m in modules):
        return True
    if isinstance(exc, TypeError) and modules[-1] == "whoosh.scoring" and "NoneType" in str(exc):
        return True  # a damaged field-length column: BM25 is handed no length
    return modules[-1].startswith(_DECODING_MODULES) and isinstance(exc, Exception)


def failed_on_damage(exc: BaseException, folder) -> bool:
    """Whether ``exc`` comes from damaged index files: an error only their
    decoding raises, or any error at all while files of the index no longer
    match their recorded checksums (garbage that decodes can fail anywhere)."""
    if _is_damage(exc):
        return True
    if isinstance(exc, SearcherError) or not isinstance(exc, Exception) or not folder:
        return False
    from . import checksums

    try:
        sums = checksums.load(Path(folder)) or {}
        return bool(checksums.verify(Path(folder), list(sums))[0])
    except Exception:  # noqa: BLE001 - no verdict: treat the error as a bug
        return False


def reads_index(method: F) -> F:
    """Turn an error that damaged index files cause inside ``method`` into IndexDamaged."""

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:
            folder = getattr(getattr(self.ix, "storage", None), "folder", None)
            if not failed_on_damage(exc, folder):
                raise
            raise IndexDamaged(
                f"the index at {folder} is damaged (reading it failed: {type(exc).__name__}: "
                f"{str(exc) or 'no detail'}); 'searcher check' says what is wrong, "
                "'searcher rebuild' rebuilds it from its files") from exc

    return guarded  # type: ignore[return-value]
