"""Whoosh's BM25F scorer with the archive's idf (searcher/query/ranking.py).

Whoosh's own idf is ``ln(N / (df + 1)) + 1``: the +1 outside the log
flattens the difference between rare and common words (a word in half the
documents still weighs 1.7 against 6.4 for a word in one of 423, where
Lucene's gives 0.7 against 5.6), and it cost 0.007 MAP on the TIME queries
(bench/README.md, Relevance). Our evaluator (evaluate.py) and Whoosh's
matchers, where it falls back to them, both ask the top searcher's
``idf``, which asks this model.
"""
from __future__ import annotations

from searcher.query import ranking as ranking_

from .accel.imports import scoring


class ArchiveBM25(scoring.BM25F):
    def __init__(self, ranking: "ranking_.Ranking"):
        super().__init__(B=ranking.b, K1=ranking.k1)

    def idf(self, searcher, fieldname, text):
        parent = searcher.get_parent()
        return ranking_.idf(parent.doc_count_all(), parent.doc_frequency(fieldname, text))
