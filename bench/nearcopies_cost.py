"""What near-copy groups cost (issue 16): indexing with signatures against
indexing without them, the same files in one run, rounds alternating;
then, on the index with signatures, making its groups, and searches with
``collapse=True`` against the same searches without.

    python bench/nearcopies_cost.py PATH... [--rounds 3] [--jobs N] [--queries 60]
    python bench/nearcopies_cost.py --index DIR [--queries 60]   (an index made already: groups and searches)

The indexing baseline is this code with the signature step switched off
(``searcher.nearcopies.signature`` and ``signatures`` returning None), so the ratio is the
signatures' share and nothing else. The queries are words drawn from the
titles (seeded), each searched ``REPEATS`` times both ways, interleaved.
"""
from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from searcher import Archive, nearcopies


@contextmanager
def unsigned() -> Iterator[None]:
    real, batch = nearcopies.signature, nearcopies.signatures
    nearcopies.signature = lambda text, size=0: None  # type: ignore[assignment]
    nearcopies.signatures = lambda texts, size=0: [None] * len(texts)  # type: ignore[assignment]
    try:
        yield
    finally:
        nearcopies.signature, nearcopies.signatures = real, batch  # type: ignore[assignment]


def index_seconds(paths: list[str], folder: Path, jobs: int | None) -> tuple[float, int]:
    start = time.perf_counter()
    with Archive.create(folder) as archive:
        report = archive.add(paths, jobs=jobs)
    return time.perf_counter() - start, report.total


REPEATS = 5


def groups_seconds(index: Path) -> tuple[float, int]:
    """Making the index's near-copy pairs afresh (its saved ones moved away)."""
    from searcher.engine.whoosh.copies import FOLDER, CopyGroups
    from searcher.engine.whoosh.store import open_index

    shutil.rmtree(index / FOLDER, ignore_errors=True)
    ix = open_index(index)
    reader = ix.reader()
    try:
        start = time.perf_counter()
        groups = CopyGroups(reader, index)
        seconds = time.perf_counter() - start
        grouped = len(set(groups.pairs.at(0.7).first.tolist()) | set(groups.pairs.at(0.7).second.tolist()))
    finally:
        reader.close()
        ix.close()
    return seconds, grouped


def query_words(archive: Archive, count: int) -> list[str]:
    titles = [hit.title for hit in archive.search("", since="1900", limit=5000, snippets=False).hits]
    words = sorted({w.lower() for t in titles for w in re.findall(r"[A-Za-z]{4,}", t)})
    return random.Random(1).sample(words, min(count, len(words)))


def search_ratios(index: Path, count: int) -> None:
    with Archive.open(index) as archive:
        words = query_words(archive, count)
        archive.search(words[0], collapse=True)  # the groups loaded once, as an open archive keeps them
        plain_ms, collapsed_ms = [], []
        for word in words:
            times: dict[bool, list[float]] = {False: [], True: []}
            for repeat in range(REPEATS):
                for collapse in ((False, True) if repeat % 2 == 0 else (True, False)):
                    start = time.perf_counter()
                    archive.search(word, limit=10, collapse=collapse)
                    times[collapse].append((time.perf_counter() - start) * 1000)
            plain_ms.append(statistics.median(times[False]))
            collapsed_ms.append(statistics.median(times[True]))
    ratios = [c / p for c, p in zip(collapsed_ms, plain_ms)]
    print(f"{len(words)} one-word searches, median of {REPEATS} each: p50 {statistics.median(plain_ms):.2f} ms "
          f"plain, {statistics.median(collapsed_ms):.2f} ms collapsed; collapsed / plain per query: median "
          f"{statistics.median(ratios):.3f}, p90 {sorted(ratios)[int(0.9 * (len(ratios) - 1))]:.3f}; "
          f"summed {sum(collapsed_ms) / sum(plain_ms):.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--index", type=Path, default=None, help="an index made already")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--queries", type=int, default=60)
    args = parser.parse_args()
    if args.index is not None:
        seconds, grouped = groups_seconds(args.index)
        print(f"groups made in {seconds:.2f} s ({grouped} articles have a copy)")
        search_ratios(args.index, args.queries)
        return 0
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
                    shutil.rmtree(folder)
                times[name].append(seconds)
                print(f"round {round_number + 1} {name}: {seconds:.1f} s", flush=True)
        signed, plain = statistics.median(times["signed"]), statistics.median(times["unsigned"])
        print(f"\n{articles} articles; median of {args.rounds}: with signatures {signed:.1f} s "
              f"({articles / signed:,.0f}/s), without {plain:.1f} s ({articles / plain:,.0f}/s); "
              f"ratio {signed / plain:.3f}")
        last = Path(tmp) / f"signed{args.rounds - 1}"
        seconds, grouped = groups_seconds(last)
        print(f"groups made in {seconds:.2f} s ({grouped} articles have a copy)")
        search_ratios(last, args.queries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
