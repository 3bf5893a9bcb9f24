"""Running a Plan on a Whoosh index: the page, the exact total, the facet counts.

One ``Searching`` per open archive keeps a searcher and the facet columns
for the current index version, and refreshes both when a writer has
committed; each operation reads one ``Snapshot`` of them. Threads share
them: files are read at each thread's own position (accel/mapped.py), a
Snapshot is one operation's own, and an old version's reader is closed
when the last Snapshot reading it is gone, not while another thread reads it.
"""
from __future__ import annotations

import heapq
import threading
import weakref
from collections import Counter
from pathlib import Path
from typing import Optional

import numpy as np

from searcher.article import Article
from searcher.errors import InvalidArgument
from searcher.query import tree
from searcher.query.fields import filter_facet
from searcher.query.periods import COARSER, period_range, ranked
from searcher.query.ranking import Ranking
from searcher.query.request import Filters

from ..base import CorpusStats, DayCounts, Execution, GivenGroups, Plan, SharedStories
from . import collapse, spanning
from .accel.imports import query as wq
from .columns import VALUE_FACETS, FacetCache
from .compile import Compiler
from .documents import to_article
from .evaluate import Evaluated, Evaluator
from .queries import DateRangeQuery, FilterQuery
from .stats import local_stats, scoring_with
from .weighting import ArchiveBM25


class Searching:
    """The searcher and facet columns of the current index version, refreshed after a commit."""

    def __init__(self, ix, ranking: Ranking):
        folder = getattr(getattr(ix, "storage", None), "folder", None)
        self._folder = Path(folder) if folder else None  # where value columns are saved
        searcher = ix.searcher(weighting=ArchiveBM25(ranking))
        # One tuple, replaced whole: a thread never pairs a searcher with another version's columns.
        self._current = (searcher, FacetCache(searcher.reader(), self._folder))
        self._refreshing = threading.Lock()
        # Whoosh re-reads and unpickles the schema on every ix.schema access;
        # one copy also keeps the analyzers' word caches warm.
        self.schema = searcher.schema
        self.ranking = ranking
        self.evaluator = Evaluator(ranking.k1, ranking.b)

    def close(self) -> None:
        self.evaluator.close()
        self._current[0].close()

    def snapshot(self) -> "Snapshot":
        """The index as of now, for one operation: checked for a newer commit
        once (a folder listing), and every part of the answer from that one reader."""
        searcher, facets = self._current
        if not searcher.up_to_date():
            with self._refreshing:  # one thread opens the new version; the others take it
                searcher, facets = self._current
                if not searcher.up_to_date():
                    searcher = self._fresh(searcher)
                    self._current = searcher, FacetCache(searcher.reader(), self._folder)
                    facets = self._current[1]
        return Snapshot(self, searcher, facets)

    @staticmethod
    def _fresh(old):
        """A searcher of the newest version. Not ``old.refresh()``: that closes
        the old reader at once, under the threads still reading it; it is
        closed when the last of them lets it go."""
        fresh = old._ix.searcher(weighting=old.weighting)
        weakref.finalize(old, old.ixreader.close)
        return fresh

    def compile(self, node: tree.Node, reader=None) -> "wq.Query":
        """``node`` for Whoosh; ``reader``: the one whose words it is compiled against (default: the newest)."""
        reader = reader if reader is not None else self._current[0].reader()
        return Compiler(self.schema, title_boost=self.ranking.title_boost, combine_fields=self.ranking.combine_fields,
                        holds=lambda field, term: (field, term) in reader).compile(node)


