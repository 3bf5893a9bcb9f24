"""Run query trees against the Whoosh index; return our own result records.

One Engine per open archive keeps a searcher and the facet columns for the
current index version, and refreshes both when a writer has committed.
"""
from __future__ import annotations

import functools
import heapq
import pickle
import struct
import zlib
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Optional, TypeVar

from searcher.errors import ArticleNotFound, IndexDamaged, InvalidArgument, SearcherError
from searcher.engine.whoosh.documents import to_article
from searcher.engine.whoosh.accel.imports import index as whoosh_index
from searcher.engine.whoosh.accel.imports import query as wq
from searcher.engine.whoosh.accel.imports import scoring
from searcher.results import Hit, SearchResult, Timeline
from searcher.query import stopwords, tree
from searcher.engine.whoosh.docsets import count_matches, matching_docnums
from searcher.engine.whoosh.facets import FACETS, FILTER_KEYS, VALUE_FACETS, FacetCache, timeline
from searcher.query.highlight import find_terms, make_snippet, present
from searcher.query.parser import date_span, parse, parse_plain
from searcher.query.suggest import suggestions
from searcher.engine.whoosh.compile import Compiler
from searcher.engine.whoosh.expand import check_expansions
from searcher.engine.whoosh.queries import DateRangeQuery, FilterQuery

SORTS = ("relevance", "date", "-date")
MATCHES = ("all", "any")
# BM25F parameters (Whoosh defaults for now; issue 7 tunes them on evidence).
BM25_B = 0.75
BM25_K1 = 1.2
# Left out of match="any" queries (bare words only; see stopwords.py). Issue 7:
# +0.013 MAP, +0.007 nDCG@10 on the TIME collection (bench/README.md).
QUERY_STOP_WORDS = stopwords.ENGLISH
Filters = Optional[dict[str, Iterable[str]]]
# What a damaged segment file raises while it is read: a posting block that
# does not decompress, a truncated or garbled structure, a vanished file.
READ_ERRORS = (zlib.error, struct.error, EOFError, pickle.UnpicklingError, OSError)
# Garbage bytes make Whoosh's decoding code raise almost anything: a bad
# pickle protocol (ValueError), a date out of range (OverflowError), "Block
# tag error" (a bare Exception), FileFormatError, TermNotFound, and from
# unpickling garbage TypeError, AttributeError, ImportError, LookupError
# ("unknown encoding"). Raised inside the modules that only decode the
# index's files, any of them is damage; anywhere else TypeError and the
# like are bugs, and a traceback is what they need.
_DECODING_MODULES = ("whoosh.codec.", "whoosh.filedb.", "whoosh.util.", "whoosh.index",
                     "searcher.engine.whoosh.accel.mapped", "searcher.engine.whoosh.accel.read", "searcher.engine.whoosh.accel.valuecolumns",
                     "searcher.engine.whoosh.accel.postings")  # our reading of the same files
# Bytes of the index that are not UTF-8 (a term, a stored string): damage
# when Whoosh decodes them, wherever the codec's own frame is.
_TEXT_ERRORS = (UnicodeDecodeError,)
F = TypeVar("F", bound=Callable)


def _is_damage(exc: BaseException) -> bool:
    if isinstance(exc, SearcherError):
        return False
    if isinstance(exc, READ_ERRORS):
        return True
    tb = exc.__traceback__
    if tb is None:
        return False
    modules = []
    while tb is not None:
        modules.append(tb.tb_frame.f_globals.get("__name__", ""))
        tb = tb.tb_next
    if isinstance(exc, _TEXT_ERRORS) and any(m.startswith("whoosh.") for m in modules):
        return True
    if isinstance(exc, TypeError) and modules[-1] == "whoosh.scoring" and "NoneType" in str(exc):
        return True  # a damaged field-length column: BM25 is handed no length
    return modules[-1].startswith(_DECODING_MODULES) and isinstance(exc, Exception)


def failed_on_damage(exc: BaseException, folder) -> bool:
    """Whether ``exc`` comes from damaged index files: an error only their
    decoding raises, or any error at all while files of the index no longer
    match their recorded checksums (garbage that decodes can fail anywhere)."""
    if _is_damage(exc):
        return True
    if isinstance(exc, SearcherError) or not isinstance(exc, Exception) or not folder:
        return False
    from searcher.engine.whoosh import checksums

    try:
        sums = checksums.load(Path(folder)) or {}
        return bool(checksums.verify(Path(folder), list(sums))[0])
    except Exception:  # noqa: BLE001 - no verdict: treat the error as a bug
        return False


