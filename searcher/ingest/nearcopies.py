"""Near-copy signatures (issue 16): how much of two articles' text is the same.

A syndicated copy keeps most of the wire story's words in order; its
headline is rewritten, a paragraph cut, a byline or dateline added. So an
article's text is read as the set of its overlapping word ``SHINGLE``-grams
(lower-cased words, numbers kept: two earnings tables differ in their
figures), and two articles compare by the share of shingles they have in
common. datasketch's MinHash estimates that share from ``PERMUTATIONS``
minimum hashes per article, with no need to keep the text; its scheme and
seed are pinned, so a signature written today compares with one written by
a later version.

Two estimates, both from the signatures and the shingle counts:

- resemblance, |A & B| / |A | B| (Broder): low for a copy with a paragraph
  cut from a short story (one of four paragraphs gone: about 0.75);
- containment of the smaller in the larger, |A & B| / min(|A|, |B|):
  a cut copy stays near 1; derived from the resemblance as
  J (|A| + |B|) / ((1 + J) min(|A|, |B|)).

bench/nearcopies.py measures both on a labelled set and sets the default.
"""
from __future__ import annotations

import re
import threading
import zlib
from dataclasses import dataclass
from typing import Optional

import numpy as np
from datasketch import MinHash

SHINGLE = 3  # words a shingle: 3 kept more reworded copies than 4 or 5 (bench/README.md, Near-copies)
COPY_CONTAINMENT = 0.7  # two articles are copies from this estimated containment up (the same)
PERMUTATIONS = 128
SEED = 1
SCHEME = "affine32"  # datasketch's default since 2.0, pinned: signatures are stored
MIN_WORDS = 25  # shorter texts (a caption, a table heading) get no signature: contained in too much

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # odd: every shingle's words weigh differently
_WORD = re.compile(r"\w+")
_WORD_HASHES: dict[str, int] = {}  # CRC-32 of words met: most words of an article are not new
_LOCAL = threading.local()
_TEMPLATE = MinHash(num_perm=PERMUTATIONS, seed=SEED, scheme=SCHEME)  # its permutations, made once


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def shingle_hashes(tokens: list[str], size: int = SHINGLE) -> np.ndarray:
    """The distinct 32-bit hashes of ``tokens``' ``size``-word shingles: a
    CRC-32 per word, combined along each shingle in numpy (hashing every
    shingle's text with datasketch's SHA-1 cost four times as much)."""
    count = len(tokens) - size + 1
    if count < 1:
        return np.empty(0, dtype=np.uint32)
    known = _WORD_HASHES.get
    word = np.array([known(token) or _word_hash(token) for token in tokens], dtype=np.uint64)
    combined = np.zeros(count, dtype=np.uint64)
    for offset in range(size):  # a polynomial hash of the shingle's words, modulo 2**64
        combined = combined * _MULTIPLIER + word[offset:offset + count]
    return np.unique(((combined >> np.uint64(32)) ^ combined).astype(np.uint32))


def _word_hash(token: str) -> int:
    if len(_WORD_HASHES) > 1_000_000:  # a news vocabulary's common words fit; a stream of rare ones resets it
        _WORD_HASHES.clear()
    value = _WORD_HASHES[token] = zlib.crc32(token.encode("utf-8"))
    return value


@dataclass(frozen=True, eq=False)
class Signature:
    """An article's MinHash (``hashes``, one per permutation) and its number
    of distinct shingles (``size``)."""

    hashes: np.ndarray
    size: int

    def resemblance(self, other: "Signature") -> float:
        """Estimated |A & B| / |A | B|."""
        return float(np.count_nonzero(self.hashes == other.hashes)) / len(self.hashes)

    def containment(self, other: "Signature") -> float:
        """Estimated share of the smaller article's shingles found in the larger."""
        j = self.resemblance(other)
        return min(1.0, j * (self.size + other.size) / ((1 + j) * min(self.size, other.size)))

    def copies(self, other: "Signature", threshold: float = COPY_CONTAINMENT) -> bool:
        """Whether the two articles are copies of one story."""
        return self.containment(other) >= threshold

    def to_bytes(self) -> bytes:
        return self.hashes.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, size: int) -> "Signature":
        return cls(np.frombuffer(data, dtype="<u4").astype(np.uint32), size)

    def minhash(self) -> MinHash:
        """As datasketch's MinHash (for its LSH index)."""
        return MinHash(num_perm=PERMUTATIONS, seed=SEED, scheme=SCHEME, hashvalues=self.hashes,
                       permutations=_TEMPLATE.permutations)


def signature(text: str, size: int = SHINGLE) -> Optional[Signature]:
    """``text``'s signature; None when it has fewer than MIN_WORDS words."""
    tokens = words(text)
    if len(tokens) < MIN_WORDS:
        return None
    hashes = shingle_hashes(tokens, size)
    minhash = _reusable()
    minhash.clear()
    minhash.update_batch(hashes.tolist())
    return Signature(minhash.hashvalues.copy(), len(hashes))


def _reusable() -> MinHash:
    """This thread's MinHash, cleared for each text (making one copies the permutations)."""
    found = getattr(_LOCAL, "minhash", None)
    if found is None:
        found = _LOCAL.minhash = MinHash(num_perm=PERMUTATIONS, seed=SEED, scheme=SCHEME, hashfunc=int,
                                         permutations=_TEMPLATE.permutations)
    return found
