"""The array evaluator (evaluate.py) must answer as Whoosh's own evaluation:
the same documents, the same BM25F scores (to float summation order), the
same ranking and exact totals, for every query shape the compiler builds,
on indexes of several segments with deleted documents; with each
segment's arrays part and without it (decoded from Whoosh's blocks)."""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from searcher.engine.whoosh.accel import arrays
from searcher.engine.whoosh.accel.imports import index as whoosh_index
from searcher.engine.whoosh.accel.imports import query as wq
from searcher.engine.whoosh.accel.imports import writing
from searcher.engine.whoosh.backend import WhooshBackend
from searcher.engine.whoosh.compile import Compiler
from searcher.engine.whoosh.evaluate import Evaluator
from searcher.engine.whoosh.execute import filtered
from searcher.query.parser import date_span, parse
from searcher.query.plan import within
from searcher.query.ranking import DEFAULT_RANKING, bm25_tf, idf
from searcher.query.request import normalise_filters

from .test_docsets import QUERIES, SPANS
from .test_merge import _segmented
from .test_postings import _articles, _build

pytestmark = pytest.mark.slow  # differential: our evaluation against Whoosh's

MORE = ['"gas pipeline talks"', '"pipeline talks"~2 AND gas', '"gas pipeline" NEAR/3 oil', "gas NEAR/1 oil",
        "oil PRE/2 gas", '"gas pipeline" PRE/6 "oil talks"', "atleast2(gas-pipeline)", "atleast2(oil)",
        "gas^3 OR oil", "(gas OR oil)^2 AND talks", "title:gas OR body:gas", "w1* OR gas", "NOT (gas OR oil)",
        "pip*^2", "w1?^3 AND gas", "title:summ*^2 OR w12*^2", "sanctons~^2"]


# Whoosh scores a word field by field: the differential tests compile bare
# words that way; BM25F's one-field scoring is checked on its own below.
PER_FIELD = replace(DEFAULT_RANKING, combine_fields=False)


@pytest.fixture(scope="module", params=["arrays", "blocks"])
def engine(request, tmp_path_factory):
    path = _segmented(tmp_path_factory.mktemp("evaluate") / "ix")
    if request.param == "blocks":  # no arrays parts: every term decoded from Whoosh's blocks
        for part in path.glob("*" + arrays.EXTENSION):
            part.unlink()
    ix = whoosh_index.open_dir(str(path))
    backend = WhooshBackend(path, ix, PER_FIELD)
    yield backend, request.param
    backend.close()


def _words_of_patterns(query, reader):
    """``query`` with each pattern spelled out as what we define it to be:
    over SCORED_WORDS words in the index, their documents at one constant
    score (the boost); else an Or of its words, each word's BM25F summed,
    times the boost -- Whoosh's own evaluation of that in any segment size
    (its MultiTerm instead scores by segment: see evaluate._bounded)."""
    from searcher.engine.whoosh.evaluate import _expands
    from searcher.engine.whoosh.expand import SCORED_WORDS, _Bounded

    def spelled(q):
        if not (isinstance(q, _Bounded) and _expands(q)):
            return q
        words = sorted({word for _, word in q.existing_terms(reader, expand=True)})
        if not words:
            return wq.NullQuery
        terms = [wq.Term(q.field(), word) for word in words]
        if len(words) > SCORED_WORDS:
            return wq.ConstantScoreQuery(wq.Or(terms), score=q.boost)
        return wq.Or(terms, boost=q.boost) if len(terms) > 1 else terms[0].with_boost(q.boost)

    return query.accept(spelled)


def _compare(searcher, query, expect_arrays: bool = True) -> int:
    """Every match, score and the ranking: ours against Whoosh's; the total."""
    reference = _words_of_patterns(query, searcher.reader())
    theirs = [(hit.docnum, hit.score) for hit in searcher.search(reference, limit=None)]
    walked = sorted(searcher.docs_for_query(query))
    evaluated = Evaluator(DEFAULT_RANKING.k1, DEFAULT_RANKING.b).evaluate(searcher, query)
    assert evaluated.total == len(walked) == len(theirs)
    assert evaluated.docnums() == walked
    ours = evaluated.top(len(theirs) + 5)
    assert len(ours) == len(theirs)
    for (our_doc, our_score), (doc, score) in zip(ours, theirs):
        assert math.isclose(our_score, score, rel_tol=1e-9, abs_tol=1e-12), (query, our_doc, doc)
        if our_doc != doc:  # only documents whose scores differ by summation order may swap
            assert math.isclose(dict(theirs)[our_doc], score, rel_tol=1e-9), (query, our_doc, doc)
    return len(theirs)


