"""The compact posting buffer (accel/buffer.py) writes the very segment files
the tuple lists it replaced wrote: every file byte for byte (postings, term
table, arrays part, columns), for a batch written whole, one moved into
Whoosh's pool (which keeps it in memory, or spills it to disk) and one
merged with segments. The reference is the old buffer, kept here: term
bytes -> [(docnum, weight, value), ...] holding the objects the analysis
made, filled by the old loops and drained the old way."""
import random
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from searcher import Article
from searcher.engine.whoosh.accel import analysis, buffer, postings
from searcher.engine.whoosh.accel import writers as fastwriters
from searcher.engine.whoosh.accel.imports import index as whoosh_index
from searcher.engine.whoosh.accel.imports import writing
from searcher.engine.whoosh.accel.writers import FastSegmentWriter
from searcher.engine.whoosh.documents import to_document
from searcher.engine.whoosh.schema import build_schema

pytestmark = pytest.mark.slow  # Whoosh-acceleration differential: the compact buffer against the tuple lists

WORDS = ["pipeline", "gas", "putin", "xi", "summit", "energy", "ruble", "oil", "talks", "sanctions",
         "border", "trade", "china", "russia", "mongolia", "tariff", "grain"]
_COUNTS = [float(n) for n in range(64)]


class _TupleField:
    """The buffer as it was, with FieldPostings' interface."""

    def __init__(self):
        self.terms = {}

    def add(self, tbytes, docnum, weight, value):
        # writers.FastSegmentWriter.add_document's general path.
        posting = (docnum, weight, value)
        existing = self.terms.get(tbytes)
        if existing is None:
            self.terms[tbytes] = [posting]
        else:
            existing.append(posting)

    def add_positions(self, docnum, positions, field_boost, boost):
        # FastText.index_postings' loop.
        terms = self.terms
        length = 0
        for term, poslist in positions.items():
            count = len(poslist)
            length += count
            weight = count * field_boost * boost
            if count < 64 and weight == count:
                weight = _COUNTS[count]
            posting = (docnum, weight, analysis._encoded(poslist))
            key = term.encode("utf-8")
            existing = terms.get(key)
            if existing is None:
                terms[key] = [posting]
            else:
                existing.append(posting)
        return length, len(positions)

    def postings(self, records, with_values=True):
        # postings._write_fields' branch for these lists and _merged_terms' zip(*...).
        return [p[0] for p in records], [p[1] for p in records], [p[2] for p in records] if with_values else None


def _tuple_drain_into(self, pool):
    # PostingBuffer.drain_into as it was: in insertion order.
    add = pool.add
    for fieldname, field in self.fields.items():
        for btext, records in field.terms.items():
            for docnum, weight, value in records:
                add((fieldname, btext, docnum, weight, value))
    self.fields.clear()
    self.count = 0


def _articles(count: int, seed: int) -> list[Article]:
    """Repeated words (several positions in a document), a term in every
    document, hapax terms, positions past 255 and 65,535 (other pickle
    opcodes), titles sometimes missing, authors, tags, dates, and some
    bodies marked for Whoosh's own analysis (see _slow_marked)."""
    rng = random.Random(seed)
    articles = []
    for n in range(count):
        size = rng.choice([3, 20, 60, 120, 400]) if n % 50 else 1200 if n else 70_000
        words = ["zorblat"] + [rng.choice(WORDS) if rng.random() < 0.5 else f"w{rng.randrange(3000)}"
                                  for _ in range(size)]
        words.insert(rng.randrange(len(words)), f"hapax{seed}x{n}")
        if n % 9 == 4:
            words.append("slowpath")
        articles.append(Article(
            id=f"a{n}", title=" ".join(rng.sample(WORDS, 4) + ["gas"]) if n % 5 else "", body=" ".join(words),
            authors=[rng.choice(["Ann Lee", "Bo Chan", "Cy Diaz"])],
            tags=rng.sample(["energy", "politics", "asia", "trade"], rng.randrange(0, 3)),
            url=f"https://example.test/{n}",
            date=datetime(2020, 1, 1, tzinfo=timezone.utc) + timedelta(hours=rng.randrange(30_000)) if n % 7 else None))
    return articles


@pytest.fixture(autouse=True)
def _slow_marked(monkeypatch):
    """Bodies with "slowpath" take Whoosh's analysis (the writer's general
    path: values Whoosh's Positions.encode made, not the shared ones)."""
    original = analysis.FastText._term_positions

    def term_positions(self, value):
        return None if isinstance(value, str) and "slowpath" in value else original(self, value)

    monkeypatch.setattr(analysis.FastText, "_term_positions", term_positions)


