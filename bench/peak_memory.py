"""Peak memory of a command and every process it starts (Linux /proc).

    python bench/peak_memory.py [--every 0.5] -- searcher index /tmp/gen1m --index /tmp/ix1m

Multi-process indexing (parse workers, one writer per core) makes "peak
RSS" ambiguous: summed RSS counts the pages children share with the parent
after fork once per process. This samples the whole process tree and
prints the peak of its summed PSS (shared pages split between the processes
that map them), the peak RSS of its largest process, and the summed RSS,
with the wall time and exit status. Samples are taken every ``--every``
seconds, so a peak shorter than that can be missed. ``--breakdown`` also
prints, for the sample with the peak PSS, each process's PSS split into
anonymous memory and mapped files (pages of mapped files are the page
cache's too: the kernel can drop them, read() would not count them).
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


def _rollup(pid: int) -> dict[str, int]:
    """The process's /proc smaps_rollup figures in kB, {} for one that is gone."""
    found = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                fields = line.split()
                if len(fields) == 3 and fields[2] == "kB":
                    found[fields[0].rstrip(":")] = int(fields[1])
    except OSError:
        pass
    return found


def _command(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()[:90]
    except OSError:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--every", type=float, default=0.5, help="seconds between samples")
    parser.add_argument("--breakdown", action="store_true", help="per-process figures at the peak")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command after --")
    start = time.monotonic()
    proc = subprocess.Popen(command)
    peak_pss = peak_largest = peak_sum = 0
    at_peak: list = []
    while proc.poll() is None:
        samples = [(pid, _rollup(pid)) for pid in _tree(proc.pid)]
        pss = sum(figures.get("Pss", 0) for _, figures in samples)
        if pss > peak_pss:
            peak_pss, peak_at = pss, time.monotonic() - start
            at_peak = [(pid, figures, _command(pid)) for pid, figures in samples] if args.breakdown else []
        peak_sum = max(peak_sum, sum(figures.get("Rss", 0) for _, figures in samples))
        peak_largest = max(peak_largest, max((figures.get("Rss", 0) for _, figures in samples), default=0))
        time.sleep(args.every)
    wall = time.monotonic() - start
    print(f"exit {proc.returncode}; wall {wall:.1f} s; peak PSS of the process tree {peak_pss / 1024:.0f} MB; "
          f"peak RSS of its largest process {peak_largest / 1024:.0f} MB; peak summed RSS {peak_sum / 1024:.0f} MB",
          file=sys.stderr)
    if args.breakdown and at_peak:
        print(f"at the peak ({peak_at:.0f} s): PSS / anonymous / mapped files, MB", file=sys.stderr)
        for pid, figures, command_line in sorted(at_peak, key=lambda sample: -sample[1].get("Pss", 0)):
            print(f"  {figures.get('Pss', 0) / 1024:7.0f} {figures.get('Pss_Anon', 0) / 1024:7.0f} "
                  f"{figures.get('Pss_File', 0) / 1024:7.0f}  {pid} {command_line}", file=sys.stderr)
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