class Snapshot:
    """One reader and its facet columns: what one search, count or timeline reads."""

    def __init__(self, searching: Searching, searcher, facets: FacetCache):
        self.searcher = searcher
        self.facets = facets
        self.schema = searching.schema
        self._searching = searching
        self._evaluator = searching.evaluator
        self.expanded: dict[int, frozenset[bytes]] = {}  # pattern words met by evaluate, by id(leaf)
        self.given_stats: Optional[CorpusStats] = None  # the archive's, for a shard of a sharded one
        self.given: Optional[GivenGroups] = None  # the archive's near-copy groups, likewise

    def compile(self, node: tree.Node) -> "wq.Query":
        return self._searching.compile(node, self.searcher.reader())

    def labels(self, similarity: float) -> np.ndarray:
        """Each docnum's near-copy group at ``similarity``: the sharded
        archive's when it gave them, else this index's own."""
        if self.given is not None:
            spanning.check_given(self.facets, self.given)
            return self.given.labels
        return collapse.labels_at(self.facets, similarity)

    def alone(self, similarity: float) -> np.ndarray:
        """Per docnum: whether its group (as labels() gives it) is itself only."""
        return self.given.alone if self.given is not None else self.facets.copies().alone(similarity)

    def own(self, matches: np.ndarray) -> np.ndarray:
        """Those of ``matches`` whose groups this index counts (a shard: those wholly in it)."""
        return matches if self.given is None else spanning.own_part(self.given, matches)

    def evaluate(self, query: "wq.Query") -> Evaluated:
        """Every match of ``query`` with its BM25F score, segment by segment
        (with a sharded archive's statistics when ``given_stats`` is set)."""
        words = self.given_stats.pattern_words if self.given_stats is not None else None
        evaluated = self._evaluator.evaluate(self.searcher, query, words)
        self.expanded.update(evaluated.expanded)
        return evaluated

    def query(self, node: tree.Node, filters: Optional[Filters]) -> "wq.Query":
        """``node`` compiled, restricted to ``filters`` without letting them change the scores."""
        return filtered(self.compile(node), self.filter(filters))

    def filter(self, filters: Optional[Filters]) -> Optional["wq.Query"]:
        """AND across keys, OR within one key; values matched case-insensitively."""
        if not filters:
            return None
        clauses = []
        for key, values in filters.items():
            facet = filter_facet(key)
            if facet in VALUE_FACETS:
                column = self.facets.values(facet)
                terms = [column.values[i] for v in values for i in column.by_lower.get(v.lower(), ())]
                clauses.append(wq.Or([wq.Term(VALUE_FACETS[facet], t) for t in terms]) if terms else wq.NullQuery)
            else:
                clauses.append(wq.Or([_period_query(facet, v) for v in values]))
        return clauses[0] if len(clauses) == 1 else wq.And(clauses)

    def docnums(self, query: "wq.Query") -> list[int]:
        return self.evaluate(query).docnums()

    def days(self, node: tree.Node, filters: Optional[Filters], by: str,
             stories: Optional[float] = None) -> DayCounts:
        """Matches per day; ``stories``: near-copy groups at that threshold,
        each on the day of its earliest matching copy."""
        docnums = self.docnums(self.query(node, filters))
        shared: Optional[SharedStories] = None
        if stories is not None:
            labels = self.labels(stories)
            matches = np.asarray(docnums, dtype=np.int64)
            if self.given is not None:
                coarse_matches = frozenset(self._coarser_than(by, docnums))
                shared = spanning.shared_stories(self.facets, self.given, matches, (), coarse_matches)
            docnums = self.facets.earliest_of_groups(self.own(matches).tolist(), labels)
        coarse = self._coarser_than(by, docnums)
        fine = [d for d in docnums if d not in coarse] if coarse else docnums
        return DayCounts(per_day=self.facets.dates().count_days(fine), total=len(docnums), coarse=len(coarse),
                         shared=shared)

    def _coarser_than(self, by: str, docnums: list[int]) -> set[int]:
        """Those of ``docnums`` dated only to a longer period than ``by``."""
        precisions = COARSER.get(by, ())
        if not precisions or "date_precision" not in self.schema.names():
            return set()
        query = wq.Or([wq.Term("date_precision", p) for p in precisions])
        return set(self.docnums(query)).intersection(docnums)


def plan_stats(snapshot: Snapshot, plan: Plan) -> CorpusStats:
    """The index's own statistics for the words ``plan`` scores."""
    return local_stats(snapshot.searcher, snapshot.query(plan.node, plan.filters))


def execute(snapshot: Snapshot, plan: Plan, stats: Optional[CorpusStats] = None,
            given: Optional[GivenGroups] = None) -> Execution:
    """The plan's page, total and facets; scored with ``stats`` and grouped
    by ``given`` when given (a shard of a sharded archive), else with the index's own."""
    snapshot.given_stats, snapshot.given = stats, given
    with scoring_with(snapshot.searcher, stats) as snapshot.searcher:
        return _execute(snapshot, plan)


