"""Index-time analysis without Whoosh's token pipeline.

Replaces: ``fields.TEXT.index()`` (the analyzer chain, giving terms,
frequencies, weights and encoded positions) with ``FastText``, and
``field.index()`` of ID, KEYWORD and DATETIME values with
``simple_postings``; query-time analysis stays the analyzer's own, and the
files written are plain Whoosh segments.
Why: Whoosh builds a Token per word and passes it through a chain of
generators, half of ``add_document``'s time; a regex and a per-word cache
(lower case, accent folding, stop word and stem decided once per distinct
word) give the same terms (figures: bench/README.md, "Indexing").
Same answers as Whoosh: tests/test_fastindex.py::
test_samples_and_corpus_give_identical_terms_positions_weights,
::test_any_text_gives_identical_postings, ::test_ids_keywords_and_dates_give_whooshs_postings,
::test_analysed_spans_match_the_analyzer_offsets, ::test_index_built_either_way_answers_identically.
"""
from __future__ import annotations

import weakref
from datetime import datetime
from operator import sub
from pickle import dumps
from typing import Iterator, Optional

from searcher.engine.whoosh.accel.imports import analysis, fields  # Whoosh imported quietly first

# isort: split
from whoosh import formats
from whoosh.system import pack_byte
from whoosh.system import pack_uint as _pack_uint
from whoosh.util.numeric import to_sortable
from whoosh.util.times import datetime_to_long

from searcher.engine.whoosh.languages import for_language

_CACHE_LIMIT = 500_000  # distinct words remembered per analyzer


def _steps(analyzer) -> Optional[tuple]:
    """(token regex, lowercase, charmap, stop words, min size, stem function) when
    the analyzer is a chain this module reproduces exactly, else None."""
    items = list(getattr(analyzer, "items", []))
    if not items or not isinstance(items[0], analysis.RegexTokenizer) or items[0].gaps:
        return None
    lower, charmap, minsize, maxsize, stem = False, None, 0, None, None
    stops: frozenset[str] = frozenset()
    expected = [analysis.LowercaseFilter, analysis.CharsetFilter, analysis.StopFilter, analysis.StemFilter]
    position = 0
    for item in items[1:]:
        while position < len(expected) and not isinstance(item, expected[position]):
            position += 1
        if position == len(expected):
            return None
        if isinstance(item, analysis.LowercaseFilter):
            lower = True
        elif isinstance(item, analysis.CharsetFilter):
            charmap = item.charmap
        elif isinstance(item, analysis.StopFilter):
            if item.renumber:
                return None  # renumbered positions are not reproduced here
            stops, minsize, maxsize = item.stops, item.min, item.max
        else:
            if item.ignore:
                return None
            stem = item._stem
        position += 1
    return items[0].expression, lower, charmap, stops, minsize, maxsize, stem


# Whoosh's default token pattern without its capturing group, so that
# ``findall`` gives whole words (strings, no match objects: 2-3x faster).
_NONCAPTURING = {r"\w+(\.?\w+)*": r"\w+(?:\.?\w+)*"}


def _word_finder(expression):
    """A function giving the token strings of a text in order, or None."""
    if expression.groups == 0:
        return expression.findall
    pattern = _NONCAPTURING.get(expression.pattern)
    if pattern is None:
        return None
    import re

    return re.compile(pattern, expression.flags).findall


class _WordCache(dict):
    """word as written -> indexed term, or None for a stop word."""

    def __init__(self, steps):
        super().__init__()
        _, self.lower, self.charmap, self.stops, self.minsize, self.maxsize, self.stem = steps

    def __missing__(self, word: str) -> Optional[str]:
        text = word.lower() if self.lower else word
        if self.charmap is not None:
            text = text.translate(self.charmap)
        if self.stops is not None and (len(text) < self.minsize or text in self.stops
                                       or (self.maxsize is not None and len(text) > self.maxsize)):
            term = None
        else:
            term = self.stem(text) if self.stem else text
        if len(self) < _CACHE_LIMIT:
            self[word] = term
        return term


_caches: dict[int, tuple] = {}
# Encoded one-item position lists by position (the same in every Positions field).
_SINGLE_POSITIONS: dict[int, bytes] = {}


def _plan(analyzer):
    """(steps, word cache) for an analyzer object, kept while it lives.

    Keyed by identity and dropped when the analyzer is collected: every
    unpickled schema brings new analyzer objects, and the cache must neither
    leak nor be pickled along with the schema.
    """
    key = id(analyzer)
    if key not in _caches:
        steps = _steps(analyzer)
        _caches[key] = (_word_finder(steps[0]) if steps else None, steps, _WordCache(steps) if steps else None)
        weakref.finalize(analyzer, _caches.pop, key, None)
    return _caches[key]


