"""Every ProblemKind check reports is produced by the situation it names,
on a real index damaged in that one way, and callers decide by kind."""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Callable, Optional

import pytest
from click.testing import CliRunner

from searcher import Archive, Article
from searcher.cli import cli
from searcher.engine.whoosh.check import ProblemKind
from searcher.engine.whoosh.checksums import CHECKSUMS_NAME
from searcher.ingest.manifest import MANIFEST_NAME

from .test_analysis_version import _downgrade
from .test_crash import write_corpus
from .test_damage_commands import dead_pid
from .test_reliability import HOLD_WHOOSH_LOCK, end, finish, start

K = ProblemKind


@pytest.fixture(scope="module")
def sound(tmp_path_factory) -> Path:
    """3 files x 20 articles, committed in 3 segments."""
    base = tmp_path_factory.mktemp("kinds")
    write_corpus(base / "corpus", files=3, per_file=20)
    index = base / "index"
    with Archive.create(index) as archive:
        archive.add([base / "corpus"], commit_every=20, jobs=1)
    assert Archive.check_at(index).problems == []
    return index


@pytest.fixture
def index(sound, tmp_path) -> Path:
    copy = tmp_path / "index"
    shutil.copytree(sound, copy)
    return copy


def first_segment(index: Path) -> Path:
    return sorted(index.glob("MAIN_*.seg"))[0]


def toc(index: Path) -> Path:
    (found,) = index.glob("_MAIN_*.toc")
    return found


def edit_manifest(index: Path, change: Callable[[dict], None]) -> None:
    manifest = json.loads((index / MANIFEST_NAME).read_text())
    change(manifest)
    (index / MANIFEST_NAME).write_text(json.dumps(manifest))


# -- one damage per kind: each returns what to undo afterwards, if anything ------


def stale_write_lock(index: Path) -> Optional[Callable[[], None]]:
    # A killed writer whose forked child still holds Whoosh's lock file.
    holder = start([sys.executable, "-c", HOLD_WHOOSH_LOCK, str(index), "orphan"], index.parent)
    child = int(holder.stdout.readline())
    holder.wait(timeout=30)

    def undo() -> None:
        end([child])
        finish(holder)

    return undo


def manifest_unreadable(index: Path) -> None:
    (index / MANIFEST_NAME).write_text("{ not json")


def no_table_of_contents(index: Path) -> None:
    toc(index).unlink()


def table_of_contents_unreadable(index: Path) -> None:
    path = toc(index)
    path.write_bytes(path.read_bytes()[:40])


def newer_table_of_contents_lost(index: Path) -> None:
    older = toc(index)
    kept = older.read_bytes()
    with Archive.open(index) as archive:
        archive.add([Article(title="one more", body="common words", id="late")])
    toc(index).unlink()  # the commit's table, recorded in the checksums
    older.write_bytes(kept)  # what Whoosh now opens


def outdated_analysis(index: Path) -> None:
    _downgrade(index)


def segment_file_missing(index: Path) -> None:
    first_segment(index).unlink()


def segment_unreadable(index: Path) -> None:
    path = first_segment(index)
    data = bytearray(path.read_bytes())
    for i in range(200, len(data) - 200, 401):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


def documents_without_id(index: Path) -> None:
    with Archive.open(index) as archive:
        writer = archive._backend.ix.writer()
        writer.add_document(title="no id", body="common words")
        writer.commit()


def checksums_unreadable(index: Path) -> None:
    (index / CHECKSUMS_NAME).write_text("[garbage")


def checksum_mismatch(index: Path) -> None:
    # A byte added at the end: reading does not notice, the recorded size does.
    with first_segment(index).open("ab") as segment:
        segment.write(b"\0")


def duplicate_id(index: Path) -> None:
    from searcher.ingest.indexer import Indexer

    extra = index.parent / "extra.jsonl"
    extra.write_text(json.dumps({"id": "dup", "title": "t", "body": "b"}) + "\n")
    with Archive.open(index) as archive:
        # Two runs from the same view of the index, as before runs took a lock.
        for indexer in [Indexer(archive._backend.writer(1), index, 50, jobs=1) for _ in range(2)]:
            indexer.add_paths([extra])


