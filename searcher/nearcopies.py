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

Groups: candidate pairs from LSH banding of the signatures (BANDS bands
of ROWS hashes: two articles whose band is equal are candidates), each
decided by its estimated containment, and the groups are the connected
sets of copies (single link). The same signatures give the same groups
whichever engine or shard holds them.

bench/nearcopies.py measures both on a labelled set and sets the default.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

import numpy as np

if TYPE_CHECKING:  # datasketch loads scipy, asyncio and ssl: 0.45 s a process, so only tests and bench do
    from datasketch import MinHash

SHINGLE = 3  # words a shingle: 3 kept more reworded copies than 4 or 5 (bench/README.md, Near-copies)
COPY_CONTAINMENT = 0.7  # two articles are copies from this estimated containment up (the same)
PERMUTATIONS = 128
SEED = 1
SCHEME = "affine32"  # datasketch's default since 2.0, pinned: signatures are stored
MIN_WORDS = 25  # shorter texts (a caption, a table heading) get no signature: contained in too much
# datasketch's optimal banding for a 0.3 resemblance over 128 permutations:
# a copy half the length of its original at containment 0.7 resembles it ~0.3.
BANDS, ROWS = 37, 3
SIMILARITY = {"moderate": COPY_CONTAINMENT, "high": 0.9}  # named thresholds (--similarity)
LOWEST_THRESHOLD = 0.5  # below it the bands miss too many candidates to call the result groups
_RUN_REACH = 16  # articles sharing a band: all pairs up to this many apart, then linked to the first

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # odd: every shingle's words weigh differently
_WORD_BYTES = np.array([chr(i).isalnum() or chr(i) == "_" or i >= 0x80 for i in range(256)], dtype=bool)
_CHAR_BASE = 1099511628211  # odd (FNV's prime): invertible modulo 2**64, so a word's hash moves with it
_POWERS = np.ones(1, dtype=np.uint64)  # _CHAR_BASE ** i and its inverse ** i, grown as texts need
_INVERSES = np.ones(1, dtype=np.uint64)


@lru_cache(maxsize=1)
def _permutations() -> np.ndarray:
    """datasketch's affine32 permutations for SEED (its recipe: odd ``a``,
    any ``b``, from numpy's RandomState), made here rather than by importing
    datasketch into every indexing process; tests/test_nearcopies.py holds
    them, and the signatures, to datasketch's own."""
    generator = np.random.RandomState(SEED)
    a = generator.randint(0, 1 << 31, PERMUTATIONS, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, PERMUTATIONS, dtype=np.uint32)
    return np.array([a, b])


# MurmurHash3's finalisers: (shift, multiplier, shift, multiplier, shift).
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
_FMIX64 = (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(33), np.uint64(0xC4CEB9FE1A85EC53), np.uint64(33))


def _finalised(values: np.ndarray, constants: tuple) -> np.ndarray:
    """MurmurHash3's finaliser: every bit of the result depends on every bit
    of the value (32 bits: datasketch's premix before the permutations)."""
    first, multiplier, second, other, third = constants
    values = (values ^ (values >> first)) * multiplier
    values = (values ^ (values >> second)) * other
    return values ^ (values >> third)


def word_hashes(text: str) -> np.ndarray:
    """A 64-bit hash of each word of ``text`` (casefolded), in order, found
    and hashed in numpy over its UTF-8 bytes: a word per Python step (or a
    regular expression's pass) cost more than the MinHash itself. Words are
    runs of letters, digits and ``_`` (``\\w``), with the punctuation, spaces
    and symbols of U+00A0-U+00BF and U+2000-U+206F (no-break space, dashes,
    curly quotes, ellipsis) as separators; each word's polynomial hash is a
    difference of prefix sums, moved to its start by the base's inverse (so
    a word hashes the same wherever it stands, in a text or a batch of them)."""
    return _words_of(text.casefold().encode("utf-8"))[0]


