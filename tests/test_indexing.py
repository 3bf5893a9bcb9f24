import json
import os

import pytest

from searcher import Archive, Article, IndexNotFound
from searcher.ingest.manifest import MANIFEST_NAME


def write_jsonl(path, records):
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


RECORDS = [
    {"url": f"https://n.test/{i}", "title": f"Story {i}", "body": f"Body of story {i}.",
     "date": f"2021-0{i}-01", "tags": ["Energy"]}
    for i in range(1, 6)
]


@pytest.fixture
def archive(tmp_path):
    with Archive.create(tmp_path / "ix") as archive:
        yield archive


def test_second_run_over_unchanged_folder_reads_nothing(archive, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", RECORDS)
    first = archive.add([folder])
    second = archive.add([folder])
    assert (first.new, first.updated, first.files_read) == (5, 0, 1)
    assert (second.new, second.updated, second.unchanged, second.files_read, second.files_unchanged) == (0, 0, 5, 0, 1)
    assert len(archive) == 5 == second.total


def test_same_article_twice_is_updated_in_place(archive, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", RECORDS[:2])
    archive.add([path])
    changed = dict(RECORDS[0], title="Story 1, corrected")
    write_jsonl(path, [changed, RECORDS[1]])
    os.utime(path, ns=(1, 1))  # a different mtime even on coarse clocks
    report = archive.add([path])
    assert (report.new, report.updated, report.unchanged) == (0, 1, 1)
    assert len(archive) == 2
    assert archive.get("https://n.test/1").title == "Story 1, corrected"


def test_touched_file_with_same_content_counts_unchanged(archive, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", RECORDS)
    archive.add([path])
    os.utime(path, ns=(2, 2))
    report = archive.add([path])
    assert (report.new, report.updated, report.unchanged, report.files_read) == (0, 0, 5, 1)


def test_duplicate_ids_in_one_batch_make_one_document(archive, tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", RECORDS[:1])
    b = write_jsonl(tmp_path / "b.jsonl", [dict(RECORDS[0], title="Other version")])
    report = archive.add([a, b])
    assert (report.new, report.updated) == (1, 1)
    assert len(archive) == 1


def test_an_id_met_again_after_its_batch_was_committed_replaces_it(archive, tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", RECORDS)
    b = write_jsonl(tmp_path / "b.jsonl", [dict(RECORDS[0], title="Other version")])
    report = archive.add([a, b], commit_every=2)  # RECORDS[0] was committed in the first batch
    assert (report.new, report.updated) == (5, 1)
    assert len(archive) == 5
    assert [hit.title for hit in archive.search(f'url:"{RECORDS[0]["url"]}"').hits] == ["Other version"]


def test_articles_removed_from_a_changed_file_leave_the_index(archive, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", RECORDS)
    archive.add([path])
    write_jsonl(path, RECORDS[:3])
    os.utime(path, ns=(3, 3))
    report = archive.add([path])
    assert report.removed == 2 and len(archive) == 3


def test_small_commit_batches_hold_everything(archive, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", RECORDS)
    report = archive.add([path], commit_every=2)
    assert report.new == 5 and len(archive) == 5
    manifest = json.loads((archive.path / MANIFEST_NAME).read_text())
    (entry,) = manifest["files"].values()
    assert sorted(entry["ids"]) == sorted(r["url"] for r in RECORDS)


def test_bad_file_is_skipped_remembered_and_retried(archive, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    write_jsonl(folder / "good.jsonl", RECORDS[:2])
    bad = folder / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    report = archive.add([folder])
    assert report.new == 2 and [s.origin for s in report.skipped] == [str(bad)]
    assert [s.origin for s in archive.stats().skipped_files] == [str(bad.resolve())]
    bad.write_text(json.dumps({"title": "fixed"}), encoding="utf-8")
    again = archive.add([folder])
    assert (again.new, again.unchanged, again.skipped) == (1, 2, [])
    assert archive.stats().skipped_files == []


def test_index_folder_inside_the_data_folder_is_not_read(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", RECORDS[:1])
    with Archive.create(tmp_path / "index") as archive:
        archive.add([tmp_path])
        report = archive.add([tmp_path])
    assert report.skipped == [] and report.files_unchanged == 1


def test_add_articles_directly(archive):
    report = archive.add([Article(title="Direct", body="Made in Python.")])
    assert report.new == 1 and archive.search("direct").hits[0].title == "Direct"


def test_open_missing_index_raises(tmp_path):
    with pytest.raises(IndexNotFound, match="searcher index"):
        Archive.open(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(IndexNotFound):
        Archive.open(tmp_path / "empty")


def test_non_article_files_in_folders_and_bundles_are_passed_over(archive, tmp_path):
    import zipfile

    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "sitemap.xml").write_text('<?xml version="1.0"?><urlset><url><loc>x</loc></url></urlset>')
    with zipfile.ZipFile(folder / "bundle.zip", "w") as z:
        z.writestr("a.jsonl", '{"title": "In the bundle"}\n')
        z.writestr("logo.png", b"\x89PNG")
    report = archive.add([folder])
    assert (report.new, report.skipped, report.ignored) == (1, [], 2)
    named = archive.add([folder / "sitemap.xml"])
    assert [s.reason for s in named.skipped] == ["unsupported file type"]


def test_exclude_globs_leave_files_and_folders_out(archive, tmp_path):
    folder = tmp_path / "data"
    (folder / "drafts").mkdir(parents=True)
    (folder / "a.jsonl").write_text('{"title": "kept"}\n')
    (folder / "notes.txt").write_text("Not an article\n\nJust notes.\n")
    (folder / "drafts" / "b.jsonl").write_text('{"title": "draft"}\n')
    report = archive.add([folder], exclude=["*.txt", "drafts"])
    assert report.new == 1 and archive.search("*").hits[0].title == "kept"
