"""Near-copy groups in an archive (issue 16): grouping, regrouping as the
index changes, collapsed paging, counts by stories, the commands."""
from __future__ import annotations

import json
import random
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from searcher import Archive, Article
from searcher.cli import cli
from searcher.errors import ArticleNotFound, IndexOutdated, SearcherError

VOCABULARY = [f"w{i}" for i in range(4000)]
START = datetime(2024, 3, 1, tzinfo=timezone.utc)
OUTLETS = ["Wire", "Daily", "Gazette", "Herald", "Times"]


def _paragraphs(rng: random.Random, count: int = 5) -> list[str]:
    return [" ".join(rng.choice(VOCABULARY) for _ in range(45)) for _ in range(count)]


def _family(rng: random.Random, story: int, copies: int, topic: str = "harbour") -> list[Article]:
    """One story and its syndicated copies: the first is the wire's; each
    copy drops a paragraph, adds a byline, runs hours later at another outlet."""
    paragraphs = _paragraphs(rng)
    found = []
    for copy in range(copies):
        kept = [p for i, p in enumerate(paragraphs) if i != copy] if copy else paragraphs
        found.append(Article(id=f"s{story:02d}-{copy}", title=f"Story {story} {topic} ({OUTLETS[copy]})",
                             body=f"By Staff {copy}\n\n" + "\n\n".join(kept) + f"\n\n{topic} news",
                             date=START + timedelta(days=story * 3, hours=copy), publisher=OUTLETS[copy],
                             tags=[f"tag{story % 3}"]))
    return found


def _archive_articles(seed: int = 1) -> list[Article]:
    rng = random.Random(seed)
    articles = []
    for story in range(24):
        articles += _family(rng, story, 1 + story % 4)
    return articles


def _families(articles: list[Article]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for article in articles:
        found.setdefault(article.id.split("-")[0], set()).add(article.id)
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, list[Article]]:
    path = tmp_path_factory.mktemp("copies") / "index"
    articles = _archive_articles()
    random.Random(3).shuffle(articles)  # copies arrive in no order, in several commits
    with Archive.create(path) as archive:
        archive.add(articles[:40])
        archive.add(articles[40:])
    return path, articles


def test_an_articles_duplicates_are_its_family_earliest_first(built):
    path, articles = built
    by_id = {a.id: a for a in articles}
    with Archive.open(path) as archive:
        for family in _families(articles).values():
            member = sorted(family)[-1]
            hits = archive.duplicates(member)
            assert hits[0].id == member and hits[0].score == 1.0
            assert {hit.id for hit in hits} == family
            rest = hits[1:]
            assert [hit.date for hit in rest] == sorted(by_id[hit.id].date for hit in rest)
            earliest = min(family, key=lambda i: by_id[i].date)
            assert {hit.group for hit in hits} == {earliest}
            # Every copy is the original less a paragraph: nearly all of it is
            # in the original (less its byline), as far as 128 hashes can tell.
            assert all(hit.score >= 0.8 for hit in archive.duplicates(earliest))


def test_an_unknown_article_has_no_duplicates(built):
    with Archive.open(built[0]) as archive, pytest.raises(ArticleNotFound):
        archive.duplicates("no-such-id")


def test_collapse_gives_one_hit_per_story_with_its_copies_and_outlets(built):
    path, articles = built
    families = _families(articles)
    with Archive.open(path) as archive:
        plain = archive.search("harbour", limit=1000)
        collapsed = archive.search("harbour", limit=1000, collapse=True)
    assert collapsed.total == plain.total == len(articles)
    assert collapsed.stories == len(collapsed.hits) == len(families)
    for hit in collapsed.hits:
        family = families[hit.id.split("-")[0]]
        assert hit.copies == len(family)
        assert hit.group == min(family)  # copy 0 runs first
        assert sorted(hit.outlets) == sorted(OUTLETS[:len(family)])
    # Each group's hit is its best match, in the plain order.
    first_seen = list(dict.fromkeys(hit.id.split("-")[0] for hit in plain.hits))
    assert [hit.id.split("-")[0] for hit in collapsed.hits] == first_seen
    best = {}
    for hit in plain.hits:
        best.setdefault(hit.id.split("-")[0], hit.id)
    assert [hit.id for hit in collapsed.hits] == [best[h.id.split("-")[0]] for h in collapsed.hits]


