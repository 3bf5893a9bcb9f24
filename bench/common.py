"""Shared pieces of the bench scripts: corpus loading, timing, child processes."""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import resource
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DEFAULT_CORPUS = SHARED / "corpora" / "reuters21578"

sys.path.insert(0, str(REPO))


def load_articles(corpus: Path, cache_dir: Path) -> list:
    """Parse a corpus once through our readers; later runs reuse a pickle."""
    from searcher import Article, parse_files

    key = hashlib.sha1(str(corpus.resolve()).encode()).hexdigest()[:16]
    cache = cache_dir / f"parsed-{key}.pickle"
    if cache.exists() and cache.stat().st_mtime > corpus.stat().st_mtime:
        return pickle.loads(cache.read_bytes())
    articles = [r for r in parse_files([corpus]) if isinstance(r, Article)]
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(articles))
    return articles


def text_megabytes(articles) -> float:
    return sum(len(a.title) + len(a.body) for a in articles) / 1e6


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run_self(script: Path, *args: str) -> dict:
    """Run a bench script's child mode in a fresh process; it prints one JSON
    object (with its own peak RSS) as its last line."""
    proc = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True,
                          cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    if proc.returncode != 0:
        raise RuntimeError(f"{script.name} {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def peak_rss() -> int:
    """Peak resident memory of this process or of the largest child it
    waited for (our multi-process writers), in bytes."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) * 1024


def percentile(values, p: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def median(values) -> float:
    return statistics.median(values)
