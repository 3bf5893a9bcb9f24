"""Relevance on the TIME test collection (issue 7): what we rank first, against plain BM25.

    python bench/relevance.py [--eval DIR] [--reuters DIR] [--runs DIR] [--trials N]

DIR defaults to ../shared/eval/time: time-docs.jsonl (423 TIME articles,
1963, no titles), time-queries.tsv (42 natural-language queries, ``id TAB
text``) and time-qrels.txt (TREC qrels, ``query 0 doc rel``).

Our system: the JSONL file indexed by ``Archive.create(tmp).add([path])``
(the record's ``id`` is the article id the qrels use), each query searched
as a natural-language user would: ``match="any"``, ``syntax=False`` (plain
words: the queries hold upper-case AND and OR, and parentheses, which our
query language reads as syntax), ``limit=1000``. The product ranks any-word
results by BM25F score and leaves English stop words out of any-word queries
(searcher/query/stopwords.py). The baseline: bm25s over lower-case ``\\w+``
tokens stemmed with Whoosh's Porter stemmer, no stop words.

Experiments change one thing at a time from the current defaults: BM25F k1
and b, the title boost and the query-time stop list through the archive's
``Ranking``; the text analyzer (tokenizer, stemmer, index stop words) by
patching it inside this process while the index is built. Differences to the default are tested with a paired
two-sided randomization test on per-query average precision.

Snippets and matched-term lists are switched off while searching
(``search(..., snippets=False)``): they do not affect the order, and building them for 1000 hits a query is over 90% of
the time. ``--runs DIR`` also writes each system's run as a TREC run file.

Issue 15's sections (bench/relevance_methods.py): term proximity and RM3
feedback, each cross-validated, against plain BM25 and BM25 + RM3
(bench/bm25_baselines.py), on TIME and on a second judged set built from
Reuters-21578's topic labels (bench/judged_sets.py says how).

tests/test_relevance.py imports the metric functions and ``search_run`` from
here (importlib, by path), so they exist once.
"""
from __future__ import annotations

import argparse
import contextlib
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Callable, Iterator, Optional

