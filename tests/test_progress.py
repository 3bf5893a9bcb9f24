"""Indexing progress: a bar by bytes read, with the time left, on a terminal;
a line a minute elsewhere (issue 18, item 6)."""
from __future__ import annotations

import dataclasses
import json

import pytest

from searcher import Archive
from searcher.cli_progress import _ProgressLine, _ProgressLog, bar_line, log_line, time_left
from searcher.results import IndexProgress


class Clock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def state(files_done: int, articles: int, bytes_done: int, files_total: int = 4,
          bytes_total: int = 4000) -> IndexProgress:
    return IndexProgress(files_total=files_total, files_done=files_done, articles=articles,
                         bytes_total=bytes_total, bytes_done=bytes_done)


@pytest.mark.parametrize("seconds, text", [
    (None, ""), (0.2, ""), (1, "~1s left"), (44.1, "~45s left"), (59.5, "~1m00s left"),
    (130, "~2m10s left"), (3600, "~1h00m left"), (3900, "~1h05m left"), (30 * 3600, "~30h00m left"),
])
def test_time_left(seconds, text):
    assert time_left(seconds) == text


def test_the_share_done_and_the_time_left_follow_the_bytes():
    assert state(1, 100, 3000).fraction_done == 0.75  # one file of four, but three quarters of the bytes
    assert state(1, 100, 0, bytes_total=0).fraction_done == 0.25  # no bytes to read: by files
    assert IndexProgress().fraction_done == 1.0
    assert state(1, 100, 1000).seconds_left(10) == 30  # 1,000 bytes in 10 s: 3,000 to go
    assert state(1, 100, 3000).seconds_left(10, bytes_then=2000) == 10  # the pace since then
    assert state(0, 0, 0).seconds_left(10) is None  # nothing read yet: no pace


def test_the_bar():
    assert bar_line(state(0, 0, 0), 0.0) == "[....................]   0% 0/4 files, 0 articles, 0/s"
    assert bar_line(state(2, 3000, 2000), 4.0, "~4s left") == (
        "[##########..........]  50% 2/4 files, 3,000 articles, 750/s, ~4s left")
    big = IndexProgress(files_total=123_456, files_done=61_728, articles=1_234_567, bytes_total=10, bytes_done=5)
    assert bar_line(big, 100.0, "~1h05m left") == (
        "[##########..........]  50% 61,728/123,456 files, 1,234,567 articles, 12,346/s, ~1h05m left")
    # On a narrow terminal the bar narrows, then goes, then the line is cut (it must not wrap).
    assert bar_line(big, 100.0, "~1h05m left", columns=80) == (
        "[####....]  50% 61,728/123,456 files, 1,234,567 articles, 12,346/s, ~1h05m left")
    assert bar_line(big, 100.0, "~1h05m left", columns=60) == " 50% 61,728/123,456 files, 1,234,567 articles, 12,346/s, ~1"


def test_the_line_redraws_at_most_ten_times_a_second_with_the_time_left(capsys):
    clock = Clock(100.0)
    line = _ProgressLine(clock=clock, columns=lambda: 200)
    steps = [(100.0, state(0, 0, 0)),         # reading begins: drawn
             (100.05, state(1, 500, 1000)),   # 0.05 s later: not redrawn
             (101.0, state(1, 1000, 1000)),   # 1 s of reading: too soon for an estimate
             (104.0, state(2, 3000, 2000)),   # 2,000 bytes in 4 s, 2,000 to go: 4 s
             (104.05, state(4, 4000, 4000))]  # the end is always drawn
    for now, progress in steps:
        clock.now = now
        line(progress)
    line.close()
    assert capsys.readouterr().err == (
        "\r[....................]   0% 0/4 files, 0 articles, 0/s"
        "\r[#####...............]  25% 1/4 files, 1,000 articles, 1,000/s"
        "\r[##########..........]  50% 2/4 files, 3,000 articles, 750/s, ~4s left"
        "\r[####################] 100% 4/4 files, 4,000 articles, 988/s" + " " * 10 + "\n")