@pytest.mark.parametrize("sort", ["relevance", "date", "-date"])
def test_collapsed_pages_follow_on_without_repeating_a_story(built, sort):
    path, _ = built
    with Archive.open(path) as archive:
        whole = [hit.id for hit in archive.search("harbour", limit=1000, collapse=True, sort=sort).hits]
        pages = []
        for offset in range(0, len(whole) + 5, 5):
            page = archive.search("harbour", limit=5, offset=offset, collapse=True, sort=sort)
            assert page.stories == len(whole)
            pages += [hit.id for hit in page.hits]
        again = [hit.id for hit in archive.search("harbour", limit=1000, collapse=True, sort=sort).hits]
    assert pages == whole == again
    assert len({i.split("-")[0] for i in whole}) == len(whole)


def test_a_date_range_alone_collapses_too(built):
    path, articles = built
    with Archive.open(path) as archive:
        found = archive.search("", since="2024-03-01", until="2024-12-31", limit=1000, collapse=True)
    assert found.stories == len(found.hits) == len(_families(articles))


def test_facets_count_stories_once_per_value(built):
    path, articles = built
    families = _families(articles)
    with Archive.open(path) as archive:
        by_articles = dict(archive.facet("publisher", "harbour"))
        by_stories = dict(archive.facet("publisher", "harbour", count="stories"))
        tags = dict(archive.facet("tags", "harbour", count="stories"))
        result = archive.search("harbour", facets=["publisher", "month"], count="stories")
    assert by_articles == {outlet: sum(1 for a in articles if a.publisher == outlet) for outlet in OUTLETS[:4]}
    # Each copy of a family is at another outlet: per outlet, stories = articles.
    assert by_stories == by_articles
    assert tags == {f"tag{n}": sum(1 for s in families if int(s[1:]) % 3 == n) for n in range(3)}
    assert result.stories == len(families) and result.total == len(articles)
    assert sum(count for _, count in result.facets["month"]) == len(families)


def test_a_timeline_of_stories_counts_each_at_its_first_copy(built):
    path, articles = built
    families = _families(articles)
    by_id = {a.id: a for a in articles}
    with Archive.open(path) as archive:
        stories = archive.timeline("harbour", by="day", count="stories")
        plain = archive.timeline("harbour", by="day")
    expected: dict[str, int] = {}
    for family in families.values():
        day = min(by_id[i].date for i in family).strftime("%Y-%m-%d")
        expected[day] = expected.get(day, 0) + 1
    assert {p: c for p, c in stories.periods if c} == expected
    assert stories.total == len(families) and plain.total == len(articles)
    assert stories.count == "stories" and stories.to_dict()["count"] == "stories"


def test_the_most_republished_stories_come_first(built):
    path, articles = built
    families = _families(articles)
    with Archive.open(path) as archive:
        top = archive.stories(7)
    sizes = sorted((len(f) for f in families.values()), reverse=True)
    assert [story.copies for story in top] == sizes[:7]
    for story in top:
        assert families[story.group.split("-")[0]] and story.group.endswith("-0")
        assert len(story.outlets) == story.copies


def test_a_new_copy_joins_its_story_and_an_earlier_one_leads_it(tmp_path):
    rng = random.Random(5)
    family = _family(rng, 1, 3)
    other = _family(rng, 2, 2)
    with Archive.create(tmp_path / "ix") as archive:
        archive.add(family[1:] + other)
        assert archive.duplicates(family[1].id)[0].group == family[1].id  # the earliest so far
        archive.add([family[0]])  # the wire's original, an hour earlier, arrives later
        hits = archive.duplicates(family[2].id)
        assert {hit.id for hit in hits} == {a.id for a in family}
        assert {hit.group for hit in hits} == {family[0].id}
        assert {hit.id for hit in archive.duplicates(other[0].id)} == {a.id for a in other}


def test_deleting_or_changing_an_article_regroups_what_it_linked(tmp_path):
    """A chain: B holds A's text and C's; A and C share too little. Without
    B (its file changed to other text) A and C are apart."""
    rng = random.Random(6)
    a_part, c_part = _paragraphs(rng, 3), _paragraphs(rng, 3)
    records = [
        {"id": "a", "title": "A", "body": "\n\n".join(a_part), "date": "2024-01-01"},
        {"id": "b", "title": "B", "body": "\n\n".join(a_part + c_part), "date": "2024-01-02"},
        {"id": "c", "title": "C", "body": "\n\n".join(c_part), "date": "2024-01-03"},
    ]
    source = tmp_path / "feed.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    with Archive.create(tmp_path / "ix") as archive:
        archive.add([source])
        assert [hit.id for hit in archive.duplicates("c")] == ["c", "a", "b"]
        records[1]["body"] = "\n\n".join(_paragraphs(rng, 4))  # B rewritten
        source.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
        archive.add([source])
        assert [hit.id for hit in archive.duplicates("c")] == ["c"]
        assert [hit.id for hit in archive.duplicates("a")] == ["a"]
        records[1]["body"] = "\n\n".join(a_part + c_part)  # and back
        source.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
        archive.add([source])
        assert {hit.id for hit in archive.duplicates("a")} == {"a", "b", "c"}
        source.write_text("\n".join(json.dumps(r) for r in records[::2]), encoding="utf-8")  # B deleted
        archive.add([source])
        assert [hit.id for hit in archive.duplicates("a")] == ["a"]
        assert archive.search("", since="2024-01-01", collapse=True).stories == 2


