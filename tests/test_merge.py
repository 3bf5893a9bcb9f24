"""Merging segments through FastSegmentWriter's own path (add_reader keeps
Whoosh's per-document copy; the postings are read from the segments'
posting files and written by postings.py) gives the index Whoosh's own
SegmentWriter gives: the same postings, term infos, stored fields."""
import shutil
from pathlib import Path

import pytest

from searcher.engine.whoosh.accel import postings
from searcher.engine.whoosh.accel import writers as fastwriters
from searcher.engine.whoosh.accel.imports import index as whoosh_index
from searcher.engine.whoosh.accel.imports import writing
from searcher.engine.whoosh.accel.writers import FastSegmentWriter
from searcher.engine.whoosh.documents import to_document
from searcher.engine.whoosh.schema import build_schema

from .test_postings import _articles, _postings

pytestmark = pytest.mark.slow  # Whoosh-acceleration differential: our merges against Whoosh's SegmentWriter


def _segmented(path: Path, batches: int = 5, per_batch: int = 120, compound: bool = False) -> Path:
    """An index of ``batches`` segments (FastSegmentWriter, no merging), with
    documents of earlier segments deleted by later writers."""
    path.mkdir()
    ix = whoosh_index.create_in(str(path), build_schema())
    articles = _articles(batches * per_batch, seed=11)
    for batch in range(batches):
        writer = FastSegmentWriter(ix, compound=compound)
        for article in articles[batch * per_batch:(batch + 1) * per_batch]:
            writer.add_document(**to_document(article, "fp"))
        if batch:
            # Delete some of every earlier segment's documents.
            for n in range(0, batch * per_batch, 7 + batch):
                writer.delete_by_term("id", f"a{n}")
        writer.commit(merge=False)
    assert len(ix._segments()) == batches
    return path


def _stored(path: Path) -> tuple[int, int, list]:
    ix = whoosh_index.open_dir(str(path))
    with ix.reader() as reader:
        return reader.doc_count(), reader.doc_count_all(), [fields for _, fields in reader.iter_docs()]


def _merge(path: Path, writer_class, new_articles=(), **commit):
    ix = whoosh_index.open_dir(str(path))
    writer = writer_class(ix, compound=False)
    for article in new_articles:
        writer.update_document(**to_document(article, "fp2"))
    writer.commit(**commit)
    return ix


def _twins(tmp_path, **kwargs) -> tuple[Path, Path]:
    base = _segmented(tmp_path / "base", **kwargs)
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    shutil.copytree(base, ours)
    shutil.copytree(base, theirs)
    return ours, theirs


def _assert_same(ours: Path, theirs: Path) -> None:
    got, expected = _postings(ours), _postings(theirs)
    assert got.keys() == expected.keys()
    for term in expected:
        assert got[term] == expected[term], term
    assert _stored(ours) == _stored(theirs)


class _Count:
    """Calls counted in a file: also those of forked processes (background merges)."""

    def __init__(self, path):
        self.path = path
        path.write_text("")

    def add(self):
        with open(self.path, "a") as f:
            f.write("1")

    def __len__(self):
        return len(self.path.read_text())


@pytest.fixture
def fast_merges(monkeypatch, tmp_path):
    """Counts the segments merged the fast way."""
    count = _Count(tmp_path / "fast-merges")
    original = postings.SegmentSource.__init__

    def init(self, *args, **kwargs):
        count.add()
        original(self, *args, **kwargs)

    monkeypatch.setattr(postings.SegmentSource, "__init__", init)
    return count


@pytest.mark.parametrize("compound", [False, True])
def test_optimize_gives_whooshs_postings_and_documents(tmp_path, fast_merges, compound):
    ours, theirs = _twins(tmp_path, compound=compound)
    # A writer with nothing added merges only: the buffer is empty.
    _merge(ours, FastSegmentWriter, optimize=True)
    _merge(theirs, writing.SegmentWriter, optimize=True)
    assert len(fast_merges) == 5
    for path in (ours, theirs):
        assert len(whoosh_index.open_dir(str(path))._segments()) == 1
    _assert_same(ours, theirs)
    doccount, doccount_all, _ = _stored(ours)
    assert doccount == doccount_all < 600  # deleted documents are gone


def test_new_documents_and_a_merge_in_one_writer(tmp_path, fast_merges):
    ours, theirs = _twins(tmp_path)
    # New documents, some replacing merged ones (deleted in the segments
    # being merged, by this same writer).
    new = _articles(150, seed=5)[::2] + [a for a in _articles(40, seed=99)]
    for article in new[-40:]:
        article.id = "n" + article.id
    _merge(ours, FastSegmentWriter, new, optimize=True)
    _merge(theirs, writing.SegmentWriter, new, optimize=True)
    assert len(fast_merges) == 5
    _assert_same(ours, theirs)