class FastText(fields.TEXT):
    """TEXT with a fast ``index()``; query-time analysis is the analyzer's own."""

    def _term_positions(self, value) -> Optional[dict[str, list[int]]]:
        """Each indexed term of ``value`` with its word positions (stop words
        leave gaps), or None when this value needs Whoosh's own analysis."""
        findall, _, cache = _plan(for_language(self.analyzer, getattr(value, "language", "")))
        if findall is None or not isinstance(value, str) or type(self.format) is not formats.Positions:
            return None
        positions: dict[str, list[int]] = {}
        pos = 0
        for word in findall(value):
            term = cache[word]
            if term is not None:
                found = positions.get(term)
                if found is None:
                    positions[term] = [pos]
                else:
                    found.append(pos)
            pos += 1
        return positions

    def index(self, value, **kwargs) -> Iterator[tuple[bytes, int, float, bytes]]:
        positions = self._term_positions(value) if kwargs.get("mode", "index") == "index" else None
        if positions is None:
            yield from super().index(value, **kwargs)
            return
        boost = self.format.field_boost
        for term, poslist in positions.items():
            yield term.encode("utf-8"), len(poslist), len(poslist) * boost, _encoded(poslist)

    def index_postings(self, value, terms, docnum: int, boost: float) -> Optional[tuple[int, int]]:
        """Add this value's postings for document ``docnum`` straight to a
        writer's buffered field (buffer.FieldPostings), exactly what
        ``index()`` yields; returns (field length, postings added), or None
        when this value needs the general path."""
        positions = self._term_positions(value)
        if positions is None:
            return None
        return terms.add_positions(docnum, positions, self.format.field_boost, boost)


def _encoded(poslist: list[int]) -> bytes:
    """Encoded positions; most terms occur once in a document, and their
    encoding (a pickled one-item list) is cached by position."""
    if len(poslist) == 1:
        pos = poslist[0]
        value = _SINGLE_POSITIONS.get(pos)
        if value is None:
            value = _SINGLE_POSITIONS[pos] = _encode_positions(poslist)
        return value
    return _encode_positions(poslist)


def _encode_positions(poslist: list[int]) -> bytes:
    """whoosh.formats.Positions.encode: the count, then the pickled deltas."""
    deltas = [poslist[0]]
    deltas.extend(map(sub, poslist[1:], poslist))
    return _pack_uint(len(deltas)) + dumps(deltas, 2)


def simple_postings(field, value) -> Optional[list[tuple[bytes, int, float, bytes]]]:
    """``field.index(value)`` as a list, for the fields every article has
    besides its text: IDs, KEYWORD fields split by a regex, DATETIME (eight
    precision tiers of one number). Whoosh's path builds a Token per value
    and re-converts the date for every tier; None for anything else."""
    kind = type(field)
    if kind is fields.DATETIME:
        if type(value) is not datetime or not field.shift_step:
            return None
        sortable = to_sortable(field.numtype, field.bits, field.signed, field.prepare_number(datetime_to_long(value)))
        pack = field._struct.pack
        return [(pack_byte(shift) + pack(sortable >> shift), 1, 1.0, b"")
                for shift in range(0, field.bits, field.shift_step)]
    if type(value) is not str or kind not in (fields.ID, fields.KEYWORD):
        return None
    analyzer = field.analyzer
    if type(analyzer) is analysis.IDTokenizer:
        words = [value]
    elif type(analyzer) is analysis.RegexTokenizer and not analyzer.gaps:
        findall = _word_finder(analyzer.expression)
        if findall is None:
            return None
        words = findall(value)
    else:
        return None
    fmt = field.format
    if type(fmt) is formats.Existence:
        return [(word.encode("utf-8"), 1, fmt.field_boost, b"") for word in set(words)]
    if type(fmt) is formats.Frequency:
        counts: dict[str, int] = {}
        for word in words:
            counts[word] = counts.get(word, 0) + 1
        return [(word.encode("utf-8"), n, float(n) * fmt.field_boost, _pack_uint(n)) for word, n in counts.items()]
    return None


def analysed_spans(analyzer, text: str, language: str = "") -> Optional[list[tuple[int, int, str]]]:
    """(start, end, term) for each indexed word of ``text`` (stop words left
    out) in ``language``'s analysis, computed the fast way; None when the
    analyzer is not one the fast path reproduces."""
    _, steps, cache = _plan(for_language(analyzer, language))
    if steps is None:
        return None
    spans = []
    for match in steps[0].finditer(text):
        term = cache[match.group()]
        if term is not None:
            spans.append((match.start(), match.end(), term))
    return spans
