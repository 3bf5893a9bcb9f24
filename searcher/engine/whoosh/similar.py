"""More like this: Whoosh's ``more_like`` in steps that a sharded archive can
run with the whole archive's frequencies.

Whoosh picks an article's key words with its Bo1 expansion model from the
index's document count and each word's occurrences, then searches for them
weighted. Here the same happens in four steps: the article's words
(``similar_words``, where it is stored), their counts (``word_stats``,
summed over shards), the key words (``key_terms``, Whoosh's model and
order), the search (``similar_to``, scored with the summed counts).
"""
from __future__ import annotations

from typing import Optional

from searcher.article import Article

from ..base import CorpusStats, Execution
from .accel.imports import classify
from .accel.imports import query as wq
from .documents import to_article
from .stats import scoring_with

FIELD = "body"
KEY_TERMS = 12


def similar_words(searcher, article_id: str) -> Optional[dict[str, float]]:
    """Each analysed word of the article's body with its weight, or None when the article is not here."""
    docnum = searcher.document_number(id=article_id)
    if docnum is None:
        return None
    body = to_article(searcher.stored_fields(docnum)).body  # IndexDamaged when unreadable
    expander = classify.Expander(searcher.reader(), FIELD)
    expander.add_text(body)
    return dict(expander.topN_weight)


def word_stats(searcher, words: list[str]) -> CorpusStats:
    reader = searcher.reader()
    field = searcher.schema[FIELD]
    documents, occurrences = {}, {}
    for word in words:
        btext = field.to_bytes(word)
        if (FIELD, btext) in reader:
            documents[(FIELD, word)] = reader.doc_frequency(FIELD, btext)
            occurrences[(FIELD, word)] = reader.frequency(FIELD, btext)
    return CorpusStats(doc_count=searcher.doc_count_all(), field_lengths={FIELD: searcher.field_length(FIELD)},
                       doc_frequencies=documents, collection_frequencies=occurrences)


def key_terms(weights: dict[str, float], stats: CorpusStats, number: int = KEY_TERMS) -> list[tuple[str, float]]:
    """Whoosh's Expander.expanded_terms (normalize=False, as more_like asks),
    with the collection's counts given."""
    model = classify.Bo1Model(stats.doc_count, stats.field_lengths.get(FIELD, 0))
    total = sum(weights.values())
    scored = []
    for word, weight in weights.items():
        occurrences = stats.collection_frequencies.get((FIELD, word))
        if occurrences:
            scored.append((model.score(weight, occurrences, total), word))
    if not scored:
        return []
    most = max(score for score, _ in scored)
    ranked = sorted(((score / most, word) for score, word in scored), key=lambda item: (-item[0], item[1]))
    return [(word, score) for score, word in ranked[:number]]


def similar_to(snapshot, terms: list[tuple[str, float]], article_id: str, limit: int,
               stats: Optional[CorpusStats]) -> Execution:
    """Whoosh's more_like search (an Or of the weighted words, the article
    left out), evaluated as every query is (evaluate.py): its sums run in the
    query's order, whatever the segments, so shards add up as one index."""
    searcher = snapshot.searcher
    query = wq.Or([wq.Term(FIELD, word, boost=weight) for word, weight in terms])
    docnum = searcher.document_number(id=article_id)
    snapshot.given_stats = stats
    with scoring_with(searcher, stats) as snapshot.searcher:
        best = [(d, score) for d, score in snapshot.evaluate(query).top(limit + 1) if d != docnum][:limit]
    page: list[tuple[Article, Optional[float]]] = [(to_article(searcher.stored_fields(d)), s) for d, s in best]
    return Execution(total=len(page), page=page, order=[-score for _, score in best])


def similar(snapshot, article_id: str, limit: int) -> Optional[list[tuple[Article, Optional[float]]]]:
    """One index's more-like-this (None: no such article)."""
    searcher = snapshot.searcher
    weights = similar_words(searcher, article_id)
    if weights is None:
        return None
    stats = word_stats(searcher, sorted(weights))
    return similar_to(snapshot, key_terms(weights, stats), article_id, limit, None).page
