"""One Archive shared by threads answers every read as one thread would
(issue 21 item 1): searches (relevance and date orders, facets, filters,
date spans, any-word, patterns, collapsed), facets, timelines, get,
similar, duplicates, stories and stats, on one index and on sharded ones;
and reads running while a writer commits each answer from one version.

Threads are switched every 10 microseconds while they run
(sys.setswitchinterval), so that a read of shared state cut in two by
another thread shows on an index this small. Before the fix each of these
failed: Whoosh's readers shared each file's position between threads (one
thread's seek moved another's read: UnpicklingError, EOFError, a wrong
article); shards in this process were scored by patching their shared
searcher; shards in processes of their own answered threads' requests
crossed (a deadlock); and a commit closed the reader under threads still
reading it (ReaderClosed).
"""
from __future__ import annotations

import json
import queue
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest

from searcher import Archive, Article

from .conftest import REPO

THREADS = 8
TIMEOUT = 60  # seconds for every thread's reads (a deadlock fails, not hangs)
START = datetime(2019, 1, 1, tzinfo=timezone.utc)
WORDS = ("harbour pipeline election tariff drought vaccine satellite merger strike flood wheat coffee "
         "copper railway budget court protest summit refinery glacier bond currency export festival "
         "reactor treaty ferry bridge canal cyclone harvest mining pension subsidy tunnel uranium").split()
FILLER = [f"w{i}" for i in range(1500)]
TAGS = ["Energy", "Politics", "Markets", "Weather", "Health", "Transport", "Science", "Courts"]
SOURCES = ["Reuters", "AP", "AFP", "Xinhua", "BBC", "DPA"]
OUTLETS = ["Wire", "Daily", "Gazette", "Herald", "Times", "Courier"]


def _articles(seed: int, count: int, prefix: str) -> list[Article]:
    """Varied articles: topic words over filler, values and dates of every
    kind (some undated or dated to a year), and families of near-copies."""
    rng = random.Random(seed)
    found = []
    for number in range(count):
        topic = rng.sample(WORDS, 3)
        paragraphs = [" ".join(rng.choice(topic) if rng.random() < 0.15 else rng.choice(FILLER)
                               for _ in range(40)) for _ in range(3)]
        date = START + timedelta(days=rng.randrange(6 * 365), hours=rng.randrange(24))
        precision = rng.choice(["", "", "", "", "year"])
        if precision:
            date = datetime(date.year, 1, 1, tzinfo=timezone.utc)  # known only to its year
        article = Article(id=f"{prefix}{number}", title=f"{topic[0].title()} {topic[1]} {rng.choice(FILLER)}",
                          body="\n\n".join(paragraphs), date=None if number % 17 == 0 else date,
                          date_precision=precision if number % 17 else "",
                          authors=[f"Author {rng.randrange(12)}"], sources=rng.sample(SOURCES, rng.randrange(3)),
                          tags=rng.sample(TAGS, 1 + rng.randrange(2)), publisher=rng.choice(OUTLETS),
                          url=f"https://t.test/{prefix}{number}")
        found.append(article)
        if number % 9 == 0:  # a syndicated copy: another outlet, a paragraph cut, a byline
            found.append(Article(id=f"{prefix}{number}-copy", title=article.title + " (wire)",
                                 body="By Staff\n\n" + "\n\n".join(paragraphs[:2]) + "\n\n" + paragraphs[2][:150],
                                 date=date + timedelta(hours=3), publisher=rng.choice(OUTLETS), tags=article.tags,
                                 url=f"https://t.test/{prefix}{number}-copy"))
    return found


def _build(path: Path, **options: Any) -> Path:
    """corpus/ and the generated articles (as JSON Lines) in one run: one
    segment, which every thread's lookups then read (a segment of its own
    for each commit would spread them over several files)."""
    generated = path.parent / "generated.jsonl"
    with generated.open("w", encoding="utf-8") as out:
        for article in _articles(21, 900, "g"):
            date = None if article.date is None else str(article.date.year) if article.date_precision \
                else article.date.isoformat()
            out.write(json.dumps({"id": article.id, "title": article.title, "body": article.body, "date": date,
                                  "authors": article.authors, "sources": article.sources, "tags": article.tags,
                                  "publisher": article.publisher, "url": article.url}) + "\n")
    with Archive.create(path, **options) as archive:
        assert not archive.add([REPO / "corpus", generated], jobs=1).skipped
    return path


