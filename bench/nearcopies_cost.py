"""What near-copy groups cost (issue 16): indexing with signatures against
indexing without them, the same files in one run, rounds alternating.

    python bench/nearcopies_cost.py PATH... [--rounds 3] [--jobs N]

The baseline is this code with the signature step switched off
(``documents.nearcopies.signature`` returning None), so the ratio is the
signatures' share and nothing else.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from searcher import Archive
from searcher.engine.whoosh import documents


@contextmanager
def unsigned() -> Iterator[None]:
    real = documents.nearcopies.signature
    documents.nearcopies.signature = lambda text, size=0: None  # type: ignore[assignment]
    try:
        yield
    finally:
        documents.nearcopies.signature = real  # type: ignore[assignment]


def index_seconds(paths: list[str], folder: Path, jobs: int | None) -> tuple[float, int]:
    start = time.perf_counter()
    with Archive.create(folder) as archive:
        report = archive.add(paths, jobs=jobs)
    return time.perf_counter() - start, report.total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"signed": [], "unsigned": []}
    articles = 0
    with tempfile.TemporaryDirectory() as tmp:
        for round_number in range(args.rounds):
            order = ("signed", "unsigned") if round_number % 2 == 0 else ("unsigned", "signed")
            for name in order:
                folder = Path(tmp) / f"{name}{round_number}"
                if name == "signed":
                    seconds, articles = index_seconds(args.paths, folder, args.jobs)
                else:
                    with unsigned():
                        seconds, articles = index_seconds(args.paths, folder, args.jobs)
                times[name].append(seconds)
                print(f"round {round_number + 1} {name}: {seconds:.1f} s", flush=True)
    signed, plain = statistics.median(times["signed"]), statistics.median(times["unsigned"])
    print(f"\n{articles} articles; median of {args.rounds}: with signatures {signed:.1f} s "
          f"({articles / signed:,.0f}/s), without {plain:.1f} s ({articles / plain:,.0f}/s); "
          f"ratio {signed / plain:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
