"""A synthetic news archive of any size, as JSON Lines our reader reads.

    python bench/gen.py N OUTDIR [--seed 1] [--per-file 10000] [--no-numpy]

Writes N articles to OUTDIR/part-00000.jsonl, part-00001.jsonl, ...
(``--per-file`` records each). Every record has id (``gen-000000001``), url
(``https://gen.test/...``), title (6-14 words), author (one of 500 names,
Zipf popularity), date (uniform over 2015-2024, ISO 8601 with Z), body
(200-1,500 words in paragraphs separated by a blank line), source (1-2 of 50
outlets), tags (1-4 of 200), publisher (one of the 50 outlets).

Words follow a Zipf law (s = 1.1) over 50,000 pronounceable pseudo-words with
~300 common English words mixed in among the top ranks, so stop words and a
long tail of rare words both exist. Sentences end with a period and start
with a capital.

Deterministic: the same N, --seed and --per-file give the same files. The
names, tags, outlets and vocabulary come from the seed alone; each file's
text comes from (seed, file number), so file k is the same whatever N is.
Word sampling uses numpy when it is importable (a million articles in under
4 minutes of CPU) and the standard library otherwise, 3-4x slower
(``--no-numpy`` forces it); the two produce different text for the same seed.
"""
from __future__ import annotations

import argparse
import bisect
import itertools
import math
import random
import re
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

VOCABULARY = 50_000
ZIPF_S = 1.1
NAME_COUNT, OUTLET_COUNT, TAG_COUNT = 500, 50, 200
BODY_MIN, BODY_MODE, BODY_MAX = 200, 450, 1_500     # words; triangular, mean ~717
PARAGRAPH_MIN, PARAGRAPH_MAX = 30, 150              # words per paragraph
SENTENCE_END = 1 / 17                               # chance a word ends its sentence
START = int(datetime(2015, 1, 1, tzinfo=timezone.utc).timestamp())
END = int(datetime(2025, 1, 1, tzinfo=timezone.utc).timestamp())

# Roughly by frequency: Whoosh's stop words first, then common English.
ENGLISH = """the of and to a in that is for it on with as was at by he said be from his
an have are not this but had has they or were which its their will would been who
we one more after new also when up out about there two than first other people year
all if into she last can over government time him some her only years could may no
president what percent against most state our before them so three world because
million while where police told like back just under week many officials since during
country between city including those day now through then being even any should
made still both another make very group house former well second foreign four public
national down report military minister months did work high part company next party
home take law political support own security general way long united health court
billion each economy family left around power early news help american children
members say according found school service such market much war without business
used plan five money several late few end times women called set again life system
free workers best office however want added took know good until local across every
water among major leaders oil prices area least same often rate trade need north
south east west held small large days death hospital change case recent expected
open share data energy election region talks deal issue future forces half bank
council budget tax board chief river campaign study evidence higher lower hundreds
thousands night morning team season game players club film music book art story
show john david michael london washington china russia europe india africa called
research university students teachers village farmers prices food fuel power
climate weather storm flood fire army troops border peace agreement vote voters
""".split()


def _zipf_cumulative(n: int, s: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank ** s) for rank in range(1, n + 1)))


class Names:
    """Pronounceable made-up words from syllables; unique, deterministic."""

    ONSETS = ("b c d f g h j k l m n p r s t v w z br ch cl dr fl gr kr pl pr sh st th tr "
              "b d k l m n r s t v").split()
    VOWELS = "a e i o u a e i o ai ea ou io".split()
    CODAS = ["", "", "", "", "n", "r", "s", "l", "t", "m", "nd", "st", "rk"]

    def __init__(self, rng: random.Random, taken: set[str]):
        self.rng = rng
        self.taken = taken

    def word(self, syllables: int) -> str:
        while True:
            w = "".join(self.rng.choice(self.ONSETS) + self.rng.choice(self.VOWELS) for _ in range(syllables))
            w += self.rng.choice(self.CODAS)
            if w not in self.taken and len(w) > 1:
                self.taken.add(w)
                return w


