"""Query latency and indexing speed against peers: ours, Whoosh, SQLite FTS5, tantivy (issue 13).

    python bench/peers.py [CORPUS] [--gen N] [--rounds 5] [--kinds term,near,...]
                          [--engines ours,whoosh,fts5,tantivy] [--workdir DIR]
                          [--ours-index PATH]

CORPUS defaults to ../shared/corpora/reuters21578; ``--gen N``: N articles
from bench/gen.py. Every engine indexes the same parsed Articles in its own
child process (articles/s times the indexing call alone): ours
``Archive.create(DIR).add(articles)`` (a writer per core), Whoosh
bench/index.py's ``index_baseline``, FTS5 one transaction then ``optimize``,
tantivy one ``index.writer()`` (default heap, its own threads) and a commit.
Indexes live in ``--workdir`` (default a temporary folder, removed after); a
workdir given again is reused, indexes and query instances, so a large run
can be re-queried (one holding another corpus's indexes is refused).

The query instances are bench/query.py's (its ``pick_queries`` on the Whoosh
index, or on the same sample of the Articles when no Whoosh index is built),
and each engine runs them as bench/query.py runs its two sides: in its own
child process, one untimed warm-up pass, then ``--rounds`` timed rounds,
limit 10, every answer with its exact total and the 10 hits' title and body.
Ours and Whoosh are timed by bench/query.py's own code, so ours also makes
the hits' snippets (the peers do not: a cost only ours pays). The peers:

- FTS5: ``fts5(title, body, tokenize='porter unicode61')``, ranked with
  ``bm25(t, TITLE_BOOST, 1.0)`` (our Ranking's title boost), ``ORDER BY rank
  LIMIT 10`` plus ``count(*)`` of the matches. Words as they are (AND is
  implicit), ``"a b"``, ``NEAR(a b, 5)`` (either order, one column),
  ``title: word``, ``pre*`` (no ``prefix=`` index: FTS5's default). Dates,
  years, months (table ``meta``, date indexed) and tags (table ``tags``) are
  plain tables: a date range is SQL on ``meta`` with no MATCH (10 rows in
  rowid order), sorting joins ``meta`` (``ORDER BY date DESC``, undated last),
  and FTS5 has no facets: they are GROUP BY counts over the matches, one query
  per facet, which is what a user would write.
- tantivy: title and body with the ``en_stem`` tokenizer, the date an indexed
  fast field, tags (``raw``), year and month (integers) fast fields. Its query
  parser with ``conjunction_by_default`` and the title boost; ``"a b"`` and
  ``title:word`` as they are. NEAR/5 is ``"a b"~5``, a slop phrase, which is
  ordered-ish and not identical to NEAR: in order with up to 5 words between,
  but reversed only with up to 3 (a swap costs 2). Its parser has no term
  prefix (``pre*`` is the word ``pre``), so a prefix is a RegexQuery ``pre.*``
  per field. A date range is ``Query.range_query`` on the date, sorting
  ``order_by_field="date"``, facets ``Searcher.aggregate`` terms aggregations
  over the fast fields (``segment_size`` raised so the counts are exact).
  ``searcher.search(query, 10, count=True)`` gives the top 10 and the total.

Totals differ between engines (tokenisers, stemmers, stop words, NEAR): the
report shows each engine's totals per kind (min-max) beside the latencies.
An engine that cannot run here (tantivy not installed) is reported as
skipped; a kind an engine cannot express would be printed "n/a".
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import query as qbench  # noqa: E402
from common import DEFAULT_CORPUS, REPO, dir_size, load_articles, peak_rss, percentile, run_self  # noqa: E402

from index import index_baseline, index_ours  # noqa: E402
from searcher.query.ranking import DEFAULT_RANKING  # noqa: E402

ENGINES = ("ours", "whoosh", "fts5", "tantivy")
PEERS = ENGINES[1:]
LIMIT = qbench.LIMIT
TITLE_BOOST = DEFAULT_RANKING.title_boost
CACHE = REPO / ".bench-cache"
NOTES = {
    "fts5": "facets: GROUP BY counts over the matches (FTS5 has none); date range: SQL on a date column, no MATCH",
    "tantivy": 'NEAR/5 as "a b"~5 (slop phrase: reversed order only up to 3 words apart); prefix as RegexQuery '
               "pre.* per field; facets: terms aggregations on fast fields",
}


# -- indexing ---------------------------------------------------------------

def build_fts5(articles, path: Path) -> None:
    con = sqlite3.connect(path / "fts5.db")
    con.executescript("""
        CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='porter unicode61');
        CREATE TABLE meta(id INTEGER PRIMARY KEY, date INTEGER, year INTEGER, month TEXT);
        CREATE TABLE tags(doc INTEGER, tag TEXT, PRIMARY KEY (doc, tag)) WITHOUT ROWID;
    """)
    with con:
        con.executemany("INSERT INTO t(rowid, title, body) VALUES (?, ?, ?)",
                        ((i, a.title, a.body) for i, a in enumerate(articles, 1)))
        con.executemany("INSERT INTO meta VALUES (?, ?, ?, ?)", (
            (i, int(a.date.timestamp()), a.date.year, f"{a.date:%Y-%m}") if a.date else (i, None, None, None)
            for i, a in enumerate(articles, 1)))
        con.executemany("INSERT OR IGNORE INTO tags VALUES (?, ?)",
                        ((i, tag) for i, a in enumerate(articles, 1) for tag in a.tags))
        con.execute("CREATE INDEX meta_date ON meta(date)")
        con.execute("INSERT INTO t(t) VALUES ('optimize')")
    con.close()


def build_tantivy(articles, path: Path) -> None:
    import tantivy

    builder = tantivy.SchemaBuilder()
    for name in ("title", "body"):
        builder.add_text_field(name, stored=True, tokenizer_name="en_stem")
    builder.add_date_field("date", indexed=True, fast=True)
    builder.add_text_field("tags", tokenizer_name="raw", fast=True)
    builder.add_integer_field("year", fast=True)
    builder.add_integer_field("month", fast=True)
    index = tantivy.Index(builder.build(), path=str(path))
    writer = index.writer()
    for a in articles:
        fields = {"title": a.title, "body": a.body, "tags": list(a.tags)}
        if a.date:
            fields.update(date=a.date, year=a.date.year, month=a.date.year * 100 + a.date.month)
        writer.add_document(tantivy.Document(**fields))
    writer.commit()
    writer.wait_merging_threads()


BUILDERS = {"ours": index_ours, "whoosh": index_baseline, "fts5": build_fts5, "tantivy": build_tantivy}


# -- the peers' query sides (ours and Whoosh are bench/query.py's) ----------

def _day_bounds(q: dict) -> tuple[datetime, datetime]:
    """A date range instance's [first day 00:00, day after the last) in UTC."""
    a, b = (datetime.fromisoformat(d).replace(tzinfo=timezone.utc) for d in q["baseline"]["dates"])
    return a, b + timedelta(days=1)