def _words_of(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(hash, first byte) of each word of casefolded UTF-8 ``raw``."""
    data = np.frombuffer(raw, dtype=np.uint8)
    size = len(data)
    padded = np.zeros(size + 2, dtype=bool)  # a separator either side: runs start and end inside
    padded[1:-1] = _WORD_BYTES[data]
    if b"\xc2" in raw or b"\xe2" in raw:
        _separate_punctuation(data, padded[1:-1])
    changes = np.flatnonzero(padded[1:] != padded[:-1])
    starts, ends = changes[0::2], changes[1::2]
    powers, inverses = _powers(size)
    prefix = np.zeros(size + 1, dtype=np.uint64)
    np.cumsum(data * powers, dtype=np.uint64, out=prefix[1:])
    return _finalised((prefix[ends] - prefix[starts]) * inverses[starts], _FMIX64), starts


def _separate_punctuation(data: np.ndarray, inside: np.ndarray) -> None:
    """U+00A0-U+00BF (C2 A0-BF) and U+2000-U+206F (E2 80-81 xx) are not word bytes."""
    lead = np.flatnonzero((data[:-1] == 0xC2) & (data[1:] >= 0xA0) & (data[1:] <= 0xBF))
    inside[lead] = inside[lead + 1] = False
    lead = np.flatnonzero((data[:-2] == 0xE2) & (data[1:-1] >= 0x80) & (data[1:-1] <= 0x81))
    inside[lead] = inside[lead + 1] = inside[lead + 2] = False


def _powers(length: int) -> tuple[np.ndarray, np.ndarray]:
    global _POWERS, _INVERSES
    if len(_POWERS) < length:
        size = 1 << (length - 1).bit_length()
        steps = np.full(size, _CHAR_BASE, dtype=np.uint64)
        steps[0] = 1
        inverse = np.full(size, pow(_CHAR_BASE, -1, 2 ** 64), dtype=np.uint64)
        inverse[0] = 1
        _POWERS, _INVERSES = np.cumprod(steps, dtype=np.uint64), np.cumprod(inverse, dtype=np.uint64)
    return _POWERS[:length], _INVERSES


def shingle_hashes(word: np.ndarray, size: int = SHINGLE) -> np.ndarray:
    """The distinct 32-bit hashes of the ``size``-word shingles of a text
    (``word``: its word_hashes), combined along each shingle in numpy."""
    return _distinct(_shingles(word, size))


def _distinct(values: np.ndarray) -> np.ndarray:
    """np.unique by sorting (numpy 2's np.unique hashes integers: 10x slower here)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    fresh = np.empty(len(ordered), dtype=bool)
    fresh[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=fresh[1:])
    return ordered[fresh]


def _shingles(word: np.ndarray, size: int) -> np.ndarray:
    """The 32-bit hash of the shingle starting at each word (but the last size - 1)."""
    count = len(word) - size + 1
    if count < 1:
        return np.empty(0, dtype=np.uint32)
    combined = np.zeros(count, dtype=np.uint64)
    for offset in range(size):  # a polynomial hash of the shingle's words, modulo 2**64
        combined = combined * _MULTIPLIER + word[offset:offset + count]
    return ((combined >> np.uint64(32)) ^ combined).astype(np.uint32)


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

    def record(self) -> bytes:
        """The fixed-width record an index stores: the size, then the hashes
        (RECORD_BYTES; all zeros is "no signature")."""
        return np.concatenate(([self.size], self.hashes)).astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, size: int) -> "Signature":
        return cls(np.frombuffer(data, dtype="<u4").astype(np.uint32), size)

    def minhash(self) -> MinHash:
        """As datasketch's MinHash (for its LSH index)."""
        from datasketch import MinHash
        return MinHash(num_perm=PERMUTATIONS, seed=SEED, scheme=SCHEME, hashvalues=self.hashes,
                       permutations=_permutations())


def signature(text: str, size: int = SHINGLE) -> Optional[Signature]:
    """``text``'s signature; None when it has fewer than MIN_WORDS words."""
    return signatures([text], size)[0]


# Texts hashed together: numpy's steps cost per call, not per word (1 MB
# batches were no faster than 256 KB, and kept 16 MB of _POWERS, not 4).
_BATCH_BYTES = 1 << 18
_MATRIX_ROWS = 4096  # shingles x permutations at a time (2 MB)


def prepare() -> None:
    """Make the permutations and the hash tables now: a process forked
    afterwards (a sub-writer) has them (when each loaded datasketch for
    them, 0.45 s of CPU apiece: +20% on indexing 4,000 long articles)."""
    _permutations()
    _powers(_BATCH_BYTES + (1 << 16))


def signatures(texts: list[str], size: int = SHINGLE) -> list[Optional[Signature]]:
    """Each text's signature (None under MIN_WORDS words), a batch of texts
    at a time: ~40 numpy calls an article cost more than their work on a
    news article's few thousand bytes (77 us a Reuters article one by one)."""
    encoded = [text.casefold().encode("utf-8") for text in texts]
    found: list[Optional[Signature]] = []
    start = 0
    while start < len(encoded):
        end, total = start + 1, len(encoded[start])
        while end < len(encoded) and total + len(encoded[end]) < _BATCH_BYTES:
            total += len(encoded[end]) + 1
            end += 1
        found.extend(_batch(encoded[start:end], size))
        start = end
    return found


def _batch(parts: list[bytes], size: int) -> list[Optional[Signature]]:
    """Signatures of texts joined by spaces: each shingle and MinHash row
    kept to its own text, so each is what the text alone would give."""
    word, starts = _words_of(b" ".join(parts))
    text_starts = np.cumsum([0] + [len(part) + 1 for part in parts[:-1]])
    owner = np.searchsorted(text_starts, starts, side="right") - 1
    signed = np.bincount(owner, minlength=len(parts)) >= MIN_WORDS
    shingles = _shingles(word, size)
    within = owner[:len(shingles)] == owner[size - 1:]  # no shingle across two texts
    keys = _distinct((owner[:len(shingles)][within].astype(np.uint64) << np.uint64(32)) | shingles[within])
    rows = (keys >> np.uint64(32)).astype(np.int64)
    keep = signed[rows]
    rows, hashes = rows[keep], (keys[keep] & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    sizes = np.bincount(rows, minlength=len(parts))
    found: list[Optional[Signature]] = [None] * len(parts)
    for text, values in zip(_distinct(rows).tolist(), _minhashes(hashes, rows)):
        found[text] = Signature(values, int(sizes[text]))
    return found


def _minhashes(hashes: np.ndarray, rows: np.ndarray) -> list[np.ndarray]:
    """datasketch's MinHash (its affine32 update: its own premix, then each
    permutation's a * h + b, the least kept) of each run of equal ``rows``,
    for many texts at once; tests/test_nearcopies.py holds it to
    ``MinHash.update_batch``, which takes one text a call."""
    a, b = _permutations()
    runs = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]]) if len(rows) else np.empty(0, np.int64)
    bounds = np.r_[runs, len(rows)]
    found: list[np.ndarray] = []
    first = 0
    while first < len(runs):
        last = max(first + 1, int(np.searchsorted(bounds, bounds[first] + _MATRIX_ROWS, side="right")) - 1)
        last = min(last, len(runs))
        low, high = int(bounds[first]), int(bounds[last])
        # Permutations by rows, shingles along them: the same sums 7x faster than the other way round.
        permuted = np.multiply(a[:, None], _finalised(hashes[low:high], _FMIX32)[None, :])
        permuted += b[:, None]
        least = np.minimum.reduceat(permuted, bounds[first:last] - low, axis=1)
        found.extend(np.ascontiguousarray(least.T))
        first = last
    return found


