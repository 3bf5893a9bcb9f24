"""Every row of the README's query-syntax table, and the forms its notes
name, find exactly the fixture articles the model says they should."""
from __future__ import annotations

import pytest

from ..conftest import REPO
from .model import (
    both,
    count_at_least,
    dated,
    day,
    either,
    fuzzy,
    near,
    phrase,
    prefix,
    wildcard,
    without,
    word,
)

README = (REPO / "README.md").read_text(encoding="utf-8")

DATE_2021 = dated(day(2021), day(2022))

# The README's table, row by row: query -> what it must find.
TABLE = {
    "pipeline": word("pipeline"),
    "gas pipeline": both(word("gas"), word("pipeline")),
    '"gas pipeline"': phrase("gas pipeline"),
    "mongolia OR cyprus": either(word("mongolia"), word("cyprus")),
    "pipeline NOT gas": both(word("pipeline"), without(word("gas"))),
    "pipeline -gas": both(word("pipeline"), without(word("gas"))),
    "(flood OR floods) AND date:2021": both(either(word("flood"), word("floods")), DATE_2021),
    "title:pipeline": word("pipeline", "title"),
    'author:"lena hoffmann"': phrase("lena hoffmann", "author"),
    "source:xinhua": word("xinhua", "source"),
    'tag:"energy news"': phrase("energy news", "tag"),
    'publisher:"example news"': phrase("example news", "publisher"),
    "gas NEAR/3 pipeline": near("gas", "pipeline", 3),
    "gas PRE/1 pipeline": near("gas", "pipeline", 1, ordered=True),
    '"gas pipeline"~2': phrase("gas pipeline", slop=2),
    "pipel*": prefix("pipel"),
    "mongol?a": wildcard("mongol?a"),
    "mongolya~": fuzzy("mongolya", 1),
    "kazakstan~": fuzzy("kazakstan", 1),
    "date:2021": DATE_2021,
    "date:2021-03": dated(day(2021, 3), day(2021, 4)),
    "date:[2021-01-01 TO 2021-06-30]": dated(day(2021), day(2021, 7)),
    "date:>=2024-01-01": dated(day(2024), None),
    "title:(mongolia OR cyprus)": either(word("mongolia", "title"), word("cyprus", "title")),
    "title:pipeline^2 gas": both(word("pipeline", "title"), word("gas")),
    "atleast3(pipeline)": count_at_least(3, "pipeline"),
}

# What the table's meaning column and the notes under it add.
NOTES = {
    "body:pipeline": word("pipeline", "body"),
    "author:hoffmann": word("hoffmann", "author"),
    'AUTHOR:"LENA HOFFMANN"': phrase("lena hoffmann", "author"),
    "tag:energy": word("energy", "tag"),
    'tag:"news world"': phrase("news world", "tag"),  # never across two values
    "gas NEAR pipeline": near("gas", "pipeline", 5),
    "pipeline NEAR/0 gas": near("pipeline", "gas", 0),
    "gas NEAR/2 pipeline": near("gas", "pipeline", 2),
    "gas NEAR/4 pipeline": near("gas", "pipeline", 4),
    "gas PRE/2 pipeline": near("gas", "pipeline", 2, ordered=True),
    "gas PRE/3 pipeline": near("gas", "pipeline", 3, ordered=True),
    "pipeline PRE/3 gas": near("pipeline", "gas", 3, ordered=True),
    "gas NEAR/3 pipeline NEAR/3 network": both(near("gas", "pipeline", 3), near("pipeline", "network", 3)),
    '"bank of england" NEAR/5 rates': near("bank of england", "rates", 5),
    '"gas pipeline"~1': phrase("gas pipeline", slop=1),
    '"gas pipeline"~3': phrase("gas pipeline", slop=3),
    '"bank of england"': phrase("bank of england"),
    '"bank of england"~1': phrase("bank of england", slop=1),
    '"the bank"': word("bank"),
    "mongolya~2": fuzzy("mongolya", 2),
    "mongolya": word("mongolya"),
    "m*lia": wildcard("m*lia"),
    "flooding": word("flooding"),  # Porter stems: flooding finds floods
    "zurich": word("zurich"),  # accents folded
    "author:alvarez": word("alvarez", "author"),
    "mongolia or cyprus": both(word("mongolia"), word("cyprus")),  # lower-case "or" is a (stop) word
    "(pipeline OR mongolia) NOT (gas OR coal)": both(either(word("pipeline"), word("mongolia")),
                                                   without(either(word("gas"), word("coal")))),
    "NOT pipeline": without(word("pipeline")),
    "date:2021-01": dated(day(2021), day(2021, 2)),  # finds an article dated only 2021
    "date:2022-09": dated(day(2022, 9), day(2022, 10)),
    "date:2021-03-04": dated(day(2021, 3, 4), day(2021, 3, 5)),
    "date:{2021-01-01 TO 2021-06-30}": dated(day(2021, 1, 2), day(2021, 6, 30)),
    "date:[* TO 2021-06-30]": dated(None, day(2021, 7)),
    "date:[2022 TO *]": dated(day(2022), None),
    "date:>2024-01-01": dated(day(2024, 1, 2), None),
    "date:<2021": dated(None, day(2021)),
    "date:<=2021": dated(None, day(2022)),
    "date:2023": dated(day(2023), day(2024)),
    "atleast2(gas)": count_at_least(2, "gas"),
    "id:cy-mn-trade-2021": lambda a: a.id == "cy-mn-trade-2021",
    "url:https://contract.test/law/zurich-permit": lambda a: a.url == "https://contract.test/law/zurich-permit",
}


