"""A sharded archive answers as one index of the same articles: the same
hits, scores, totals, facet counts, timelines and statistics (issue 14).

Among equal scores (or equal dates, in date order) one index keeps the order
articles were added and shards keep shard order, so rankings are compared
as their sequence of scores plus the set of articles at each score.
"""
from __future__ import annotations

import re
import shutil
from collections import defaultdict
from pathlib import Path

import pytest

from searcher import Archive
from searcher.engine.sharded.layout import shard_of
from searcher.errors import InvalidArgument, ShardUnavailable
from searcher.results import ProblemKind

from .conftest import REPO
from .test_readme import syntax_rows

# 1 shard, 2 and 5 shards each in a process of its own (the default with
# several cores), and 5 in this process.
SPLITS = (1, 2, 5, "5 in process")


def _build(path: Path, sources, shards=None, processes=None) -> Archive:
    archive = Archive.create(path, shards=shards, processes=processes)
    report = archive.add(sources, jobs=1)
    assert report.skipped == []
    return archive


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("shards")
    archives = {0: _build(root / "one", [REPO / "corpus"])}
    for count in (1, 2, 5):
        archives[count] = _build(root / f"sharded-{count}", [REPO / "corpus"], shards=count, processes=count > 1)
    archives["5 in process"] = Archive.open(root / "sharded-5", processes=False)
    yield archives
    for archive in archives.values():
        archive.close()


def ranking(hits, key=lambda hit: hit.score) -> tuple[list, dict]:
    """The sequence of sort keys, and the ids at each key."""
    keys = [key(hit) for hit in hits]
    groups = defaultdict(set)
    for hit in hits:
        groups[key(hit)].add(hit.id)
    return keys, dict(groups)


def assert_same_search(one: Archive, sharded: Archive, query: str, **options) -> None:
    every = max(1, one.search(query, limit=1, snippets=False, **options).total)  # no tie cut at the page's edge
    expected, got = one.search(query, limit=every, **options), sharded.search(query, limit=every, **options)
    assert got.total == expected.total, query
    key = (lambda hit: hit.score) if options.get("sort", "relevance") == "relevance" else (lambda hit: hit.date)
    assert ranking(got.hits, key) == ranking(expected.hits, key), query
    assert got.facets == expected.facets, query
    assert got.fallback == expected.fallback and got.suggestions == expected.suggestions, query
    by_id = {hit.id: hit for hit in expected.hits}
    for hit in got.hits:
        assert hit.snippet == by_id[hit.id].snippet, (query, hit.id)


@pytest.mark.parametrize("count", SPLITS)
@pytest.mark.parametrize("query", [q for q, _ in syntax_rows()])
def test_readme_queries_answer_as_one_index(demo, count, query):
    assert_same_search(demo[0], demo[count], query, facets=("tags", "sources", "year"))


@pytest.mark.parametrize("count", SPLITS)
@pytest.mark.parametrize("sort", ["date", "-date"])
@pytest.mark.parametrize("query", ["gas", "pipeline OR election", "date:[2020 TO 2023]"])
def test_date_orders_answer_as_one_index(demo, count, sort, query):
    assert_same_search(demo[0], demo[count], query, sort=sort)


@pytest.mark.parametrize("count", SPLITS)
def test_any_word_fallback_and_filters_as_one_index(demo, count):
    assert_same_search(demo[0], demo[count], "pipeline zebra", match="all")
    assert_same_search(demo[0], demo[count], "pipeline election power", match="any")
    assert_same_search(demo[0], demo[count], "gas", filters={"year": ["2021", "2024"]})


def test_scores_use_archive_wide_statistics(demo):
    """Each shard alone would score with its own document frequencies: the
    sharded scores equal one index's only with the archive's sums."""
    from searcher.engine.whoosh.stats import last_missing

    expected = demo[0].search("gas pipeline", limit=50)
    got = demo["5 in process"].search("gas pipeline", limit=50)
    assert [h.score for h in got.hits] == [h.score for h in expected.hits]
    assert last_missing == set()  # every scored word had the archive's count
    with Archive.open(demo[5].path / "shard-000") as shard:  # a shard is an index of its own
        own = shard.search("gas pipeline", limit=50)
    shared = {h.id: h.score for h in expected.hits}
    assert own.total and all(h.id in shared for h in own.hits)
    assert any(shared[h.id] != h.score for h in own.hits)


