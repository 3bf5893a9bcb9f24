"""Whoosh queries that Whoosh 2.7.4 lacks or gets wrong: ``atleastN``, NEAR,
filters, date ranges that do not walk every match in Python, and one word
scored over several fields at once (BM25F)."""
from __future__ import annotations

from array import array

from searcher.engine.whoosh.accel.imports import WrappingQuery, matching, spans
from searcher.engine.whoosh.accel.imports import query as wq


class CombinedTerm(wq.Or):
    """One word in several fields, scored as one field (BM25F,
    searcher/query/ranking.py) by our evaluator (evaluate.py). Its children
    are the word's Term in each field, boosted by the field's weight: what
    matches, what statistics are gathered and what atleastN counts are an
    Or's of them; Whoosh's own matcher, where evaluation falls back to it,
    sums the fields' scores."""

    @classmethod
    def of(cls, text: str, fields: list[tuple[str, float]], boost: float = 1.0) -> "CombinedTerm":
        return cls([wq.Term(name, text, boost=weight) for name, weight in fields], boost=boost)

    def normalize(self):
        return self  # an Or would merge it into its parent


class AtLeastQuery(WrappingQuery):
    """Matches documents where the child's leaves occur ``count`` times or more
    in all (title and body counted together); scores like the child."""

    def __init__(self, child, count: int):
        super().__init__(child)
        self.count = count

    def __repr__(self) -> str:
        return f"AtLeastQuery({self.child!r}, {self.count})"

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and (self.child, self.count) == (other.child, other.count)

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.child, self.count))

    def _rewrap(self, child):
        return type(self)(child, self.count)

    def counted(self) -> list[tuple["wq.Query", "wq.Query | None"]]:
        """The leaves whose occurrences are added up, each with the filter
        that bounds it (another language's word counts only in articles
        analysed in that language) or None."""
        return list(_counted(self.child, None))

    def matcher(self, searcher, context=None):
        totals: dict[int, int] = {}
        for leaf, bound in self.counted():
            allowed = None if bound is None else frozenset(bound.docs(searcher))
            counter = leaf.matcher(searcher, searcher.boolean_context())
            while counter.is_active():
                if allowed is None or counter.id() in allowed:
                    totals[counter.id()] = totals.get(counter.id(), 0) + _occurrences(counter)
                counter.next()
        keep = frozenset(doc for doc, total in totals.items() if total >= self.count)
        if not keep:
            return matching.NullMatcher
        return matching.FilterMatcher(self.child.matcher(searcher, context), keep)


def _counted(query, bound):
    if query.is_leaf():
        yield query, bound
        return
    children = list(query.children())
    filters = [child for child in children if isinstance(child, FilterQuery)]
    if isinstance(query, wq.And) and filters:
        bound = filters[0]  # compile.py bounds a language's words by one filter
        children = [child for child in children if child not in filters]
    for child in children:
        yield from _counted(child, bound)


def _occurrences(matcher) -> int:
    if matcher.supports("frequency"):
        try:
            return int(matcher.value_as("frequency"))
        except NotImplementedError:  # a phrase: its words' intersection says it has frequencies
            pass
    # Phrases count their matching spans.
    return len(matcher.spans())


class NearQuery(spans.SpanNear):
    """SpanNear that can sit inside And/Or.

    Whoosh 2.7.4's SpanNear has no ``estimate_size`` (And/Or need it to
    order their children) and SpanNear2 fails with a NameError on that path.
    """

    def estimate_size(self, ixreader) -> int:
        return min(self.a.estimate_size(ixreader), self.b.estimate_size(ixreader))


def near(queries: list, slop: int, ordered: bool) -> NearQuery:
    """Chain two or more span queries: each next one within ``slop`` of the last."""
    result = queries[0]
    for query in queries[1:]:
        result = NearQuery(result, query, slop=slop, ordered=ordered)
    return result


class _ZeroScoreMatcher(matching.WrappingMatcher):
    def score(self):
        return 0.0

    def weight(self):
        return 0.0

    def max_quality(self):
        return 0.0

    def block_quality(self):
        return 0.0

    def supports_block_quality(self):
        return False


class FilterQuery(WrappingQuery):
    """Matches what its child matches and adds nothing to the score, so a
    drill-down filter narrows the hits without reordering them. (In Whoosh
    2.7.4 the ``filter=`` search option leaves the total unfiltered, Require
    returns unfiltered hits, and ConstantScoreQuery adds its score per leaf.)"""

    def matcher(self, searcher, context=None):
        child = self.child.matcher(searcher, searcher.boolean_context())
        return _ZeroScoreMatcher(child) if child.is_active() else matching.NullMatcher


class DateRangeQuery(wq.DateRange):
    """Whoosh's DateRange, with its matching documents found by docsets.

    Whoosh matches a date range as a constant-score list of every document
    in it, built by walking an Or of hundreds of date terms one posting at
    a time (ConstantScoreQuery): for a year of Reuters that walk was most
    of the search. Here the same list comes from whole posting blocks; the
    matcher is the one Whoosh would build (same ids, same constant score).
    Each segment's list is kept for the life of the query object (one
    search), so the total and facets do not find it again.
    """

    def segment_ids(self, searcher) -> "array[int]":
        """Sorted docnums of the live documents of one segment in the range."""
        from searcher.engine.whoosh.docsets import segment_docs  # docsets imports this module

        cache = self.__dict__.setdefault("_segment_ids", {})
        reader = searcher.reader()
        key = id(reader)
        if key not in cache:
            cache[key] = (reader, array("I", sorted(segment_docs(searcher, self._compile_query(reader)))))
        return cache[key][1]

    def value_bounds(self, schema) -> tuple[int, int]:
        """The lowest and highest date value (as the field stores it in its
        column) the range matches, inclusive."""
        field = schema[self.fieldname]
        low = field.min_value if self.start is None else field.prepare_number(self.start) + bool(self.startexcl)
        high = field.max_value if self.end is None else field.prepare_number(self.end) - bool(self.endexcl)
        return low, high

    def matcher(self, searcher, context=None):
        if (context is not None and context.needs_current) or not searcher.reader().is_atomic():
            return super().matcher(searcher, context)
        ids = self.segment_ids(searcher)
        if not ids:
            return matching.NullMatcher()
        return matching.ListMatcher(ids, all_weights=self.boost)
