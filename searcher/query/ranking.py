"""How matches are ranked: the scoring function and its settings, written
once for every backend.

An archive is opened with a Ranking (``Archive.open(path, ranking=...)``);
every backend reads its settings from it and scores a word in a field with
``term_score`` below:

    score(word, field, doc) = boost(field) * idf(N, df) * bm25_tf(tf, dl, avgdl)

    idf(N, df)   = ln(1 + (N - df + 0.5) / (df + 0.5))        (Lucene's BM25 idf)
    bm25_tf      = tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))

N counts the archive's documents (deleted ones not yet merged away
included, as Lucene's maxDoc), df the documents holding the word in that
field, tf its occurrences in the document's field, dl the field's length in
words after analysis (stop words not counted) and avgdl the field's total
length over N. A document's score is the sum over the query's words and the
fields they are searched in (title words weigh ``title_boost``). Statistics
are the whole archive's, also on a sharded one (gathered before scoring).
"""
from __future__ import annotations

from dataclasses import dataclass
from math import log
from typing import Optional

from . import stopwords
from .feedback import Feedback
from .proximity import Proximity


def idf(doc_count: int, doc_frequency: int) -> float:
    """BM25's idf as Lucene computes it: positive for every df <= N."""
    return log(1.0 + (doc_count - doc_frequency + 0.5) / (doc_frequency + 0.5))


def bm25_tf(tf, length, avg_length: float, k1: float, b: float):
    """BM25's saturated, length-normalised term frequency (works on numbers and numpy arrays)."""
    return tf * (k1 + 1) / (tf + k1 * ((1 - b) + b * length / (avg_length or 1)))


@dataclass(frozen=True)
class Ranking:
    """BM25 settings and the query-time stop list.

    ``k1``/``b``: BM25's term-frequency saturation and length normalisation
    (the usual defaults). ``title_boost``: a title match weighs this many
    body matches. ``query_stop_words``: left out of match="any" queries
    (bare words only; stopwords.py). ``feedback``: pseudo-relevance
    feedback (feedback.py) for match="any" searches ranked by relevance;
    None: none (the default: cross-validation did not keep it).
    ``proximity``: the bonus for consecutive query words close together
    (proximity.py), for the same searches; None: none. Issues 7 and 15 measured these on the TIME collection
    (bench/README.md, Relevance).
    """

    k1: float = 1.2
    b: float = 0.75
    title_boost: float = 2.0
    query_stop_words: frozenset[str] = stopwords.ENGLISH
    feedback: Optional[Feedback] = None
    proximity: Optional[Proximity] = Proximity()

    def term_score(self, tf, length, avg_length: float, doc_count: int, doc_frequency: int):
        """One word's BM25 score in one field (before the field's boost)."""
        return idf(doc_count, doc_frequency) * bm25_tf(tf, length, avg_length, self.k1, self.b)


DEFAULT_RANKING = Ranking()