def _operations(seed: int, count: int, ids: list[str]) -> list[tuple[str, tuple, dict]]:
    """A mix of every read, nearly half of it article lookups by id (get,
    duplicates, similar): the read most exposed to a shared file position."""
    rng = random.Random(seed)
    found: list[tuple[str, tuple, dict]] = []
    for _ in range(count):
        one, two = rng.sample(WORDS, 2)
        year = str(2019 + rng.randrange(6))
        article = rng.choice(ids)
        found.append(rng.choice([
            ("search", (one,), {"limit": 5}),
            ("search", (f"{one} {two}",), {"sort": "-date", "facets": ["tags", "year"], "limit": 5}),
            ("search", (f"{one} OR {two}",), {"facets": ["tags", "year", "sources"], "limit": 20, "snippets": False}),
            ("search", (f"{one} {two} pipeline",), {"match": "any", "facets": ["publisher"], "limit": 5}),
            ("search", (one,), {"sort": "date", "filters": {"year": year}, "facets": ["month"], "limit": 5}),
            ("search", (one,), {"since": f"{year}-03", "until": f"{year}-09", "filters": {"tag": rng.choice(TAGS)}}),
            ("search", (f'"{one} {two}"~8',), {"offset": 5, "limit": 5}),
            ("search", (f"{one} NEAR/5 {two}",), {"sort": "-date", "limit": 5}),
            ("search", (f"{one[:3]}* -{two}",), {"facets": ["authors"], "limit": 5}),
            ("search", (f"{one}~ title:{two}",), {"limit": 5}),
            ("search", (one,), {"collapse": True, "facets": ["publisher"], "limit": 5}),
            ("search", (two,), {"count": "stories", "facets": ["tags"], "snippets": False}),
            ("facet", ("tags", one), {}),
            ("facet", ("sources",), {"since": year}),
            ("timeline", (one,), {"by": rng.choice(["year", "month"])}),
            ("timeline", (f"{one} {two}",), {"match": "any", "count": "stories"}),
            ("stories", (5,), {}),
            ("stats", (), {}),
            ("__len__", (), {}),
            *[("get", (article,), {})] * 2,
            *[("duplicates", (article,), {})] * 12,
            ("similar", (article,), {"limit": 3}),
        ]))
    return found


def _plain(value: Any) -> Any:
    """An answer as JSON data (records by to_dict)."""
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if hasattr(value, "to_dict"):
        value = value.to_dict()
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def _answer(archive: Archive, operation: tuple[str, tuple, dict]) -> Any:
    name, args, options = operation
    try:
        return _plain(getattr(archive, name)(*args, **options))
    except Exception as exc:  # noqa: BLE001 - an error is an answer to compare too
        return f"{type(exc).__name__}: {exc}"


@contextmanager
def _switching_often() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _threaded(archive: Archive, work: list[tuple[str, tuple, dict]]) -> list[Any]:
    """Each operation's answer, read by THREADS threads taking the next one
    in turn; daemon threads, so that a deadlock fails the test, not hangs it."""
    answers: list[Any] = [None] * len(work)
    todo: queue.Queue[int] = queue.Queue()
    for number in range(len(work)):
        todo.put(number)

    def read() -> None:
        while True:
            try:
                number = todo.get_nowait()
            except queue.Empty:
                return
            answers[number] = _answer(archive, work[number])

    threads = [threading.Thread(target=read, daemon=True) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + TIMEOUT
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), f"threads still reading after {TIMEOUT} s: a deadlock"
    return answers


def _compare(path: Path, operations: int, **options: Any) -> None:
    with Archive.open(path, **options) as archive:
        ids = [hit.id for hit in archive.search(" OR ".join(WORDS[:8]), limit=100, snippets=False).hits]
        work = _operations(5, operations, ids)
        for operation in {(name, tuple(kw)): (name, args, kw) for name, args, kw in work}.values():
            _answer(archive, operation)  # saved columns and groups made before either run (stats counts them)
    with Archive.open(path, **options) as archive:
        expected = [_answer(archive, operation) for operation in work]
    assert sum(isinstance(answer, str) for answer in expected) < len(work) // 10  # mostly answers, not errors
    archive = Archive.open(path, **options)
    with _switching_often():
        got = _threaded(archive, work)  # a deadlock leaves the archive open: closing it could wait too
    archive.close()
    wrong = [(operation, answer) for operation, answer, single in zip(work, got, expected) if answer != single]
    assert not wrong, f"{len(wrong)} of {len(work)} answers differ from one thread's, e.g. {wrong[0]}"


