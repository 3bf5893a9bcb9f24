"""Peak memory of a command and every process it starts (Linux /proc).

    python bench/peak_memory.py [--every 0.5] -- searcher index /tmp/gen1m --index /tmp/ix1m

Multi-process indexing (parse workers, one writer per core) makes "peak
RSS" ambiguous: summed RSS counts the pages children share with the parent
after fork once per process. This samples the whole process tree and
prints the peak of its summed PSS (shared pages split between the processes
that map them), the peak RSS of its largest process, and the summed RSS,
with the wall time and exit status. Samples are taken every ``--every``
seconds, so a peak shorter than that can be missed.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in kB, 0 for a process that is gone."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--every", type=float, default=0.5, help="seconds between samples")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command after --")
    start = time.monotonic()
    proc = subprocess.Popen(command)
    peak_pss = peak_largest = peak_sum = 0
    while proc.poll() is None:
        samples = [_memory(pid) for pid in _tree(proc.pid)]
        peak_pss = max(peak_pss, sum(pss for _, pss in samples))
        peak_sum = max(peak_sum, sum(rss for rss, _ in samples))
        peak_largest = max(peak_largest, max((rss for rss, _ in samples), default=0))
        time.sleep(args.every)
    wall = time.monotonic() - start
    print(f"exit {proc.returncode}; wall {wall:.1f} s; peak PSS of the process tree {peak_pss / 1024:.0f} MB; "
          f"peak RSS of its largest process {peak_largest / 1024:.0f} MB; peak summed RSS {peak_sum / 1024:.0f} MB",
          file=sys.stderr)
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