@pytest.mark.parametrize("text", QUERIES + MORE)
@pytest.mark.parametrize("since, until", SPANS)
def test_the_same_ranking_scores_and_totals_as_whooshs(engine, text, since, until):
    backend, mode = engine
    snapshot = backend.searching.snapshot()
    searcher = snapshot.searcher
    assert len(searcher.subsearchers) == 5 and searcher.reader().has_deletions()
    _compare(searcher, snapshot.compile(within(parse(text), date_span(since, until))))


@pytest.mark.parametrize("filters", [{"tag": ["energy"]}, {"tag": ["energy", "asia"], "year": "2021"},
                                     {"author": "Bo Chan"}, {"month": ["2020-02", "2022-11"]}])
def test_filters_narrow_without_changing_scores(engine, filters):
    backend, _ = engine
    snapshot = backend.searching.snapshot()
    query = filtered(snapshot.compile(parse("gas OR oil")), snapshot.filter(normalise_filters(filters)))
    assert _compare(snapshot.searcher, query) > 0


def test_common_words_span_several_posting_blocks(engine):
    backend, _ = engine
    snapshot = backend.searching.snapshot()
    assert _compare(snapshot.searcher, snapshot.compile(parse("gas"))) > 128


def test_unknown_query_types_are_evaluated_by_whoosh(engine):
    backend, _ = engine
    searcher = backend.searching.snapshot().searcher
    assert 0 < _compare(searcher, wq.Every("title")) < searcher.doc_count()


def _bm25f_from_whooshs_readers(searcher, words: list[str]) -> dict[int, float]:
    """ranking.py's BM25F of bare words, from what Whoosh's own searcher
    reports (postings, stored lengths, document frequencies): per document,
    title and body frequencies and lengths weighted and summed, one idf from
    the larger df."""
    weights = {"title": DEFAULT_RANKING.title_boost, "body": 1.0}
    k1, b, n = DEFAULT_RANKING.k1, DEFAULT_RANKING.b, searcher.doc_count_all()
    avgdl = sum(w * searcher.avg_field_length(f) for f, w in weights.items())
    reader, scores = searcher.reader(), {}
    for text in words:
        tfs: dict[int, float] = {}
        (word,) = [token.text for token in searcher.schema["body"].analyzer(text)]
        for field, weight in weights.items():
            if (field, word) not in reader:
                continue
            postings = searcher.postings(field, word)
            while postings.is_active():
                tfs[postings.id()] = tfs.get(postings.id(), 0.0) + weight * postings.weight()
                postings.next()
        w_idf = idf(n, max(searcher.doc_frequency(f, word) for f in weights))
        for doc, tf in tfs.items():
            if not reader.is_deleted(doc):
                dl = sum(w * (searcher.doc_field_length(doc, f) or 0) for f, w in weights.items())  # None: empty
                scores[doc] = scores.get(doc, 0.0) + w_idf * bm25_tf(tf, dl, avgdl, k1, b)
    return scores


@pytest.mark.parametrize("text", ["gas", "pipeline", "gas OR talks OR summit", "gas AND oil"])
def test_bare_words_score_bm25f_over_segments_and_deletions(engine, text):
    backend, _ = engine
    searcher = backend.searching.snapshot().searcher
    assert len(searcher.subsearchers) == 5 and searcher.reader().has_deletions()
    query = Compiler(searcher.schema).compile(parse(text))
    evaluated = Evaluator(DEFAULT_RANKING.k1, DEFAULT_RANKING.b).evaluate(searcher, query)
    got = dict(evaluated.top(evaluated.total))
    words = [w for w in text.split() if w not in ("OR", "AND")]
    expected = _bm25f_from_whooshs_readers(searcher, words)
    if "AND" in text:  # both words: the documents holding each
        both = set.intersection(*(set(_bm25f_from_whooshs_readers(searcher, [w])) for w in words))
        expected = {doc: score for doc, score in expected.items() if doc in both}
    assert len(got) > 10
    assert got == pytest.approx(expected, rel=1e-9)


