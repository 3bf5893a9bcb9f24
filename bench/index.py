"""Indexing throughput: our indexer against straightforward Whoosh, same records.

    python bench/index.py [CORPUS] [--repeat N]

CORPUS defaults to ../shared/corpora/reuters21578. Both sides get the same
parsed Articles (parsed once, cached in .bench-cache/); each runs in its own
process so peak RSS is its own. Then our end-to-end `searcher index` on the
raw files, and a re-run over the unchanged folder (median of 3). Those
children cache bytecode in a private folder (PYTHONPYCACHEPREFIX), as an
installed package would: this sandbox sets PYTHONDONTWRITEBYTECODE, which
would otherwise make every re-run compile our modules again (~0.1 s).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_CORPUS, REPO, dir_size, load_articles, median, peak_rss, run_self, text_megabytes  # noqa: E402

CACHE = REPO / ".bench-cache"


def baseline_schema():
    """What a straightforward Whoosh user writes: the fields, StemmingAnalyzer, defaults."""
    from whoosh import fields
    from whoosh.analysis import StemmingAnalyzer

    return fields.Schema(
        id=fields.ID(unique=True, stored=True),
        title=fields.TEXT(analyzer=StemmingAnalyzer(), stored=True),
        body=fields.TEXT(analyzer=StemmingAnalyzer(), stored=True),
        date=fields.DATETIME(stored=True, sortable=True),
        tags=fields.KEYWORD(stored=True, commas=True, lowercase=True),
    )


def index_baseline(articles, path: Path) -> None:
    from whoosh import index

    ix = index.create_in(str(path), baseline_schema())
    writer = ix.writer()
    for a in articles:
        writer.add_document(id=a.id, title=a.title, body=a.body,
                            date=a.date.replace(tzinfo=None) if a.date else None,
                            tags=",".join(a.tags))
    writer.commit()


def index_ours(articles, path: Path) -> None:
    from searcher import Archive

    with Archive.create(path) as archive:
        archive.add(articles)


def child(kind: str, corpus: Path, out: Path) -> dict:
    import warnings

    warnings.simplefilter("ignore", SyntaxWarning)
    articles = load_articles(corpus, CACHE)
    start = time.perf_counter()
    (index_baseline if kind == "baseline" else index_ours)(articles, out)
    elapsed = time.perf_counter() - start
    return {"seconds": elapsed, "articles": len(articles), "mb": text_megabytes(articles),
            "size": dir_size(out), "peak_rss": peak_rss()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=1, help="runs per side; medians are printed")
    parser.add_argument("--child", choices=["baseline", "ours"], help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import json

        print(json.dumps(child(args.child, args.corpus, args.out)))
        return
    load_articles(args.corpus, CACHE)  # parse once, outside the timings
    work = Path(tempfile.mkdtemp(prefix="bench-index-"))
    runs: dict[str, list[dict]] = {"baseline": [], "ours": []}
    try:
        for i in range(args.repeat):
            for kind in ("baseline", "ours"):  # alternate, so drift hits both
                out = work / f"{kind}-{i}"
                out.mkdir()
                runs[kind].append(run_self(Path(__file__), args.corpus.as_posix(), "--child", kind, "--out", str(out)))
                shutil.rmtree(out)
        first = runs["ours"][0]
        print(f"corpus: {args.corpus} ({first['articles']:,} articles, {first['mb']:.1f} MB of text)")
        print(f"{'':28}{'baseline':>14}{'ours':>14}{'ratio':>10}")
        rate = {k: median(r["articles"] / r["seconds"] for r in v) for k, v in runs.items()}
        mbs = {k: median(r["mb"] / r["seconds"] for r in v) for k, v in runs.items()}
        size = {k: median(r["size"] for r in v) / 1e6 for k, v in runs.items()}
        rss = {k: median(r["peak_rss"] for r in v) / 1e6 for k, v in runs.items()}
        for label, values in (("articles/s", rate), ("MB/s", mbs), ("index size MB", size), ("peak RSS MB", rss)):
            ratio = values["ours"] / values["baseline"]
            print(f"{label:28}{values['baseline']:>14,.1f}{values['ours']:>14,.1f}{ratio:>9.2f}x")
        end_to_end(args.corpus, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def end_to_end(corpus: Path, work: Path) -> None:
    import os
    import subprocess

    index = work / "e2e"
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    command = [sys.executable, "-m", "searcher", "index", str(corpus), "--index", str(index), "--quiet"]
    start = time.perf_counter()
    subprocess.run(command, check=False, capture_output=True, env=env)
    full = time.perf_counter() - start
    reruns = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(command, check=False, capture_output=True, env=env)
        reruns.append(time.perf_counter() - start)
    again = median(reruns)
    print(f"searcher index (raw files, end to end): {full:.1f} s; "
          f"re-run on the unchanged folder (median of 3): {again:.2f} s ({100 * again / full:.1f}% of the full run)")


if __name__ == "__main__":
    main()
