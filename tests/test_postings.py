"""Our posting-block writer (searcher/index/postings.py) writes what Whoosh's
own postings writer writes: byte for byte with compression on every block,
and the same postings read back with small blocks left uncompressed."""
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from searcher import Article
from searcher.engine.whoosh.accel import postings
from searcher.engine.whoosh.accel.imports import index as whoosh_index
from searcher.engine.whoosh.accel.imports import writing
from searcher.engine.whoosh.accel.writers import FastSegmentWriter
from searcher.engine.whoosh.documents import to_document
from searcher.engine.whoosh.schema import build_schema

pytestmark = pytest.mark.slow  # Whoosh-acceleration differential: our posting writer against Whoosh's

WORDS = ["pipeline", "gas", "putin", "xi", "summit", "energy", "ruble", "oil", "talks", "sanctions",
         "border", "trade", "china", "russia", "mongolia", "kazakhstan", "tariff", "grain"]


def _articles(count: int, seed: int = 7) -> list[Article]:
    """Documents where a few words reach many hundreds of postings (several
    128-posting blocks), others are rare, one field is sometimes missing."""
    rng = random.Random(seed)
    articles = []
    for n in range(count):
        body = " ".join(rng.choice(WORDS) if rng.random() < 0.6 else f"w{rng.randrange(5000)}"
                        for _ in range(rng.randrange(5, 120)))
        articles.append(Article(
            id=f"a{n}", title=" ".join(rng.sample(WORDS, 3)) if n % 5 else "", body=body,
            authors=[rng.choice(["Ann Lee", "Bo Chan", "Cy Diaz"])],
            tags=rng.sample(["energy", "politics", "asia", "trade"], rng.randrange(0, 3)),
            url=f"https://example.test/{n}",
            date=datetime(2020, 1, 1, tzinfo=timezone.utc) + timedelta(hours=rng.randrange(30_000)) if n % 7 else None))
    return articles


def _build(path: Path, writer_class, articles, **kwargs) -> Path:
    path.mkdir()
    ix = whoosh_index.create_in(str(path), build_schema())
    writer = writer_class(ix, compound=False, **kwargs)
    for article in articles:
        writer.add_document(**to_document(article, "fp"))
    writer.commit(merge=False)
    return path


def _segment_files(path: Path) -> dict[str, bytes]:
    # One segment each; its files differ only in the random segment name.
    return {p.suffix: p.read_bytes() for p in path.iterdir() if p.suffix in (".pst", ".trm")}


def _postings(path: Path) -> dict:
    ix = whoosh_index.open_dir(str(path))
    with ix.reader() as reader:
        out = {}
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            items = []
            while matcher.is_active():
                items.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            info = reader.term_info(fieldname, text)
            out[(fieldname, text)] = (items, info.weight(), info.doc_frequency(), info.min_length(),
                                      info.max_length(), info.max_weight(), info.min_id(), info.max_id())
        return out


def test_files_are_byte_identical_to_whooshs_with_compression_everywhere(tmp_path, monkeypatch):
    articles = _articles(600)
    monkeypatch.setattr(postings, "MIN_COMPRESS", 0)
    ours = _segment_files(_build(tmp_path / "ours", FastSegmentWriter, articles))
    theirs = _segment_files(_build(tmp_path / "whoosh", writing.SegmentWriter, articles))
    assert set(ours) == {".pst", ".trm"}
    assert ours == theirs


def test_uncompressed_small_blocks_read_back_the_same_postings(tmp_path):
    articles = _articles(600)
    ours = _build(tmp_path / "ours", FastSegmentWriter, articles)
    theirs = _build(tmp_path / "whoosh", writing.SegmentWriter, articles)
    got, expected = _postings(ours), _postings(theirs)
    assert got == expected
    # The corpus exercises the block boundaries: terms of 1 posting, and of
    # more than two 128-posting blocks.
    sizes = [entry[2] for entry in got.values()]
    assert min(sizes) == 1 and max(sizes) > 256
    # ... and small blocks were indeed left uncompressed: the file is smaller.
    assert _segment_files(ours)[".pst"] != _segment_files(theirs)[".pst"]


def test_a_buffer_over_its_memory_limit_moves_to_whooshs_pool(tmp_path, monkeypatch):
    articles = _articles(300, seed=3)
    monkeypatch.setattr("searcher.engine.whoosh.accel.writers.POSTING_BYTES", 10_000_000)  # limit: ~13 postings
    drained = []
    original = postings.PostingBuffer.drain_into
    monkeypatch.setattr(postings.PostingBuffer, "drain_into",
                        lambda self, pool: (drained.append(self.count), original(self, pool)))
    ours = _build(tmp_path / "ours", FastSegmentWriter, articles, limitmb=1)
    theirs = _build(tmp_path / "whoosh", writing.SegmentWriter, articles)
    assert len([n for n in drained if n]) > 10
    assert _postings(ours) == _postings(theirs)


@pytest.mark.parametrize("limit", [1, 3])
def test_blocks_of_any_size_round_trip(tmp_path, monkeypatch, limit):
    # Tiny block limits put block boundaries everywhere, the last block's
    # negative length included.
    articles = _articles(120, seed=limit)

    def writer_with_blocklimit(ix, **kwargs):
        writer = FastSegmentWriter(ix, **kwargs)
        writer.codec._blocklimit = limit
        return writer

    def whoosh_with_blocklimit(ix, **kwargs):
        writer = writing.SegmentWriter(ix, **kwargs)
        writer.codec._blocklimit = limit
        return writer

    monkeypatch.setattr(postings, "MIN_COMPRESS", 0)
    ours = _build(tmp_path / "ours", writer_with_blocklimit, articles)
    theirs = _build(tmp_path / "whoosh", whoosh_with_blocklimit, articles)
    assert _segment_files(ours) == _segment_files(theirs)
