"""Value columns (facet values per document) are saved beside the index once
and loaded by later processes; bad or stale files never change an answer."""
from __future__ import annotations

import json
import os
from collections import Counter

import pytest

from searcher import Archive
from searcher.engine.whoosh.accel import valuecolumns
from searcher.engine.whoosh.accel.imports import index as whoosh_index
from searcher.engine.whoosh.columns import VALUE_FACETS, ValueColumn
from searcher.engine.whoosh.documents import to_article

from .test_merge import _segmented

FIELD = VALUE_FACETS["tags"]


@pytest.fixture()
def segmented(tmp_path):
    return _segmented(tmp_path / "ix")


def _expected(reader, docnums) -> Counter:
    """Counted the slow way: every live document's stored tags."""
    counts: Counter = Counter()
    for docnum in docnums:
        counts.update(to_article(reader.stored_fields(docnum)).tags)
    return counts


def _facet_counts(path, docnums=None) -> Counter:
    ix = whoosh_index.open_dir(str(path))
    with ix.reader() as reader:
        column = ValueColumn(reader, FIELD, path)
        docnums = list(reader.all_doc_ids()) if docnums is None else docnums
        return column.count(docnums), _expected(reader, docnums)


def test_columns_are_saved_then_loaded_with_the_same_counts(segmented, monkeypatch):
    counts, expected = _facet_counts(segmented)
    assert counts == expected and sum(expected.values()) > 100
    saved = sorted(os.listdir(segmented / valuecolumns.FOLDER))
    assert len(saved) == 5 and all(name.endswith(f".{FIELD}.col") for name in saved)

    def no_build(*args):
        raise AssertionError("built again instead of loaded")

    monkeypatch.setattr(valuecolumns, "_build", no_build)
    assert _facet_counts(segmented)[0] == expected
    some = list(range(0, 600, 3))
    counts, expected_some = _facet_counts(segmented, some)
    assert counts == expected_some


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other segment", "header"])
def test_a_bad_file_is_rebuilt_not_believed(segmented, damage):
    expected = _facet_counts(segmented)[1]
    folder = segmented / valuecolumns.FOLDER
    names = sorted(os.listdir(folder))
    target = folder / names[0]
    data = target.read_bytes()
    if damage == "garbage":
        target.write_bytes(b"\x00garbage" * 50)
    elif damage == "truncated":
        target.write_bytes(data[: len(data) - 9])
    elif damage == "other segment":
        target.write_bytes((folder / names[1]).read_bytes())
    else:
        start = len(valuecolumns._MAGIC) + valuecolumns._HEADER_LENGTH.size
        header = json.loads(data[start:start + valuecolumns._HEADER_LENGTH.unpack_from(data, len(valuecolumns._MAGIC))[0]])
        assert header["docs"] > 0
        target.write_bytes(data.replace(b'"ids": ', b'"ids": 1', 1))
    assert _facet_counts(segmented)[0] == expected
    assert target.read_bytes() == data  # rebuilt and saved again


def test_an_index_folder_that_cannot_be_written_still_counts(segmented, monkeypatch):
    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(valuecolumns.tempfile, "mkstemp", refused)  # as on a read-only mount
    counts, expected = _facet_counts(segmented)
    assert counts == expected
    assert not any((segmented / valuecolumns.FOLDER).glob("*.col"))


def test_indexing_prunes_columns_of_merged_segments_and_check_accepts_the_folder(tmp_path):
    data = tmp_path / "data"
    data.mkdir()

    def write(n):
        records = [{"url": f"https://t.test/{n}-{k}", "title": f"Story {n} {k}", "body": "Gas pipeline talks.",
                    "tags": ["Energy"] if k % 2 else ["Politics", "Energy"]} for k in range(4)]
        (data / f"part{n:02d}.jsonl").write_text("\n".join(json.dumps(r) for r in records))

    for n in range(9):
        write(n)
    path = tmp_path / "index"
    value_fields = {"tags", "sources", "authors", "publishers"}

    def columns_by_segment():
        found: dict[str, set[str]] = {}
        for name in os.listdir(path / valuecolumns.FOLDER):
            segment, field, _ = name.split(".")
            found.setdefault(segment, set()).add(field)
        return found

    def live_segments():
        return {name.split(".")[0] for name in os.listdir(path) if name.endswith(".seg")}

    with Archive.create(path) as archive:
        archive.add([data], commit_every=4, jobs=1)  # a segment per file
        before = columns_by_segment()  # saved by the indexing run, for every segment
        assert set(before) == live_segments() and len(before) == 9
        assert all(fields == value_fields for fields in before.values())
        assert dict(archive.search("*", facets=["tags"]).facets["tags"]) == {"Energy": 36, "Politics": 18}
        assert archive.check().ok  # the folder is the index's own
        for n in range(9, 12):
            write(n)
        archive.add([data], commit_every=4, jobs=1)  # the tenth small segment: ten merge into one
        after = columns_by_segment()
        assert len(live_segments()) < 9
        assert set(after) == live_segments()  # merged-away segments' columns are gone, new ones saved
        assert all(fields == value_fields for fields in after.values())
        assert dict(archive.search("*", facets=["tags"]).facets["tags"]) == {"Energy": 48, "Politics": 24}