@pytest.mark.parametrize("count", SPLITS)
def test_pages_are_stable_across_shards(demo, count):
    whole = demo[count].search("gas OR power OR election", limit=1000)
    paged = []
    for offset in range(0, whole.total, 4):
        paged.extend(demo[count].search("gas OR power OR election", limit=4, offset=offset).hits)
    assert [(h.id, h.score) for h in paged] == [(h.id, h.score) for h in whole.hits]
    assert len(paged) == whole.total > 8


@pytest.mark.parametrize("count", SPLITS)
def test_counts_timelines_and_stats_as_one_index(demo, count):
    one, sharded = demo[0], demo[count]
    assert len(sharded) == len(one)
    for name in ("tags", "sources", "authors", "publisher", "year", "month"):
        assert sharded.facet(name) == one.facet(name)
        assert sharded.facet(name, "gas") == one.facet(name, "gas")
    for by in ("year", "month", "day"):
        assert sharded.timeline("gas OR election", by=by) == one.timeline("gas OR election", by=by)
    expected, got = one.stats(), sharded.stats()
    for name in ("articles", "first_date", "last_date", "undated", "top_tags", "top_sources", "top_authors"):
        assert getattr(got, name) == getattr(expected, name), name


@pytest.mark.parametrize("count", SPLITS)
def test_show_and_similar_as_one_index(demo, count):
    one, sharded = demo[0], demo[count]
    for hit in one.search("gas OR election OR bank", limit=12).hits:
        assert sharded.get(hit.id) == one.get(hit.id)
        assert ranking(sharded.similar(hit.id, limit=8)) == ranking(one.similar(hit.id, limit=8))


def test_every_article_is_in_the_shard_its_id_names(demo):
    seen = []
    for number in range(5):
        with Archive.open(demo[5].path / f"shard-{number:03d}") as shard:
            ids = [h.id for h in shard.search("*", limit=1000, snippets=False).hits] if len(shard) else []
        assert all(shard_of(i, 5) == number for i in ids)
        seen.extend(ids)
    assert len(seen) == len(set(seen)) == len(demo[0])



def test_an_ids_shard_is_the_same_in_every_process():
    """Not Python's hash (salted per process): the same shard on every machine and run."""
    import os
    import subprocess
    import sys

    ids = [f"gen-{n:09d}" for n in range(50)]
    here = [shard_of(i, 7) for i in ids]
    code = "from searcher.engine.sharded.layout import shard_of; print([shard_of(f'gen-{n:09d}', 7) for n in range(50)])"
    for seed in ("1", "2"):
        other = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": seed},
                               capture_output=True, text=True, check=True).stdout
        assert other.strip() == str(here)
    assert len(set(here)) == 7  # spread over every shard


@pytest.mark.parametrize("processes", [True, False])
def test_reindexing_updates_in_place(tmp_path, processes):
    archive = _build(tmp_path / "ix", [REPO / "corpus"], shards=3, processes=processes)
    count = len(archive)
    article = archive.get(archive.search("gas", limit=1).hits[0].id)
    from dataclasses import replace

    changed = replace(article, title=article.title + " (corrected)")
    report = archive.add([changed])
    assert (report.updated, report.new) == (1, 0)
    assert len(archive) == count
    assert archive.get(article.id).title.endswith("(corrected)")
    again = archive.add([REPO / "corpus"])
    assert again.new == 0 and len(archive) == count
    assert archive.check().ok
    archive.close()


def test_shard_count_is_fixed_at_creation(tmp_path):
    _build(tmp_path / "ix", [REPO / "corpus"], shards=2).close()
    with pytest.raises(InvalidArgument, match="has 2 shards, not 3"):
        Archive.create(tmp_path / "ix", shards=3)
    _build(tmp_path / "plain", [REPO / "corpus"]).close()
    with pytest.raises(InvalidArgument, match="not sharded"):
        Archive.create(tmp_path / "plain", shards=2)
    with Archive.open(tmp_path / "ix") as reopened:  # found sharded without being told
        assert reopened.engine == "whoosh" and len(reopened) > 0


def test_a_shard_that_holds_no_article_answers_as_empty(tmp_path):
    # Few articles over many shards leave some shards without a segment.
    from datetime import datetime

    from searcher import Article

    articles = [Article(id=f"a{n}", title=f"gold report {n}", body="gold and oil prices", tags=["markets"],
                        date=datetime(2024, 5, n + 1)) for n in range(3)]
    with Archive.create(tmp_path / "ix", shards=8, processes=False) as archive:
        archive.add(articles)
        assert len({shard_of(a.id, 8) for a in articles}) <= 3  # at least five shards are empty
        result = archive.search("gold", facets=["tags", "year"], sort="-date")
        assert result.total == 3 and dict(result.facets["tags"]) == {"markets": 3}
        assert sum(count for _, count in archive.timeline("gold").periods) == 3
        assert {h.id for h in archive.similar("a0")} == {"a1", "a2"}
