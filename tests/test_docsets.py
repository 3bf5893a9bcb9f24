"""docsets (matching documents as sets, a posting block at a time) must find
exactly what Whoosh's own walk (``docs_for_query``) finds, on every query
shape the compiler builds, across segments with deleted documents."""
from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest

from searcher.engine.whoosh import docsets
from searcher.engine.whoosh.accel.imports import index as whoosh_index
from searcher.engine.whoosh.accel.imports import query as wq
from searcher.engine.whoosh.accel.imports import writing
from searcher.engine.whoosh.backend import WhooshBackend
from searcher.engine.whoosh.compile import Compiler
from searcher.engine.whoosh.documents import to_article
from searcher.engine.whoosh.execute import filtered as _filtered
from searcher.engine.whoosh.queries import DateRangeQuery
from searcher.query.parser import date_span, parse
from searcher.query.plan import Planner
from searcher.query.plan import within as _within
from searcher.query.ranking import DEFAULT_RANKING
from searcher.query.request import SearchRequest, normalise_filters

from .test_merge import _segmented
from .test_postings import _articles, _build

pytestmark = pytest.mark.slow  # Whoosh-acceleration differential: docsets against Whoosh's own walk

QUERIES = [
    "gas", "pipeline", "w17", "nosuchword", "title:summit", "body:oil",
    "gas AND oil", "gas oil talks", "gas OR w12 OR w4999", "gas NOT oil", "NOT gas", "-gas -oil",
    "(gas OR oil) AND NOT (talks OR trade)", "*",
    '"gas pipeline"', '"oil talks"~3', "gas NEAR/2 oil", "gas PRE/4 oil", "atleast3(gas)",
    "pip*", "w1?", "w12*", "sanctons~", "tag:energy", "tag:energy AND gas", "author:\"Ann Lee\"",
    "gas AND (\"oil talks\" OR w3*)", "title:(putin OR xi) NOT body:china",
    # a rare word AND common ones: only the common words' blocks that can hold it are read
    "w17 AND gas", "gas AND pipeline AND w1*", "w4999 OR (w12 AND oil)", "gas AND NOT w2*",
]
SPANS = [(None, None), ("2020-06-01", None), (None, "2021-01-01"), ("2020-03-01", "2021-05-31")]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    path = _segmented(tmp_path_factory.mktemp("docsets") / "ix")
    ix = whoosh_index.open_dir(str(path))
    opened = _Engine(WhooshBackend(path, ix, DEFAULT_RANKING))
    yield opened
    opened.backend.close()


class _Engine:
    """The backend's searcher and compiler, and searches planned as Archive plans them."""

    def __init__(self, backend):
        self.backend = backend
        self.planner = Planner(backend, DEFAULT_RANKING)

    def searcher(self):
        return self.backend.searching.snapshot().searcher

    def compile(self, node):
        return self.backend.searching.compile(node)

    def _filter(self, filters):
        return self.backend.searching.snapshot().filter(normalise_filters(filters))

    def search(self, text, **options):
        return self.planner.search(SearchRequest(text, **options))


def _whoosh_walk(searcher, query) -> list[int]:
    return sorted(searcher.docs_for_query(query))


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("since, until", SPANS)
def test_the_same_documents_as_whooshs_walk(engine, text, since, until):
    searcher = engine.searcher()
    assert searcher.subsearchers and len(searcher.subsearchers) == 5
    assert searcher.reader().has_deletions()
    query = engine.compile(_within(parse(text), date_span(since, until)))
    expected = _whoosh_walk(searcher, query)
    assert docsets.matching_docnums(searcher, query) == expected
    assert docsets.count_matches(searcher, query) == len(expected)


@pytest.mark.parametrize("filters", [{"tag": ["energy"]}, {"tag": ["energy", "asia"], "year": "2021"},
                                     {"author": "Bo Chan"}, {"month": ["2020-02", "2022-11"]}])
def test_filters_find_whooshs_documents(engine, filters):
    searcher = engine.searcher()
    query = _filtered(engine.compile(parse("gas OR oil")), engine._filter(filters))
    expected = _whoosh_walk(searcher, query)
    assert expected  # the filter keeps something, so the comparison means something
    assert docsets.matching_docnums(searcher, query) == expected