def _use(monkeypatch, reference: bool) -> None:
    if reference:
        monkeypatch.setattr(fastwriters, "FieldPostings", _TupleField)
        monkeypatch.setattr(buffer.PostingBuffer, "drain_into", _tuple_drain_into)
    else:
        monkeypatch.setattr(fastwriters, "FieldPostings", buffer.FieldPostings)
        monkeypatch.setattr(buffer.PostingBuffer, "drain_into", _DRAIN)


_DRAIN = buffer.PostingBuffer.drain_into


def _write(path: Path, articles, monkeypatch, reference: bool, limitmb: int = 128, buffer_limit=None,
           optimize: bool = False) -> Path:
    _use(monkeypatch, reference)
    if not path.exists():
        path.mkdir()
        ix = whoosh_index.create_in(str(path), build_schema())
    else:
        ix = whoosh_index.open_dir(str(path))
    writer = FastSegmentWriter(ix, compound=False, limitmb=limitmb)
    if buffer_limit is not None:
        writer._buffer_limit = buffer_limit
    drains = []
    original = buffer.PostingBuffer.drain_into
    monkeypatch.setattr(buffer.PostingBuffer, "drain_into",
                        lambda self, pool: (drains.append(self.count), original(self, pool)))
    for article in articles:
        writer.update_document(**_document(article))
    spilled = bool(writer.pool.runs)  # runs written to disk
    writer.commit(optimize=optimize, merge=False)
    _write.drains = [n for n in drains if n]  # type: ignore[attr-defined]
    _write.spilled = spilled  # type: ignore[attr-defined]
    return path


def _document(article: Article) -> dict:
    """Its fields, some boosted by amounts no 32-bit float holds (the
    weights' sums and maxima are doubles in the files)."""
    doc = to_document(article, "fp")
    number = int(article.id.lstrip("an"))
    if number % 4 == 1:
        doc["_boost"] = 1.1
    if number % 6 == 2:
        doc["_title_boost"] = 2.7
    return doc


def _files(path: Path) -> dict[str, bytes]:
    """Every file of the index's one segment, by its name after the (random) segment id."""
    ix = whoosh_index.open_dir(str(path))
    (segment,) = ix._segments()
    prefix = segment.segment_id() + "."
    found = {p.name[len(prefix):]: p.read_bytes() for p in path.iterdir() if p.name.startswith(prefix)}
    assert {"pst", "trm"} <= set(found)
    return found


def _assert_identical(ours: Path, theirs: Path) -> None:
    got, expected = _files(ours), _files(theirs)
    assert got.keys() == expected.keys()
    for name in expected:
        assert got[name] == expected[name], name


@pytest.mark.parametrize("min_compress", [None, 0])
def test_a_batch_written_whole_gives_the_same_files(tmp_path, monkeypatch, min_compress):
    if min_compress is not None:
        monkeypatch.setattr(postings, "MIN_COMPRESS", min_compress)
    articles = _articles(300, seed=1)
    ours = _write(tmp_path / "ours", articles, monkeypatch, reference=False)
    assert not _write.drains
    theirs = _write(tmp_path / "theirs", articles, monkeypatch, reference=True)
    _assert_identical(ours, theirs)
    # The corpus has what it should: a term in every document, hapax
    # terms, terms of several 128-posting blocks, several positions.
    ix = whoosh_index.open_dir(str(ours))
    with ix.reader() as reader:
        assert reader.doc_frequency("body", "zorblat") == 300
        assert reader.doc_frequency("body", "hapax1x7") == 1
        matcher = reader.postings("body", "ga")
        frequencies = []
        while matcher.is_active():
            frequencies.append(matcher.value_as("frequency"))
            matcher.next()
        assert max(frequencies) > 10
        assert max(reader.postings("body", "ga").value_as("positions")) > 65_535  # document 0


@pytest.mark.parametrize("limit", [1 << 30, 8])
def test_a_batch_moved_to_a_pool_kept_in_memory_gives_the_same_files(tmp_path, monkeypatch, limit):
    # Whoosh's pool keeps the values' objects: the shared ones must be
    # shared again. A small payload limit keeps values as objects instead.
    monkeypatch.setattr(buffer, "_LIMIT", limit)
    articles = _articles(200, seed=2)
    ours = _write(tmp_path / "ours", articles, monkeypatch, reference=False, buffer_limit=500)
    assert len(_write.drains) > 10 and not _write.spilled
    theirs = _write(tmp_path / "theirs", articles, monkeypatch, reference=True, buffer_limit=500)
    _assert_identical(ours, theirs)


def test_a_batch_spilled_by_the_pool_gives_the_same_files(tmp_path, monkeypatch):
    articles = _articles(200, seed=3)
    ours = _write(tmp_path / "ours", articles, monkeypatch, reference=False, limitmb=1, buffer_limit=500)
    assert len(_write.drains) > 10 and _write.spilled
    theirs = _write(tmp_path / "theirs", articles, monkeypatch, reference=True, limitmb=1, buffer_limit=500)
    _assert_identical(ours, theirs)


