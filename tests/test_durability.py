"""Durability (issue 22): a commit counts as done once its new segment
files, its table of contents, the manifest and the index folder are synced
(fsync), so that it survives a power cut, not only a killed process."""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from searcher import Archive, Article
from searcher.engine.whoosh.accel import writers as fastwriters
from searcher.ingest.manifest import MANIFEST_NAME

from .test_crash import write_corpus

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/fd")
COMMITTED = "<commit returned>"


@pytest.fixture
def synced(monkeypatch):
    """The paths passed to os.fsync, in order, with a marker each time a
    writer's commit returns."""
    events: list[str] = []
    fsync = os.fsync

    def recording_fsync(fd):
        events.append(os.readlink(f"/proc/self/fd/{fd}"))
        return fsync(fd)

    def marking(commit):
        def wrapper(self, *args, **kwargs):
            result = commit(self, *args, **kwargs)
            events.append(COMMITTED)
            return result
        return wrapper

    monkeypatch.setattr(os, "fsync", recording_fsync)
    for writer in (fastwriters.FastSegmentWriter, fastwriters.FastMpWriter):
        monkeypatch.setattr(writer, "commit", marking(writer.commit))
    return events


def segment_files(ix: Path) -> list[str]:
    return sorted(str(p) for p in ix.iterdir() if re.match(r"MAIN_[0-9a-z]+\.", p.name))


def assert_synced_before_commit_returned(events: list[str], ix: Path) -> None:
    last = max(i for i, e in enumerate(events) if e == COMMITTED)
    before = events[:last]
    for name in segment_files(ix):
        assert name in before, f"{name} was not synced before its commit returned"
    (toc,) = [p.name for p in ix.glob("_MAIN_*.toc")]
    toc_syncs = [i for i, e in enumerate(before) if Path(e).name.startswith(toc)]
    assert toc_syncs, f"the table of contents {toc} was not synced"
    assert str(ix) in before[toc_syncs[-1]:], "the folder was not synced after the table of contents"
    segment_syncs = [i for i, e in enumerate(before) if e in segment_files(ix)]
    assert max(segment_syncs) < toc_syncs[-1], "segments synced after the table of contents naming them"
    manifest = [i for i, e in enumerate(events) if Path(e).name.startswith(MANIFEST_NAME.split(".")[0])]
    assert manifest, "the manifest was not synced"
    assert str(ix) in events[manifest[-1]:], "the folder was not synced after the manifest"


@linux_only
def test_a_commit_syncs_its_segments_its_table_of_contents_and_the_manifest(tmp_path, synced):
    write_corpus(tmp_path / "corpus", files=3, per_file=20)
    ix = tmp_path / "ix"
    with Archive.create(ix) as archive:
        archive.add([tmp_path / "corpus"], jobs=1)
    assert_synced_before_commit_returned(synced, ix)


@linux_only
def test_a_multi_process_commit_syncs_every_sub_writers_segment(tmp_path, synced):
    articles = [Article(title=f"Story {n}", body=f"word{n % 97} pipeline gas talks", url=f"https://d.test/{n}")
                for n in range(2500)]
    ix = tmp_path / "ix"
    with Archive.create(ix) as archive:
        archive.add(articles, jobs=2, commit_every=5000)
    assert len(segment_files(ix)) >= 2  # one per sub-writer
    before = synced[:synced.index(COMMITTED)]
    for name in segment_files(ix):
        assert name in before, "\n".join(synced)


def test_searcher_fsync_0_syncs_nothing(tmp_path, synced, monkeypatch):
    monkeypatch.setenv("SEARCHER_FSYNC", "0")
    write_corpus(tmp_path / "corpus", files=2, per_file=10)
    with Archive.create(tmp_path / "ix") as archive:
        archive.add([tmp_path / "corpus"], jobs=1)
    assert [e for e in synced if e != COMMITTED] == []
