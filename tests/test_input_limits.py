"""Issue 22, reader side: one bad record never costs the rest of its file,
limits come with clear reasons, folder walks survive loops and special files,
no quadratic regex, nested compressed files are read."""
import json

import pytest

from searcher.article import Article, Skipped
from searcher.readers import read_file
from searcher.readers.source import size_text


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
    assert size_text(64 << 20) == "64 MB" and size_text(4096) == "4096 bytes"


def _bomb_line(n, size):
    return (json.dumps({"title": f"m{n}", "body": "a" * size}) + "\n").encode()


def test_total_inflation_of_a_bundle_is_bounded(tmp_path, monkeypatch):
    import zipfile

    from searcher.readers import containers

    # Scaled down (real limits: 200x, 16 MiB allowance): each member alone is
    # allowed, together they inflate ~300x the zip's size.
    monkeypatch.setattr(containers, "RATIO_ALLOWANCE", 64 << 10)
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for n in range(40):
            bundle.writestr(f"m{n:02}.jsonl", _bomb_line(n, 60 << 10))
    articles, skipped = _records(path)
    assert 0 < len(articles) < 40
    assert [a.title for a in articles] == [f"m{n}" for n in range(len(articles))]
    assert len(skipped) == 1 and skipped[0].origin == str(path)
    assert "in all" in skipped[0].reason and "decompression bomb" in skipped[0].reason


def test_total_inflation_counts_compressed_members_of_a_bundle(tmp_path, monkeypatch):
    import gzip
    import zipfile

    from searcher.readers import containers

    monkeypatch.setattr(containers, "RATIO_ALLOWANCE", 64 << 10)
    path = tmp_path / "nested.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as bundle:
        for n in range(40):
            bundle.writestr(f"m{n:02}.jsonl.gz", gzip.compress(_bomb_line(n, 60 << 10)))
    articles, skipped = _records(path)
    assert 0 < len(articles) < 40
    assert any("in all" in s.reason for s in skipped)


# --- 5. nested compressed files ----------------------------------------------

