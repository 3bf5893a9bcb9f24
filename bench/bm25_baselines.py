"""The baselines bench/relevance.py compares with: plain BM25 (bm25s, Lucene's
formula) and BM25 + RM3 over it, on lower-case, Porter-stemmed ``\\w+``
tokens with no stop words (RM3 leaves Lucene's 33 English stop words out of
its expansion words, as Anserini's RM3 over its stopped index has none)."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from ir_metrics import LIMIT, Run

# Lucene's EnglishAnalyzer stop set (33 words).
LUCENE_STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then there these they "
    "this to was will with".split())


def porter_tokens(text: str) -> list[str]:
    from searcher.engine.whoosh.stemming import porter_stem  # the published algorithm (Whoosh's is not)

    return [porter_stem(word) for word in re.findall(r"\w+", text.lower())]


def bm25_baseline(docs: Path, queries: list[tuple[str, str]], k1: float = 1.2, b: float = 0.75,
                  query_stops: frozenset[str] = frozenset()) -> Run:
    """bm25s (method "lucene") over lower-case, Porter-stemmed \\w+ tokens, no stop words
    (``query_stops``: words left out of the queries only, before stemming)."""
    import bm25s

    records = [json.loads(line) for line in docs.read_text(encoding="utf-8").splitlines() if line.strip()]
    ids = [str(r["id"]) for r in records]
    retriever = bm25s.BM25(k1=k1, b=b)
    retriever.index([porter_tokens(f"{r.get('title', '')}\n{r.get('body', '')}") for r in records],
                    show_progress=False)
    vocab = retriever.vocab_dict
    run: Run = {}
    for qid, text in queries:
        words = " ".join(w for w in re.findall(r"\w+", text.lower()) if w not in query_stops)
        tokens = [vocab[t] for t in porter_tokens(words) if t in vocab]
        scores = retriever.get_scores(tokens) if tokens else [0.0] * len(ids)
        order = sorted((i for i, s in enumerate(scores) if s > 0), key=lambda i: (-scores[i], i))
        run[qid] = [ids[i] for i in order[:LIMIT]]
    return run


class BM25Index:
    """bm25s over the documents' stemmed tokens, with the tokens kept for RM3."""

    def __init__(self, docs: Path, k1: float = 1.2, b: float = 0.75):
        import bm25s

        records = [json.loads(line) for line in docs.read_text(encoding="utf-8").splitlines() if line.strip()]
        self.ids = [str(r["id"]) for r in records]
        self.tokens = [porter_tokens(f"{r.get('title', '')}\n{r.get('body', '')}") for r in records]
        self.retriever = bm25s.BM25(k1=k1, b=b)
        self.retriever.index(self.tokens, show_progress=False)
        self.vocab = self.retriever.vocab_dict

    def scores(self, weights: dict[str, float]):
        """sum of weight x BM25 of each (stemmed) word, every document."""
        import numpy as np

        total = np.zeros(len(self.ids))
        for word, weight in weights.items():
            if word in self.vocab:
                total += weight * np.asarray(self.retriever.get_scores([self.vocab[word]]))
        return total

    def ranked(self, scores) -> list[str]:
        order = sorted((i for i, s in enumerate(scores) if s > 0), key=lambda i: (-scores[i], i))
        return [self.ids[i] for i in order[:LIMIT]]


def bm25_rm3_baseline(docs: Path, queries: list[tuple[str, str]], fb_docs: int = 10, fb_terms: int = 10,
                      original_weight: float = 0.5) -> Run:
    """BM25 + RM3 as Anserini runs it (its defaults: 10 documents, 10 words,
    weight 0.5): the first round's top documents give RM1 word weights
    (score x tf / |D|, the best ``fb_terms`` normalised), the new query is
    original_weight x the query (1/n a word) + (1 - original_weight) x RM1,
    and it is searched again (new documents may come in)."""
    index = BM25Index(docs)
    run: Run = {}
    for qid, text in queries:
        words = porter_tokens(text)
        query = {w: c / len(words) for w, c in Counter(words).items()} if words else {}
        first = index.scores(query)
        top = [i for i in sorted(range(len(first)), key=lambda i: (-first[i], i))[:fb_docs] if first[i] > 0]
        model: Counter = Counter()
        for i in top:
            counts = Counter(t for t in index.tokens[i] if t not in LUCENE_STOP_WORDS)
            length = sum(counts.values()) or 1
            for word, tf in counts.items():
                model[word] += first[i] * tf / length
        best = dict(model.most_common(fb_terms))
        norm = sum(best.values()) or 1.0
        expanded = Counter({w: original_weight * v for w, v in query.items()})
        for word, weight in best.items():
            expanded[word] += (1 - original_weight) * weight / norm
        run[qid] = index.ranked(index.scores(expanded))
    return run