def test_a_missing_shard_fails_the_search_naming_it(tmp_path):
    archive = _build(tmp_path / "ix", [REPO / "corpus"], shards=3)
    archive.close()
    shutil.rmtree(tmp_path / "ix" / "shard-001")
    for processes in (True, False):
        with Archive.open(tmp_path / "ix", processes=processes) as broken:
            with pytest.raises(ShardUnavailable, match="shard-001"):
                broken.search("gas")
            with pytest.raises(ShardUnavailable, match="shard-001"):
                broken.timeline("gas")
    report = Archive.check_at(tmp_path / "ix")
    assert not report.ok and any("shard-001" in message for message in report.errors)
    assert ProblemKind.SHARD_MISSING in report.kinds


def test_check_finds_an_article_in_the_wrong_shard(tmp_path):

    from searcher import Article

    archive = _build(tmp_path / "ix", [REPO / "corpus"], shards=3)
    assert archive.check().ok
    stray = next(f"stray-{n}" for n in range(100) if shard_of(f"stray-{n}", 3) != 0)
    archive.close()
    with Archive.open(tmp_path / "ix" / "shard-000") as shard:  # written past the archive
        shard.add([Article(id=stray, title="Stray", body="A stray article.")])
    report = Archive.check_at(tmp_path / "ix")
    assert report.kinds == {ProblemKind.WRONG_SHARD}
    assert stray in report.errors[0] and "shard-000" in report.errors[0]


def test_partial_answers_name_the_missing_shard(tmp_path):
    whole = _build(tmp_path / "ix", [REPO / "corpus"], shards=3, processes=False)
    expected = whole.search("gas OR election", limit=100)
    with Archive.open(tmp_path / "ix" / "shard-001") as lost:
        lost_ids = {h.id for h in lost.search("gas OR election", limit=100).hits}
    whole.close()
    assert lost_ids
    shutil.rmtree(tmp_path / "ix" / "shard-001")
    with Archive.open(tmp_path / "ix", allow_partial=True) as partial:
        got = partial.search("gas OR election", limit=100)
        assert got.partial and got.missing_shards and "shard-001" in got.missing_shards[0]
        assert got.total == expected.total - len(lost_ids)
        assert {h.id for h in got.hits} == {h.id for h in expected.hits} - lost_ids
        assert got.to_dict()["partial"] is True
        line = partial.timeline("gas OR election", by="year")
        assert line.partial and line.total == got.total
    assert "partial" not in expected.to_dict()


def test_a_shard_process_killed_during_a_search_fails_it_and_is_started_again(tmp_path):
    import os
    import signal
    import threading
    import time

    archive = _build(tmp_path / "ix", [REPO / "corpus"], shards=2, processes=True)
    expected = archive.search("gas", limit=50)
    runner = archive._backend.runner
    pid = runner.worker_pid(1)
    os.kill(pid, signal.SIGSTOP)  # it cannot answer: the search waits for it
    failures = []

    def search():
        try:
            archive.search("gas", limit=50)
        except ShardUnavailable as exc:
            failures.append(exc)

    searching = threading.Thread(target=search)
    searching.start()
    time.sleep(2.0)  # the search has sent its request (ms; generous for a loaded machine)
    os.kill(pid, signal.SIGKILL)  # during the search
    searching.join(timeout=30)
    assert len(failures) == 1
    assert re.search(r"shard shard-001 .*process serving it ended \(signal 9", str(failures[0]))
    again = archive.search("gas", limit=50)
    assert runner.worker_pid(1) not in (None, pid)
    assert [(h.id, h.score) for h in again.hits] == [(h.id, h.score) for h in expected.hits]
    archive.close()


def test_a_shard_process_that_died_between_searches_is_started_again(tmp_path):
    import os
    import signal

    archive = _build(tmp_path / "ix", [REPO / "corpus"], shards=2, processes=True)
    expected = archive.search("gas", limit=50)
    runner = archive._backend.runner
    pid = runner.worker_pid(0)
    os.kill(pid, signal.SIGKILL)
    runner._workers[0].process.join(timeout=10)  # dead before the next search
    again = archive.search("gas", limit=50)
    assert runner.worker_pid(0) not in (None, pid)
    assert [(h.id, h.score) for h in again.hits] == [(h.id, h.score) for h in expected.hits]
    archive.close()