def _merge_last_and_first(writer, segments):
    """A merge policy: the last segment and the first, in that order."""
    for segment in (segments[-1], segments[0]):
        reader = fastwriters.SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return segments[1:-1]


def test_a_partial_merge_and_block_limits(tmp_path, fast_merges, monkeypatch):
    # Small blocks put block boundaries everywhere, uncompressed or not.
    monkeypatch.setattr(postings, "MIN_COMPRESS", 0)
    ours, theirs = _twins(tmp_path, batches=3, per_batch=80)

    def small_blocks(writer_class):
        def make(ix, **kwargs):
            writer = writer_class(ix, **kwargs)
            writer.codec._blocklimit = 5
            return writer
        return make

    new = _articles(30, seed=4)
    _merge(ours, small_blocks(FastSegmentWriter), new, mergetype=_merge_last_and_first)
    _merge(theirs, small_blocks(writing.SegmentWriter), new, mergetype=_merge_last_and_first)
    assert len(fast_merges) == 2
    assert len(whoosh_index.open_dir(str(ours))._segments()) == 2
    _assert_same(ours, theirs)


def test_a_buffer_over_its_limit_merges_whooshs_way(tmp_path, fast_merges, monkeypatch):
    ours, theirs = _twins(tmp_path, batches=3, per_batch=80)
    monkeypatch.setattr(fastwriters, "POSTING_BYTES", 10_000_000)  # limit: ~13 postings

    def small(ix, **kwargs):
        return FastSegmentWriter(ix, limitmb=1, **kwargs)

    new = _articles(50, seed=8)
    _merge(ours, small, new, optimize=True)
    _merge(theirs, writing.SegmentWriter, new, optimize=True)
    assert not fast_merges
    _assert_same(ours, theirs)


def test_fast_sources_then_a_drained_buffer_fall_back_together(tmp_path, monkeypatch):
    # Documents added after add_reader may overflow the buffer: then every
    # merged segment goes through Whoosh's pool too.
    ours, theirs = _twins(tmp_path, batches=2, per_batch=60)
    new = _articles(40, seed=12)
    for path, writer_class in ((ours, FastSegmentWriter), (theirs, writing.SegmentWriter)):
        ix = whoosh_index.open_dir(str(path))
        writer = writer_class(ix, compound=False, limitmb=1)
        if writer_class is FastSegmentWriter:
            monkeypatch.setattr(fastwriters, "POSTING_BYTES", 10_000_000)
            writer._buffer_limit = 13
        segments = list(writer.segments)
        for segment in segments:
            reader = fastwriters.SegmentReader(writer.storage, writer.schema, segment)
            writer.add_reader(reader)
            reader.close()
        if writer_class is FastSegmentWriter:
            assert len(writer._sources) == 2
        for article in new:
            writer.add_document(**to_document(article, "x"))
        if writer_class is FastSegmentWriter:
            assert writer._pool_used()
        writer.commit(mergetype=lambda w, segs: [])
    _assert_same(ours, theirs)


def test_search_results_and_facets_after_a_merge(tmp_path, monkeypatch, fast_merges):
    from searcher import Archive

    path = tmp_path / "archive"
    articles = _articles(400, seed=21)
    with monkeypatch.context() as patch:
        # Five segments, none merged by the indexer.
        patch.setattr(FastSegmentWriter, "commit", lambda self, **kw: writing.SegmentWriter.commit(self, merge=False))
        with Archive.create(path) as archive:
            archive.add(articles, commit_every=80, jobs=1)
    assert len(whoosh_index.open_dir(str(path))._segments()) == 5
    shutil.copytree(path, tmp_path / "whoosh")

    def answers(path):
        with Archive.open(path) as archive:
            out = [len(archive), archive.facet("tags"), archive.facet("authors")]
            for query in ("pipeline", "gas pipeline", '"putin xi"', "energy OR tariff", "author:lee",
                          "tag:asia", "sanctions -oil", "pipelin*"):
                for sort in ("relevance", "-date"):
                    out.append(archive.search(query, limit=500, sort=sort, facets=("tags", "authors", "year")))
            return out

    def matches(answers):
        # What a merge keeps: BM25 scores move a little (as with Whoosh's own merge).
        return answers[:3] + [(r.total, r.facets, sorted(hit.id for hit in r.hits)) for r in answers[3:]]

    before = answers(path)
    FastSegmentWriter(whoosh_index.open_dir(str(path))).commit(optimize=True)
    writing.SegmentWriter(whoosh_index.open_dir(str(tmp_path / "whoosh"))).commit(optimize=True)
    assert len(fast_merges) == 5
    assert len(whoosh_index.open_dir(str(path))._segments()) == 1
    after = answers(path)
    assert after == answers(tmp_path / "whoosh")  # scores and ranks included
    assert matches(after) == matches(before)
    assert before[3].total > 40 and before[3].facets["tags"]