def _words(q: dict) -> str:
    """The instance's words as bench/query.py gives them to Whoosh's parser."""
    return q["baseline"]["parse"]


def fts5_match(q: dict) -> str:
    kind = q["kind"]
    if kind == "near":
        (a, b), gap = q["baseline"]["near"], q["baseline"]["slop"] - 1  # Whoosh slop 6 = 5 words between
        return f"NEAR({a} {b}, {gap})"
    if kind == "field":
        return "title: " + _words(q).split(":", 1)[1]
    return _words(q)  # words (AND implicit), "a b" phrases and pre* read the same in FTS5


class _Fts5:
    HITS = "SELECT rowid FROM t WHERE t MATCH ?"
    FACETS = {
        "tags": f"SELECT tag, count(*) AS n FROM tags WHERE doc IN ({HITS}) GROUP BY tag ORDER BY n DESC, tag",
        "year": f"SELECT year, count(*) AS n FROM meta WHERE id IN ({HITS}) AND year IS NOT NULL "
                "GROUP BY year ORDER BY n DESC, year",
        "month": f"SELECT month, count(*) AS n FROM meta WHERE id IN ({HITS}) AND month IS NOT NULL "
                 "GROUP BY month ORDER BY n DESC, month",
    }

    def __init__(self, index_dir: Path, spec: dict):
        self.con = sqlite3.connect(index_dir / "fts5.db")
        self.rank = f"bm25({TITLE_BOOST}, 1.0)"

    def _all(self, sql: str, *params) -> list:
        return self.con.execute(sql, params).fetchall()

    def run(self, q: dict) -> int:
        if q["kind"] == "daterange":
            lo, hi = (int(d.timestamp()) for d in _day_bounds(q))
            self._all("SELECT t.title, t.body FROM meta JOIN t ON t.rowid = meta.id "
                      f"WHERE meta.date >= ? AND meta.date < ? LIMIT {LIMIT}", lo, hi)
            return self._all("SELECT count(*) FROM meta WHERE date >= ? AND date < ?", lo, hi)[0][0]
        match = fts5_match(q)
        if q.get("sort"):
            self._all("SELECT t.title, t.body FROM t JOIN meta ON meta.id = t.rowid WHERE t MATCH ? "
                      f"ORDER BY meta.date DESC LIMIT {LIMIT}", match)
        else:
            self._all(f"SELECT title, body FROM t WHERE t MATCH ? AND rank MATCH ? ORDER BY rank LIMIT {LIMIT}",
                      match, self.rank)
        total = self._all("SELECT count(*) FROM t WHERE t MATCH ?", match)[0][0]
        if q.get("facets"):
            for name in qbench.FACETS:
                self._all(self.FACETS[name] + " LIMIT 10", match)
        return total


