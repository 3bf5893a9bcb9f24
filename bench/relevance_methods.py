"""Issue 15's sections of bench/relevance.py: BM25F against BM25 per field,
then term proximity and RM3 feedback on top of BM25F, each with its parameters chosen by 2-fold cross-validation,
against plain BM25 and BM25 + RM3, on TIME and on the Reuters topic set.

Every method's figure is its cross-validated one: each query is scored with
the setting picked on the other fold (ir_metrics.cross_validated), so no
query's score comes from parameters chosen on it.
"""
from __future__ import annotations

import itertools
import statistics
from dataclasses import replace
from typing import Callable

from bm25_baselines import bm25_baseline, bm25_rm3_baseline
from ir_metrics import METRICS, Row, cross_validated, delta, figure, markdown, p_text, randomization_p, scored

PROXIMITY_GRID = list(itertools.product((1, 3, 8, 20), (0.1, 0.3, 1.0)))  # slop, weight
FEEDBACK_GRID = list(itertools.product((3, 5, 10, 20), (10, 20, 40), (0.3, 0.5, 0.7)))  # docs, terms, weight


def cv_row(name: str, grid: dict, qids: list[str], qrels) -> tuple[Row, list]:
    """A Row whose per-query AP and nDCG@10 are the cross-validated ones."""
    ap, picks = cross_validated(grid, qids, "ap")
    ndcg, _ = cross_validated(grid, qids, "ndcg")
    row = Row(name, {}, {"MAP": statistics.fmean(ap.values()), "nDCG@10": statistics.fmean(ndcg.values())},
              ap, ndcg)
    return row, picks


def compare(rows: list[Row], base: Row, strong: Row, trials: int) -> str:
    header = ["system", "MAP", "nDCG@10", "x BM25 MAP", "p (AP) vs BM25", "p (nDCG) vs BM25",
              "MAP - BM25+RM3", "p (AP) vs BM25+RM3"]
    return markdown(header, [
        [row.name, figure(row.scores["MAP"]), figure(row.scores["nDCG@10"]),
         f"{row.scores['MAP'] / base.scores['MAP']:.3f}", p_text(randomization_p(row.ap, base.ap, trials)),
         p_text(randomization_p(row.ndcg, base.ndcg, trials)), delta(row.scores["MAP"] - strong.scores["MAP"]),
         p_text(randomization_p(row.ap, strong.ap, trials))] for row in rows])


def methods(say: Callable[[str], None], title: str, ours: Callable, config, docs, queries, qrels,
            trials: int) -> tuple[Row, dict]:
    """Proximity and feedback, one at a time and together, on one collection.
    ``ours(config)`` scores our search with a bench Config; ``config`` is the default's.
    Gives plain BM25's Row and the RM3-over-the-default grid, for ``pooled``."""
    from searcher.query.feedback import Feedback
    from searcher.query.proximity import Proximity

    qids = sorted(qrels, key=int)
    base = scored("BM25 (bm25s k1=1.2 b=0.75)", bm25_baseline(docs, queries), qrels)
    strong = scored("BM25 + RM3 (10 docs, 10 words, 0.5)", bm25_rm3_baseline(docs, queries), qrels)
    strong_grid = {key: scored("", bm25_rm3_baseline(docs, queries, *key), qrels) for key in FEEDBACK_GRID}
    strong_cv, strong_picks = cv_row("BM25 + RM3, cross-validated", strong_grid, qids, qrels)
    per_field = ours(replace(config, name="ours before: BM25 per field, summed (Whoosh's BM25F)",
                             proximity=None, feedback=None, combine_fields=False))
    per_field_prox = ours(replace(config, name="ours before + proximity", combine_fields=False))
    bm25f = ours(replace(config, name="ours: BM25F only", proximity=None, feedback=None))
    now = ours(replace(config, name="ours now (default)"))
    proximity = {key: ours(replace(config, name=f"prox {key}", proximity=Proximity(*key), feedback=None))
                 for key in PROXIMITY_GRID}
    prox_cv, prox_picks = cv_row("ours: BM25F + proximity, cross-validated", proximity, qids, qrels)
    feedback = {key: ours(replace(config, name=f"fb {key}", proximity=None, feedback=Feedback(*key)))
                for key in FEEDBACK_GRID}
    fb_cv, fb_picks = cv_row("ours: BM25F + RM3, cross-validated", feedback, qids, qrels)
    both = {key: ours(replace(config, name=f"prox + fb {key}", feedback=Feedback(*key))) for key in FEEDBACK_GRID}
    both_cv, both_picks = cv_row("ours now + RM3, cross-validated", both, qids, qrels)

    say(f"\n## {title}: BM25F, proximity and RM3 against BM25 and BM25 + RM3\n")
    say(f"{len(qids)} queries; 2-fold cross-validation (alternate query ids). Picks (fold 1, fold 2): "
        f"proximity (slop, weight) {prox_picks}; RM3 (docs, words, weight) {fb_picks}; "
        f"RM3 over proximity {both_picks}; BM25 + RM3 {strong_picks}.\n")
    rows = [per_field, per_field_prox, bm25f, now, prox_cv, fb_cv, both_cv, base, strong, strong_cv]
    say(compare(rows, base, strong, trials))
    say("\nProximity grid, MAP (all queries, not cross-validated), slop x weight:\n")
    weights = sorted({w for _, w in PROXIMITY_GRID})
    say(markdown(["slop \\ weight"] + [str(w) for w in weights],
                 [[str(slop)] + [figure(proximity[slop, w].scores["MAP"]) for w in weights]
                  for slop in sorted({s for s, _ in PROXIMITY_GRID})]))
    say(f"\n(BM25F only: MAP {figure(bm25f.scores['MAP'])}; every figure's metrics: {', '.join(METRICS)})")
    return base, both