def test_compressed_files_inside_bundles_and_each_other_are_read(tmp_path):
    import bz2
    import gzip
    import io
    import tarfile
    import zipfile

    lines = (_line("one") + _line("two")).encode()
    inner_zip = io.BytesIO()
    with zipfile.ZipFile(inner_zip, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("c.jsonl", lines)
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w:gz") as bundle:
        info = tarfile.TarInfo("t.jsonl.bz2")
        data = bz2.compress(lines)
        info.size = len(data)
        bundle.addfile(info, io.BytesIO(data))
    outer = tmp_path / "a.zip"
    with zipfile.ZipFile(outer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("b.jsonl.gz", gzip.compress(lines))
        bundle.writestr("inner.zip", inner_zip.getvalue())
        bundle.writestr("t.tar.gz", tar.getvalue())
    (tmp_path / "d.jsonl.gz.gz").write_bytes(gzip.compress(gzip.compress(lines)))
    (tmp_path / "e.zip.gz").write_bytes(gzip.compress(inner_zip.getvalue()))
    expected = {
        outer: [f"{outer}!b.jsonl.gz!b.jsonl#1", f"{outer}!b.jsonl.gz!b.jsonl#2",
                f"{outer}!inner.zip!c.jsonl#1", f"{outer}!inner.zip!c.jsonl#2",
                f"{outer}!t.tar.gz!t.jsonl.bz2!t.jsonl#1", f"{outer}!t.tar.gz!t.jsonl.bz2!t.jsonl#2"],
        tmp_path / "d.jsonl.gz.gz": [f"{tmp_path}/d.jsonl.gz.gz!d.jsonl.gz!d.jsonl#{n}" for n in (1, 2)],
        tmp_path / "e.zip.gz": [f"{tmp_path}/e.zip.gz!e.zip!c.jsonl#{n}" for n in (1, 2)],
    }
    for path, origins in expected.items():
        articles, skipped = _records(path)
        assert skipped == [], path
        assert [a.origin for a in articles] == origins
        assert [a.title for a in articles] == ["one", "two"] * (len(origins) // 2)


def test_nested_gzip_bomb_is_still_refused(tmp_path):
    import gzip

    path = tmp_path / "bomb.jsonl.gz.gz"
    path.write_bytes(gzip.compress(gzip.compress(b" " * (64 << 20), 9), 9))
    articles, skipped = _records(path)
    assert articles == [] and len(skipped) == 1
    assert "decompression bomb" in skipped[0].reason


# --- 3. folder walks ---------------------------------------------------------

def _hostile_folder(tmp_path):
    import os

    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "a.jsonl").write_text(_line("kept"))
    (docs / "sub" / "up").symlink_to("..")              # a folder loop
    (docs / "loop.jsonl").symlink_to("loop.jsonl")      # a file loop
    (docs / "ring1.json").symlink_to("ring2.json")
    (docs / "ring2.json").symlink_to("ring1.json")
    os.mkfifo(docs / "pipe.jsonl")
    (docs / "zero.jsonl").symlink_to("/dev/zero")
    return docs


def _in_thread(fn, timeout=20):
    import threading

    box = {}
    worker = threading.Thread(target=lambda: box.setdefault("value", fn()), daemon=True)
    worker.start()
    worker.join(timeout)
    assert not worker.is_alive(), "hung"
    return box["value"]


def test_walk_passes_over_link_loops_and_reports_special_files_unopened(tmp_path):
    from searcher.readers import iter_files

    docs = _hostile_folder(tmp_path)
    walked = _in_thread(lambda: list(iter_files([docs])))
    assert walked == [docs / "a.jsonl", docs / "pipe.jsonl", docs / "zero.jsonl"]
    records = _in_thread(lambda: [r for p in walked for r in read_file(p)])
    assert [(r.origin, getattr(r, "reason", r.title if isinstance(r, Article) else "")) for r in records] == [
        (f"{docs / 'a.jsonl'}#1", "kept"),
        (str(docs / "pipe.jsonl"), "not a regular file (a named pipe); not read"),
        (str(docs / "zero.jsonl"), "not a regular file (a character device); not read")]


def test_indexing_a_folder_with_loops_and_special_files_goes_on(tmp_path):
    import subprocess
    import sys

    docs = _hostile_folder(tmp_path)
    run = subprocess.run([sys.executable, "-m", "searcher", "index", str(docs), "--index", str(tmp_path / "ix"),
                          "--jobs", "2", "--quiet"], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in run.stderr
    assert run.returncode == 1, run.stderr
    out = run.stdout + run.stderr
    assert "1 new" in out
    assert "pipe.jsonl: not a regular file (a named pipe); not read" in out
    assert "zero.jsonl: not a regular file (a character device); not read" in out


# --- 4. no quadratic regexes (the time bounds only guard against hangs) ------

_READ_AND_PRINT = """
import json, sys
from pathlib import Path
from searcher.readers import read_file
from searcher.readers.source import size_text
for r in read_file(Path(sys.argv[1])):
    print(json.dumps(r.to_dict() if hasattr(r, "to_dict") else {"skipped": r.origin, "reason": r.reason}))
"""


def _read_in_subprocess(path, timeout=20):
    """Records of a file read in a child process, killed if it takes longer
    than ``timeout`` (a regex running in C holds the GIL: a thread cannot be
    timed out, a process can)."""
    import subprocess
    import sys

    try:
        run = subprocess.run([sys.executable, "-c", _READ_AND_PRINT, str(path)], capture_output=True,
                             text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading {path.name} took more than {timeout} s (a hang guard, not a timing test)")
    assert run.returncode == 0, run.stderr
    records = [json.loads(line) for line in run.stdout.splitlines()]
    return [r for r in records if "skipped" not in r], [r for r in records if "skipped" in r]

def test_reuters_topics_with_80000_unclosed_d_tags(tmp_path):
    path = tmp_path / "hostile.sgm"
    text = ('<REUTERS NEWID="1"><DATE>26-FEB-1987 15:01:01.79</DATE><TOPICS><D>grain</D>' + "<D>" * 80_000
            + '</TOPICS><TEXT><TITLE>First</TITLE><AUTHOR>By Ann Lee' + ", " * 40_000 + 'Bob Roe, Reuters</AUTHOR>'
            + "<BODY>" + " " * 40_000 + "Body text.</BODY></TEXT></REUTERS>\n"
            + '<REUTERS NEWID="2"><TOPICS><D>corn</D><D>wheat</D></TOPICS><TEXT>' + "<TEXT" * 20_000
            + "<a" * 20_000 + "<TITLE>Second</TITLE><BODY>More.</BODY></TEXT></REUTERS>\n")
    assert len(text) > 240_000
    path.write_text(text)
    articles, skipped = _read_in_subprocess(path)
    assert skipped == []
    assert [a["title"] for a in articles] == ["First", "Second"]
    assert articles[0]["tags"] == ["topic:grain"] and articles[0]["body"] == "Body text."
    assert articles[0]["authors"] == ["Ann Lee", "Bob Roe"]
    assert articles[1]["tags"] == ["topic:corn", "topic:wheat"]


def test_html_keywords_of_200000_commas(tmp_path):
    path = tmp_path / "hostile.html"
    path.write_text('<html><head><title>A headline here</title><meta name="keywords" content="' + "," * 200_000
                    + '"><meta name="author" content="Ann Lee' + " " * 80_000 + ', Bob Roe"></head><body><p>'
                    + "Some text of the story. " * 40 + "</p></body></html>")
    articles, skipped = _read_in_subprocess(path)
    assert skipped == [] and len(articles) == 1
    assert articles[0]["tags"] == [] and articles[0]["authors"] == ["Ann Lee", "Bob Roe"]


def test_split_list_keeps_commas_inside_brackets():
    from searcher.readers.html_meta import _split_list

    assert _split_list("a, b (c, d); e|f, (g, (h)), i)") == ["a", "b (c, d)", "e", "f", "(g", "(h)), i)"]


def test_json_fields_with_long_runs_of_spaces(tmp_path):
    path = tmp_path / "spaces.jsonl"
    # Runs not followed by a separator: each of their positions was a new try.
    path.write_text(json.dumps({"title": "t", "body": "b", "author": "Ann" + " " * 80_000 + "Lee, Bob Roe",
                                "tags": "x" + " " * 80_000 + "y; z,, w"}) + "\n")
    articles, _ = _read_in_subprocess(path)
    authors, tags = articles[0]["authors"], articles[0]["tags"]
    assert [a.split() for a in authors] == [["Ann", "Lee"], ["Bob", "Roe"]]
    assert [t.split() for t in tags] == [["x", "y"], ["z"], ["w"]]


# --- 2. parse-time limit -----------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_that_parses_too_long_is_skipped_and_the_run_goes_on(tmp_path, monkeypatch, jobs):
    import multiprocessing
    import time

    from searcher.readers import jsonfmt
    from searcher.readers.parallel import parse_files

    if jobs > 1 and multiprocessing.get_start_method() != "fork":
        pytest.skip("the slow reader is patched in this process; workers must be forked")
    real = jsonfmt.to_article

    def slow(record, origin):
        if record.get("title", "").startswith("slow"):
            time.sleep(0.3)  # stands for a parse that never ends (a sleep, a regex, a loop)
        return real(record, origin)

    monkeypatch.setattr(jsonfmt, "to_article", slow)
    monkeypatch.setenv("SEARCHER_PARSE_TIMEOUT", "1")
    slow_file, fast_file = tmp_path / "slow.jsonl", tmp_path / "fast.jsonl"
    slow_file.write_text("".join(_line(f"slow {n}") for n in range(200)))
    fast_file.write_text(_line("fast"))
    parsed = _in_thread(lambda: list(parse_files([slow_file, fast_file], jobs=jobs)), timeout=60) \
        if jobs > 1 else list(parse_files([slow_file, fast_file], jobs=jobs))
    assert parsed[0].error == "took longer than 1 s to parse (limit: SEARCHER_PARSE_TIMEOUT); the rest is not read"
    kept = [r for r in parsed[0].records if isinstance(r, Article)]
    assert 0 < len(kept) < 200 and kept[0].title == "slow 0"
    assert parsed[1].error is None and [r.title for r in parsed[1].records] == ["fast"]
