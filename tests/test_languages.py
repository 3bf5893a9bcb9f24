"""Archives in many languages: each article analysed in its own language,
queries searched in every language the archive holds (issue 17).

The fixture (tests/fixtures/languages/news.jsonl) is short news we wrote,
one or two articles a language, each record naming its language as
exports do ("de-DE", "nb-NO", "zh-Hans")."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from searcher import Archive
from searcher.article import Article
from searcher.cli import cli
from searcher.engine.whoosh.languages import chain
from searcher.languages import analysis_of, decided, normalise

NEWS = Path(__file__).parent / "fixtures" / "languages" / "news.jsonl"
RECORDS = [json.loads(line) for line in NEWS.read_text(encoding="utf-8").splitlines()]

# (language, a form the article holds, another form of the same word it does not hold, article id)
STEM_VARIANTS = [
    ("de", "Häusern", "Haus", "de-1"),
    ("es", "elecciones", "elección", "es-1"),
    ("fr", "gouvernements", "gouvernement", "fr-1"),
    ("it", "elezioni", "elezione", "it-1"),
    ("pt", "eleitores", "eleitor", "pt-1"),
    ("nl", "verkiezingen", "verkiezing", "nl-1"),
    ("sv", "Regeringen", "regering", "sv-1"),
    ("da", "Regeringen", "regering", "da-1"),
    ("no", "Regjeringen", "regjering", "no-1"),
    ("fi", "presidentin", "presidentti", "fi-1"),
    ("ru", "Выборы", "выборов", "ru-1"),
    ("hu", "választások", "választásokon", "hu-1"),
    ("tr", "Hükümetin", "hükümet", "tr-1"),
]
# (language, a phrase of the article, the same words out of order: not a phrase there)
PHRASES = [
    ("de", '"neuen Häusern"', '"Häusern neuen"', "de-1"),
    ("es", '"elecciones municipales"', '"municipales elecciones"', "es-1"),
    ("fr", '"ministre des Finances"', '"Finances des ministre"', "fr-1"),
    ("ru", '"выборы мэра"', '"мэра выборы"', "ru-1"),
    ("th", '"ช่วยเหลือเกษตรกร"', '"เกษตรกรช่วยเหลือ"', "th-1"),
    ("zh", '"毕业典礼"', '"典礼毕业"', "zh-1"),
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("languages") / "index"
    with Archive.create(path) as created:
        report = created.add([NEWS], jobs=1)
    assert report.new == len(RECORDS) and not report.skipped
    with Archive.open(path) as opened:
        yield opened


def ids(result) -> list[str]:
    return [hit.id for hit in result.hits]


@pytest.mark.parametrize("language, held, other, article", STEM_VARIANTS)
def test_another_form_of_a_word_finds_the_article_in_its_language(archive, language, held, other, article):
    assert held.lower() in archive.get(article).body.lower()
    assert other.lower() not in archive.get(article).body.lower().split()
    assert article in ids(archive.search(other))
    assert ids(archive.search(other, filters={"language": [language]})) == [article]


def test_the_analysis_is_the_languages_own():
    """Without its language, a German plural is not the singular (English
    analysis keeps them apart): the language is what finds it."""
    german = [token.text for token in chain("de")("Häuser Haus")]
    english = [token.text for token in chain("en")("Häuser Haus")]
    assert german[0] == german[1]
    assert english[0] != english[1]


@pytest.mark.parametrize("language, phrase, shuffled, article", PHRASES)
def test_phrases_match_in_each_language(archive, language, phrase, shuffled, article):
    assert ids(archive.search(phrase)) == [article]
    assert ids(archive.search(shuffled)) == []


def test_near_works_inside_a_language(archive):
    # "Bau von zweihundert neuen Häusern beschlossen": four words between.
    assert ids(archive.search("Bau NEAR/5 beschlossen")) == ["de-1"]
    assert ids(archive.search("Bau NEAR/2 beschlossen")) == []


@pytest.mark.parametrize("query, article", [
    ("เกษตรกร", "th-1"),      # farmers, inside an unspaced run of Thai
    ("ภาคเหนือ", "th-1"),     # the north
    ("北京大学", "zh-1"),      # a four-character word: a phrase of pairs
    ("典礼", "zh-1"),
    ("大雨警報", "ja-1"),
    ("선거", "ko-1"),
])
def test_words_of_unspaced_scripts_are_found(archive, query, article):
    assert ids(archive.search(query)) == [article]


def test_a_part_of_a_thai_word_is_not_a_word(archive):
    # "เกษตร" (agriculture) is the start of "เกษตรกร" (farmers): a word search
    # does not match inside another word, as in English.
    assert ids(archive.search("เกษตร")) == []


def test_highlights_cover_the_words_found_in_unspaced_text(archive):
    for query, article in (("北京大学", "zh-1"), ("เกษตรกร", "th-1")):
        (hit,) = archive.search(query).hits
        assert hit.id == article
        marked = [hit.snippet[start:end] for start, end in hit.highlights]
        assert marked and all(text == query for text in marked), marked


def test_highlights_in_a_stemmed_language(archive):
    (hit,) = archive.search("Haus").hits
    marked = {hit.snippet[start:end] for start, end in hit.highlights}
    assert marked == {"Häuser", "Häusern"}


def test_language_is_a_facet_and_a_filter(archive):
    counts = dict(archive.facet("language"))
    expected: dict[str, int] = {}
    for record in RECORDS:
        code = normalise(record["language"])
        expected[code] = expected.get(code, 0) + 1
    assert counts == expected
    assert counts["de"] == 2 and counts["no"] == 1 and counts["zh"] == 1
    result = archive.search("lang:de")
    assert sorted(ids(result)) == ["de-1", "de-2"]
    assert archive.search("Regeringen", filters={"lang": ["DA"]}).total == 1


def test_a_word_is_searched_in_every_language_held(archive):
    # "regering" is Swedish and Danish alike.
    assert sorted(ids(archive.search("regering"))) == ["da-1", "sv-1"]


def test_an_unsupported_language_is_analysed_neutrally(archive):
    assert analysis_of("sw") == "neutral"
    assert ids(archive.search("Mombasa")) == ["sw-1"]
    assert ids(archive.search("barabara")) == ["sw-1"]
    assert ids(archive.search("barabar")) == []  # no stemming
    assert archive.get("sw-1").language == "sw"


def test_english_keeps_its_analysis(archive):
    assert "en-1" in ids(archive.search("house"))
    assert ids(archive.search("housing plan")) == ["en-1"]


@pytest.mark.parametrize("tag, code", [
    ("en-US", "en"), ("de_DE", "de"), ("English", "en"), ("deu", "de"), ("nb-NO", "no"), ("zh-Hant", "zh"),
    ("Français", "fr"), ("pt-BR", "pt"), ("", ""), ("  ", ""), ("sw", "sw"),
])
def test_language_tags_are_normalised(tag, code):
    assert normalise(tag) == code


def test_a_language_is_detected_when_the_record_names_none():
    german = Article(title="Neue Häuser für die Altstadt", body=RECORDS[0]["body"])
    assert decided(german).language == "de"
    assert german.language == ""  # the caller's article is left as it was
    named = Article(title="x", body=RECORDS[0]["body"], language="fr")
    assert decided(named).language == "fr"  # the record's own word wins
    assert decided(Article(title="Short", body="Too few words")).language == ""


def test_detected_language_reaches_the_index(tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text("\n".join(json.dumps({"id": r["id"], "title": r["title"], "body": r["body"]},
                                         ensure_ascii=False) for r in RECORDS[:3]), encoding="utf-8")
    with Archive.create(tmp_path / "index") as archive:
        archive.add([data], jobs=1)
        assert archive.get("de-1").language == "de"
        assert ids(archive.search("Haus")) == ["de-1"]


def test_html_lang_and_the_seed_layout_carry_the_language(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<html lang="es-ES"><head><title>Elecciones en Sevilla</title></head><body><article>'
                    f'<h1>Elecciones en Sevilla</h1><p>{RECORDS[3]["body"]}</p><p>{RECORDS[3]["body"]}</p>'
                    '</article></body></html>', encoding="utf-8")
    seed = tmp_path / "seed.txt"
    seed.write_text(f"{RECORDS[0]['title']}\n\n{RECORDS[0]['body']}\n\n{RECORDS[1]['body']}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["parse", str(page), str(seed)])
    assert result.exit_code == 0, result.output
    parsed = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    assert [article["language"] for article in parsed] == ["es", "de"]


def test_a_sharded_archive_answers_as_one_index(tmp_path, archive):
    with Archive.create(tmp_path / "sharded", shards=3) as sharded:
        sharded.add([NEWS], jobs=1)
        for query in ("Haus", "regering", "北京大学", "เกษตรกร", '"elecciones municipales"', "presidentti"):
            assert ids(sharded.search(query)) == ids(archive.search(query)), query
        # (sorted: equal scores, as a filter alone gives, are in storage order)
        assert sorted(ids(sharded.search("lang:de"))) == sorted(ids(archive.search("lang:de")))
        assert dict(sharded.facet("language")) == dict(archive.facet("language"))


def test_atleast_counts_each_languages_form_only_in_its_own_articles(tmp_path):
    # Spanish stems "dollar" to "doll": an English article saying "doll"
    # three times is no match, a Spanish one saying "dollar" three times is.
    from searcher.engine.whoosh.accel.imports import index as whoosh_index
    from searcher.engine.whoosh.compile import Compiler
    from searcher.engine.whoosh.evaluate import Evaluator
    from searcher.query.parser import parse
    from searcher.query.ranking import DEFAULT_RANKING

    spanish = "El dollar sube hoy. El dollar baja mañana. Un dollar vale más que ayer en los mercados de la ciudad."
    articles = [Article(id="en-dollar", title="Markets", body="The dollar rose, the dollar fell, the dollar held.",
                        language="en"),
                Article(id="en-doll", title="Toys", body="A doll, a doll and another doll were sold.", language="en"),
                Article(id="es-dollar", title="Mercados", body=spanish, language="es")]
    with Archive.create(tmp_path / "index") as made:
        made.add(articles)
    with Archive.open(tmp_path / "index") as opened:
        assert sorted(ids(opened.search("atleast3(dollar)"))) == ["en-dollar", "es-dollar"]
        assert ids(opened.search("atleast4(dollar)")) == []
    ix = whoosh_index.open_dir(str(tmp_path / "index"))
    with ix.searcher() as searcher:
        query = Compiler(ix.schema, holds=lambda f, term: (f, term) in searcher.reader()).compile(
            parse("atleast3(dollar)"))
        theirs = sorted(searcher.stored_fields(n)["id"] for n in searcher.docs_for_query(query))
        ours = Evaluator(DEFAULT_RANKING.k1, DEFAULT_RANKING.b).evaluate(searcher, query)
        assert theirs == sorted(searcher.stored_fields(n)["id"] for n in ours.docnums()) == ["en-dollar", "es-dollar"]


def test_an_english_archive_compiles_queries_in_english_only(tmp_path):
    from searcher.engine.whoosh.accel.imports import index as whoosh_index
    from searcher.engine.whoosh.compile import Compiler
    from searcher.query.parser import parse

    with Archive.create(tmp_path / "index") as made:  # "doll" is Spanish's "dollar", but no article is Spanish
        made.add([Article(id="a", title="Toys", body="A doll and a dollar", language="en")])
    ix = whoosh_index.open_dir(str(tmp_path / "index"))
    with ix.searcher() as searcher:
        query = Compiler(ix.schema, holds=lambda f, term: (f, term) in searcher.reader()).compile(parse("dollar"))
    assert "FilterQuery" not in repr(query) and "'doll'" not in repr(query) and "'dollar'" in repr(query)


def test_did_you_mean_reads_every_language_held(archive):
    # "Häuser" is held as German's "haus": no spelling slip, though English would not find it.
    offered = archive.search("Häuser Mombasa")
    assert offered.fallback == "any" and "Häuser" not in offered.suggestions
    # A slip in a German word is corrected to a word German articles use, as written there.
    assert "stadtrat" in archive.search("Stadtrut").suggestions.get("Stadtrut", [])


ENGLISH = "The central bank raised interest rates again on Thursday, citing inflation."


def test_a_large_run_lets_go_of_the_detector_model_and_it_comes_back(tmp_path, monkeypatch):
    from searcher import languages
    from searcher.ingest import indexer

    articles = [Article(id=f"a{n}", title="Rates", body=f"{ENGLISH} Item {n}.") for n in range(4)]
    monkeypatch.setattr(indexer, "RELEASE_MODEL_AFTER", 5)
    with Archive.create(tmp_path / "small") as archive:
        archive.add(articles)  # 4 articles: under the threshold, the model stays
    assert languages._detector is not None
    monkeypatch.setattr(indexer, "RELEASE_MODEL_AFTER", 4)
    with Archive.create(tmp_path / "large") as archive:
        archive.add(articles)
        assert languages._detector is None
        assert archive.search("language:en").total == 4  # detected before it was let go
    assert decided(Article(id="b", title="Rates", body=ENGLISH)).language == "en"  # loaded again