@pytest.fixture(scope="module")
def reuters(shared_dir, reuters_index, tmp_path_factory):
    files = sorted((shared_dir / "corpora" / "reuters21578").glob("reut2-*.sgm"))
    if not files:
        pytest.skip("Reuters-21578 is not in ../shared")
    root = tmp_path_factory.mktemp("reuters-shards")
    archives = {0: Archive.open(reuters_index[0])}
    for count in (2, 5):
        archives[count] = _build(root / f"sharded-{count}", files, shards=count, processes=True)
    yield archives
    for archive in archives.values():
        archive.close()


REUTERS_QUERIES = ["oil", "crude oil prices", '"interest rates"', "opec NEAR/5 output", "title:coffee",
                   "wheat -corn", "(bank OR banks) AND rate", "date:[1987-03-01 TO 1987-03-31] AND trade",
                   "atleast3(dollar)", "yen PRE/3 dollar", "shares", "tonnes",
                   # Patterns: scored by the archive's words, whatever the shards' segment sizes.
                   "oil*", "petro*", "whe?t", "coffe~1", "title:coffe*^2 OR cocoa"]


@pytest.mark.slow
@pytest.mark.parametrize("count", [2, 5])
@pytest.mark.parametrize("query", REUTERS_QUERIES)
def test_reuters_split_answers_as_one_index(reuters, count, query):
    assert_same_search(reuters[0], reuters[count], query, facets=("tags", "sources"))


@pytest.mark.slow
@pytest.mark.parametrize("count", [2, 5])
def test_reuters_split_counts_as_one_index(reuters, count):
    one, sharded = reuters[0], reuters[count]
    assert len(sharded) == len(one) > 20_000
    assert sharded.facet("tags") == one.facet("tags")
    assert sharded.timeline("oil", by="day") == one.timeline("oil", by="day")
    first = one.search("oil", limit=3).hits
    for hit in first:
        assert ranking(sharded.similar(hit.id, limit=10)) == ranking(one.similar(hit.id, limit=10))


@pytest.mark.slow
@pytest.mark.parametrize("count", [2, 5])
def test_reuters_split_groups_copies_as_one_index(reuters, count):
    """Reuters' own repeated and corrected stories, spread over the shards."""
    one, sharded = reuters[0], reuters[count]
    top = one.stories(15)
    assert sharded.stories(15) == top and top[0].copies >= 3
    for query, sort in (("oil", "date"), ("", "-date"), ("crude oil prices", "relevance")):
        expected = one.search(query, since="1987", limit=20, offset=10, collapse=True, sort=sort)
        found = sharded.search(query, since="1987", limit=20, offset=10, collapse=True, sort=sort)
        assert (found.stories, found.total) == (expected.stories, expected.total) and found.stories < found.total
        if sort != "relevance":  # date keys are unique enough; scores tie between copies
            assert [(h.id, h.group, h.copies, h.outlets) for h in found.hits] == \
                   [(h.id, h.group, h.copies, h.outlets) for h in expected.hits]
    assert sharded.facet("tags", "oil", count="stories") == one.facet("tags", "oil", count="stories")
    assert sharded.timeline("oil", by="day", count="stories") == one.timeline("oil", by="day", count="stories")
    for story in top[:5]:
        assert [(h.id, round(h.score, 6)) for h in sharded.duplicates(story.group)] == \
               [(h.id, round(h.score, 6)) for h in one.duplicates(story.group)]


def test_similar_is_whooshs_more_like(demo):
    """One index's similar() in steps (engine/whoosh/similar.py) answers as
    Whoosh's more_like (the sums' last bit aside: our sums run in query order)."""
    from searcher.engine.whoosh.documents import to_article

    backend = demo[0]._backend
    searcher = backend.searching.snapshot().searcher
    for docnum in range(searcher.doc_count_all()):
        fields = searcher.stored_fields(docnum)
        whoosh = searcher.more_like(docnum, "body", text=to_article(fields).body, top=10, numterms=12)
        expected = [(hit["id"], hit.score) for hit in whoosh]
        got = [(article.id, score) for article, score in backend.similar(fields["id"], 10)]
        assert [i for i, _ in got] == [i for i, _ in expected]
        assert [s for _, s in got] == pytest.approx([s for _, s in expected], rel=1e-12)


