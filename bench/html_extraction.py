"""HTML news-page extraction benchmark (issue 4): our reader against the naive
text of ``<body>``, on the real pages in ../shared/corpora/news-html.

    python bench/html_extraction.py [--shared PATH] [--candidates]

Body: token precision, recall and F1 (tokens are lower-case ``\\w+`` words,
overlap counted as multisets, macro-averaged over pages) on newspaper3k (30
pages) and newspaper4k (6). Title, authors and date accuracy on newspaper4k.
trafilatura's evaluation pages (14): the share of ``with`` snippets found in
the body and the share of ``without`` snippets absent from it.

``--candidates`` adds the per-field comparison behind the choices documented
in ``searcher/readers/html.py``: our metadata code against trafilatura's
(``bare_extraction(with_metadata=True)``, offline), and body variants.

tests/test_html_quality.py imports :func:`evaluate` from this file and pins
floors under the figures it prints.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from searcher.dates import parse_date  # noqa: E402

CORPUS = "corpora/news-html"
_WORD = re.compile(r"\w+")


@dataclass
class Extracted:
    title: str = ""
    body: str = ""
    authors: list[str] = field(default_factory=list)
    date: datetime | None = None
    publisher: str = ""
    language: str = ""


Extractor = Callable[[Path], Extracted]


# --- scoring --------------------------------------------------------------

def tokens(text: str) -> Counter:
    return Counter(_WORD.findall(text.lower()))


def token_prf(predicted: str, expected: str) -> tuple[float, float, float]:
    """Precision, recall, F1 of predicted against expected words (multisets)."""
    pred, ref = tokens(predicted), tokens(expected)
    if not pred and not ref:
        return 1.0, 1.0, 1.0
    overlap = sum((pred & ref).values())
    precision = overlap / sum(pred.values()) if pred else 0.0
    recall = overlap / sum(ref.values()) if ref else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def norm_text(text: str) -> str:
    """Case-, accent-form-, quote- and punctuation-insensitive form of a title."""
    text = unicodedata.normalize("NFKC", text or "").replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(_WORD.findall(text.casefold()))


def same_authors(predicted: Iterable[str], expected: Iterable[str]) -> bool:
    return {norm_text(a) for a in predicted} == {norm_text(a) for a in expected}


def same_day(predicted: datetime | None, expected: object) -> bool:
    """Same calendar day in UTC (a date with no zone is UTC); both unknown counts."""
    want = parse_date(expected) if expected else None
    if predicted is None or want is None:
        return predicted is None and want is None
    return predicted.astimezone(timezone.utc).date() == want.date()


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --- corpus ---------------------------------------------------------------

def corpus_root(shared: Path) -> Path:
    return Path(shared) / CORPUS


def is_note(expected: str) -> bool:
    """newspaper3k keeps a maintainer's note, not text, for pages its own
    extractor fails on ("MISSES SECOND HALF OF ARTICLE"): all capitals."""
    return not any(c.islower() for c in expected)


def newspaper3k_pages(shared: Path, notes: bool = False) -> list[tuple[Path, str]]:
    """(page, expected body) pairs; pages whose expected file is a note are left
    out unless ``notes``, since no text could match it."""
    root = corpus_root(shared) / "newspaper3k"
    pairs = [(page, (root / "text" / f"{page.stem}.txt").read_text(encoding="utf-8"))
             for page in sorted((root / "html").glob("*.html"))]
    return [(page, text) for page, text in pairs if notes or not is_note(text)]


def newspaper4k_pages(shared: Path) -> list[tuple[Path, dict]]:
    """(page, expected metadata); the expected body is txt/NAME.txt (the same
    as the metadata's "text", which one page lacks)."""
    root = corpus_root(shared) / "newspaper4k"
    pages = []
    for page in sorted((root / "html").glob("*.html")):
        expected = json.loads((root / "metadata" / f"{page.stem}.json").read_text(encoding="utf-8"))
        text_file = root / "txt" / f"{page.stem}.txt"
        if text_file.is_file():
            expected["text"] = text_file.read_text(encoding="utf-8")
        pages.append((page, expected))
    return pages


def trafilatura_pages(shared: Path) -> list[tuple[Path, list[str], list[str]]]:
    root = corpus_root(shared) / "trafilatura"
    data = json.loads((root / "evaldata.json").read_text(encoding="utf-8"))
    by_file = {entry["file"]: entry for entry in data.values()}
    return [(page, by_file[page.name]["with"], by_file[page.name]["without"])
            for page in sorted((root / "eval").glob("*.html")) if page.name in by_file]


def body_scores(pairs: list[tuple[str, str]]) -> dict[str, float]:
    rows = [token_prf(predicted, expected) for predicted, expected in pairs]
    return {"precision": _mean([r[0] for r in rows]), "recall": _mean([r[1] for r in rows]),
            "f1": _mean([r[2] for r in rows]), "pages": len(rows)}


def evaluate(shared: Path, extract: Extractor, metadata: bool = True) -> dict[str, dict[str, float]]:
    """Every score for one extractor, as {corpus: {measure: value}}."""
    n3k = [(extract(page).body, expected) for page, expected in newspaper3k_pages(shared)]
    results = {"newspaper3k": body_scores(n3k)}
    n4k = [(extract(page), expected) for page, expected in newspaper4k_pages(shared)]
    scores = body_scores([(got.body, exp.get("text", "")) for got, exp in n4k])
    if metadata:
        scores["title"] = _mean([norm_text(got.title) == norm_text(exp["title"]) for got, exp in n4k])
        scores["authors"] = _mean([same_authors(got.authors, exp["authors"]) for got, exp in n4k])
        scores["date"] = _mean([same_day(got.date, exp.get("publish_date")) for got, exp in n4k])
        scores["publisher"] = _mean([norm_text(got.publisher) == norm_text(exp.get("meta_site_name", ""))
                                     for got, exp in n4k])
        scores["language"] = _mean([got.language.lower()[:2] == exp.get("meta_lang", "")[:2]
                                    for got, exp in n4k])
    results["newspaper4k"] = scores
    found, absent = [], []
    for page, with_, without in trafilatura_pages(shared):
        body = _squash(extract(page).body)
        found += [_squash(snippet) in body for snippet in with_]
        absent += [_squash(snippet) not in body for snippet in without]
    results["trafilatura"] = {"with": _mean(found), "without": _mean(absent), "pages": len(trafilatura_pages(shared))}
    return results


# --- extractors -----------------------------------------------------------

def ours(page: Path) -> Extracted:
    """The product: searcher's registered reader for the file."""
    from searcher.article import Article
    from searcher.readers import read_source
    from searcher.readers.source import Source

    for record in read_source(Source.from_path(page)):
        if isinstance(record, Article):
            return Extracted(record.title, record.body, record.authors, record.date,
                             record.publisher, record.language)
    return Extracted()


def naive(page: Path) -> Extracted:
    """The text_content() of <body>, as lxml.html parses the bytes."""
    import lxml.html

    tree = lxml.html.document_fromstring(page.read_bytes())
    body = tree.find("body")
    return Extracted(body=(body if body is not None else tree).text_content())


def trafilatura_metadata(page: Path) -> Extracted:
    """trafilatura's own metadata and text (no URL given: nothing fetched)."""
    import trafilatura

    from searcher.readers.html import decode_html

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # htmldate's dateutil calls warn about zone names
        doc = trafilatura.bare_extraction(decode_html(page.read_bytes()), with_metadata=True,
                                          include_comments=False)
    if doc is None:
        return Extracted()
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    return Extracted(doc.title or "", doc.text or "", authors, parse_date(doc.date) if doc.date else None,
                     doc.sitename or "", doc.language or "")


def _body_variant(**options) -> Extractor:
    def extract(page: Path) -> Extracted:
        import trafilatura

        from searcher.readers.html import decode_html

        text = trafilatura.extract(decode_html(page.read_bytes()), include_comments=False, **options)
        return Extracted(body=text or "")
    return extract


def _jsonld_body(page: Path) -> Extracted:
    import lxml.html

    from searcher.readers.html import decode_html
    from searcher.readers.html_meta import page_meta

    meta = page_meta(lxml.html.document_fromstring(decode_html(page.read_bytes())))
    return Extracted(body=meta.body or ours(page).body)


CANDIDATES: dict[str, Extractor] = {
    "trafilatura favor_precision": _body_variant(favor_precision=True),
    "trafilatura favor_recall": _body_variant(favor_recall=True),
    "trafilatura fast pass only": _body_variant(fast=True),
    "trafilatura with fallbacks on every page": _body_variant(),
    "trafilatura without tables": _body_variant(include_tables=False),
    "JSON-LD articleBody, else ours": _jsonld_body,
}


# --- report ---------------------------------------------------------------

def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


_META_FIELDS = ("title", "authors", "date", "publisher", "language")


def report(shared: Path, candidates: bool = False) -> str:
    started = time.perf_counter()
    mine = evaluate(shared, ours)
    seconds = time.perf_counter() - started
    base = evaluate(shared, naive, metadata=False)
    lines = ["Body text, token overlap (macro-average over pages):", "",
             _row(["corpus", "pages", "measure", "ours", "naive <body>", "ours / naive"]),
             _row(["---"] * 6)]
    for corpus in ("newspaper3k", "newspaper4k"):
        for measure in ("precision", "recall", "f1"):
            a, b = mine[corpus][measure], base[corpus][measure]
            lines.append(_row([corpus, str(mine[corpus]["pages"]), measure, f"{a:.3f}", f"{b:.3f}",
                               f"{a / b:.2f}" if b else "-"]))
    t_ours, t_naive = mine["trafilatura"], base["trafilatura"]
    for measure, label in (("with", "`with` snippets found"), ("without", "`without` snippets absent")):
        a, b = t_ours[measure], t_naive[measure]
        lines.append(_row(["trafilatura", str(t_ours["pages"]), label, f"{a:.3f}", f"{b:.3f}",
                           f"{a / b:.2f}" if b else "-"]))
    lines += ["", "Metadata on newspaper4k (share of pages right):", "",
              _row(["field", "ours"]), _row(["---"] * 2)]
    for measure in ("title", "authors", "date"):
        lines.append(_row([measure, f"{mine['newspaper4k'][measure]:.3f}"]))
    lines += ["", f"Our reader: 50 pages in {seconds:.1f} s (wall clock, this run)."]
    if candidates:
        lines += ["", "Candidates per field (choices in searcher/readers/html.py):", "",
                  _row(["extractor", "3k F1", "4k F1", "with", "without", *_META_FIELDS]),
                  _row(["---"] * (5 + len(_META_FIELDS)))]
        rows = {"ours (product)": mine, "trafilatura metadata + text": evaluate(shared, trafilatura_metadata)}
        rows.update({name: evaluate(shared, fn, metadata=False) for name, fn in CANDIDATES.items()})
        for name, scores in rows.items():
            n4k = scores["newspaper4k"]
            meta = [f"{n4k[m]:.3f}" if m in n4k else "-" for m in _META_FIELDS]
            lines.append(_row([name, f"{scores['newspaper3k']['f1']:.3f}", f"{n4k['f1']:.3f}",
                               f"{scores['trafilatura']['with']:.3f}",
                               f"{scores['trafilatura']['without']:.3f}", *meta]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared",
                        help="the shared folder holding corpora/news-html (default: ../shared)")
    parser.add_argument("--candidates", action="store_true",
                        help="also compare our metadata with trafilatura's, and body variants")
    args = parser.parse_args(argv)
    if not corpus_root(args.shared).is_dir():
        parser.error(f"{corpus_root(args.shared)} not found")
    print(report(args.shared, args.candidates))
    return 0


if __name__ == "__main__":
    sys.exit(main())
