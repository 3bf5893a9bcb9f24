"""Text files that are not articles (word lists, tables, READMEs) are passed
over by the plain-text reader, by their shape; articles are kept (issue 18)."""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from searcher import Archive
from searcher.article import Article, Skipped
from searcher.cli import cli
from searcher.readers import plaintext
from searcher.readers.textshape import NOT_AN_ARTICLE, is_not_an_article, not_an_article

WORD_LIST = "\n".join(["wheat", "corn", "barley", "sorghum", "oats", "rice", "soybean", "cotton", "sugar"]) + "\n"
TITLE_CASE_WORDS = "Wheat\nCorn\nBarley\nOats\nRice\n"
NAMES = "\n".join(["Lena Hoffmann", "Marta Silva", "John Smith", "Anong Srisuk", "Daniel Whitcombe",
                   "Hiroko Tanabe", "Mali Chaiyaporn", "Bob Scott", "Peter Lee"]) + "\n"
TABLE = """Grain prices, April 7

Crop      Close   Change
Wheat     2.64    +0.03
Corn      1.40    -0.01
Oats      1.57    0.00
Barley    1.49    +0.02
Sorghum   3.25    -0.04
"""
CSV = "country,population,area\nFrance,67000000,551695\nSpain,47000000,505990\nItaly,59000000,301340\n"
README = """Harbour data tools
==================

Scripts for cleaning the harbour survey files.

Install
-------

    pip install harbour-tools

Usage
-----

    harbour clean data/raw/ --out data/clean/
    harbour stats data/clean/survey.csv

See https://example.org/harbour for the full manual, or write to tools@example.org.
"""
NOTES = """NOTES ON THE SURVEY FILES

1. Contents

This folder holds the survey files of the harbour study, one file per
month, and the lists of place names used to code them.

2. Format

Each line of a survey file is one boat: its id, its home port, the day
it was counted and its length in metres, separated by commas.

3. Contact

Questions go to the survey office: survey@example.org, or see
http://example.org/survey for the latest copy of these notes.
"""
SHORT_PROSE = """Council approves new bus routes

The city council on Tuesday approved three new bus routes linking the
northern suburbs to the centre, after months of complaints from
commuters about crowded services.

The routes will start in March, the transport office said.
"""
SEED_LAYOUT = """Ferry port reopens after storm

KOH SAMUI, 7 May 2022 \u2014 The ferry port reopened on Sunday after two days of high winds, and the first boats left for the islands at dawn.

Operators said extra crossings would run until the backlog of passengers had cleared.

The harbour master said\u2026

\u201cWe will keep a close watch on the weather, and we will close the port again if we have to.\u201d

SOURCE: Bangkok Post

Travel NewsThailand News

Anong Srisuk

Anong Srisuk reports on tourism and transport from the islands of the gulf.

Related Articles

Storm closes ferry port
Island resorts count the cost of a wet season
New pier opens in Koh Samui
Ferry fares to rise next month
Tourist numbers climb in the south
Night boats return to the islands
"""
ONE_PARAGRAPH = ("Storm closes ferry port\n\nHigh winds closed the ferry port on Friday and all crossings "
                 "were cancelled until the weekend.\n")
PROSE_WITHOUT_TITLE = ("The council approved three new bus routes on Tuesday.\n\n"
                       "Commuters had complained for months about crowded services on the old lines.\n\n"
                       "The routes will start in March, the transport office said.\n")
INTERVIEW = """Interview: the harbour master

Q: How bad was the storm this week?
A: The worst we have seen in ten years.
Q: When will the port reopen?
A: On Sunday, if the wind drops.
Q: Were there injuries?
A: No.
Q: What now?
A: We repair the pier.
"""
THAI = "รัฐบาลประกาศมาตรการช่วยเหลือเกษตรกร\n\n" + "\n\n".join(
    ["นายกรัฐมนตรีประกาศมาตรการใหม่เพื่อช่วยเหลือเกษตรกรในภาคเหนือ หลังจากราคาข้าวตกต่ำ"] * 6) + "\n"