def manifest_article_missing(index: Path) -> None:
    edit_manifest(index, lambda m: next(iter(m["files"].values()))["ids"].append("ghost"))


def foreign_file(index: Path) -> None:
    (index / "notes.txt").write_text("mine")


def interrupted_write_leftover(index: Path) -> None:
    (index / "MAIN.tmp").mkdir()
    (index / "MAIN_0123456789abcdef.pst").write_bytes(b"")
    (index / "_MAIN_9.toc.1712345678.25").write_bytes(b"")


def stale_rebuild_folder(index: Path) -> None:
    (index.parent / f".{index.name}.rebuild-{dead_pid()}").mkdir()


# Each kind, the damage that makes it, and every kind check then reports
# (some damage has consequences of its own kind too).
DAMAGES: dict[ProblemKind, tuple[Callable, set[ProblemKind]]] = {
    # The killed writer had begun its segment's files.
    K.STALE_WRITE_LOCK: (stale_write_lock, {K.STALE_WRITE_LOCK, K.INTERRUPTED_WRITE_LEFTOVER}),
    K.MANIFEST_UNREADABLE: (manifest_unreadable, {K.MANIFEST_UNREADABLE}),
    K.NO_TABLE_OF_CONTENTS: (no_table_of_contents, {K.NO_TABLE_OF_CONTENTS}),
    K.TABLE_OF_CONTENTS_UNREADABLE: (table_of_contents_unreadable, {K.TABLE_OF_CONTENTS_UNREADABLE}),
    # The newer table's segments look like leftovers of a write.
    K.NEWER_TABLE_OF_CONTENTS_LOST: (newer_table_of_contents_lost,
                                     {K.NEWER_TABLE_OF_CONTENTS_LOST, K.INTERRUPTED_WRITE_LEFTOVER}),
    K.OUTDATED_ANALYSIS: (outdated_analysis, {K.OUTDATED_ANALYSIS}),
    # Its articles, which the manifest lists, are in no readable segment.
    K.SEGMENT_FILE_MISSING: (segment_file_missing, {K.SEGMENT_FILE_MISSING, K.MANIFEST_ARTICLE_MISSING}),
    K.SEGMENT_UNREADABLE: (segment_unreadable,
                           {K.SEGMENT_UNREADABLE, K.CHECKSUM_MISMATCH, K.MANIFEST_ARTICLE_MISSING}),
    K.DOCUMENTS_WITHOUT_ID: (documents_without_id, {K.DOCUMENTS_WITHOUT_ID}),
    K.CHECKSUMS_UNREADABLE: (checksums_unreadable, {K.CHECKSUMS_UNREADABLE}),
    K.CHECKSUM_MISMATCH: (checksum_mismatch, {K.CHECKSUM_MISMATCH}),
    K.DUPLICATE_ID: (duplicate_id, {K.DUPLICATE_ID}),
    K.MANIFEST_ARTICLE_MISSING: (manifest_article_missing, {K.MANIFEST_ARTICLE_MISSING}),
    K.FOREIGN_FILE: (foreign_file, {K.FOREIGN_FILE}),
    K.INTERRUPTED_WRITE_LEFTOVER: (interrupted_write_leftover, {K.INTERRUPTED_WRITE_LEFTOVER}),
    K.STALE_REBUILD_FOLDER: (stale_rebuild_folder, {K.STALE_REBUILD_FOLDER}),
}
WARNINGS = {K.STALE_WRITE_LOCK, K.CHECKSUMS_UNREADABLE, K.INTERRUPTED_WRITE_LEFTOVER, K.STALE_REBUILD_FOLDER}


# Kinds of a sharded archive's layout: their damage is made in tests/test_shards.py.
SHARDED = {K.WRONG_SHARD, K.SHARD_MISSING}