def test_higher_similarity_splits_loose_copies(built):
    path, articles = built
    with Archive.open(path) as archive:
        moderate = archive.search("harbour", limit=1, collapse=True).stories
        high = archive.search("harbour", limit=1, collapse=True, similarity="high").stories
        exact = archive.search("harbour", limit=1, collapse=True, similarity=1.0).stories
    assert moderate == len(_families(articles)) < high <= exact <= len(articles)


def test_short_texts_have_no_copies(tmp_path):
    with Archive.create(tmp_path / "ix") as archive:
        archive.add([Article(id=f"brief{i}", title="Brief", body="Markets closed higher today.") for i in range(3)])
        assert [hit.id for hit in archive.duplicates("brief1")] == ["brief1"]
        assert archive.search("markets", collapse=True).stories == 3


def test_saved_pairs_that_do_not_fit_are_made_again(built, tmp_path):
    import shutil

    path = tmp_path / "index"
    shutil.copytree(built[0], path)
    with Archive.open(path) as archive:
        expected = [(hit.id, hit.copies) for hit in archive.search("harbour", limit=100, collapse=True).hits]
    saved = list((path / "copies").iterdir())
    assert len(saved) == 1
    for damage in (b"not an npz", None):
        if damage is None:
            np.savez(saved[0], first=np.array([0, 10**6]), second=np.array([1, 2]),
                     containment=np.array([1.0, 1.0], dtype=np.float32))
        else:
            saved[0].write_bytes(damage)
        with Archive.open(path) as archive:
            found = [(hit.id, hit.copies) for hit in archive.search("harbour", limit=100, collapse=True).hits]
        assert found == expected


@pytest.fixture
def unsigned_schema(monkeypatch):
    """New indexes made as before near-copy signatures: no column for them."""
    from searcher.engine.whoosh import schema, store

    def without_signatures():
        made = schema.build_schema()
        made.remove("nearcopy")
        return made

    monkeypatch.setattr(store, "build_schema", without_signatures)


def test_an_index_made_before_signatures_is_told_to_rebuild(tmp_path, unsigned_schema):
    with Archive.create(tmp_path / "ix") as archive:
        archive.add(_family(random.Random(7), 1, 2))
        assert archive.search("harbour").total == 2  # searching still works
        with pytest.raises(IndexOutdated, match="rebuild"):
            archive.search("harbour", collapse=True)
        with pytest.raises(IndexOutdated, match="rebuild"):
            archive.duplicates("s01-0")


def test_a_sharded_archive_made_before_signatures_is_told_to_rebuild(tmp_path, unsigned_schema):
    with Archive.create(tmp_path / "sharded", shards=2, processes=False) as archive:
        archive.add(_family(random.Random(8), 1, 2))
        assert archive.search("harbour").total == 2
        with pytest.raises(SearcherError, match="rebuild"):
            archive.search("harbour", collapse=True)


# -- the commands ---------------------------------------------------------------
def test_cli_collapsed_search_says_stories_and_articles(built):
    path, articles = built
    result = CliRunner().invoke(cli, ["search", "harbour", "--index", str(path), "--collapse", "-n", "3",
                                      "--fields", "rank,id,copies"])
    assert result.exit_code == 0, result.output
    families = len(_families(articles))
    assert result.output.rstrip().splitlines()[-1] == f"1-3 of {families} stories ({len(articles)} articles)"
    data = json.loads(CliRunner().invoke(cli, ["search", "harbour", "--index", str(path), "--collapse",
                                               "--format", "json", "-n", "2"]).output)
    assert data["stories"] == families and data["collapsed"] is True
    assert {"group", "copies", "outlets"} <= set(data["hits"][0])


