"""An independent model of what the README promises, over plain Article objects.

The contract tests compare every backend's answers with answers computed
here from the fixture's Articles, never with lists of ids copied from an
engine's output. The model is written from the README's words: English
text analysis (lower case, accents folded, Whoosh's 34 stop words and
one-letter words out but holding their places, the published Porter
stemmer -- NLTK's, an implementation independent of the library's), name
fields as case-insensitive words within one value, dates in UTC with
partial dates stored as their period's first day.
"""
from __future__ import annotations

import fnmatch
import re
import unicodedata
from collections import Counter
from datetime import datetime, timezone
from typing import Callable, Iterable, Optional, Sequence, Union

from searcher import Article

try:  # the test extra installs NLTK (tests/test_stemmer.py uses it the same way)
    from nltk.stem.porter import PorterStemmer as _Porter

    _STEMMER = _Porter(mode=_Porter.ORIGINAL_ALGORITHM)
    stem: Callable[[str], str] = _STEMMER.stem
except ImportError:  # pragma: no cover
    stem = None  # type: ignore[assignment]

# Whoosh's 34 stop words (README: "Stop words (Whoosh's 34: a, and, of, the, in, ...)").
STOP_WORDS = frozenset(
    "a an and are as at be by can for from have if in is it may not of on or tbd that the this to us we "
    "when will with yet you your".split())
_WORD = re.compile(r"\w+(?:\.?\w+)*")

Pred = Callable[[Article], bool]


def fold(text: str) -> str:
    """Lower case, accents folded (Zürich -> zurich)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def analyse(text: str) -> list[Optional[str]]:
    """One slot per word: its stem, or None for a word the index leaves out
    (a stop word or a one-letter word keeps its place)."""
    return [None if w in STOP_WORDS or len(w) < 2 else stem(w) for w in words(text)]


def name_slots(values: Sequence[str]) -> list[list[Optional[str]]]:
    """Name fields: each value's words, lower case, accents folded, no stems, no stop words."""
    return [list(words(value)) for value in values]


TEXT = ("title", "body")
NAMES = {"author": "authors", "source": "sources", "tag": "tags", "publisher": "publisher"}


def field_slots(article: Article, field: str) -> list[list[Optional[str]]]:
    """The analysed sequences of one field (name fields: one sequence per value,
    so that no phrase spans two values)."""
    if field in TEXT:
        return [analyse(getattr(article, field))]
    values = getattr(article, NAMES[field])
    return name_slots([values] if isinstance(values, str) else values)


def _fields(field: Optional[str]) -> tuple[str, ...]:
    return TEXT if field is None else (field,)


def _query_slots(text: str, field: str) -> list[tuple[int, str]]:
    """(place, term) of query text, relative to its first kept word; stop
    words at either end dropped, inside ones holding their places."""
    slots = analyse(text) if field in TEXT else list(words(text))
    kept = [(i, s) for i, s in enumerate(slots) if s is not None]
    if not kept:
        return []
    first = kept[0][0]
    return [(i - first, s) for i, s in kept]


def _occurrences(seq: list[Optional[str]], query: list[tuple[int, str]], slop: int) -> list[tuple[int, int]]:
    """(first, last) places of each match of ``query`` in ``seq``: the terms in
    order, each consecutive pair at its distance plus at most ``slop``."""
    found: list[tuple[int, int]] = []

    def extend(k: int, at: int, start: int) -> None:
        if k == len(query):
            found.append((start, at))
            return
        gap = query[k][0] - query[k - 1][0]
        for extra in range(slop + 1):
            nxt = at + gap + extra
            if nxt < len(seq) and seq[nxt] == query[k][1]:
                extend(k + 1, nxt, start)

    for p, slot in enumerate(seq):
        if query and slot == query[0][1]:
            extend(1, p, p)
    return sorted(set(found))


# ---- predicates: each one a form of the query language ---------------------

def word(text: str, field: Optional[str] = None) -> Pred:
    return phrase(text, field)


def phrase(text: str, field: Optional[str] = None, slop: int = 0) -> Pred:
    def pred(article: Article) -> bool:
        for f in _fields(field):
            query = _query_slots(text, f)
            if query and any(_occurrences(seq, query, slop) for seq in field_slots(article, f)):
                return True
        return False

    return pred


