"""The fast indexing path gives exactly what Whoosh's documented path gives."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searcher import Archive, parse_files
from searcher.engine.whoosh.accel import analysis as fastindex
from searcher.engine.whoosh.accel.imports import fields
from searcher.engine.whoosh.schema import build_schema, name_analyzer, text_analyzer

from .conftest import REPO

pytestmark = pytest.mark.slow  # Whoosh-acceleration differential: the fast indexing path against Whoosh's

SAMPLES = [
    "Putin & Xi strengthen ties amid Western antagonism",
    "The U.S. and the E.U. agreed; COVID-19 cases rose 3.5% in São Paulo — naïve café résumé",
    "İstanbul ŞEHİR ÆØÅ straße Ωmega ﬁnance x a I it's O'Brien's 1,000,000 e-mail",
    "",
    "   ",
    "the and of a",
]


def slow_and_fast(analyzer, text):
    slow = list(fields.TEXT(analyzer=analyzer).index(text))
    fast = list(fastindex.FastText(analyzer=analyzer).index(text))
    return sorted(slow), sorted(fast)


def test_samples_and_corpus_give_identical_terms_positions_weights():
    texts = SAMPLES + [f"{a.title}\n{a.body}" for a in parse_files([REPO / "corpus"]) if hasattr(a, "body")]
    assert len(texts) > 40
    for analyzer in (text_analyzer(), name_analyzer()):
        for text in texts:
            slow, fast = slow_and_fast(analyzer, text)
            assert fast == slow, text[:80]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_any_text_gives_identical_postings(text):
    for analyzer in (text_analyzer(), name_analyzer()):
        slow, fast = slow_and_fast(analyzer, text)
        assert fast == slow


def test_unsupported_analyzer_falls_back_to_whoosh():
    from whoosh.analysis import NgramAnalyzer

    field = fastindex.FastText(analyzer=NgramAnalyzer(3))
    assert sorted(field.index("news")) == sorted(fields.TEXT(analyzer=NgramAnalyzer(3)).index("news"))


def test_schema_uses_the_fast_fields():
    schema = build_schema()
    assert isinstance(schema["body"], fastindex.FastText) and isinstance(schema["author"], fastindex.FastText)


def test_index_built_either_way_answers_identically(tmp_path, monkeypatch, fixtures_dir):
    sources = [fixtures_dir / "archive", REPO / "corpus"]
    fast_path = tmp_path / "fast"
    with Archive.create(fast_path) as archive:
        archive.add(sources, commit_every=7)  # several segments and merges
    # The documented path: Whoosh's own field indexing and SegmentWriter.
    monkeypatch.setattr(fastindex.FastText, "index", fields.TEXT.index)
    monkeypatch.setattr("searcher.engine.whoosh.writing.FastSegmentWriter", lambda ix, **kw: ix.writer(**kw))
    slow_path = tmp_path / "slow"
    with Archive.create(slow_path) as archive:
        archive.add(sources, commit_every=7)
    monkeypatch.undo()
    queries = ["pipeline", '"gas pipeline"', "mongolia OR cyprus", "author:hoffmann", "gas NEAR/3 pipeline",
               "pipel*", "date:2021", "atleast3(pipeline)", "putin -xi", "title:(flood OR floods)"]
    with Archive.open(fast_path) as fast, Archive.open(slow_path) as slow:
        assert len(fast) == len(slow) > 40
        for query in queries:
            a = fast.search(query, limit=100, facets=["tags", "sources", "year"])
            b = slow.search(query, limit=100, facets=["tags", "sources", "year"])
            assert [(h.id, round(h.score, 6)) for h in a.hits] == [(h.id, round(h.score, 6)) for h in b.hits], query
            assert a.facets == b.facets and a.total == b.total


def test_analysed_spans_match_the_analyzer_offsets():
    texts = SAMPLES + [a.body for a in parse_files([REPO / "corpus"]) if hasattr(a, "body")][:10]
    for analyzer in (text_analyzer(), name_analyzer()):
        for text in texts:
            expected = [(t.startchar, t.endchar, t.text) for t in analyzer(text, chars=True, mode="index")]
            assert fastindex.analysed_spans(analyzer, text) == expected


def test_fields_without_positions_are_encoded_their_own_way():
    for analyzer in (text_analyzer(), name_analyzer()):
        text = "gas pipeline gas route"
        slow = sorted(fields.TEXT(analyzer=analyzer, phrase=False).index(text))
        list(fastindex.FastText(analyzer=analyzer).index(text))  # fill the shared position cache
        assert sorted(fastindex.FastText(analyzer=analyzer, phrase=False).index(text)) == slow


def test_ids_keywords_and_dates_give_whooshs_postings():
    from datetime import datetime, timedelta

    from searcher.engine.whoosh.accel.analysis import simple_postings
    from searcher.engine.whoosh.schema import VALUE_SEP

    schema = build_schema()
    values = {
        "id": ["https://example.test/a?b=1", "", "ÆØÅ id", "a\x1fb"],
        "url": ["https://example.test/x", " spaced  url "],
        "lang": ["en", "pt-BR"],
        "tags": [VALUE_SEP.join(["Energy", "Asia", "Energy"]), "one", "", VALUE_SEP * 2, "x" + VALUE_SEP],
        "authors": [VALUE_SEP.join(["Ann Lee", "Bo Chan"]), "Café Ñu"],
        "date": [datetime(1987, 3, 9, 12, 30, 5), datetime(1, 1, 1), datetime(2024, 12, 31, 23, 59, 59, 999999),
                 datetime(2020, 2, 29) + timedelta(microseconds=7)],
    }
    checked = 0
    for name, samples in values.items():
        field = schema[name]
        for value in samples:
            fast = simple_postings(field, value)
            assert fast is not None, (name, value)
            assert sorted(fast) == sorted(field.index(value)), (name, value)
            checked += 1
    assert checked == 19
    # Anything else goes Whoosh's way.
    assert simple_postings(schema["body"], "text") is None
    assert simple_postings(schema["date"], "2020-01-01") is None
    assert simple_postings(schema["tags"], ["a", "b"]) is None
