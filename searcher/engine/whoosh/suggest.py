"""Did you mean, from a Whoosh index: indexed words close to query words it does not hold.

The lexicon holds stems ("pipelin"), so a close stem is found with Whoosh's
corrector and then shown as a word an article really uses ("pipeline").
"""
from __future__ import annotations

from searcher.engine.whoosh.languages import ALL_ANALYSES, for_language
from searcher.query.fields import TEXT_FIELDS

MAX_SUGGESTIONS = 3


def _surface(searcher, field: str, stem: str) -> str:
    """A word as written in an article whose analysed form is ``stem``."""
    for docnum in searcher.reader().postings(field, stem).all_ids():
        stored = searcher.stored_fields(docnum)
        text = stored.get(field, "")
        analyzer = for_language(searcher.schema[field].analyzer, stored.get("lang", ""))
        for token in analyzer(text, chars=True, removestops=False, mode="index"):
            if token.text == stem:
                return text[token.startchar:token.endchar].lower()
        break
    return stem


def _stems(searcher, schema, word: str) -> list[str]:
    """The word's analysed form in each analysis the index's articles have
    (English's first); empty when one of them makes it no single word."""
    analyzer = schema["body"].analyzer
    keys = [key for number, key in enumerate(ALL_ANALYSES) if not number or ("analysis", key) in searcher.reader()]
    stems: list[str] = []
    for key in keys:
        tokens = [tok.text for tok in for_language(analyzer, key)(word, mode="query")]
        if len(tokens) != 1:
            return []  # stop words and multi-token words are not spelling slips
        if tokens[0] not in stems:
            stems.append(tokens[0])
    return stems


def suggestions(searcher, schema, words: list[tuple[str, str]]) -> dict[str, list[str]]:
    """For each (word, field or '') absent from the fields it searches in
    every analysis: close indexed words."""
    reader = searcher.reader()
    out: dict[str, list[str]] = {}
    for word, field in words:
        fields = [field] if field else list(TEXT_FIELDS)
        stems = _stems(searcher, schema, word)
        if not stems or word in out or any((f, stem) in reader for f in fields for stem in stems):
            continue
        found: list[str] = []
        for f in fields:
            for stem in stems:
                for candidate in searcher.corrector(f).suggest(stem, limit=MAX_SUGGESTIONS, maxdist=2, prefix=1):
                    surface = _surface(searcher, f, candidate)
                    if surface not in found and surface != word.lower():
                        found.append(surface)
        if found:
            out[word] = found[:MAX_SUGGESTIONS]
    return out
