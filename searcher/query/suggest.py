"""Did you mean: which words of a query a backend is asked to correct."""
from __future__ import annotations

import re
from typing import Mapping, Sequence

from . import tree
from .fields import TEXT_FIELDS


def query_words(node: tree.Node) -> list[tuple[str, str]]:
    """(word, user field or '') for the plain and fuzzy words of a query, in order."""
    if isinstance(node, (tree.Term, tree.Fuzzy)) and node.field in (None, *TEXT_FIELDS):
        return [(node.text, node.field or "")]
    if isinstance(node, tree.Phrase) and node.field in (None, *TEXT_FIELDS):
        return [(word, node.field or "") for word in node.words]
    if isinstance(node, (tree.And, tree.Or)):
        return [pair for child in node.children for pair in query_words(child)]
    if isinstance(node, tree.Near):
        return query_words(node.left) + query_words(node.right)
    if isinstance(node, tree.AtLeast):
        return query_words(node.term)
    return []


def corrected_query(query: str, suggestions: Mapping[str, Sequence[str]]) -> str:
    """``query`` with every word that has suggestions replaced by the first
    of them (whole words, any case): the query a "did you mean" link runs."""
    for word, options in suggestions.items():
        if options:
            best = options[0].replace("\\", "\\\\")  # a replacement template: backslashes are literal
            query = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", best, query, flags=re.IGNORECASE)
    return query