def _ratio(row: Row, base: Row, ids: list[str]) -> float:
    return statistics.fmean(row.ap[q] for q in ids) / statistics.fmean(base.ap[q] for q in ids)


def pooled(say: Callable[[str], None], collections: dict[str, tuple[Row, dict]], trials: int) -> None:
    """RM3 over the default with one setting for every collection: picked by
    the mean over collections of MAP / BM25 MAP, cross-validated by 2 folds
    that each hold alternate queries of every collection, and each
    collection's pick tried on the other (``collections``: name -> (BM25's
    Row, grid) as ``methods`` gives them)."""
    names = list(collections)
    qids = {name: sorted(base.ap, key=int) for name, (base, _) in collections.items()}
    grid = list(next(iter(collections.values()))[1])

    def mean_ratio(key, chosen: dict[str, list[str]]) -> float:
        return statistics.fmean(_ratio(collections[n][1][key], collections[n][0], chosen[n]) for n in names)

    best = max(grid, key=lambda key: mean_ratio(key, qids))
    cv: dict[str, tuple[dict, dict]] = {name: ({}, {}) for name in names}
    picks = []
    for fold in (0, 1):
        pick = max(grid, key=lambda key: mean_ratio(key, {n: qids[n][1 - fold::2] for n in names}))
        picks.append(pick)
        for n in names:
            row = collections[n][1][pick]
            for q in qids[n][fold::2]:
                cv[n][0][q], cv[n][1][q] = row.ap[q], row.ndcg[q]
    say("\n## RM3 over the default, one setting for both collections\n")
    say(f"Pooled pick (mean of MAP / BM25 MAP): {best}; pooled 2-fold picks {picks}.\n")
    rows = []
    for n in names:
        base, cells = collections[n]
        ap, ndcg = cv[n]
        others = [o for o in names if o != n]
        own = max(grid, key=lambda key: statistics.fmean(cells[key].ap.values()))
        rows.append([n, f"{_ratio(cells[best], base, qids[n]):.3f}",
                     f"{statistics.fmean(ap.values()) / statistics.fmean(base.ap.values()):.3f}",
                     p_text(randomization_p(ap, base.ap, trials)), figure(statistics.fmean(ndcg.values())),
                     figure(statistics.fmean(base.ndcg.values())), str(own),
                     ", ".join(f"{o} {_ratio(collections[o][1][own], collections[o][0], qids[o]):.3f}"
                               for o in others)])
    say(markdown(["collection", "x BM25 MAP, pooled pick", "x BM25 MAP, pooled CV", "p (AP)", "nDCG@10, CV",
                  "BM25 nDCG@10", "own best", "own best elsewhere"], rows))