class _Tantivy:
    # segment_size above any facet's number of values: each segment counts every value, so totals are exact.
    AGGS = {name: {"terms": {"field": name, "size": 10, "segment_size": 10_000}} for name in qbench.FACETS}

    def __init__(self, index_dir: Path, spec: dict):
        import tantivy

        self.tantivy = tantivy
        self.index = tantivy.Index.open(str(index_dir))
        self.schema = self.index.schema
        self.searcher = self.index.searcher()

    def query(self, q: dict):
        t, kind = self.tantivy, q["kind"]
        if kind == "daterange":
            lo, hi = _day_bounds(q)
            return t.Query.range_query(self.schema, "date", t.FieldType.Date, lo, hi, include_upper=False)
        if kind == "prefix":
            pattern = _words(q).rstrip("*") + ".*"
            title = t.Query.boost_query(t.Query.regex_query(self.schema, "title", pattern), TITLE_BOOST)
            body = t.Query.regex_query(self.schema, "body", pattern)
            return t.Query.boolean_query([(t.Occur.Should, title), (t.Occur.Should, body)])
        if kind == "near":
            (a, b), gap = q["baseline"]["near"], q["baseline"]["slop"] - 1
            text = f'"{a} {b}"~{gap}'
        else:
            text = _words(q)  # words, "a b" and title:word read the same in tantivy's parser
        return self.index.parse_query(text, ["title", "body"], field_boosts={"title": TITLE_BOOST},
                                      conjunction_by_default=True)

    def run(self, q: dict) -> int:
        query = self.query(q)
        options = {"order_by_field": "date", "order": self.tantivy.Order.Desc} if q.get("sort") else {}
        result = self.searcher.search(query, LIMIT, count=True, **options)
        [self.searcher.doc(address).to_dict() for _, address in result.hits]  # title and body, stored
        if q.get("facets"):
            self.searcher.aggregate(query, self.AGGS)
        return result.count


SIDES = {"ours": qbench._Ours, "whoosh": qbench._Baseline, "fts5": _Fts5, "tantivy": _Tantivy}


# -- child processes ----------------------------------------------------------

def own_peak() -> int:
    """Peak resident memory of this process (VmHWM; ru_maxrss keeps the parent's
    across fork and exec) or of the largest child it waited for, in bytes."""
    try:
        status = Path("/proc/self/status").read_text().split("VmHWM:")[1]
    except (OSError, IndexError):
        return peak_rss()
    return max(int(status.split()[0]), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) * 1024


def child_build(engine: str, corpus: Path, cache: Path, out: Path) -> dict:
    articles = load_articles(corpus, cache)
    out.mkdir(parents=True)
    start = time.perf_counter()
    BUILDERS[engine](articles, out)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "articles": len(articles), "size": dir_size(out), "peak_rss": own_peak()}


