"""Wildcards, prefixes and fuzzy words that stand for many words: the same
documents, one constant score past SCORED_WORDS words, refused past MAX_WORDS."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from searcher import Archive, Article
from searcher.cli import cli
from searcher.engine.whoosh import expand as whoosh_expand
from searcher.errors import QueryTooBroad

# 300 distinct words starting with "q", 40 with "z"; documents hold a few each.
Q_WORDS = [f"q{chr(97 + i // 26)}{chr(97 + i % 26)}x" for i in range(300)]
Z_WORDS = [f"z{chr(97 + i)}yy" for i in range(26)] + [f"zz{chr(97 + i)}yy" for i in range(14)]


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    docs = {}
    for i in range(400):
        words = [Q_WORDS[(i * 7) % 300], Z_WORDS[i % 40] if i % 3 else "plain", "filler"]
        docs[f"d{i}"] = " ".join(words) if i % 5 else "nothing here but filler"
    path = tmp_path_factory.mktemp("wild") / "index"
    with Archive.create(path) as archive:
        archive.add([Article(id=k, title="", body=v) for k, v in docs.items()])
    with Archive.open(path) as archive:
        yield archive, docs, path


def _expected(docs, pattern):
    return {k for k, v in docs.items() if any(re.fullmatch(pattern, w) for w in v.split())}


def test_a_pattern_of_many_words_finds_the_same_documents_with_one_score(many):
    archive, docs, _ = many
    result = archive.search("q*", limit=1000)
    assert result.total == len(result.hits) == len(_expected(docs, r"q\w*"))
    assert {h.id for h in result.hits} == _expected(docs, r"q\w*")
    # One constant score: 300 words are not scored one by one.
    assert len({h.score for h in result.hits}) == 1
    both = archive.search("q* z*", limit=1000)
    assert {h.id for h in both.hits} == _expected(docs, r"q\w*") & _expected(docs, r"z\w*")
    assert archive.search("q?ax", limit=1000).total == len(_expected(docs, r"q.ax"))


def test_the_same_documents_as_whooshs_own_expansion(many, monkeypatch):
    archive, docs, _ = many
    queries = ["q*", "zz*", "q* z*", "q?ax", "qaax~1 filler", "z* -zz*"]
    fast = {q: {h.id for h in archive.search(q, limit=1000).hits} for q in queries}
    few = {h.id: h.score for h in archive.search("zz*", limit=1000).hits}
    monkeypatch.setattr(whoosh_expand, "SCORED_WORDS", 10**9)  # every pattern through Whoosh's OR
    assert fast == {q: {h.id for h in archive.search(q, limit=1000).hits} for q in queries}
    assert few == {h.id: h.score for h in archive.search("zz*", limit=1000).hits}  # 14 words: Whoosh's scores


def test_past_the_cap_a_pattern_is_refused(many, monkeypatch):
    archive, _, path = many
    monkeypatch.setattr(whoosh_expand, "MAX_WORDS", 100)
    with pytest.raises(QueryTooBroad, match=r"'q\*' stands for more than 100 different words"):
        archive.search("q*")
    assert archive.search("zz*").total  # under the cap
    result = CliRunner().invoke(cli, ["search", "q* filler", "--index", str(path)])
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "make it longer" in result.output
