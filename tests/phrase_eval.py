"""An independent evaluator of the README's phrase and NEAR semantics, over
word lists: ``None`` stands for a word the index does not keep (a stop
word, or shorter than two letters), which still holds its place."""
from __future__ import annotations

import re

from whoosh.analysis import STOP_WORDS

WORD = re.compile(r"\w+(?:\.?\w+)*")  # the index's tokenizer


def analyse(text: str, stem=lambda word: word) -> list:
    return [None if word in STOP_WORDS or len(word) < 2 else stem(word) for word in WORD.findall(text.lower())]


def phrase_spans(words: list, phrase: list, slop: int = 0) -> list[tuple[int, int]]:
    """(first, last) positions of each match of the analysed ``phrase``: its
    kept words in order, each gap at least the phrase's own and at most
    ``slop`` more."""
    kept = [(i, w) for i, w in enumerate(phrase) if w is not None]
    offsets = [i - kept[0][0] for i, _ in kept]
    terms = [w for _, w in kept]
    found = []

    def extend(k, start, last):
        if k == len(terms):
            found.append((start, last))
            return
        gap = offsets[k] - offsets[k - 1]
        for pos in range(last + gap, min(last + gap + slop, len(words) - 1) + 1):
            if words[pos] == terms[k]:
                extend(k + 1, start, pos)

    for start, word in enumerate(words):
        if word == terms[0]:
            extend(1, start, start)
    return found


def near(words: list, left: list, right: list, distance: int, ordered: bool) -> bool:
    """Some match of ``left`` and of ``right`` with at most ``distance`` words
    between them (``ordered``: left first)."""
    for a_first, a_last in phrase_spans(words, left):
        for b_first, b_last in phrase_spans(words, right):
            if b_first > a_last and b_first - a_last - 1 <= distance:
                return True
            if not ordered and a_first > b_last and a_first - b_last - 1 <= distance:
                return True
    return False
