"""Archive-wide statistics for scoring: what one index holds, and scoring
with statistics given from outside (a sharded archive's sums).

BM25 reads two things of the whole collection: a word's idf
(searcher/query/ranking.py; N counts documents not yet merged away) and a
field's average length. Both are asked of the top searcher (``parent.idf``,
``parent.avg_field_length``: our evaluator and Whoosh's scorers alike), so
giving that searcher the archive's figures for one query scores every
document as one index of the whole archive would.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Optional

from searcher.query.ranking import idf

from ..base import CorpusStats


def _text(word) -> str:
    return word.decode("utf-8") if isinstance(word, bytes) else str(word)


def scored_terms(query, reader) -> set[tuple[str, str]]:
    """(field, word) of every word in this index that ``query`` may score,
    patterns expanded to their words."""
    found: set[tuple[str, str]] = set()
    for leaf in _leaves(query):
        try:
            terms = leaf.existing_terms(reader, expand=True)
        except (NotImplementedError, AttributeError):
            terms = leaf.iter_all_terms()
        found.update((fieldname, _text(word)) for fieldname, word in terms)
    return found


def _leaves(query):
    """Every leaf, those inside span queries too (Whoosh's leaves() stops at a SpanNear)."""
    if query.is_leaf():
        yield query
        return
    children = list(query.children())
    if not children and getattr(query, "q", None) is not None:
        children = [query.q]  # a span query wraps one query
    for child in children:
        yield from _leaves(child)


def local_stats(searcher, query) -> CorpusStats:
    """This index's statistics for the words ``query`` scores."""
    schema = searcher.schema
    scorable = [name for name in schema.names() if schema[name].scorable]
    frequencies = {}
    for fieldname, word in scored_terms(query, searcher.reader()):
        if fieldname in scorable:
            frequencies[(fieldname, word)] = searcher.doc_frequency(fieldname, word)
    return CorpusStats(doc_count=searcher.doc_count_all(),
                       field_lengths={name: searcher.field_length(name) for name in scorable},
                       doc_frequencies=frequencies, pattern_words=_pattern_words(query, searcher.reader()))


def _pattern_words(query, reader) -> dict[str, frozenset[str]]:
    """Each pattern leaf's words in this index (at most MAX_WORDS + 1: enough to say it is too broad)."""
    from itertools import islice

    from .evaluate import _expands, pattern_key
    from .expand import MAX_WORDS, _Bounded

    found = {}
    for leaf in _leaves(query):
        if isinstance(leaf, _Bounded) and _expands(leaf):
            words = (_text(word) for _, word in leaf.existing_terms(reader, expand=True))
            found[pattern_key(leaf)] = frozenset(islice(words, MAX_WORDS + 1))
    return found


class _GivenStats:
    """``idf`` and ``avg_field_length`` of a searcher, from given statistics;
    a word they lack (none should be) falls back to the index's own count."""

    def __init__(self, searcher, stats: CorpusStats):
        self.searcher = searcher
        self.stats = stats
        self.missing: set[tuple[str, str]] = set()

    def idf(self, fieldname: str, text) -> float:
        key = (fieldname, _text(text))
        df = self.stats.doc_frequencies.get(key)
        if df is None:
            # Absent from every shard's statistics: none of them holds it
            # (a bare word missing from one field); present here, a fault.
            df = self.searcher.doc_frequency(fieldname, text)
            if df:
                self.missing.add(key)
        return idf(self.stats.doc_count, df)

    def avg_field_length(self, fieldname: str, default=None):
        if not self.searcher.schema[fieldname].scorable:
            return default
        return self.stats.field_lengths.get(fieldname, 0) / (self.stats.doc_count or 1)


# The words scored with a fallback count in the last scoring with given
# statistics (tests assert it stays empty).
last_missing: set[tuple[str, str]] = set()


@contextmanager
def scoring_with(searcher, stats: Optional[CorpusStats]) -> Iterator[Any]:
    """A searcher of ``searcher``'s reader that scores with ``stats`` (None:
    ``searcher`` itself, with its own). Its own object, not ``searcher``
    patched: threads sharing ``searcher`` score each with their statistics."""
    if stats is None:
        yield searcher
        return
    from .accel.imports import searching

    given_to = searching.Searcher(searcher.reader(), weighting=searcher.weighting, closereader=False,
                                  fromindex=getattr(searcher, "_ix", None))
    given = _GivenStats(given_to, stats)
    given_to.idf, given_to.avg_field_length = given.idf, given.avg_field_length
    try:
        yield given_to
    finally:
        last_missing.clear()
        last_missing.update(given.missing)
