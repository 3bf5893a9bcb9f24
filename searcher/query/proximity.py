"""Term proximity: an any-word query's articles where consecutive query words
stand close together rank above those where they are scattered.

For the words w1 w2 ... wn of an any-word query (after its stop words are
left out), every consecutive pair (wi, wi+1) becomes a phrase of the two
words with ``slop`` extra positions allowed, scored as a phrase is (BM25F of
the pair's frequency) times ``weight`` and added to the article's score
where the article holds it (tree.Rescored: it reorders, never adds or
removes an article, so totals, facets and timelines are unchanged). This is
the sequential-dependence idea of Metzler and Croft (2005) with its ordered
window only. bench/README.md, Relevance, measured it and chose ``slop`` and
``weight`` by cross-validation.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from . import tree


@dataclass(frozen=True)
class Proximity:
    """The pair phrases' window (extra words allowed between the two) and weight."""

    slop: int = 3
    weight: float = 0.3


def pairs(node: tree.Node, proximity: Optional[Proximity]) -> Optional[tree.Node]:
    """The pair phrases of an any-word query (an Or of plain words), or None."""
    if proximity is None or proximity.weight <= 0 or not isinstance(node, tree.Or):
        return None
    words = [child.text for child in node.children
             if isinstance(child, tree.Term) and child.field is None and child.boost == 1.0]
    found = tuple(dict.fromkeys(
        tree.Phrase((left, right), slop=proximity.slop, boost=proximity.weight)
        for left, right in zip(words, words[1:]) if left.lower() != right.lower()))
    return tree.Or(found) if found else None
