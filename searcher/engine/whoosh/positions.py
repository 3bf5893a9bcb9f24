"""Phrases and NEAR/PRE for the array evaluator (evaluate.py): positions are
read only for the documents that hold every word, and matched as Whoosh's
span matchers match them (phrase.PhraseMatcher, SpanNear.SpanNearMatcher),
so the same documents match with the same scores (the sum of the words'
BM25F scores, as Whoosh's intersection of the words sums them).

Each function returns the matches and, per matching document, its spans
((first, last) positions), which NEAR of a phrase and atleastN of a phrase
need."""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import numpy as np

from .accel.arrays import positions_of
from .accel.imports import query as wq
from .phrase import PositionalPhrase, exact_starts, sloppy_matches

if TYPE_CHECKING:
    from .evaluate import Matches, SegmentEvaluation

Span = tuple[int, int]


def term_spans(ev: "SegmentEvaluation", q: "wq.Term", within: Optional[np.ndarray] = None):
    from .evaluate import Matches, _bytes

    found = ev.node(q)
    btext = _bytes(ev.searcher.schema, q.fieldname, q.text)
    found = _restrict(found, within)
    if not len(found.ids) or btext is None:
        return Matches.empty(), []
    positions = positions_of(ev.reader, q.fieldname, btext, found.ids.tolist())
    return found, [[(pos, pos) for pos in each] for each in positions]


def phrase_spans(ev: "SegmentEvaluation", q: PositionalPhrase, within: Optional[np.ndarray] = None):
    """The documents where the words form the phrase, with its spans."""
    from .evaluate import Matches, _bytes, _intersect

    words = [_bytes(ev.searcher.schema, q.fieldname, word) for word in q.words]
    postings = [ev.term_postings(q.fieldname, word) if word is not None else None for word in words]
    if any(found is None for found in postings):
        return Matches.empty(), []
    parts = [Matches(ids, ev.term_scores(q.fieldname, word, ids, weights))
             for word, (ids, weights) in zip(words, postings)]
    ids, scores = parts[0].ids, parts[0].scores
    for part in parts[1:]:
        ids, scores = _intersect(ids, scores, part)
    candidates = _restrict(Matches(ids, scores), within)
    if not len(candidates.ids):
        return candidates, []
    wanted = candidates.ids.tolist()
    positions = [positions_of(ev.reader, q.fieldname, word, wanted) for word in words]
    keep, spans = [], []
    for index, per_word in enumerate(zip(*positions)):
        if q.slop:
            found = sloppy_matches(list(per_word), q.offsets, q.slop)
        else:
            found = [(start, start + q.offsets[-1]) for start in exact_starts(list(per_word), q.offsets)]
        if found:
            keep.append(index)
            spans.append(found)
    chosen = np.array(keep, dtype=np.int64)
    result = Matches(candidates.ids[chosen], candidates.scores[chosen])
    return (result if q.boost == 1.0 else Matches(result.ids, result.scores * q.boost)), spans


def near_spans(ev: "SegmentEvaluation", q, within: Optional[np.ndarray] = None):
    """SpanNear: the documents where a span of ``q.b`` is within ``q.slop``
    of a span of ``q.a`` (after it when ordered), with the joined spans."""
    from .evaluate import Matches

    if within is None:
        within = _word_candidates(ev, q)
    a, a_spans = side_spans(ev, q.a, within)
    if not len(a.ids):
        return Matches.empty(), []
    b, b_spans = side_spans(ev, q.b, a.ids)
    if not len(b.ids):
        return Matches.empty(), []
    at = np.searchsorted(a.ids, b.ids)  # every b id is an a id (restricted to them)
    keep, spans = [], []
    for index, (a_index, bspans) in enumerate(zip(at.tolist(), b_spans)):
        found = _near(a_spans[a_index], bspans, q.slop, q.ordered, q.mindist)
        if found:
            keep.append(index)
            spans.append(found)
    chosen = np.array(keep, dtype=np.int64)
    ids = b.ids[chosen]
    return Matches(ids, a.scores[at[chosen]] + b.scores[chosen]), spans


def side_spans(ev: "SegmentEvaluation", q, within: Optional[np.ndarray]):
    if isinstance(q, wq.Term):
        return term_spans(ev, q, within)
    if isinstance(q, PositionalPhrase):
        return phrase_spans(ev, q, within)
    from .queries import NearQuery

    if isinstance(q, NearQuery):
        return near_spans(ev, q, within)
    raise TypeError(f"no spans for {type(q).__name__}")


def _near(aspans: list[Span], bspans: list[Span], slop: int, ordered: bool, mindist: int) -> list[Span]:
    """SpanNear.SpanNearMatcher._get_spans on (start, end) pairs."""
    found = set()
    for astart, aend in aspans:
        for bstart, bend in bspans:
            if bend < astart - slop or (ordered and astart > bstart):
                continue
            if bstart > aend + slop:
                break
            if _overlap(astart, aend, bstart, bend):
                distance = 0
            elif aend < bstart:
                distance = bstart - aend
            else:
                distance = astart - bend
            if mindist <= distance <= slop:
                found.add((min(astart, bstart), max(aend, bend)))
    return sorted(found)


def _overlap(astart: int, aend: int, bstart: int, bend: int) -> bool:
    return (bstart <= astart <= bend or bstart <= aend <= bend
            or astart <= bstart <= aend or astart <= bend <= aend)


def _word_candidates(ev: "SegmentEvaluation", q) -> np.ndarray:
    """Documents holding every word of a NEAR (what positions are read for)."""
    from .evaluate import _intersect

    ids: Optional[np.ndarray] = None
    for term in _words(q):
        found = ev.node(term)
        ids = found.ids if ids is None else _intersect(ids, np.zeros(len(ids)), found)[0]
        if not len(ids):
            break
    return ids if ids is not None else np.zeros(0, dtype=np.int64)


def _words(q) -> list["wq.Term"]:
    if isinstance(q, wq.Term):
        return [q]
    if isinstance(q, PositionalPhrase):
        return [wq.Term(q.fieldname, word) for word in q.words]
    return _words(q.a) + _words(q.b)


def _restrict(found: "Matches", within: Optional[np.ndarray]) -> "Matches":
    from .evaluate import Matches, _contains

    if within is None:
        return found
    keep = _contains(within, found.ids)
    return Matches(found.ids[keep], found.scores[keep])
