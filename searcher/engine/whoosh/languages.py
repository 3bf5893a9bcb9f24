"""Text analysis per language (searcher/languages.py says which gets what).

A title or body is handed to its field as ``LanguageText``: the text with
the article's language; the field's ``MultilingualAnalyzer`` analyses it
with that language's chain. Query text is analysed once per language the
archive holds (compile.py). Every chain is a Whoosh RegexTokenizer and
filters, so the fast indexing path (accel/analysis.py) reproduces each:
the Thai and CJK word finders stand in for the regex.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from typing import Iterator

import Stemmer

from searcher import languages
from searcher.engine.whoosh.accel.imports import accent_map, analysis
from searcher.engine.whoosh.stemming import porter_stem

# Whoosh's default word pattern, without its capturing group.
_WORD = r"\w+(?:\.?\w+)*"
_local = threading.local()  # PyStemmer objects are not to be shared by threads


class LanguageText(str):
    """A field value that knows its article's language (never stored: documents.py stores the plain text)."""

    language: str = ""

    def __new__(cls, text: str, language: str) -> "LanguageText":
        value = super().__new__(cls, text)
        value.language = language
        return value

    def __reduce__(self):
        return LanguageText, (str(self), self.language)


class SnowballStem:
    """A language's Snowball stem, accents folded afterwards (the stemmers
    read accents: French 'élection' -> 'élect' -> 'elect')."""

    def __init__(self, algorithm: str):
        self.algorithm = algorithm

    def __call__(self, word: str) -> str:
        stemmers = getattr(_local, "stemmers", None)
        if stemmers is None:
            stemmers = _local.stemmers = {}
        stemmer = stemmers.get(self.algorithm)
        if stemmer is None:
            stemmer = stemmers[self.algorithm] = Stemmer.Stemmer(self.algorithm)
        return stemmer.stemWord(word).translate(accent_map)

    def __eq__(self, other) -> bool:
        return isinstance(other, SnowballStem) and other.algorithm == self.algorithm

    def __hash__(self) -> int:
        return hash(self.algorithm)


class _Match:
    """What RegexTokenizer reads of a regex match."""

    __slots__ = ("_text", "_start", "_end")

    def __init__(self, text: str, start: int, end: int):
        self._text, self._start, self._end = text, start, end

    def group(self, index: int = 0) -> str:
        return self._text

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end


class WordFinder:
    """A regex-like word finder (``finditer``, ``findall``) for scripts
    written without spaces; ``kind``: "cjk" (character pairs) or "thai"
    (dictionary words). Picklable: it is part of an index's schema."""

    groups = 0
    flags = re.UNICODE

    def __init__(self, kind: str):
        self.kind = kind
        self.pattern = f"<{kind} words>"

    def finditer(self, text: str) -> Iterator[_Match]:
        spans = _cjk_spans(text) if self.kind == "cjk" else _thai_spans(text)
        return (_Match(text[start:end], start, end) for start, end in spans)

    def findall(self, text: str) -> list[str]:
        spans = _cjk_spans(text) if self.kind == "cjk" else _thai_spans(text)
        return [text[start:end] for start, end in spans]

    def __eq__(self, other) -> bool:
        return isinstance(other, WordFinder) and other.kind == self.kind

    def __hash__(self) -> int:
        return hash(self.kind)


# Han, kana, Hangul (and their compatibility forms): written without spaces between words.
_CJK_CHARS = ("\u1100-\u11ff\u3040-\u30ff\u3131-\u318e\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
              "\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f")
_CJK_OR_WORD = re.compile(f"([{_CJK_CHARS}]+)|((?:(?![{_CJK_CHARS}])\\w)+(?:\\.(?:(?![{_CJK_CHARS}])\\w)+)*)")


def _cjk_spans(text: str) -> list[tuple[int, int]]:
    """Overlapping pairs over each run of CJK characters (a lone character
    stands alone), and every other word whole."""
    spans: list[tuple[int, int]] = []
    for match in _CJK_OR_WORD.finditer(text):
        start, end = match.span()
        if match.group(1) is None:
            spans.append((start, end))
        elif end - start == 1:
            spans.append((start, end))
        else:
            spans.extend((at, at + 2) for at in range(start, end - 1))
    return spans


