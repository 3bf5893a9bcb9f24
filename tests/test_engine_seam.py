"""The engine seam: the API reaches backends only through the factory, the
search policy is the same object for every backend, and ranking settings
come from one Ranking."""
from __future__ import annotations

import ast
import pickle
from pathlib import Path

import pytest

from searcher import Archive, Article, InvalidArgument, engine
from searcher.query.ranking import DEFAULT_RANKING, Ranking
from searcher.query.request import SearchRequest

PACKAGE = Path(__file__).resolve().parents[1] / "searcher"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_only_the_whoosh_backend_imports_whoosh():
    outside = [path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")
               if "engine/whoosh" not in path.as_posix()
               and any(name == "whoosh" or name.startswith("whoosh.") for name in _imports(path))]
    assert outside == []


def test_the_api_reaches_engines_only_through_the_factory():
    tree = ast.parse((PACKAGE / "api.py").read_text(encoding="utf-8"))
    engine_imports = {(node.module, tuple(alias.name for alias in node.names))
                      for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 1
                      and (node.module is None or node.module.startswith("engine"))}
    # The factory module, and the interface's types for annotations.
    assert engine_imports == {(None, ("engine",)), ("engine.base", ("Backend", "BackendModule"))}


def test_an_unknown_engine_is_an_invalid_argument(tmp_path):
    with pytest.raises(InvalidArgument, match="unknown engine 'lucene'"):
        Archive.create(tmp_path / "ix", engine="lucene")


def test_every_backend_module_has_the_interface():
    for name in engine.BACKENDS:
        module = engine.backend(name)
        for function in ("exists", "open", "create", "refuse_foreign_folder", "check_index", "rebuild_index",
                         "failed_on_damage"):
            assert callable(getattr(module, function)), (name, function)


def test_an_index_whose_schema_names_the_old_stemmer_module_still_opens():
    # Indexes written before the engine/ layout pickled the stemmer as searcher.index.stemming.porter_stem.
    from searcher.engine.whoosh.stemming import porter_stem

    old = b"csearcher.index.stemming\nporter_stem\np0\n."
    assert pickle.loads(old) is porter_stem


@pytest.fixture
def two(tmp_path):
    path = tmp_path / "ix"
    with Archive.create(path) as archive:
        archive.add([Article(id="t", title="Pipeline", body="Talks went on all day."),
                     Article(id="b", title="Talks", body="The pipeline pipeline pipeline was built.")], jobs=1)
    return path


def test_the_title_boost_comes_from_the_archives_ranking(two):
    def order(ranking: Ranking) -> list[str]:
        with Archive.open(two, ranking=ranking) as archive:
            return [hit.id for hit in archive.search("pipeline").hits]

    assert order(Ranking(title_boost=20.0)) == ["t", "b"]
    assert order(Ranking(title_boost=0.01)) == ["b", "t"]


def test_query_stop_words_come_from_the_archives_ranking(two):
    with Archive.open(two) as archive:
        assert archive.search("the pipeline", match="any").ignored == ["the"]
    with Archive.open(two, ranking=Ranking(query_stop_words=frozenset({"pipeline"}))) as archive:
        assert archive.search("the pipeline talks", match="any").ignored == ["pipeline"]


def test_a_request_object_answers_as_search_does(two):
    with Archive.open(two) as archive:
        by_words = archive.search("pipeline", sort="-date", facets=["tags"])
        by_request = archive.run(SearchRequest("pipeline", sort="-date", facets=("tags",)))
    assert by_request.to_dict() == by_words.to_dict()


@pytest.mark.parametrize("options, message", [({"sort": "newest"}, "sort must be one of"),
                                              ({"match": "some"}, "match must be one of"),
                                              ({"facets": ("colour",)}, "unknown facet 'colour'"),
                                              ({"filters": {"colour": "red"}}, "unknown filter 'colour'")])
def test_a_request_is_checked_when_made(options, message):
    with pytest.raises(InvalidArgument, match=message):
        SearchRequest("pipeline", **options)


def test_snippets_can_be_left_out(two):
    with Archive.open(two) as archive:
        full = archive.search("pipeline").hits
        bare = archive.search("pipeline", snippets=False).hits
    assert [h.id for h in bare] == [h.id for h in full]
    assert all(h.snippet and h.matched_terms for h in full)
    assert all(not h.snippet and not h.matched_terms and not h.highlights for h in bare)


def test_the_default_ranking_is_the_documented_one():
    assert (DEFAULT_RANKING.k1, DEFAULT_RANKING.b, DEFAULT_RANKING.title_boost) == (1.2, 0.75, 2.0)


@pytest.mark.parametrize("options", [{"offset": -2}, {"limit": -1}, {"facet_limit": -1}, {"limit": 2.5},
                                     {"filters": {"year": 2021}}, {"filters": {"tag": []}},
                                     {"filters": {"tag": ["Energy", 3]}}])
def test_counts_and_filter_values_are_checked(two, options):
    with Archive.open(two) as archive, pytest.raises(InvalidArgument):
        archive.search("pipeline", **options)


def test_similar_takes_a_limit_of_at_least_one(two):
    with Archive.open(two) as archive:
        with pytest.raises(InvalidArgument, match="limit must be a whole number of at least 1"):
            archive.similar("t", limit=0)
        assert len(archive.similar("t", limit=1)) <= 1


def test_a_zero_limit_still_counts(two):
    with Archive.open(two) as archive:
        result = archive.search("pipeline", limit=0, facets=["year"])
    assert (result.total, result.hits) == (2, [])