def test_a_batch_merged_with_segments_gives_the_same_files(tmp_path, monkeypatch):
    base = tmp_path / "base"
    for seed in (4, 5):  # two segments, the same for both
        _write(base, _articles(120, seed=seed), monkeypatch, reference=False)
    merged = []
    original = postings.SegmentSource.__init__
    monkeypatch.setattr(postings.SegmentSource, "__init__",
                        lambda self, *args, **kwargs: (merged.append(1), original(self, *args, **kwargs))[1])
    new = _articles(150, seed=4)[::3] + _articles(60, seed=6)  # some replace merged documents
    for article in new[-60:]:
        article.id = "n" + article.id
    ours, theirs = tmp_path / "merged-ours", tmp_path / "merged-theirs"
    shutil.copytree(base, ours)
    shutil.copytree(base, theirs)
    _write(ours, new, monkeypatch, reference=False, optimize=True)
    _write(theirs, new, monkeypatch, reference=True, optimize=True)
    assert len(merged) == 4  # both merges went the fast way (_merged_terms)
    _assert_identical(ours, theirs)


def test_the_comparison_sees_a_shared_value_given_back_as_a_copy(tmp_path, monkeypatch):
    # What makes the files differ: pickle writes an object met twice in a
    # block as a reference, so equal copies are not the same bytes.
    articles = _articles(200, seed=7)
    theirs = _write(tmp_path / "theirs", articles, monkeypatch, reference=True)
    decode = buffer.FieldPostings.postings

    def copied(self, records, with_values=True):
        ids, weights, values = decode(self, records, with_values)
        return ids, weights, values and [bytes(bytearray(v)) if v else v for v in values]

    monkeypatch.setattr(buffer.FieldPostings, "postings", copied)
    ours = _write(tmp_path / "ours", articles, monkeypatch, reference=False)
    assert _files(ours)["pst"] != _files(theirs)["pst"]


def test_values_come_back_as_they_were_added():
    field = buffer.FieldPostings()
    one_byte = (200).to_bytes(1, "little")  # not CPython's shared one-byte object
    shared = analysis._encoded([3])
    added = [(b"t", 0, 1.0, None), (b"t", 1, 2.5, b""), (b"t", 2, -0.0, b"\x00\x00\x00\x02ab"),
             (b"t", 3, 1e300, one_byte), (b"t", 4, 3.0, shared), (b"u", 2**32 - 1, 0.5, b"xyz")]
    for posting in added:
        field.add(*posting)
    field.add_positions(5, {"t": [3], "u": [1, 4, 9]}, 1.0, 1.5)
    ids, weights, values = field.postings(field.terms[b"t"])
    assert ids == (0, 1, 2, 3, 4, 5) and weights == (1.0, 2.5, -0.0, 1e300, 3.0, 1.5)
    assert str(weights[2]) == "-0.0"
    assert values[:3] == [None, b"", b"\x00\x00\x00\x02ab"] and values[3] is one_byte
    # The general path's values are its own; the fast path's one position the shared encoding.
    assert values[4] == shared and values[4] is not shared and values[5] is shared
    ids, weights, values = field.postings(field.terms[b"u"])
    assert ids == (2**32 - 1, 5) and weights == (0.5, 4.5)
    assert values == [b"xyz", analysis._encode_positions([1, 4, 9])]
    assert type(field.terms[b"t"]) is bytearray and len(field.terms[b"t"]) == 6 * 16


def test_whooshs_writer_agrees_on_postings_and_terms(tmp_path, monkeypatch):
    # The same corpus against Whoosh's own SegmentWriter (every block compressed).
    monkeypatch.setattr(postings, "MIN_COMPRESS", 0)
    articles = _articles(200, seed=8)
    ours = _files(_write(tmp_path / "ours", articles, monkeypatch, reference=False))
    path = tmp_path / "whoosh"
    path.mkdir()
    ix = whoosh_index.create_in(str(path), build_schema())
    writer = writing.SegmentWriter(ix, compound=False)
    for article in articles:
        writer.add_document(**_document(article))
    writer.commit(merge=False)
    theirs = _files_of_whoosh(path)
    assert ours["pst"] == theirs["pst"] and ours["trm"] == theirs["trm"]


def _files_of_whoosh(path: Path) -> dict[str, bytes]:
    ix = whoosh_index.open_dir(str(path))
    (segment,) = ix._segments()
    prefix = segment.segment_id() + "."
    return {p.name[len(prefix):]: p.read_bytes() for p in path.iterdir() if p.name.startswith(prefix)}
