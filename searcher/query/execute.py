"""Run a query tree against the Whoosh index and return our own results."""
from __future__ import annotations

from ..index.documents import split_values, stored_date
from ..index.whoosh_import import scoring, sorting
from ..index.whoosh_import import index as whoosh_index
from ..results import Hit, SearchResult
from . import tree
from .whoosh_compile import Compiler

SORTS = ("relevance", "date", "-date")
# BM25F parameters (Whoosh defaults for now; issue 7 tunes them on evidence).
BM25_B = 0.75
BM25_K1 = 1.2


def weighting() -> "scoring.WeightingModel":
    return scoring.BM25F(B=BM25_B, K1=BM25_K1)


def _hit(fields: dict, score, rank: int) -> Hit:
    publishers = split_values(fields.get("publishers"))
    return Hit(
        id=fields["id"],
        title=fields.get("title", ""),
        date=stored_date(fields),
        authors=split_values(fields.get("authors")),
        sources=split_values(fields.get("sources")),
        tags=split_values(fields.get("tags")),
        url=fields.get("url", ""),
        publisher=publishers[0] if publishers else "",
        score=score,
        rank=rank,
    )


def _date_order(schema, newest_first: bool) -> "sorting.FacetType":
    """Sort by date, undated articles last either way, ties in id order."""
    missing = schema["date"].column_type._default  # what the column holds for "no date"
    if newest_first:
        key = sorting.TranslateFacet(lambda v: -1 if v == missing else -v, sorting.FieldFacet("date"))
    else:
        key = sorting.FieldFacet("date")
    return sorting.MultiFacet([key, sorting.FieldFacet("id")])


def run_search(
    ix: "whoosh_index.Index",
    node: tree.Node,
    text: str,
    *,
    limit: int = 10,
    offset: int = 0,
    sort: str = "relevance",
) -> SearchResult:
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")
    query = Compiler(ix.schema).compile(node)
    options: dict = {"limit": max(offset + limit, 1)}
    if sort != "relevance":
        options["sortedby"] = _date_order(ix.schema, newest_first=sort == "-date")
    with ix.searcher(weighting=weighting()) as searcher:
        results = searcher.search(query, **options)
        total = len(results)
        hits = [
            _hit(results[i].fields(), results[i].score if sort == "relevance" else None, i + 1)
            for i in range(offset, min(offset + limit, results.scored_length()))
        ]
    return SearchResult(query=text, total=total, hits=hits, offset=offset, sort=sort)