def child_query(engine: str, index_dir: Path, spec_path: Path, rounds: int) -> dict:
    spec = json.loads(spec_path.read_text())
    start = time.perf_counter()
    side = SIDES[engine](index_dir, spec)
    opened = time.perf_counter() - start
    totals, warmup, times = qbench.time_kinds(side, spec["kinds"], rounds)
    return {"times": times, "totals": totals, "open": opened, "warmup": warmup, "peak_rss": own_peak()}


# -- the run --------------------------------------------------------------------

def unavailable(engine: str) -> str | None:
    """Why an engine cannot run here, or None."""
    if engine == "tantivy" and importlib.util.find_spec("tantivy") is None:
        return "tantivy is not installed (pip install tantivy)"
    if engine == "fts5":
        try:
            sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE x USING fts5(a)")
        except sqlite3.OperationalError as error:
            return f"this SQLite ({sqlite3.sqlite_version}) has no FTS5: {error}"
    return None


class Workdir:
    """The run's folder: generated corpus, parsed-articles cache, one index per engine
    with a marker of its build, the query instances. Everything records its source."""

    def __init__(self, path: Path, source: str):
        self.path, self.source = path, source
        path.mkdir(parents=True, exist_ok=True)
        for marker in path.glob(".*.json"):
            if (held := json.loads(marker.read_text()).get("source")) != source:
                raise SystemExit(f"{path} holds {marker.stem[1:]} for {held}, not {source}: give another --workdir")

    def read(self, name: str) -> dict | None:
        marker = self.path / f".{name}.json"
        return json.loads(marker.read_text()) if marker.exists() else None

    def write(self, name: str, data: dict) -> None:
        (self.path / f".{name}.json").write_text(json.dumps({**data, "source": self.source}))


def generate(work: Workdir, n: int) -> Path:
    out = work.path / f"gen-{n}"
    if work.read("gen") is None:
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run([sys.executable, str(Path(__file__).with_name("gen.py")), str(n), str(out)], check=True)
        work.write("gen", {})
    return out


def given_index(work: Workdir, path: Path) -> dict:
    """``--ours-index``: an index of the same corpus built by ``searcher index``
    (timed by bench/peak_memory.py), queried here as ours; not rebuilt."""
    from searcher import Archive

    link = work.path / "ours"
    if link.is_symlink() or link.exists():
        if link.resolve() != path.resolve():
            raise SystemExit(f"{link} is another index than {path}: give another --workdir")
    else:
        link.symlink_to(path.resolve())
    with Archive.open(path) as archive:
        count = archive.stats().articles
    print(f"ours: the given index {path} ({count:,} articles), not built here")
    return {"articles": count, "seconds": None, "size": dir_size(path), "peak_rss": None, "given": True}


def ensure_index(work: Workdir, engine: str, corpus: Path, cache: Path) -> dict:
    built = work.read(engine)
    if built is not None and (work.path / engine).exists():
        print(f"{engine}: reusing {work.path / engine}")
        return {**built, "reused": True}
    shutil.rmtree(work.path / engine, ignore_errors=True)  # an unfinished build
    built = run_self(Path(__file__), str(corpus), "--child", "build", "--engine", engine,
                     "--cache", str(cache), "--index", str(work.path / engine))
    work.write(engine, built)
    print(f"{engine}: indexed {built['articles']:,} articles in {built['seconds']:.1f} s")
    return built