def test_every_kind_has_its_damage():
    assert set(DAMAGES) | SHARDED == set(ProblemKind)
    assert not set(DAMAGES) & SHARDED


@pytest.mark.parametrize("kind", list(DAMAGES), ids=lambda k: k.value)
def test_the_damage_produces_its_kind(index, kind):
    make, expected = DAMAGES[kind]
    undo = make(index)
    try:
        report = Archive.check_at(index)
    finally:
        if undo:
            undo()
    assert [p.kind for p in report.problems if p.kind is kind], report.problems
    assert report.kinds == expected, report.problems
    assert report.ok == (kind in WARNINGS)
    assert all(p.severity == ("warning" if p.kind in WARNINGS else "error") for p in report.problems)


def test_the_kind_is_in_the_json_and_the_text_is_unchanged(index):
    foreign_file(index)
    interrupted_write_leftover(index)
    as_json = CliRunner().invoke(cli, ["check", "--index", str(index), "--format", "json"])
    problems = json.loads(as_json.output)["problems"]
    assert [(p["kind"], p["severity"]) for p in problems] == [("foreign_file", "error"),
                                                            ("interrupted_write_leftover", "warning")]
    assert all(list(p) == ["severity", "message", "kind"] for p in problems)
    as_text = CliRunner().invoke(cli, ["check", "--index", str(index)])
    assert as_text.exit_code == 1
    assert as_text.output.splitlines()[-3:] == [
        "error: 1 files in the index folder are not part of the index: notes.txt",
        "warning: 3 files (0.0 MB) left over from an interrupted write: MAIN.tmp, MAIN_0123456789abcdef.pst, "
        "_MAIN_9.toc.1712345678.25; the next indexing run that commits, or 'searcher check --clean', removes them",
        "FAILED: 1 problems",
    ]


def test_clean_drops_the_kinds_it_removed(index):
    interrupted_write_leftover(index)
    stale_rebuild_folder(index)
    foreign_file(index)
    report = Archive.check_at(index, clean=True)
    assert report.kinds == {K.FOREIGN_FILE}  # the user's file stays, and stays reported
    assert (index / "notes.txt").exists() and not (index / "MAIN.tmp").exists()
    assert len(report.cleaned) == 4


def test_unreadable_segments_change_what_missing_manifest_articles_are_called(index):
    segment_file_missing(index)
    (missing,) = [p for p in Archive.check_at(index).problems if p.kind is K.MANIFEST_ARTICLE_MISSING]
    assert missing.message.endswith("articles the manifest lists are in no readable segment; "
                                    "'searcher rebuild' restores them")


def test_an_id_that_reads_like_damage_is_not_taken_for_it(index):
    # Matching message text, an id such as this one, reported twice, made the
    # manifest's missing articles look hidden by an unreadable segment.
    from searcher.ingest.indexer import Indexer

    extra = index.parent / "extra.jsonl"
    extra.write_text(json.dumps({"id": "x cannot be read", "title": "t", "body": "b"}) + "\n")
    with Archive.open(index) as archive:
        for indexer in [Indexer(archive._backend.writer(1), index, 50, jobs=1) for _ in range(2)]:
            indexer.add_paths([extra])
    manifest_article_missing(index)
    report = Archive.check_at(index)
    assert report.kinds == {K.DUPLICATE_ID, K.MANIFEST_ARTICLE_MISSING}
    (missing,) = [p for p in report.problems if p.kind is K.MANIFEST_ARTICLE_MISSING]
    assert missing.message.startswith("the manifest lists 1 articles the index does not hold: 'ghost' (from ")


def test_a_stale_lock_is_a_warning_in_the_cli_too(index):
    undo = stale_write_lock(index)
    try:
        result = CliRunner().invoke(cli, ["check", "--index", str(index), "--format", "json"])
    finally:
        undo()
    assert result.exit_code == 0
    kinds = [p["kind"] for p in json.loads(result.output)["problems"]]
    assert kinds == ["stale_write_lock", "interrupted_write_leftover"]

