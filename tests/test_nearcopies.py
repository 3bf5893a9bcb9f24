"""Near-copy signatures and groups (searcher/nearcopies.py): MinHash estimates
against the exact shingle sets they stand for."""
from __future__ import annotations

import math
import os
import random
import subprocess
import sys

import numpy as np
import pytest

from searcher import nearcopies as nc

VOCABULARY = [f"w{i}" for i in range(3000)]


def _story(rng: random.Random, paragraphs: int = 6, words: int = 60) -> list[str]:
    return [" ".join(rng.choice(VOCABULARY) for _ in range(words)) for _ in range(paragraphs)]


def _exact(a: str, b: str) -> tuple[float, float]:
    """Resemblance and containment of the two texts' shingle sets, counted."""
    sa, sb = (set(nc.shingle_hashes(nc.word_hashes(text)).tolist()) for text in (a, b))
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
    code = ("import sys; from searcher import nearcopies as nc; "
            "sys.stdout.write(nc.signature(sys.stdin.read()).to_bytes().hex())")
    other = subprocess.run([sys.executable, "-c", code], input=text, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "12345"}).stdout
    assert other == nc.signature(text).to_bytes().hex()


def _signatures(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    found = [nc.signature(text) for text in texts]
    hashes = np.stack([s.hashes if s else np.zeros(nc.PERMUTATIONS, np.uint32) for s in found])
    return hashes, np.array([s.size if s else 0 for s in found])


def _family_texts(seed: int, families: int, copies: int) -> tuple[list[str], list[int]]:
    """``families`` stories, each with ``copies`` edited copies (a paragraph
    dropped, a byline added); the family of each text."""
    rng = random.Random(seed)
    texts, family = [], []
    for number in range(families):
        story = _story(rng)
        for copy in range(copies):
            kept = [p for i, p in enumerate(story) if i != copy % len(story)] if copy else story
            texts.append(f"By Reporter {copy}\n" + "\n".join(kept))
            family.append(number)
    return texts, family


def test_bands_give_the_candidates_datasketchs_lsh_gives():
    from datasketch import MinHashLSH

    texts, _ = _family_texts(5, 12, 3)
    rng = random.Random(6)  # and pairs sharing a few sentences only
    texts += [texts[i][:400] + " ".join(rng.choice(VOCABULARY) for _ in range(200)) for i in range(0, 36, 3)]
    hashes, sizes = _signatures(texts)
    ours = nc.candidate_pairs(hashes, sizes)
    lsh = MinHashLSH(threshold=0.3, num_perm=nc.PERMUTATIONS)
    assert (lsh.b, lsh.r) == (nc.BANDS, nc.ROWS)
    theirs = set()
    for row, text in enumerate(texts):
        minhash = nc.signature(text).minhash()
        theirs.update((min(row, int(other)), max(row, int(other))) for other in lsh.query(minhash))
        lsh.insert(str(row), minhash)
    assert set(zip(ours.first.tolist(), ours.second.tolist())) == theirs
    assert len(theirs) > 36  # the copies and some partial overlaps


def test_pairs_carry_the_containment_a_signature_estimates():
    texts, _ = _family_texts(7, 4, 4)
    hashes, sizes = _signatures(texts)
    pairs = nc.candidate_pairs(hashes, sizes)
    signatures = [nc.signature(text) for text in texts]
    for a, b, value in zip(pairs.first.tolist(), pairs.second.tolist(), pairs.containment.tolist()):
        assert value == pytest.approx(signatures[a].containment(signatures[b]), abs=1e-6)


def test_groups_are_the_families_of_copies():
    texts, family = _family_texts(8, 20, 4)
    hashes, sizes = _signatures(texts)
    pairs = nc.candidate_pairs(hashes, sizes).at(nc.COPY_CONTAINMENT)
    labels = nc.components(len(texts), pairs.first, pairs.second)
    for row, label in enumerate(labels.tolist()):
        assert label == family.index(family[row])  # the family's first row: the smallest linked


def test_a_text_without_a_signature_is_a_group_of_its_own():
    texts, _ = _family_texts(9, 2, 2)
    hashes, sizes = _signatures(texts + ["too short", "too short"])
    pairs = nc.candidate_pairs(hashes, sizes)
    assert not set(pairs.first.tolist()) & {4, 5} and not set(pairs.second.tolist()) & {4, 5}
    assert nc.components(6, pairs.first, pairs.second).tolist() == [0, 0, 2, 2, 4, 5]


def test_components_follow_chains_in_any_order():
    rng = random.Random(10)
    rows = list(range(200))
    rng.shuffle(rows)
    chain = list(zip(rows[:99], rows[1:100]))  # one chain over 100 shuffled rows, the rest alone
    rng.shuffle(chain)
    labels = nc.components(200, np.array([a for a, _ in chain]), np.array([b for _, b in chain]))
    assert {labels[r] for r in rows[:100]} == {min(rows[:100])}
    assert all(labels[r] == r for r in rows[100:])


def test_many_articles_sharing_one_band_all_join_one_group():
    text = "\n".join(_story(random.Random(11)))
    hashes, sizes = _signatures([text] * 60)  # one run of 60 equal keys in every band
    pairs = nc.candidate_pairs(hashes, sizes)
    assert len(pairs.first) < 60 * 59 // 2  # not every pair of the run
    assert set(nc.components(60, pairs.first, pairs.second).tolist()) == {0}


def test_a_record_reads_back_as_the_signature():
    signature = nc.signature("\n".join(_story(random.Random(12))))
    hashes, sizes = nc.records(signature.record() + nc.NO_SIGNATURE)
    assert np.array_equal(hashes[0], signature.hashes) and sizes.tolist() == [signature.size, 0]
    assert len(signature.record()) == nc.RECORD_BYTES


@pytest.mark.parametrize("given, expected", [(None, nc.COPY_CONTAINMENT), ("moderate", nc.COPY_CONTAINMENT),
                                             ("HIGH", 0.9), ("0.85", 0.85), (1, 1.0)])
def test_similarity_names_and_numbers(given, expected):
    assert nc.threshold_of(given) == expected


@pytest.mark.parametrize("given", ["low", "0.2", "1.5", "nan"])
def test_a_bad_similarity_is_refused_with_the_choices(given):
    from searcher.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match="moderate"):
        nc.threshold_of(given)


