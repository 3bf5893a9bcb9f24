"""The CLI end to end with CliRunner: exact output, exit codes, no tracebacks."""
import csv
import io
import json

import pytest
from click.testing import CliRunner

from searcher.cli import cli


@pytest.fixture
def run(archive_path):
    def invoke(*args, index=True):
        extra = ["--index", str(archive_path)] if index else []
        return CliRunner().invoke(cli, [*args, *extra])

    return invoke


def test_search_table_exact(run):
    result = run("search", 'title:"xi"', "--sort", "-date", "--fields", "rank,date,title,authors,sources,score")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "  rank  date        title                           authors    sources          score\n"
        "------  ----------  ------------------------------  ---------  -------------  -------\n"
        "     1  2023-03-20  Xi visits Moscow                Bob Scott  Xinhua\n"
        "     2  2022-09-16  Putin and Xi meet in Samarkand  Bob Scott  BBC, Thai PBS\n"
        "\n"
        "1-2 of 2 articles\n"
    )


def test_search_table_with_snippets_wraps_to_the_terminal(archive_path):
    result = CliRunner().invoke(cli, ["search", "moscow", "--index", str(archive_path),
                                      "--fields", "rank,title,snippet"], env={"COLUMNS": "70"})
    assert result.output == (
        "  rank  title             snippet\n"
        "------  ----------------  -------------------------------------------\n"
        "     1  Xi visits Moscow  Xi Jinping arrived in Moscow for talks with\n"
        "                          Putin on trade and energy.\n"
        "\n"
        "1-1 of 1 articles\n"
    )


def test_bold_only_when_asked_or_on_a_terminal(archive_path):
    args = ["search", "moscow", "--index", str(archive_path), "--fields", "title"]
    plain = CliRunner().invoke(cli, args).output
    bold = CliRunner().invoke(cli, [*args, "--color"]).output
    no_color = CliRunner().invoke(cli, [*args, "--color"], env={"NO_COLOR": "1"}).output
    assert "\x1b[" not in plain
    assert "Xi visits \x1b[1mMoscow\x1b[0m" in bold
    assert "\x1b[1m" in no_color  # an explicit --color wins over NO_COLOR
    assert "\x1b[" not in CliRunner().invoke(cli, [*args, "--no-color"]).output


def test_search_json_shape(run):
    result = run("search", "marathon", "--format", "json")
    data = json.loads(result.output)
    assert data["query"] == "marathon" and data["total"] == 1
    (hit,) = data["hits"]
    assert {"id", "title", "date", "authors", "sources", "tags", "url", "score"} <= set(hit)
    assert hit["id"] == "https://t.test/8" and hit["date"] is None and isinstance(hit["score"], float)


def test_search_csv_and_tabulate_format(run):
    rows = list(csv.DictReader(io.StringIO(run("search", "xi", "--format", "csv", "--sort", "date").output)))
    assert [r["date"][:10] for r in rows] == ["2022-09-16", "2023-03-20"]
    assert rows[0]["sources"] == "BBC; Thai PBS"
    github = run("search", "xi", "--fmt", "github").output
    assert github.splitlines()[0].startswith("|   rank | date")


def test_no_hits_message(run):
    result = run("search", "zebra")
    assert (result.exit_code, result.output) == (0, "No articles match 'zebra'.\n")


@pytest.mark.parametrize("query, message", [
    ('"gas pipeline', "Error: unclosed quote at position 1\n"),
    ("(putin OR xi", "Error: missing closing parenthesis"),
    ("colour:red", "Error: unknown field 'colour'"),
])
def test_malformed_query_is_one_line_exit_2(run, query, message):
    result = run("search", query)
    assert result.exit_code == 2
    assert result.output.startswith(message) and result.output.count("\n") == 1
    assert "Traceback" not in result.output


