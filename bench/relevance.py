"""Relevance on the TIME test collection (issue 7): what we rank first, against plain BM25.

    python bench/relevance.py [--eval DIR] [--runs DIR] [--trials N]

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

tests/test_relevance.py imports the metric functions and ``search_run`` from
here (importlib, by path), so they exist once.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

REPO = Path(__file__).resolve().parents[1]
EVAL_DIR = REPO.parent / "shared" / "eval" / "time"
DOCS, QUERIES, QRELS = "time-docs.jsonl", "time-queries.tsv", "time-qrels.txt"
LIMIT = 1000
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

Run = dict[str, list[str]]  # query id -> doc ids, best first
Qrels = dict[str, dict[str, int]]  # query id -> doc id -> relevance grade


# -- collection ---------------------------------------------------------

def read_queries(path: Path) -> list[tuple[str, str]]:
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            qid, text = line.split("\t", 1)
            rows.append((qid.strip(), text.strip()))
    return rows


def read_qrels(path: Path) -> Qrels:
    qrels: Qrels = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            qid, _, doc, rel = line.split()
            qrels.setdefault(qid, {})[doc] = int(rel)
    return qrels


def as_typed(text: str) -> str:
    """The query text unchanged (with ``syntax=True``: read with our query syntax)."""
    return text


# -- metrics (trec_eval's definitions; means over every query in the qrels) --

def average_precision(ranking: list[str], rels: dict[str, int]) -> float:
    relevant = sum(1 for grade in rels.values() if grade > 0)
    if not relevant:
        return 0.0
    found, total = 0, 0.0
    for rank, doc in enumerate(ranking, 1):
        if rels.get(doc, 0) > 0:
            found += 1
            total += found / rank
    return total / relevant


def ndcg_at(ranking: list[str], rels: dict[str, int], k: int = 10) -> float:
    """Gain = grade, discount log2(rank + 1) (trec_eval ndcg_cut)."""
    dcg = sum(rels.get(doc, 0) / math.log2(rank + 1) for rank, doc in enumerate(ranking[:k], 1))
    ideal = sorted((g for g in rels.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 1) for rank, g in enumerate(ideal, 1))
    return dcg / idcg if idcg else 0.0


def precision_at(ranking: list[str], rels: dict[str, int], k: int = 10) -> float:
    return sum(1 for doc in ranking[:k] if rels.get(doc, 0) > 0) / k


def recall_at(ranking: list[str], rels: dict[str, int], k: int = 100) -> float:
    relevant = sum(1 for grade in rels.values() if grade > 0)
    return sum(1 for doc in ranking[:k] if rels.get(doc, 0) > 0) / relevant if relevant else 0.0


METRICS: dict[str, Callable[[list[str], dict[str, int]], float]] = {
    "MAP": average_precision, "nDCG@10": ndcg_at, "P@10": precision_at, "R@100": recall_at,
}


def per_query(run: Run, qrels: Qrels, metric: str = "MAP") -> dict[str, float]:
    return {qid: METRICS[metric](run.get(qid, [])[:LIMIT], rels) for qid, rels in qrels.items()}


def evaluate(run: Run, qrels: Qrels) -> dict[str, float]:
    """Mean of each metric over every query that has judgements (a query
    missing from the run counts 0, as trec_eval -c)."""
    return {name: statistics.fmean(per_query(run, qrels, name).values()) for name in METRICS}


def randomization_p(a: dict[str, float], b: dict[str, float], trials: int = 20000, seed: int = 7) -> float:
    """Two-sided paired randomization test of mean(a - b): random sign flips."""
    import numpy as np

    diffs = np.array([a[q] - b[q] for q in sorted(a)])
    if not diffs.any():
        return 1.0
    signs = np.random.default_rng(seed).choice((-1.0, 1.0), size=(trials, len(diffs)))
    extreme = np.abs((signs * diffs).mean(axis=1)) >= abs(diffs.mean()) - 1e-12
    return (extreme.sum() + 1) / (trials + 1)


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


def ranking(config: Config):
    """The product's Ranking with what ``config`` sets."""
    from searcher.query.ranking import Ranking

    chosen = {"k1": config.k1, "b": config.b, "title_boost": config.title_boost,
              "query_stop_words": config.query_stops}
    return Ranking(**{name: value for name, value in chosen.items() if value is not None})


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


