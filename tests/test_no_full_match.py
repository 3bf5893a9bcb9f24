"""When nothing matches the query as given: exports never answer another
query, and a query of only common words says why it found nothing."""
from __future__ import annotations


import pytest


def test_the_library_falls_back_only_when_asked(archive):
    offered = archive.search("zebra pipeline")
    assert offered.fallback == "any" and offered.total > 0
    exact = archive.search("zebra pipeline", fallback=False)
    assert (exact.total, exact.hits, exact.fallback) == (0, [], None)


@pytest.mark.parametrize("query, words", [("the", "the"), ('"to be or not to be"', "to, be, or, not")])
def test_only_common_words_say_so(archive, query, words):
    result = archive.search(query)
    assert result.total == 0
    assert result.notice.startswith(f"the query holds only common words the index leaves out ({words})")
    assert result.to_dict()["notice"] == result.notice


def test_a_query_with_a_real_word_has_no_notice(archive):
    assert archive.search("the zebra").notice is None
    assert archive.search("the pipeline").notice is None
