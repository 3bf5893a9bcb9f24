"""Reuters-21578 SGML reader: invented fixtures field by field, then the real corpus."""
from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from searcher.article import Article, Skipped
from searcher.readers import format_for, read_file, read_source
from searcher.readers.source import Source

UTC = timezone.utc


@pytest.fixture(scope="module")
def sample(fixtures_dir: Path) -> Path:
    return fixtures_dir / "reuters" / "sample.sgm"


@pytest.fixture(scope="module")
def records(sample: Path) -> list:
    return list(read_file(sample))


def test_sample_is_not_utf8(sample):
    # The fixture carries one Latin-1 byte, like reut2-017.sgm.
    with pytest.raises(UnicodeDecodeError):
        sample.read_bytes().decode("utf-8")


def test_every_record_is_an_article(records, sample):
    assert [type(r) for r in records] == [Article] * 4
    assert [r.origin for r in records] == [f"{sample}#{n}" for n in range(1, 5)]
    assert [r.id for r in records] == [f"reuters-21578:{n}" for n in (101, 102, 103, 104)]
    for article in records:
        assert article.publisher == "Reuters"
        assert article.language == "en"
        assert article.url == ""
        assert article.sources == []


def test_normal_story(records):
    article = records[0]
    # Entities unescaped, the wrapped title joined, the dateline leading the
    # body, paragraphs kept, sign-off and control characters gone, the bad
    # byte read as cp1252.
    assert article.title == "PRAIRIE GRAIN & OILSEED REVIEW"
    assert article.body == (
        "WINNIPEG, Feb 26 - Farmers across the prairies said <NORTHERN ELEVATOR CO> "
        "would buy more wheat this spring than last, traders in Z\u00fcrich said.\n\n"
        "Prices rose 3 & 4 pct on the week, with the index at 5 < 6 of its range."
    )
    assert article.authors == ["Jane Doe"]
    assert article.date == datetime(1987, 2, 26, 15, 1, 1, 790000, tzinfo=UTC)
    assert article.tags == [
        "topic:grain", "topic:wheat",
        "place:canada", "place:usa", "place:switzerland",
        "person:doe", "org:ec", "exchange:wce",
    ]


def test_brief_has_title_and_no_body(records):
    article = records[1]
    assert article.title == "LAKE FREIGHT RATES STEADY AT 4.10 DLRS A TONNE"
    assert article.body == ""  # "******" and "Blah blah blah." are filler
    assert article.authors == []
    # Wire codes after the time (&#5;&#5;&#5;RM) are ignored.
    assert article.date == datetime(1987, 3, 27, 0, 2, 59, 130000, tzinfo=UTC)
    assert article.tags == ["place:usa"]


def test_unproc_keeps_its_text_and_lines(records):
    article = records[2]
    assert article.title == "HARBOUR BOARD WEEKLY TALLY - MAR 3"
    assert article.body == (
        "HARBOUR BOARD WEEKLY TALLY - MAR 3\n"
        "    Week ended Mar 1        tonnes\n"
        " Grain loaded...........1,200 vs.....980\n"
        " Ore loaded...............450 vs.....510\n"
        "\n"
        " Ships waiting...............7 vs.......4"
    )
    assert article.authors == []
    assert article.date == datetime(1987, 3, 3, 9, 15, 5, 400000, tzinfo=UTC)
    assert article.tags == ["topic:money-supply", "place:usa"]


def test_impossible_time_keeps_the_day(records):
    article = records[3]
    assert article.title == "KITE MAKERS REPORT RECORD ORDERS"
    assert article.body == (
        "OSAKA, March 31 - Kite makers said orders for the spring season were the "
        "highest on record.\n\n\"We cannot keep up,\" one maker said."
    )
    assert article.date == datetime(1987, 3, 31, tzinfo=UTC)  # "605:12:19.12"
    assert article.tags == ["place:japan", "exchange:tse"]


def test_chosen_by_extension_and_content(sample):
    data = sample.read_bytes()
    assert format_for(Source.from_bytes("x/reut2-000.sgm", data)).name == "reuters"
    assert format_for(Source.from_bytes("x/reut2-000.SGML", data)).name == "reuters"
    other = Source.from_bytes("x/manual.sgm", b"<!DOCTYPE book>\n<book><chapter/></book>")
    assert list(read_source(other)) == [Skipped("x/manual.sgm", "unsupported file type")]


def test_truncated_file_keeps_the_complete_records(sample):
    data = sample.read_bytes()
    cut = data[: data.index(b"Ships waiting")]  # inside record 3
    got = list(read_source(Source.from_bytes("cut.sgm", cut)))
    assert [type(r) for r in got] == [Article, Article, Skipped]
    assert got[2] == Skipped("cut.sgm#3", "record is cut off (no </REUTERS>)")


def test_records_split_across_read_chunks(sample, monkeypatch):
    from searcher.readers import reuters

    monkeypatch.setattr(reuters, "_CHUNK", 7)  # markers split between reads
    got = list(read_file(sample))
    assert [r.id for r in got] == [f"reuters-21578:{n}" for n in (101, 102, 103, 104)]
    assert got[0].body.endswith("index at 5 < 6 of its range.")


# -- the real corpus (../shared) ------------------------------------------

def _corpus(shared_dir: Path) -> list[Path]:
    files = sorted((shared_dir / "corpora" / "reuters21578").glob("reut2-*.sgm"))
    assert len(files) == 22
    return files