NOT_ARTICLES = {
    "words.txt": (WORD_LIST, "a list of one word a line"),
    "crops.txt": (TITLE_CASE_WORDS, "a list of one word a line"),
    "names.txt": (NAMES, "a list of short lines"),
    "prices.txt": (TABLE, "a table of figures"),
    "countries.txt": (CSV, "a table of figures"),
    "README.txt": (README, "paths, links or code, not prose"),
    "NOTES.txt": (NOTES, "documentation: numbered sections, links"),
}
ARTICLES = {
    "short-prose.txt": SHORT_PROSE, "seed-layout.txt": SEED_LAYOUT, "one-paragraph.txt": ONE_PARAGRAPH,
    "prose-without-title.txt": PROSE_WITHOUT_TITLE, "interview.txt": INTERVIEW, "thai.txt": THAI,
}


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def read_one(path: Path) -> Article | Skipped:
    records = list(plaintext.read(path))
    assert len(records) == 1
    return records[0]


@pytest.mark.parametrize("name", sorted(NOT_ARTICLES))
def test_texts_that_are_not_articles_are_passed_over_with_why(tmp_path, name):
    text, why = NOT_ARTICLES[name]
    path = write(tmp_path, {name: text}) / name
    assert not_an_article(text) == why
    assert read_one(path) == Skipped(str(path), f"{NOT_AN_ARTICLE} ({why})")
    assert is_not_an_article(read_one(path).reason)


@pytest.mark.parametrize("name", sorted(ARTICLES))
def test_articles_keep_their_shape(tmp_path, name):
    path = write(tmp_path, {name: ARTICLES[name]}) / name
    article = read_one(path)
    assert isinstance(article, Article), article
    assert not_an_article(ARTICLES[name], article.title, article.body) is None


def test_the_seed_layout_reads_as_before(tmp_path):
    article = read_one(write(tmp_path, {"x.txt": SEED_LAYOUT}) / "x.txt")
    assert isinstance(article, Article)
    assert (article.title, article.sources, article.tags, article.authors) == (
        "Ferry port reopens after storm", ["Bangkok Post"], ["Travel News", "Thailand News"], ["Anong Srisuk"])
    assert article.body.endswith("close the port again if we have to.\u201d")


def test_a_headline_or_a_line_or_two_is_too_little_to_call_a_list():
    assert not_an_article("Just a headline\n") is None
    assert not_an_article("Title\n\nBody text.\n\nSource:\n\nWorld News\n\nJane Doe\n") is None
    assert not_an_article("wheat\ncorn\nbarley\n") is None  # three words: a list or a headline and two lines


def test_a_folder_counts_non_articles_as_passed_over(tmp_path):
    folder = write(tmp_path / "data", {**{name: text for name, (text, _) in NOT_ARTICLES.items()}, **ARTICLES})
    (folder / "photo.png").write_bytes(b"\x89PNG")
    with Archive.create(tmp_path / "index") as archive:
        report = archive.add([folder], jobs=1)
        assert (report.new, report.skipped, report.ignored) == (len(ARTICLES), [], len(NOT_ARTICLES) + 1)
        reasons = {Path(s.origin).name: s.reason for s in report.passed_over}
        assert reasons == {"photo.png": "unsupported file type",
                           **{name: f"{NOT_AN_ARTICLE} ({why})" for name, (_, why) in NOT_ARTICLES.items()}}
        again = archive.add([folder], jobs=1)  # passed over again, never indexed
        assert (again.new, again.unchanged, again.ignored) == (0, len(ARTICLES), len(NOT_ARTICLES) + 1)
        assert len(archive) == len(ARTICLES)
        named = archive.add([folder / "words.txt"])  # named: reported, as a named file of another kind is
        assert [(Path(s.origin).name, s.reason) for s in named.skipped] == [
            ("words.txt", "not an article (a list of one word a line)")]


def test_a_bundle_member_that_is_not_an_article_is_passed_over(tmp_path):
    bundle = tmp_path / "bundle.zip"
    with zipfile.ZipFile(bundle, "w") as z:
        z.writestr("story.txt", SHORT_PROSE)
        z.writestr("words.txt", WORD_LIST)
    with Archive.create(tmp_path / "index") as archive:
        report = archive.add([bundle])
    assert (report.new, report.skipped, report.ignored) == (1, [], 1)
    assert report.passed_over[0].origin.endswith("bundle.zip!words.txt")