def test_the_time_left_counts_from_when_reading_began(capsys):
    """The folder walk and a wait for the lock come before the first report:
    the rate of articles counts them, the time left does not."""
    clock = Clock(0.0)
    line = _ProgressLine(clock=clock, columns=lambda: 200)
    clock.now = 50.0
    line(state(0, 0, 0))
    clock.now = 60.0
    line(state(1, 1000, 1000))  # 1,000 bytes in the 10 s since reading began: 30 s to go
    assert capsys.readouterr().err.endswith("\r[#####...............]  25% 1/4 files, 1,000 articles, 17/s, ~30s left")


def test_off_a_terminal_a_line_a_minute_with_the_share_and_the_time_left(capsys):
    clock = Clock(0.0)
    log = _ProgressLog(every=60, clock=clock)
    for now, done, nbytes in ((1, 0, 0), (30, 1, 3_000_000), (61, 2, 6_000_000), (100, 3, 9_000_000),
                              (122, 4, 12_000_000)):
        clock.now = now
        log(state(done, done * 1000, nbytes, files_total=10, bytes_total=30_000_000))
    lines = capsys.readouterr().err.splitlines()
    assert [text.split(" ", 1)[1] for text in lines] == [
        "2/10 files, 2,000 articles, 33/s, 20% of 30.0 MB, ~4m00s left",
        "4/10 files, 4,000 articles, 33/s, 40% of 30.0 MB, ~3m02s left"]
    assert log_line(state(4, 4000, 0, bytes_total=0), 60.0) == "4/4 files, 4,000 articles, 67/s"


def test_a_real_run_reports_the_bytes_it_reads(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for n in range(5):
        records = [{"id": f"a{n}-{i}", "title": f"Harbour report {n} {i}", "body": "The harbour reopened. " * (n + 1)}
                   for i in range(3 + n)]
        (folder / f"part-{n}.jsonl").write_text("\n".join(map(json.dumps, records)) + "\n", encoding="utf-8")
    sizes = sum(path.stat().st_size for path in folder.iterdir())
    seen: list[IndexProgress] = []
    with Archive.create(tmp_path / "index") as archive:
        archive.add([folder], jobs=1, progress=lambda s: seen.append(dataclasses.replace(s)))
        assert [(s.files_done, s.bytes_total) for s in seen] == [(n, sizes) for n in range(6)]
        assert seen[0].bytes_done == 0 and seen[-1].bytes_done == sizes and seen[-1].fraction_done == 1.0
        assert [s.bytes_done for s in seen] == sorted(s.bytes_done for s in seen)
        assert seen[-1].articles == 3 + 4 + 5 + 6 + 7
        seen.clear()
        archive.add([folder], jobs=1, progress=lambda s: seen.append(dataclasses.replace(s)))
    # Nothing changed: nothing to read, and the run is done at once.
    assert [(s.files_done, s.files_total, s.bytes_total, s.fraction_done) for s in seen] == [(5, 5, 0, 1.0)]


@pytest.mark.parametrize("name", ["big.json", "big.jsonl"])
def test_progress_moves_inside_one_large_file(tmp_path, monkeypatch, name):
    from searcher.ingest import indexer
    from searcher.readers import jsonfmt, parallel

    monkeypatch.setattr(parallel, "STREAM_FILE_BYTES", 1000)  # read as it is indexed
    monkeypatch.setattr(jsonfmt, "STREAM_JSON_BYTES", 1000)
    monkeypatch.setattr(indexer, "PROGRESS_ARTICLES", 100)
    records = [{"id": f"r{i}", "title": f"Harbour report {i}", "body": f"The harbour reopened {i}. " * 20}
               for i in range(3000)]
    path = tmp_path / name
    text = json.dumps(records) if name.endswith(".json") else "\n".join(map(json.dumps, records))
    path.write_text(text, encoding="utf-8")
    seen: list[IndexProgress] = []
    with Archive.create(tmp_path / "index") as archive:
        archive.add([path], jobs=1, progress=lambda s: seen.append(dataclasses.replace(s)))
    inside = [s.bytes_done for s in seen if s.files_done == 0]
    size = path.stat().st_size
    assert [s.bytes_done for s in seen] == sorted(s.bytes_done for s in seen)
    assert seen[-1].bytes_done == size
    # The share read grows while the one file is read, not only at its end.
    assert len({b for b in inside if 0 < b < size}) >= 5
    assert max(inside) >= size // 2
