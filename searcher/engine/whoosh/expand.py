"""Prefix, wildcard and fuzzy words: bounded, and scored only while few.

Whoosh 2.7.4 expands ``a*`` into an OR of every indexed word it stands for
and scores each one (on Reuters ``a*`` took 8.9 s, ``a* b*`` 61 s). As in
Lucene and Elasticsearch, a pattern that stands for many words matches
their documents with one constant score (its boost) instead: which
documents match is the same, only the BM25 sum over hundreds of words is
not computed. Up to ``SCORED_WORDS`` words it is Whoosh's scored OR as
before. Past ``MAX_WORDS`` words the query is refused with a message that
says how to narrow it.
"""
from __future__ import annotations

from array import array
from itertools import islice

from searcher.engine.whoosh.accel.imports import matching
from searcher.engine.whoosh.accel.imports import query as wq
from searcher.engine.whoosh.accel.terms import expanded_words
from searcher.engine.whoosh.accel.valuecolumns import term_ids
from searcher.errors import QueryTooBroad

SCORED_WORDS = 64
MAX_WORDS = 5000


class _Bounded(wq.MultiTerm):
    """Mixin for Whoosh's MultiTerm queries (prefix, wildcard, fuzzy)."""

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        few = len(list(islice(expanded_words(self, reader), SCORED_WORDS + 1))) <= SCORED_WORDS
        if few or not reader.is_atomic():
            return super().matcher(searcher, context)
        ids = self.segment_docs(reader)
        if not ids:
            return matching.NullMatcher()
        return matching.ListMatcher(array("I", sorted(ids)), all_weights=self.boost)

    def segment_docs(self, reader) -> set[int]:
        """The live documents of one segment holding any of the words."""
        found: set[int] = set()
        for btext in expanded_words(self, reader):
            found |= term_ids(reader, self.field(), btext)
        if found and reader.has_deletions():
            found -= set(reader.segment().deleted_docs())
        return found


class BoundedPrefix(_Bounded, wq.Prefix):
    pass


class BoundedWildcard(_Bounded, wq.Wildcard):
    pass


class BoundedFuzzy(_Bounded, wq.FuzzyTerm):
    pass


def too_broad(leaf: "wq.Query") -> QueryTooBroad:
    """The error for a pattern that stands for more than ``MAX_WORDS`` words."""
    return QueryTooBroad(f"{_typed(leaf)!r} stands for more than {MAX_WORDS:,} different words; "
                         "make it longer or more specific (e.g. 'pipel*' rather than 'p*')")


def _typed(leaf) -> str:
    if isinstance(leaf, wq.Prefix):
        return f"{leaf.text}*"
    if isinstance(leaf, wq.FuzzyTerm):
        return f"{leaf.text}~{leaf.maxdist}"
    return leaf.text