def _article_sample(articles) -> list[dict]:
    """What bench/query.py's _sample reads from a Whoosh baseline index of these articles."""
    step = max(1, len(articles) // qbench.SAMPLE_DOCS)
    return [{"title": a.title, "body": a.body, "date": a.date.replace(tzinfo=None) if a.date else None}
            for a in articles[::step][:qbench.SAMPLE_DOCS]]


def pick(work: Workdir, corpus: Path, cache: Path) -> dict:
    """bench/query.py's instances (from the Whoosh index when there is one), each marked with its kind."""
    saved = work.read("spec")
    if saved is not None:
        return saved["spec"]
    whoosh = work.path / "whoosh"
    if work.read("whoosh") is not None and whoosh.exists():
        spec = qbench.pick_queries(whoosh)
    else:
        sample, original = _article_sample(load_articles(corpus, cache)), qbench._sample
        qbench._sample = lambda _path: sample
        try:
            spec = qbench.pick_queries(whoosh)
        finally:
            qbench._sample = original
    for kind, queries in spec["kinds"].items():
        for q in queries:
            q["kind"] = kind
    spec["years"] = list(spec["years"])
    work.write("spec", {"spec": spec})
    return spec


def query_all(work: Workdir, engines: list[str], spec: dict, rounds: int) -> dict:
    spec_path = work.path / "spec-run.json"
    spec_path.write_text(json.dumps(spec))
    runs = {}
    for engine in engines:
        start = time.perf_counter()
        try:
            runs[engine] = run_self(Path(__file__), "--child", "query", "--engine", engine, "--index",
                                    str(work.path / engine), "--spec", str(spec_path), "--rounds", str(rounds))
        except RuntimeError as error:
            print(f"{engine}: skipped, its child failed: {str(error).strip().splitlines()[-1]}")
            continue
        print(f"{engine} child: {time.perf_counter() - start:.0f} s")
    return runs


# -- report -------------------------------------------------------------------

def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 1 else f"{value:.1f}"


def _cell(values: list[float] | None, engine: str, runs: dict) -> str:
    if engine not in runs:
        return "skipped"
    if not values:
        return "n/a"
    return f"{_ms(percentile(values, 0.5))} / {_ms(percentile(values, 0.95))}"


def _ratio(ours: float | None, peer: float | None) -> str:
    return f"{ours / peer:.2f}x" if ours and peer else "-"


def _times(runs: dict, engine: str, kinds) -> list[float] | None:
    if engine not in runs:
        return None
    return [ms for kind in kinds for ms in runs[engine]["times"].get(kind, [])]


def latency_table(runs: dict, spec: dict, builds: dict) -> None:
    print(f"\n| kind | n | {' | '.join(f'{e} p50 / p95' for e in ENGINES)} | "
          f"{' | '.join(f'ours/{p}' for p in PEERS)} |")
    print("|---|--:|" + "--:|" * (len(ENGINES) + len(PEERS)))
    rows = [(qbench.LABELS[k], len(v), [k]) for k, v in spec["kinds"].items()]
    rows.append(("**all kinds**", sum(len(v) for v in spec["kinds"].values()), list(spec["kinds"])))
    for label, n, kinds in rows:
        times = {e: _times(runs, e, kinds) for e in ENGINES}
        p50 = {e: percentile(t, 0.5) if t else None for e, t in times.items()}
        print(f"| {label} | {n} | " + " | ".join(_cell(times[e], e, runs) for e in ENGINES) + " | "
              + " | ".join(_ratio(p50["ours"], p50[p]) for p in PEERS) + " |")
    rate = {e: b["articles"] / b["seconds"] if b and b["seconds"] else None for e, b in builds.items()}
    print("| **indexing, articles/s** | | " + " | ".join(f"{rate[e]:,.0f}" if rate.get(e) else "skipped"
                                                     for e in ENGINES) + " | "
          + " | ".join(_ratio(rate.get("ours"), rate.get(p)) for p in PEERS) + " |")
    print("\nms per query, limit 10, exact totals; ratios: ours/peer p50 (under 1: ours faster), "
          "indexing ours/peer articles/s (over 1: ours faster).")


def engine_lines(runs: dict, builds: dict, skipped: dict) -> None:
    for engine in ENGINES:
        if engine in skipped:
            print(f"{engine}: skipped: {skipped[engine]}")
        if engine not in builds:
            continue
        b, r = builds.get(engine), runs.get(engine)
        if b and b.get("given"):
            print(f"{engine}: index {b['size'] / 1e6:,.1f} MB, given (built by searcher index)", end="")
        elif b:
            print(f"{engine}: index {b['size'] / 1e6:,.1f} MB, built in {b['seconds']:.1f} s"
                  f"{' (reused)' if b.get('reused') else ''}, indexing peak RSS {b['peak_rss'] / 1e6:,.0f} MB", end="")
        if r:
            print(f"; opened in {r['open'] * 1000:.0f} ms, warm-up (excluded) {r['warmup']:.2f} s, "
                  f"query peak RSS {r['peak_rss'] / 1e6:,.0f} MB", end="")
        print(f"; {NOTES[engine]}" if engine in NOTES else "")


def totals_table(runs: dict, spec: dict) -> None:
    print("\nHit totals per kind, min-max over the instances (engines analyse text differently):\n")
    print(f"| kind | {' | '.join(ENGINES)} |")
    print("|---|" + "--:|" * len(ENGINES))
    for kind in spec["kinds"]:
        cells = []
        for engine in ENGINES:
            totals = runs[engine]["totals"].get(kind) if engine in runs else None
            cells.append(f"{min(totals):,}-{max(totals):,}" if totals else ("n/a" if engine in runs else "skipped"))
        print(f"| {qbench.LABELS[kind]} | " + " | ".join(cells) + " |")
    if "ours" in runs:
        count = sum(len(v) for v in spec["kinds"].values())
        same = {p: sum(a == b for k in spec["kinds"] for a, b in zip(runs["ours"]["totals"][k],
                                                                    runs[p]["totals"].get(k, [])))
                for p in PEERS if p in runs}
        print("\ntotals equal to ours: " + "; ".join(f"{p} {n} of {count}" for p, n in same.items()))


# -- main -----------------------------------------------------------------------

def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--gen", type=int, metavar="N", help="index N articles from bench/gen.py instead")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--kinds", help=f"comma-separated subset of {','.join(qbench.KINDS)}")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated subset of %(default)s")
    parser.add_argument("--workdir", type=Path, help="keep (and reuse) the indexes here")
    parser.add_argument("--ours-index", type=Path, metavar="PATH",
                        help="query this index of the same corpus as ours (built by searcher index), not building one")
    parser.add_argument("--child", choices=["build", "query"], help=argparse.SUPPRESS)
    parser.add_argument("--engine", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--spec", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.kinds = args.kinds.split(",") if args.kinds else list(qbench.KINDS)
    args.engines = [e for e in ENGINES if e in args.engines.split(",")]
    if bad := set(args.kinds) - set(qbench.KINDS):
        parser.error(f"unknown kinds: {', '.join(sorted(bad))}")
    if not args.engines:
        parser.error(f"--engines: give some of {','.join(ENGINES)}")
    return args


def run(args: argparse.Namespace, path: Path) -> None:
    source = f"gen.py {args.gen} articles" if args.gen else str(args.corpus.resolve())
    work = Workdir(path, source)
    corpus, cache = (generate(work, args.gen), work.path) if args.gen else (args.corpus, CACHE)
    skipped = {e: why for e in args.engines if (why := unavailable(e))}
    engines = [e for e in args.engines if e not in skipped]
    builds = {e: given_index(work, args.ours_index) if e == "ours" and args.ours_index
              else ensure_index(work, e, corpus, cache) for e in engines}
    spec = pick(work, corpus, cache)
    spec["kinds"] = {k: v for k, v in spec["kinds"].items() if k in args.kinds}
    print(f"\n{source}; queries picked from {spec['sampled']:,} sampled articles, {args.rounds} rounds:")
    for kind, queries in spec["kinds"].items():
        print(f"  {kind:10} " + " | ".join(q["ours"] for q in queries))
    runs = query_all(work, engines, spec, args.rounds)
    latency_table(runs, spec, builds)
    engine_lines(runs, builds, skipped)
    totals_table(runs, spec)


def main() -> None:
    args = parse_args()
    warnings.simplefilter("ignore", SyntaxWarning)
    if args.child == "build":
        print(json.dumps(child_build(args.engine, args.corpus, args.cache, args.index)))
    elif args.child == "query":
        print(json.dumps(child_query(args.engine, args.index, args.spec, args.rounds)))
    elif args.workdir:
        run(args, args.workdir.resolve())
    else:
        path = Path(tempfile.mkdtemp(prefix="bench-peers-"))
        try:
            run(args, path)
        finally:
            shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    main()