def test_cli_sharded_archive_prints_as_one_index(tmp_path):
    from click.testing import CliRunner

    from searcher.cli import cli

    runner = CliRunner()
    one, sharded = str(tmp_path / "one"), str(tmp_path / "sharded")
    assert runner.invoke(cli, ["index", str(REPO / "corpus"), "--index", one, "-q"]).exit_code == 0
    made = runner.invoke(cli, ["index", str(REPO / "corpus"), "--index", sharded, "--shards", "3", "-q"])
    assert made.exit_code == 0, made.output
    for args in (["search", "gas pipeline", "--facet", "tags"], ["search", "bank", "--format", "csv"],
                 ["timeline", "gas", "--by", "year"], ["facets", "tags"], ["search", "gas", "--sort", "-date"]):
        expected = runner.invoke(cli, args + ["--index", one])
        got = runner.invoke(cli, args + ["--index", sharded])
        assert got.exit_code == expected.exit_code == 0
        assert got.output == expected.output, args
    shutil.rmtree(tmp_path / "sharded" / "shard-001")
    failed = runner.invoke(cli, ["search", "gas", "--index", sharded])
    assert failed.exit_code == 2
    assert failed.stderr.count("\n") == 1 and "shard shard-001" in failed.stderr and "unavailable" in failed.stderr
    partial = runner.invoke(cli, ["search", "gas", "--index", sharded, "--allow-partial",
                                                       "--format", "json"])
    assert partial.exit_code == 0
    assert "Partial results: 1 shard(s)" in partial.stderr and '"partial": true' in partial.stdout


@pytest.mark.parametrize("before, after", [(3, None), (3, 2), (None, 4), (2, 1)])
def test_rebuild_reshards_and_keeps_every_article(tmp_path, demo, before, after):
    """A rebuild re-reads the manifest's files into N shards (the same count,
    another, or a single index sharded), keeping articles no file provides."""

    from searcher import Article

    path = tmp_path / "ix"
    archive = _build(path, [REPO / "corpus"], shards=before, processes=False)
    archive.add([Article(id="added-by-hand", title="Added by hand", body="Kept across the rebuild.")])
    queries = ("gas pipeline", "bank OR election", "title:gas", "hand")
    before_results = {query: ranking(archive.search(query, limit=100).hits) for query in queries}
    archive.close()
    report = Archive.rebuild_at(path, shards=after, jobs=1)
    assert report.kept == 1 and report.total == len(demo[0]) + 1
    with Archive.open(path) as rebuilt:
        count = after if after is not None else before
        assert rebuilt.engine == "whoosh" and len(rebuilt) == len(demo[0]) + 1
        assert (path / "shards.json").exists() and len(list(path.glob("shard-*"))) == count
        assert rebuilt.get("added-by-hand").title == "Added by hand"
        for query in queries:  # the same articles: the same scores, whatever the shards
            assert ranking(rebuilt.search(query, limit=100).hits) == before_results[query], query
        assert rebuilt.check().ok


def test_facet_counts_are_sums_before_the_top_is_cut():
    """A value in no shard's own top can lead the archive's: shards send every value, the sum is cut."""
    from collections import Counter

    from searcher.engine.base import Execution, Plan
    from searcher.engine.sharded import gather
    from searcher.query import tree

    plan = Plan(tree.MatchAll(), facets=("tags",), facet_limit=1, limit=2)
    asked = gather.shard_plan(plan)
    assert asked.facet_limit is None and asked.offset == 0 and asked.limit == 2
    parts = [Execution(total=9, page=[], facets={"tags": [("x", 5), ("y", 4)]}),
             Execution(total=5, page=[], facets={"tags": [("z", 4), ("y", 4)]})]
    merged = gather.merged_execution(plan, parts)
    assert merged.facets == {"tags": [("y", 8)]} and merged.total == 14
    assert gather.summed_counts([Counter(a=1), Counter(a=2, b=1)]) == Counter(a=3, b=1)


@pytest.mark.parametrize("count", SPLITS)
def test_a_deep_page_is_fetched_whole_as_one_indexs(demo, count):
    """Past the first page the shards send ids and only the page is fetched: the hits are whole."""
    one, sharded = demo[0], demo[count]
    for sort in ("relevance", "-date"):
        expected = one.search("gas OR power OR election", limit=5, offset=5, sort=sort)
        got = sharded.search("gas OR power OR election", limit=5, offset=5, sort=sort)
        assert got.total == expected.total and len(got.hits) == 5
        for hit in got.hits:
            article = one.get(hit.id)
            assert (hit.title, hit.date, hit.url, hit.authors) == (article.title, article.date, article.url,
                                                                   article.authors)
            assert hit.snippet  # made from the fetched body
