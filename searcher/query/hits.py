"""Result records from a backend's page: Hit, with its snippet and matched terms."""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..article import Article
from ..results import Hit
from .highlight import find_terms, make_snippet, present

if TYPE_CHECKING:
    from ..engine.base import Analysis


def to_hit(article: Article, score: Optional[float], rank: int) -> Hit:
    return Hit(id=article.id, title=article.title, date=article.date, authors=article.authors,
               sources=article.sources, tags=article.tags, url=article.url, publisher=article.publisher,
               score=score, rank=rank, date_precision=article.date_precision)


def page_hits(page: list[tuple[Article, Optional[float]]], offset: int, terms: dict[str, frozenset[str]],
              analysis: "Analysis", snippets: bool = True) -> list[Hit]:
    """Hits ranked from ``offset + 1``; with ``snippets``, each with its best
    body fragments and the analysed terms it matched in title and body."""
    hits = []
    body_terms, title_terms = terms.get("body", frozenset()), terms.get("title", frozenset())
    for rank, (article, score) in enumerate(page, offset + 1):
        hit = to_hit(article, score, rank)
        if snippets:
            found = find_terms(article.body, body_terms, analysis, article.language)  # once, for both
            hit.snippet, hit.highlights = make_snippet(article.body, body_terms, analysis, found)
            hit.matched_terms = sorted({term for _, _, term in found}
                                       | present(analysis, article.title, title_terms, article.language))
        hits.append(hit)
    return hits
