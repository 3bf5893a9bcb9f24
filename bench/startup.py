"""`searcher search` as a new process, against plain Whoosh (issue 5: <= 300 ms).

    python bench/startup.py [CORPUS] [--runs 9] [--word barrel]
    python bench/startup.py --index DIR [--baseline-index DIR] [--word WORD]

Times, as new processes, in interleaved rounds (one untimed warm-up round):

- ``python -c pass``: the interpreter alone, for scale;
- the baseline: a straightforward Whoosh script (import whoosh, open the
  index, MultifieldParser over title and body, print the total and 10 hits)
  on an index of the same corpus built by bench/index.py's ``index_baseline``;
- ``searcher search WORD --index DIR --format json`` and the same as a table.

Indexes of CORPUS (default Reuters-21578) are shared with bench/query.py
(``.bench-cache/query-*``, built when absent). ``--index`` names one of ours
instead (then the baseline only runs with ``--baseline-index``).

Children run with bytecode cached, as in an installed package: this machine
sets PYTHONDONTWRITEBYTECODE and the tree has no ``__pycache__``, so each
child gets PYTHONPYCACHEPREFIX, a private folder, instead; ``--as-is``
keeps the environment (every run then compiles our modules again).
Printed: median and minimum wall time, median CPU time (user + system, less
sensitive to other load on the machine), and ours against the baseline.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_CORPUS, REPO, median  # noqa: E402

BASELINE = """
import sys
from whoosh import index
from whoosh.qparser import MultifieldParser
ix = index.open_dir(sys.argv[1])
with ix.searcher() as searcher:
    query = MultifieldParser(["title", "body"], ix.schema).parse(sys.argv[2])
    results = searcher.search(query, limit=10)
    print(len(results), "articles")
    for hit in results:
        print(hit["id"], hit.get("date"), hit["title"], round(hit.score, 2))
"""


def measure(commands: dict[str, list[str]], runs: int, env: dict) -> dict[str, tuple[list, list]]:
    """Wall and CPU milliseconds per command; rounds interleave the commands so load drift hits all alike."""
    out: dict[str, tuple[list, list]] = {name: ([], []) for name in commands}
    for round_ in range(runs + 1):
        for name, command in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            proc = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env)
            wall = (time.perf_counter() - start) * 1000
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if proc.returncode != 0:
                raise RuntimeError(f"{' '.join(command)} failed:\n{proc.stderr[-2000:]}")
            if round_:  # round 0 warms the caches (and writes the bytecode)
                out[name][0].append(wall)
                out[name][1].append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--index", type=Path, help="an index of ours to search (instead of CORPUS's)")
    parser.add_argument("--baseline-index", type=Path, help="a baseline index (with --index)")
    parser.add_argument("--word", default="barrel", help="the query (default: barrel)")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--as-is", action="store_true", help="keep PYTHONDONTWRITEBYTECODE as the environment has it")
    args = parser.parse_args()

    if args.index is not None:
        ours, baseline = args.index.resolve(), args.baseline_index.resolve() if args.baseline_index else None
    else:
        from query import CACHE, ensure_indexes

        key = hashlib.sha1(str(args.corpus.resolve()).encode()).hexdigest()[:10]
        folder = CACHE / f"query-{args.corpus.resolve().name}-{key}"
        ours, baseline = folder / "ours", folder / "baseline"
        ensure_indexes(args.corpus, ours, baseline, explicit=False, rebuild=False)

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    pycache = None
    if not args.as_is:
        pycache = tempfile.TemporaryDirectory(prefix="bench-startup-pycache-")
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache.name

    py = sys.executable
    search = [py, "-m", "searcher", "search", args.word, "--index", str(ours)]
    commands = {"python -c pass": [py, "-c", "pass"]}
    if baseline is not None:
        commands["baseline (plain Whoosh script)"] = [py, "-W", "ignore", "-c", BASELINE, str(baseline), args.word]
    commands["searcher search --format json"] = [*search, "--format", "json"]
    commands["searcher search (table)"] = search

    load = os.getloadavg()[0]
    try:
        times = measure(commands, args.runs, env)
    finally:
        if pycache is not None:
            pycache.cleanup()
    base = median(times["baseline (plain Whoosh script)"][0]) if baseline is not None else None

    print(f"query {args.word!r}; ours {ours}" + (f"; baseline {baseline}" if baseline else ""))
    print(f"{args.runs} runs each after a warm-up, bytecode {'as the environment has it' if args.as_is else 'cached'}; "
          f"load average {load:.1f} -> {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)\n")
    print("| command | wall median ms | wall min ms | CPU median ms | / baseline (wall median) |")
    print("|---|--:|--:|--:|--:|")
    for name, (wall, cpu) in times.items():
        ratio = f"{median(wall) / base:.2f}x" if base else ""
        print(f"| {name} | {median(wall):.0f} | {min(wall):.0f} | {median(cpu):.0f} | {ratio} |")


if __name__ == "__main__":
    main()