class World:
    """Vocabulary, authors, outlets and tags: everything that depends on the seed only."""

    def __init__(self, seed: int):
        rng = random.Random(f"gen-world-{seed}")
        english = list(dict.fromkeys(ENGLISH))
        names = Names(rng, set(english) | {"and", "or", "not", "near", "pre"})
        pseudo = []
        for rank in range(VOCABULARY):
            # Frequent words are short, rare ones long, as in real text.
            mean = 1.4 + 0.55 * math.log10(rank + 1)
            pseudo.append(names.word(max(1, min(5, round(rng.gauss(mean, 0.6))))))
        # English word i goes to rank i + i**1.3/6: the top ten are nearly all
        # stop words, then they thin out over the first ~600 ranks.
        at = {i + int(i ** 1.3 / 6): w for i, w in enumerate(english)}
        words, rest = [], iter(pseudo)
        for rank in range(VOCABULARY + len(english)):
            words.append(at[rank] if rank in at else next(rest))
        self.words = words
        self.cumulative = _zipf_cumulative(len(words), ZIPF_S)

        def cap(w: str) -> str:
            return w[0].upper() + w[1:]

        self.authors = [f"{cap(names.word(rng.choice((1, 2, 2, 3))))} {cap(names.word(rng.choice((2, 2, 3))))}"
                        for _ in range(NAME_COUNT)]
        self.author_cumulative = _zipf_cumulative(NAME_COUNT, 1.0)
        kinds = ("Times", "Herald", "Post", "Daily", "Tribune", "Wire", "Gazette", "Observer",
                 "Courier", "Press Agency", "News", "Journal", "Chronicle", "Monitor", "Review")
        self.outlets = [f"{cap(names.word(rng.choice((2, 3))))} {rng.choice(kinds)}" for _ in range(OUTLET_COUNT)]
        self.outlet_cumulative = _zipf_cumulative(OUTLET_COUNT, 0.8)
        sections = ("World", "Politics", "Business", "Energy", "Health", "Science", "Sport",
                    "Culture", "Technology", "Climate", "Markets", "Opinion")
        tags = list(sections)
        while len(tags) < TAG_COUNT:
            tag = cap(names.word(rng.choice((2, 3))))
            tags.append(tag if rng.random() < 0.5 else f"{tag} {rng.choice(sections)}")
        self.tags = tags
        self.tag_cumulative = _zipf_cumulative(TAG_COUNT, 0.9)
        self._alias = None

    def alias(self) -> tuple[list[float], list[int]]:
        if self._alias is None:
            weights = [b - a for a, b in zip([0.0] + self.cumulative, self.cumulative)]
            self._alias = _alias_table(weights)
        return self._alias


def _alias_table(weights: list[float]) -> tuple[list[float], list[int]]:
    """Walker's alias method: sample from ``weights`` with one uniform index
    and one coin per draw, O(1) whatever the vocabulary size."""
    n, total = len(weights), sum(weights)
    scaled = [w * n / total for w in weights]
    prob, alias = [1.0] * n, list(range(n))
    small = [i for i, x in enumerate(scaled) if x < 1]
    large = [i for i, x in enumerate(scaled) if x >= 1]
    while small and large:
        s, big = small.pop(), large.pop()
        prob[s], alias[s] = scaled[s], big
        scaled[big] += scaled[s] - 1
        (small if scaled[big] < 1 else large).append(big)
    return prob, alias


class Sampler:
    """Zipf word streams: ``body(n)`` gives n words, about one in 17 ending
    its sentence ("word.") and the word after it capitalised; ``title(n)``
    gives plain words."""

    def __init__(self, world: World, seed: int, part: int, use_numpy: bool):
        self.world = world
        words = world.words
        self.np = None
        if use_numpy:
            import numpy as np

            self.np = np
            self.rng = np.random.default_rng([seed, part])
            prob, alias = world.alias()
            self.prob, self.alias = np.asarray(prob), np.asarray(alias, dtype=np.int64)
            caps = [w[0].upper() + w[1:] for w in words]
            # Variant v of word i is at v * V + i: plain, "word.", "Word", "Word.".
            self.variants = np.array(words + [w + "." for w in words] + caps + [w + "." for w in caps],
                                     dtype=object)
        else:
            self.rng = random.Random(f"gen-part-{seed}-{part}")
            cumulative = world.cumulative
            total = cumulative[-1]
            # Plain words, then "word." forms weighted so that any word ends
            # its sentence with probability SENTENCE_END.
            self.population = words + [w + "." for w in words]
            self.body_cumulative = [c * (1 - SENTENCE_END) for c in cumulative] + \
                                   [total * (1 - SENTENCE_END) + c * SENTENCE_END for c in cumulative]

    def _indices(self, n: int):
        np = self.np
        picks = self.rng.integers(0, len(self.prob), n)
        return np.where(self.rng.random(n) < self.prob[picks], picks, self.alias[picks])

    def body(self, n: int) -> list[str]:
        if self.np is None:
            words = self.rng.choices(self.population, cum_weights=self.body_cumulative, k=n)
            for i in range(1, n):  # capitals after periods (slow path only)
                if words[i - 1][-1] == ".":
                    words[i] = words[i][0].upper() + words[i][1:]
            return words
        np = self.np
        ends = self.rng.random(n) < SENTENCE_END
        starts = np.zeros(n, dtype=np.int64)
        starts[1:] = ends[:-1]
        return self.variants[self._indices(n) + len(self.world.words) * (ends + 2 * starts)].tolist()

    def title(self, n: int) -> list[str]:
        if self.np is None:
            return self.rng.choices(self.world.words, cum_weights=self.world.cumulative, k=n)
        return self.variants[self._indices(n)].tolist()


def _slug(words: list[str]) -> str:
    return "-".join(re.sub(r"[^a-z0-9]", "", w.lower()) for w in words[:6]).strip("-") or "story"


