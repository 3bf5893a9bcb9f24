"""Standard input (issue 18): `searcher index -` and `searcher parse -` read
JSON Lines, or the format --input-format names, from a pipe; the library
reads any binary stream as a Source (readers.stream_source)."""
from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from searcher import Archive, InvalidArgument, parse_files
from searcher.article import Article, Skipped
from searcher.cli import cli
from searcher.ingest.manifest import MANIFEST_NAME
from searcher.readers import formats, read_source, stream_source

from .conftest import FIXTURES

JSONL = FIXTURES / "archive" / "articles.jsonl"
GOOD = (b'{"id": "s1", "title": "Gas pipeline opens", "body": "The gas pipeline opened on Monday."}\n'
        b'{"id": "s2", "title": "Harbour ferry returns", "body": "The night ferry runs again."}\n')
BAD_LINE = GOOD.replace(b"\n", b"\nnot json at all\n", 1)


def run(*args: str, input: bytes | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def total(index, query: str) -> int:
    result = run("search", query, "--index", str(index), "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["total"]


def without_origin(lines: str) -> list[dict]:
    records = [json.loads(line) for line in lines.splitlines()]
    for record in records:
        record.pop("origin")
    return records


# -- index - ------------------------------------------------------------------

def test_jsonl_on_stdin_is_indexed_and_found(tmp_path):
    index = tmp_path / "index"
    result = run("index", "-", "--index", str(index), input=GOOD)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "2 new, 0 updated, 0 unchanged, 0 skipped (1 files read, 0 unchanged files not re-read)",
        "2 articles in the index",
    ]
    assert total(index, '"gas pipeline"') == 1 and total(index, "ferry") == 1
    with Archive.open(index) as archive:
        assert archive.get("s1").origin == "<stdin>#1"
    # A stream is not a file: nothing of it is in the manifest.
    assert json.loads((index / MANIFEST_NAME).read_text())["files"] == {}


def test_the_same_stdin_again_is_read_again_and_its_articles_unchanged(tmp_path):
    index = tmp_path / "index"
    run("index", "-", "--index", str(index), input=GOOD)
    again = run("index", "-", "--index", str(index), input=GOOD)
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines()[0] == \
        "0 new, 0 updated, 2 unchanged, 0 skipped (1 files read, 0 unchanged files not re-read)"


def test_a_bad_line_is_reported_and_skipped_and_the_rest_indexed(tmp_path):
    index = tmp_path / "index"
    result = run("index", "-", "--index", str(index), input=BAD_LINE)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "2 new, 0 updated, 0 unchanged, 1 skipped (1 files read, 0 unchanged files not re-read)",
        "skipped <stdin>#2: invalid JSON on line 2: Expecting value",
        "2 articles in the index",
    ]
    assert total(index, "ferry") == 1


def test_empty_stdin_indexes_nothing_without_error(tmp_path):
    index = tmp_path / "index"
    result = run("index", "-", "--index", str(index), input=b"")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "0 new, 0 updated, 0 unchanged, 0 skipped (1 files read, 0 unchanged files not re-read)",
        "0 articles in the index",
    ]
    parsed = run("parse", "-", input=b"")
    assert (parsed.exit_code, parsed.stdout) == (0, "")


def test_stdin_beside_a_file(tmp_path):
    index = tmp_path / "index"
    result = run("index", str(JSONL), "-", "--index", str(index), "--format", "json", input=GOOD)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["new"], report["files_read"], report["total"]) == (12, 2, 12)
    manifest = json.loads((index / MANIFEST_NAME).read_text())["files"]
    assert list(manifest) == [str(JSONL.resolve())]
    assert total(index, "ferry") == 1 and total(index, "samarkand") == 1


def test_stdin_beside_a_missing_file_reports_the_file(tmp_path):
    index = tmp_path / "index"
    result = run("index", "-", str(tmp_path / "gone.jsonl"), "--index", str(index), input=GOOD)
    assert result.exit_code == 1
    assert f"skipped {tmp_path / 'gone.jsonl'}: No such file or directory" in result.stdout
    assert total(index, "ferry") == 1


@pytest.mark.parametrize("args, message", [
    (["-", "-"], "- (standard input) can be given only once"),
    ([str(JSONL), "--input-format", "rss"], "--input-format is the format of standard input"),
    (["-", "--input-format", "csv"], "'csv' is not a format; choose from"),
])
def test_usage_errors(tmp_path, args, message):
    result = run("index", *args, "--index", str(tmp_path / "index"), input=GOOD)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (tmp_path / "index").exists()


def test_a_terminal_on_stdin_is_told_what_is_read(tmp_path, monkeypatch):
    from searcher import cli_input

    class Terminal(io.BytesIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(cli_input, "_stdin", lambda: Terminal(GOOD))
    result = run("parse", "-")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "Reading jsonl from standard input (end it with Ctrl-D; files: name them instead of -)"]
    assert len(result.stdout.splitlines()) == 2


def test_help_names_every_registered_format():
    from searcher.cli_input import FORMAT_NAMES

    assert sorted(FORMAT_NAMES) == sorted(formats())
    assert "--input-format NAME" in run("index", "--help").stdout


