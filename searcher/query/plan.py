"""Planning a search, the same for every backend: parse, leave common words
out of any-word queries, add the date span, run, offer any-word results when
nothing has every word, suggest spellings, explain an empty answer.
"""
from __future__ import annotations

from typing import Optional

from ..engine.base import Backend, Plan
from ..nearcopies import threshold_of
from ..results import SearchResult, Timeline
from . import feedback, proximity, stopwords, tree
from .fields import check_facet, check_period
from .hits import page_hits
from .parser import date_span, parse, parse_plain
from .periods import ranked, timeline_rows
from .ranking import Ranking
from .request import Filters, SearchRequest, Similarity, check_counting, check_match
from .suggest import query_words


class Planner:
    """Search policy over one backend."""

    def __init__(self, backend: Backend, ranking: Ranking):
        self.backend = backend
        self.ranking = ranking

    # -- search -----------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResult:
        read = parse if request.syntax else parse_plain
        node = read(request.query, default_operator="or" if request.match == "any" else "and")
        ignored: tuple[str, ...] = ()
        if request.match == "any":
            # Natural-language text: "what", "which", "been" would add to the
            # score of most articles. The index keeps them (match="all",
            # phrases and fields still find them); the result names them.
            node, ignored = self.without_stop_words(node)
        span = date_span(request.since, request.until)
        result = self._run(node, span, request, request.match)
        if request.fallback and result.total == 0 and request.match == "all" and _bare_words(node):
            # Nothing has every word: say so, and offer articles with any of
            # them (an any-word search like match="any", stop words left out).
            anyterm, offered_ignored = self.without_stop_words(read(request.query, default_operator="or"))
            offered = self._run(anyterm, span, request, "any")
            if offered.total:
                result, result.fallback, ignored = offered, "any", offered_ignored
        if result.total == 0 or result.fallback:
            result.suggestions = self.backend.suggest(query_words(node))
        if result.total == 0:
            result.notice = self._only_common_words(node)
        result.ignored = list(ignored)
        return result

    def _run(self, node: tree.Node, span: Optional[tree.DateRange], request: SearchRequest,
             match: str) -> SearchResult:
        ranked = match == "any" and request.sort == "relevance"
        close = proximity.pairs(node, self.ranking.proximity) if ranked else None
        node = within(node, span)
        if ranked:
            node = self.with_feedback(node, request)
        if close is not None:
            node = tree.Rescored(node, close)
        plan = Plan(node, request.filters, request.sort, request.offset, request.limit,
                    request.facets, request.facet_limit, similarity=threshold_of(request.similarity),
                    collapse=request.collapse, stories=request.count == "stories")
        found = self.backend.execute(plan)
        hits = page_hits(found.page, request.offset, found.terms, self.backend.analysis, request.snippets)
        for hit, copies in zip(hits, found.copies):
            hit.group, hit.copies, hit.outlets = copies.group, copies.count, list(copies.outlets)
        return SearchResult(query=request.query, total=found.total, hits=hits, offset=request.offset,
                            sort=request.sort, match=match, facets=found.facets, missing_shards=found.missing,
                            stories=found.stories, collapsed=request.collapse, count=request.count)

    def with_feedback(self, node: tree.Node, request: SearchRequest) -> tree.Node:
        """``node`` reranked with the words of its best articles (feedback.py), when the ranking asks for it."""
        chosen = self.ranking.feedback
        if chosen is None or not tree.terms(node):
            return node
        first = self.backend.execute(Plan(node, request.filters, "relevance", 0, chosen.docs, (), None))
        model = feedback.relevance_model(first.page, self.backend.analysis, self.ranking.query_stop_words,
                                         chosen.terms)
        return feedback.expanded(node, model, chosen.original_weight)

    def without_stop_words(self, node: tree.Node) -> tuple[tree.Node, tuple[str, ...]]:
        """An any-word query without its bare stop words (and the words left out);
        unchanged when nothing this index can search would remain."""
        return stopwords.drop_stop_words(node, self.ranking.query_stop_words, searchable=self.backend.searchable)

    def _only_common_words(self, node: tree.Node) -> Optional[str]:
        """Why a query of words found nothing when every one is a word the index leaves out."""
        words = tree.terms(node)
        analysis = self.backend.analysis
        if not words or any(analysis.query_terms(word) for word in words):
            return None
        shown = ", ".join(dict.fromkeys(word.lower() for word in words))
        return (f"the query holds only common words the index leaves out ({shown}); "
                "add a less common word (in a phrase a common word holds its place: \"bank of england\")")

    # -- facets and timelines -----------------------------------------------
    def facet(self, name: str, text: str, filters: Optional[Filters], since: Optional[str],
              until: Optional[str], count: str = "articles", similarity: Similarity = None,
              syntax: bool = True) -> list[tuple[str, int]]:
        check_facet(name)
        node = within((parse if syntax else parse_plain)(text), date_span(since, until))
        return ranked(self.backend.facet(node, filters, name, _stories(count, similarity)), None)

    def timeline(self, text: str, by: str, filters: Optional[Filters], match: str, since: Optional[str],
                 until: Optional[str], count: str = "articles", similarity: Similarity = None,
                 syntax: bool = True) -> Timeline:
        read = parse if syntax else parse_plain
        node = read(text, default_operator="or" if check_match(match) == "any" else "and")
        if match == "any":  # the same articles as search(match="any")
            node, _ignored = self.without_stop_words(node)
        check_period(by)
        stories = _stories(count, similarity)
        counts = self.backend.days(within(node, date_span(since, until)), filters, by, stories)
        rows, undated = timeline_rows(counts.per_day, by)
        return Timeline(query=text, by=by, periods=rows, undated=undated, total=counts.total,
                        coarse=counts.coarse, missing_shards=counts.missing, count=count)


def _stories(count: str, similarity: Similarity) -> Optional[float]:
    """The near-copy threshold when counting stories, else None (articles)."""
    threshold = threshold_of(similarity)
    return threshold if check_counting(count) == "stories" else None


def within(node: tree.Node, span: Optional[tree.DateRange]) -> tree.Node:
    """``node`` restricted to the date span (when there is one)."""
    if span is None:
        return node
    if isinstance(node, tree.MatchAll):
        return span
    return tree.And((node, span))


def _bare_words(node: tree.Node) -> bool:
    """True for ``a b c``: an AND of plain words, the case worth an any-term retry."""
    return isinstance(node, tree.And) and len(node.children) > 1 and all(
        isinstance(c, tree.Term) and c.field is None for c in node.children)