def test_cli_duplicates_lists_copies_and_top_stories(built):
    path, articles = built
    family = sorted(_families(articles)["s03"])
    result = CliRunner().invoke(cli, ["duplicates", family[-1], "--index", str(path), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = result.output.strip().splitlines()
    assert rows[0] == "rank,date,publisher,title,similarity,id"
    assert [row.rsplit(",", 1)[1] for row in rows[1:]] == [family[-1]] + family[:-1]
    top = json.loads(CliRunner().invoke(cli, ["duplicates", "--top", "2", "--index", str(path),
                                              "--format", "json"]).output)
    assert [story["copies"] for story in top] == [4, 4]


@pytest.mark.parametrize("args, message", [
    (["duplicates"], "give an ARTICLE_ID or --top N"),
    (["duplicates", "s01-0", "--top", "3"], "give an ARTICLE_ID or --top N"),
    (["search", "harbour", "--collapse", "--similarity", "low"], "bad similarity 'low'"),
    (["duplicates", "nope"], "no article with id 'nope'"),
])
def test_cli_mistakes_are_one_line_errors(built, args, message):
    result = CliRunner().invoke(cli, args + ["--index", str(built[0])])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_signature_rows_read_alone_are_the_tables_rows(built):
    from searcher.engine.whoosh import copies

    path, _ = built
    with Archive.open(path) as archive:
        reader = archive._backend.searching.snapshot().searcher.reader()
        assert len(list(reader.leaf_readers())) > 1  # rows from more than one segment
        hashes, sizes = copies.signatures(reader)
        picked = np.random.default_rng(2).permutation(len(sizes))[:30]
        found_hashes, found_sizes = copies.signature_rows(reader, picked)
    assert np.array_equal(found_hashes, hashes[picked]) and np.array_equal(found_sizes, sizes[picked])
    assert (sizes > 0).all()


def test_outlets_read_per_document_match_the_facet_counts(built):
    """One value id per document (an outlet) and the segment walk give the same values."""
    path, articles = built
    with Archive.open(path) as archive:
        facets = archive._backend.searching.snapshot().facets
        column = facets.values("publisher")
        docnums = list(range(len(articles)))[::-1]
        fast = column.by_doc(docnums)
        column._single = False  # as when some document has several values
        assert column.by_doc(docnums) == fast
        assert sum(len(values) for values in fast) == len(articles)
        assert Counter(value for values in fast for value in values) == column.count(docnums)


def test_sub_writer_processes_sign_their_documents(tmp_path, monkeypatch):
    """A multi-process commit hands the sub-writers the bodies; each signs its
    job's documents in one batch: the same signatures as one process makes."""
    from searcher.engine.whoosh import copies, writing

    monkeypatch.setattr(writing, "PARALLEL_WRITE_MIN", 1)
    handed: list[type] = []
    real = writing.WhooshWriter._signatures

    def spied(self, articles, writer):
        made = real(self, articles, writer)
        handed.extend({type(item) for item in made})
        return made

    monkeypatch.setattr(writing.WhooshWriter, "_signatures", spied)
    articles = _archive_articles(seed=9)
    found = {}
    for jobs in (1, 2):
        handed.clear()
        with Archive.create(tmp_path / f"jobs{jobs}") as archive:
            archive.add(articles, jobs=jobs)
            reader = archive._backend.searching.snapshot().searcher.reader()
            hashes, sizes = copies.signatures(reader)
            ids = [reader.stored_fields(d)["id"] for d in range(reader.doc_count_all())]
            found[jobs] = {i: (h.tobytes(), int(s)) for i, h, s in zip(ids, hashes, sizes)}
        assert set(handed) == ({str} if jobs == 2 else {bytes})  # bodies to sub-writers, records here
    assert found[1] == found[2] and all(size > 0 for _, size in found[2].values())


def test_pairs_made_a_segment_at_a_time_are_those_of_all_signatures(tmp_path, monkeypatch):
    """reader_pairs (band keys read in chunks, signatures only of paired
    rows) gives exactly the pairs and containments of candidate_pairs over
    every signature at once, deleted documents included."""
    from searcher import nearcopies
    from searcher.engine.whoosh import copies
    from searcher.engine.whoosh.store import open_index

    articles = _archive_articles(seed=5)
    with Archive.create(tmp_path / "ix") as archive:
        archive.add(articles[:30])
        archive.add(articles[30:])
        archive.add([Article(id=a.id, title=a.title, body=a.body + " changed", date=a.date) for a in articles[::7]])
    monkeypatch.setattr(copies, "_KEYS_AT_ONCE", 5)  # several chunks in every segment
    reader = open_index(tmp_path / "ix").reader()
    try:
        assert len(list(reader.leaf_readers())) > 1 and reader.has_deletions()
        lean, lean_sizes = copies.reader_pairs(reader)
        whole = nearcopies.candidate_pairs(*copies.signatures(reader))
        assert np.array_equal(lean_sizes, copies.signatures(reader)[1])
    finally:
        reader.close()
    assert len(whole.first) > 20
    assert np.array_equal(lean.first, whole.first) and np.array_equal(lean.second, whole.second)
    assert np.array_equal(lean.containment, whole.containment)
