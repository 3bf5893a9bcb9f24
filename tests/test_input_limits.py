"""Issue 22, reader side: one bad record never costs the rest of its file,
limits come with clear reasons, folder walks survive loops and special files,
no quadratic regex, nested compressed files are read."""
import json

import pytest

from searcher.article import Article, Skipped
from searcher.readers import read_file


def _records(path):
    found = list(read_file(path))
    return [r for r in found if isinstance(r, Article)], [r for r in found if isinstance(r, Skipped)]


def _line(title):
    return json.dumps({"title": title, "body": f"Body of {title}"}) + "\n"


# --- 1. records are independent ----------------------------------------------

def test_jsonl_line_nested_too_deeply_is_skipped_alone(tmp_path):
    path = tmp_path / "deep.jsonl"
    deep = "[" * 1000 + "]" * 1000 + "\n"
    deep_field = '{"title": ' + "[" * 990 + '"x"' + "]" * 990 + ', "body": "b"}\n'
    path.write_text(_line("one") + deep + deep_field + _line("four"))
    articles, skipped = _records(path)
    assert [a.title for a in articles] == ["one", "four"]
    assert [s.origin for s in skipped] == [f"{path}#2", f"{path}#3"]
    assert all("nested too deeply" in s.reason for s in skipped)


def test_json_array_with_one_record_nested_too_deeply(tmp_path):
    path = tmp_path / "deep.json"
    deep = '{"title": "deep", "body": ' + '{"a": ' * 1200 + "1" + "}" * 1200 + "}"
    text = '[{"title": "one", "body": "b1"}, ' + deep + ', {"title": "three", "body": "b3"}]'
    path.write_text(text)
    articles, skipped = _records(path)
    assert [a.title for a in articles] == ["one", "three"]
    assert [(s.origin, "nested too deeply" in s.reason) for s in skipped] == [(f"{path}#2", True)]
    assert articles[1].origin == f"{path}#3"


def test_a_record_that_breaks_the_converter_costs_only_itself(tmp_path, monkeypatch):
    from searcher.readers import feeds, jsonfmt, newsxml, reuters

    def failing(real, bad):
        def convert(*args, **kwargs):
            found = real(*args, **kwargs)
            if getattr(found, "title", "") == bad:
                raise RuntimeError("boom")
            return found
        return convert

    monkeypatch.setattr(jsonfmt, "to_article", failing(jsonfmt.to_article, "two"))
    monkeypatch.setattr(feeds, "_rss_item", failing(feeds._rss_item, "two"))
    monkeypatch.setattr(reuters, "to_article", failing(reuters.to_article, "two"))
    monkeypatch.setattr(newsxml, "g2_article", failing(newsxml.g2_article, "two"))
    files = {
        "a.jsonl": "".join(_line(t) for t in ("one", "two", "three")),
        "a.json": json.dumps([{"title": t, "body": "b"} for t in ("one", "two", "three")]),
        "a.rss": '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>' + "".join(
            f"<item><title>{t}</title><description>b</description></item>" for t in ("one", "two", "three"))
            + "</channel></rss>",
        "a.sgm": "".join(f'<REUTERS NEWID="{n}"><TEXT><TITLE>{t}</TITLE><BODY>b</BODY></TEXT></REUTERS>\n'
                         for n, t in enumerate(("one", "two", "three"), 1)),
        "a.xml": '<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><itemSet>' + "".join(
            f'<newsItem guid="g{t}"><contentMeta><headline>{t}</headline></contentMeta></newsItem>'
            for t in ("one", "two", "three")) + "</itemSet></newsMessage>",
    }
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text)
        articles, skipped = _records(path)
        assert [a.title for a in articles] == ["one", "three"], name
        assert [s.origin for s in skipped] == [f"{path}#2"], name
        assert "RuntimeError: boom" in skipped[0].reason, name


# --- 2. limits ---------------------------------------------------------------

def test_jsonl_line_over_the_limit_is_skipped_and_the_rest_read(tmp_path, monkeypatch):
    from searcher.readers import jsonfmt

    monkeypatch.setattr(jsonfmt, "MAX_LINE_BYTES", 1000)
    path = tmp_path / "long.jsonl"
    long_line = json.dumps({"title": "long", "body": "x" * 5000}) + "\n"
    exact = json.dumps({"title": "exact", "body": ""})
    exact = exact[:-2] + "y" * (1000 - len(exact)) + '"}' + "\n"  # 1000 bytes and its newline
    assert len(exact) == 1001
    path.write_text(_line("one") + long_line + exact + _line("four") + "z" * 3000)
    articles, skipped = _records(path)
    assert [a.title for a in articles] == ["one", "exact", "four"]
    assert [(s.origin, s.reason) for s in skipped] == [
        (f"{path}#2", "line 2 is longer than 1000 bytes; skipped"),
        (f"{path}#5", "line 5 is longer than 1000 bytes; skipped")]
    assert jsonfmt._size(64 << 20) == "64 MiB"
