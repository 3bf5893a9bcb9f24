"""check verifies our own checksums of the index's files (Whoosh keeps
none): every single-bit flip in a segment file is found, also where
reading the segment through notices nothing (issue 22: 10 of 30 missed)."""
from __future__ import annotations

import json
import random
import shutil
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from searcher import Archive
from searcher.article import Article
from searcher.cli import cli
from searcher.engine.whoosh.checksums import CHECKSUMS_NAME, load, record_checksums

WORDS = "pipeline gas energy market oil price river flood election vote court bank".split()


@pytest.fixture(scope="module")
def sound(tmp_path_factory):
    rng = random.Random(3)
    index = tmp_path_factory.mktemp("sums") / "index"
    with Archive.create(index) as archive:
        for batch in range(3):  # three commits: three segments
            archive.add([Article(title=f"story {batch}-{i} " + " ".join(rng.choices(WORDS, k=3)),
                                 body=" ".join(rng.choices(WORDS, k=80)), url=f"https://s.test/{batch}/{i}",
                                 date=datetime(2021, 1 + batch, 1 + i % 28, tzinfo=timezone.utc), tags=["News"])
                         for i in range(40)])
    record_checksums(index)
    return index


def segment_files(index):
    return sorted(p for p in index.iterdir() if p.name.startswith("MAIN_") and "." in p.name)


def test_checksums_are_recorded_for_every_segment_file_and_the_table_of_contents(sound):
    sums = load(sound)
    names = {p.name for p in segment_files(sound)} | {p.name for p in sound.glob("_MAIN_*.toc")}
    assert set(sums) == names and len(names) >= 4
    assert all(sums[p.name].size == p.stat().st_size for p in segment_files(sound))


def test_a_sound_index_passes_and_every_file_is_verified(sound):
    report = Archive.check_at(sound)
    assert report.ok and report.problems == [], report.problems
    assert report.verified == len(load(sound)) and report.unchecksummed == []


def test_thirty_single_bit_flips_are_all_found(sound, tmp_path):
    rng = random.Random(22)
    files = segment_files(sound)
    sizes = [p.stat().st_size for p in files]
    missed = []
    for flip in range(30):
        # An offset across all segment files together: big files get more flips.
        offset = rng.randrange(sum(sizes))
        which = 0
        while offset >= sizes[which]:
            offset -= sizes[which]
            which += 1
        copy = tmp_path / f"flip{flip}"
        shutil.copytree(sound, copy)
        target = copy / files[which].name
        data = bytearray(target.read_bytes())
        data[offset] ^= 1 << rng.randrange(8)
        target.write_bytes(bytes(data))
        report = Archive.check_at(copy)
        if report.ok or not any(target.name in message for message in report.errors):
            missed.append((target.name, offset))
        shutil.rmtree(copy)
    assert missed == []


def test_the_cli_exits_1_and_names_the_file(sound, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(sound, copy)
    target = segment_files(copy)[0]
    data = bytearray(target.read_bytes())
    data[len(data) // 3] ^= 0x10
    target.write_bytes(bytes(data))
    result = CliRunner().invoke(cli, ["check", "--index", str(copy)])
    assert result.exit_code == 1
    assert f"error: 1 files differ from the checksum recorded when they were written: {target.name}" in result.output
    quick = CliRunner().invoke(cli, ["check", "--quick", "--index", str(copy), "--format", "json"])
    assert json.loads(quick.output)["verified"] > 0  # sizes only: a flip keeps the size
    target.write_bytes(bytes(data[:-10]))
    assert CliRunner().invoke(cli, ["check", "--quick", "--index", str(copy)]).exit_code == 1


def test_check_sums_files_not_yet_checksummed_and_says_so(sound, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(sound, copy)
    (copy / CHECKSUMS_NAME).unlink()
    first = CliRunner().invoke(cli, ["check", "--index", str(copy)])
    assert first.exit_code == 0, first.output
    assert "not yet checksummed" in first.output and "recorded now" in first.output
    second = Archive.check_at(copy)
    assert second.ok and second.unchecksummed == [] and second.verified == len(load(copy)) > 0


def test_records_follow_commits(sound, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(sound, copy)
    with Archive.open(copy) as archive:
        archive.add([Article(title="one more", body="gas", url="https://s.test/more")])
    sums = load(copy)  # the commit recorded its new files itself
    assert record_checksums(copy) == []
    on_disk = {p.name for p in segment_files(copy)} | {p.name for p in copy.glob("_MAIN_*.toc")}
    assert set(sums) == on_disk  # the old table of contents' record is dropped
    assert Archive.check_at(copy).ok
