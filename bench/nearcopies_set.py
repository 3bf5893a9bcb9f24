"""A labelled set of syndicated copies for bench/nearcopies.py (issue 16).

Originals: real news text, Reuters-21578 articles with a topic label and
the pages' expected texts in ../shared/corpora/news-html, at least
MIN_WORDS words. Originals that already overlap each other (Reuters holds
corrected and repeated stories: exact shingle containment >= AMBIGUOUS)
are left out, so that every pair across families is a true negative.
Originals are sampled by topic (a few dozen stories per topic), so the
negatives include many different stories on the same subject.

Copies: each sampled original gets 0 to 4 copies, each made by the edits
syndication makes: a rewritten headline, a dateline and a byline, an
outlet's boilerplate at the foot, and one or two of: paragraphs dropped,
the story cut short, two paragraphs swapped, small wording changes (house
style: "pct" -> "percent", "said" -> "says", words dropped). A family is an
original and its copies; its pairs are the positives, every other pair a
negative.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REUTERS_DIR = SHARED / "corpora" / "reuters21578"
NEWS_HTML_DIR = SHARED / "corpora" / "news-html"
MIN_WORDS = 80
AMBIGUOUS = 0.5
OVERLAP_SHINGLE = 5  # words a shingle when finding overlapping originals: fixed, not the signature default
PER_TOPIC = 40

OUTLETS = ["Daily Courier", "The Morning Ledger", "Business Wire Today", "Metro Times", "The Globe Herald",
           "Evening Standard-Post", "Financial Review", "Pacific Tribune"]
NAMES = ["Anna Kowalski", "James Okafor", "Maria Santos", "Chen Wei", "David Levy", "Priya Nair"]
CITIES = ["NEW YORK", "LONDON", "TOKYO", "CHICAGO", "FRANKFURT", "SYDNEY", "PARIS"]
STYLE = {"pct": "percent", "said": "says", "dlrs": "dollars", "mln": "million", "billion": "bln",
         "told": "said to", "company": "firm", "expected": "forecast", "shares": "stock"}


@dataclass
class Item:
    id: str
    family: str
    title: str
    body: str
    topic: str
    edits: tuple[str, ...] = ()


def originals() -> list[Item]:
    """Every usable original: Reuters stories (their first topic) and the pages' texts."""
    from searcher.article import Article
    from searcher.readers import reuters
    from searcher.readers.source import Source

    found: list[Item] = []
    for path in sorted(REUTERS_DIR.glob("reut2-*.sgm")):
        for record in reuters.read(Source.from_path(path)):
            topics = [t.split(":", 1)[1] for t in getattr(record, "tags", ()) if t.startswith("topic:")]
            if isinstance(record, Article) and topics and len(record.body.split()) >= MIN_WORDS:
                found.append(Item(record.id, record.id, record.title, record.body, topics[0]))
    for path in sorted(NEWS_HTML_DIR.glob("*/t*/*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace").strip()
        if len(text.split()) >= MIN_WORDS:
            first, _, rest = text.partition("\n")
            page = f"page:{path.parent.parent.name}/{path.stem}"
            found.append(Item(page, page, first, rest or text, "web"))
    return found


def distinct(items: list[Item]) -> tuple[list[Item], int]:
    """``items`` less those overlapping an earlier one (exact containment of
    shingles >= AMBIGUOUS; candidates from datasketch's LSH at a low
    threshold), and how many were left out."""
    from datasketch import MinHashLSH

    from searcher import nearcopies as nc

    lsh = MinHashLSH(threshold=0.2, num_perm=nc.PERMUTATIONS)
    kept, sets, dropped = [], {}, 0
    for item in items:
        sig = nc.signature(item.body, OVERLAP_SHINGLE)
        if sig is None:
            continue
        grams, minhash = set(nc.shingle_hashes(nc.word_hashes(item.body), OVERLAP_SHINGLE).tolist()), sig.minhash()
        overlapping = any(len(grams & sets[other]) / min(len(grams), len(sets[other])) >= AMBIGUOUS
                          for other in lsh.query(minhash))
        if overlapping:
            dropped += 1
            continue
        sets[item.id] = grams
        lsh.insert(item.id, minhash)
        kept.append(item)
    return kept, dropped



def paragraphs(body: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"\n\s*\n|\n(?=\s)", body) if p.strip()]
    if len(parts) < 3:  # one block: cut at sentence ends into three or more paragraphs
        sentences = re.split(r"(?<=[.!?])\s+", body.strip())
        size = max(1, len(sentences) // 4)
        parts = [" ".join(sentences[i:i + size]) for i in range(0, len(sentences), size)]
    return parts


def copy_of(item: Item, number: int, rng: random.Random) -> Item:
    parts = paragraphs(item.body)
    edits = ["headline"]
    heavy = rng.sample(["drop", "cut", "swap", "wording"], rng.choice([1, 1, 2]))
    if "drop" in heavy and len(parts) > 3:
        for _ in range(max(1, len(parts) // 5)):
            parts.pop(rng.randrange(1, len(parts)))
        edits.append("paragraphs dropped")
    if "cut" in heavy and len(parts) > 2:
        parts = parts[:max(2, round(len(parts) * rng.uniform(0.6, 0.85)))]
        edits.append("cut short")
    if "swap" in heavy and len(parts) > 3:
        at = rng.randrange(1, len(parts) - 1)
        parts[at], parts[at + 1] = parts[at + 1], parts[at]
        edits.append("paragraphs swapped")
    if "wording" in heavy:
        parts = [_reworded(p, rng) for p in parts]
        edits.append("wording")
    outlet = rng.choice(OUTLETS)
    head = [f"By {rng.choice(NAMES)}"] if rng.random() < 0.6 else []
    if rng.random() < 0.6:
        parts[0] = f"{rng.choice(CITIES)}, March {rng.randint(1, 28)} ({outlet}) - {parts[0]}"
    foot = [rng.choice([f"Copyright 2026 {outlet}. All rights reserved.",
                        f"Read more stories like this at {outlet.lower().replace(' ', '')}.com",
                        f"(Reporting by {rng.choice(NAMES)}; Editing by {rng.choice(NAMES)})"])]
    title = f"{item.title.title()}: {rng.choice(['what we know', 'report', 'update', 'latest'])}"
    return Item(f"{item.id}~{number}", item.family, title, "\n\n".join(head + parts + foot), item.topic,
                tuple(edits))


def _reworded(text: str, rng: random.Random) -> str:
    words = text.split()
    out = []
    for word in words:
        bare = word.lower().strip(".,")
        if bare in STYLE and rng.random() < 0.7:
            out.append(STYLE[bare])
        elif rng.random() < 0.01:
            continue  # a word dropped
        else:
            out.append(word)
    return " ".join(out)


def labelled_set(seed: int = 1, per_topic: int = PER_TOPIC) -> tuple[list[Item], dict]:
    """(items, facts): sampled originals by topic and their copies."""
    rng = random.Random(seed)
    pool, dropped = distinct(originals())
    by_topic: dict[str, list[Item]] = {}
    for item in pool:
        by_topic.setdefault(item.topic, []).append(item)
    chosen = [item for topic in sorted(by_topic) for item in rng.sample(by_topic[topic], min(per_topic,
                                                                                             len(by_topic[topic])))]
    items = []
    for item in chosen:
        items.append(item)
        for number in range(rng.choice([0, 0, 1, 1, 2, 3, 4])):
            items.append(copy_of(item, number, rng))
    facts = {"originals read": len(pool) + dropped, "overlapping left out": dropped, "originals": len(chosen),
             "copies": len(items) - len(chosen), "topics": len(by_topic)}
    return items, facts
