"""What the largest queries the parser allows cost, against a one-word query.

    python bench/query_limits.py INDEX [--rounds 3] [--sizes 100,200,500,1000]

For each query shape (AND, OR, a phrase, a NEAR/3 chain) and size (words),
times ``Archive.search`` (median of ``--rounds``) with distinct words taken
from the index's own text, and prints the ratio to a one-word query's
time. Sizes past the parser's limits (MAX_CLAUSES, MAX_NEAR_CHAIN) are
measured with the limits lifted, to show what the limits keep out. Used
to choose them (bench/README.md "Query size limits").
"""
from __future__ import annotations

import argparse
import re
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import median  # noqa: E402

warnings.simplefilter("ignore", SyntaxWarning)


def _words(archive, count: int) -> list[str]:
    """Distinct words of the archive's text, in the order its articles use them."""
    found: dict[str, None] = {}
    for hit in archive.iter_hits("", sort="date", batch=500):
        for word in re.findall(r"[a-z]{4,}", archive.get(hit.id).body.lower()):
            found.setdefault(word, None)
        if len(found) >= count:
            break
    return list(found)[:count]


def _query(shape: str, words: list[str]) -> str:
    if shape == "phrase":
        return '"' + " ".join(words) + '"'
    return {"and": " AND ", "or": " OR ", "near": " NEAR/3 "}[shape].join(words)


def _time(archive, query: str, rounds: int) -> tuple[float, int]:
    times, total = [], 0
    for _ in range(rounds):
        start = time.perf_counter()
        total = archive.search(query, limit=10).total
        times.append(time.perf_counter() - start)
    return median(times) * 1000, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default="10,100,200,500,1000")
    args = parser.parse_args()

    from searcher import Archive
    from searcher.query import parser as query_parser

    sizes = [int(size) for size in args.sizes.split(",")]
    query_parser.MAX_CLAUSES = query_parser.MAX_NEAR_CHAIN = max(sizes) + 1  # measured past the limits
    archive = Archive.open(args.index, processes=False)
    words = _words(archive, max(sizes))
    one, _ = _time(archive, words[0], args.rounds)
    print(f"{args.index}: {archive.stats().articles:,} articles; one word: {one:.2f} ms (median of {args.rounds})")
    print(f"{'shape':<7} {'words':>6} {'ms':>9} {'x one word':>11} {'total':>7}")
    for shape in ("and", "or", "phrase", "near"):
        for size in sizes:
            took, total = _time(archive, _query(shape, words[:size]), args.rounds)
            print(f"{shape:<7} {size:>6} {took:9.1f} {took / one:11.0f} {total:>7}")
    archive.close()


if __name__ == "__main__":
    main()