def _reads_index(method: F) -> F:
    """Turn an error that damaged index files cause inside ``method`` into IndexDamaged."""

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:
            folder = getattr(getattr(self.ix, "storage", None), "folder", None)
            if not failed_on_damage(exc, folder):
                raise
            raise IndexDamaged(
                f"the index at {folder} is damaged (reading it failed: {type(exc).__name__}: "
                f"{str(exc) or 'no detail'}); 'searcher check' says what is wrong, "
                "'searcher rebuild' rebuilds it from its files") from exc

    return guarded  # type: ignore[return-value]


def weighting() -> "scoring.WeightingModel":
    return scoring.BM25F(B=BM25_B, K1=BM25_K1)


def _hit(fields: dict, score: Optional[float], rank: int) -> Hit:
    # Stored fields are read back into records in one place (index.documents).
    a = to_article(fields)
    return Hit(id=a.id, title=a.title, date=a.date, authors=a.authors, sources=a.sources, tags=a.tags,
               url=a.url, publisher=a.publisher, score=score, rank=rank, date_precision=a.date_precision)


def _bare_words(node: tree.Node) -> bool:
    """True for ``a b c``: an AND of plain words, the case worth an any-term retry."""
    return isinstance(node, tree.And) and len(node.children) > 1 and all(
        isinstance(c, tree.Term) and c.field is None for c in node.children)


