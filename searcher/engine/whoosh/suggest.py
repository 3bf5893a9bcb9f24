"""Did you mean, from a Whoosh index: indexed words close to query words it does not hold.

The lexicon holds stems ("pipelin"), so a close stem is found with Whoosh's
corrector and then shown as a word an article really uses ("pipeline").
"""
from __future__ import annotations

from searcher.query.fields import TEXT_FIELDS

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


def suggestions(searcher, schema, words: list[tuple[str, str]]) -> dict[str, list[str]]:
    """For each (word, field or '') absent from the fields it searches: close indexed words."""
    reader = searcher.reader()
    out: dict[str, list[str]] = {}
    for word, field in words:
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
