"""Query latency: our search against straightforward Whoosh, same records, same words.

    python bench/query.py [CORPUS] [--rounds 5] [--ours-index DIR --baseline-index DIR]
                          [--rebuild] [--kinds term,near,...] [--profile KIND]

CORPUS defaults to ../shared/corpora/reuters21578. Both indexes are built
from the same parsed Articles: the baseline with bench/index.py's
``index_baseline`` (Whoosh defaults, StemmingAnalyzer), ours with
``Archive.create(DIR).add(articles)``. They are kept in .bench-cache/ and
reused while the corpus and searcher/engine/ and searcher/ingest/ are unchanged (``--rebuild``
forces a build). ``--ours-index`` / ``--baseline-index`` name other index
folders instead: used as they are (never rebuilt), built from CORPUS when
absent.

Query instances (about ten per kind) are picked deterministically from a
sample of the stored articles: single words (frequent, medium, rare), 2-3
word AND, phrases, NEAR/5 pairs, title:word, date ranges, three facets at
once, newest-first sorting. Each side runs in its own child process: it
opens its index, runs every instance once untimed (warm-up, excluded), then
``--rounds`` timed rounds; limit 10. Our time is ``Archive.search`` (parse,
search, total, hits with snippets, facets); the baseline's is building the
Whoosh query (QueryParser/MultifieldParser over title+body, except NEAR,
dates and facets, built as a Whoosh user would), ``searcher.search``,
``len(results)`` and the hits' stored fields (and the facet groups).

Then ``searcher search WORD --format json`` end to end as a new process
(median of 7) for three words. ``--profile KIND`` adds a cProfile of our
child on that kind.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_CORPUS, REPO, load_articles, median, peak_rss, percentile, run_self  # noqa: E402

from index import index_baseline  # noqa: E402

CACHE = REPO / ".bench-cache"
KINDS = ("term", "and", "phrase", "near", "field", "daterange", "facets", "sorted", "prefix")
LABELS = {"term": "single term", "and": "2-3 word AND", "phrase": "phrase", "near": "NEAR/5",
          "field": "title:word", "daterange": "date range", "facets": "3 facets", "sorted": "sorted -date",
          "prefix": "prefix (2-4 letters)*"}
FACETS = ("tags", "year", "month")  # the facets the baseline schema can also count
SAMPLE_DOCS = 5000
LIMIT = 10
E2E_RUNS = 7
TOKEN = re.compile(r"\w+(?:\.?\w+)*")  # Whoosh's RegexTokenizer default


# -- indexes ---------------------------------------------------------------

def _code_version() -> str:
    """Hash of what decides our index's content and layout."""
    digest = hashlib.sha1()
    for folder in ("engine", "ingest"):
        for path in sorted((REPO / "searcher" / folder).rglob("*.py")):
            digest.update(path.relative_to(REPO).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def _marker(side: str, corpus: Path) -> str:
    import whoosh

    stamp = corpus.stat().st_mtime if corpus.exists() else 0
    code = _code_version() if side == "ours" else ".".join(map(str, whoosh.__version__))
    return json.dumps({"corpus": str(corpus.resolve()), "mtime": stamp, "code": code})


def ensure_indexes(corpus: Path, ours: Path, baseline: Path, explicit: bool, rebuild: bool) -> None:
    articles = None
    for side, path in (("baseline", baseline), ("ours", ours)):
        marker = path.parent / f".{path.name}.built"
        want = _marker(side, corpus)
        if explicit:
            if path.exists():  # a folder the user named is never rebuilt or deleted
                print(f"{side}: using {path} as it is")
                continue
        elif not rebuild and path.exists() and marker.exists() and marker.read_text() == want:
            print(f"{side}: reusing {path.relative_to(REPO)}")
            continue
        if articles is None:
            articles = load_articles(corpus, CACHE)
        if not explicit:
            shutil.rmtree(path, ignore_errors=True)
            marker.unlink(missing_ok=True)
        path.mkdir(parents=True)
        start = time.perf_counter()
        if side == "baseline":
            index_baseline(articles, path)
        else:
            from searcher import Archive

            with Archive.create(path) as archive:
                archive.add(articles)
        if not explicit:
            marker.write_text(want)
        print(f"{side}: built {path} from {len(articles):,} articles in {time.perf_counter() - start:.0f} s")


# -- picking the query instances -------------------------------------------

def _sample(baseline: Path) -> list[dict]:
    """Stored title, body, date of up to SAMPLE_DOCS evenly spaced live documents."""
    from whoosh import index

    ix = index.open_dir(str(baseline))
    with ix.reader() as reader:
        live = [n for n in range(reader.doc_count_all()) if not reader.is_deleted(n)]
        step = max(1, len(live) // SAMPLE_DOCS)
        return [reader.stored_fields(n) for n in live[::step][:SAMPLE_DOCS]]


def _spread(items: list, k: int) -> list:
    """k items evenly spaced through a list (all of it when shorter)."""
    if len(items) <= k:
        return list(items)
    return [items[int(i * len(items) / k)] for i in range(k)]


def pick_queries(baseline: Path) -> dict:
    from whoosh.analysis import STOP_WORDS

    docs = _sample(baseline)

    def words(text: str) -> list[str]:
        return TOKEN.findall((text or "").lower())

    def usable(word: str) -> bool:
        return len(word) >= 3 and word.isalpha() and word.isascii() and word not in STOP_WORDS

    df, title_df = Counter(), Counter()
    tokenised = []
    for doc in docs:
        body, title = words(doc.get("body")), words(doc.get("title"))
        tokenised.append((title, body))
        df.update({w for w in title + body if usable(w)})
        title_df.update({w for w in title if usable(w)})
    by_df = sorted(df, key=lambda w: (-df[w], w))
    n = len(docs)
    # Frequent: top of the list; medium: around 1% of articles; rare: in 2 sampled articles.
    frequent = by_df[0:6:2]
    medium_at = min(range(len(by_df)), key=lambda i: abs(df[by_df[i]] - 0.01 * n))
    medium = by_df[medium_at:medium_at + 8:2]
    rare = _spread(sorted(w for w in by_df if df[w] == 2), 3) or by_df[-3:]
    singles = frequent + medium + rare
    rank = {w: i for i, w in enumerate(by_df)}

    # AND, phrases and NEAR pairs come from the text of ten long sampled articles,
    # so each one matches at least its own article.
    long_docs = [i for i, (_, body) in enumerate(tokenised) if len(body) >= 80]
    sources = _spread(long_docs, 10)
    ands, phrases, nears = [], [], []
    for k, i in enumerate(sources):
        body = tokenised[i][1]
        distinct = sorted({w for w in body if usable(w)}, key=lambda w: rank[w])
        picks = [distinct[int(q * (len(distinct) - 1))] for q in ((0.1, 0.5) if k % 2 else (0.1, 0.4, 0.7))]
        ands.append(" ".join(picks))
        ok = [usable(w) and df[w] >= 3 for w in body]
        length = 3 if k % 3 == 2 else 2
        start = len(body) // 3  # from a third of the way in, the first run of usable words
        for j in list(range(start, len(body) - length)) + list(range(0, start)):
            if all(ok[j:j + length]):
                phrases.append(" ".join(body[j:j + length]))
                break
        gap = 2 + k % 3  # 1-3 words between the pair
        for j in list(range(start, len(body) - gap - 1)) + list(range(0, start)):
            a, b = body[j], body[j + gap + 1]
            if ok[j] and ok[j + gap + 1] and a != b:
                nears.append((a, b))
                break
    by_title = sorted(title_df, key=lambda w: (-title_df[w], w))
    fields = _spread(by_title[:max(10, len(by_title) // 2)], 10)

    dates = sorted(d for d in (doc.get("date") for doc in docs) if d)
    first, last = dates[0].date(), dates[-1].date()
    span = (last - first).days + 1
    ranges = []
    for k, width in enumerate((1, 3, 7, 14, 30, 30, 60, 90, 180, 365)):
        width = min(width, span)
        start = first + timedelta(days=int((span - width) * (k + 0.5) / 10))
        ranges.append((start.isoformat(), (start + timedelta(days=width - 1)).isoformat()))

    def inst(ours: str, base: dict, **options) -> dict:
        return {"ours": ours, "baseline": base, **options}

    spec = {
        "term": [inst(w, {"parse": w}) for w in singles],
        "and": [inst(q, {"parse": q}) for q in ands],
        "phrase": [inst(f'"{p}"', {"parse": f'"{p}"'}) for p in phrases],
        "near": [inst(f"{a} NEAR/5 {b}", {"near": [a, b], "slop": 6}) for a, b in nears],
        "field": [inst(f"title:{w}", {"parse": f"title:{w}"}) for w in fields],
        "daterange": [inst(f"date:[{a} TO {b}]", {"dates": [a, b]}) for a, b in ranges],
        "facets": [inst(w, {"parse": w}, facets=True) for w in singles],
        "sorted": [inst(w, {"parse": w}, sort=True) for w in singles],
        # 2-4 letters of the single words: a few to thousands of words each.
        "prefix": [inst(f"{w[:n]}*", {"parse": f"{w[:n]}*"}) for w, n in zip(singles, [2, 3, 4] * 4)],
    }
    years = (first.year, last.year)
    return {"kinds": spec, "years": years, "words": {"frequent": frequent, "medium": medium, "rare": rare},
            "sampled": n}


# -- the two sides (each in its own child process) --------------------------

class _Ours:
    def __init__(self, index_dir: Path, spec: dict):
        from searcher import Archive

        self.archive = Archive.open(index_dir)

    def run(self, q: dict) -> int:
        result = self.archive.search(q["ours"], limit=LIMIT, sort="-date" if q.get("sort") else "relevance",
                                     facets=FACETS if q.get("facets") else ())
        return result.total


class _Baseline:
    """What a Whoosh user writes: MultifieldParser over title and body, default BM25F."""

    def __init__(self, index_dir: Path, spec: dict):
        from whoosh import index, sorting
        from whoosh.qparser import MultifieldParser
        from whoosh.support.relativedelta import relativedelta

        self.ix = index.open_dir(str(index_dir))
        self.searcher = self.ix.searcher()
        self.parser = MultifieldParser(["title", "body"], self.ix.schema)
        first, last = spec["years"]
        start, end = datetime(first, 1, 1), datetime(last + 1, 1, 1)
        self.facets = {
            "tags": sorting.FieldFacet("tags", allow_overlap=True),
            "year": sorting.DateRangeFacet("date", start, end, relativedelta(years=1)),
            "month": sorting.DateRangeFacet("date", start, end, relativedelta(months=1)),
        }

    def query(self, q: dict):
        from whoosh import query

        b = q["baseline"]
        if "parse" in b:
            return self.parser.parse(b["parse"])
        if "near" in b:
            analyzer = self.ix.schema["body"].analyzer
            a, c = (next(iter(analyzer(w))).text for w in b["near"])
            return query.Or([_near_class()(query.Term(f, a), query.Term(f, c), slop=b["slop"], ordered=False)
                             for f in ("title", "body")])
        start, end = (datetime.fromisoformat(d) for d in b["dates"])
        return query.DateRange("date", start, end + timedelta(days=1), endexcl=True)

    def run(self, q: dict) -> int:
        options: dict = {"limit": LIMIT}
        if q.get("sort"):
            options.update(sortedby="date", reverse=True)
        if q.get("facets"):
            options["groupedby"] = self.facets
        results = self.searcher.search(self.query(q), **options)
        total = len(results)
        [hit.fields() for hit in results]
        if q.get("facets"):
            for name in self.facets:
                sorted(((k, len(v)) for k, v in results.groups(name).items()),
                       key=lambda kv: (-kv[1], str(kv[0])))[:10]
        return total


def _near_class():
    """SpanNear that can sit inside Or: Whoosh 2.7.4's lacks estimate_size."""
    global _NEAR
    if _NEAR is None:
        from whoosh.query import spans

        class Near(spans.SpanNear):
            def estimate_size(self, reader):
                return min(self.a.estimate_size(reader), self.b.estimate_size(reader))

        _NEAR = Near
    return _NEAR


_NEAR = None


def time_kinds(engine, kinds: dict, rounds: int) -> tuple[dict, float, dict]:
    """A warm-up pass over every instance (its hit totals, its seconds), then
    ``rounds`` timed passes: ({kind: totals}, warm-up s, {kind: [ms, ...]})."""
    start = time.perf_counter()
    totals = {kind: [engine.run(q) for q in queries] for kind, queries in kinds.items()}
    warmup = time.perf_counter() - start
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    clock = time.perf_counter
    for _ in range(rounds):
        for kind, queries in kinds.items():
            for q in queries:
                t0 = clock()
                engine.run(q)
                times[kind].append((clock() - t0) * 1000)
    return totals, warmup, times


def child(side: str, index_dir: Path, spec_path: Path, rounds: int, profile: str | None) -> dict:
    import warnings

    warnings.simplefilter("ignore", SyntaxWarning)
    spec = json.loads(spec_path.read_text())
    kinds = spec["kinds"]
    start = time.perf_counter()
    engine = (_Ours if side == "ours" else _Baseline)(index_dir, spec)
    opened = time.perf_counter() - start
    totals, warmup, times = time_kinds(engine, kinds, rounds)
    out = {"times": times, "totals": totals, "open": opened, "warmup": warmup, "peak_rss": peak_rss()}
    if profile:
        import cProfile
        import io
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        for _ in range(rounds):
            for q in kinds[profile]:
                engine.run(q)
        prof.disable()
        text = io.StringIO()
        stats = pstats.Stats(prof, stream=text)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(15)
        out["profile"] = text.getvalue()
    return out


# -- report -----------------------------------------------------------------

def _stats(values: list[float]) -> tuple[float, float, float]:
    return percentile(values, 0.5), percentile(values, 0.95), max(values)


def report(runs: dict, spec: dict) -> None:
    print("\n| kind | n | baseline p50 | p95 | max | ours p50 | p95 | max | ours/base p50 | p95 |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    every: dict[str, list[float]] = {"baseline": [], "ours": []}
    for kind in spec["kinds"]:
        base, ours = runs["baseline"]["times"][kind], runs["ours"]["times"][kind]
        every["baseline"] += base
        every["ours"] += ours
        row(LABELS.get(kind, kind), len(spec["kinds"][kind]), base, ours)
    row("**all kinds**", sum(len(v) for v in spec["kinds"].values()), every["baseline"], every["ours"])
    print("\nms per query, limit 10; n = instances per kind, each timed once per round.")
    for side in ("baseline", "ours"):
        r = runs[side]
        print(f"{side}: index opened in {r['open'] * 1000:.0f} ms; warm-up pass (excluded) "
              f"{r['warmup']:.2f} s; peak RSS {r['peak_rss'] / 1e6:.0f} MB")
    differ = [(kind, i, spec["kinds"][kind][i]["ours"], b, o)
              for kind in spec["kinds"]
              for i, (b, o) in enumerate(zip(runs["baseline"]["totals"][kind], runs["ours"]["totals"][kind]))
              if b != o]
    count = sum(len(v) for v in spec["kinds"].values())
    print(f"hit totals equal on both sides for {count - len(differ)} of {count} instances", end="")
    print(":" if differ else ".")
    for kind, _, text, b, o in differ:
        print(f"  {kind:10} {text!r}: baseline {b:,}, ours {o:,}")


def row(label: str, n: int, base: list[float], ours: list[float]) -> None:
    b, o = _stats(base), _stats(ours)
    print(f"| {label} | {n} | {b[0]:.1f} | {b[1]:.1f} | {b[2]:.1f} | {o[0]:.1f} | {o[1]:.1f} | {o[2]:.1f} "
          f"| {o[0] / b[0]:.2f}x | {o[1] / b[1]:.2f}x |")


def end_to_end(index_dir: Path, words: dict) -> None:
    picks = [("frequent", words["frequent"][0]), ("medium", words["medium"][0]), ("rare", words["rare"][0])]

    def timed(command: list[str]) -> float:
        runs = []
        for _ in range(E2E_RUNS):
            start = time.perf_counter()
            proc = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
            runs.append((time.perf_counter() - start) * 1000)
            if proc.returncode != 0:
                raise RuntimeError(f"{' '.join(command)} failed:\n{proc.stderr[-2000:]}")
        return median(runs)

    print(f"\n`searcher search WORD --index DIR --format json` as a new process, median of {E2E_RUNS} (ms):")
    print(f"  {'python -c pass (interpreter start, for scale)':52}{timed([sys.executable, '-c', 'pass']):8.0f}")
    for label, word in picks:
        ms = timed([sys.executable, "-m", "searcher", "search", word, "--index", str(index_dir), "--format", "json"])
        print(f"  {label + ' word ' + repr(word):52}{ms:8.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ours-index", type=Path)
    parser.add_argument("--baseline-index", type=Path)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached indexes")
    parser.add_argument("--kinds", help=f"comma-separated subset of {','.join(KINDS)}")
    parser.add_argument("--profile", choices=KINDS, help="cProfile our child on this kind")
    parser.add_argument("--no-e2e", action="store_true", help="skip the end-to-end CLI timing")
    parser.add_argument("--child", choices=["baseline", "ours"], help=argparse.SUPPRESS)
    parser.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--spec", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.index, args.spec, args.rounds, args.profile)))
        return
    if (args.ours_index is None) != (args.baseline_index is None):
        parser.error("give both --ours-index and --baseline-index, or neither")
    kinds = args.kinds.split(",") if args.kinds else list(KINDS)
    if bad := set(kinds) - set(KINDS):
        parser.error(f"unknown kinds: {', '.join(sorted(bad))}")
    if args.profile and args.profile not in kinds:
        kinds.append(args.profile)
    explicit = args.ours_index is not None
    if explicit:
        ours, baseline = args.ours_index.resolve(), args.baseline_index.resolve()
    else:
        key = hashlib.sha1(str(args.corpus.resolve()).encode()).hexdigest()[:10]
        folder = CACHE / f"query-{args.corpus.resolve().name}-{key}"
        ours, baseline = folder / "ours", folder / "baseline"
    ensure_indexes(args.corpus, ours, baseline, explicit, args.rebuild)

    spec = pick_queries(baseline)
    spec["kinds"] = {k: v for k, v in spec["kinds"].items() if k in kinds}
    print(f"queries picked from {spec['sampled']:,} sampled articles; words: "
          + "; ".join(f"{k} {', '.join(v)}" for k, v in spec["words"].items()))
    work = Path(tempfile.mkdtemp(prefix="bench-query-"))
    try:
        spec_path = work / "spec.json"
        spec_path.write_text(json.dumps(spec, indent=1))
        runs = {}
        for side, index_dir in (("baseline", baseline), ("ours", ours)):
            extra = ["--profile", args.profile] if args.profile and side == "ours" else []
            start = time.perf_counter()
            runs[side] = run_self(Path(__file__), "--child", side, "--index", str(index_dir), "--spec",
                                  str(spec_path), "--rounds", str(args.rounds), *extra)
            print(f"{side} child: {time.perf_counter() - start:.0f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nqueries: {', '.join(f'{k} {len(v)}' for k, v in spec['kinds'].items())}; "
          f"{args.rounds} rounds")
    for kind in spec["kinds"]:
        print(f"  {kind:10} " + " | ".join(q["ours"] for q in spec["kinds"][kind]))
    report(runs, spec)
    if args.profile:
        print(f"\ncProfile of our child, kind {args.profile}, {args.rounds} rounds:\n")
        print(runs["ours"]["profile"])
    if not args.no_e2e:
        end_to_end(ours, spec["words"])


if __name__ == "__main__":
    main()