REPO = Path(__file__).resolve().parents[1]
for folder in (REPO, REPO / "bench"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
import relevance_methods  # noqa: E402
from bm25_baselines import bm25_baseline, porter_tokens  # noqa: E402,F401
from ir_metrics import (  # noqa: E402,F401
    LIMIT,
    METRICS,
    Qrels,
    Row,
    Run,
    average_precision,
    cross_validated,
    delta,
    evaluate,
    figure,
    markdown,
    ndcg_at,
    p_text,
    per_query,
    precision_at,
    randomization_p,
    recall_at,
    scored,
)
from judged_sets import DOCS, QRELS, QUERIES, REUTERS_DIR, TIME_DIR, read_qrels, read_queries, reuters_collection  # noqa: E402,F401

EVAL_DIR = TIME_DIR


def as_typed(text: str) -> str:
    """The query text unchanged (with ``syntax=True``: read with our query syntax)."""
    return text


# -- analyzer variants (built here; searcher/engine/whoosh/schema.py is untouched) --

WORD_RE = r"\w+(\.?\w+)*"  # Whoosh's RegexTokenizer default: ours now
HYPHEN_WORD_RE = r"\w+(?:[.\-]\w+)*"  # keeps four-power, non-communist whole
APOSTROPHE_WORD_RE = r"\w+(?:['.]\w+)*"  # keeps nasser's whole
SPLIT_DOTS_RE = r"\w+"  # u.s -> u, s


def s_stem(word: str) -> str:
    """Harman's S stemmer (1991): plurals only, the lightest common stemmer."""
    if word.endswith("ies") and not word.endswith(("eies", "aies")) and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")) and len(word) > 3:
        return word[:-1]
    if word.endswith("s") and not word.endswith(("us", "ss")) and len(word) > 2:
        return word[:-1]
    return word


def _filter_base():
    from whoosh.analysis import Filter

    return Filter


class DropNumbers(_filter_base()):
    """Drop tokens made only of digits; positions of the rest unchanged."""

    def __call__(self, tokens):
        for token in tokens:
            if token.text.isdigit():
                if not token.removestops:
                    token.stopped = True
                    yield token
                continue
            yield token


class CollapseAcronyms(_filter_base()):
    """u.s -> us, u.n -> un: single letters joined by dots lose the dots."""

    _ACRONYM = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")

    def __call__(self, tokens):
        for token in tokens:
            if "." in token.text and self._ACRONYM.fullmatch(token.text):
                token.text = token.text.replace(".", "")
            yield token


@dataclass(frozen=True)
class Analysis:
    """One text-analysis choice; ``build()`` gives the Whoosh analyzer."""

    tokenizer: str = WORD_RE
    stops: str = "whoosh"  # whoosh (34 words, now) | english (Whoosh's 'en' list, 127) | none
    stemmer: str = "porter"  # porter (now) | snowball (Porter2) | s (plurals) | none
    numbers: bool = True
    collapse_acronyms: bool = False

    def build(self):
        from whoosh import analysis
        from whoosh.lang import stopwords

        from searcher.engine.whoosh.accel.imports import accent_map

        chain = analysis.RegexTokenizer(expression=self.tokenizer) | analysis.LowercaseFilter()
        chain = chain | analysis.CharsetFilter(accent_map)
        if not self.numbers:
            chain = chain | DropNumbers()
        stoplist = {"whoosh": analysis.STOP_WORDS, "english": stopwords.stoplists["en"], "none": ()}[self.stops]
        chain = chain | analysis.StopFilter(stoplist=stoplist, renumber=False)
        if self.collapse_acronyms:
            chain = chain | CollapseAcronyms()
        if self.stemmer == "porter":
            from searcher.engine.whoosh.stemming import porter_stem

            chain = chain | analysis.StemFilter(stemfn=porter_stem, cachesize=None)
        elif self.stemmer == "snowball":
            chain = chain | analysis.StemFilter(lang="en")
        elif self.stemmer == "s":
            chain = chain | analysis.StemFilter(stemfn=s_stem)
        return chain


# -- our system -----------------------------------------------------------

PRODUCT = "product"


@dataclass(frozen=True)
class Config:
    name: str
    analysis: Optional[Analysis] = None  # None: the product's text_analyzer(), as is
    k1: Optional[float] = None  # None: the product's Ranking() k1 / b / title_boost
    b: Optional[float] = None
    title_boost: Optional[float] = None
    query_stops: Optional[frozenset[str]] = None  # None: the product's Ranking().query_stop_words
    syntax: bool = False  # False: plain words (syntax=False); True: the text read as our query syntax
    query: Callable[[str], str] = as_typed
    feedback: object = PRODUCT  # PRODUCT: the Ranking's own; None: none; or a Feedback
    proximity: object = PRODUCT  # PRODUCT: the Ranking's own; None: none; or a Proximity
    combine_fields: object = PRODUCT  # PRODUCT: the Ranking's own; or True / False


def ranking(config: Config):
    """The product's Ranking with what ``config`` sets."""
    from searcher.query.ranking import Ranking

    chosen = {"k1": config.k1, "b": config.b, "title_boost": config.title_boost,
              "query_stop_words": config.query_stops}
    product = Ranking(**{name: value for name, value in chosen.items() if value is not None})
    # None is meaningful for these two (switched off): PRODUCT keeps the product's.
    given = {"feedback": config.feedback, "proximity": config.proximity, "combine_fields": config.combine_fields}
    return replace(product, **{name: value for name, value in given.items() if value is not PRODUCT})


@contextlib.contextmanager
def patched(config: Config) -> Iterator[None]:
    """The text analyzer a Config names, in place while an index is built."""
    from searcher.engine.whoosh import schema

    saved = schema.text_analyzer
    try:
        if config.analysis is not None:
            schema.text_analyzer = config.analysis.build
        yield
    finally:
        schema.text_analyzer = saved


def build_index(docs: Path, path: Path, config: Config = Config("default")) -> Path:
    """Index the JSONL file through our reader and indexer (jobs=1: a custom
    analyzer's classes live in this process)."""
    from searcher import Archive

    with patched(config), Archive.create(path) as archive:
        report = archive.add([docs], jobs=1)
    if report.skipped or report.total == 0:
        raise RuntimeError(f"indexing {docs} skipped {report.skipped}")
    return path


def search_run(index: Path, queries: list[tuple[str, str]], config: Config = Config("default")) -> Run:
    """Our ranking for every query: match="any", limit 1000, plain words by default."""
    from searcher import Archive

    run: Run = {}
    with patched(config), Archive.open(index, ranking=ranking(config)) as archive:
        for qid, text in queries:
            hits = archive.search(config.query(text), match="any", limit=LIMIT, syntax=config.syntax,
                                  snippets=False).hits
            run[qid] = [hit.id for hit in hits]
    return run


# -- the bench --------------------------------------------------------------

ANALYSIS_EXPERIMENTS: list[tuple[str, str, Analysis]] = [
    ("tokenizer", "hyphenated words split: four-power -> four power (now)", Analysis()),
    ("tokenizer", "hyphenated words kept whole", Analysis(tokenizer=HYPHEN_WORD_RE)),
    ("tokenizer", "possessive 's split off and dropped (now)", Analysis()),
    ("tokenizer", "possessive kept in the word: nasser's", Analysis(tokenizer=APOSTROPHE_WORD_RE)),
    ("tokenizer", "numbers indexed (now)", Analysis()),
    ("tokenizer", "numbers dropped", Analysis(numbers=False)),
    ("tokenizer", "acronyms keep dots: u.s (now)", Analysis()),
    ("tokenizer", "acronym dots removed: us", Analysis(collapse_acronyms=True)),
    ("tokenizer", "split at dots: u.s -> u s (both then dropped, < 2 chars)", Analysis(tokenizer=SPLIT_DOTS_RE)),
    ("stemmer", "Porter (now)", Analysis()),
    ("stemmer", "Snowball English (Porter2)", Analysis(stemmer="snowball")),
    ("stemmer", "S-stemmer (plurals only)", Analysis(stemmer="s")),
    ("stemmer", "none", Analysis(stemmer="none")),
    ("stop words", "Whoosh default, 34 words (now)", Analysis()),
    ("stop words", "Whoosh's English list, 127 words", Analysis(stops="english")),
    ("stop words", "none", Analysis(stops="none")),
]
K1S = (0.9, 1.2, 1.5, 2.0)
BS = (0.4, 0.6, 0.75, 0.9)


class Runner:
    """Our search on one collection, one index per analysis, each Config's Row memoised."""

    def __init__(self, docs: Path, queries: list[tuple[str, str]], qrels: Qrels, work: Path):
        self.docs, self.queries, self.qrels, self.work = docs, queries, qrels, work
        self.indexes: dict[Optional[Analysis], Path] = {}
        self.memo: dict[tuple, Row] = {}

    def index_for(self, analysis: Optional[Analysis]) -> Path:
        if analysis not in self.indexes:
            target = self.work / f"ix{len(self.indexes)}"
            self.indexes[analysis] = build_index(self.docs, target, Config("build", analysis=analysis))
        return self.indexes[analysis]

    def row(self, config: Config) -> Row:
        key = (config.analysis, config.k1, config.b, config.title_boost, config.query_stops, config.syntax,
               config.query, config.feedback, config.proximity, config.combine_fields)
        if key not in self.memo:
            run = search_run(self.index_for(config.analysis), self.queries, config)
            self.memo[key] = scored(config.name, run, self.qrels)
        return replace(self.memo[key], name=config.name)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval", type=Path, default=EVAL_DIR, help="folder with the TIME files")
    parser.add_argument("--runs", type=Path, help="also write each run as a TREC run file here")
    parser.add_argument("--reuters", type=Path, default=REUTERS_DIR, help="folder with Reuters-21578")
    parser.add_argument("--trials", type=int, default=20000, help="randomization test trials")
    args = parser.parse_args(argv)
    docs, queries, qrels = args.eval / DOCS, read_queries(args.eval / QUERIES), read_qrels(args.eval / QRELS)
    started = time.perf_counter()

    def say(text: str = "") -> None:
        print(text, flush=True)

    import bm25s
    import whoosh

    from searcher.query.ranking import DEFAULT_RANKING as product

    stops = frozenset(product.query_stop_words)
    say(f"{date.today()}, Python {sys.version.split()[0]}, Whoosh {whoosh.versionstring()}")
    say(f"TIME: {sum(1 for _ in docs.open())} docs, {len(queries)} queries, "
        f"{sum(len(r) for r in qrels.values())} relevant; bm25s {bm25s.__version__}; defaults "
        f"k1={product.k1} b={product.b} title_boost={product.title_boost}, "
        f"{len(stops)} query stop words")
    workdir = tempfile.TemporaryDirectory(prefix="relevance-")
    tmp = Path(workdir.name)
    runner = Runner(docs, queries, qrels, tmp / "time")
    ours, indexes = runner.row, runner.indexes

    # 1. systems
    now = ours(Config(f"ours now: BM25F score order, English stop words ({len(stops)}) left out of "
                      "any-word queries"))
    no_stops = ours(Config("ours, without query stop words (the default before)", query_stops=frozenset()))
    raw = ours(Config("ours now, query text as typed (AND/OR/() read as syntax)", syntax=True))
    base = scored("BM25 baseline: bm25s k1=1.2 b=0.75, Porter, no stop words", bm25_baseline(docs, queries), qrels)
    base15 = scored("bm25s at its defaults k1=1.5 b=0.75", bm25_baseline(docs, queries, k1=1.5), qrels)
    base_stops = scored(f"bm25s k1=1.2 b=0.75, the same {len(stops)} stop words left out of the queries",
                        bm25_baseline(docs, queries, query_stops=stops), qrels)
    systems = [now, no_stops, raw, base, base15, base_stops]

    say("\n## Systems (difference to the BM25 baseline; p: paired randomization test on AP)\n")
    body = []
    for row in systems:
        body.append([row.name] + [figure(row.scores[m]) for m in METRICS]
                    + [delta(row.scores["MAP"] - base.scores["MAP"]),
                       p_text(randomization_p(row.ap, base.ap, args.trials)),
                       delta(row.scores["nDCG@10"] - base.scores["nDCG@10"]),
                       p_text(randomization_p(row.ndcg, base.ndcg, args.trials))])
    say(markdown(["system"] + list(METRICS) + ["MAP - BM25", "p (AP)", "nDCG@10 - BM25", "p (nDCG@10)"], body))
    say(f"\nquery stop words, now against without: MAP {delta(now.scores['MAP'] - no_stops.scores['MAP'])} "
        f"(p {p_text(randomization_p(now.ap, no_stops.ap, args.trials))}), nDCG@10 "
        f"{delta(now.scores['nDCG@10'] - no_stops.scores['nDCG@10'])} "
        f"(p {p_text(randomization_p(now.ndcg, no_stops.ndcg, args.trials))}); better on "
        f"{sum(now.ap[q] > no_stops.ap[q] + 1e-9 for q in qrels)}, worse on "
        f"{sum(now.ap[q] < no_stops.ap[q] - 1e-9 for q in qrels)} of {len(qrels)} queries (AP)")

    # 2. experiments, one factor at a time from now
    def experiment_cells(config: Config) -> list[str]:
        row = ours(config)
        return [figure(row.scores["MAP"]), delta(row.scores["MAP"] - now.scores["MAP"]),
                p_text(randomization_p(row.ap, now.ap, args.trials)),
                figure(row.scores["nDCG@10"]), delta(row.scores["nDCG@10"] - now.scores["nDCG@10"])]

    from whoosh.analysis import STOP_WORDS

    rows = [["query", f"plain words, English stop words ({len(stops)}) left out (now)",
             *experiment_cells(Config("now"))],
            ["query", "text as typed: AND, OR, ( ) read as syntax",
             *experiment_cells(Config("raw", syntax=True))],
            ["query", "no query stop words (only the index's 34)",
             *experiment_cells(Config("no query stops", query_stops=frozenset()))],
            ["query", "query stop words: Whoosh's default 34 (the index's own list)",
             *experiment_cells(Config("query stops 34", query_stops=frozenset(STOP_WORDS)))]]
    for group, choice, analysis in ANALYSIS_EXPERIMENTS:
        config = Config(choice, analysis=None if analysis == Analysis() else analysis)
        rows.append([group, choice] + experiment_cells(config))
    for boost in (1.0, 4.0):
        rows.append(["field weights", f"title_boost {boost} (now {product.title_boost}; no titles here)"]
                    + experiment_cells(Config(f"title {boost}", title_boost=boost)))
    say("\n## Experiments: one change at a time from now (Δ and p against now)\n")
    say(markdown(["experiment", "choice", "MAP", "Δ", "p", "nDCG@10", "Δ"], rows))

    # Where the query stop words help: by query length (words left after the index's analysis).
    analyzer = Analysis().build()
    length = {qid: sum(1 for _ in analyzer(text)) for qid, text in queries}
    buckets = [("3-6", 3, 6), ("7-11", 7, 11), ("12-20", 12, 99)]
    say("\n## Query stop words by query length (words after the index's analysis)\n")
    say(markdown(["words", "queries", "MAP without", "MAP now", "Δ", "nDCG@10 without", "nDCG@10 now"], [
        [label, str(len(ids)),
         figure(statistics.fmean(no_stops.ap[q] for q in ids)), figure(statistics.fmean(now.ap[q] for q in ids)),
         delta(statistics.fmean(now.ap[q] - no_stops.ap[q] for q in ids)),
         figure(statistics.fmean(no_stops.ndcg[q] for q in ids)), figure(statistics.fmean(now.ndcg[q] for q in ids))]
        for label, lo, hi in buckets for ids in [[q for q in qrels if lo <= length[q] <= hi]]]))

    # 3. BM25 k1 x b grid, judged by 2-fold cross-validation
    grid = {(k1, b): ours(Config(f"k1={k1} b={b}", k1=k1, b=b)) for k1 in K1S for b in BS}
    qids = sorted(qrels, key=int)
    say("\n## BM25F k1 x b: MAP / nDCG@10\n")
    say(markdown(["k1 \\ b"] + [str(b) for b in BS],
                 [[str(k1)] + [f"{figure(grid[k1, b].scores['MAP'])} / {figure(grid[k1, b].scores['nDCG@10'])}"
                               for b in BS] for k1 in K1S]))
    best = max(grid, key=lambda kb: grid[kb].scores["MAP"])
    chosen, picks = cross_validated(grid, qids)
    cv = statistics.fmean(chosen.values())
    say(f"\nbest k1={best[0]} b={best[1]}: MAP {figure(grid[best].scores['MAP'])} "
        f"({delta(grid[best].scores['MAP'] - now.scores['MAP'])}, "
        f"p {p_text(randomization_p(grid[best].ap, now.ap, args.trials))}); "
        f"2-fold cross-validated MAP {figure(cv)} (picks {picks}) against {figure(now.scores['MAP'])} now")

    # 4. combinations worth considering, against now and against the baseline
    combos = [no_stops, now,
              ours(Config("now + English stop list (127) in the index too", analysis=Analysis(stops="english"))),
              ours(Config(f"now + k1={best[0]} b={best[1]} (grid best, not cross-validated)", k1=best[0], b=best[1])),
              base]
    say("\n## Combinations\n")
    say(markdown(["system"] + list(METRICS) + ["MAP - now", "p", "MAP - BM25", "p", "nDCG@10 - BM25"], [
        [row.name] + [figure(row.scores[m]) for m in METRICS]
        + [delta(row.scores["MAP"] - now.scores["MAP"]), p_text(randomization_p(row.ap, now.ap, args.trials)),
           delta(row.scores["MAP"] - base.scores["MAP"]), p_text(randomization_p(row.ap, base.ap, args.trials)),
           delta(row.scores["nDCG@10"] - base.scores["nDCG@10"])]
        for row in combos]))

    if args.runs:
        args.runs.mkdir(parents=True, exist_ok=True)
        for slug, row in [("ours-now", now), ("ours-no-query-stops", no_stops), ("ours-raw", raw),
                          ("bm25s", base)]:
            with (args.runs / f"{slug}.run").open("w") as fh:
                for qid, docs_ in row.run.items():
                    for rank, doc in enumerate(docs_, 1):
                        fh.write(f"{qid} Q0 {doc} {rank} {len(docs_) - rank + 1} {slug}\n")
    # 5. issue 15: proximity and feedback, on TIME and on the Reuters topic set
    collections = {"TIME": relevance_methods.methods(say, "TIME", ours, Config("now"), docs, queries, qrels,
                                                     args.trials)}
    if args.reuters.is_dir():
        (tmp / "reuters").mkdir()
        r_docs, r_queries, r_qrels = reuters_collection(tmp / "reuters", args.reuters)
        say(f"\nReuters topics: {sum(1 for _ in r_docs.open())} docs, {len(r_queries)} queries, "
            f"{sum(len(r) for r in r_qrels.values())} relevant (bench/judged_sets.py)")
        reuters = Runner(r_docs, r_queries, r_qrels, tmp / "reuters")
        collections["Reuters"] = relevance_methods.methods(say, "Reuters-21578 topics", reuters.row, Config("now"),
                                                           r_docs, r_queries, r_qrels, args.trials)
        relevance_methods.pooled(say, collections, args.trials)
    else:
        say(f"\n(no Reuters-21578 at {args.reuters}: its section left out)")
    say(f"\n{len(indexes)} indexes built; {time.perf_counter() - started:.0f} s")
    workdir.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
