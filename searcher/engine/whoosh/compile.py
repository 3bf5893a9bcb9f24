"""Compile our query tree into a Whoosh query.

Everything Whoosh-specific about a query lives here: which index fields a
user field maps to, how words are analysed, how slop and boosts translate.
"""
from __future__ import annotations

from typing import Optional

from searcher.engine.whoosh.accel.imports import fields as wfields
from searcher.engine.whoosh.accel.imports import query as wq
from searcher.engine.whoosh.expand import BoundedFuzzy, BoundedPrefix, BoundedWildcard
from searcher.engine.whoosh.languages import ALL_ANALYSES
from searcher.engine.whoosh.phrase import PositionalPhrase
from searcher.engine.whoosh.queries import AtLeastQuery, CombinedTerm, DateRangeQuery, FilterQuery, near
from searcher.engine.whoosh.schema import NAME_FIELDS
from searcher.query import tree as t
from searcher.query.fields import TEXT_FIELDS
from searcher.query.ranking import DEFAULT_RANKING

_EXACT_FIELDS = {"id": "id", "url": "url", "lang": "lang"}


class Compiler:
    def __init__(self, schema: "wfields.Schema", title_boost: float = DEFAULT_RANKING.title_boost,
                 combine_fields: bool = DEFAULT_RANKING.combine_fields, holds=None):
        self.schema = schema
        # Query text is analysed in every language's analysis, so a bare word
        # finds its stems in every language: another language's terms match
        # only that language's articles (English's, all), so an English
        # archive answers as before, and a shard answers its part of the
        # archive's whatever languages it holds. ``holds(field, term)``:
        # whether the index holds a term (analyses giving words it has not
        # are left out early).
        self.holds = holds
        self.by_analysis = "analysis" in schema  # an index written before languages has no such field
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

    def _analyse(self, index_field: str, text: str, chain=None) -> list[tuple[str, int]]:
        """(token, position) pairs; positions show gaps left by stop words.
        ``chain``: one language's analyzer (default: the field's own)."""
        if index_field in _EXACT_FIELDS.values():
            return [(text.lower() if index_field == "lang" else text, 0)]
        analyzer = chain or self.schema[index_field].analyzer
        return [(tok.text, tok.pos) for tok in analyzer(text, positions=True, mode="query")]

    def _chains(self, index_field: str) -> list[tuple[int, object]]:
        """(number in ALL_ANALYSES, analyzer) that text in this field is
        searched with: English's first, then each other analysis some
        article of the index has (titles and bodies), else the field's own."""
        analyzer = None if index_field in _EXACT_FIELDS.values() else self.schema[index_field].analyzer
        pick = getattr(analyzer, "for_language", None)
        if pick is None:
            return [(0, None)]
        return [(number, pick(key)) for number, key in enumerate(ALL_ANALYSES)
                if not number or self._analysed_here(key)]

    def _analysed_here(self, key: str) -> bool:
        return self.holds is None or not self.by_analysis or self.holds("analysis", key)

    def _in_analyses(self, query: "wq.Query", numbers: list[int]) -> "wq.Query":
        """``query`` (what the analyses ``numbers`` give) matching only the
        articles analysed so (English's: every article)."""
        if 0 in numbers or not self.by_analysis:
            return query
        kinds = [wq.Term("analysis", ALL_ANALYSES[number]) for number in numbers]
        return wq.And([query, FilterQuery(kinds[0] if len(kinds) == 1 else wq.Or(kinds))])

    def _held(self, fields: list[str], analysed) -> bool:
        """Whether every term of another language's analysis is in one of ``fields``."""
        return self.holds is None or all(any(self.holds(f, tok) for f in fields)
                                         for tokens in analysed for tok, _ in tokens)

    def _in_each_language(self, index_field: str, texts: tuple[str, ...], build) -> Optional["wq.Query"]:
        """``build(analysed texts)`` for each language's analysis of ``texts``
        (English's always, another's where the index holds its terms), ORed;
        analyses giving the same terms count once."""
        analyses: dict[tuple, list[int]] = {}
        for number, chain in self._chains(index_field):
            analysed = tuple(tuple(self._analyse(index_field, text, chain)) for text in texts)
            if analysed in analyses or not number or self._held([index_field], analysed):
                analyses.setdefault(analysed, []).append(number)
        parts = []
        for analysed, numbers in analyses.items():
            query = build(analysed)
            if query is not None:
                parts.append(self._in_analyses(query, numbers))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.Or(parts)

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
        return self._per_field(node.field, lambda f: self._in_each_language(
            f, (node.text,), lambda analysed: self._words_query(f, list(analysed[0]), 0, node.boost)))

    def _combined(self, node: t.Term) -> Optional["wq.Query"]:
        """A bare word as one BM25F term over its fields (one per language
        analysis giving another word), when every field analyses it alike
        to single words (else None: per field)."""
        targets = self._targets(None)
        fields = [f for f, _ in targets]
        words: dict[str, list[int]] = {}
        for number, chain in self._chains(fields[-1]):
            per_field = [tuple(tok for tok, _ in self._analyse(f, node.text, chain)) for f in fields]
            if len(set(per_field)) != 1 or len(per_field[0]) != 1:
                return None
            word = per_field[0][0]
            if word in words or not number or self._held(fields, [[(word, 0)]]):
                words.setdefault(word, []).append(number)
        terms = [self._in_analyses(CombinedTerm.of(word, targets, boost=node.boost), numbers)
                 for word, numbers in words.items()]
        return terms[0] if len(terms) == 1 else wq.Or(terms)

    def _phrase(self, node: t.Phrase):
        def build(f):
            return self._in_each_language(f, (" ".join(node.words),), lambda analysed: self._words_query(
                f, list(analysed[0]), node.slop, node.boost))

        return self._per_field(node.field, build)

    def _prefix(self, node: t.Prefix):
        return self._per_field(node.field, lambda f: BoundedPrefix(f, node.text.lower(), boost=node.boost))

    def _wildcard(self, node: t.Wildcard):
        return self._per_field(node.field, lambda f: BoundedWildcard(f, node.pattern.lower(), boost=node.boost))

    def _fuzzy(self, node: t.Fuzzy):
        def build(f):
            # Both the word as typed and its stem: the index holds stems, but a
            # stem of a misspelt name can drift ("samarkant" -> "samark").
            forms = {node.text.lower()} | {tok for _, chain in self._chains(f)
                                           for tok, _ in self._analyse(f, node.text, chain)}
            terms = [BoundedFuzzy(f, form, maxdist=node.distance, prefixlength=1, boost=node.boost)
                     for form in sorted(forms)]
            return terms[0] if len(terms) == 1 else wq.Or(terms)

        return self._per_field(node.field, build)

    def _near(self, node: t.Near):
        field = _near_field(node)

        texts, slops = [], []
        for side in (node.left, node.right):  # Term or Phrase nodes
            texts.append(" ".join(side.words) if isinstance(side, t.Phrase) else getattr(side, "text", ""))
            slops.append(side.slop if isinstance(side, t.Phrase) else 0)

        def in_one_language(f, analysed):
            # A phrase side keeps its words' places (and stop-word gaps).
            queries = [self._words_query(f, list(tokens), slop, 1.0) for tokens, slop in zip(analysed, slops)]
            if any(query is None for query in queries):
                return None
            # SpanNear's slop 1 means adjacent; NEAR/n allows n words between.
            return near(queries, slop=node.distance + 1, ordered=node.ordered)

        return self._per_field(field, lambda f: self._in_each_language(
            f, tuple(texts), lambda analysed: in_one_language(f, analysed)))

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