def _execute(snapshot: Snapshot, plan: Plan) -> Execution:
    searcher = snapshot.searcher
    compiled = snapshot.compile(plan.node)
    query = filtered(compiled, snapshot.filter(plan.filters))
    labels = snapshot.labels(plan.similarity) if plan.collapse or plan.stories else None
    matches: Optional[np.ndarray] = None
    # match="any" ranks by BM25F score like any other query: putting the
    # articles that match more of the words first cost 0.16 MAP on the
    # TIME collection (bench/README.md, issue 7).
    date_alone = isinstance(compiled, DateRangeQuery) and query is compiled
    total: Optional[int] = None
    best: list[tuple[int, Optional[float]]]
    if plan.sort == "relevance" and not date_alone:
        # Every match scored at once (evaluate.py): the page, the exact
        # total and the facets' documents from one pass.
        evaluated = snapshot.evaluate(query)
        total = evaluated.total
        if plan.collapse and labels is not None:
            best = collapse.collapsed(evaluated.top, total, labels, plan.offset, plan.limit)
        else:
            best = list(evaluated.top(plan.offset + plan.limit)[plan.offset:])
        if plan.facets or labels is not None:
            matches = evaluated.ids()
    else:
        matches = np.asarray(snapshot.docnums(query), dtype=np.int64)
        best = _unscored_page(snapshot, plan, matches.tolist(), getattr(compiled, "boost", 1.0), labels)
    page = [(searcher.stored_fields(docnum), score) for docnum, score in best]
    order = _page_order(snapshot, plan, best)
    facets = {}
    if plan.facets:
        assert matches is not None
        counted = snapshot.own(matches) if plan.stories else matches
        facets = {name: ranked(snapshot.facets.count(name, counted.tolist(), labels if plan.stories else None),
                               plan.facet_limit) for name in plan.facets}
    if total is None:
        assert matches is not None
        total = len(matches)
    asked = _without_rescoring(compiled)
    terms = {field: field_terms(asked, searcher.reader(), field, snapshot.expanded) for field in ("body", "title")}
    articles = [to_article(fields) if plan.fetch else Article(id=fields["id"]) for fields, _ in page]
    found = Execution(total=total, page=[(article, score) for article, (_, score) in zip(articles, page)],
                      facets=facets, terms=terms, order=order)
    if labels is not None:
        assert matches is not None
        _add_groups(snapshot, plan, found, labels, [docnum for docnum, _ in best], matches)
    return found


def _add_groups(snapshot: Snapshot, plan: Plan, found: Execution, labels: np.ndarray, page: list[int],
                matches: np.ndarray) -> None:
    """The page's groups and the number of groups among the matches (a
    shard: of those wholly in it, and what it knows of the others)."""
    found.stories = int(len(np.unique(labels[snapshot.own(matches)])))
    found.copies = collapse.page_copies(snapshot.facets, collapse.stored_id(snapshot.searcher), labels,
                                        snapshot.alone(plan.similarity), page, [a.id for a, _ in found.page], matches)
    found.groups = labels[np.asarray(page, dtype=np.int64)].tolist()
    if snapshot.given is not None:
        values = tuple(name for name in plan.facets if name in VALUE_FACETS) if plan.stories else ()
        found.shared = spanning.shared_stories(snapshot.facets, snapshot.given, matches, values)


def _unscored_page(snapshot: Snapshot, plan: Plan, docnums: list[int], boost: float,
                   labels: Optional[np.ndarray]) -> list[tuple[int, Optional[float]]]:
    """The page of a date-sorted search, or of a date range alone (by relevance)."""
    if plan.sort == "relevance":
        # A date range alone: every match scores the range's boost and Whoosh
        # breaks ties by document number, so the page is a slice (Whoosh's
        # collector would score every match to find it).
        def first(count: int) -> list[tuple[int, Optional[float]]]:
            return [(docnum, boost) for docnum in docnums[:count]]
    else:
        # Date order from a cached key per document: one walk of the matches
        # (which the total needs anyway) and a sort in C, where Whoosh's
        # sortedby keys every match through Python.
        keys = snapshot.facets.date_order(newest_first=plan.sort == "-date")

        def first(count: int) -> list[tuple[int, Optional[float]]]:
            return [(docnum, None) for docnum in heapq.nsmallest(count, docnums, key=keys.__getitem__)]
    if plan.collapse and labels is not None:
        return collapse.collapsed(first, len(docnums), labels, plan.offset, plan.limit)
    return first(plan.offset + plan.limit)[plan.offset:]