def near(left: str, right: str, distance: int, ordered: bool = False, field: Optional[str] = None) -> Pred:
    """``left NEAR/n right``: at most ``distance`` words between the two
    (either order; PRE: ``left`` first). Each side a word or a phrase."""
    def pred(article: Article) -> bool:
        for f in _fields(field):
            lq, rq = _query_slots(left, f), _query_slots(right, f)
            for seq in field_slots(article, f):
                for ls, le in _occurrences(seq, lq, 0):
                    for rs, re_ in _occurrences(seq, rq, 0):
                        if rs > le and rs - le - 1 <= distance:
                            return True
                        if not ordered and ls > re_ and ls - re_ - 1 <= distance:
                            return True
        return False

    return pred


def _terms(article: Article, field: Optional[str]) -> set[str]:
    return {s for f in _fields(field) for seq in field_slots(article, f) for s in seq if s is not None}


def prefix(text: str, field: Optional[str] = None) -> Pred:
    return lambda a: any(t.startswith(text.lower()) for t in _terms(a, field))


def wildcard(pattern: str, field: Optional[str] = None) -> Pred:
    return lambda a: any(fnmatch.fnmatchcase(t, pattern.lower()) for t in _terms(a, field))


def edits(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def fuzzy(text: str, distance: int = 1, field: Optional[str] = None) -> Pred:
    """An indexed word at most ``distance`` edits from the word (or its stem)."""
    forms = {text.lower(), stem(text.lower())}
    return lambda a: any(edits(form, t) <= distance for form in forms for t in _terms(a, field))


def count_at_least(count: int, text: str) -> Pred:
    """The word at least ``count`` times, title and body together."""
    term = stem(text.lower())
    return lambda a: sum(seq.count(term) for f in TEXT for seq in field_slots(a, f)) >= count


def utc(article: Article) -> Optional[datetime]:
    return None if article.date is None else article.date.astimezone(timezone.utc)


def dated(start: Optional[datetime] = None, end: Optional[datetime] = None) -> Pred:
    """Stored date in [start, end) (UTC); an undated article never matches."""
    def pred(article: Article) -> bool:
        when = utc(article)
        return when is not None and (start is None or when >= start) and (end is None or when < end)

    return pred


def both(*preds: Pred) -> Pred:
    return lambda a: all(p(a) for p in preds)


def either(*preds: Pred) -> Pred:
    return lambda a: any(p(a) for p in preds)


def without(pred: Pred) -> Pred:
    return lambda a: not pred(a)


def everything(article: Article) -> bool:
    return True


def matching(articles: Iterable[Article], pred: Pred) -> set[str]:
    return {a.id for a in articles if pred(a)}


def day(year: int, month: int = 1, dom: int = 1) -> datetime:
    return datetime(year, month, dom, tzinfo=timezone.utc)


# ---- facets ------------------------------------------------------------------

def facet_values(article: Article, name: str) -> list[str]:
    """The values one article counts under in a facet (year/month of the stored date)."""
    if name in ("tags", "sources", "authors"):
        return list(dict.fromkeys(getattr(article, name)))
    if name == "publisher":
        return [article.publisher] if article.publisher else []
    when = utc(article)
    if when is None:
        return []
    return [f"{when.year:04d}"] if name == "year" else [f"{when.year:04d}-{when.month:02d}"]


def facet_counts(articles: Iterable[Article], name: str) -> list[tuple[str, int]]:
    """Count per value, by count then value (README: "ordered by count then value")."""
    counts = Counter(v for a in articles for v in facet_values(a, name))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


FILTER_FACETS = {"tag": "tags", "source": "sources", "author": "authors", "tags": "tags", "sources": "sources",
                 "authors": "authors", "publisher": "publisher", "year": "year", "month": "month"}


def passes(article: Article, filters: dict[str, Union[str, Sequence[str]]]) -> bool:
    """AND across keys, OR within a key; values case-insensitive."""
    for key, wanted in filters.items():
        values = [wanted] if isinstance(wanted, str) else wanted
        have = {v.lower() for v in facet_values(article, FILTER_FACETS[key])}
        if not have & {w.lower() for w in values}:
            return False
    return True
