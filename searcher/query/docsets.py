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


from ..index.valuecolumns import term_ids
from ..index.whoosh_import import query as wq
from .whoosh_extras import DateRangeQuery, FilterQuery


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


def _docs(searcher, reader, q) -> set[int]:
    """Docnums of one segment matching ``q``; may include deleted documents."""
    if isinstance(q, wq.Term):
        return term_ids(reader, q.fieldname, q.text)
    if isinstance(q, wq.Or):
        found: set[int] = set()
        for child in q.subqueries:
            found |= _docs(searcher, reader, child)
        return found
    if isinstance(q, wq.And):
        # Smallest first: the intersection only shrinks.
        sets = sorted((_docs(searcher, reader, child) for child in q.subqueries), key=len)
        found = sets[0] if sets else set()
        for other in sets[1:]:
            if not found:
                break
            found &= other
        return found
    if isinstance(q, wq.Not):
        return set(range(reader.doc_count_all())) - _docs(searcher, reader, q.query)
    if isinstance(q, wq.AndNot):
        return _docs(searcher, reader, q.a) - _docs(searcher, reader, q.b)
    if isinstance(q, (FilterQuery, wq.ConstantScoreQuery, wq.WeightingQuery)):  # same documents, other scores
        return _docs(searcher, reader, q.child)
    if isinstance(q, wq.Every) and not q.fieldname:
        return set(range(reader.doc_count_all()))
    if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
        return set()
    if isinstance(q, DateRangeQuery):
        return set(q.segment_ids(searcher))  # kept by the query for its search
    if isinstance(q, wq.NumericRange):  # dates: an Or of numeric-tier terms and term ranges
        return _docs(searcher, reader, q._compile_query(reader))
    if isinstance(q, wq.MultiTerm) and q.field():  # prefix, wildcard, fuzzy, term range
        found = set()
        for btext in q._btexts(reader):
            if btext:
                found |= term_ids(reader, q.field(), btext)
        return found
    return set(q.docs(searcher))  # positions needed: Whoosh's own walk