@pytest.mark.slow
def test_whole_corpus(shared_dir):
    files = _corpus(shared_dir)
    records = [r for path in files for r in read_file(path)]
    skipped = [r for r in records if isinstance(r, Skipped)]
    assert skipped == []
    assert len(records) == 21578
    assert all(r.date is not None for r in records)
    assert len({r.id for r in records}) == 21578
    assert all(r.title or r.body for r in records if r.id != "reuters-21578:12793")  # empty TEXT
    assert sum(1 for r in records if not r.body) >= 1798  # the BRIEFs


@pytest.mark.slow
def test_first_record_matches_the_file(shared_dir):
    path = _corpus(shared_dir)[0]
    raw = path.read_bytes().decode("latin-1")
    record = re.search(r'<REUTERS[^>]*NEWID="1">(.*?)</REUTERS>', raw, re.S).group(1)

    def element(name: str) -> str:
        return re.search(f"<{name}>(.*?)</{name}>", record, re.S).group(1)

    article = next(r for r in read_file(path) if r.id == "reuters-21578:1")
    assert article.title == html.unescape(element("TITLE")) == "BAHIA COCOA REVIEW"
    day, clock = element("DATE").split()
    assert article.date == datetime.strptime(f"{day} {clock}", "%d-%b-%Y %H:%M:%S.%f").replace(tzinfo=UTC)
    assert article.date == datetime(1987, 2, 26, 15, 1, 1, 790000, tzinfo=UTC)
    expected_tags = [
        f"{kind}:{value}"
        for name, kind in (("TOPICS", "topic"), ("PLACES", "place"), ("PEOPLE", "person"),
                           ("ORGS", "org"), ("EXCHANGES", "exchange"))
        for value in re.findall(r"<D>(.*?)</D>", element(name))
    ]
    assert article.tags == expected_tags == ["topic:cocoa", "place:el-salvador", "place:usa", "place:uruguay"]
    body = re.sub(r"&#\d+;", "", element("BODY"))
    words = (element("DATELINE") + body).split()
    assert words[-1] == "Reuter"
    assert article.body.split() == words[:-1]
    assert article.body.startswith("SALVADOR, Feb 26 - Showers continued throughout the week in the Bahia")
    # A paragraph per indented line, plus the first.
    assert article.body.count("\n\n") + 1 == len(re.findall(r"\n    \S", body)) + 1 == 17
    assert article.authors == []


@pytest.mark.slow
def test_index_the_corpus(shared_dir, reuters_index):
    """End to end through the CLI on the corpus folder (conftest.reuters_index).
    The folder also holds README.txt and category lists, which the
    plain-text reader would index too: --exclude leaves them out."""
    from searcher import Archive

    files = _corpus(shared_dir)
    texts = [p.read_bytes().decode("latin-1") for p in files]
    grain = sum(len(re.findall(r"<TOPICS>[^\n]*<D>grain</D>", t)) for t in texts)
    salvador = sum(len(re.findall(r"<PLACES>[^\n]*<D>el-salvador</D>", t)) for t in texts)
    feb26 = sum(len(re.findall(r"<DATE>\s*26-FEB-1987 ", t)) for t in texts)
    assert grain > 500 and salvador > 5 and feb26 > 100

    path, output = reuters_index
    assert output.startswith("21578 new, 0 updated, 0 unchanged, 0 skipped (22 files read")
    with Archive.open(path) as archive:
        assert len(archive) == 21578
        assert archive.stats().undated == 0
        assert archive.search('tag:"topic:grain"').total == grain
        assert archive.search('tag:"place:el-salvador"').total == salvador
        assert archive.search("date:1987-02-26").total == feb26
        cocoa = archive.get("reuters-21578:1")
        assert cocoa.title == "BAHIA COCOA REVIEW"
        assert cocoa.tags == ["topic:cocoa", "place:el-salvador", "place:usa", "place:uruguay"]
        hits = archive.search('title:"bahia cocoa review"').hits
        assert "reuters-21578:1" in [h.id for h in hits]
        _phrases_and_stems_agree(archive, files)


def _phrases_and_stems_agree(archive, files):
    """Issue 20's Reuters findings, against an independent evaluator: phrases
    with stop words, phrases as NEAR sides, and stems by NLTK's Porter."""
    from functools import lru_cache

    from nltk.stem.porter import PorterStemmer

    from searcher import parse_files

    from .phrase_eval import analyse, near, phrase_spans

    stem = lru_cache(maxsize=None)(PorterStemmer(mode=PorterStemmer.ORIGINAL_ALGORITHM).stem)  # a word once
    docs = [(a.id, analyse(a.title, stem), analyse(a.body, stem)) for a in parse_files(files)]

    def ids(query):
        result = archive.search(query, limit=5000)
        assert result.total == len(result.hits)
        return {hit.id for hit in result.hits}

    def where(test):
        return {doc_id for doc_id, title, body in docs if test(title) or test(body)}

    boe = where(lambda w: near(w, analyse("bank of england", stem), analyse("rates", stem), 10, False))
    assert len(boe) >= 10 and ids('"bank of england" NEAR/10 rates') == boe
    expires = where(lambda w: near(w, analyse("expires in april", stem), analyse("company", stem), 10, False))
    assert ids('"expires in april" NEAR/10 company') == expires
    for phrase in ["iron and steel", "includes gains from sale", "bank of england"]:
        expected = where(lambda w, phrase=phrase: bool(phrase_spans(w, analyse(phrase, stem))))
        assert expected and ids(f'"{phrase}"') == expected, phrase
    planned = where(lambda w: bool({stem("trend"), stem("planned")} & set(w)))
    assert len(planned) > 2000 and ids("trend OR planned") == planned