# -- baseline ---------------------------------------------------------------

def porter_tokens(text: str) -> list[str]:
    from searcher.engine.whoosh.stemming import porter_stem  # the published algorithm (Whoosh's is not)

    return [porter_stem(word) for word in re.findall(r"\w+", text.lower())]


def bm25_baseline(docs: Path, queries: list[tuple[str, str]], k1: float = 1.2, b: float = 0.75,
                  query_stops: frozenset[str] = frozenset()) -> Run:
    """bm25s (method "lucene") over lower-case, Porter-stemmed \\w+ tokens, no stop words
    (``query_stops``: words left out of the queries only, before stemming)."""
    import bm25s

    records = [json.loads(line) for line in docs.read_text(encoding="utf-8").splitlines() if line.strip()]
    ids = [str(r["id"]) for r in records]
    retriever = bm25s.BM25(k1=k1, b=b)
    retriever.index([porter_tokens(f"{r.get('title', '')}\n{r.get('body', '')}") for r in records],
                    show_progress=False)
    vocab = retriever.vocab_dict
    run: Run = {}
    for qid, text in queries:
        words = " ".join(w for w in re.findall(r"\w+", text.lower()) if w not in query_stops)
        tokens = [vocab[t] for t in porter_tokens(words) if t in vocab]
        scores = retriever.get_scores(tokens) if tokens else [0.0] * len(ids)
        order = sorted((i for i, s in enumerate(scores) if s > 0), key=lambda i: (-scores[i], i))
        run[qid] = [ids[i] for i in order[:LIMIT]]
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


@dataclass
class Row:
    name: str
    run: Run
    scores: dict[str, float] = field(default_factory=dict)
    ap: dict[str, float] = field(default_factory=dict)
    ndcg: dict[str, float] = field(default_factory=dict)


def scored(name: str, run: Run, qrels: Qrels) -> Row:
    return Row(name, run, evaluate(run, qrels), per_query(run, qrels, "MAP"), per_query(run, qrels, "nDCG@10"))


def _f(x: float) -> str:
    return f"{x:.4f}"


def _d(x: float) -> str:
    return f"{x:+.4f}"


