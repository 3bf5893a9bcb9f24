"""``atleastN(term)``: a Whoosh query for articles that mention a term at least N times."""
from __future__ import annotations

from ..index.whoosh_import import matching
from whoosh.query.wrappers import WrappingQuery


class AtLeastQuery(WrappingQuery):
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

    def matcher(self, searcher, context=None):
        counter = self.child.matcher(searcher, searcher.boolean_context())
        keep = set()
        while counter.is_active():
            if _occurrences(counter) >= self.count:
                keep.add(counter.id())
            counter.next()
        if not keep:
            return matching.NullMatcher
        return matching.FilterMatcher(self.child.matcher(searcher, context), frozenset(keep))


def _occurrences(matcher) -> int:
    if matcher.supports("frequency"):
        return int(matcher.value_as("frequency"))
    # Phrases count their matching spans.
    return len(matcher.spans())
