"""The languages an archive analyses, and how a record's language is named.

Engine-neutral: which analysis each language gets (a backend builds it),
and language tags as records write them ("en-US", "English", "deu",
"zh-Hant") reduced to one ISO 639-1 code, so that ``lang:de`` and the
language facet find every German article however its source wrote it.

Analyses (README, Languages):
- ``stem``: words, lower case, the language's stop words left out, its
  Snowball stem, accents folded after stemming (so a word typed without
  its accents still matches).
- ``thai``: words found by a Thai dictionary segmenter (Thai is written
  without spaces between words).
- ``cjk``: Chinese, Japanese and Korean text as overlapping character pairs
  (Lucene's CJK analysis): a word of two characters is one pair, a longer
  one a phrase of pairs; other scripts inside such text as words.
- ``neutral``: words, lower case, accents folded, nothing else: a language
  not listed here.
English keeps the analysis it always had (Porter stems, 34 stop words); an
article with no language given and none detected is analysed as English.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .article import Article

ENGLISH = "en"
NEUTRAL = "neutral"  # the analysis of a language not listed below


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    analysis: str  # "english", "stem", "thai", "cjk"
    stemmer: str = ""  # the Snowball algorithm's name


SUPPORTED: dict[str, Language] = {language.code: language for language in (
    Language("en", "English", "english", "porter"),
    Language("da", "Danish", "stem", "danish"),
    Language("de", "German", "stem", "german"),
    Language("es", "Spanish", "stem", "spanish"),
    Language("fi", "Finnish", "stem", "finnish"),
    Language("fr", "French", "stem", "french"),
    Language("hu", "Hungarian", "stem", "hungarian"),
    Language("it", "Italian", "stem", "italian"),
    Language("nl", "Dutch", "stem", "dutch"),
    Language("no", "Norwegian", "stem", "norwegian"),
    Language("pt", "Portuguese", "stem", "portuguese"),
    Language("ru", "Russian", "stem", "russian"),
    Language("sv", "Swedish", "stem", "swedish"),
    Language("tr", "Turkish", "stem", "turkish"),
    Language("th", "Thai", "thai"),
    Language("zh", "Chinese", "cjk"),
    Language("ja", "Japanese", "cjk"),
    Language("ko", "Korean", "cjk"),
)}

# Three-letter codes (ISO 639-2/B and /T) and English names, as records write them.
_ALIASES = {
    "eng": "en", "dan": "da", "ger": "de", "deu": "de", "spa": "es", "fin": "fi", "fre": "fr", "fra": "fr",
    "hun": "hu", "ita": "it", "dut": "nl", "nld": "nl", "nor": "no", "nob": "no", "nno": "no", "nb": "no",
    "nn": "no", "por": "pt", "rus": "ru", "swe": "sv", "tur": "tr", "tha": "th", "chi": "zh", "zho": "zh",
    "jpn": "ja", "kor": "ko", "ara": "ar", "pol": "pl", "ces": "cs", "cze": "cs", "gre": "el", "ell": "el",
    "heb": "he", "iw": "he", "hin": "hi", "ukr": "uk", "vie": "vi", "ind": "id", "in": "id", "rum": "ro",
    "ron": "ro", "cat": "ca",
    **{language.name.lower(): code for code, language in SUPPORTED.items()},
    "norsk": "no", "deutsch": "de", "français": "fr", "francais": "fr", "español": "es", "espanol": "es",
    "italiano": "it", "português": "pt", "portugues": "pt", "nederlands": "nl", "svenska": "sv",
    "dansk": "da", "suomi": "fi", "русский": "ru", "türkçe": "tr", "ไทย": "th", "中文": "zh", "日本語": "ja",
    "한국어": "ko",
    # Chinese varieties py3langid names for some Mandarin headlines: written alike.
    "wuu": "zh", "yue": "zh",
}
_TAG = re.compile(r"\s*([^\W\d_]{2,8})(?:[-_ ,;]|$)")


def normalise(value: str) -> str:
    """One lower-case ISO 639-1 code for a language tag or name ('en-US',
    'de_DE', 'English', 'deu' -> 'en', 'de', 'en', 'de'); a code this module
    does not know stays as its primary subtag; '' for no language."""
    match = _TAG.match(value or "")
    if not match:
        return ""
    tag = match.group(1).lower()
    return _ALIASES.get(tag, tag)


def analysis_of(code: str) -> str:
    """The key of the analysis a language code gets: the code itself when it
    is supported, English for no language, else the neutral analysis."""
    if not code:
        return ENGLISH
    return code if code in SUPPORTED else NEUTRAL


# Detection reads the opening of an article (enough for a confident answer,
# and a long article costs no more than a short one); a text with fewer
# letters than this is not guessed at.
DETECT_CHARS = 500
_MIN_LETTERS = 20
_MIN_CONFIDENCE = 0.9
_LETTER = re.compile(r"[^\W\d_]")
_detector = None


def detected(text: str) -> str:
    """The language of ``text`` by py3langid's model (it ships in the package:
    no download), or '' when the text is too short or the model unsure."""
    sample = text[:DETECT_CHARS]
    if len(_LETTER.findall(sample)) < _MIN_LETTERS:
        return ""
    code, confidence = _identifier().classify(sample.lower())
    return normalise(code) if confidence >= _MIN_CONFIDENCE else ""


def _identifier():
    global _detector
    if _detector is None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]

        _detector = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _detector


def release_model() -> None:
    """Let go of the detector's model (78 MB; loaded again, in 0.9 s, when
    next needed): a large indexing run does so before its end-of-run work,
    whose memory would otherwise come on top."""
    global _detector
    _detector = None


def decided(article: "Article") -> "Article":
    """``article`` with its language as one code: the record's own, else
    detected from its title and body ('' when neither says)."""
    language = normalise(article.language) or detected(f"{article.title}\n{article.body}")
    return article if language == article.language else replace(article, language=language)
