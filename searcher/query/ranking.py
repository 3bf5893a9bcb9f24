"""How matches are ranked: the scoring function and its settings, written
once for every backend.

An archive is opened with a Ranking (``Archive.open(path, ranking=...)``);
every backend reads its settings from it. A word searched in title and body
(a bare word) is scored by BM25F (Robertson & Zaragoza, "The Probabilistic
Relevance Framework", 2009, section 3.5, with one b for both fields as
Lucene's CombinedFieldQuery does): the two fields are read as one stream in
which a title word counts ``title_boost`` times,

    score(word, doc) = idf(N, df) * bm25_tf(tf, dl, avgdl)

    tf    = title_boost * tf_title + tf_body
    dl    = title_boost * dl_title + dl_body
    avgdl = title_boost * avgdl_title + avgdl_body
    df    = max(df_title, df_body)

    idf(N, df)   = ln(1 + (N - df + 0.5) / (df + 0.5))        (Lucene's BM25 idf)
    bm25_tf      = tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))

A word in one field (``title:word``, ``author:name``) is the same formula on
that field alone; phrases, NEAR and patterns are scored field by field and
summed, the title's part times ``title_boost``.

N counts the archive's documents (deleted ones not yet merged away
included, as Lucene's maxDoc), df_f the documents holding the word in field
f (the larger of the two stands for the union, as in Lucene: the union is
not kept), tf_f its occurrences in the document's field, dl_f the field's
length in words after analysis (stop words not counted; lengths over 10
words are kept in one byte, up to 9% over) and avgdl_f the field's total
length over N. A document's score is the sum over the query's words.
Statistics are the whole archive's, also on a sharded one (gathered before
scoring). Summing BM25 per field instead (Whoosh's BM25F, ``combine_fields=
False``) saturates a word once per field and gives the title its own idf and
length norm; on Reuters topics it ranked 0.025 MAP lower (bench/README.md).
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
    (proximity.py), for the same searches; None: none.
    ``combine_fields``: a bare word's title and body scored as one stream
    (BM25F above); False: BM25 per field, summed. Issues 7 and 15 measured
    these (bench/README.md, Relevance).
    """

    k1: float = 1.2
    b: float = 0.75
    title_boost: float = 2.0
    query_stop_words: frozenset[str] = stopwords.ENGLISH
    feedback: Optional[Feedback] = None
    proximity: Optional[Proximity] = Proximity()
    combine_fields: bool = True

    def term_score(self, tf, length, avg_length: float, doc_count: int, doc_frequency: int):
        """One word's BM25 score in one field (before the field's boost)."""
        return idf(doc_count, doc_frequency) * bm25_tf(tf, length, avg_length, self.k1, self.b)


DEFAULT_RANKING = Ranking()
