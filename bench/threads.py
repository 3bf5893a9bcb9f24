"""Segments on threads against one thread, the same queries, one run.

    python bench/threads.py INDEX [--spec FILE] [--rounds 3] [--threads 2]

bench/query.py's query mix (as bench/scale.py picks it; ``--spec`` reuses a
saved one) through ``Archive.search``: each instance is run with the array
evaluator on one thread and on ``--threads`` threads, alternately, so that
the machine's noise falls on both. Prints p50 per kind for each and the
ratio, then the ratio by how long the query takes on one thread, which is
what a threshold for threads would be chosen from. Both must give the same
totals (checked).
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import median, percentile  # noqa: E402

warnings.simplefilter("ignore", SyntaxWarning)
BANDS = (2, 10, 50, 200, float("inf"))  # ms on one thread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index", type=Path)
    parser.add_argument("--spec", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import query as qbench
    from scale import pick

    spec, _ = pick(args.index.resolve(), args.spec)
    engine = qbench._Ours(args.index.resolve(), spec)
    evaluator = engine.archive._backend.searching.evaluator
    times: dict[str, dict[int, list[float]]] = {}
    pairs: list[tuple[float, float]] = []
    for kind, queries in spec["kinds"].items():
        times[kind] = {1: [], args.threads: []}
        for q in queries:
            totals = {}
            for threads in (1, args.threads):  # warm-up, and the totals must agree
                evaluator.threads = threads
                totals[threads] = engine.run(q)
            if len(set(totals.values())) != 1:
                raise SystemExit(f"{q['ours']!r}: totals differ by threads: {totals}")
            per = {1: [], args.threads: []}
            for _ in range(args.rounds):
                for threads in (1, args.threads):
                    evaluator.threads = threads
                    start = time.perf_counter()
                    engine.run(q)
                    per[threads].append((time.perf_counter() - start) * 1000)
            for threads, values in per.items():
                times[kind][threads] += values
            pairs.append((median(per[1]), median(per[args.threads])))
    n = args.threads
    print(f"# {args.index}: segments on {n} threads against 1, {args.rounds} rounds, ms\n")
    print(f"| kind | p50 1 thread | p50 {n} threads | ratio | p95 1 thread | p95 {n} threads |")
    print("|---|--:|--:|--:|--:|--:|")
    for kind, by in times.items():
        one, many = by[1], by[n]
        print(f"| {qbench.LABELS[kind]} | {percentile(one, 0.5):.1f} | {percentile(many, 0.5):.1f} "
              f"| {percentile(one, 0.5) / percentile(many, 0.5):.2f} | {percentile(one, 0.95):.1f} "
              f"| {percentile(many, 0.95):.1f} |")
    print(f"\n| one thread takes | queries | median speed-up on {n} threads |")
    print("|---|--:|--:|")
    low = 0.0
    for high in BANDS:
        band = [one / many for one, many in pairs if low <= one < high and many > 0]
        if band:
            print(f"| {low:g}-{high:g} ms | {len(band)} | {median(band):.2f} |")
        low = high


if __name__ == "__main__":
    main()
