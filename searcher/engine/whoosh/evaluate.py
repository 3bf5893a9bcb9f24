"""Evaluating a compiled query a whole posting list at a time.

Whoosh's matchers walk the candidates one posting at a time in Python
(skip, decode, score through method calls), and its top-N collector needs
a second walk for an exact total. Here each segment's answer is computed
with array operations: a term's documents and weights come from the
segment's arrays part (accel/arrays.py), BM25F is computed for the whole
list at once, And/Or/Not become sorted-array intersection, union and
difference with the scores summed as Whoosh's matchers sum them, and
positions (phrases, NEAR/PRE, atleastN over phrases) are read only for the
documents that hold every word (positions.py). The result is every match
with its score: the page is a partial sort, the total its length, facets
and date order read the same array; one pass.

Scores are Whoosh's BM25F to the last bits that float summation order
allows; tests/test_evaluate.py compares documents, order, scores and
totals with Whoosh's own evaluation for every query shape, on indexes with
several segments and deletions. A query node this module does not know is
evaluated by Whoosh's matcher for that node alone (``_walked``).
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Optional

import numpy as np

from searcher.query.ranking import bm25_tf

from . import expand
from .accel.arrays import SegmentArrays, field_lengths
from .accel.imports import query as wq
from .accel.terms import expanded_words
from .accel.valuecolumns import numeric_values
from .expand import SCORED_WORDS, _Bounded, too_broad
from .phrase import PositionalPhrase
from .positions import near_matches, near_spans, phrase_matches
from .queries import AtLeastQuery, CombinedTerm, DateRangeQuery, FilterQuery, NearQuery

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

_EMPTY_IDS = np.zeros(0, dtype=np.int64)


@dataclass
class Matches:
    """One segment's matching documents (increasing) and their scores."""

    ids: np.ndarray
    scores: np.ndarray

    @classmethod
    def empty(cls) -> "Matches":
        return cls(_EMPTY_IDS, np.zeros(0))

    @classmethod
    def constant(cls, ids: np.ndarray, score: float) -> "Matches":
        return cls(ids, np.full(len(ids), float(score)))


class SegmentState:
    """What evaluation reads of one segment, kept while the segment is
    unchanged: its arrays, field lengths, live-document mask."""

    def __init__(self, reader) -> None:
        self.reader = reader
        self.arrays = SegmentArrays(reader)
        self._lengths: dict[str, np.ndarray] = {}
        self._columns: dict[str, Optional[tuple[np.ndarray, int]]] = {}
        self.doccount = reader.doc_count_all()
        deleted = list(reader.segment().deleted_docs()) if reader.has_deletions() else []
        self.deleted = np.array(sorted(deleted), dtype=np.int64)

    def lengths(self, fieldname: str) -> np.ndarray:
        found = self._lengths.get(fieldname)
        if found is None:
            found = self._lengths[fieldname] = field_lengths(self.reader, fieldname)
        return found

    def numeric(self, fieldname: str) -> Optional[tuple[np.ndarray, int]]:
        """The segment's numeric column of ``fieldname`` (a value per
        document, ``missing`` where it has none) and that missing value; None
        when the column is not Whoosh's fixed-width one."""
        if fieldname not in self._columns:
            self._columns[fieldname] = numeric_values(self.reader, fieldname)
        return self._columns[fieldname]

    def live(self, ids: np.ndarray) -> np.ndarray:
        """A mask of ``ids`` not deleted."""
        if not len(self.deleted):
            return np.ones(len(ids), dtype=bool)
        return ~_contains(self.deleted, ids)