def test_one_segment_index(tmp_path):
    ix = whoosh_index.open_dir(str(_build(tmp_path / "ix", writing.SegmentWriter, _articles(300))))
    with ix.searcher() as searcher:
        assert not searcher.subsearchers
        for text in ("gas", "gas AND oil", "NOT gas", '"gas pipeline"', "gas NEAR/2 oil"):
            _compare(searcher, Compiler(ix.schema, combine_fields=False).compile(parse(text)))


def test_a_damaged_arrays_part_is_not_believed(tmp_path):
    path = _segmented(tmp_path / "ix", batches=2)
    part = next(path.glob("*" + arrays.EXTENSION))
    raw = bytearray(part.read_bytes())
    raw[-12:] = b"\xff" * 12  # the footer
    part.write_bytes(bytes(raw))
    ix = whoosh_index.open_dir(str(path))
    with ix.searcher() as searcher:
        states = [arrays.SegmentArrays(sub.reader()) for sub, _ in searcher.subsearchers]
        assert sorted(state.complete for state in states) == [False, True]
        _compare(searcher, Compiler(ix.schema, combine_fields=False).compile(parse("gas OR oil")))


def test_arrays_hold_what_the_blocks_hold(tmp_path):
    path = _segmented(tmp_path / "ix", batches=2)
    ix = whoosh_index.open_dir(str(path))
    with ix.reader() as reader:
        for sub in reader.leaf_readers():
            segment = arrays.SegmentArrays(sub[0])
            assert segment.complete
            for fieldname, btext in sub[0].all_terms():
                ids, weights = segment.postings(fieldname, btext)
                decoded = arrays._decoded(sub[0], fieldname, btext)
                assert np.array_equal(ids, decoded[0]) and np.array_equal(weights, decoded[1])


@pytest.mark.parametrize("text", ["w1?", "w1?^3 AND gas", "title:summ*^2 OR w12*^2", "sanctons~^2", "pip*^2"])
def test_patterns_scored_as_in_segments_past_whooshs_preload_size(engine, monkeypatch, text):
    # Whoosh scores an Or of a few words only in segments over 5,000
    # documents (smaller ones are preloaded unscored, 1 each); we score them
    # in every segment: force Whoosh's Or to the large-segment path too.
    monkeypatch.setattr(wq.Or, "matcher_type", wq.Or.DEFAULT_MATCHER)
    backend, _ = engine
    snapshot = backend.searching.snapshot()
    assert _compare(snapshot.searcher, snapshot.compile(parse(text))) > 0


def test_segments_on_threads_answer_as_on_one_thread(engine):
    backend, _ = engine
    snapshot = backend.searching.snapshot()
    threaded = Evaluator(DEFAULT_RANKING.k1, DEFAULT_RANKING.b, threads=3)
    try:
        for text in ("gas OR oil", '"gas pipeline" AND talks', "w1* AND NOT oil", "gas NEAR/2 oil"):
            query = snapshot.compile(parse(text))
            one = Evaluator(DEFAULT_RANKING.k1, DEFAULT_RANKING.b).evaluate(snapshot.searcher, query)
            many = threaded.evaluate(snapshot.searcher, query)
            assert many.total == one.total > 0
            assert many.docnums() == one.docnums() and many.top(40) == one.top(40)
    finally:
        threaded.close()


def test_a_prefixs_words_are_one_run_of_the_arrays_part(tmp_path):
    path = _segmented(tmp_path / "ix", batches=2)
    ix = whoosh_index.open_dir(str(path))
    with ix.reader() as reader:
        for sub, _ in reader.leaf_readers():
            segment = arrays.SegmentArrays(sub)
            for prefix in ("w1", "w2", "w49", "w"):
                terms = list(sub.iter_prefix("body", prefix))
                assert len(terms) > 2
                run = segment.run_ids(terms[0][1], terms[-1][1], len(terms))
                one_by_one = np.concatenate([segment.ids_of("body", word, info) for word, info in terms])
                assert run is not None and np.array_equal(np.sort(run), np.sort(one_by_one))
            words = list(sub.iter_prefix("body", "w1"))
            assert segment.run_ids(words[0][1], words[-1][1], len(words) + 1) is None  # not one run: refused