def test_merged_files_are_byte_identical_to_whooshs(tmp_path, fast_merges, monkeypatch):
    # With every block compressed, as Whoosh does: the same posting blocks
    # (copied ones with their first document number patched, re-blocked
    # ones) and the same term table.
    monkeypatch.setattr(postings, "MIN_COMPRESS", 0)
    ours, theirs = _twins(tmp_path, batches=4, per_batch=150)
    copied = []
    original = postings.SegmentSource.copy_term
    monkeypatch.setattr(postings.SegmentSource, "copy_term",
                        lambda self, *args: copied.append(original(self, *args)) or copied[-1])
    for path, writer_class in ((ours, FastSegmentWriter), (theirs, writing.SegmentWriter)):
        ix = whoosh_index.open_dir(str(path))
        writer = writer_class(ix, compound=False)
        writer.commit(mergetype=_merge_last_and_first)
    assert len(fast_merges) == 2

    def merged_files(path):
        ix = whoosh_index.open_dir(str(path))
        newest = ix._segments()[-1]
        return {name.rsplit(".", 1)[-1]: (path / name).read_bytes() for name in newest.list_files(ix.storage)
                if name.endswith((".pst", ".trm"))}

    got, expected = merged_files(ours), merged_files(theirs)
    assert set(got) == {"pst", "trm"}
    # The last segment has no deletions: its own terms' blocks were copied.
    assert len([c for c in copied if c]) > 100 and None in copied
    assert got == expected
    _assert_same(ours, theirs)


def test_multi_process_commits_merge_the_fast_way(tmp_path, fast_merges):
    from searcher.engine.whoosh.accel.writers import FastMpWriter

    ours, theirs = _twins(tmp_path, batches=3, per_batch=60)
    new = _articles(120, seed=31)
    for article in new:
        article.id = "m" + article.id
    ix = whoosh_index.open_dir(str(ours))
    writer = FastMpWriter(ix, procs=2, batchsize=16, compound=False)
    for article in new:
        writer.add_document(**to_document(article, "fp2"))
    writer.commit(optimize=True)
    # The two sub-processes' segments, then every segment merged into one.
    assert len(fast_merges) == 5
    assert len(whoosh_index.open_dir(str(ours))._segments()) == 1
    _merge(theirs, writing.SegmentWriter, new, optimize=True)
    got, expected = _postings(ours), _postings(theirs)
    assert got.keys() == expected.keys()
    # Document numbers differ (the sub-processes' segments come last here),
    # what they point to does not.
    assert _stored(ours)[:2] == _stored(theirs)[:2]
    def documents(path):
        return sorted(repr(sorted(fields.items())) for fields in _stored(path)[2])

    assert documents(ours) == documents(theirs)


def test_the_indexers_merges_go_the_fast_way(tmp_path, monkeypatch):
    from whoosh.reading import SegmentReader

    from searcher import Archive
    from searcher.engine.whoosh import writing as index_writer
    from searcher.engine.whoosh.accel.arrays import SegmentArrays

    monkeypatch.setattr(index_writer, "MERGE_FACTOR", 3)
    path = tmp_path / "archive"
    articles = _articles(300, seed=41)
    with Archive.create(path) as archive:
        archive.add(articles, commit_every=40, jobs=1)
        # 8 commits: once three small segments are there, they are merged in the background.
        ix = whoosh_index.open_dir(str(path))
        segments = ix._segments()
        assert len(segments) < 8 and max(s.doc_count_all() for s in segments) > 40
        for segment in segments:  # the arrays part only our posting writer writes (not Whoosh's pool)
            reader = SegmentReader(ix.storage, ix.schema, segment)
            try:
                assert SegmentArrays(reader).complete
            finally:
                reader.close()
        assert len(archive) == 300
        assert archive.search("id:a17 OR id:a299", limit=5).total == 2
        assert archive.get("a123").body == articles[123].body


@pytest.mark.parametrize("ids", [(0,), (5, 1), (255, 1, 2), (256, 3, 4, 5), (65535,) * 4, (65536, 1), (2**31 - 200, 7, 9, 1)])
@pytest.mark.parametrize("base", [0, 1, 200, 65_000, 70_000, 2**31 - 100])
def test_a_blocks_first_id_is_patched_as_pickle_writes_it(ids, base):
    import pickle

    block = (ids, (1.5, 2.0) * (len(ids) // 2) or None, (b"\x01", b"\x02\x03") * len(ids))
    patched = postings._shift_first_id(pickle.dumps(block, 2), base)
    if ids[0] + base >= 2**31:
        assert patched is None  # too large for a signed 4-byte pickle int: not copied
    else:
        assert patched == pickle.dumps(((ids[0] + base,) + ids[1:],) + block[1:], 2)