def test_index_files_read_like_files_at_each_threads_own_position(tmp_path):
    """The two kinds of file MappedStorage hands out (a view of a mapped
    part, a file read with pread) read as a file does, each thread at its own place."""
    import io
    import pickle

    from searcher.engine.whoosh.accel.mapped import _FileAt, _View

    data = b"first line\nsecond line\n" + pickle.dumps({"a": [1, 2.5, "x"]}, protocol=2) + bytes(range(256)) * 40
    (tmp_path / "part").write_bytes(b"head" + data + b"tail")
    (tmp_path / "whole").write_bytes(data)
    raw = open(tmp_path / "part", "rb")  # noqa: SIM115 - closed by the _FileAt
    files = [_View(memoryview(data)), _FileAt(raw, start=4, length=len(data)), _FileAt(open(tmp_path / "whole", "rb"))]
    for opened in files:
        real = io.BytesIO(data)
        for op, args in [("readline", ()), ("read", (3,)), ("readline", (4,)), ("tell", ()), ("seek", (11,)),
                         ("readline", ()), ("seek", (-5, 2)), ("read", (100,)), ("seek", (3, 1)), ("read", (5,)),
                         ("seek", (len(data) - 3,)), ("read", (10,)), ("read", ()), ("tell", ())]:
            assert getattr(opened, op)(*args) == getattr(real, op)(*args), (type(opened).__name__, op, args)
        opened.seek(len(b"first line\nsecond line\n"))
        assert pickle.load(opened) == {"a": [1, 2.5, "x"]}

    def read_at_random(number: int) -> None:
        rng = random.Random(number)
        for _ in range(2000):
            at = rng.randrange(len(data) - 8)
            for opened in files:
                opened.seek(at)
                assert opened.read(4) + opened.read(4) == data[at:at + 8] and opened.tell() == at + 8

    with _switching_often(), ThreadPoolExecutor(THREADS) as pool:
        for future in [pool.submit(read_at_random, number) for number in range(THREADS)]:
            future.result()
    for opened in files:
        opened.close()
    assert raw.closed


@pytest.fixture(scope="module")
def single(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("threads") / "index")


def test_threads_sharing_an_archive_answer_as_one_thread(single):
    _compare(single, THREADS * 200)


@pytest.fixture(scope="module")
def sharded(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("threads-sharded") / "index", shards=2, processes=False)


@pytest.mark.parametrize("processes", [False, True], ids=["in process", "processes"])
def test_threads_sharing_a_sharded_archive_answer_as_one_thread(sharded, processes):
    _compare(sharded, THREADS * 20, processes=processes)


@pytest.mark.parametrize("writer", ["the same archive", "another archive"])
def test_reads_while_a_writer_commits_answer_from_one_version(tmp_path, writer):
    """Each commit makes the readers open the new version; a thread still
    reading the old one goes on reading it (it is not closed under it)."""
    path = tmp_path / "index"
    with Archive.create(path) as archive:
        archive.add([REPO / "corpus"], jobs=1)
    batches = [[Article(id=f"new{batch}-{n}", title=f"zeppelin {n}", body=f"zeppelin harbour {n} " * 20,
                        date=START + timedelta(days=n), tags=["Air"]) for n in range(10)] for batch in range(3)]
    versions = {0, 10, 20, 30}
    done = threading.Event()
    seen: list[tuple[int, int]] = []
    with Archive.open(path) as archive, _switching_often():
        def read(number: int) -> None:
            while not done.is_set():
                result = archive.search("zeppelin", sort="-date" if number % 2 else "relevance",
                                        facets=["tags"], limit=50)
                seen.append((result.total, dict(result.facets["tags"]).get("Air", 0)))
                assert len(result.hits) == result.total

        with ThreadPoolExecutor(THREADS) as pool:
            readers = [pool.submit(read, number) for number in range(THREADS)]
            try:
                with Archive.open(path) if writer == "another archive" else nullcontext(archive) as writing:
                    for batch in batches:
                        writing.add(batch, jobs=1)
            finally:
                done.set()
            for future in readers:
                future.result()
        assert archive.search("zeppelin").total == 30
    assert seen and all(total in versions and tagged == total for total, tagged in seen)