def readme_rows() -> list[str]:
    block = README.split("<!-- syntax-examples: start -->")[1].split("<!-- syntax-examples: end -->")[0]
    return [line.strip().strip("|").split(" | ")[0].strip().strip("`")
            for line in block.strip().splitlines()[2:]]


def test_every_row_of_the_readme_table_has_a_contract():
    assert sorted(readme_rows()) == sorted(TABLE)


def _found(archive, query):
    result = archive.search(query, limit=100, fallback=False)
    assert result.total == len(result.hits)
    assert [hit.rank for hit in result.hits] == list(range(1, result.total + 1))
    return {hit.id for hit in result.hits}


@pytest.mark.parametrize("query", sorted(TABLE))
def test_readme_row(archive, articles, expect, query):
    expected = expect(TABLE[query])
    assert 0 < len(expected) < len(articles), "the fixture must tell this form's matches apart"
    assert _found(archive, query) == expected


@pytest.mark.parametrize("query", sorted(NOTES))
def test_documented_form(archive, expect, query):
    assert _found(archive, query) == expect(NOTES[query])


def test_near_misses_are_in_the_fixture(articles, expect):
    """The fixture holds the cases that tell the forms apart (else the tests above prove little)."""
    assert expect(phrase("gas pipeline")) < expect(phrase("gas pipeline", slop=1))
    assert expect(near("gas", "pipeline", 1, ordered=True)) < expect(near("gas", "pipeline", 3))
    for n in range(1, 5):  # each distance finds one more article than the one below it
        assert expect(near("gas", "pipeline", n - 1)) < expect(near("gas", "pipeline", n))
        assert expect(near("gas", "pipeline", n - 1, ordered=True)) < expect(near("gas", "pipeline", n, ordered=True))
    assert expect(phrase("gas pipeline", slop=1)) < expect(phrase("gas pipeline", slop=2)) < expect(
        phrase("gas pipeline", slop=3))
    assert expect(near("gas", "pipeline", 5)) < expect(both(word("gas"), word("pipeline")))
    assert expect(phrase("bank of england")) < expect(phrase("bank of england", slop=1))
    assert expect(word("mongolia")) < expect(fuzzy("mongolya", 1))
    assert not expect(phrase("news world", "tag")) and expect(phrase("world news", "tag"))
    body_only = {a.id for a in articles if a.body.lower().count("pipeline") >= 3}
    assert body_only < expect(count_at_least(3, "pipeline"))  # title and body counted together
    assert expect(dated(day(2021), day(2021, 2))) - expect(dated(day(2021, 1, 2), day(2021, 2)))  # dated "2021"


@pytest.mark.parametrize("query", ["title:pipeline^2 gas", "pipeline", "mongolia OR cyprus", "gas NEAR/3 pipeline"])
def test_relevance_order_is_by_score(archive, query):
    scores = [hit.score for hit in archive.search(query, limit=100).hits]
    assert None not in scores and scores == sorted(scores, reverse=True)
