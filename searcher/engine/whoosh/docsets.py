"""Which documents match a compiled query: sets of docnums, segment by segment.

Totals, facet counts and date-sorted pages need every matching document,
not the best ten. Whoosh's ``docs_for_query`` walks its matcher tree one
posting at a time in Python (``id()``, ``next()``, ``is_active()`` through
every Or/And wrapper): on Reuters that walk was most of a single-word
search. Here a term's postings are read a block at a time (its ids only)
and Boolean structure becomes set union, intersection and difference, in C.
Queries that need positions (phrases, NEAR, at-least-n) or are unknown
here are walked by Whoosh as before, inside the set algebra, so the answer
is always the same set (tests/test_docsets.py checks it against
``docs_for_query``).
"""
from __future__ import annotations

import sys
from typing import Optional

from searcher.engine.whoosh.accel.imports import query as wq
from searcher.engine.whoosh.accel.terms import expanded_words, numeric_range_query
from searcher.engine.whoosh.accel.valuecolumns import term_ids
from searcher.engine.whoosh.queries import DateRangeQuery, FilterQuery


def matching_docnums(searcher, query: "wq.Query") -> list[int]:
    """Sorted docnums (index-wide) of the live documents ``query`` matches."""
    out: list[int] = []
    for sub, offset in _segments(searcher):
        found = sorted(segment_docs(sub, query))
        out.extend(map(offset.__add__, found) if offset else found)
    return out


def count_matches(searcher, query: "wq.Query") -> int:
    return sum(len(segment_docs(sub, query)) for sub, _ in _segments(searcher))


def _segments(searcher):
    return searcher.subsearchers or [(searcher, 0)]


def segment_docs(searcher, query) -> set[int]:
    """The live documents of one segment's searcher that ``query`` matches."""
    reader = searcher.reader()
    found = _docs(searcher, reader, query)
    if reader.has_deletions():
        found -= set(reader.segment().deleted_docs())
    return found


def _docs(searcher, reader, q, within: Optional[set[int]] = None) -> set[int]:
    """A new set of the docnums of one segment matching ``q`` (deleted
    documents included); only those in ``within`` when given: an And passes
    what its smaller parts matched to the larger ones, whose terms then
    decode only the posting blocks that can hold those documents."""
    if isinstance(q, wq.Term):
        return term_ids(reader, q.fieldname, q.text, within)
    if isinstance(q, wq.Or):
        found: set[int] = set()
        for child in q.subqueries:
            found |= _docs(searcher, reader, child, within)
        return found
    if isinstance(q, wq.And):
        narrowed = within
        for child in sorted(q.subqueries, key=lambda child: _estimate(child, reader)):
            narrowed = _docs(searcher, reader, child, narrowed)
            if not narrowed:
                break
        return set() if narrowed is None else narrowed
    if isinstance(q, wq.Not):
        everything = set(range(reader.doc_count_all())) if within is None else set(within)
        return everything - _docs(searcher, reader, q.query, within)
    if isinstance(q, wq.AndNot):
        found = _docs(searcher, reader, q.a, within)
        return found - _docs(searcher, reader, q.b, found) if found else found
    if isinstance(q, (FilterQuery, wq.ConstantScoreQuery, wq.WeightingQuery)):  # same documents, other scores
        return _docs(searcher, reader, q.child, within)
    if isinstance(q, wq.Every) and not q.fieldname:
        return set(range(reader.doc_count_all())) if within is None else set(within)
    if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
        return set()
    if isinstance(q, DateRangeQuery):  # its list is kept by the query for its search
        ids = q.segment_ids(searcher)
        return set(ids) if within is None else within.intersection(ids)
    if isinstance(q, wq.NumericRange):  # dates: an Or of numeric-tier terms and term ranges
        return _docs(searcher, reader, numeric_range_query(q, reader), within)
    if isinstance(q, wq.MultiTerm) and q.field():  # prefix, wildcard, fuzzy, term range
        found = set()
        for btext in expanded_words(q, reader):
            if btext:
                found |= term_ids(reader, q.field(), btext, within)
        return found
    found = set(q.docs(searcher))  # positions needed: Whoosh's own walk
    return found if within is None else found & within


def _estimate(q, reader) -> int:
    """How many documents ``q`` may match here (Whoosh's estimate), for ordering an And."""
    try:
        return q.estimate_size(reader)
    except (NotImplementedError, AttributeError):  # a query type without an estimate: last
        return sys.maxsize
