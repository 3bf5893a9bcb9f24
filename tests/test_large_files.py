"""Large files are read record by record (issue 18): a large JSON file
through ijson, and any file over STREAM_FILE_BYTES in the indexing process
as it is indexed, so that its articles never all sit in memory. The
thresholds are lowered here so that small files we write take those paths;
what they read must be what the whole-file path reads."""
from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from searcher import Archive, parse_files
from searcher.readers import jsonfmt, parallel

RECORDS = [{"id": f"r{n}", "title": f"Story {n} about the harbour", "body": f"Body {n}: the port reopened.",
            "date": "2024-03-0{}".format(1 + n % 9), "score": n / 3} for n in range(40)]


def _records(path: Path) -> list:
    return [(type(r).__name__, r.to_dict() if hasattr(r, "to_dict") else str(r)) for r in parse_files([path])]


@pytest.fixture
def small_streaming(monkeypatch):
    monkeypatch.setattr(jsonfmt, "STREAM_JSON_BYTES", 64)


@pytest.mark.parametrize("shape", ["array", "container", "later container", "bom", "odd records"])
def test_a_large_json_file_reads_as_the_whole_file_does(tmp_path, monkeypatch, shape):
    records: list = list(RECORDS)
    if shape == "odd records":
        records[3:3] = [7, {"title": ""}, ["not", "an", "object"]]
    data = {"array": records, "container": {"meta": {"n": 1}, "articles": records},
            "later container": {"articles": [], "items": {"no": "array"}, "data": records},
            "bom": records, "odd records": records}[shape]
    text = json.dumps(data, indent=1)
    path = tmp_path / "export.json"
    path.write_bytes((codecs.BOM_UTF8 if shape == "bom" else b"") + text.encode("utf-8"))
    whole = _records(path)
    assert len(whole) == len(records)
    monkeypatch.setattr(jsonfmt, "STREAM_JSON_BYTES", 64)
    calls = []
    original = jsonfmt._numbered
    monkeypatch.setattr(jsonfmt, "_numbered", lambda *a: calls.append(a[1]) or original(*a))
    assert _records(path) == whole
    assert calls, "the streaming path was not taken"


def test_one_large_object_is_read_whole(tmp_path, small_streaming):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(RECORDS[0]), encoding="utf-8")
    assert [r.title for r in parse_files([path])] == ["Story 0 about the harbour"]


def test_broken_json_keeps_the_records_before_and_reports_the_file(tmp_path, small_streaming):
    path = tmp_path / "cut.json"
    path.write_text(json.dumps(RECORDS)[:-200], encoding="utf-8")  # cut inside a late record
    read = list(parse_files([path]))
    articles = [r for r in read if hasattr(r, "title")]
    assert 30 < len(articles) < len(RECORDS)
    assert read[-1].origin == str(path) and "invalid JSON" in read[-1].reason


def test_a_large_file_is_indexed_as_it_is_read(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "big.json").write_text(json.dumps({"items": RECORDS}), encoding="utf-8")
    (folder / "small.jsonl").write_text("\n".join(json.dumps({**r, "id": "s" + r["id"]}) for r in RECORDS[:5]),
                                        encoding="utf-8")
    (folder / "bad.json").write_text('{"items": [' + json.dumps(RECORDS[0]) + ", {", encoding="utf-8")
    with Archive.create(tmp_path / "whole") as whole:
        expected = whole.add([folder], jobs=2)
        expected_hits = [h.id for h in whole.search("harbour", limit=100, sort="date").hits]
    monkeypatch.setattr(parallel, "STREAM_FILE_BYTES", 100)
    taken = [parsed for parsed in parallel.parse_files(sorted(folder.iterdir()), jobs=2)]
    assert all(not isinstance(parsed.records, list) for parsed in taken)  # read as taken, not parsed ahead
    for jobs in (1, 2):
        with Archive.create(tmp_path / f"streamed{jobs}") as streamed:
            report = streamed.add([folder], jobs=jobs, commit_every=7)
            assert (report.new, len(report.skipped), report.files_read) == (expected.new, 1, 2)
            assert [s.origin for s in report.skipped] == [s.origin for s in expected.skipped]
            assert [h.id for h in streamed.search("harbour", limit=100, sort="date").hits] == expected_hits
            again = streamed.add([folder], jobs=jobs)  # the broken file is tried again, the others unchanged
            assert (again.new, again.unchanged, len(again.skipped)) == (0, expected.new, 1)


def test_a_plain_text_file_too_long_for_an_article_is_not_read(tmp_path, monkeypatch):
    from searcher.readers import plaintext

    monkeypatch.setattr(plaintext, "MAX_ARTICLE_BYTES", 4096)
    paragraph = "The council met on Tuesday and agreed to reopen the harbour to ferries next month. "
    (tmp_path / "long.txt").write_text("A very long story\n\n" + (paragraph * 6 + "\n\n") * 20, encoding="utf-8")
    (tmp_path / "short.txt").write_text("A short story\n\n" + paragraph * 3 + "\n", encoding="utf-8")
    with Archive.create(tmp_path / "index") as archive:
        report = archive.add([tmp_path / "long.txt", tmp_path / "short.txt"])
    assert report.new == 1 and [s.origin for s in report.skipped] == [str(tmp_path / "long.txt")]
    assert report.skipped[0].reason == ("larger than 4096 bytes, too long for one plain-text article "
                                        "(a .txt file is one article); not read")
