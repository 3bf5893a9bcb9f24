"""Did you mean: indexed words close to query words the index does not hold.

The lexicon holds stems ("pipelin"), so a close stem is found with Whoosh's
corrector and then shown as a word an article really uses ("pipeline").
"""
from __future__ import annotations

from searcher.engine.whoosh.schema import TEXT_FIELDS
from . import tree

MAX_SUGGESTIONS = 3


def _surface(searcher, field: str, stem: str) -> str:
    """A word as written in an article whose analysed form is ``stem``."""
    analyzer = searcher.schema[field].analyzer
    for docnum in searcher.reader().postings(field, stem).all_ids():
        text = searcher.stored_fields(docnum).get(field, "")
        for token in analyzer(text, chars=True, removestops=False, mode="index"):
            if token.text == stem:
                return text[token.startchar:token.endchar].lower()
        break
    return stem


def _words(node: tree.Node) -> list[tuple[str, str]]:
    """(word, user field or '') for the plain and fuzzy words of a query."""
    if isinstance(node, (tree.Term, tree.Fuzzy)) and node.field in (None, *TEXT_FIELDS):
        return [(node.text, node.field or "")]
    if isinstance(node, tree.Phrase) and node.field in (None, *TEXT_FIELDS):
        return [(word, node.field or "") for word in node.words]
    if isinstance(node, (tree.And, tree.Or)):
        return [pair for child in node.children for pair in _words(child)]
    if isinstance(node, tree.Near):
        return _words(node.left) + _words(node.right)
    if isinstance(node, tree.AtLeast):
        return _words(node.term)
    return []


def suggestions(searcher, schema, node: tree.Node) -> dict[str, list[str]]:
    """For each query word absent from the fields it searches: close indexed words."""
    reader = searcher.reader()
    out: dict[str, list[str]] = {}
    for word, field in _words(node):
        fields = [field] if field else list(TEXT_FIELDS)
        stems = [tok.text for tok in schema["body"].analyzer(word, mode="query")]
        if len(stems) != 1 or word in out:
            continue  # stop words and multi-token words are not spelling slips
        stem = stems[0]
        if any((f, stem) in reader for f in fields):
            continue
        found: list[str] = []
        for f in fields:
            for candidate in searcher.corrector(f).suggest(stem, limit=MAX_SUGGESTIONS, maxdist=2, prefix=1):
                surface = _surface(searcher, f, candidate)
                if surface not in found and surface != word.lower():
                    found.append(surface)
        if found:
            out[word] = found[:MAX_SUGGESTIONS]
    return out
