"""Near-copy signatures (searcher/ingest/nearcopies.py): MinHash estimates
against the exact shingle sets they stand for."""
from __future__ import annotations

import math
import os
import random
import subprocess
import sys

import numpy as np
import pytest

from searcher.ingest import nearcopies as nc

VOCABULARY = [f"w{i}" for i in range(3000)]


def _story(rng: random.Random, paragraphs: int = 6, words: int = 60) -> list[str]:
    return [" ".join(rng.choice(VOCABULARY) for _ in range(words)) for _ in range(paragraphs)]


def _exact(a: str, b: str) -> tuple[float, float]:
    """Resemblance and containment of the two texts' shingle sets, counted."""
    sa, sb = (set(nc.shingle_hashes(nc.words(text)).tolist()) for text in (a, b))
    common = len(sa & sb)
    return common / len(sa | sb), common / min(len(sa), len(sb))


def test_a_text_resembles_itself_fully():
    text = "\n".join(_story(random.Random(1)))
    one, two = nc.signature(text), nc.signature(text)
    assert one.resemblance(two) == 1.0 and one.containment(two) == 1.0


def test_case_and_punctuation_do_not_count():
    text = "\n".join(_story(random.Random(2)))
    assert nc.signature(text).resemblance(nc.signature(text.upper().replace(" ", ", "))) == 1.0


@pytest.mark.parametrize("kept", [0.3, 0.6, 0.9])
def test_resemblance_estimates_the_shared_share_of_shingles(kept):
    rng = random.Random(int(kept * 10))
    errors = []
    for _ in range(20):
        base = _story(rng, paragraphs=10)
        copy = [p if rng.random() < kept else " ".join(rng.choice(VOCABULARY) for _ in range(60)) for p in base]
        a, b = "\n".join(base), "\n".join(copy)
        exact, _ = _exact(a, b)
        errors.append(nc.signature(a).resemblance(nc.signature(b)) - exact)
    worst = 4 * math.sqrt(0.25 / nc.PERMUTATIONS)  # four standard errors at J = 0.5, the widest
    assert max(abs(e) for e in errors) < worst
    assert abs(sum(errors) / len(errors)) < worst / 3  # unbiased


def test_a_copy_with_paragraphs_cut_is_contained_in_the_story():
    rng = random.Random(3)
    story = _story(rng, paragraphs=8)
    full, cut = "\n".join(story), "\n".join(story[:2] + story[4:7])
    a, b = nc.signature(full), nc.signature(cut)
    exact_resemblance, exact_containment = _exact(full, cut)
    assert exact_containment > 0.95 and exact_resemblance < 0.7
    assert a.containment(b) == b.containment(a) > 0.85
    assert abs(a.resemblance(b) - exact_resemblance) < 0.15


def test_different_stories_share_almost_nothing():
    rng = random.Random(4)
    a, b = (nc.signature("\n".join(_story(rng))) for _ in range(2))
    assert a.resemblance(b) < 0.05 and a.containment(b) < 0.1


def test_word_order_matters():
    story = "\n".join(_story(random.Random(5)))
    shuffled = story.split()
    random.Random(6).shuffle(shuffled)
    assert nc.signature(story).resemblance(nc.signature(" ".join(shuffled))) < 0.05


def test_short_texts_get_no_signature():
    assert nc.signature(" ".join(VOCABULARY[: nc.MIN_WORDS - 1])) is None
    assert nc.signature(" ".join(VOCABULARY[: nc.MIN_WORDS])) is not None
    assert nc.signature("") is None


def test_a_signature_survives_bytes():
    found = nc.signature("\n".join(_story(random.Random(7))))
    again = nc.Signature.from_bytes(found.to_bytes(), found.size)
    assert np.array_equal(again.hashes, found.hashes) and again.resemblance(found) == 1.0
    assert len(found.to_bytes()) == 4 * nc.PERMUTATIONS


def test_signatures_are_the_same_in_another_process():
    # stored signatures compare across runs: nothing may depend on Python's
    # per-process string hashing
    text = "\n".join(_story(random.Random(8)))
    code = ("import sys; from searcher.ingest import nearcopies as nc; "
            "sys.stdout.write(nc.signature(sys.stdin.read()).to_bytes().hex())")
    other = subprocess.run([sys.executable, "-c", code], input=text, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "12345"}).stdout
    assert other == nc.signature(text).to_bytes().hex()
