"""A sharded archive on a Dask cluster (a LocalCluster on loopback) answers
as one index of the same articles, and a lost worker fails loudly: the
search names the shard, an indexing run stops with what it committed kept
and a re-run completes it (issue 14)."""
from __future__ import annotations

import os
import signal
import time

import pytest

from searcher import Archive
from searcher.errors import ShardUnavailable

from .conftest import REPO
from .test_readme import syntax_rows
from .test_shards import assert_same_search, ranking

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as local:
        with distributed.Client(local) as client:
            yield client


@pytest.fixture(scope="module")
def one(tmp_path_factory):
    with Archive.create(tmp_path_factory.mktemp("one") / "ix") as archive:
        archive.add([REPO / "corpus"], jobs=1)
        yield archive


@pytest.fixture(scope="module")
def on_cluster(cluster, tmp_path_factory):
    archives = {}
    for count in (2, 5):
        archive = Archive.connect(cluster, tmp_path_factory.mktemp("cluster") / "ix", shards=count)
        report = archive.add([REPO / "corpus"], jobs=1)
        assert report.skipped == [] and report.new == len(archive)
        archives[count] = archive
    yield archives
    for archive in archives.values():
        archive.close()


@pytest.mark.parametrize("count", [2, 5])
def test_shards_are_spread_over_the_workers(cluster, on_cluster, count):
    served = on_cluster[count]._backend.runner.served
    assert sorted(served) == list(range(count))
    assert set(served.values()) == set(cluster.scheduler_info()["workers"])


@pytest.mark.parametrize("count", [2, 5])
@pytest.mark.parametrize("query", [q for q, _ in syntax_rows()])
def test_readme_queries_on_a_cluster_answer_as_one_index(one, on_cluster, count, query):
    assert_same_search(one, on_cluster[count], query, facets=("tags", "year"))


@pytest.mark.parametrize("count", [2, 5])
def test_counts_and_similar_on_a_cluster_as_one_index(one, on_cluster, count):
    archive = on_cluster[count]
    assert len(archive) == len(one)
    assert archive.facet("tags") == one.facet("tags")
    assert archive.timeline("gas OR election", by="year") == one.timeline("gas OR election", by="year")
    hit = one.search("gas", limit=1).hits[0]
    assert archive.get(hit.id) == one.get(hit.id)
    assert ranking(archive.similar(hit.id, limit=8)) == ranking(one.similar(hit.id, limit=8))
    assert archive.stats().top_tags == one.stats().top_tags


def test_connecting_again_finds_the_archive_on_the_workers(cluster, on_cluster, one):
    path = on_cluster[2].path
    with Archive.connect(cluster, path) as again:
        assert len(again) == len(one)
        assert again.search("gas").total == one.search("gas").total