_THAI_RUN = re.compile(r"[\u0e00-\u0e7f]+")
_WORD_RE = re.compile(_WORD)


def _thai_spans(text: str) -> list[tuple[int, int]]:
    """Thai runs split into dictionary words (PyThaiNLP's newmm: maximal
    matching over its word list), every other word as the regex finds it."""
    spans: list[tuple[int, int]] = []
    at = 0
    for run in _THAI_RUN.finditer(text):
        spans.extend(match.span() for match in _WORD_RE.finditer(text, at, run.start()))
        start = run.start()
        for word in _thai_words(run.group()):
            if _is_word(word):
                spans.append((start, start + len(word)))
            start += len(word)
        at = run.end()
    spans.extend(match.span() for match in _WORD_RE.finditer(text, at))
    return spans


def _is_word(token: str) -> bool:
    return any(unicodedata.category(char)[0] in "LN" for char in token)


def _thai_words(run: str) -> list[str]:
    from pythainlp.tokenize import word_tokenize  # 0.6 s to load its dictionary: only for Thai

    return word_tokenize(run, engine="newmm", keep_whitespace=False, join_broken_num=True)


@lru_cache(maxsize=None)
def chain(key: str) -> analysis.Analyzer:
    """The analyzer of one analysis key (languages.analysis_of)."""
    if key == languages.ENGLISH:
        return english_analyzer()
    language = languages.SUPPORTED.get(key)
    if language is None or language.analysis not in ("stem", "thai", "cjk"):
        return _words(analysis.RegexTokenizer(_WORD))
    if language.analysis == "stem":
        return (analysis.RegexTokenizer(_WORD) | analysis.LowercaseFilter()
                | analysis.StopFilter(stoplist=_stop_words(key), minsize=1, renumber=False)
                | analysis.StemFilter(stemfn=SnowballStem(language.stemmer), cachesize=None))
    return _words(analysis.RegexTokenizer(WordFinder(language.analysis)))


def _words(tokenizer) -> analysis.Analyzer:
    """Words, lower case, accents folded: no stop words, no stems."""
    return tokenizer | analysis.LowercaseFilter() | analysis.CharsetFilter(accent_map)


def _stop_words(code: str) -> frozenset[str]:
    from whoosh.lang import stopwords

    return frozenset(stopwords.stoplists.get(code, ()))


def english_analyzer() -> analysis.Analyzer:
    """English full text: words, lower case, accents folded, stop words out, Porter stems."""
    return (
        analysis.RegexTokenizer()
        | analysis.LowercaseFilter()
        | analysis.CharsetFilter(accent_map)
        # Positions keep the gap a stop word leaves, so "gas pipeline" does
        # not match "gas and pipeline".
        | analysis.StopFilter(renumber=False)
        # Snowball's Porter, not Whoosh's (stemming.py says why); PyStemmer
        # caches, and FastText keeps a word cache of its own.
        | analysis.StemFilter(stemfn=porter_stem, cachesize=None)
    )


class MultilingualAnalyzer(analysis.Analyzer):
    """A title's or body's analysis: the chain of the value's language
    (``LanguageText.language``); plain text (a query) is analysed as English."""

    def __init__(self):
        self.default = english_analyzer()

    def for_language(self, code: str) -> analysis.Analyzer:
        key = languages.analysis_of(code)
        return self.default if key == languages.ENGLISH else chain(key)

    def __call__(self, value, **kwargs):
        return self.for_language(getattr(value, "language", ""))(value, **kwargs)

    def __eq__(self, other) -> bool:
        return isinstance(other, MultilingualAnalyzer) and other.default == self.default


def for_language(analyzer, code: str):
    """``analyzer``'s chain for a language: a multilingual one's, else itself
    (an index written before languages analyses everything as English)."""
    pick = getattr(analyzer, "for_language", None)
    return analyzer if pick is None else pick(code)


# Every analysis a query is read in, English's first.
ALL_ANALYSES = (languages.ENGLISH, *sorted(set(languages.SUPPORTED) - {languages.ENGLISH}), languages.NEUTRAL)