# -- words and signatures in numpy, texts in batches --------------------------
def test_words_are_the_texts_word_runs_hashed_alike():
    import re

    rng = random.Random(30)
    pieces = ["Straße", "café", "naïve_test", "x2", "“quoted”", "a\u00a0b", "end…", "—", "'s", "O'Neill", "東京"]
    for _ in range(200):
        text = " ".join(rng.choice(pieces + VOCABULARY[:20]) for _ in range(rng.randint(0, 30)))
        text = rng.choice(["", ",", ". ", "\n"]).join(text.split(" "))
        words = re.findall(r"\w+", text.casefold())
        hashes = nc.word_hashes(text).tolist()
        assert len(hashes) == len(words)
        by_word: dict[str, set[int]] = {}
        for word, value in zip(words, hashes):
            by_word.setdefault(word, set()).add(value)
        assert all(len(values) == 1 for values in by_word.values())  # a word hashes alike wherever it is
        assert len(set(hashes)) == len(by_word)  # and unlike any other word here


def test_a_batch_of_texts_signs_each_as_datasketch_would_alone():
    from datasketch import MinHash

    rng = random.Random(31)
    texts = ["\n".join(_story(rng, rng.randint(0, 8), rng.randint(1, 90))) for _ in range(300)]
    texts += ["", "too short to sign", " ".join(VOCABULARY[:nc.MIN_WORDS])]
    batch = nc.signatures(texts)
    assert len(batch) == len(texts)
    signed = 0
    for text, found in zip(texts, batch):
        words = nc.word_hashes(text)
        if len(words) < nc.MIN_WORDS:
            assert found is None
            continue
        shingles = nc.shingle_hashes(words)
        reference = MinHash(num_perm=nc.PERMUTATIONS, seed=nc.SEED, scheme=nc.SCHEME, hashfunc=int)
        reference.update_batch(shingles.tolist())
        assert np.array_equal(found.hashes, reference.hashvalues) and found.size == len(shingles)
        assert np.array_equal(nc.signature(text).hashes, found.hashes)
        signed += 1
    assert signed > 200


def test_batches_split_by_size_give_the_same_signatures(monkeypatch):
    rng = random.Random(32)
    texts = ["\n".join(_story(rng, 3, 40)) for _ in range(40)]
    whole = nc.signatures(texts)
    monkeypatch.setattr(nc, "_BATCH_BYTES", 2000)  # a few texts a batch
    monkeypatch.setattr(nc, "_MATRIX_ROWS", 50)  # and the MinHash matrix a few texts at a time
    assert [s.record() for s in nc.signatures(texts)] == [s.record() for s in whole]


def test_the_permutations_are_datasketchs_and_signing_does_not_load_it():
    from datasketch import MinHash

    reference = MinHash(num_perm=nc.PERMUTATIONS, seed=nc.SEED, scheme=nc.SCHEME)
    assert np.array_equal(nc._permutations(), reference.permutations)
    code = ("import sys; from searcher import nearcopies as nc; "
            "assert nc.signature(' '.join(str(i) for i in range(40))) is not None; "
            "print('datasketch' in sys.modules)")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "False"