def test_missing_index_exit_2(tmp_path):
    result = CliRunner().invoke(cli, ["search", "x", "--index", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert result.output == f"Error: no index at {tmp_path / 'none'}: run 'searcher index PATH...' first\n"


def test_index_location_from_environment(tmp_path, archive_path):
    result = CliRunner().invoke(cli, ["stats", "--format", "json"], env={"SEARCHER_INDEX": str(archive_path)})
    assert json.loads(result.output)["articles"] == 10


def test_show(run):
    result = run("show", "https://t.test/6")
    assert result.exit_code == 0
    assert result.output.splitlines()[:3] == ["Xi visits Moscow", "================", "id:        https://t.test/6"]
    assert result.output.endswith("Xi Jinping arrived in Moscow for talks with Putin on trade and energy.\n")
    missing = run("show", "nope")
    assert (missing.exit_code, missing.output) == (2, "Error: no article with id 'nope'\n")


def test_stats(run, archive_records):
    data = json.loads(run("stats", "--format", "json").output)
    assert data["articles"] == len(archive_records)
    dates = sorted(r["date"] for r in archive_records if r.get("date"))
    assert (data["first_date"][:10], data["last_date"][:10]) == (dates[0][:10], dates[-1][:10])
    assert data["undated"] == sum(1 for r in archive_records if not r.get("date"))
    tag_counts = {}
    for r in archive_records:
        for tag in r["tags"]:
            tag_counts[tag] = tag_counts.get(tag, 0) + 1
    expected = sorted(tag_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert [(t["value"], t["count"]) for t in data["top_tags"]] == expected
    table = run("stats").output
    assert f"articles:  {len(archive_records)}" in table and "Politics News" in table


def test_index_twice_reports_nothing_new(tmp_path, fixtures_dir):
    index = str(tmp_path / "ix")
    first = CliRunner().invoke(cli, ["index", str(fixtures_dir / "archive"), "--index", index])
    second = CliRunner().invoke(cli, ["index", str(fixtures_dir / "archive"), "--index", index])
    assert first.exit_code == 0 and first.output.startswith("10 new, 0 updated, 0 unchanged, 0 skipped")
    assert second.output == (
        "0 new, 0 updated, 10 unchanged, 0 skipped (0 files read, 1 unchanged files not re-read)\n"
        "10 articles in the index\n"
    )


def test_index_with_skipped_input_exits_1(tmp_path):
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    (tmp_path / "ok.jsonl").write_text('{"title": "fine"}\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["index", str(tmp_path), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 1
    assert f"skipped {tmp_path / 'bad.json'}: invalid JSON" in result.output
    assert "1 new" in result.output


def test_parse_outputs_one_json_object_per_article(fixtures_dir):
    result = CliRunner().invoke(cli, ["parse", str(fixtures_dir / "archive" / "articles.jsonl")])
    lines = result.output.splitlines()
    assert result.exit_code == 0 and len(lines) == 10
    first = json.loads(lines[0])
    assert list(first) == ["id", "title", "body", "authors", "date", "sources", "tags", "url",
                           "publisher", "language", "origin"]
    assert first["date"] == "2022-09-16T10:00:00+00:00"


def test_module_entry_point():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "searcher", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "Full-text search for news archives." in result.stdout


def test_parse_the_real_seed(shared_dir):
    seed = shared_dir / "seed" / "thaiger-putin-xi-sco.txt"
    result = CliRunner().invoke(cli, ["parse", str(seed), "--format", "json"])
    (line,) = result.output.splitlines()
    article = json.loads(line)
    assert article["title"] == "Putin & Xi strengthen ties amid Western antagonism"
    assert (article["authors"], article["sources"], article["tags"], article["date"]) == (
        ["Bob Scott"], ["BBC", "China Daily", "Thai PBS"], ["Politics News", "World News"], None)
    assert article["body"].startswith("China President Xi Jinping and Russian President Vladimir Putin met")
    assert article["body"].endswith("about a third of what Russia sells to Europe.")


def test_demo_corpus_indexed_twice(tmp_path):
    from .conftest import REPO

    index = str(tmp_path / "ix")
    first = CliRunner().invoke(cli, ["index", str(REPO / "corpus"), "--index", index, "--format", "json"])
    second = CliRunner().invoke(cli, ["index", str(REPO / "corpus"), "--index", index, "--format", "json"])
    one, two = json.loads(first.output), json.loads(second.output)
    assert one["new"] == one["total"] >= 30 and one["skipped"] == []
    assert (two["new"], two["updated"], two["files_read"], two["total"]) == (0, 0, 0, one["total"])
    assert two["unchanged"] == one["total"]


def test_facet_tables_under_the_hits(run, archive_records):
    result = run("search", "pipeline", "--facet", "publisher", "--limit", "1", "--fields", "rank")
    counts = {}
    for r in archive_records:
        if "pipeline" in f"{r['title']} {r['body']}".lower():
            counts[r["publisher"]] = counts.get(r["publisher"], 0) + 1
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    tail = result.output.split("\n\n")[-1]
    lines = tail.splitlines()
    assert lines[0].split() == ["publisher", "articles"]
    assert [(" ".join(line.split()[:-1]), int(line.split()[-1])) for line in lines[2:]] == rows


def test_filter_option_and_json_facets(run):
    data = json.loads(run("search", "*", "--filter", 'tag="Energy News"', "--filter", "source=Reuters",
                          "--facet", "year", "--format", "json").output)
    assert data["total"] == 3 and all("Energy News" in h["tags"] for h in data["hits"])
    assert data["facets"]["year"] == [{"value": "2021", "count": 1}, {"value": "2022", "count": 1},
                                      {"value": "2024", "count": 1}]
    bad = run("search", "*", "--filter", "colour=red")
    assert bad.exit_code == 2 and bad.output.startswith("Error: unknown filter 'colour'")


def test_facets_command(run, archive_records):
    result = run("facets", "authors", "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.output)))
    counts = {}
    for r in archive_records:
        counts[r["author"]] = counts.get(r["author"], 0) + 1
    assert rows[0] == ["value", "count"]
    assert {name: int(n) for name, n in rows[1:]} == counts


def test_timeline_command(run, archive_records):
    data = json.loads(run("timeline", "--by", "year", "--format", "json").output)
    years = [r["date"][:4] for r in archive_records if r.get("date")]
    assert data == [{"period": str(y), "count": years.count(str(y))}
                    for y in range(int(min(years)), int(max(years)) + 1)]
    table = run("timeline", "putin", "--by", "year").output
    assert table.splitlines()[0].split() == ["period", "articles"]
    assert "████" in table and table.rstrip().endswith("articles, 1 without a date")


def test_timeline_since_until_and_relative(run):
    data = json.loads(run("timeline", "--by", "month", "--since", "2022-09", "--until", "2022-09",
                          "--format", "json").output)
    assert data == [{"period": "2022-09", "count": 2}]
    bad = run("timeline", "--since", "yesterday-ish")
    assert bad.exit_code == 2 and bad.output.startswith("Error: --since: cannot read date")


def test_similar_command(run):
    result = run("similar", "https://t.test/2", "--format", "json")
    data = json.loads(result.output)
    assert data["id"] == "https://t.test/2" and data["hits"]
    assert "https://t.test/2" not in [h["id"] for h in data["hits"]]
    assert run("similar", "nope").output == "Error: no article with id 'nope'\n"


def test_paging_match_any_markdown_and_jsonl(run):
    first = run("search", "pipeline", "--limit", "2", "--page", "1", "--format", "jsonl").output.splitlines()
    second = run("search", "pipeline", "--limit", "2", "--page", "2", "--format", "jsonl").output.splitlines()
    both = run("search", "pipeline", "--limit", "4", "--format", "jsonl").output.splitlines()
    assert first + second == both and len(both) == 4
    md = run("search", "marathon moscow", "--format", "markdown", "--fields", "rank,title")
    assert md.stderr == "No article has every word of 'marathon moscow'; showing articles with any of them.\n"
    assert md.stdout.startswith("|   rank | title")
    suggestion = run("search", "pipelnie").output
    assert suggestion == "No articles match 'pipelnie'.\nDid you mean: pipelnie -> pipeline?\n"


def test_progress_off_a_terminal_is_a_plain_line_a_minute(capsys):
    """stderr that is not a terminal (nohup, a log file) gets one line per
    minute of indexing, not a self-rewriting bar, and nothing before."""
    from searcher.cli_progress import _progress, _ProgressLog
    from searcher.results import IndexProgress

    now = [100.0]
    log = _ProgressLog(every=60, clock=lambda: now[0])
    for seconds, done in ((30, 1), (59, 2), (61, 3), (100, 4), (122, 5)):
        now[0] = 100.0 + seconds
        log(IndexProgress(files_total=9, files_done=done, articles=done * 1000))
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" ", 1)[1] for line in lines] == [
        "3/9 files, 3,000 articles, 49/s", "5/9 files, 5,000 articles, 41/s"]
    assert all("\r" not in line for line in lines)
    assert isinstance(_progress(quiet=False), _ProgressLog)  # pytest's stderr is not a terminal
    assert _progress(quiet=True) is None
