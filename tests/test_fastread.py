"""Readers opened by store.py skip through posting lists by bisecting
(accel/read.py): every ranking, score and match must be Whoosh's own."""
from __future__ import annotations

import pytest

from searcher import Archive
from searcher.article import Article
from searcher.engine.whoosh import store
from searcher.engine.whoosh.accel import read as fastread
from searcher.engine.whoosh.accel.imports import index as whoosh_index
from searcher.engine.whoosh.accel.imports import writing
from searcher.engine.whoosh.compile import Compiler
from searcher.query.parser import parse

from .test_merge import _segmented
from .test_postings import _articles, _build

pytestmark = pytest.mark.slow  # Whoosh-acceleration differential: bisecting readers against Whoosh's


def _body_term(searcher, word: str) -> bytes:
    return next(iter(searcher.schema["body"].analyzer(word))).text.encode("utf-8")

QUERIES = [
    "gas", "gas AND oil", "gas oil talks", "pipeline AND w17", "w3* AND gas", "gas NOT oil",
    '"gas pipeline"', '"oil talks"~3', "gas NEAR/2 oil", "gas PRE/4 oil", "atleast3(gas)",
    "(gas OR oil) AND (talks OR trade) AND NOT russia", "title:summit AND body:oil",
    "tag:energy AND gas AND date:[2020-06-01 TO 2021-06-01]", "sanctons~ AND oil",
]


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    path = _segmented(tmp_path_factory.mktemp("fastread") / "ix")
    plain = whoosh_index.open_dir(str(path))
    ours = store.open_index(path)
    with plain.searcher() as theirs, ours.searcher() as mine:
        yield theirs, mine


def test_our_readers_use_the_bisecting_matcher_and_whooshs_do_not(both):
    theirs, mine = both
    leaf = mine.subsearchers[0][0].reader()
    plain_leaf = theirs.subsearchers[0][0].reader()
    term = _body_term(mine, "gas")
    assert isinstance(leaf._terms.matcher("body", term, mine.schema["body"].format), fastread.BisectLeafMatcher)
    assert type(plain_leaf._terms.matcher("body", term, theirs.schema["body"].format)) is not fastread.BisectLeafMatcher


@pytest.mark.parametrize("text", QUERIES)
def test_rankings_scores_and_matches_are_whooshs(both, text):
    theirs, mine = both
    query = Compiler(mine.schema).compile(parse(text))
    expected = [(hit.docnum, hit.score) for hit in theirs.search(query, limit=None)]
    assert expected  # every query here matches something
    assert [(hit.docnum, hit.score) for hit in mine.search(query, limit=None)] == expected
    assert [(hit.docnum, hit.score) for hit in mine.search(query, limit=5)] == \
        [(hit.docnum, hit.score) for hit in theirs.search(query, limit=5)]
    assert sorted(mine.docs_for_query(query)) == sorted(theirs.docs_for_query(query))


def test_skip_to_lands_where_whooshs_does(tmp_path):
    """Every target on a long posting list (many blocks), from many starts."""
    path = _build(tmp_path / "ix", writing.SegmentWriter, _articles(1500))
    with whoosh_index.open_dir(str(path)).searcher() as theirs, store.open_index(path).searcher() as mine:
        reader, plain = mine.reader(), theirs.reader()
        fmt, term = mine.schema["body"].format, _body_term(mine, "gas")
        ids = list(plain._terms.matcher("body", term, fmt).all_ids())
        assert len(ids) > 600  # several 128-posting blocks
        for start in range(0, len(ids), 97):
            for target in range(ids[start], ids[-1] + 2, 7):
                a, b = reader._terms.matcher("body", term, fmt), plain._terms.matcher("body", term, fmt)
                assert type(a) is fastread.BisectLeafMatcher
                a.skip_to(ids[start]), b.skip_to(ids[start])
                a.skip_to(target), b.skip_to(target)
                assert a.is_active() == b.is_active()
                if b.is_active():
                    assert (a.id(), a.weight(), a.value()) == (b.id(), b.weight(), b.value())


def test_a_table_of_contents_written_later_names_whooshs_codec(tmp_path):
    """The readers' copies never reach a commit: plain Whoosh opens the index."""
    path = tmp_path / "ix"
    with Archive.create(path) as archive:
        archive.add([Article(title="First", body="gas pipeline", id="a")])
        assert archive.search("gas").total == 1
        archive.add([Article(title="Second", body="gas talks", id="b")])
    toc = max(path.glob("_MAIN_*.toc"))
    assert b"fastread" not in toc.read_bytes() and b"BisectCodec" not in toc.read_bytes()
    assert whoosh_index.open_dir(str(path)).doc_count() == 2
