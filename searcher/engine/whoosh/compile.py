"""Compile our query tree into a Whoosh query.

Everything Whoosh-specific about a query lives here: which index fields a
user field maps to, how words are analysed, how slop and boosts translate.
"""
from __future__ import annotations

from typing import Optional

from searcher.engine.whoosh.accel.imports import fields as wfields
from searcher.engine.whoosh.accel.imports import query as wq
from searcher.engine.whoosh.expand import BoundedFuzzy, BoundedPrefix, BoundedWildcard
from searcher.engine.whoosh.phrase import PositionalPhrase
from searcher.engine.whoosh.queries import AtLeastQuery, CombinedTerm, DateRangeQuery, near
from searcher.engine.whoosh.schema import NAME_FIELDS
from searcher.query import tree as t
from searcher.query.fields import TEXT_FIELDS
from searcher.query.ranking import DEFAULT_RANKING

_EXACT_FIELDS = {"id": "id", "url": "url", "lang": "lang"}


class Compiler:
    def __init__(self, schema: "wfields.Schema", title_boost: float = DEFAULT_RANKING.title_boost,
                 combine_fields: bool = DEFAULT_RANKING.combine_fields):
        self.schema = schema
        self.title_boost = title_boost  # a title match weighs this many body matches (Ranking)
        self.combine_fields = combine_fields  # a bare word's fields scored as one (BM25F, ranking.py)

    def compile(self, node: t.Node) -> "wq.Query":
        query = self._node(node)
        return query if query is not None else wq.NullQuery

    # -- fields and analysis ---------------------------------------------
    def _targets(self, field: Optional[str]) -> list[tuple[str, float]]:
        """Index fields (with boosts) that a user field searches."""
        if field is None:
            return [("title", self.title_boost), ("body", 1.0)]
        if field in TEXT_FIELDS:
            return [(field, 1.0)]
        if field in NAME_FIELDS:
            return [(NAME_FIELDS[field][0], 1.0)]
        if field in _EXACT_FIELDS:
            return [(_EXACT_FIELDS[field], 1.0)]
        raise ValueError(f"field {field!r} cannot hold words")

    def _analyse(self, index_field: str, text: str) -> list[tuple[str, int]]:
        """(token, position) pairs; positions show gaps left by stop words."""
        if index_field in _EXACT_FIELDS.values():
            return [(text.lower() if index_field == "lang" else text, 0)]
        analyzer = self.schema[index_field].analyzer
        return [(tok.text, tok.pos) for tok in analyzer(text, positions=True, mode="query")]

    def _per_field(self, field: Optional[str], build) -> Optional["wq.Query"]:
        """Build one query per target field and OR them (dropping empties)."""
        parts = []
        for index_field, boost in self._targets(field):
            query = build(index_field)
            if query is not None:
                if boost != 1.0:
                    query = query.with_boost(getattr(query, "boost", 1.0) * boost)
                parts.append(query)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.Or(parts)

    @staticmethod
    def _words_query(index_field: str, tokens: list[tuple[str, int]], slop: int, boost: float):
        """One word, or a phrase: each word at its place relative to the
        first, a stop word's place holding exactly one word; ``slop`` more
        words allowed between each consecutive pair."""
        if not tokens:
            return None  # only stop words
        if len(tokens) == 1:
            return wq.Term(index_field, tokens[0][0], boost=boost)
        first = tokens[0][1]
        return PositionalPhrase(index_field, [tok for tok, _ in tokens], [pos - first for _, pos in tokens],
                                slop=slop, boost=boost)

    # -- nodes ------------------------------------------------------------
    def _node(self, node: t.Node) -> Optional["wq.Query"]:
        method = getattr(self, f"_{type(node).__name__.lower()}")
        return method(node)

    def _term(self, node: t.Term):
        if node.field is None and self.combine_fields:
            combined = self._combined(node)
            if combined is not None:
                return combined
        return self._per_field(
            node.field,
            lambda f: self._words_query(f, self._analyse(f, node.text), 0, node.boost),
        )

    def _combined(self, node: t.Term) -> Optional[CombinedTerm]:
        """A bare word as one BM25F term over its fields, when every field
        analyses it to the same single word (else None: per field)."""
        targets = self._targets(None)
        words = {tuple(tok for tok, _ in self._analyse(f, node.text)) for f, _ in targets}
        if len(words) != 1:
            return None
        (word,) = words
        if len(word) != 1:
            return None
        return CombinedTerm.of(word[0], targets, boost=node.boost)

    def _phrase(self, node: t.Phrase):
        def build(f):
            return self._words_query(f, self._analyse(f, " ".join(node.words)), node.slop, node.boost)

        return self._per_field(node.field, build)

    def _prefix(self, node: t.Prefix):
        return self._per_field(node.field, lambda f: BoundedPrefix(f, node.text.lower(), boost=node.boost))

    def _wildcard(self, node: t.Wildcard):
        return self._per_field(node.field, lambda f: BoundedWildcard(f, node.pattern.lower(), boost=node.boost))

    def _fuzzy(self, node: t.Fuzzy):
        def build(f):
            # Both the word as typed and its stem: the index holds stems, but a
            # stem of a misspelt name can drift ("samarkant" -> "samark").
            forms = {node.text.lower()} | {tok for tok, _ in self._analyse(f, node.text)}
            terms = [BoundedFuzzy(f, form, maxdist=node.distance, prefixlength=1, boost=node.boost)
                     for form in sorted(forms)]
            return terms[0] if len(terms) == 1 else wq.Or(terms)

        return self._per_field(node.field, build)

    def _near(self, node: t.Near):
        field = _near_field(node)

        def build(f):
            sides = []
            for side in (node.left, node.right):
                words = side.words if isinstance(side, t.Phrase) else (side.text,)
                slop = side.slop if isinstance(side, t.Phrase) else 0
                # A phrase side keeps its words' places (and stop-word gaps).
                query = self._words_query(f, self._analyse(f, " ".join(words)), slop, 1.0)
                if query is None:
                    return None
                sides.append(query)
            # SpanNear's slop 1 means adjacent; NEAR/n allows n words between.
            return near(sides, slop=node.distance + 1, ordered=node.ordered)

        return self._per_field(field, build)

    def _atleast(self, node: t.AtLeast):
        inner = self._term(node.term)
        return None if inner is None else AtLeastQuery(inner, node.count)

    def _daterange(self, node: t.DateRange):
        start = node.start.replace(tzinfo=None) if node.start else None
        end = node.end.replace(tzinfo=None) if node.end else None
        return DateRangeQuery("date", start, end, endexcl=True)

    def _and(self, node: t.And):
        parts = [q for q in map(self._node, node.children) if q is not None]
        if not parts:
            return None
        if all(isinstance(p, wq.Not) for p in parts):
            parts.insert(0, wq.Every())
        return parts[0] if len(parts) == 1 else wq.And(parts)

    def _or(self, node: t.Or):
        parts = [q for q in map(self._node, node.children) if q is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.Or(parts)

    def _rescored(self, node: t.Rescored):
        query, extra = self._node(node.query), self._node(node.extra)
        return query if query is None or extra is None else wq.AndMaybe(query, extra)

    def _not(self, node: t.Not):
        inner = self._node(node.child)
        return wq.Not(inner) if inner is not None else None

    def _matchall(self, node: t.MatchAll):
        return wq.Every()


def _near_field(node: t.Near) -> Optional[str]:
    fields = {side.field for side in (node.left, node.right) if isinstance(side, (t.Term, t.Phrase))}
    fields.discard(None)
    return fields.pop() if len(fields) == 1 else None
