"""Near-copies (issue 16): pairwise precision and recall of our signatures
on a labelled set of syndicated copies (bench/nearcopies_set.py), by
measure and threshold, and what a signature costs next to indexing.

    python bench/nearcopies.py [--seed 1] [--per-topic 40]

Candidates come from the banding an index's groups use
(searcher/nearcopies.py: datasketch's optimal bands for a 0.3 resemblance,
the same candidates as its MinHashLSH); each candidate pair is then decided
by the estimated resemblance or containment. "exact" rows decide by the
shingle sets themselves: the measure's own error, without MinHash's.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from nearcopies_set import Item, labelled_set  # noqa: E402

from searcher import nearcopies as nc  # noqa: E402

CANDIDATES = 0.3  # the resemblance the bands are laid out for (nc.BANDS, nc.ROWS)
THRESHOLDS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


def candidate_pairs(signatures: dict[str, nc.Signature]) -> set[tuple[str, str]]:
    keys = list(signatures)
    hashes = np.stack([signatures[key].hashes for key in keys])
    found = nc.candidate_pairs(hashes, np.array([signatures[key].size for key in keys]))
    return {(min(keys[a], keys[b]), max(keys[a], keys[b]))
            for a, b in zip(found.first.tolist(), found.second.tolist())}


def positives(items: list[Item]) -> set[tuple[str, str]]:
    families: dict[str, list[str]] = {}
    for item in items:
        families.setdefault(item.family, []).append(item.id)
    return {(min(a, b), max(a, b)) for ids in families.values() for i, a in enumerate(ids) for b in ids[i + 1:]}


def scores(pairs, signatures, grams) -> dict[str, dict[tuple[str, str], float]]:
    out: dict[str, dict[tuple[str, str], float]] = {name: {} for name in
                                                    ("resemblance", "containment", "exact resemblance",
                                                     "exact containment")}
    for a, b in pairs:
        sa, sb = signatures[a], signatures[b]
        out["resemblance"][(a, b)] = sa.resemblance(sb)
        out["containment"][(a, b)] = sa.containment(sb)
        common = len(grams[a] & grams[b])
        out["exact resemblance"][(a, b)] = common / len(grams[a] | grams[b])
        out["exact containment"][(a, b)] = common / min(len(grams[a]), len(grams[b]))
    return out


def groups(pairs: set[tuple[str, str]], keys: list[str]) -> set[tuple[str, str]]:
    """The pairs within the connected groups ``pairs`` link (single link)."""
    parent = {key: key for key in keys}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for a, b in pairs:
        parent[root(a)] = root(b)
    members: dict[str, list[str]] = {}
    for key in keys:
        members.setdefault(root(key), []).append(key)
    return {(min(a, b), max(a, b)) for ids in members.values() for i, a in enumerate(ids) for b in ids[i + 1:]}


def prf(predicted: set, truth: set) -> tuple[float, float]:
    hit = len(predicted & truth)
    return (hit / len(predicted) if predicted else 1.0), hit / len(truth)


def index_seconds(items: list[Item], folder: Path) -> float:
    from searcher import Archive

    docs = folder / "items.jsonl"
    with docs.open("w", encoding="utf-8") as out:
        for item in items:
            out.write(json.dumps({"id": item.id, "title": item.title, "body": item.body}) + "\n")
    start = time.perf_counter()
    with Archive.create(folder / "ix") as archive:
        archive.add([docs])
    return time.perf_counter() - start


def evaluate(items: list[Item], size: int) -> float:
    """Print the tables for one shingle size; the seconds the signatures took."""
    start = time.perf_counter()
    signatures = {item.id: nc.signature(item.body, size) for item in items}
    signing = time.perf_counter() - start
    missing = [key for key, sig in signatures.items() if sig is None]
    assert not missing, f"no signature: {missing[:5]}"
    grams = {item.id: set(nc.shingle_hashes(nc.word_hashes(item.body), size).tolist()) for item in items}
    truth = positives(items)
    pairs = candidate_pairs(signatures)
    print(f"{len(items)} articles, {len(truth)} copy pairs; LSH ({CANDIDATES}) candidates {len(pairs)}, "
          f"holding {len(pairs & truth) / len(truth):.4f} of the copy pairs")
    measured = scores(pairs | truth, signatures, grams)
    print("\n| measure | " + " | ".join(f"{t:.2f}" for t in THRESHOLDS) + " |")
    print("| --- |" + " --- |" * len(THRESHOLDS))
    for name, values in measured.items():
        cells = []
        for threshold in THRESHOLDS:
            considered = values if name.startswith("exact") else {p: v for p, v in values.items() if p in pairs}
            precision, recall = prf({p for p, v in considered.items() if v >= threshold}, truth)
            cells.append(f"P {precision:.3f} R {recall:.3f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\nGroups (single link over the decided pairs), pairs within a group:\n")
    by_id = {item.id: item for item in items}
    for name in ("resemblance", "containment"):
        for threshold in (0.7, 0.8, 0.9):
            decided = {p for p, v in measured[name].items() if p in pairs and v >= threshold}
            precision, recall = prf(groups(decided, list(signatures)), truth)
            missed = Counter(edit for a, b in truth - decided for edit in by_id[max(a, b)].edits if edit != "headline")
            print(f"- {name} >= {threshold}: P {precision:.4f} R {recall:.4f}; missed pairs' edits "
                  f"{dict(missed.most_common())}")
    return signing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-topic", type=int, default=40)
    parser.add_argument("--shingles", default=str(nc.SHINGLE), help="shingle sizes to compare, e.g. 3,4,5")
    args = parser.parse_args()
    started = time.perf_counter()
    items, facts = labelled_set(args.seed, args.per_topic)
    print(f"labelled set (seed {args.seed}): {json.dumps(facts)}; built in {time.perf_counter() - started:.0f} s")
    for size in (int(n) for n in args.shingles.split(",")):
        print(f"\n## {size}-word shingles\n")
        signing = evaluate(items, size)
    with tempfile.TemporaryDirectory() as tmp:
        indexing = index_seconds(items, Path(tmp))
    print(f"\nsignatures: {len(items)} in {signing:.2f} s = {len(items) / signing:,.0f}/s "
          f"({signing / len(items) * 1000:.2f} ms each); indexing the same articles (Archive.add of "
          f"JSONL): {indexing:.1f} s = {len(items) / indexing:,.0f}/s; signatures / indexing = "
          f"{signing / indexing:.3f}")
    print(f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
