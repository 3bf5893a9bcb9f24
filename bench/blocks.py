"""Issue 13's first question: how much faster is a ranked one-term search
scored a posting block at a time in numpy than through Whoosh's matchers?

    python bench/blocks.py [INDEX] [--rounds 5] [--field body]

INDEX: one of ours (default: bench/query.py's cached Reuters index). For
terms of different frequencies, both sides find the top 10 of one field
with the same BM25F settings (Ranking's k1 and b) over every segment:

- Whoosh: ``searcher.search(Term(field, word), limit=10)`` (its matchers
  walk the postings one at a time, skipping blocks by their max quality);
- blocks: each segment's posting blocks decoded whole (ids and weights as
  numpy arrays), the field lengths of the segment read once as an array,
  BM25 computed for every posting at once, top 10 by ``argpartition``.

The script checks that both give the same documents, in the same order,
with the same scores (to 1e-9 relative), then prints medians and ratios.
Not product code: it reaches into Whoosh 2.7.4's W3 codec to measure what
an evaluator of our own (issue 13) could gain.
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

WORDS = ["said", "mln", "pct", "oil", "bank", "barrel", "dutch", "military", "fault", "aac"]


def _lengths(segment, field: str) -> np.ndarray:
    """Each document's field length in one segment, as Whoosh's byte encoding decodes it."""
    from whoosh.codec import whoosh3

    lenfield = whoosh3._lenfield(field)
    column = segment._perdoc._cached_reader(lenfield, whoosh3.LENGTHS_COLUMN)
    raw = np.frombuffer(column._dbfile.get(column._basepos, column._count), dtype=np.uint8)
    table = _BYTE_TO_LENGTH
    lengths = np.zeros(segment.doc_count_all(), dtype=np.float64)
    lengths[:len(raw)] = table[raw]
    return lengths


def _byte_table() -> np.ndarray:
    from whoosh.util.numeric import byte_to_length

    return np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


_BYTE_TO_LENGTH = None


def block_top(searcher, field: str, word: str, k1: float, b: float, limit: int) -> list[tuple[int, float]]:
    """Top ``limit`` (docnum, score) of one term, scored a block at a time."""
    from whoosh.codec import whoosh3
    from whoosh.matching import FilterMatcher

    parent = searcher
    idf = parent.idf(field, word)
    avgfl = parent.avg_field_length(field) or 1
    best_ids, best_scores = [], []
    subs = searcher.subsearchers or [(searcher, 0)]
    for sub, offset in subs:
        reader = sub.reader()
        if (field, word) not in reader:
            continue
        matcher = reader.postings(field, word)
        deleted = None
        if isinstance(matcher, FilterMatcher):
            deleted = np.fromiter(reader.segment().deleted_docs(), dtype=np.int64)
            matcher = matcher.child
        assert isinstance(matcher, whoosh3.W3LeafMatcher) and not matcher._byteids
        lengths = _lengths(reader, field)
        id_parts, weight_parts = [], []
        while matcher.is_active():
            matcher._read_data()
            id_parts.append(np.asarray(matcher._data[0], dtype=np.int64))
            weights = matcher._data[1]
            weight_parts.append(np.ones(len(matcher._data[0])) if weights is None
                                else np.asarray(weights, dtype=np.float64))
            matcher._next_block()
        # Ids are deltas within a block (the first one absolute).
        ids = np.concatenate([np.cumsum(part) for part in id_parts])
        tf = np.concatenate(weight_parts)
        if deleted is not None and len(deleted):
            keep = ~np.isin(ids, deleted)
            ids, tf = ids[keep], tf[keep]
        fl = lengths[ids]
        scores = idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * fl / avgfl)))
        top = np.argpartition(-scores, min(limit, len(scores) - 1))[:limit] if len(scores) > limit else \
            np.arange(len(scores))
        best_ids.extend((ids[top] + offset).tolist())
        best_scores.extend(scores[top].tolist())
    ranked = sorted(zip(best_ids, best_scores), key=lambda pair: (-pair[1], pair[0]))
    return ranked[:limit]


def whoosh_top(searcher, field: str, word: str, limit: int) -> list[tuple[int, float]]:
    from whoosh import query

    results = searcher.search(query.Term(field, word), limit=limit)
    return [(hit.docnum, hit.score) for hit in results]


def _time(run, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main(argv=None) -> None:
    global _BYTE_TO_LENGTH
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index", nargs="?", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--field", default="body")
    args = parser.parse_args(argv)
    index = args.index or next((REPO / ".bench-cache").glob("query-*/ours"), None)
    if index is None:
        sys.exit("no index: run bench/query.py first, or name one")
    from searcher.engine.whoosh.accel.imports import scoring
    from searcher.engine.whoosh.store import open_index
    from searcher.query.ranking import DEFAULT_RANKING as ranking

    _BYTE_TO_LENGTH = _byte_table()
    ix = open_index(index)
    searcher = ix.searcher(weighting=scoring.BM25F(B=ranking.b, K1=ranking.k1))
    print(f"{index}: {searcher.doc_count():,} articles, {len(searcher.subsearchers or [1])} segments; "
          f"field {args.field}, top 10, median of {args.rounds}")
    print("| word | postings | Whoosh ms | blocks ms | blocks / Whoosh |")
    print("|---|--:|--:|--:|--:|")
    ratios = []
    analyzer = searcher.schema[args.field].analyzer
    for typed in WORDS:
        word = next(token.text for token in analyzer(typed, mode="query"))  # the indexed stem
        theirs = whoosh_top(searcher, args.field, word, 10)
        ours = block_top(searcher, args.field, word, ranking.k1, ranking.b, 10)
        assert [d for d, _ in theirs] == [d for d, _ in ours], (word, theirs, ours)
        assert all(math.isclose(a, b, rel_tol=1e-9) for (_, a), (_, b) in zip(theirs, ours)), (word, theirs, ours)
        t_whoosh = _time(lambda word=word: whoosh_top(searcher, args.field, word, 10), args.rounds)
        t_blocks = _time(lambda word=word: block_top(searcher, args.field, word, ranking.k1, ranking.b, 10),
                         args.rounds)
        postings = searcher.doc_frequency(args.field, word)
        ratios.append(t_blocks / t_whoosh)
        print(f"| {typed} | {postings:,} | {t_whoosh:.2f} | {t_blocks:.2f} | {t_blocks / t_whoosh:.2f}x |")
    print(f"median ratio {statistics.median(ratios):.2f}x (same documents, order and scores on every word)")
    searcher.close()
    ix.close()


if __name__ == "__main__":
    main()