# -- parse - and --input-format ------------------------------------------------

# (fixture, --input-format): every reader, the stream read once or copied.
FORMAT_CASES = [
    ("archive/articles.jsonl", "jsonl"),
    ("seed_layout/harbour-festival.txt", "text"),
    ("html/jsonld_newsarticle.html", "html"),
    ("feeds/harbour-gazette.rss", "rss"),
    ("feeds/river-notes.atom", "atom"),
    ("newsxml/glacier-retreat.xml", "newsml"),
    ("newsxml/saltmarsh-survey.xml", "nitf"),
    ("reuters/sample.sgm", "reuters"),
]


def test_parse_stdin_prints_what_parse_file_prints():
    from_file = run("parse", str(JSONL))
    from_stdin = run("parse", "-", input=JSONL.read_bytes())
    assert from_stdin.exit_code == 0, from_stdin.output
    assert without_origin(from_stdin.stdout) == without_origin(from_file.stdout)
    assert [json.loads(line)["origin"] for line in from_stdin.stdout.splitlines()] == \
        [f"<stdin>#{n}" for n in range(1, 11)]


@pytest.mark.parametrize("name, fmt", FORMAT_CASES)
def test_input_format_reads_stdin_with_that_reader(name, fmt):
    path = FIXTURES / name
    from_file = run("parse", str(path))
    from_stdin = run("parse", "-", "--input-format", fmt, input=path.read_bytes())
    assert (from_stdin.exit_code, from_stdin.stderr) == (from_file.exit_code, from_file.stderr.replace(
        str(path), "<stdin>"))
    assert without_origin(from_stdin.stdout) == without_origin(from_file.stdout)


def test_a_feed_on_stdin_is_indexed(tmp_path):
    index = tmp_path / "index"
    feed = FIXTURES / "feeds" / "harbour-gazette.rss"
    result = run("index", "-", "--input-format", "rss", "--index", str(index), input=feed.read_bytes())
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == \
        "3 new, 0 updated, 0 unchanged, 0 skipped (1 files read, 0 unchanged files not re-read)"
    assert total(index, "timetable") >= 1


def test_the_wrong_format_skips_stdin_as_a_whole(tmp_path):
    result = run("index", "-", "--input-format", "json", "--index", str(tmp_path / "index"), input=GOOD)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == \
        "0 new, 0 updated, 0 unchanged, 1 skipped (0 files read, 0 unchanged files not re-read)"
    assert result.stdout.splitlines()[1].startswith("skipped <stdin>: invalid JSON")


# -- the library -----------------------------------------------------------------

class Pipe(io.RawIOBase):
    """A pipe: one chunk a read, no seeking, counting what it has handed out."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks, self.delivered = list(chunks), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self.chunks:
            return 0
        data = self.chunks.pop(0)
        buffer[:len(data)] = data
        self.delivered += 1
        return len(data)


def test_archive_add_reads_a_stream_source(tmp_path):
    stream = io.BufferedReader(Pipe([BAD_LINE]))
    with Archive.create(tmp_path / "index") as archive:
        report = archive.add(stream_source(stream))
        assert (report.new, report.files_read, report.total) == (2, 1, 2)
        assert [(s.origin, s.reason) for s in report.skipped] == \
            [("<stdin>#2", "invalid JSON on line 2: Expecting value")]
        assert archive.search("ferry").total == 1
    assert not stream.closed  # a borrowed stream: the caller's to close


def test_jsonl_streams_as_it_comes():
    pipe = Pipe(GOOD.splitlines(keepends=True))
    records = parse_files([stream_source(io.BufferedReader(pipe), "jsonl", origin="feed")])
    first = next(records)
    assert isinstance(first, Article) and first.origin == "feed#1"
    assert pipe.delivered == 1  # the second line not yet asked for
    assert [r.id for r in records] == ["s2"]


def test_a_format_that_reads_twice_gets_a_copy():
    feed = (FIXTURES / "feeds" / "harbour-gazette.rss").read_bytes()
    pipe = Pipe([feed[i:i + 500] for i in range(0, len(feed), 500)])
    records = list(read_source(stream_source(io.BufferedReader(pipe), "rss")))
    assert len(records) == 3 and all(isinstance(r, Article) for r in records)


def test_stream_source_refuses_an_unknown_format():
    with pytest.raises(InvalidArgument, match="unknown format 'csv'"):
        stream_source(io.BytesIO(GOOD), "csv")


def test_a_bare_stream_is_refused_before_it_is_read(tmp_path):
    stream = io.BytesIO(GOOD)
    with Archive.create(tmp_path / "index") as archive, pytest.raises(TypeError, match="stream_source"):
        archive.add(stream)
    assert stream.tell() == 0


def test_a_stream_is_read_once():
    source = stream_source(io.BytesIO(GOOD))
    assert len(list(read_source(source))) == 2
    again = list(read_source(source))
    assert [type(r) for r in again] == [Skipped] and "read only once" in again[0].reason
