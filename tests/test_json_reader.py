import json
from datetime import datetime, timezone
from pathlib import Path

from searcher.article import Article, Skipped
from searcher.readers import format_for, read_file


def write_lines(path, records):
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def test_common_field_names_are_mapped(tmp_path):
    path = write_lines(tmp_path / "a.jsonl", [
        {"id": "x1", "title": "T1", "author": "Jane Roe", "published": "2020-05-01T09:30:00Z",
         "text": "Body one.", "source": "Reuters", "tags": ["Energy", "Asia"], "publisher": "Example News",
         "url": "https://n.test/1", "unknown_field": {"nested": True}},
        {"headline": "T2", "byline": "By Ann Lee and Bob Scott", "pubDate": "Fri, 01 May 2020 09:30:00 +0700",
         "content": "Body two.", "sources": ["BBC", "AP"], "categories": ["Politics"], "link": "https://n.test/2"},
        {"title": "T3", "authors": [{"name": "Kim Cho"}], "datePublished": "May 1, 2019",
         "articleBody": "Body three.", "keywords": "climate, floods", "section": "World", "language": "th"},
    ])
    first, second, third = list(read_file(path))
    assert (first.id, first.title, first.authors, first.sources, first.tags, first.publisher, first.url) == (
        "x1", "T1", ["Jane Roe"], ["Reuters"], ["Energy", "Asia"], "Example News", "https://n.test/1")
    assert first.date == datetime(2020, 5, 1, 9, 30, tzinfo=timezone.utc)
    assert second.authors == ["Ann Lee", "Bob Scott"]
    assert second.date == datetime(2020, 5, 1, 2, 30, tzinfo=timezone.utc)
    assert (second.id, second.sources, second.tags) == ("https://n.test/2", ["BBC", "AP"], ["Politics"])
    assert third.authors == ["Kim Cho"] and third.body == "Body three."
    assert third.tags == ["climate", "floods", "World"] and third.language == "th"
    assert third.origin == f"{path}#3"


def test_record_without_title_or_body_is_skipped_and_the_rest_kept(tmp_path):
    path = tmp_path / "b.ndjson"
    path.write_text('{"title": "kept"}\n{"url": "https://n.test/none"}\nnot json\n[1]\n', encoding="utf-8")
    records = list(read_file(path))
    assert isinstance(records[0], Article) and records[0].title == "kept"
    assert [type(r) for r in records[1:]] == [Skipped, Skipped, Skipped]
    assert "neither title nor body" in records[1].reason
    assert records[2].origin == f"{path}#3" and "invalid JSON" in records[2].reason


def test_json_array_and_wrapped_object(tmp_path):
    arr = tmp_path / "arr.json"
    arr.write_text(json.dumps([{"title": "A"}, {"title": "B"}]), encoding="utf-8")
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"status": "ok", "articles": [{"title": "C", "source": {"id": None, "name": "AP"}}]}))
    single = tmp_path / "single.json"
    single.write_text(json.dumps({"headline": "D", "body": "x"}))
    assert [a.title for a in read_file(arr)] == ["A", "B"]
    (c,) = read_file(wrapped)
    assert (c.title, c.sources) == ("C", ["AP"])
    assert [a.title for a in read_file(single)] == ["D"]


def test_broken_json_file_is_one_clean_skip(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"title": "unterminated', encoding="utf-8")
    (record,) = read_file(path)
    assert isinstance(record, Skipped) and record.origin == str(path) and "invalid JSON" in record.reason


def test_unknown_dates_stay_none_and_ids_are_stable(tmp_path):
    path = write_lines(tmp_path / "c.jsonl", [{"title": "Same", "body": "Text", "date": "yesterday"}])
    (a,) = read_file(path)
    (b,) = read_file(path)
    assert a.date is None
    assert a.id == b.id and len(a.id) == 20


def test_extensions_are_registered():
    assert format_for(Path("x.JSONL")).name == "jsonl"
    assert format_for(Path("x.ndjson")).name == "jsonl"
    assert format_for(Path("x.json")).name == "json"
    assert format_for(Path("x.pdf")) is None