def _page_order(snapshot: Snapshot, plan: Plan, best: list[tuple[int, Optional[float]]]) -> list[float]:
    """The page's place in the plan's order (Execution.order): negated scores, or date keys."""
    if plan.sort == "relevance":
        return [-(score or 0.0) for _, score in best]
    keys = snapshot.facets.date_order(newest_first=plan.sort == "-date")
    return [float(keys[docnum]) for docnum, _ in best]


def facet_counts(snapshot: Snapshot, node: tree.Node, filters: Optional[Filters], name: str,
                 stories: Optional[float] = None) -> Counter:
    labels = snapshot.labels(stories) if stories is not None else None
    return snapshot.facets.count(name, snapshot.docnums(snapshot.query(node, filters)), labels)


def shard_facet_counts(snapshot: Snapshot, node: tree.Node, filters: Optional[Filters], name: str,
                       given: GivenGroups) -> tuple[Counter, SharedStories]:
    """A shard's stories per value: of the groups wholly in it, and its part of the others."""
    snapshot.given = given
    labels = snapshot.labels(0.0)
    matches = np.asarray(snapshot.docnums(snapshot.query(node, filters)), dtype=np.int64)
    counts = snapshot.facets.count(name, snapshot.own(matches).tolist(), labels)
    values = (name,) if name in VALUE_FACETS else ()
    return counts, spanning.shared_stories(snapshot.facets, given, matches, values)


def matching_groups(snapshot: Snapshot, node: Optional[tree.Node], filters: Optional[Filters],
                    given: GivenGroups, wanted: list[int]) -> dict:
    """spanning.group_copies for a shard's matches of ``node`` (None: all
    its articles; a deleted one is a group of its own, so none is wanted)."""
    snapshot.given = given
    snapshot.labels(0.0)  # checked against this version
    if node is None:
        matches = np.arange(snapshot.searcher.reader().doc_count_all(), dtype=np.int64)
    else:
        matches = np.asarray(snapshot.docnums(snapshot.query(node, filters)), dtype=np.int64)
    return spanning.group_copies(snapshot.facets, collapse.stored_id(snapshot.searcher), given, matches, wanted)


def filtered(query: "wq.Query", filter_query: Optional["wq.Query"]) -> "wq.Query":
    """Restrict to the filter without letting it change the scores."""
    return query if filter_query is None else wq.And([query, FilterQuery(filter_query)])


def _period_query(facet: str, value: str) -> "wq.Query":
    """year=2022 or month=2022-09 as a date range."""
    try:
        start, end = period_range(facet, value)
    except ValueError:
        example = "2022" if facet == "year" else "2022-09"
        raise InvalidArgument(f"bad {facet} filter {value!r} (use {example})") from None
    return DateRangeQuery("date", start, end, endexcl=True)


def _without_rescoring(query: "wq.Query") -> "wq.Query":
    """The words asked for: a Rescored query's extra words (feedback's
    expansion, proximity's pairs; compiled as AndMaybe, and only there)
    reorder the hits but are not matched terms to highlight."""
    while isinstance(query, wq.AndMaybe):
        query = query.a
    return query


def field_terms(query: "wq.Query", reader, field: str,
                expanded: Optional[dict[int, frozenset[bytes]]] = None) -> frozenset[str]:
    """The analysed terms of one field a query matches, wildcards and fuzzy
    terms expanded (``expanded``: the words evaluation found for a pattern leaf).

    Asked leaf by leaf: Whoosh 2.7.4's compound existing_terms() keeps only the
    first field's terms.
    """
    found: set[str] = set()
    for leaf in query.leaves() if not query.is_leaf() else [query]:
        if leaf.field() != field:
            continue
        if expanded and id(leaf) in expanded:
            found.update(word.decode("utf-8") for word in expanded[id(leaf)])
            continue
        try:
            terms = leaf.existing_terms(reader, expand=True)
        except (NotImplementedError, AttributeError):
            terms = leaf.iter_all_terms()
        found.update(t.decode("utf-8") if isinstance(t, bytes) else t for _, t in terms)
    return frozenset(found)