class Engine:
    @_reads_index
    def __init__(self, ix: "whoosh_index.Index"):
        self.ix = ix
        folder = getattr(getattr(ix, "storage", None), "folder", None)
        self._folder = Path(folder) if folder else None  # where value columns are saved
        self._searcher = ix.searcher(weighting=weighting())
        self._facets = FacetCache(self._searcher.reader(), self._folder)
        # Whoosh re-reads and unpickles the schema on every ix.schema access;
        # one copy per engine also keeps the analyzers' word caches warm.
        self.schema = self._searcher.schema

    def close(self) -> None:
        self._searcher.close()

    # -- state ------------------------------------------------------------
    def searcher(self):
        if not self._searcher.up_to_date():
            self._searcher = self._searcher.refresh()
            self._facets = FacetCache(self._searcher.reader(), self._folder)
        return self._searcher

    def compile(self, node: tree.Node) -> "wq.Query":
        return Compiler(self.schema).compile(node)

    def _filter(self, filters: Filters) -> Optional["wq.Query"]:
        """AND across keys, OR within one key; values matched case-insensitively."""
        if not filters:
            return None
        self.searcher()
        clauses = []
        for key, values in filters.items():
            facet = FILTER_KEYS.get(key)
            if facet is None:
                raise InvalidArgument(f"unknown filter {key!r} (filters: {', '.join(sorted(FILTER_KEYS))})")
            values = [values] if isinstance(values, str) else list(values)
            if facet in VALUE_FACETS:
                column = self._facets.values(facet)
                terms = [column.values[i] for v in values for i in column.by_lower.get(v.lower(), ())]
                clauses.append(wq.Or([wq.Term(VALUE_FACETS[facet], t) for t in terms]) if terms else wq.NullQuery)
            else:
                clauses.append(wq.Or([_period_query(facet, v) for v in values]))
        return clauses[0] if len(clauses) == 1 else wq.And(clauses)

    def _docnums(self, query: "wq.Query") -> list[int]:
        return matching_docnums(self.searcher(), query)

    def _without_stop_words(self, node: tree.Node) -> tuple[tree.Node, tuple[str, ...]]:
        """An any-word query without its bare stop words (and the words left out);
        unchanged when nothing this index can search would remain."""
        return stopwords.drop_stop_words(node, QUERY_STOP_WORDS,
                                         searchable=lambda n: self.compile(n) is not wq.NullQuery)

    # -- search -----------------------------------------------------------
    @_reads_index
    def search(self, text: str, *, limit: int = 10, offset: int = 0, sort: str = "relevance",
               match: str = "all", facets: Iterable[str] = (), facet_limit: Optional[int] = 10,
               filters: Filters = None, since: Optional[str] = None,
               until: Optional[str] = None, syntax: bool = True, fallback: bool = True) -> SearchResult:
        if sort not in SORTS:
            raise InvalidArgument(f"sort must be one of {', '.join(SORTS)}")
        if match not in MATCHES:
            raise InvalidArgument(f"match must be one of {', '.join(MATCHES)}")
        facets = list(facets)
        for facet in facets:
            if facet not in FACETS:
                raise InvalidArgument(f"unknown facet {facet!r} (facets: {', '.join(FACETS)})")
        read = parse if syntax else parse_plain
        node = read(text, default_operator="or" if match == "any" else "and")
        ignored: list[str] = []
        if match == "any":
            # Natural-language text: "what", "which", "been" would add to the
            # score of most articles. The index keeps them (match="all",
            # phrases and fields still find them); the result names them.
            node, ignored = self._without_stop_words(node)
        span = date_span(since, until)
        result = self._run(node, span, text, limit, offset, sort, match, facets, facet_limit, filters)
        if fallback and result.total == 0 and match == "all" and _bare_words(node):
            # Nothing has every word: say so, and offer articles with any of
            # them (an any-word search like match="any", stop words left out).
            anyterm, offered_ignored = self._without_stop_words(read(text, default_operator="or"))
            offered = self._run(anyterm, span, text, limit, offset, sort, "any", facets, facet_limit, filters)
            if offered.total:
                result, result.fallback, ignored = offered, "any", offered_ignored
        if result.total == 0 or result.fallback:
            result.suggestions = suggestions(self.searcher(), self.schema, node)
        if result.total == 0:
            result.notice = self._only_common_words(node)
        result.ignored = list(ignored)
        return result

    def _only_common_words(self, node: tree.Node) -> Optional[str]:
        """Why a query of words found nothing when every one is a word the index leaves out."""
        words = tree.terms(node)
        analyzer = self.schema["body"].analyzer
        if not words or any(tok for word in words for tok in analyzer(word, mode="query")):
            return None
        shown = ", ".join(dict.fromkeys(word.lower() for word in words))
        return (f"the query holds only common words the index leaves out ({shown}); "
                "add a less common word (in a phrase a common word holds its place: \"bank of england\")")

    def _run(self, node, span, text, limit, offset, sort, match, facets, facet_limit, filters) -> SearchResult:
        searcher = self.searcher()
        compiled = self.compile(_within(node, span))
        # This search's own reader: another self.searcher() may refresh it.
        check_expansions(compiled, searcher.reader())
        query = _filtered(compiled, self._filter(filters))
        # match="any" ranks by BM25F score like any other query: putting the
        # articles that match more of the words first cost 0.16 MAP on the
        # TIME collection (bench/README.md, issue 7).
        docnums: Optional[list[int]] = None
        date_alone = isinstance(compiled, DateRangeQuery) and query is compiled
        if sort == "relevance" and not date_alone:
            results = searcher.search(query, limit=max(offset + limit, 1))
            # A slice, not list(results): list() asks len(results) first,
            # which walks every match a second time.
            page = [(hit.fields(), hit.score) for hit in results[offset:offset + limit]]
        else:
            docnums = self._docnums(query)
            if sort == "relevance":
                # A date range alone: every match scores the range's boost and
                # Whoosh breaks ties by document number, so the page is a
                # slice (Whoosh's collector would score every match to find it).
                chosen, score = docnums[offset:offset + limit], compiled.boost
            else:
                # Date order from a cached key per document: one walk of the
                # matches (which the total needs anyway) and a sort in C, where
                # Whoosh's sortedby keys every match through Python.
                order = self._facets.date_order(newest_first=sort == "-date")
                chosen = heapq.nsmallest(offset + limit, docnums, key=order.__getitem__)[offset:]
                score = None
            page = [(searcher.stored_fields(docnum), score) for docnum in chosen]
        body_terms = _field_terms(query, searcher.reader(), "body")
        title_terms = _field_terms(query, searcher.reader(), "title")
        analyzer = self.schema["body"].analyzer
        hits = []
        for rank, (fields, score) in enumerate(page, offset + 1):
            item = _hit(fields, score, rank)
            body = fields.get("body", "")
            found = find_terms(body, body_terms, analyzer)  # analysed once, for both
            item.snippet, item.highlights = make_snippet(body, body_terms, analyzer, found)
            item.matched_terms = sorted({term for _, _, term in found}
                                        | present(analyzer, fields.get("title", ""), title_terms))
            hits.append(item)
        facet_counts = {}
        if facets and docnums is None:
            docnums = self._docnums(query)
        if facets:
            facet_counts = {f: self._facets.count(f, docnums, facet_limit) for f in facets}
        if docnums is not None:
            total = len(docnums)  # the same matches: no second walk for the total
        else:
            # Not len(results): with a limit, Whoosh 2.7.4's top-N collector
            # miscounts some conjunctions (a word AND a date range on
            # Reuters: 1,119 of 15,465), and it would walk the matches one
            # by one in Python; docsets counts them a posting block at a time.
            total = count_matches(searcher, query)
        return SearchResult(query=text, total=total, hits=hits, offset=offset, sort=sort,
                            match=match, facets=facet_counts)

    # -- facets, timeline, similar ----------------------------------------
    @_reads_index
    def facet(self, facet: str, text: str = "", filters: Filters = None, since: Optional[str] = None,
              until: Optional[str] = None) -> list[tuple[str, int]]:
        """Every value of one facet with its count over the matching articles."""
        if facet not in FACETS:
            raise InvalidArgument(f"unknown facet {facet!r} (facets: {', '.join(FACETS)})")
        node = _within(parse(text), date_span(since, until))
        docnums = self._docnums(_filtered(self.compile(node), self._filter(filters)))
        return self._facets.count(facet, docnums, None)

    @_reads_index
    def timeline(self, text: str = "", by: str = "month", filters: Filters = None,
                 match: str = "all", since: Optional[str] = None, until: Optional[str] = None) -> Timeline:
        node = parse(text, default_operator="or" if match == "any" else "and")
        if match == "any":  # the same articles as search(match="any")
            node, _ignored = self._without_stop_words(node)
        node = _within(node, date_span(since, until))
        docnums = self._docnums(_filtered(self.compile(node), self._filter(filters)))
        coarse = self._coarser_than(by, docnums)
        fine = [d for d in docnums if d not in coarse] if coarse else docnums
        rows, undated = timeline(self._facets, fine, by)
        return Timeline(query=text, by=by, periods=rows, undated=undated, total=len(docnums), coarse=len(coarse))

    def _coarser_than(self, by: str, docnums: list[int]) -> set[int]:
        """Those of ``docnums`` dated only to a longer period than ``by``."""
        precisions = _COARSER.get(by, ())
        if not precisions or "date_precision" not in self.schema.names():
            return set()
        query = wq.Or([wq.Term("date_precision", p) for p in precisions])
        return set(self._docnums(query)).intersection(docnums)

    @_reads_index
    def similar(self, article_id: str, limit: int = 10) -> list[Hit]:
        searcher = self.searcher()
        docnum = searcher.document_number(id=article_id)
        if docnum is None:
            raise ArticleNotFound(f"no article with id {article_id!r}")
        body = to_article(searcher.stored_fields(docnum)).body  # IndexDamaged when unreadable
        results = searcher.more_like(docnum, "body", text=body, top=limit, numterms=12)
        return [_hit(hit.fields(), hit.score, rank) for rank, hit in enumerate(results, 1)]


