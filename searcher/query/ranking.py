"""How matches are ranked: one object instead of module settings.

An archive is opened with a Ranking (``Archive.open(path, ranking=...)``);
every backend reads its settings from it.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import stopwords


@dataclass(frozen=True)
class Ranking:
    """BM25F settings and the query-time stop list.

    ``k1``/``b``: BM25's term-frequency saturation and length normalisation
    (the usual defaults). ``title_boost``: a title match weighs this many
    body matches. ``query_stop_words``: left out of match="any" queries
    (bare words only; stopwords.py). Issue 7 measured these on the TIME
    collection (bench/README.md).
    """

    k1: float = 1.2
    b: float = 0.75
    title_boost: float = 2.0
    query_stop_words: frozenset[str] = stopwords.ENGLISH


DEFAULT_RANKING = Ranking()