class SegmentEvaluation:
    """Evaluates queries on one sub-searcher of a (multi-)searcher."""

    def __init__(self, searcher, state: SegmentState, k1: float, b: float):
        self.searcher = searcher  # the segment's sub-searcher; statistics come from its parent
        self.parent = searcher.get_parent()
        self.state = state
        self.reader = state.reader
        self.k1, self.b = k1, b
        self._patterns: dict[int, tuple[object, list]] = {}
        self.pattern_sizes: dict[int, int] = {}  # id(leaf) -> its words in the whole archive

    def run(self, query) -> Matches:
        found = self.node(query)
        if len(self.state.deleted) and len(found.ids):
            keep = self.state.live(found.ids)
            found = Matches(found.ids[keep], found.scores[keep])
        return found

    def node(self, q) -> Matches:
        method = _DISPATCH.get(type(q))
        if method is None:
            method = next((m for cls, m in _ORDERED if isinstance(q, cls)), SegmentEvaluation._walked)
        return method(self, q)

    # -- leaves -------------------------------------------------------------
    def _term(self, q: "wq.Term") -> Matches:
        btext = _bytes(self.searcher.schema, q.fieldname, q.text)
        if btext is None:
            return Matches.empty()
        found = self.term_postings(q.fieldname, btext)
        if found is None:
            return Matches.empty()
        ids, weights = found
        scores = self.term_scores(q.fieldname, btext, ids, weights)
        return Matches(ids, scores * q.boost if q.boost != 1.0 else scores)

    def term_postings(self, fieldname: str, btext: bytes):
        return self.state.arrays.postings(fieldname, btext)

    def term_scores(self, fieldname: str, btext: bytes, ids: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """BM25 (searcher/query/ranking.py) for every posting at once."""
        field = self.searcher.schema[fieldname]
        if not field.scorable:
            return weights.copy()  # Whoosh scores an unscorable field by the weight
        parent = self.parent
        idf = parent.idf(fieldname, btext)
        avgfl = parent.avg_field_length(fieldname) or 1
        lengths = self.state.lengths(fieldname)[ids]
        return idf * bm25_tf(weights, lengths, avgfl, self.k1, self.b)

    def _combined(self, q: CombinedTerm) -> Matches:
        """BM25F (searcher/query/ranking.py): the word's frequencies and the
        fields' lengths, each times its field's weight, summed before one
        saturation; one idf, from the largest df (the smallest idf)."""
        parent, schema = self.parent, self.searcher.schema
        fields = [(term.fieldname, _bytes(schema, term.fieldname, term.text), term.boost) for term in q.subqueries]
        found = []
        for fieldname, btext, weight in fields:
            postings = self.term_postings(fieldname, btext) if btext is not None else None
            if postings is not None and len(postings[0]):
                found.append((postings, weight))
        if not found:
            return Matches.empty()
        ids = found[0][0][0] if len(found) == 1 else _merged_ids([p[0] for p, _ in found])
        tf = np.zeros(len(ids))
        for (posting_ids, weights), weight in found:
            tf[np.searchsorted(ids, posting_ids)] += weight * weights
        length = sum(weight * self.state.lengths(name)[ids] for name, _, weight in fields)
        avg_length = sum(weight * (parent.avg_field_length(name) or 0) for name, _, weight in fields)
        idf = min(parent.idf(name, btext) for name, btext, _ in fields if btext is not None)
        return Matches(ids, q.boost * idf * bm25_tf(tf, length, avg_length or 1, self.k1, self.b))

    def _every(self, q: "wq.Every") -> Matches:
        if q.fieldname not in (None, "", "*"):
            return self._walked(q)
        ids = np.arange(self.state.doccount, dtype=np.int64)
        return Matches.constant(ids[self.state.live(ids)], q.boost)

    def _null(self, q) -> Matches:
        return Matches.empty()

    def _date_range(self, q: DateRangeQuery) -> Matches:
        """Whoosh's constant-score list of the documents in the range: a
        comparison over the segment's date column (Whoosh's matching terms
        are exactly the values in the range), cheaper than the range's terms
        at scale (bench/README.md, issue 13); as the range's document set
        (docsets.py) when the column is not one read in place."""
        values = self.state.numeric(q.fieldname)
        if values is None:
            ids = np.frombuffer(q.segment_ids(self.searcher), dtype=np.uint32).astype(np.int64)
            return Matches.constant(ids, q.boost)
        column, missing = values
        low, high = q.value_bounds(self.searcher.schema)
        inside = (column >= low) & (column <= high)
        if low <= missing <= high:
            inside &= column != missing
        return Matches.constant(np.flatnonzero(inside), q.boost)

    def _bounded(self, q: _Bounded) -> Matches:
        """A pattern's words (expand.py). Many (over SCORED_WORDS in the
        whole archive): one constant score, the boost. Few: the words' BM25F
        summed, times the boost. Both decided by the archive's words, not
        the segment's, so that merges and shards leave the scores as they
        are. (Whoosh decides by segment: in segments of <= 5,000 documents
        it scores several words 1 each, and one word ignores the boost;
        tests/test_evaluate.py compares with its large-segment path.)"""
        if not _expands(q):
            return self._walked(q)  # Whoosh's Every
        fieldname = q.field()
        terms = self.pattern_terms(q)
        arrays = self.state.arrays
        if self.pattern_sizes.get(id(q), len(terms)) > SCORED_WORDS:
            run = arrays.run_ids(terms[0][1], terms[-1][1], len(terms)) if isinstance(q, wq.Prefix) and terms else None
            parts = [run] if run is not None else [arrays.ids_of(fieldname, word, info) for word, info in terms]
            return Matches.constant(_any_of(self.state.doccount, parts), q.boost)
        scored = []
        for word, info in terms:
            ids, weights = arrays.postings_of(fieldname, word, info)
            scored.append(Matches(ids, self.term_scores(fieldname, word, ids, weights)))
        if not scored:
            return Matches.empty()
        return _boosted(scored[0] if len(scored) == 1 else _union(scored), q.boost)

    def pattern_terms(self, q: _Bounded) -> list[tuple[bytes, object]]:
        """(word, term info) of each word a pattern stands for in this
        segment, at most MAX_WORDS + 1 (kept for the query); a prefix's in one
        pass over the term dictionary rather than two hash lookups per word."""
        known = self._patterns.get(id(q))
        if known is not None and known[0] is q:
            return known[1]
        reader, fieldname = self.reader, q.field()
        terms: list[tuple[bytes, object]] = []
        if fieldname in reader.schema:
            if isinstance(q, wq.Prefix):
                found = ((word, info) for word, info in reader.iter_prefix(fieldname, q.text) if word)
            else:
                # Whoosh's fuzzy expansion yields str, the others bytes
                found = ((_word_bytes(word), reader.term_info(fieldname, word))
                         for word in expanded_words(q, reader) if word)
            terms = list(islice(found, expand.MAX_WORDS + 1))
        self._patterns[id(q)] = (q, terms)
        return terms

    def _walked(self, q) -> Matches:
        """Whoosh's own matcher for a node this module does not evaluate."""
        matcher = q.matcher(self.searcher, self.searcher.context(needs_current=False))
        ids, scores = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            scores.append(matcher.score())
            matcher.next()
        return Matches(np.array(ids, dtype=np.int64), np.array(scores, dtype=np.float64))

    # -- compounds ----------------------------------------------------------
    def _and(self, q: "wq.And") -> Matches:
        if not q.subqueries:
            return Matches.empty()
        parts = [self.node(child) for child in q.subqueries]
        ids, scores = parts[0].ids, parts[0].scores
        for part in parts[1:]:
            ids, scores = _intersect(ids, scores, part)
        return _boosted(Matches(ids, scores), q.boost)

    def _or(self, q: "wq.Or") -> Matches:
        parts = [self.node(child) for child in q.subqueries]
        return _boosted(_union(parts), q.boost)

    def _not(self, q: "wq.Not") -> Matches:
        everything = np.arange(self.state.doccount, dtype=np.int64)
        inner = self.node(q.query).ids
        ids = everything[~_contains(inner, everything)] if len(inner) else everything
        return Matches.constant(ids, 1.0)  # Whoosh's InverseMatcher scores 1

    def _and_not(self, q: "wq.AndNot") -> Matches:
        found = self.node(q.a)
        if not len(found.ids):
            return found
        keep = ~_contains(self.node(q.b).ids, found.ids)
        return _boosted(Matches(found.ids[keep], found.scores[keep]), q.boost)

    def _and_maybe(self, q: "wq.AndMaybe") -> Matches:
        """Whoosh's AndMaybe: ``a``'s documents, ``b``'s score added where it matches."""
        found = self.node(q.a)
        if not len(found.ids):
            return found
        extra = self.node(q.b)
        scores = found.scores.copy()
        if len(extra.ids):
            at = np.searchsorted(extra.ids, found.ids)
            inside = at < len(extra.ids)
            inside[inside] &= extra.ids[at[inside]] == found.ids[inside]
            scores[inside] += extra.scores[at[inside]]
        return _boosted(Matches(found.ids, scores), q.boost)

    def _filter(self, q: FilterQuery) -> Matches:
        found = self.node(q.child)
        return Matches(found.ids, np.zeros(len(found.ids)))

    def _constant(self, q: "wq.ConstantScoreQuery") -> Matches:
        return Matches.constant(self.node(q.child).ids, q.score)

    # -- positions ----------------------------------------------------------
    def _phrase(self, q: PositionalPhrase) -> Matches:
        return phrase_matches(self, q)[0]

    def _near(self, q: NearQuery) -> Matches:
        return near_matches(self, q)

    def _at_least(self, q: AtLeastQuery) -> Matches:
        found = self.node(q.child)
        totals = np.zeros(len(found.ids))
        for leaf, bound in q.counted():
            ids, counts = self.occurrences(leaf)
            if bound is not None:
                allowed = np.isin(ids, self.node(bound).ids)
                ids, counts = ids[allowed], counts[allowed]
            at = np.searchsorted(found.ids, ids)
            inside = at < len(found.ids)
            inside[inside] &= found.ids[at[inside]] == ids[inside]
            np.add.at(totals, at[inside], counts[inside])
        keep = totals >= q.count
        return Matches(found.ids[keep], found.scores[keep])

    def occurrences(self, leaf) -> tuple[np.ndarray, np.ndarray]:
        """(ids, how often) of one leaf of atleastN: a term's frequency, a phrase's spans."""
        if isinstance(leaf, wq.Term):
            btext = _bytes(self.searcher.schema, leaf.fieldname, leaf.text)
            found = self.term_postings(leaf.fieldname, btext) if btext is not None else None
            return (found[0], found[1]) if found is not None else (_EMPTY_IDS, np.zeros(0))
        if isinstance(leaf, PositionalPhrase):
            found, counts = phrase_matches(self, leaf)
            return found.ids, counts
        if isinstance(leaf, NearQuery):
            found, per_doc = near_spans(self, leaf)
            return found.ids, np.array([len(spans) for spans in per_doc], dtype=np.float64)
        found = self.node(leaf)
        return found.ids, np.ones(len(found.ids))


def _bytes(schema, fieldname: str, text) -> Optional[bytes]:
    if isinstance(text, bytes):
        return text
    if fieldname not in schema:
        return None
    try:
        return schema[fieldname].to_bytes(text)
    except ValueError:
        return None


def _expands(q: _Bounded) -> bool:
    """Whether a pattern stands for words (``""`` and ``*`` are Whoosh's Every)."""
    return q.text not in ("", "*")


def _word_bytes(word) -> bytes:
    return word if isinstance(word, bytes) else word.encode("utf-8")


def _contains(sorted_ids: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """A mask of ``ids`` found in ``sorted_ids``."""
    if not len(sorted_ids):
        return np.zeros(len(ids), dtype=bool)
    at = np.searchsorted(sorted_ids, ids)
    at[at >= len(sorted_ids)] = len(sorted_ids) - 1
    return sorted_ids[at] == ids


def _intersect(ids: np.ndarray, scores: np.ndarray, other: Matches) -> tuple[np.ndarray, np.ndarray]:
    """The documents in both, scores summed."""
    if len(ids) > len(other.ids):
        ids, scores, other = other.ids, other.scores, Matches(ids, scores)
    if not len(ids):
        return ids, scores
    at = np.searchsorted(other.ids, ids)
    inside = at < len(other.ids)
    inside[inside] &= other.ids[at[inside]] == ids[inside]
    return ids[inside], scores[inside] + other.scores[at[inside]]


def _union(parts: list[Matches]) -> Matches:
    parts = [part for part in parts if len(part.ids)]
    if not parts:
        return Matches.empty()
    if len(parts) == 1:
        return parts[0]
    ids = np.concatenate([part.ids for part in parts])
    order = np.argsort(ids, kind="stable")  # the parts' sorted runs merged; equal ids in part order
    ids, scores = ids[order], np.concatenate([part.scores for part in parts])[order]
    starts = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
    return Matches(ids[starts], np.add.reduceat(scores, starts))


def _merged_ids(parts: list[np.ndarray]) -> np.ndarray:
    """The union of increasing id arrays, increasing. A stable sort merges
    sorted runs in linear time; np.unique hashes, 5x slower at 1M articles."""
    ids = np.concatenate(parts)
    ids.sort(kind="stable")
    keep = np.empty(len(ids), dtype=bool)
    keep[:1] = True
    np.not_equal(ids[1:], ids[:-1], out=keep[1:])
    return ids[keep]


def _any_of(doccount: int, parts: list[np.ndarray]) -> np.ndarray:
    """The documents (increasing) in any of ``parts``: a mark per document
    costs less than sorting the parts' concatenation."""
    if not parts:
        return _EMPTY_IDS
    marked = np.zeros(doccount, dtype=bool)
    for ids in parts:
        marked[ids] = True
    return np.flatnonzero(marked)


def _boosted(found: Matches, boost: float) -> Matches:
    return found if boost == 1.0 else Matches(found.ids, found.scores * boost)


_DISPATCH = {
    wq.Term: SegmentEvaluation._term,
    CombinedTerm: SegmentEvaluation._combined,
    wq.And: SegmentEvaluation._and,
    wq.Or: SegmentEvaluation._or,
    wq.Not: SegmentEvaluation._not,
    wq.AndNot: SegmentEvaluation._and_not,
    wq.AndMaybe: SegmentEvaluation._and_maybe,
    wq.Every: SegmentEvaluation._every,
    FilterQuery: SegmentEvaluation._filter,
    DateRangeQuery: SegmentEvaluation._date_range,
    PositionalPhrase: SegmentEvaluation._phrase,
    NearQuery: SegmentEvaluation._near,
    AtLeastQuery: SegmentEvaluation._at_least,
    type(wq.NullQuery): SegmentEvaluation._null,
    wq.ConstantScoreQuery: SegmentEvaluation._constant,
}
# Subclasses, tried in order when the exact type is not above.
_ORDERED = [(_Bounded, SegmentEvaluation._bounded)]


def pattern_key(leaf) -> str:
    """A pattern leaf's identity across processes (each shard compiles its own tree)."""
    return repr((type(leaf).__name__, leaf.field(), leaf.text, getattr(leaf, "maxdist", None),
                 getattr(leaf, "prefixlength", None)))


def _expanded_patterns(query, segments: list[SegmentEvaluation],
                       archive_words: Optional[dict[str, frozenset[str]]] = None) -> dict[int, frozenset[bytes]]:
    """Each pattern leaf's words in the whole index (by ``id(leaf)``), from
    the segments' words, which evaluation then reuses; each segment is told
    how many words the leaf stands for in the whole archive (``archive_words``,
    a sharded archive's union; else this index's); QueryTooBroad when one
    stands for more than MAX_WORDS."""
    expanded = {}
    for leaf in query.leaves():
        if isinstance(leaf, _Bounded) and _expands(leaf):
            words: set[bytes] = set()
            for segment in segments:
                words.update(word for word, _ in segment.pattern_terms(leaf))
                if len(words) > expand.MAX_WORDS:
                    raise too_broad(leaf)
            given = archive_words.get(pattern_key(leaf)) if archive_words else None
            size = len(given) if given is not None else len(words)
            if size > expand.MAX_WORDS:
                raise too_broad(leaf)
            for segment in segments:
                segment.pattern_sizes[id(leaf)] = size
            expanded[id(leaf)] = frozenset(words)
    return expanded


class Evaluated:
    """Every match of a query over all segments, with its score."""

    def __init__(self, parts: list[tuple[int, Matches]], expanded: Optional[dict[int, frozenset[bytes]]] = None):
        self.parts = [(offset, found) for offset, found in parts if len(found.ids)]
        self.expanded = expanded or {}  # each pattern leaf's words, by id(leaf)

    @property
    def total(self) -> int:
        return sum(len(found.ids) for _, found in self.parts)

    def top(self, count: int) -> list[tuple[int, float]]:
        """The ``count`` best (docnum, score), best first, ties by docnum as Whoosh's collector breaks them."""
        if count <= 0 or not self.parts:
            return []
        ids, scores = [], []
        for offset, found in self.parts:
            chosen = found.scores
            if len(chosen) > count:
                # Everything scoring at least the count-th best: ties at the edge stay in.
                edge = np.partition(chosen, len(chosen) - count)[len(chosen) - count]
                keep = chosen >= edge
                ids.append(found.ids[keep] + offset)
                scores.append(chosen[keep])
            else:
                ids.append(found.ids + offset)
                scores.append(chosen)
        all_ids, all_scores = np.concatenate(ids), np.concatenate(scores)
        order = np.lexsort((all_ids, -all_scores))[:count]
        return list(zip(all_ids[order].tolist(), all_scores[order].tolist()))

    def docnums(self) -> list[int]:
        """Every match's docnum, increasing."""
        return self.ids().tolist()

    def ids(self) -> np.ndarray:
        """Every match's docnum, increasing, as an array."""
        if not self.parts:
            return np.empty(0, dtype=np.int64)
        return np.concatenate([found.ids + offset for offset, found in self.parts]).astype(np.int64)


class Evaluator:
    """Evaluates queries on one searcher's segments; each segment's state
    (arrays, lengths, deletions) is kept while its reader is the same.
    With ``threads`` > 1 the segments are evaluated on that many threads
    (numpy releases the GIL in its array work; each segment's reader is read
    by one thread at a time)."""

    def __init__(self, k1: float, b: float, threads: int = 1):
        self.k1, self.b = k1, b
        self.threads = threads
        self._states: dict[int, tuple[object, SegmentState]] = {}
        self._pool: Optional["ThreadPoolExecutor"] = None

    def evaluate(self, searcher, query, archive_words: Optional[dict[str, frozenset[str]]] = None) -> Evaluated:
        """``archive_words``: each pattern's words in the whole archive (a sharded archive's statistics)."""
        kept: dict[int, tuple[object, SegmentState]] = {}
        offsets, segments = [], []
        for sub, offset in searcher.subsearchers or [(searcher, 0)]:
            reader = sub.reader()
            known = self._states.get(id(reader))
            state = known[1] if known is not None and known[0] is reader else SegmentState(reader)
            kept[id(reader)] = (reader, state)
            offsets.append(offset)
            segments.append(SegmentEvaluation(sub, state, self.k1, self.b))
        self._states = kept
        expanded = _expanded_patterns(query, segments, archive_words)
        if self.threads > 1 and len(segments) > 1:
            found = list(self._threads().map(lambda segment: segment.run(query), segments))
        else:
            found = [segment.run(query) for segment in segments]
        return Evaluated(list(zip(offsets, found)), expanded)

    def _threads(self) -> "ThreadPoolExecutor":
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor  # not imported by a search on one thread

            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="searcher-segments")
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