RECORD_BYTES = 4 * (1 + PERMUTATIONS)
NO_SIGNATURE = bytes(RECORD_BYTES)


def records(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Stored records (``Signature.record``) one after another -> (hashes
    (n, PERMUTATIONS) uint32, sizes (n,) int64; 0: no signature)."""
    table = np.frombuffer(data, dtype="<u4").reshape(-1, 1 + PERMUTATIONS)
    return table[:, 1:], table[:, 0].astype(np.int64)  # the hashes a view of ``data``


def threshold_of(similarity: "str | float | None") -> float:
    """A --similarity value (a name of SIMILARITY or a number) as a containment threshold."""
    if similarity is None:
        return COPY_CONTAINMENT
    if isinstance(similarity, str) and similarity.strip().lower() in SIMILARITY:
        return SIMILARITY[similarity.strip().lower()]
    try:
        value = float(similarity)
    except (TypeError, ValueError):
        value = float("nan")
    if not LOWEST_THRESHOLD <= value <= 1.0:
        from .errors import InvalidArgument

        names = ", ".join(f"{name} ({level})" for name, level in SIMILARITY.items())
        raise InvalidArgument(f"bad similarity {similarity!r}: use {names} or a number from "
                              f"{LOWEST_THRESHOLD} to 1")
    return value


@dataclass(frozen=True)
class Pairs:
    """Candidate pairs of articles (row numbers, ``first`` < ``second``) with
    their estimated containment: what groups at any threshold are made of."""

    first: np.ndarray
    second: np.ndarray
    containment: np.ndarray

    def at(self, threshold: float) -> "Pairs":
        keep = self.containment >= threshold
        return Pairs(self.first[keep], self.second[keep], self.containment[keep])


def candidate_pairs(hashes: np.ndarray, sizes: np.ndarray) -> Pairs:
    """Pairs of rows that share a band, with their estimated containment
    (rows with size 0 have no signature and pair with nothing)."""
    return pairs_from_keys(band_keys(hashes), sizes, lambda rows: hashes[rows])


def pairs_from_keys(keys: np.ndarray, sizes: np.ndarray, rows_of: Callable[[np.ndarray], np.ndarray]) -> Pairs:
    """``candidate_pairs`` from each row's band keys (``band_keys``), reading
    whole signatures (``rows_of(rows)`` -> their hashes) only for the rows
    that pair: an index's signatures need not all be in memory at once."""
    rows = np.flatnonzero(sizes > 0)
    found = [_band_pairs(keys[rows, band]) for band in range(BANDS)]
    first = np.concatenate([rows[a] for a, _ in found]) if found else np.empty(0, np.int64)
    second = np.concatenate([rows[b] for _, b in found]) if found else np.empty(0, np.int64)
    low, high = np.minimum(first, second), np.maximum(first, second)
    pair_keys = np.unique(low.astype(np.int64) * len(sizes) + high)
    first, second = pair_keys // max(1, len(sizes)), pair_keys % max(1, len(sizes))
    paired = np.unique(np.concatenate((first, second)))
    hashes = rows_of(paired)  # the paired rows' signatures, in ``paired`` order
    at_a, at_b = np.searchsorted(paired, first), np.searchsorted(paired, second)
    return Pairs(first, second, containments(hashes, sizes[paired], at_a, at_b))


def band_keys(hashes: np.ndarray) -> np.ndarray:
    """(rows, BANDS) uint64: each row's key in every band (equal bands give
    equal keys; a rare collision is decided later, by the containment)."""
    keys = np.empty((len(hashes), BANDS), dtype=np.uint64)
    for band in range(BANDS):
        part = hashes[:, band * ROWS:(band + 1) * ROWS].astype(np.uint64)  # this band's columns only
        key = np.zeros(len(hashes), dtype=np.uint64)
        for column in range(part.shape[1]):
            key = key * _MULTIPLIER + part[:, column]
        keys[:, band] = key
    return keys


def _band_pairs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``keys`` that are equal: every pair within _RUN_REACH of
    each other in sorted order, and each one with the first of its run."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    shared = np.zeros(len(keys), dtype=bool)
    same = ordered[1:] == ordered[:-1]
    shared[1:] |= same
    shared[:-1] |= same
    order, ordered = order[shared], ordered[shared]  # most bands are nobody else's
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    run_start = order[np.repeat(starts, np.diff(np.r_[starts, len(order)]))]
    firsts, seconds = [run_start], [order]
    for reach in range(1, _RUN_REACH):
        equal = np.flatnonzero(ordered[reach:] == ordered[:-reach])
        if not len(equal):
            break
        firsts.append(order[equal])
        seconds.append(order[equal + reach])
    first, second = np.concatenate(firsts), np.concatenate(seconds)
    keep = first != second
    return first[keep], second[keep]


def containments(hashes: np.ndarray, sizes: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Signature.containment for many pairs of rows at once."""
    result = np.empty(len(first), dtype=np.float32)
    for start in range(0, len(first), 65536):  # bounded memory: 8 MB of comparisons at a time
        a, b = first[start:start + 65536], second[start:start + 65536]
        j = np.count_nonzero(hashes[a] == hashes[b], axis=1) / hashes.shape[1]
        sa, sb = sizes[a], sizes[b]
        result[start:start + 65536] = np.minimum(1.0, j * (sa + sb) / ((1 + j) * np.minimum(sa, sb)))
    return result


def components(count: int, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Each of ``count`` rows' group: the smallest row linked to it through the pairs."""
    parent = np.arange(count)
    while len(first):
        roots_a, roots_b = parent[first], parent[second]
        if np.array_equal(roots_a, roots_b):
            break
        low = np.minimum(roots_a, roots_b)
        np.minimum.at(parent, roots_a, low)  # each root hooked under the lowest root it meets
        np.minimum.at(parent, roots_b, low)
        while True:  # every row straight to its root
            hop = parent[parent]
            if np.array_equal(hop, parent):
                break
            parent = hop
    return parent


def largest_groups(labels: np.ndarray, live: np.ndarray, keys: np.ndarray,
                   limit: int) -> list[tuple[int, int, int]]:
    """(label, size, earliest date key) of the ``limit`` largest groups of two
    or more ``live`` rows, largest first, then earliest first; every group
    tied with the last one on both is included (the caller breaks those ties
    by the representative's article id, which no storage order changes)."""
    rows = np.flatnonzero(live)
    groups, sizes = np.unique(labels[rows], return_counts=True)
    earliest = np.full(len(labels), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(earliest, labels[rows], keys[rows])
    keep = sizes > 1
    groups, sizes = groups[keep], sizes[keep]
    firsts = earliest[groups]
    order = np.lexsort((firsts, -sizes))
    if len(order) > limit > 0:
        last = order[limit - 1]
        tied = (sizes[order] == sizes[last]) & (firsts[order] == firsts[last])
        order = order[:max(limit, int(np.flatnonzero(tied)[-1]) + 1)]
    elif limit <= 0:
        order = order[:0]
    return list(zip(groups[order].tolist(), sizes[order].tolist(), firsts[order].tolist()))


def alone(labels: np.ndarray) -> np.ndarray:
    """Per row: whether no other row has its label."""
    return np.bincount(labels, minlength=len(labels))[labels] == 1


def named_outlets(outlets: dict[str, int]) -> tuple[str, ...]:
    """Outlet names by their copies, most first (then by name)."""
    return tuple(name for name, _ in sorted(outlets.items(), key=lambda item: (-item[1], item[0])))


def pairs_of(path: Optional[Path], count: int,
             make: Callable[[], tuple[Pairs, np.ndarray]]) -> tuple[Pairs, np.ndarray]:
    """(pairs, sizes) of ``count`` rows: saved at ``path`` for this version,
    else made by ``make()`` and saved there."""
    saved = load_pairs(path, count) if path is not None else None
    if saved is None:
        saved = make()
        if path is not None:
            save_pairs(path, *saved)
    return saved


def load_pairs(path: Path, count: int) -> Optional[tuple[Pairs, np.ndarray]]:
    """The saved pairs and row sizes, or None when missing or not whole and
    fitting (then made again)."""
    try:
        with np.load(path) as saved:
            first, second, containment = saved["first"], saved["second"], saved["containment"]
            sizes = saved["sizes"]
    except (OSError, KeyError, ValueError, EOFError):
        return None
    fits = (first.shape == second.shape == containment.shape and first.ndim == 1 and sizes.shape == (count,)
            and (not len(first) or (0 <= first.min() and max(first.max(), second.max()) < count)))
    if not fits:
        return None
    return Pairs(first.astype(np.int64), second.astype(np.int64), containment), sizes.astype(np.int64)


def save_pairs(path: Path, pairs: Pairs, sizes: np.ndarray) -> None:
    """Saved for the next process (best effort); other versions' files go."""
    try:
        path.parent.mkdir(exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            np.savez(out, first=pairs.first.astype(np.int32), second=pairs.second.astype(np.int32),
                     containment=pairs.containment.astype(np.float32), sizes=sizes.astype(np.int32))
        os.replace(temporary, path)
        for name in os.listdir(path.parent):
            if name != path.name:
                try:
                    os.unlink(path.parent / name)
                except OSError:
                    pass
    except OSError:
        pass