def _p(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def markdown(header: list[str], rows: Iterable[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def cross_validated(grid: dict[tuple[float, float], Row], qids: list[str]) -> tuple[float, list]:
    """Two folds (alternate queries): pick k1, b on one fold, score the other."""
    folds = [qids[0::2], qids[1::2]]
    total, picks = 0.0, []
    for train, test in (folds, folds[::-1]):
        best = max(grid, key=lambda kb: statistics.fmean(grid[kb].ap[q] for q in train))
        picks.append(best)
        total += sum(grid[best].ap[q] for q in test)
    return total / len(qids), picks


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval", type=Path, default=EVAL_DIR, help="folder with the TIME files")
    parser.add_argument("--runs", type=Path, help="also write each run as a TREC run file here")
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
    indexes: dict[Optional[Analysis], Path] = {}

    def index_for(analysis: Optional[Analysis]) -> Path:
        if analysis not in indexes:
            indexes[analysis] = build_index(docs, tmp / f"ix{len(indexes)}", Config("build", analysis=analysis))
        return indexes[analysis]

    memo: dict[tuple, Row] = {}

    def ours(config: Config) -> Row:
        key = (config.analysis, config.k1, config.b, config.title_boost, config.query_stops, config.syntax,
               config.query)
        if key not in memo:
            memo[key] = scored(config.name, search_run(index_for(config.analysis), queries, config), qrels)
        return replace(memo[key], name=config.name)

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
        body.append([row.name] + [_f(row.scores[m]) for m in METRICS]
                    + [_d(row.scores["MAP"] - base.scores["MAP"]), _p(randomization_p(row.ap, base.ap, args.trials)),
                       _d(row.scores["nDCG@10"] - base.scores["nDCG@10"]),
                       _p(randomization_p(row.ndcg, base.ndcg, args.trials))])
    say(markdown(["system"] + list(METRICS) + ["MAP - BM25", "p (AP)", "nDCG@10 - BM25", "p (nDCG@10)"], body))
    say(f"\nquery stop words, now against without: MAP {_d(now.scores['MAP'] - no_stops.scores['MAP'])} "
        f"(p {_p(randomization_p(now.ap, no_stops.ap, args.trials))}), nDCG@10 "
        f"{_d(now.scores['nDCG@10'] - no_stops.scores['nDCG@10'])} "
        f"(p {_p(randomization_p(now.ndcg, no_stops.ndcg, args.trials))}); better on "
        f"{sum(now.ap[q] > no_stops.ap[q] + 1e-9 for q in qrels)}, worse on "
        f"{sum(now.ap[q] < no_stops.ap[q] - 1e-9 for q in qrels)} of {len(qrels)} queries (AP)")

    # 2. experiments, one factor at a time from now
    def experiment_cells(config: Config) -> list[str]:
        row = ours(config)
        return [_f(row.scores["MAP"]), _d(row.scores["MAP"] - now.scores["MAP"]),
                _p(randomization_p(row.ap, now.ap, args.trials)),
                _f(row.scores["nDCG@10"]), _d(row.scores["nDCG@10"] - now.scores["nDCG@10"])]

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
         _f(statistics.fmean(no_stops.ap[q] for q in ids)), _f(statistics.fmean(now.ap[q] for q in ids)),
         _d(statistics.fmean(now.ap[q] - no_stops.ap[q] for q in ids)),
         _f(statistics.fmean(no_stops.ndcg[q] for q in ids)), _f(statistics.fmean(now.ndcg[q] for q in ids))]
        for label, lo, hi in buckets for ids in [[q for q in qrels if lo <= length[q] <= hi]]]))

    # 3. BM25 k1 x b grid, judged by 2-fold cross-validation
    grid = {(k1, b): ours(Config(f"k1={k1} b={b}", k1=k1, b=b)) for k1 in K1S for b in BS}
    qids = sorted(qrels, key=int)
    say("\n## BM25F k1 x b: MAP / nDCG@10\n")
    say(markdown(["k1 \\ b"] + [str(b) for b in BS],
                 [[str(k1)] + [f"{_f(grid[k1, b].scores['MAP'])} / {_f(grid[k1, b].scores['nDCG@10'])}"
                               for b in BS] for k1 in K1S]))
    best = max(grid, key=lambda kb: grid[kb].scores["MAP"])
    cv, picks = cross_validated(grid, qids)
    say(f"\nbest k1={best[0]} b={best[1]}: MAP {_f(grid[best].scores['MAP'])} "
        f"({_d(grid[best].scores['MAP'] - now.scores['MAP'])}, "
        f"p {_p(randomization_p(grid[best].ap, now.ap, args.trials))}); "
        f"2-fold cross-validated MAP {_f(cv)} (picks {picks}) against {_f(now.scores['MAP'])} now")

    # 4. combinations worth considering, against now and against the baseline
    combos = [no_stops, now,
              ours(Config("now + English stop list (127) in the index too", analysis=Analysis(stops="english"))),
              ours(Config(f"now + k1={best[0]} b={best[1]} (grid best, not cross-validated)", k1=best[0], b=best[1])),
              base]
    say("\n## Combinations\n")
    say(markdown(["system"] + list(METRICS) + ["MAP - now", "p", "MAP - BM25", "p", "nDCG@10 - BM25"], [
        [row.name] + [_f(row.scores[m]) for m in METRICS]
        + [_d(row.scores["MAP"] - now.scores["MAP"]), _p(randomization_p(row.ap, now.ap, args.trials)),
           _d(row.scores["MAP"] - base.scores["MAP"]), _p(randomization_p(row.ap, base.ap, args.trials)),
           _d(row.scores["nDCG@10"] - base.scores["nDCG@10"])]
        for row in combos]))

    if args.runs:
        args.runs.mkdir(parents=True, exist_ok=True)
        for slug, row in [("ours-now", now), ("ours-no-query-stops", no_stops), ("ours-raw", raw),
                          ("bm25s", base)]:
            with (args.runs / f"{slug}.run").open("w") as fh:
                for qid, docs_ in row.run.items():
                    for rank, doc in enumerate(docs_, 1):
                        fh.write(f"{qid} Q0 {doc} {rank} {len(docs_) - rank + 1} {slug}\n")
    say(f"\n{len(indexes)} indexes built; {time.perf_counter() - started:.0f} s")
    workdir.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
