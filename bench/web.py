"""The web interface's page response times, against the library calls a
page makes, in one run.

    python bench/web.py INDEX [--rounds 5]

Starts ``searcher serve``'s server on a loopback port over INDEX (build a
Reuters-21578 index with ``searcher index ../shared/corpora/reuters21578
--index /tmp/reuters``) and requests a mix of pages over HTTP: searches
(words, phrases, any-word, date-sorted, drilled into a facet, narrowed to
dates, a later page, the whole archive), article pages and a facet's
all-values page. Each page is fetched ``--rounds`` times, alternating with
the baseline: the same Archive calls made directly (a search with the
page's six facets, its timeline; an article, its similar articles and
copies). Prints p50/p90 per kind for both and the ratio: what the HTML,
the chart and HTTP add to the answer itself. The first round of each is a
warm-up, not counted.
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
import urllib.request
import warnings
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import median, percentile  # noqa: E402

warnings.simplefilter("ignore", SyntaxWarning)

SEARCHES = [  # (kind, URL parameters)
    ("words", {"q": "oil"}), ("words", {"q": "coffee prices"}), ("words", {"q": "bank interest rates"}),
    ("phrase", {"q": '"crude oil"'}), ("phrase", {"q": '"trade deficit"'}),
    ("any-word", {"q": "wheat corn soybeans", "match": "any"}),
    ("newest first", {"q": "dollar", "sort": "-date"}),
    ("drilled into a facet", {"q": "oil", "tags": "crude"}),
    ("narrowed to dates", {"q": "gold", "since": "1987-03", "until": "1987-03"}),
    ("page 3", {"q": "shares", "page": "3"}),
    ("whole archive", {}),
    ("fields and boolean", {"q": "title:(opec OR saudi) AND production"}),
]


def _fetch(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
        assert response.status == 200, url
    return time.perf_counter() - start


def _direct_search(archive, params: dict) -> float:
    from searcher.web.state import PAGE_FACETS, PAGE_SIZE, state_from

    state = state_from({k: [v] for k, v in params.items()})
    start = time.perf_counter()
    result = archive.search(state.q, limit=PAGE_SIZE, offset=state.offset, sort=state.effective_sort,
                            match=state.effective_match, facets=PAGE_FACETS, facet_limit=10, **state.query_args())
    archive.timeline(state.q, by=state.timeline_by(), match=result.fallback or state.effective_match,
                     **state.query_args())
    return time.perf_counter() - start


def _direct_article(archive, article_id: str) -> float:
    start = time.perf_counter()
    archive.get(article_id)
    archive.similar(article_id, limit=10)
    archive.duplicates(article_id)
    return time.perf_counter() - start


def _direct_facet(archive, name: str) -> float:
    start = time.perf_counter()
    archive.facet(name, "")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from searcher import Archive
    from searcher.web.server import make_app_server

    archive = Archive.open(args.index, processes=False)
    server = make_app_server(archive, "127.0.0.1", 0)
    server.RequestHandlerClass.log_message = lambda *a: None  # type: ignore[method-assign]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"

    ids = [hit.id for hit in archive.search("oil", limit=5).hits]
    cases = [(kind, f"{base}/?{urlencode(params)}", lambda p=params: _direct_search(archive, p))
             for kind, params in SEARCHES]
    cases += [("article", f"{base}/article?{urlencode({'id': i})}", lambda i=i: _direct_article(archive, i))
              for i in ids]
    cases += [("facet page", f"{base}/facet?name={name}", lambda n=name: _direct_facet(archive, n))
              for name in ("tags", "sources")]

    page: dict[str, list[float]] = {}
    direct: dict[str, list[float]] = {}
    for round_ in range(args.rounds + 1):
        for kind, url, call in cases:
            web_s, lib_s = _fetch(url), call()
            if round_:  # round 0 warms caches
                page.setdefault(kind, []).append(web_s * 1000)
                direct.setdefault(kind, []).append(lib_s * 1000)
    server.shutdown()

    print(f"{args.index}: {archive.stats().articles:,} articles; {args.rounds} rounds, ms")
    print(f"{'page':<22} {'web p50':>8} {'web p90':>8} {'library p50':>12} {'ratio':>6}")
    for kind in page:
        print(f"{kind:<22} {median(page[kind]):8.1f} {percentile(page[kind], 0.9):8.1f} "
              f"{median(direct[kind]):12.1f} {median(page[kind]) / max(median(direct[kind]), 1e-9):6.2f}")
    every = [t for times in page.values() for t in times]
    every_direct = [t for times in direct.values() for t in times]
    print(f"{'all pages':<22} {median(every):8.1f} {percentile(every, 0.9):8.1f} {median(every_direct):12.1f} "
          f"{median(every) / median(every_direct):6.2f}")
    archive.close()


if __name__ == "__main__":
    main()
