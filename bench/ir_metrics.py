"""Effectiveness measures for bench/relevance.py (trec_eval's definitions),
the paired significance test and cross-validation over a parameter grid."""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Callable, Hashable, Iterable

LIMIT = 1000
Run = dict[str, list[str]]  # query id -> doc ids, best first
Qrels = dict[str, dict[str, int]]  # query id -> doc id -> relevance grade


def average_precision(ranking: list[str], rels: dict[str, int]) -> float:
    relevant = sum(1 for grade in rels.values() if grade > 0)
    if not relevant:
        return 0.0
    found, total = 0, 0.0
    for rank, doc in enumerate(ranking, 1):
        if rels.get(doc, 0) > 0:
            found += 1
            total += found / rank
    return total / relevant


def ndcg_at(ranking: list[str], rels: dict[str, int], k: int = 10) -> float:
    """Gain = grade, discount log2(rank + 1) (trec_eval ndcg_cut)."""
    dcg = sum(rels.get(doc, 0) / math.log2(rank + 1) for rank, doc in enumerate(ranking[:k], 1))
    ideal = sorted((g for g in rels.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 1) for rank, g in enumerate(ideal, 1))
    return dcg / idcg if idcg else 0.0


def precision_at(ranking: list[str], rels: dict[str, int], k: int = 10) -> float:
    return sum(1 for doc in ranking[:k] if rels.get(doc, 0) > 0) / k


def recall_at(ranking: list[str], rels: dict[str, int], k: int = 100) -> float:
    relevant = sum(1 for grade in rels.values() if grade > 0)
    return sum(1 for doc in ranking[:k] if rels.get(doc, 0) > 0) / relevant if relevant else 0.0


METRICS: dict[str, Callable[[list[str], dict[str, int]], float]] = {
    "MAP": average_precision, "nDCG@10": ndcg_at, "P@10": precision_at, "R@100": recall_at,
}


def per_query(run: Run, qrels: Qrels, metric: str = "MAP") -> dict[str, float]:
    return {qid: METRICS[metric](run.get(qid, [])[:LIMIT], rels) for qid, rels in qrels.items()}


def evaluate(run: Run, qrels: Qrels) -> dict[str, float]:
    """Mean of each metric over every query that has judgements (a query
    missing from the run counts 0, as trec_eval -c)."""
    return {name: statistics.fmean(per_query(run, qrels, name).values()) for name in METRICS}


def randomization_p(a: dict[str, float], b: dict[str, float], trials: int = 20000, seed: int = 7) -> float:
    """Two-sided paired randomization test of mean(a - b): random sign flips."""
    import numpy as np

    diffs = np.array([a[q] - b[q] for q in sorted(a)])
    if not diffs.any():
        return 1.0
    signs = np.random.default_rng(seed).choice((-1.0, 1.0), size=(trials, len(diffs)))
    extreme = np.abs((signs * diffs).mean(axis=1)) >= abs(diffs.mean()) - 1e-12
    return (extreme.sum() + 1) / (trials + 1)



def cross_validated(grid: dict[Hashable, "Row"], qids: list[str], metric: str = "ap") -> tuple[dict[str, float], list]:
    """Two folds (alternate queries, in id order): pick the grid's best
    setting on one fold, score the other with it. The per-query scores so
    chosen (every query scored by a setting picked without it) and the
    two picks."""
    folds = [qids[0::2], qids[1::2]]
    chosen: dict[str, float] = {}
    picks = []
    for train, test in (folds, folds[::-1]):
        best = max(grid, key=lambda key: statistics.fmean(getattr(grid[key], metric)[q] for q in train))
        picks.append(best)
        chosen.update({q: getattr(grid[best], metric)[q] for q in test})
    return chosen, picks




@dataclass
class Row:
    name: str
    run: Run
    scores: dict[str, float] = field(default_factory=dict)
    ap: dict[str, float] = field(default_factory=dict)
    ndcg: dict[str, float] = field(default_factory=dict)


def scored(name: str, run: Run, qrels: Qrels) -> Row:
    return Row(name, run, evaluate(run, qrels), per_query(run, qrels, "MAP"), per_query(run, qrels, "nDCG@10"))


def figure(x: float) -> str:
    return f"{x:.4f}"


def delta(x: float) -> str:
    return f"{x:+.4f}"


def p_text(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def markdown(header: list[str], rows: Iterable[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
