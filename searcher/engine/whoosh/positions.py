"""Phrases and NEAR/PRE for the array evaluator (evaluate.py): positions are
read only for the documents that hold every word, and matched as Whoosh's
span matchers match them (phrase.PhraseMatcher, SpanNear.SpanNearMatcher),
so the same documents match with the same scores (the sum of the words'
BM25F scores, as Whoosh's intersection of the words sums them).

Exact phrases and NEAR/PRE of two words are matched as arrays: each
position becomes the key ``candidate * 2**32 + position`` and matching is
sorted-array intersection and search. Sloppy phrases and NEAR of phrases
walk each candidate's spans in Python. Positions come from the segment's
arrays part, or from Whoosh's blocks when it has none.

The span functions return the matches and, per matching document, its
spans ((first, last) positions), which NEAR of a phrase and atleastN of a
phrase need."""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import numpy as np

from .accel.arrays import positions_of
from .accel.imports import query as wq
from .phrase import PositionalPhrase, exact_starts, sloppy_matches

if TYPE_CHECKING:
    from .evaluate import Matches, SegmentEvaluation

Span = tuple[int, int]
_SHIFT = np.int64(1 << 32)  # a key's candidate part; positions stay below it


def phrase_matches(ev: "SegmentEvaluation", q: PositionalPhrase) -> tuple["Matches", np.ndarray]:
    """The documents where the words form the phrase, and how often each."""
    from .evaluate import _boosted

    candidates, words = _phrase_candidates(ev, q, None)
    if not len(candidates.ids):
        return candidates, np.zeros(0)
    if not q.slop:
        keys = _exact_keys(ev, q, words, candidates.ids)
        if keys is not None:
            owners, counts = np.unique(keys // _SHIFT, return_counts=True)
            return _boosted(_take(candidates, owners), q.boost), counts.astype(np.float64)
    found, spans = _phrase_spans_of(ev, q, words, candidates)
    return found, np.array([len(each) for each in spans], dtype=np.float64)


def near_matches(ev: "SegmentEvaluation", q) -> "Matches":
    """NEAR/PRE: the matching documents."""
    if isinstance(q.a, wq.Term) and isinstance(q.b, wq.Term) and q.mindist == 1:
        found = _two_words_near(ev, q)
        if found is not None:
            return found
    return near_spans(ev, q)[0]


def term_spans(ev: "SegmentEvaluation", q: "wq.Term", within: Optional[np.ndarray] = None):
    from .evaluate import Matches, _bytes

    found = _restrict(ev.node(q), within)
    btext = _bytes(ev.searcher.schema, q.fieldname, q.text)
    if not len(found.ids) or btext is None:
        return Matches.empty(), []
    positions = _position_lists(ev, q.fieldname, btext, found.ids)
    return found, [[(pos, pos) for pos in each] for each in positions]


def phrase_spans(ev: "SegmentEvaluation", q: PositionalPhrase, within: Optional[np.ndarray] = None):
    candidates, words = _phrase_candidates(ev, q, within)
    if not len(candidates.ids):
        return candidates, []
    return _phrase_spans_of(ev, q, words, candidates)


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
    return Matches(b.ids[chosen], a.scores[at[chosen]] + b.scores[chosen]), spans


def side_spans(ev: "SegmentEvaluation", q, within: Optional[np.ndarray]):
    if isinstance(q, wq.Term):
        return term_spans(ev, q, within)
    if isinstance(q, PositionalPhrase):
        return phrase_spans(ev, q, within)
    from .queries import NearQuery

    if isinstance(q, NearQuery):
        return near_spans(ev, q, within)
    raise TypeError(f"no spans for {type(q).__name__}")


# -- phrases ------------------------------------------------------------------
def _phrase_candidates(ev: "SegmentEvaluation", q: PositionalPhrase, within: Optional[np.ndarray]):
    """The documents holding every word (scored as the words' sum), and the words as bytes."""
    from .evaluate import Matches, _bytes, _intersect

    words = [_bytes(ev.searcher.schema, q.fieldname, word) for word in q.words]
    parts = []
    for word in words:
        found = ev.term_postings(q.fieldname, word) if word is not None else None
        if word is None or found is None:
            return Matches.empty(), words
        parts.append(Matches(found[0], ev.term_scores(q.fieldname, word, found[0], found[1])))
    ids, scores = parts[0].ids, parts[0].scores
    for part in parts[1:]:
        ids, scores = _intersect(ids, scores, part)
    return _restrict(Matches(ids, scores), within), words


def _exact_keys(ev: "SegmentEvaluation", q: PositionalPhrase, words, candidates: np.ndarray):
    """Keys (candidate index, start) of every exact match; None without arrays positions."""
    keys: Optional[np.ndarray] = None
    for word, offset in zip(words, q.offsets):
        found = ev.state.arrays.positions(q.fieldname, word, candidates)
        if found is None:
            return None
        owner, positions = found
        starts = positions - offset
        fits = starts >= 0
        word_keys = owner[fits] * _SHIFT + starts[fits]
        keys = word_keys if keys is None else np.intersect1d(keys, word_keys, assume_unique=True)
        if not len(keys):
            break
    return keys


def _phrase_spans_of(ev: "SegmentEvaluation", q: PositionalPhrase, words, candidates: "Matches"):
    from .evaluate import _boosted

    positions = [_position_lists(ev, q.fieldname, word, candidates.ids) for word in words]
    keep, spans = [], []
    for index, per_word in enumerate(zip(*positions)):
        if q.slop:
            found = sloppy_matches(list(per_word), q.offsets, q.slop)
        else:
            found = [(start, start + q.offsets[-1]) for start in exact_starts(list(per_word), q.offsets)]
        if found:
            keep.append(index)
            spans.append(found)
    return _boosted(_take(candidates, np.array(keep, dtype=np.int64)), q.boost), spans


# -- NEAR ---------------------------------------------------------------------
def _two_words_near(ev: "SegmentEvaluation", q) -> Optional["Matches"]:
    """NEAR/PRE of two words as arrays: a document matches when some
    position of b is 1..slop after one of a (PRE), or 1..slop either side
    (NEAR): SpanNear's rule for one-word spans (equal positions overlap,
    distance 0, which its mindist of 1 excludes)."""
    from .evaluate import Matches, _bytes

    ids = _word_candidates(ev, q)
    if not len(ids):
        return Matches.empty()
    a = _restrict(ev.node(q.a), ids)
    b = _restrict(ev.node(q.b), ids)
    words = [_bytes(ev.searcher.schema, side.fieldname, side.text) for side in (q.a, q.b)]
    if words[0] is None or words[1] is None:
        return Matches.empty()
    found_a = ev.state.arrays.positions(q.a.fieldname, words[0], a.ids)
    found_b = ev.state.arrays.positions(q.b.fieldname, words[1], b.ids)
    if found_a is None or found_b is None:
        return None
    a_keys = found_a[0] * _SHIFT + found_a[1]
    b_keys = found_b[0] * _SHIFT + found_b[1]
    searched = found_b
    if not q.ordered and len(b_keys) > len(a_keys):
        # Either side will do for NEAR: search the fewer keys among the more.
        a_keys, b_keys, searched = b_keys, a_keys, found_a
    near = _near_keys(a_keys, b_keys, q.slop, q.ordered)
    owners = np.unique(searched[0][near])  # a and b hold the same candidates
    return Matches(a.ids[owners], a.scores[owners] + b.scores[owners])


def _near_keys(a_keys: np.ndarray, b_keys: np.ndarray, slop: int, ordered: bool) -> np.ndarray:
    """A mask of the b keys with an a key 1..slop before them (ordered) or
    either side: one search, for the first a key at or after b - slop (keys
    are unique; positions stay far below a candidate's shift)."""
    if not len(a_keys):
        return np.zeros(len(b_keys), dtype=bool)
    last = len(a_keys) - 1
    at = np.searchsorted(a_keys, b_keys - slop, "left")
    first = a_keys[np.minimum(at, last)]
    found = at <= last
    if ordered:
        return found & (first < b_keys)
    near = found & (first <= b_keys + slop)
    same = np.flatnonzero(near & (first == b_keys))  # distance 0 (the same word): the next a key may do
    if len(same):
        after = at[same] + 1
        near[same] = (after <= last) & (a_keys[np.minimum(after, last)] <= b_keys[same] + slop)
    return near


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


# -- helpers --------------------------------------------------------------------
def _position_lists(ev: "SegmentEvaluation", fieldname: str, btext: bytes, wanted: np.ndarray) -> list[list[int]]:
    """Each wanted document's positions of the term, as lists."""
    found = ev.state.arrays.positions(fieldname, btext, wanted)
    if found is None:
        return positions_of(ev.reader, fieldname, btext, wanted.tolist())
    owner, positions = found
    bounds = np.searchsorted(owner, np.arange(1, len(wanted)))
    return [part.tolist() for part in np.split(positions, bounds)]


def _take(found: "Matches", index: np.ndarray) -> "Matches":
    from .evaluate import Matches

    return Matches(found.ids[index], found.scores[index])


def _restrict(found: "Matches", within: Optional[np.ndarray]) -> "Matches":
    from .evaluate import Matches, _contains

    if within is None:
        return found
    keep = _contains(within, found.ids)
    return Matches(found.ids[keep], found.scores[keep])
