"""One index against sharded archives of the same articles (issue 14).

    python bench/shards.py CORPUS WORK [--shards 2,4] [--rounds 3] [--no-cluster] [--no-build]

Builds (unless present) WORK/one with ``searcher index`` and WORK/shards-N
with ``searcher index --shards N``, timing each (articles/s); then runs
bench/query.py's query mix (instances picked from WORK/one's stored
articles, the same for every configuration) on:

- ``one``: the single index;
- ``N proc``: N shards, each in a process of its own (the default);
- ``N here``: N shards read one after the other in this process;
- ``N dask``: N shards on a LocalCluster of 2 workers (1 thread each) on
  loopback, through ``Archive.connect``.

Per kind p50 / p95 (ms) and the ratio to ``one`` at p50; every
configuration's totals are checked equal to ``one``'s. Last, the cluster's
round trip: ``len(archive)`` (one call to every shard, nothing to compute)
on the cluster against in-process, median of 200.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import query as qbench  # noqa: E402
from common import median, percentile  # noqa: E402

ROUND_TRIPS = 200


def build(corpus: Path, target: Path, shards: int | None) -> float | None:
    """Index ``corpus`` into ``target`` (when absent); the seconds it took, or None when it existed."""
    if target.exists():
        return None
    command = [sys.executable, "-m", "searcher", "index", str(corpus), "--index", str(target), "-q"]
    if shards:
        command += ["--shards", str(shards)]
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


class Engine:
    def __init__(self, archive):
        self.archive = archive

    def run(self, q: dict) -> int:
        result = self.archive.search(q["ours"], limit=qbench.LIMIT, sort="-date" if q.get("sort") else "relevance",
                                     facets=qbench.FACETS if q.get("facets") else ())
        return result.total


def measure(archive, kinds: dict, rounds: int) -> tuple[dict, dict]:
    totals, _, times = qbench.time_kinds(Engine(archive), kinds, rounds)
    return totals, times


def round_trip(archive) -> float:
    len(archive)
    samples = []
    for _ in range(ROUND_TRIPS):
        start = time.perf_counter()
        len(archive)
        samples.append((time.perf_counter() - start) * 1000)
    return median(samples)


def report(results: dict, kinds: dict) -> None:
    names = list(results)
    print("\n| kind | n | " + " | ".join(f"{n} p50 / p95" for n in names) + " | "
          + " | ".join(f"{n}/one" for n in names[1:]) + " |")
    print("|---|--:|" + "--:|" * (2 * len(names) - 1))
    for kind in list(kinds) + ["all kinds"]:
        def values(name: str, kind: str = kind) -> list[float]:
            times = results[name]["times"]
            return [v for k in kinds for v in times[k]] if kind == "all kinds" else times[kind]
        cells = [f"{percentile(values(n), 0.5):.1f} / {percentile(values(n), 0.95):.1f}" for n in names]
        one = percentile(values("one"), 0.5)
        ratios = [f"{percentile(values(n), 0.5) / one:.2f}x" for n in names[1:]]
        count = sum(len(v) for v in kinds.values()) if kind == "all kinds" else len(kinds[kind])
        print(f"| {kind} | {count} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("work", type=Path)
    parser.add_argument("--shards", default="2,4")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-cluster", action="store_true")
    parser.add_argument("--no-build", action="store_true", help="use the indexes in WORK as they are")
    args = parser.parse_args()
    counts = [int(c) for c in args.shards.split(",")]
    args.work.mkdir(parents=True, exist_ok=True)

    from searcher import Archive

    folders = {"one": args.work / "one", **{n: args.work / f"shards-{n}" for n in counts}}
    if not args.no_build:
        for key, folder in folders.items():
            seconds = build(args.corpus, folder, None if key == "one" else key)
            if seconds is not None:
                with Archive.open(folder) as archive:
                    articles = len(archive)
                print(f"indexing {key}: {articles:,} articles in {seconds:.1f} s = {articles / seconds:,.0f}/s",
                      flush=True)
    spec_path = args.work / "spec.json"
    if spec_path.exists():
        spec = json.loads(spec_path.read_text())
    else:
        spec = qbench.pick_queries(folders["one"])
        spec_path.write_text(json.dumps(spec, default=str))
    kinds = spec["kinds"]

    results: dict[str, dict] = {}
    with Archive.open(folders["one"]) as one:
        totals, times = measure(one, kinds, args.rounds)
        results["one"] = {"times": times}
        local_trip = round_trip(one)
    expected = totals
    for count in counts:
        for label, processes in ((f"{count} proc", True), (f"{count} here", False)):
            with Archive.open(folders[count], processes=processes) as archive:
                got, times = measure(archive, kinds, args.rounds)
                results[label] = {"times": times, "trip": round_trip(archive)}
            assert got == expected, f"{label}: totals differ from one index's"
    if not args.no_cluster:
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster, Client(cluster) as client:
            for count in counts:
                with Archive.connect(client, folders[count]) as archive:
                    got, times = measure(archive, kinds, args.rounds)
                    results[f"{count} dask"] = {"times": times, "trip": round_trip(archive)}
                assert got == expected, f"{count} dask: totals differ from one index's"
    report(results, kinds)
    print(f"\nround trip (len(archive), median of {ROUND_TRIPS}): one {local_trip:.3f} ms; "
          + "; ".join(f"{name} {r['trip']:.3f} ms" for name, r in results.items() if "trip" in r))


if __name__ == "__main__":
    main()