def test_a_real_search_counts_and_facets_the_same(engine):
    result = engine.search("gas", facets=["tags", "year"], facet_limit=None)
    searcher = engine.searcher()
    walked = _whoosh_walk(searcher, engine.compile(parse("gas")))
    assert result.total == len(walked) > 128  # more than one posting block in a segment
    articles = [to_article(searcher.stored_fields(docnum)) for docnum in walked]
    tags = Counter(tag for article in articles for tag in article.tags)
    years = Counter(str(article.date.year) for article in articles if article.date)
    assert dict(result.facets["tags"]) == dict(tags)
    assert dict(result.facets["year"]) == dict(years)


def test_unknown_query_types_fall_back_to_whooshs_walk(engine):
    searcher = engine.searcher()
    query = wq.Every("title")  # documents with any title term: not a set shape docsets knows
    expected = _whoosh_walk(searcher, query)
    assert 0 < len(expected) < searcher.doc_count()
    assert docsets.matching_docnums(searcher, query) == expected


def test_one_segment_index(tmp_path):
    ix = whoosh_index.open_dir(str(_build(tmp_path / "ix", writing.SegmentWriter, _articles(300))))
    with ix.searcher() as searcher:
        assert not searcher.subsearchers
        for text in ("gas", "gas AND oil", "NOT gas", '"gas pipeline"'):
            query = Compiler(ix.schema).compile(parse(text))
            assert docsets.matching_docnums(searcher, query) == _whoosh_walk(searcher, query)


@pytest.mark.parametrize("text", ["date:[2020-06-01 TO 2021-06-01]", "gas AND date:[2020-06-01 TO 2021-06-01]",
                                  "(gas OR w3*) AND NOT date:[2020-02-01 TO 2022-01-01]",
                                  "date:>=2021-03-04", "date:[2020-01-01 TO 2020-01-20]"])
def test_date_ranges_rank_and_count_as_whooshs_own(engine, text):
    """DateRangeQuery gives Whoosh's DateRange matcher (same ids, same constant
    score), read from posting blocks: the same ranked hits, scores and totals."""
    searcher = engine.searcher()
    ours = engine.compile(parse(text))
    theirs = _plain_date_ranges(ours)
    assert repr(ours) != repr(theirs)  # the plain query really is the other class

    def ranked(query):
        results = searcher.search(query, limit=None)
        return [(hit.docnum, round(hit.score, 9)) for hit in results]

    assert ranked(ours) == ranked(theirs)
    assert len(ranked(ours)) == len(_whoosh_walk(searcher, theirs)) > 0


def _plain_date_ranges(query):
    if isinstance(query, DateRangeQuery):
        return wq.DateRange(query.fieldname, query.startdate, query.enddate,
                            startexcl=query.startexcl, endexcl=query.endexcl, boost=query.boost)
    if query.is_leaf():
        return query
    return query.apply(_plain_date_ranges)


def test_engine_search_by_date_alone_pages_like_whoosh(engine):
    """A date range alone is answered from its sorted documents (every match
    scores the same): the same pages, scores and total as Whoosh's search."""
    searcher = engine.searcher()
    plain = wq.DateRange("date", datetime(2021, 1, 1), datetime(2022, 1, 1), endexcl=True)
    expected = [(searcher.stored_fields(hit.docnum)["id"], hit.score) for hit in searcher.search(plain, limit=None)]
    assert len(expected) > 20 and len({score for _, score in expected}) == 1
    pages = [engine.search("*", since="2021-01-01", until="2021-12-31", limit=7, offset=offset)
             for offset in range(0, len(expected) + 7, 7)]
    assert [(hit.id, hit.score) for page in pages for hit in page.hits] == expected
    assert {page.total for page in pages} == {len(expected)}
    words = engine.search("date:[2021-01-01 TO 2021-12-31]", limit=len(expected))
    assert [(hit.id, hit.score) for hit in words.hits] == expected
