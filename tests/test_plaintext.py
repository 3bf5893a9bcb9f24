"""The plain-text "seed layout" reader, its outlet list and its splitters."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from searcher.article import Article
from searcher.readers import Skipped, plaintext
from searcher.readers.outlets import ENV_VAR, load_outlets, parse_outlet_lines, split_sources
from searcher.readers.plaintext import split_tags


def read_one(path: Path) -> Article | Skipped:
    records = list(plaintext.read(path))
    assert len(records) == 1
    return records[0]


def utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def no_user_outlets(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)


# --- the real seed article

def test_seed_article_fields(shared_dir):
    path = shared_dir / "seed" / "thaiger-putin-xi-sco.txt"
    article = read_one(path)
    assert isinstance(article, Article)
    assert article.title == "Putin & Xi strengthen ties amid Western antagonism"
    assert article.authors == ["Bob Scott"]
    assert article.sources == ["BBC", "China Daily", "Thai PBS"]
    assert article.tags == ["Politics News", "World News"]
    assert article.date is None
    assert article.origin == str(path)
    assert (article.url, article.publisher, article.language) == ("", "", "")


def test_seed_article_body(shared_dir):
    body = read_one(shared_dir / "seed" / "thaiger-putin-xi-sco.txt").body
    assert body.startswith("China President Xi Jinping and Russian President Vladimir Putin met")
    assert body.endswith("about a third of what Russia sells to Europe.")
    paragraphs = body.split("\n\n")
    # Counted by hand: 19 text paragraphs before SOURCE, less "Related news".
    assert len(paragraphs) == 18
    assert paragraphs.count("Xi said…") == 1
    assert paragraphs.count("Putin said…") == 2
    assert "“In the face of changes in the world" in body
    assert "“We highly value the balanced position" in body
    assert "“We intend to firmly adhere to the principle of One-China." in body
    for unwanted in ("Related news", "SOURCE", "Politics News", "Bob Scott",
                     "Bob Scott is an experienced", "Related Articles"):
        assert unwanted not in body


SEED_SOURCE_LINE = "SOURCE: BBC China Daily Thai PBS\n\n"


@pytest.mark.parametrize("change, sources, authors", [
    (lambda t: t.replace(SEED_SOURCE_LINE, ""), [], ["Bob Scott"]),
    (lambda t: t.replace(SEED_SOURCE_LINE, "").replace("\n\nRelated Articles", "\n"), [],
     ["Bob Scott"]),
    (lambda t: t.replace("\n\nBob Scott\n", "\n\nBy Bob Scott\n"),
     ["BBC", "China Daily", "Thai PBS"], ["Bob Scott"]),
    (lambda t: t[:t.index("\n\nBob Scott is")], ["BBC", "China Daily", "Thai PBS"],
     ["Bob Scott"]),
    (lambda t: t.replace("\n", "\r\n") + "\r\n", ["BBC", "China Daily", "Thai PBS"],
     ["Bob Scott"]),
    (lambda t: t.replace("SOURCE: BBC China Daily Thai PBS", "Sources: BBC, CNN and Khaosod English"),
     ["BBC", "CNN", "Khaosod English"], ["Bob Scott"]),
])
def test_seed_variants(shared_dir, tmp_path, change, sources, authors):
    """The rules are general: the seed still reads right with its trailer changed."""
    text = (shared_dir / "seed" / "thaiger-putin-xi-sco.txt").read_text(encoding="utf-8")
    article = read_one(write(tmp_path, "variant.txt", change(text)))
    assert article.title == "Putin & Xi strengthen ties amid Western antagonism"
    assert (article.sources, article.authors) == (sources, authors)
    assert article.tags == ["Politics News", "World News"]
    assert article.date is None
    paragraphs = article.body.split("\n\n")
    assert len(paragraphs) == 18
    assert paragraphs[-1].endswith("about a third of what Russia sells to Europe.")


# --- fixtures written for this test suite

FIXTURES = {
    "2021-03-04-mekong-water-levels.txt": dict(
        title="Mekong water levels fall to a ten-year low near Nong Khai",
        authors=["Anong Srisuk"],
        sources=["Xinhua", "Khaosod English", "The Nation Thailand"],
        tags=["Environment News", "Thailand News", "World News", "Business News"],
        date=utc(2021, 3, 4),
        paragraphs=8,
        first="Water levels on the Mekong River near Nong Khai dropped to their lowest point in a "
              "decade this week, leaving fishing boats stranded on sandbanks and exposing rocks "
              "that local boatmen say they have not seen since they were children.",
        last="Provincial authorities have promised to dredge the busiest landing points and to "
             "truck drinking water to villages whose wells have run dry.",
        absent=["By Anong", "Related Articles", "Dry season threatens", "Environment News"],
    ),
    "rail-link-delay.txt": dict(
        title="Airport rail extension delayed again as contractors dispute costs",
        authors=["Pimchanok Rattanakorn"],
        sources=["Bangkok Post"],
        tags=["Transport News"],
        date=utc(2023, 1, 12),
        paragraphs=8,
        first="The long-awaited extension of the airport rail link to the eastern seaboard will "
              "open at least eighteen months later than planned, the State Railway said on "
              "Thursday, after talks with the main contractor over rising material costs broke "
              "down.",
        last="The railway plans to announce a revised timetable for the remaining work by the "
             "end of March.",
        absent=["Published", "Related news", "Advertisement", "Pimchanok", "Transport News"],
    ),
    "harbour-festival.txt": dict(
        title="Harbour lantern festival returns after three quiet years",
        authors=["Daniel Whitcombe"],
        sources=[],
        tags=["Events News", "Pattaya News"],
        date=utc(2022, 5, 7),
        paragraphs=7,
        first="PATTAYA, 7 May 2022 — Thousands of visitors lined the waterfront on Saturday night "
              "as the harbour lantern festival returned for the first time since the pandemic, "
              "filling the bay with floating lights made from banana leaves and flowers.",
        last="Environmental volunteers plan to hold a clean-up of the beach on Sunday morning "
             "and have invited festival-goers to take part.",
        absent=["Events News", "Daniel Whitcombe", "freelance reporter"],
    ),
    "rice-export-outlook.txt": dict(  # CRLF line endings
        title="Rice exporters expect a stronger year as regional demand rises",
        authors=["Somchai Inthavong"],
        sources=["Khon Kaen Herald", "Reuters"],
        tags=["Business News", "Economy"],
        date=utc(2022, 10, 3),
        paragraphs=7,
        first="October 3, 2022 - Rice exporters expect shipments to rise by around ten percent "
              "this year, helped by a weaker currency and strong demand from buyers in Africa and "
              "the Middle East, the exporters' association said on Monday.",
        last="The government has promised a package of cheap loans for farmers affected by the "
             "floods and plans to meet exporters again next month to review the outlook.",
        absent=["\r", "SOURCE", "Somchai", "Related Articles"],
    ),
    "night-market-bom.txt": dict(  # UTF-8 BOM
        title="Old railway night market to reopen with new stalls and shorter hours",
        authors=["Mali Chaiyaporn"],
        sources=["The Thaiger", "AFP"],
        tags=["Lifestyle News", "Bangkok News", "Food & Drink"],
        date=utc(2023, 8, 19),
        paragraphs=7,
        first="The popular night market beside the old railway yard will reopen next month after "
              "a year of renovation, with new roofs over the food stalls, better drainage and a "
              "large car park, the district office announced.",
        last="Visitors are being encouraged to arrive by train or bus, as parking is expected to "
             "fill up quickly on weekends.",
        absent=["\ufeff", "Posted", "Related news", "Source:", "Mali Chaiyaporn"],
    ),
    "monsoon-flooding.txt": dict(
        title="Monsoon rains flood low-lying districts as rivers burst their banks",
        authors=["Hiroko Tanabe"],
        sources=["Al Jazeera", "NHK", "Kyodo News"],
        tags=["Weather News", "Asia News"],
        date=None,
        paragraphs=8,
        first="Heavy monsoon rains flooded hundreds of homes in low-lying districts overnight as "
              "two rivers burst their banks, forcing families to move to schools and temples on "
              "higher ground.",
        last="Volunteers set up kitchens at the shelters and local businesses donated mattresses "
             "and dry clothes.",
        absent=["Read more", "SOURCES", "Hiroko", "radio producer"],
    ),
    "temple-restoration.txt": dict(
        title="Restorers uncover hidden murals during temple repair work",
        authors=["Kittipong Saelim"],
        sources=[],
        tags=["Culture News"],
        date=utc(2024, 1, 30),  # "Published" wins over the later "Updated"
        paragraphs=7,
        first="Restorers repairing the walls of a two-hundred-year-old temple in the old quarter "
              "have uncovered murals that were painted over during an earlier renovation, the "
              "Fine Arts Department said.",
        last="Monks at the temple said they were delighted by the discovery and hope it will "
             "bring more visitors to the neighbourhood, where many small shops have struggled "
             "since a new shopping centre opened nearby.",
        absent=["Updated", "Published", "Culture News", "Kittipong"],
    ),
}


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_fixture_fields(fixtures_dir, name):
    expected = FIXTURES[name]
    path = fixtures_dir / "seed_layout" / name
    article = read_one(path)
    assert isinstance(article, Article)
    assert article.title == expected["title"]
    assert article.authors == expected["authors"]
    assert article.sources == expected["sources"]
    assert article.tags == expected["tags"]
    assert article.date == expected["date"]
    assert article.origin == str(path)
    assert (article.url, article.publisher, article.language) == ("", "", "")
    paragraphs = article.body.split("\n\n")
    assert len(paragraphs) == expected["paragraphs"]
    assert paragraphs[0] == expected["first"]
    assert paragraphs[-1] == expected["last"]
    assert all(p.strip() == p and p for p in paragraphs)
    for unwanted in expected["absent"]:
        assert unwanted not in article.body


def test_fixture_lead_ins_and_quotes_stay_in_body(fixtures_dir):
    body = read_one(fixtures_dir / "seed_layout" / "rail-link-delay.txt").body
    assert "\n\nA railway spokesman said…\n\n“We will not sign anything" in body


def test_fixtures_have_the_promised_encodings(fixtures_dir):
    folder = fixtures_dir / "seed_layout"
    assert b"\r\n" in (folder / "rice-export-outlook.txt").read_bytes()
    assert (folder / "night-market-bom.txt").read_bytes().startswith(b"\xef\xbb\xbf")
    assert not (folder / "rail-link-delay.txt").read_bytes().endswith(b"\n")


# --- small cases written inline

def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text", ["", "   \n\n\t\n", "Related news\n\nAdvertisement\n"])
def test_file_without_title_is_skipped(tmp_path, text):
    path = write(tmp_path, "empty.txt", text)
    assert read_one(path) == Skipped(str(path), "empty file")


def test_title_only(tmp_path):
    article = read_one(write(tmp_path, "t.txt", "Just a headline\n"))
    assert (article.title, article.body, article.authors, article.tags) == (
        "Just a headline", "", [], [])


def test_yesterday_is_not_a_date(tmp_path):
    text = "Title here\n\nThe minister spoke yesterday about 2020 and beyond.\n"
    assert read_one(write(tmp_path, "x.txt", text)).date is None


@pytest.mark.parametrize("first_line, expected", [
    ("BANGKOK, 16 September 2022 — The talks ended.", utc(2022, 9, 16)),
    ("September 16, 2022 - The talks ended.", utc(2022, 9, 16)),
    ("PHNOM PENH, Cambodia, 2 March 2021 — Talks ended.", utc(2021, 3, 2)),
    ("BANGKOK (Reuters) 16 Sep 2022 — The talks ended.", utc(2022, 9, 16)),
    ("BANGKOK, Sept 16 — no year is given here.", None),
    ("2020 — the year everything changed.", None),
    ("Xi said: we will meet again in 2023.", None),
])
def test_dateline(tmp_path, first_line, expected):
    article = read_one(write(tmp_path, "x.txt", f"Title\n\n{first_line}\n\nMore text.\n"))
    assert article.date == expected
    assert article.body.startswith(first_line)


@pytest.mark.parametrize("name, expected", [
    ("2022-09-16-putin-xi.txt", utc(2022, 9, 16)),
    ("20220916_story.txt", utc(2022, 9, 16)),
    ("story-2022-13-45.txt", None),
    ("story-12345.txt", None),
])
def test_file_name_date(tmp_path, name, expected):
    assert read_one(write(tmp_path, name, "Title\n\nBody text.\n")).date == expected


def test_text_date_beats_file_name(tmp_path):
    path = write(tmp_path, "2020-01-01-x.txt", "Title\n\nDate: 5 June 2021\n\nBody text.\n")
    article = read_one(path)
    assert article.date == utc(2021, 6, 5)
    assert article.body == "Body text."


def test_date_line_above_the_title(tmp_path):
    article = read_one(write(tmp_path, "x.txt", "Posted: 1 July 2020\nTitle\n\nBody text.\n"))
    assert (article.title, article.date, article.body) == ("Title", utc(2020, 7, 1), "Body text.")


@pytest.mark.parametrize("line, expected", [
    ("Published: 16 September 2022", utc(2022, 9, 16)),
    ("Posted on: Sep 16, 2022", utc(2022, 9, 16)),
    ("Date: 2022-09-16", utc(2022, 9, 16)),
    ("published: Friday, 16 September 2022 | Updated: 18 September 2022", utc(2022, 9, 16)),
    ("Published: 16 September 2022 at 10:30", datetime(2022, 9, 16, 10, 30, tzinfo=timezone.utc)),
])
def test_date_lines(tmp_path, line, expected):
    article = read_one(write(tmp_path, "x.txt", f"Title\n\n{line}\n\nBody.\n"))
    assert (article.date, article.body) == (expected, "Body.")


@pytest.mark.parametrize("line", ["Updated: 3 hours ago", "Published: September 2022",
                                  "Published: 2022", "Date: yesterday"])
def test_date_lines_without_a_full_date_stay(tmp_path, line):
    article = read_one(write(tmp_path, "x.txt", f"Title\n\n{line}\n\nBody.\n"))
    assert (article.date, article.body) == (None, f"{line}\n\nBody.")


def test_short_final_line_without_trailer_stays_in_body(tmp_path):
    text = "Title\n\nThe minister thanked the crowd.\n\nThank You\n"
    article = read_one(write(tmp_path, "x.txt", text))
    assert (article.tags, article.authors) == ([], [])
    assert article.body == "The minister thanked the crowd.\n\nThank You"


def test_related_articles_in_mid_article_keeps_the_text_after_it(tmp_path):
    long_paragraph = "The story continues here with a long paragraph of text. " * 5
    text = f"Title\n\nFirst paragraph.\n\nRelated Articles\n\n{long_paragraph.strip()}\n"
    article = read_one(write(tmp_path, "x.txt", text))
    assert article.body == f"First paragraph.\n\n{long_paragraph.strip()}"


def test_trailer_lines_without_blank_lines(tmp_path):
    text = ("Title\n\nBody paragraph one.\n\nSOURCE: Reuters\nCrime NewsThailand News\n"
            "By Jane Doe and John Roe\n")
    article = read_one(write(tmp_path, "x.txt", text))
    assert article.sources == ["Reuters"]
    assert article.tags == ["Crime News", "Thailand News"]
    assert article.authors == ["Jane Doe", "John Roe"]
    assert article.body == "Body paragraph one."


def test_byline_under_the_title(tmp_path):
    article = read_one(write(tmp_path, "x.txt", "Title\n\nBy Jane Doe\n\nBody text.\n"))
    assert article.authors == ["Jane Doe"]
    assert article.body == "Body text."


def test_empty_source_line_gives_no_sources(tmp_path):
    text = "Title\n\nBody text.\n\nSource:\n\nWorld News\n\nJane Doe\n"
    article = read_one(write(tmp_path, "x.txt", text))
    assert (article.sources, article.tags, article.authors) == ([], ["World News"], ["Jane Doe"])


def test_reader_is_registered():
    from searcher.readers import _FORMATS

    assert _FORMATS["text"].extensions == (".txt",)
    assert _FORMATS["text"].read is plaintext.read


# --- the source splitter

@pytest.mark.parametrize("line, expected", [
    ("BBC China Daily Thai PBS", ["BBC", "China Daily", "Thai PBS"]),
    ("SOURCE: BBC China Daily Thai PBS", ["BBC", "China Daily", "Thai PBS"]),
    ("Reuters, AFP; Xinhua | CNN / NHK", ["Reuters", "AFP", "Xinhua", "CNN", "NHK"]),
    ("Reuters/AFP", ["Reuters", "AFP"]),
    ("Reuters and Bangkok Post", ["Reuters", "Bangkok Post"]),
    ("Reuters & Bangkok Post", ["Reuters", "Bangkok Post"]),
    # the longest known name wins
    ("Thai PBS World BBC News", ["Thai PBS World", "BBC News"]),
    ("Kyodo News Kyodo", ["Kyodo News", "Kyodo"]),
    # case-insensitive, canonical spelling returned
    ("bangkok post REUTERS the thaiger", ["Bangkok Post", "Reuters", "The Thaiger"]),
    ("Nation Thailand", ["The Nation Thailand"]),
    # "/", "and" and "&" inside a known name are part of it
    ("RFE/RL Mail & Guardian", ["RFE/RL", "Mail & Guardian"]),
    # unknown words stay together, ended by a known name or a separator
    ("Khon Kaen Herald Reuters", ["Khon Kaen Herald", "Reuters"]),
    ("Pattaya Daily Times BBC Isan Weekly", ["Pattaya Daily Times", "BBC", "Isan Weekly"]),
    ("Phuket Gazette and Krabi Voice", ["Phuket Gazette", "Krabi Voice"]),
    ("Khmer Times", ["Khmer Times"]),
    # a listed acronym is not matched by an ordinary capitalised word
    ("Chiang Rai Times RAI rai", ["Chiang Rai Times", "RAI"]),
    ("Sana Post and ABC", ["Sana Post", "ABC"]),
    ("Reuters.", ["Reuters"]),
    # repeats dropped, order kept
    ("BBC, Reuters, bbc", ["BBC", "Reuters"]),
    ("", []),
    ("SOURCE:", []),
])
def test_split_sources(line, expected):
    assert split_sources(line) == expected


def test_split_sources_extra_names():
    line = "Isan Record Online Chiang Rai Times"
    assert split_sources(line) == ["Isan Record Online Chiang Rai Times"]
    assert split_sources(line, extra=["Isan Record Online"]) == [
        "Isan Record Online", "Chiang Rai Times"]
    # an extra entry may respell a known name
    assert split_sources("bbc", extra=["Bbc"]) == ["Bbc"]


def test_outlets_from_environment(monkeypatch, tmp_path):
    first = tmp_path / "mine.txt"
    first.write_text("# my local papers\nChiang Rai Times\n\nIsan Record Online  # weekly\n",
                     encoding="utf-8")
    second = tmp_path / "more.txt"
    second.write_text("Krabi Voice\n", encoding="utf-8")
    missing = tmp_path / "nope.txt"
    monkeypatch.setenv(ENV_VAR, os.pathsep.join([str(first), str(missing), str(second)]))

    outlets = load_outlets()
    assert outlets[-3:] == ("Chiang Rai Times", "Isan Record Online", "Krabi Voice")
    assert split_sources("Isan Record Online Chiang Rai Times Krabi Voice BBC") == [
        "Isan Record Online", "Chiang Rai Times", "Krabi Voice", "BBC"]

    # editing the user's file takes effect without a restart
    second.write_text("Krabi Voice\nSongkhla Tribune\n", encoding="utf-8")
    assert "Songkhla Tribune" in load_outlets()

    monkeypatch.delenv(ENV_VAR)
    assert "Krabi Voice" not in load_outlets()


def test_shipped_outlet_list():
    outlets = load_outlets()
    assert len(outlets) >= 300
    assert len({o.casefold() for o in outlets}) == len(outlets)
    for name in ("Thai PBS", "Bangkok Post", "The Thaiger", "Khaosod English",
                 "The Nation Thailand", "China Daily", "Xinhua", "CGTN", "BBC", "CNN",
                 "Reuters", "AP", "AFP", "Al Jazeera", "NHK", "Kyodo"):
        assert name in outlets
    assert load_outlets() is load_outlets()  # cached


def test_parse_outlet_lines():
    assert parse_outlet_lines("# c\n  Bangkok   Post \n\nThai PBS # tv\n#x\n") == [
        "Bangkok Post", "Thai PBS"]


# --- the tag splitter

@pytest.mark.parametrize("line, expected", [
    ("Politics NewsWorld News", ["Politics News", "World News"]),
    ("Culture News", ["Culture News"]),
    ("Environment NewsThailand NewsWorld NewsBusiness News",
     ["Environment News", "Thailand News", "World News", "Business News"]),
    ("iPhone ReviewsMcDonald Openings", ["iPhone Reviews", "McDonald Openings"]),
    ("Tech, Science | Health; Travel", ["Tech", "Science", "Health", "Travel"]),
    ("Food & DrinkBangkok News", ["Food & Drink", "Bangkok News"]),
    ("World NewsWorld News", ["World News"]),
    ("", []),
])
def test_split_tags(line, expected):
    assert split_tags(line) == expected
