"""What analysing each article in its own language costs (issue 17).

    python bench/languages_cost.py [--repeat 40] [--rounds 3] [--reuters DIR]

Articles: bench/data/news_languages.jsonl (19 languages, 20 items each,
news we wrote), each body its lead and the next three leads of its
language, the set repeated --repeat times with new ids. Indexed
(``Archive.create(...).add(articles, jobs=1)``, each run in its own
process, median of --rounds) three ways:

- "own language": every record names its language (the product's path);
- "all English": the same records named "en" (every text in the English
  chain: what indexing cost before per-language analysis);
- "detected": no record names a language (py3langid decides each).

Then Reuters-21578 (when ../shared holds it) named "en" against not named
(detected: what `searcher index` does with SGML, which says nothing).

Query side, on the two multilingual indexes: compiling a query (parse ->
our tree -> Whoosh query in every analysis the index holds) and a whole
``Archive.search`` (limit 10, snippets), median ms over the queries.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_CORPUS, REPO, dir_size, load_articles, median, run_self, text_megabytes  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "news_languages.jsonl"
CACHE = REPO / ".bench-cache"
QUERIES = ["bank rates", "election results", '"city council"', "flooding NEAR/5 storm", "atleast2(government)",
           "Deutschland", "alquiler", "famiglia", "regering", "gouvernement", "правительство", "北京", "เกษตรกร"]


def multilingual(repeat: int, language: str | None):
    """The test articles; ``language``: None keeps each record's, else every record's."""
    from searcher import Article

    items = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_language: dict[str, list[dict]] = {}
    for item in items:
        by_language.setdefault(item["lang"], []).append(item)
    articles = []
    for copy in range(repeat):
        for same in by_language.values():
            for n, item in enumerate(same):
                leads = [same[(n + k) % len(same)]["lead"] for k in range(4)]
                articles.append(Article(id=f"{item['lang']}-{n}-{copy}", title=item["title"], body="\n\n".join(leads),
                                        language=item["lang"] if language is None else language))
    return articles


def reuters(corpus: Path, language: str):
    return [replace(a, language=language) for a in load_articles(corpus, CACHE)]


def child_index(args) -> None:
    from searcher import Archive

    if args.set == "reuters":
        articles = reuters(args.reuters, args.language)
    else:
        articles = multilingual(args.repeat, None if args.language == "own" else args.language)
    path = Path(args.child_index)
    start = time.perf_counter()
    with Archive.create(path) as archive:
        archive.add(articles, jobs=1)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "articles": len(articles), "mb": text_megabytes(articles),
                      "size": dir_size(path)}))


def child_query(args) -> None:
    from searcher import Archive
    from searcher.engine.whoosh.accel.imports import index as whoosh_index
    from searcher.engine.whoosh.compile import Compiler
    from searcher.query.parser import parse

    ix = whoosh_index.open_dir(args.child_query)
    compile_ms = []
    with ix.searcher() as searcher:
        reader = searcher.reader()
        compiler = Compiler(ix.schema, holds=lambda field, term: (field, term) in reader)
        for query in QUERIES:
            rounds = []
            for _ in range(20):
                start = time.perf_counter()
                compiler.compile(parse(query))
                rounds.append(time.perf_counter() - start)
            compile_ms.append(statistics.median(rounds) * 1000)
    search_ms, totals = [], []
    with Archive.open(args.child_query) as archive:
        for query in QUERIES:
            totals.append(archive.search(query, limit=10).total)  # warm-up
            rounds = []
            for _ in range(args.rounds * 3):
                start = time.perf_counter()
                archive.search(query, limit=10)
                rounds.append(time.perf_counter() - start)
            search_ms.append(statistics.median(rounds) * 1000)
    print(json.dumps({"compile_ms": median(compile_ms), "search_ms": median(search_ms), "totals": totals}))


def indexed(script: Path, folder: Path, rounds: int, *args: str) -> dict:
    runs = [run_self(script, "--child-index", str(folder / f"ix{r}"), *args) for r in range(rounds)]
    best = dict(runs[0])
    best["seconds"] = median([run["seconds"] for run in runs])
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reuters", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--child-index")
    parser.add_argument("--child-query")
    parser.add_argument("--set", default="news")
    parser.add_argument("--language", default="own")
    args = parser.parse_args()
    if args.child_index:
        return child_index(args)
    if args.child_query:
        return child_query(args)
    script = Path(__file__).resolve()
    common = ("--repeat", str(args.repeat), "--reuters", str(args.reuters))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = []
        for label, language in (("all English", "en"), ("own language", "own"), ("detected", "")):
            (folder / label).mkdir()
            rows.append((f"news, {label}", indexed(script, folder / label, args.rounds, *common,
                                                    "--language", language)))
        if args.reuters.exists():
            for label, language in (("named en", "en"), ("detected", "")):
                (folder / f"reuters {label}").mkdir()
                rows.append((f"Reuters, {label}", indexed(script, folder / f"reuters {label}", args.rounds,
                                                          *common, "--set", "reuters", "--language", language)))
        else:
            print(f"(Reuters skipped: {args.reuters} not found)")
        print_indexing(rows)
        queried = {label: run_self(script, "--child-query", str(folder / label / "ix0"), "--rounds", str(args.rounds))
                   for label in ("all English", "own language")}
    print_queries(queried)


def print_indexing(rows) -> None:
    print("\n| articles | indexed as | articles | text MB | seconds (median) | articles/s | ratio | index MB |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    bases = {}
    for label, run in rows:
        kind = label.split(",")[0]
        bases.setdefault(kind, run["seconds"])
        print(f"| {kind} | {label.split(', ')[1]} | {run['articles']:,} | {run['mb']:.1f} | {run['seconds']:.2f} | "
              f"{run['articles'] / run['seconds']:,.0f} | {run['seconds'] / bases[kind]:.2f}x | "
              f"{run['size'] / 1e6:.1f} |")


def print_queries(queried) -> None:
    print(f"\nqueries ({len(QUERIES)}): median ms per query")
    print("| index | compile | search (limit 10) |")
    print("|---|---:|---:|")
    for label, run in queried.items():
        print(f"| {label} | {run['compile_ms']:.2f} | {run['search_ms']:.2f} |")
    english, own = queried["all English"]["totals"], queried["own language"]["totals"]
    print("totals, all English:", english)
    print("totals, own language:", own)


if __name__ == "__main__":
    main()