def test_articles_an_older_reading_took_from_a_non_article_go_when_it_is_read_again(tmp_path, monkeypatch):
    folder = write(tmp_path / "data", {"words.txt": WORD_LIST, "story.txt": SHORT_PROSE})
    with Archive.create(tmp_path / "index") as archive:
        monkeypatch.setattr(plaintext, "not_an_article", lambda *_: None)  # as before issue 18
        assert archive.add([folder], jobs=1).new == 2
        monkeypatch.undo()
        (folder / "words.txt").write_text(WORD_LIST + "maize\n", encoding="utf-8")  # changed: read again
        report = archive.add([folder], jobs=1)
        assert (report.new, report.removed, report.ignored) == (0, 1, 1)
        assert [hit.title for hit in archive.search("*").hits] == ["Council approves new bus routes"]


def test_the_cli_says_what_it_passed_over(tmp_path):
    folder = write(tmp_path / "data", {"words.txt": WORD_LIST, "prices.txt": TABLE, "story.txt": SHORT_PROSE})
    run = CliRunner().invoke
    index = ["--index", str(tmp_path / "index"), "--quiet"]
    result = run(cli, ["index", str(folder), *index])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "1 new, 0 updated, 0 unchanged, 0 skipped (1 files read, 0 unchanged files not re-read)",
        "2 passed over, not articles (2 .txt by content); --verbose names them"]
    verbose = run(cli, ["index", str(folder), *index, "--verbose"]).output.splitlines()
    assert [line for line in verbose if line.startswith("passed over")] == [
        f"passed over {folder / 'prices.txt'}: not an article (a table of figures)",
        f"passed over {folder / 'words.txt'}: not an article (a list of one word a line)"]
    named = run(cli, ["index", str(folder / "words.txt"), *index])
    assert named.exit_code == 1
    assert f"skipped {folder / 'words.txt'}: not an article (a list of one word a line)" in named.output


# --- real files (../shared): skipped where it is absent

def test_the_reuters_folders_text_files_are_not_articles(shared_dir, tmp_path):
    reuters = shared_dir / "corpora" / "reuters21578"
    texts = sorted(reuters.glob("*.txt"))
    assert len(texts) == 9
    for path in texts:
        record = read_one(path)
        assert isinstance(record, Skipped) and is_not_an_article(record.reason), (path.name, record)
    # Indexed with an article beside them, and no --exclude: they are passed over.
    folder = tmp_path / "folder"
    folder.mkdir()
    for path in texts + [shared_dir / "seed" / "thaiger-putin-xi-sco.txt"]:
        shutil.copy(path, folder / path.name)
    result = CliRunner().invoke(cli, ["index", str(folder), "--index", str(tmp_path / "index"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "1 new, 0 updated, 0 unchanged, 0 skipped (1 files read, 0 unchanged files not re-read)",
        "9 passed over, not articles (9 .txt by content); --verbose names them"]


def test_no_real_article_is_lost(shared_dir, fixtures_dir):
    """Every real article text in ../shared and the project (news pages'
    expected texts, the seed, the seed-layout fixtures, the demo corpus) is
    still an article; the other text files of ../shared are not."""
    news = shared_dir / "corpora" / "news-html"
    articles = (sorted((news / "newspaper3k" / "text").glob("*.txt")) + sorted((news / "newspaper4k" / "txt").glob("*.txt"))
                + [shared_dir / "seed" / "thaiger-putin-xi-sco.txt"] + sorted((fixtures_dir / "seed_layout").glob("*.txt"))
                + sorted((fixtures_dir.parents[1] / "corpus" / "text").glob("*.txt")))
    assert len(articles) == 30 + 6 + 1 + 7 + 14
    lost = [path.name for path in articles if not isinstance(read_one(path), Article)]
    assert lost == []
    others = sorted(set(shared_dir.rglob("*.txt")) - set(articles))
    assert len(others) == 13
    kept = [path.name for path in others if not isinstance(read_one(path), Skipped)]
    assert kept == []