# A timeline by month cannot place an article dated "2021"; by week or day,
# not one dated "March 2021" either.
_COARSER = {"month": ("year",), "week": ("year", "month"), "day": ("year", "month")}


def _within(node: tree.Node, span: Optional[tree.DateRange]) -> tree.Node:
    if span is None:
        return node
    if isinstance(node, tree.MatchAll):
        return span
    return tree.And((node, span))


def _filtered(query: "wq.Query", filter_query: Optional["wq.Query"]) -> "wq.Query":
    """Restrict to the filter without letting it change the scores."""
    return query if filter_query is None else wq.And([query, FilterQuery(filter_query)])


def _period_query(facet: str, value: str) -> "wq.Query":
    """year=2022 or month=2022-09 as a date range."""
    try:
        if facet == "year":
            start = datetime(int(value), 1, 1)
            end = datetime(int(value) + 1, 1, 1) if start.year < 9999 else None  # open: no year 10000
        else:
            year, month = (int(part) for part in value.split("-"))
            start = datetime(year, month, 1)
            end = datetime(year + (month == 12), month % 12 + 1, 1) if (year, month) < (9999, 12) else None
    except ValueError:
        raise InvalidArgument(f"bad {facet} filter {value!r} (use {'2022' if facet == 'year' else '2022-09'})") from None
    return DateRangeQuery("date", start, end, endexcl=True)


def _field_terms(query: "wq.Query", reader, field: str) -> frozenset[str]:
    """The analysed terms of one field a query matches, wildcards and fuzzy terms expanded.

    Asked leaf by leaf: Whoosh 2.7.4's compound existing_terms() keeps only the
    first field's terms.
    """
    found: set[str] = set()
    for leaf in query.leaves() if not query.is_leaf() else [query]:
        if leaf.field() != field:
            continue
        try:
            terms = leaf.existing_terms(reader, expand=True)
        except (NotImplementedError, AttributeError):
            terms = leaf.iter_all_terms()
        found.update(t.decode("utf-8") if isinstance(t, bytes) else t for _, t in terms)
    return frozenset(found)
