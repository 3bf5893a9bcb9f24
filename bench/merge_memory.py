"""Peak memory of one background merge (merge_child) of N segments of an index.

    python bench/merge_memory.py INDEX_DIR N [--largest]

The merge runs on a scratch copy of the index made of hard links (no extra
disk; the merged segment is written there and removed with it). Prints the
merge's wall time and its peak PSS split into anonymous memory and mapped
files (/proc smaps_rollup, Linux).
"""
from __future__ import annotations

import argparse
import os
import pickle
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peak_memory import _rollup  # noqa: E402  (the same /proc smaps_rollup figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index")
    parser.add_argument("count", type=int, help="how many segments to merge")
    parser.add_argument("--largest", action="store_true", help="the largest segments (default: the smallest)")
    args = parser.parse_args()
    scratch = args.index.rstrip("/") + ".merge-scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    try:
        for name in os.listdir(args.index):
            if os.path.isfile(os.path.join(args.index, name)):
                os.link(os.path.join(args.index, name), os.path.join(scratch, name))
        _measure(scratch, args.count, args.largest)
    finally:
        shutil.rmtree(scratch)


def _measure(scratch: str, count: int, largest: bool) -> None:
    from whoosh.index import open_dir

    ix = open_dir(scratch)
    sources = sorted(ix._segments(), key=lambda s: s.doc_count_all(), reverse=largest)[:count]
    print("sources (articles):", [s.doc_count_all() for s in sources], flush=True)
    job = {"index_dir": scratch, "indexname": ix.indexname, "segid": "benchmerge000001", "sources": sources,
           "limitmb": 256, "parent_pid": os.getpid()}
    start = time.monotonic()
    child = subprocess.Popen([sys.executable, "-m", "searcher.engine.whoosh.merge_child"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(pickle.dumps(job))
    child.stdin.close()
    output: list[bytes] = []
    reader = threading.Thread(target=lambda: output.append(child.stdout.read()))  # type: ignore[union-attr]
    reader.start()
    peak: dict[str, int] = {}
    while child.poll() is None:
        figures = _rollup(child.pid)
        if figures.get("Pss", 0) > peak.get("Pss", 0):
            peak = figures
        time.sleep(0.2)
    reader.join()
    outcome = pickle.loads(output[0])
    print("outcome:", outcome[0], outcome[1].doc_count_all() if outcome[0] == "done" else outcome[1])
    print(f"wall {time.monotonic() - start:.1f} s; peak PSS {peak.get('Pss', 0) // 1024} MB "
          f"(anonymous {peak.get('Pss_Anon', 0) // 1024}, mapped files {peak.get('Pss_File', 0) // 1024})")


if __name__ == "__main__":
    main()
