"""Phrases keep each word at its place: a stop word's place holds exactly one
word, ``~N`` allows N more words between each pair, and a phrase keeps its
places as a side of NEAR/PRE. Checked on the cases found from outside and
against an independent evaluator of the documented semantics on random
documents."""
from __future__ import annotations

import random

import pytest

from searcher import Archive, Article

from .phrase_eval import analyse, near, phrase_spans

CASES = {
    "boe-cut": "The Bank of England cut its rates again on Thursday.",
    "boe-zero": "Our bank England branch raised rates.",
    "boe-two": "The bank of the England team announced rates.",
    "boe-governor": "The Bank of England governor spoke.",
    "boe-new-governor": "The Bank of England new governor spoke.",
    "iron-and-steel": "Output of iron and steel rose.",
    "iron-comma-steel": "Prices of iron, steel and copper fell.",
    "gains-from-sale": "The figure includes gains from sale of assets.",
    "gains-on-sale": "The figure includes pretax gains on sale of assets.",
    "expires-in-april": "The offer expires in April, the company said.",
    "expires-april": "The offer expires April 30, the company said.",
    "gas-pipeline": "A gas pipeline to Europe.",
    "gas-and-pipeline": "Gas and pipeline stocks fell.",
    "gas-export-pipeline": "A gas export pipeline to Europe.",
}


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    path = tmp_path_factory.mktemp("phrases") / "index"
    with Archive.create(path) as archive:
        archive.add([Article(id=key, title="", body=body) for key, body in CASES.items()])
    with Archive.open(path) as archive:
        yield archive


def ids(archive, query):
    result = archive.search(query, limit=100)
    assert result.total == len(result.hits)
    return {hit.id for hit in result.hits}


@pytest.mark.parametrize("query, expected", [
    ('"bank of england"', {"boe-cut", "boe-governor", "boe-new-governor"}),
    ('"bank of england governor"', {"boe-governor"}),
    ('"the bank of england"', {"boe-cut", "boe-governor", "boe-new-governor"}),
    ('"iron and steel"', {"iron-and-steel"}),
    ('"includes gains from sale"', {"gains-from-sale"}),
    ('"gas pipeline"', {"gas-pipeline"}),
    # ~N: up to N more words between each pair, in order; never fewer.
    ('"gas pipeline"~1', {"gas-pipeline", "gas-export-pipeline", "gas-and-pipeline"}),
    ('"bank of england"~1', {"boe-cut", "boe-two", "boe-governor", "boe-new-governor"}),
    ('"bank of england governor"~1', {"boe-governor", "boe-new-governor"}),
    # A phrase as a side of NEAR / PRE keeps its places.
    ('"bank of england" NEAR/5 rates', {"boe-cut"}),
    ('"bank of england" PRE/5 rates', {"boe-cut"}),
    ('rates NEAR/5 "bank of england"', {"boe-cut"}),
    ('"expires in april" NEAR/10 company', {"expires-in-april"}),
    ('"bank of england"~1 NEAR/5 rates', {"boe-cut", "boe-two"}),
])
def test_reported_cases(cases, query, expected):
    assert ids(cases, query) == expected


# -- against an independent evaluator, on random documents ---------------------

VOCABULARY = ["bank", "gas", "oil", "iron", "steel", "deal", "sale", "tax"]  # each its own stem
STOPS = ["of", "and", "the", "in", "to"]


def _random_text(rng, length):
    return " ".join(rng.choice(VOCABULARY if rng.random() < 0.6 else STOPS) for _ in range(length))


def _random_phrase(rng):
    words = [rng.choice(VOCABULARY)]
    for _ in range(rng.randint(1, 3)):
        if rng.random() < 0.35:
            words.append(rng.choice(STOPS))
        words.append(rng.choice(VOCABULARY))
    return " ".join(words)


@pytest.fixture(scope="module")
def random_archive(tmp_path_factory):
    rng = random.Random(20)
    docs = {f"d{i}": _random_text(rng, rng.randint(3, 30)) for i in range(300)}
    path = tmp_path_factory.mktemp("random-phrases") / "index"
    with Archive.create(path) as archive:
        archive.add([Article(id=key, title="", body=body) for key, body in docs.items()])
    with Archive.open(path) as archive:
        yield archive, {key: analyse(body) for key, body in docs.items()}


@pytest.mark.slow
def test_phrases_agree_with_the_evaluator(random_archive):
    archive, docs = random_archive
    rng = random.Random(7)
    checked = 0
    for _ in range(120):
        phrase, slop = _random_phrase(rng), rng.choice([0, 0, 1, 2])
        query = f'"{phrase}"' + (f"~{slop}" if slop else "")
        expected = {key for key, words in docs.items() if phrase_spans(words, analyse(phrase), slop)}
        assert ids(archive, query) == expected, query
        checked += bool(expected)
    assert checked > 20  # the random phrases do match something


@pytest.mark.slow
def test_near_with_phrase_sides_agrees_with_the_evaluator(random_archive):
    archive, docs = random_archive
    rng = random.Random(8)
    checked = 0
    for _ in range(80):
        left, right = _random_phrase(rng), rng.choice(VOCABULARY)
        if right in left.split():
            continue  # overlapping sides: not what this checks
        distance, ordered = rng.randint(0, 4), rng.random() < 0.5
        query = f'"{left}" {"PRE" if ordered else "NEAR"}/{distance} {right}'
        expected = {key for key, words in docs.items()
                    if near(words, analyse(left), analyse(right), distance, ordered)}
        assert ids(archive, query) == expected, query
        checked += bool(expected)
    assert checked > 10


@pytest.mark.parametrize("ordered", [True, False])
def test_two_word_near_keys_against_every_pair(ordered):
    # positions._near_keys (one search per b key) against the rule checked
    # pair by pair: some a key 1..slop before b (PRE) or either side (NEAR),
    # in the same document; also a word NEAR itself (equal keys are distance 0).
    import numpy as np

    from searcher.engine.whoosh.positions import _SHIFT, _near_keys

    rng = random.Random(13)
    for _ in range(400):
        def keys(n):
            return np.unique(np.array([rng.randrange(3) * int(_SHIFT) + rng.randrange(30) for _ in range(n)],
                                      dtype=np.int64))
        a = keys(rng.randrange(0, 25))
        b = a.copy() if rng.random() < 0.25 else keys(rng.randrange(1, 25))
        slop = rng.randrange(1, 7)
        expected = [any(a_key // _SHIFT == b_key // _SHIFT
                        and (1 <= b_key - a_key <= slop if ordered else 1 <= abs(b_key - a_key) <= slop)
                        for a_key in a.tolist())
                    for b_key in b.tolist()]
        assert _near_keys(a, b, slop, ordered).tolist() == expected
