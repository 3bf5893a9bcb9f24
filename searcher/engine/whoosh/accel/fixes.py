"""Fixes to Whoosh 2.7.4's own classes, applied once when searcher imports
Whoosh (imports.py). Every change to a Whoosh class's behaviour (not a
subclass of ours) lives here.

Patches: ``whoosh.matching.binary.UnionMatcher.skip_to_quality`` (an OR
inside a top-N search).
Why: it loops for ever when floating-point rounding leaves a child's block
just above the share asked of it (``aq > m - bq``) while the pair still
falls short (``aq + bq <= m``): the child cannot skip, nothing changes
(``searcher search mongolia -n 1`` on the demo corpus hung at 100% CPU).
Skipping is only an optimisation, so the fixed loop stops when a child
makes no progress, and the collector looks at the current document as usual.
Same answers as Whoosh: tests/test_whoosh_fixes.py::test_every_demo_word_at_limit_one_answers
(each demo word's first hit at limit 1 is its first at limit 10); the
hang: ::test_union_skip_ends_when_rounding_leaves_nothing_to_skip.
"""
from __future__ import annotations

from whoosh.matching import binary, mcore


def _union_skip_to_quality(self, minquality):
    self._id = None
    a, b = self.a, self.b
    if not (a.is_active() or b.is_active()):
        raise mcore.ReadTooFar
    if not a.is_active():
        return b.skip_to_quality(minquality)
    if not b.is_active():
        return a.skip_to_quality(minquality)
    skipped = 0
    aq, bq = a.block_quality(), b.block_quality()
    while a.is_active() and b.is_active() and aq + bq <= minquality:
        if aq < bq:
            moved = a.skip_to_quality(minquality - bq)
            now, before = a.block_quality() if a.is_active() else aq, aq
            aq = now
        else:
            moved = b.skip_to_quality(minquality - aq)
            now, before = b.block_quality() if b.is_active() else bq, bq
            bq = now
        skipped += moved
        if not moved and now == before:
            break  # rounding: that child's block already qualifies on its own
    return skipped


def apply() -> None:
    binary.UnionMatcher.skip_to_quality = _union_skip_to_quality
