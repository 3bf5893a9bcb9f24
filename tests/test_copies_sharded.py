"""Near-copy groups on a sharded archive answer as one index of the same
articles would (issue 16): copies of one story land in different shards."""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest

from searcher import Archive, Article

from .test_copies import START, VOCABULARY, _archive_articles, _family, _paragraphs

# Scores without ties (shards break ties in their own order, an index in its own).
WORDS = " ".join(VOCABULARY[:60])
SHARDINGS = {"3 in process": dict(shards=3, processes=False), "2 processes": dict(shards=2, processes=True)}


def _articles() -> list[Article]:
    articles = _archive_articles(seed=5)
    random.Random(4).shuffle(articles)
    return articles


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    root = tmp_path_factory.mktemp("sharded-copies")
    articles = _articles()
    opened = {}
    for name, options in {"one": {}, **SHARDINGS}.items():
        archive = Archive.create(root / name.replace(" ", "-"), **options)
        archive.add(articles[:50])
        archive.add(articles[50:])
        opened[name] = archive
    yield opened
    for archive in opened.values():
        archive.close()


def _spread() -> int:
    """How many families have copies in more than one shard (what the test needs to be worth anything)."""
    from searcher.engine.sharded.layout import shard_of

    families: dict[str, set[int]] = {}
    for article in _articles():
        families.setdefault(article.id.split("-")[0], set()).add(shard_of(article.id, 3))
    return sum(len(shards) > 1 for shards in families.values())


def _hits(result) -> list[tuple]:
    return [(hit.id, hit.group, hit.copies, tuple(hit.outlets or ())) for hit in result.hits]


def test_the_fixture_spreads_families_over_shards(archives):
    assert _spread() >= 10


@pytest.mark.parametrize("name", SHARDINGS)
@pytest.mark.parametrize("sort", ["relevance", "date", "-date"])
def test_collapsed_pages_are_one_indexs(archives, name, sort):
    one, sharded = archives["one"], archives[name]
    for offset in (0, 3, 7, 20):
        expected = one.search(WORDS, match="any", limit=5, offset=offset, collapse=True, sort=sort)
        found = sharded.search(WORDS, match="any", limit=5, offset=offset, collapse=True, sort=sort)
        assert _hits(found) == _hits(expected)
        assert (found.total, found.stories) == (expected.total, expected.stories)
    best = one.search(WORDS, match="any", limit=25, collapse=True).hits
    assert len({hit.score for hit in best}) == len(best) >= 20  # no ties between groups: one order only


@pytest.mark.parametrize("name", SHARDINGS)
def test_story_counts_facets_and_timelines_are_one_indexs(archives, name):
    one, sharded = archives["one"], archives[name]
    for facet in ("publisher", "tags", "month", "year"):
        assert sharded.facet(facet, "harbour", count="stories") == one.facet(facet, "harbour", count="stories")
    expected = one.search("harbour", facets=["publisher", "month"], count="stories", sort="date")
    found = sharded.search("harbour", facets=["publisher", "month"], count="stories", sort="date")
    assert found.facets == expected.facets and found.stories == expected.stories
    assert _hits(found) == _hits(expected)
    for by in ("day", "month"):
        expected_line = one.timeline("harbour", by=by, count="stories")
        found_line = sharded.timeline("harbour", by=by, count="stories")
        assert (found_line.periods, found_line.total) == (expected_line.periods, expected_line.total)
    assert found.stories < found.total  # there are copies to count once


@pytest.mark.parametrize("name", SHARDINGS)
def test_duplicates_and_top_stories_are_one_indexs(archives, name):
    one, sharded = archives["one"], archives[name]
    for article in _articles()[::3]:
        expected = [(hit.id, hit.group, round(hit.score, 6)) for hit in one.duplicates(article.id)]
        assert [(hit.id, hit.group, round(hit.score, 6)) for hit in sharded.duplicates(article.id)] == expected
    assert sharded.stories(6) == one.stories(6)
    assert sharded.stories(6, similarity="high") == one.stories(6, similarity="high")


def test_a_new_copy_joins_its_group_across_shards(tmp_path):
    rng = random.Random(11)
    family = _family(rng, 40, 4)
    market = _family(rng, 41, 2, topic="market")
    rewritten = replace(family[1], body=" ".join(_paragraphs(rng, 4)))  # no longer a copy
    later = Article(id="late-copy", title="Story 40 again", body=family[0].body + "\n\nUpdated.",
                    date=START - timedelta(days=1), publisher="Late Post")
    one = Archive.create(tmp_path / "one")
    sharded = Archive.create(tmp_path / "sharded", shards=3, processes=False)
    try:
        for archive in (one, sharded):
            archive.add(family + market)
        assert sharded.stories(3) == one.stories(3)
        for archive in (one, sharded):
            archive.add([later])  # dated earliest: the group's id becomes it
            archive.add([rewritten])
        assert sharded.stories(3) == one.stories(3)
        assert sharded.stories(1)[0].group == "late-copy"
        assert family[1].id not in {h.id for h in sharded.duplicates(family[0].id)}
        assert [h.id for h in sharded.duplicates(family[2].id)] == [h.id for h in one.duplicates(family[2].id)]
    finally:
        one.close()
        sharded.close()


def test_a_shard_changed_between_reading_groups_and_asking_is_asked_again(tmp_path):
    """Another run commits after the groups were made for the shards'
    versions: the shards refuse the stale groups, which are made again."""
    rng = random.Random(12)
    family = _family(rng, 50, 3)
    path = tmp_path / "sharded"
    with Archive.create(path, shards=3, processes=False) as archive:
        archive.add(family)
        backend = archive._backend
        stale = backend.groups()
        with Archive.open(path, processes=False) as other:
            other.add(_family(rng, 51, 3, topic="market"))
        asked = []

        def groups_once_stale():
            asked.append(1)
            return stale if len(asked) == 1 else type(backend).groups(backend)

        backend.groups = groups_once_stale
        found = archive.search("harbour OR market", collapse=True, limit=10)
        assert len(asked) == 2 and found.stories == 2 and found.total == 6


def test_an_indexing_run_leaves_the_archives_groups_made(tmp_path):
    from searcher.engine.sharded.copies import FOLDER

    path = tmp_path / "sharded"
    with Archive.create(path, shards=3, processes=False) as archive:
        archive.add(_family(random.Random(13), 60, 3))
    saved = list((path / FOLDER).glob("*.npz"))
    assert len(saved) == 1
    with Archive.open(path, processes=False) as archive:
        assert archive.search("harbour", collapse=True).stories == 1
    assert list((path / FOLDER).glob("*.npz")) == saved  # loaded, not made again
