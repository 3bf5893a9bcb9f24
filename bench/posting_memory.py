"""Memory of a writing process's buffered postings: the tuple lists the
writer kept before and the compact records (accel/buffer.py) it keeps now.

    python bench/posting_memory.py [--articles 2400] [--file PATH.jsonl] [--seed 1]

Without ``--file``, generates the articles with bench/gen.py (2,400 of
them are ~11 MB of title and body, about what the indexer gives one
writing process in a batch: TEXT_PER_WRITER). Each article's postings are
added as FastSegmentWriter.add_document adds them (FastText.index_postings
for the text fields, the general path for IDs, keywords and dates), once
into the old representation, term bytes -> [(docnum, weight, value
bytes), ...] filled by the old loops kept in this script, and once into
buffer.FieldPostings. tracemalloc counts what each keeps allocated (the
analysis caches are warmed first, so only the buffer is counted). Prints
bytes per posting and in all for both, side by side, the ratio, and the
time each took to fill and to read back (every term's postings, as the
segment writer reads them).
"""
from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

_COUNTS = [float(n) for n in range(64)]


class TupleField:
    """The buffer as it was: term bytes -> [(docnum, weight, value), ...]."""

    def __init__(self) -> None:
        self.terms: dict = {}

    def add(self, tbytes, docnum, weight, value) -> None:
        posting = (docnum, weight, value)
        existing = self.terms.get(tbytes)
        if existing is None:
            self.terms[tbytes] = [posting]
        else:
            existing.append(posting)

    def add_positions(self, docnum, positions, field_boost, boost):
        # FastText.index_postings' loop as it was.
        from searcher.engine.whoosh.accel.analysis import _encoded

        terms = self.terms
        length = 0
        for term, poslist in positions.items():
            count = len(poslist)
            length += count
            weight = count * field_boost * boost
            if count < 64 and weight == count:
                weight = _COUNTS[count]  # one float object shared by every posting
            posting = (docnum, weight, _encoded(poslist))
            key = term.encode("utf-8")
            existing = terms.get(key)
            if existing is None:
                terms[key] = [posting]
            else:
                existing.append(posting)
        return length, len(positions)

    def postings(self, records, with_values=True):
        # As postings._write_fields read them.
        return [p[0] for p in records], [p[1] for p in records], [p[2] for p in records] if with_values else None


def fill(schema, docs: list[dict], field_class) -> tuple[dict, int]:
    """FastSegmentWriter.add_document's posting part for every document:
    field name -> field_class() holding its postings; and their count."""
    from searcher.engine.whoosh.accel.analysis import simple_postings

    fields: dict = {}
    added = 0
    for docnum, doc in enumerate(docs):
        for fieldname in sorted(name for name in doc if not name.startswith("_")):
            value = doc[fieldname]
            field = schema[fieldname]
            if value is None or not field.indexed:
                continue
            store = fields.get(fieldname)
            if store is None:
                store = fields[fieldname] = field_class()
            fast = getattr(field, "index_postings", None)
            counts = fast(value, store, docnum, 1.0) if fast else None
            if counts is not None:
                added += counts[1]
                continue
            items = simple_postings(field, value)
            for tbytes, _, weight, vbytes in field.index(value) if items is None else items:
                store.add(tbytes, docnum, weight * 1.0, vbytes)
                added += 1
    return fields, added


def read_back(fields: dict) -> int:
    """Every term's (ids, weights, values) in term order, as the segment writer reads them."""
    seen = 0
    for store in fields.values():
        terms = store.terms
        for btext in sorted(terms):
            ids, _, _ = store.postings(terms[btext])
            seen += len(ids)
    return seen


def measure(schema, docs, field_class) -> tuple[int, int, int, float, float]:
    """(bytes kept, postings, terms, seconds to fill, seconds to read back):
    the times untraced (tracemalloc slows every allocation), then the bytes."""
    gc.collect()
    start = time.perf_counter()
    fields, added = fill(schema, docs, field_class)
    filled = time.perf_counter() - start
    start = time.perf_counter()
    assert read_back(fields) == added
    read = time.perf_counter() - start
    del fields
    gc.collect()
    tracemalloc.start()
    fields, added = fill(schema, docs, field_class)
    kept = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    terms = sum(len(store.terms) for store in fields.values())
    return kept, added, terms, filled, read


def articles_from(args) -> list:
    from searcher import Article
    from searcher.readers import read_file

    path = Path(args.file) if args.file else None
    scratch = None
    if path is None:
        scratch = tempfile.TemporaryDirectory(prefix="posting-memory-")
        subprocess.run([sys.executable, str(REPO / "bench" / "gen.py"), str(args.articles), scratch.name,
                        "--per-file", str(args.articles), "--seed", str(args.seed)], check=True,
                       stdout=subprocess.DEVNULL)
        path = Path(scratch.name) / "part-00000.jsonl"
    articles = []
    for record in read_file(path):
        if isinstance(record, Article):
            articles.append(record)
            if len(articles) == args.articles:
                break
    if scratch is not None:
        scratch.cleanup()
    return articles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=2400)
    parser.add_argument("--file", help="a JSON Lines file of articles (default: generated)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from searcher.engine.whoosh.accel.buffer import POSTING_BYTES, FieldPostings
    from searcher.engine.whoosh.documents import to_document
    from searcher.engine.whoosh.schema import build_schema

    articles = articles_from(args)
    docs = [to_document(article, "fp") for article in articles]
    del articles
    chars = sum(len(doc["title"]) + len(doc["body"]) for doc in docs)
    schema = build_schema()
    fill(schema, docs, TupleField)  # warm the analysis caches (words, one-position encodings)
    gc.collect()
    rows = {}
    for name, field_class in (("tuples (old)", TupleField), ("records (new)", FieldPostings)):
        rows[name] = measure(schema, docs, field_class)
    print(f"{len(docs):,} articles, {chars / 1e6:.1f} M characters of title and body")
    print(f"{'':14} {'postings':>10} {'terms':>8} {'MB':>8} {'B/posting':>10} {'fill s':>7} {'read s':>7}")
    for name, (kept, added, terms, filled, read) in rows.items():
        print(f"{name:14} {added:>10,} {terms:>8,} {kept / 1e6:>8.1f} {kept / added:>10.1f} "
              f"{filled:>7.2f} {read:>7.2f}")
    old, new = rows["tuples (old)"][0], rows["records (new)"][0]
    print(f"ratio old/new: {old / new:.2f}x; buffer.POSTING_BYTES = {POSTING_BYTES}")


if __name__ == "__main__":
    main()