def _wait_for_workers(client, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(client.scheduler_info()["workers"]) < count:
        assert time.monotonic() < deadline, "the nanny did not start the worker again"
        time.sleep(0.2)


def _kill_worker_of(client, archive: Archive, shard: int) -> str:
    worker = archive._backend.runner.served[shard]
    pids = client.run(os.getpid)
    os.kill(pids[worker], signal.SIGKILL)
    return worker


def test_a_lost_worker_fails_the_search_naming_the_shard(cluster, tmp_path, one):
    archive = Archive.connect(cluster, tmp_path / "ix", shards=2)
    archive.add([REPO / "corpus"], jobs=1)
    expected = archive.search("gas OR election", limit=50)
    worker = _kill_worker_of(cluster, archive, 1)
    with pytest.raises(ShardUnavailable, match=rf"shard shard-001 .*its worker {worker} was lost"):
        archive.search("gas OR election", limit=50)
    _wait_for_workers(cluster, 2)  # the nanny starts a new worker; the shard is found on it
    again = archive.search("gas OR election", limit=50)
    assert [(h.id, h.score) for h in again.hits] == [(h.id, h.score) for h in expected.hits]
    archive.close()


def test_a_worker_lost_while_indexing_stops_the_run_and_a_rerun_completes_it(cluster, tmp_path, one):
    archive = Archive.connect(cluster, tmp_path / "ix", shards=2)
    killed = []

    def kill_once(progress):
        if progress.files_done == 10 and not killed:
            killed.append(_kill_worker_of(cluster, archive, 0))

    with pytest.raises(ShardUnavailable, match="shard shard-000"):
        archive.add([REPO / "corpus"], jobs=1, commit_every=5, progress=kill_once)
    _wait_for_workers(cluster, 2)
    kept = len(archive)
    assert 0 < kept < len(one)  # the batches committed before the loss stay
    report = archive.add([REPO / "corpus"], jobs=1)
    assert len(archive) == len(one) and report.new == len(one) - kept
    for query in ("gas", "bank OR election", '"gas pipeline"'):
        assert_same_search(one, archive, query)
    assert archive.check().ok
    archive.close()


def test_allow_partial_on_a_cluster_names_the_missing_shard(cluster, tmp_path, one):
    archive = Archive.connect(cluster, tmp_path / "ix", shards=2, allow_partial=True)
    archive.add([REPO / "corpus"], jobs=1)
    whole = archive.search("gas OR election", limit=50).total
    _kill_worker_of(cluster, archive, 1)
    got = archive.search("gas OR election", limit=50)
    assert got.partial and "shard-001" in got.missing_shards[0] and got.total < whole
    _wait_for_workers(cluster, 2)
    archive.close()


def test_cli_on_a_cluster_prints_as_one_index(cluster, tmp_path):
    from click.testing import CliRunner

    from searcher.cli import cli

    runner = CliRunner()
    address = cluster.scheduler.address
    one, remote = str(tmp_path / "one"), str(tmp_path / "remote")
    assert runner.invoke(cli, ["index", str(REPO / "corpus"), "--index", one, "-q"]).exit_code == 0
    made = runner.invoke(cli, ["index", str(REPO / "corpus"), "--index", remote, "--shards", "3",
                               "--cluster", address, "-q"])
    assert made.exit_code == 0, made.output
    for args in (["search", "gas pipeline", "--facet", "tags"], ["timeline", "gas", "--by", "year"],
                 ["facets", "sources"], ["stats", "--format", "json"]):
        expected = runner.invoke(cli, args + ["--index", one])
        got = runner.invoke(cli, args + ["--index", remote, "--cluster", address])
        assert got.exit_code == expected.exit_code == 0, got.output
        if args[0] == "stats":  # the path and size differ
            assert got.output.split('"size_bytes"')[0].replace(remote, one) == expected.output.split('"size_bytes"')[0]
        else:
            assert got.output == expected.output, args
    unreachable = runner.invoke(cli, ["search", "gas", "--index", remote, "--cluster", "tcp://127.0.0.1:9"])
    assert unreachable.exit_code == 2 and "cannot reach the Dask scheduler" in unreachable.stderr


def test_files_are_parsed_on_the_workers_when_they_see_them(cluster, tmp_path, one):
    archive = Archive.connect(cluster, tmp_path / "ix", shards=2)
    with distributed.get_task_stream(client=cluster) as stream:
        report = archive.add([REPO / "corpus"], jobs=1)
    parsed = [task for task in stream.data if task["key"].startswith("parse_file")]
    assert report.new == len(one)
    assert len(parsed) == report.files_read > 1
    assert {task["worker"] for task in parsed} <= set(cluster.scheduler_info()["workers"])
    assert_same_search(one, archive, "gas OR election")
    archive.close()


def test_check_on_a_cluster_checks_each_shard_on_its_worker(cluster, tmp_path, one):
    archive = Archive.connect(cluster, tmp_path / "ix", shards=3)
    archive.add([REPO / "corpus"], jobs=1)
    report = archive.check()
    assert report.ok and report.articles == len(one) and report.ids_recorded == len(one)
    _kill_worker_of(cluster, archive, 0)
    failed = archive.check()
    assert not failed.ok and "shard-000" in failed.errors[0] and "cannot be checked" in failed.errors[0]
    _wait_for_workers(cluster, 2)
    assert archive.check().ok
    archive.close()
