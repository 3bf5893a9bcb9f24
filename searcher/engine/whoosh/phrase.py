"""Phrases whose words sit at exact relative positions.

The index drops stop words but keeps their places (schema.py), so
``"bank of england"`` is the words ``bank`` and ``england`` two positions
apart: exactly one word (any word) between them. Whoosh 2.7.4's Phrase
knows only a slop shared by every pair of words, which let zero or two
words stand in the stop word's place and loosened every other pair too.

``PositionalPhrase`` matches each word at its offset from the first, and
with ``slop`` N allows up to N more words between each pair of consecutive
words, in order. Its matcher is a span matcher, so a phrase can be a side
of NEAR/PRE (``whoosh_extras.near``) and measures from its first word to
its last. Scores are Whoosh's: the sum of the words' scores, as in its own
Phrase.
"""
from __future__ import annotations

from bisect import bisect_left

from searcher.engine.whoosh.accel.imports import matching
from searcher.engine.whoosh.accel.imports import query as wq
from searcher.engine.whoosh.accel.imports import spans as wspans


class PositionalPhrase(wq.Phrase):
    """``words[i]`` at ``offsets[i]`` positions after ``words[0]``
    (``offsets[0] == 0``); ``slop``: extra words allowed between each
    consecutive pair (0: exactly the phrase)."""

    def __init__(self, fieldname: str, words: list, offsets, slop: int = 0, boost: float = 1.0):
        super().__init__(fieldname, list(words), slop=slop, boost=boost)
        self.offsets = tuple(offsets)
        if len(self.offsets) != len(self.words) or (self.offsets and self.offsets[0] != 0):
            raise ValueError("one offset per word, the first 0")

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.fieldname!r}, {self.words!r}, {self.offsets!r}, "
                f"slop={self.slop}, boost={self.boost:f})")

    def __eq__(self, other) -> bool:
        return super().__eq__(other) and self.offsets == other.offsets

    def __hash__(self) -> int:
        return super().__hash__() ^ hash(self.offsets)

    def normalize(self):
        if not self.words:
            return wq.NullQuery
        if len(self.words) == 1:
            return wq.Term(self.fieldname, self.words[0], boost=self.boost)
        return self

    def matcher(self, searcher, context=None):
        fieldname = self.fieldname
        if fieldname not in searcher.schema:
            return matching.NullMatcher()
        field = searcher.schema[fieldname]
        if not field.format or not field.format.supports("positions"):
            raise wq.QueryError(f"Phrase search: {fieldname!r} field has no positions")
        reader = searcher.reader()
        terms = []
        for word in self.words:
            try:
                btext = field.to_bytes(word)
            except ValueError:
                return matching.NullMatcher()
            if (fieldname, btext) not in reader:
                return matching.NullMatcher()  # a word that is nowhere: no match
            terms.append(wq.Term(fieldname, btext))
        found = PhraseMatcher([term.matcher(searcher, context) for term in terms], self.offsets, self.slop)
        if self.boost != 1.0:
            return matching.WrappingMatcher(found, boost=self.boost)
        return found


class SpanQualityMixin:
    """Whoosh's span matchers skip by block quality through their child and
    then stand on a document they never checked (a document without the
    phrase could be collected); look for the next real match after a skip."""

    def skip_to_quality(self, minquality):
        skipped = self.child.skip_to_quality(minquality)
        self._find_next()
        return skipped


class PhraseMatcher(SpanQualityMixin, wspans.SpanWrappingMatcher):
    """Documents where every word occurs, kept when their positions form the phrase."""

    def __init__(self, matchers: list, offsets: tuple, slop: int):
        from whoosh.matching import binary
        from whoosh.util import make_binary_tree

        self.ms = matchers
        self.offsets = offsets
        self.slop = slop
        super().__init__(make_binary_tree(binary.IntersectionMatcher, matchers))

    def copy(self):
        return type(self)([m.copy() for m in self.ms], self.offsets, self.slop)

    def replace(self, minquality=0):
        return self if self.is_active() else matching.NullMatcher()

    def _get_spans(self):
        positions = [m.value_as("positions") for m in self.ms]
        if self.slop:
            pairs = sloppy_matches(positions, self.offsets, self.slop)
        else:
            pairs = [(start, start + self.offsets[-1]) for start in exact_starts(positions, self.offsets)]
        return [wspans.Span(start, end) for start, end in pairs]


def exact_starts(positions: list, offsets: tuple) -> list[int]:
    """Start positions where word i is at start + offsets[i], for every i."""
    starts = set(positions[0])
    for found, offset in zip(positions[1:], offsets[1:]):
        starts.intersection_update([pos - offset for pos in found])
        if not starts:
            return []
    return sorted(starts)


def sloppy_matches(positions: list, offsets: tuple, slop: int) -> list[tuple[int, int]]:
    """(first, last) positions of each in-order match where each next word is
    at least its offset gap and at most ``slop`` more after the previous one."""
    chains = {(pos, pos) for pos in positions[0]}
    for found, gap in zip(positions[1:], (b - a for a, b in zip(offsets, offsets[1:]))):
        longer = set()
        for start, last in chains:
            i = bisect_left(found, last + gap)
            while i < len(found) and found[i] <= last + gap + slop:
                longer.add((start, found[i]))
                i += 1
        if not longer:
            return []
        chains = longer
    return sorted(chains)
