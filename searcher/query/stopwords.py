"""Query-time stop words for natural-language (any-word) queries.

``searcher search 'what did the us say about kashmir' --match any`` should
rank by ``kashmir`` and ``say``, not by ``what`` and ``about``: words like
these occur in most articles, and an any-word search scores every article
holding one of them. So for match="any" the bare words of the query that are
in an English stop list are left out of the query. The index is unchanged:
every word stays searchable with match="all", in a phrase (``"what is"``),
in a field (``title:what``), boosted (``what^2``) or as a wildcard.

Engine-neutral: a tree in, a tree out; nothing here knows about Whoosh.
"""
from __future__ import annotations

import re
from typing import Callable, Iterable, Optional

from .tree import And, AtLeast, Fuzzy, Near, Node, Not, Or, Phrase, Prefix, Term, Wildcard

# English stop list, 127 words: Whoosh 2.7.4's ``whoosh.lang.stopwords.stoplists["en"]``,
# which Whoosh took from PostgreSQL's Snowball stop word files
# (src/backend/snowball/stopwords/english.stop). Copied as data so the query
# layer does not depend on Whoosh; tests/test_query_stopwords.py checks the copy.
# The index itself drops only Whoosh's default 34 (``whoosh.analysis.STOP_WORDS``).
# Chosen on the TIME collection (bench/README.md, issue 7).
ENGLISH = frozenset("""
a about above after again against all am an and any are as at be because been
before being below between both but by can did do does doing don down during
each few for from further had has have having he her here hers herself him
himself his how i if in into is it its itself just me more most my myself no
nor not now of off on once only or other our ours ourselves out over own s
same she should so some such t than that the their theirs them themselves
then there these they this those through to too under until up very was we
were what when where which while who whom why will with you your yours
yourself yourselves
""".split())

_EDGE_PUNCTUATION = re.compile(r"^\W+|\W+$")


def normalise(word: str) -> str:
    """A typed word as the stop list spells it: lower case, no punctuation at
    either end (``WHAT?`` -> ``what``, ``(the`` -> ``the``)."""
    return _EDGE_PUNCTUATION.sub("", word).lower()


def searches_text(node: Node) -> bool:
    """True when the node looks for words (not only a date range, a negation
    or everything)."""
    if isinstance(node, (Term, Phrase, Prefix, Wildcard, Fuzzy, Near, AtLeast)):
        return True
    if isinstance(node, (And, Or)):
        return any(searches_text(child) for child in node.children)
    return False


def _droppable(node: Node, stoplist: frozenset[str]) -> bool:
    """A bare word of the query: unfielded, not boosted, in the stop list.
    Phrases, fielded terms, wildcards, prefixes and fuzzy terms are never
    Term nodes, so they are never dropped; nor is a quoted word."""
    return (isinstance(node, Term) and node.field is None and node.boost == 1.0 and not node.literal
            and normalise(node.text) in stoplist)


def drop_stop_words(node: Node, stoplist: Iterable[str] = ENGLISH,
                    searchable: Optional[Callable[[Node], bool]] = None) -> tuple[Node, tuple[str, ...]]:
    """The any-word query ``node`` without its bare stop words, and the words
    left out (as typed, in query order).

    Only the words of the query's OR are considered: ``Or(...)`` itself, or
    the OR of ``a b -c`` (``And(Or(a, b), Not(c))``); never words under an
    explicit AND, in a phrase, NEAR or atleast, fielded or boosted. When what
    would remain holds no word to search for, the query is returned
    unchanged: ``what is this`` still searches those words rather than
    nothing. ``searchable`` lets an engine say whether a remaining clause
    would search anything after its own analysis (a word its index drops
    does not).
    """
    stoplist = frozenset(stoplist)
    if not stoplist:
        return node, ()
    if isinstance(node, Or):
        reduced = _drop_from_or(node, stoplist, searchable)
        if reduced is None:
            return node, ()
        return reduced
    if isinstance(node, And) and isinstance(node.children[0], Or) and all(
            isinstance(child, Not) for child in node.children[1:]):
        # ``a b -c`` in any-word mode: And(Or(a, b), Not(c)). An explicit
        # ``(a OR b) AND c`` is left alone: there the OR is one condition.
        reduced = _drop_from_or(node.children[0], stoplist, searchable)
        if reduced is None:
            return node, ()
        first, dropped = reduced
        return And((first,) + node.children[1:]), dropped
    return node, ()


def _drop_from_or(node: Or, stoplist: frozenset[str],
                  searchable: Optional[Callable[[Node], bool]]) -> Optional[tuple[Node, tuple[str, ...]]]:
    kept = [child for child in node.children if not _droppable(child, stoplist)]
    if len(kept) == len(node.children):
        return None
    if not any(searches_text(child) and (searchable is None or searchable(child)) for child in kept):
        return None
    dropped = tuple(child.text for child in node.children if isinstance(child, Term) and _droppable(child, stoplist))
    return (kept[0] if len(kept) == 1 else Or(tuple(kept))), dropped
