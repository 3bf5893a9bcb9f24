"""Pseudo-relevance feedback (RM3): the words the best articles for a query
share, added to its ranking.

Lavrenko and Croft's relevance model as Anserini's RM3 computes it over
BM25: the first round's top ``docs`` articles D, each weighted by its score
s(D), give every word w the weight

    RM1(w) = sum over D of s(D) * tf(w, D) / |D|

(tf and |D| over the article's analysed title and body), of which the
``terms`` heaviest are kept and normalised to sum 1. The query's own words
weigh ``original_weight`` / n (n of them) and the expansion
(1 - ``original_weight``) * RM1(w); as a score is ranked only up to a
factor, the expansion words here weigh (1 - a) / a * n * RM1(w) next to the
query as it is.

Unlike Anserini's, the expansion only reorders: the answer is the query's
articles (totals, facets and timelines unchanged), scored by the query plus
the expansion words they hold (tree.Rescored). Everything here reads the
first round's articles and the backend's analysis, no index statistics, so
a sharded archive (whose first round is one index's) expands alike.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Optional

from ..article import Article
from . import tree


@dataclass(frozen=True)
class Feedback:
    """RM3's three parameters, at Anserini's defaults (bench/README.md, Relevance,
    measures them and cross-validated choices on two collections)."""

    docs: int = 10
    terms: int = 10
    original_weight: float = 0.5


def relevance_model(first: Iterable[tuple[Article, Optional[float]]], analysis, stop_words: frozenset[str],
                    terms: int) -> list[tuple[str, float]]:
    """The ``terms`` heaviest words of RM1 (a word as written in an article,
    the analysed form's first spelling), weights summing to 1."""
    weights: dict[str, float] = {}
    spelling: dict[str, str] = {}
    for article, score in first:
        if not score or score <= 0:
            continue
        text = f"{article.title}\n{article.body}"
        counts: Counter = Counter()
        for start, end, term in analysis.spans(text, article.language):
            word = text[start:end]
            if word.lower() in stop_words:
                continue
            counts[term] += 1
            spelling.setdefault(term, word)
        length = sum(counts.values())
        for term, tf in counts.items():
            weights[term] = weights.get(term, 0.0) + score * tf / length
    best = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:terms]
    total = sum(weight for _, weight in best)
    return [(spelling[term], weight / total) for term, weight in best] if total else []


def expanded(node: tree.Node, model: list[tuple[str, float]], original_weight: float) -> tree.Node:
    """``node``'s articles, ranked by ``node`` and the expansion words."""
    if not model or original_weight >= 1:
        return node
    scale = (1 - original_weight) / original_weight * max(1, len(tree.terms(node)))
    extra = tree.Or(tuple(tree.Term(word, boost=scale * weight, literal=True) for word, weight in model))
    return tree.Rescored(node, extra)
