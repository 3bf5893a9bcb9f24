"""The private Whoosh 2.7.4 methods the backend calls, named in one place.

Replaces nothing; wraps ``MultiTerm._btexts`` (the indexed words a prefix,
wildcard, fuzzy term or term range stands for), ``NumericRange._compile_query``
(a numeric range as an Or of its tier terms and term ranges) and
``FileIndex._segments`` (the segments the current table of contents names,
without opening a reader).
Same answers as Whoosh: tests/test_docsets.py::test_the_same_documents_as_whooshs_walk
(docsets over these against Whoosh's own walk); the expansion limit:
tests/test_wildcards.py.
"""
from __future__ import annotations

from typing import Any, Iterator


def expanded_words(query: Any, reader: Any) -> Iterator[bytes]:
    """The indexed words (bytes) a multi-term query stands for in ``reader``."""
    words: Iterator[bytes] = query._btexts(reader)
    return words


def numeric_range_query(query: Any, reader: Any) -> Any:
    """A NumericRange as the plain query of terms Whoosh runs for it."""
    return query._compile_query(reader)


def committed_segments(ix: Any) -> list[Any]:
    """The segments of an index's current table of contents."""
    segments: list[Any] = ix._segments()
    return segments