def _pick(rng: random.Random, items: list[str], cumulative: list[float], k: int) -> list[str]:
    """k distinct items, by popularity."""
    chosen: list[str] = []
    total = cumulative[-1]
    while len(chosen) < k:
        item = items[bisect.bisect(cumulative, rng.random() * total)]
        if item not in chosen:
            chosen.append(item)
    return chosen


def _cap(word: str) -> str:
    return word[0].upper() + word[1:]


def _json_list(values: list[str]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def write_part(world: World, seed: int, part: int, first: int, count: int, path: Path, use_numpy: bool) -> int:
    """Write articles first .. first+count-1 to one file; return its size in bytes.

    Every generated string is plain ASCII letters, digits, spaces, hyphens,
    periods and colons, so records are formatted directly (the JSON is
    checked by the reader in the smoke test) instead of through json.dumps.
    """
    sampler = Sampler(world, seed, part, use_numpy)
    rng = random.Random(f"gen-meta-{seed}-{part}")
    body_lengths = [int(rng.triangular(BODY_MIN, BODY_MAX, BODY_MODE)) for _ in range(count)]
    title_lengths = [rng.randint(6, 14) for _ in range(count)]
    words = sampler.body(sum(body_lengths))
    title_words = sampler.title(sum(title_lengths))
    randint, randrange, choice = rng.randint, rng.randrange, rng.choice
    lines = []
    b = t = 0
    for i in range(count):
        stop = b + body_lengths[i]
        words[b] = _cap(words[b])
        # Paragraph breaks: the word before one ends its sentence and carries
        # the break; the word after starts a sentence.
        end = b + randint(PARAGRAPH_MIN, PARAGRAPH_MAX)
        while end <= stop - PARAGRAPH_MIN:
            last = words[end - 1]
            words[end - 1] = (last if last[-1] == "." else last + ".") + "\\n\\n"
            words[end] = _cap(words[end])
            end += randint(PARAGRAPH_MIN, PARAGRAPH_MAX)
        if words[stop - 1][-1] != ".":
            words[stop - 1] += "."
        body = " ".join(words[b:stop]).replace("\\n\\n ", "\\n\\n")
        b = stop
        title_list = title_words[t:t + title_lengths[i]]
        t += title_lengths[i]
        number = first + i
        stamp = datetime.fromtimestamp(randrange(START, END), timezone.utc)
        tags = _pick(rng, world.tags, world.tag_cumulative, choice((1, 1, 2, 2, 2, 3, 3, 4)))
        section = tags[0].split()[0].lower()
        author = world.authors[bisect.bisect(world.author_cumulative, rng.random() * world.author_cumulative[-1])]
        sources = _pick(rng, world.outlets, world.outlet_cumulative, choice((1, 1, 2)))
        lines.append(
            f'{{"id": "gen-{number:09d}", '
            f'"url": "https://gen.test/{section}/{stamp:%Y/%m}/{_slug(title_list)}-{number}", '
            f'"title": "{_cap(" ".join(title_list))}", "author": "{author}", '
            f'"date": "{stamp:%Y-%m-%dT%H:%M:%SZ}", "body": "{body}", '
            f'"source": {_json_list(sources)}, "tags": {_json_list(tags)}, '
            f'"publisher": "{world.outlets[randrange(OUTLET_COUNT)]}"}}'
        )
    data = ("\n".join(lines) + "\n").encode("ascii")
    path.write_bytes(data)
    return len(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int, help="number of articles")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-file", type=int, default=10_000, help="records per .jsonl file")
    parser.add_argument("--no-numpy", action="store_true", help="sample words with the standard library only")
    args = parser.parse_args()
    if args.n < 0 or args.per_file < 1:
        parser.error("N must be >= 0 and --per-file >= 1")
    use_numpy = not args.no_numpy
    if use_numpy:
        try:
            import numpy  # noqa: F401  (only: is it there?)
        except ImportError:
            use_numpy = False
    start = time.perf_counter()
    world = World(args.seed)
    args.outdir.mkdir(parents=True, exist_ok=True)
    written = files = 0
    progress = sys.stderr.isatty()
    for part, first in enumerate(range(0, args.n, args.per_file)):
        count = min(args.per_file, args.n - first)
        written += write_part(world, args.seed, part, first + 1, count,
                              args.outdir / f"part-{part:05d}.jsonl", use_numpy)
        files += 1
        if progress:
            print(f"\r{first + count:,} articles, {written / 1e6:,.0f} MB, {time.perf_counter() - start:.0f} s",
                  end="", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - start
    if progress:
        print(file=sys.stderr)
    print(f"wrote {args.n:,} articles in {files:,} files, {written / 1e6:,.1f} MB, to {args.outdir} "
          f"in {elapsed:.1f} s ({args.n / elapsed if elapsed else 0:,.0f} articles/s; "
          f"{'numpy' if use_numpy else 'stdlib'} sampling, seed {args.seed})")


if __name__ == "__main__":
    main()
