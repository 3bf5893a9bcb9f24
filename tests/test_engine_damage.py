"""Damage found while searching is IndexDamaged (a one-line error, exit 4,
naming `searcher check`), not a traceback; bugs still raise as they are."""
import random
import zlib
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from searcher import Archive, IndexDamaged
from searcher.article import Article
from searcher.cli import cli
from searcher.engine.whoosh import execute as engine

WORDS = "pipeline gas energy market oil price river flood election vote court bank trade port rail".split()


def build(path):
    rng = random.Random(5)
    articles = [Article(title=f"story {i} " + " ".join(rng.choices(WORDS, k=4)),
                        body=" ".join(rng.choices(WORDS, k=300)), url=f"https://d.test/{i}",
                        date=datetime(2020, 1, 1 + i % 28, tzinfo=timezone.utc), tags=["News"])
                for i in range(200)]
    with Archive.create(path) as archive:
        archive.add(articles)
    return path


def postings_range(index, part=".pst"):
    """(segment file, offset, length) of the postings (``.pst``, or another
    part) of the index's one segment: inside the compound ``.seg`` file
    Whoosh writes at commit, or a file of its own."""
    loose = sorted(index.glob("*" + part))
    if loose:
        return loose[0], 0, loose[0].stat().st_size
    from whoosh.filedb.compound import CompoundStorage
    from whoosh.filedb.structfile import StructFile

    (segment,) = index.glob("*.seg")
    storage = CompoundStorage(StructFile(open(segment, "rb")), use_mmap=False)
    try:
        (name,) = [name for name in storage._dir if name.endswith(part)]
        offset, length = storage.range(name)
    finally:
        storage.close()
    return segment, offset, length


@pytest.fixture(params=["garbage", "zeros", "arrays"])
def damaged(tmp_path, request):
    """An index with its postings overwritten: 64 random bytes in the middle
    of the posting blocks (a block fails to decompress: zlib.error), or
    their middle half zeroed (Whoosh's codec raises a bare Exception, "Block
    tag error"), both found by phrases, with the arrays part's magic wiped
    so that the blocks are the only copy read (as in a segment written by
    Whoosh's own writer); or the middle half of the arrays part
    (accel/arrays.py) zeroed, found by any word (ids that do not increase:
    ValueError)."""
    index = build(tmp_path / "index")
    with Archive.open(index) as archive:  # sound before the damage
        assert archive.search("pipeline", match="any", limit=1000).total == 200
    path, offset, length = postings_range(index, ".arr" if request.param == "arrays" else ".pst")
    data = bytearray(path.read_bytes())
    if request.param == "garbage":
        start, junk = offset + length // 2, random.Random(1).randbytes(64)
    else:
        start, junk = offset + length // 4, bytes(length // 2)
    data[start:start + len(junk)] = junk
    if request.param != "arrays":
        _, arrays_offset, _ = postings_range(index, ".arr")
        data[arrays_offset:arrays_offset + 8] = bytes(8)
    path.write_bytes(bytes(data))
    query = QUERY if request.param == "arrays" else PHRASES
    return index, {"garbage": zlib.error, "zeros": Exception, "arrays": ValueError}[request.param], query


QUERY = " ".join(WORDS)  # every posting list is read
PHRASES = " ".join(f'"{a} {b}"' for a, b in zip(WORDS, WORDS[1:] + WORDS[:1]))  # positions of every word


def test_searching_a_damaged_index_raises_index_damaged(damaged):
    damaged, cause, query = damaged
    with Archive.open(damaged) as archive:
        with pytest.raises(IndexDamaged) as caught:
            archive.search(query, match="any", limit=1000, facets=["tags"])
        message = str(caught.value)
        assert message.startswith(f"the index at {damaged} is damaged") and "\n" not in message
        assert "'searcher check'" in message and "'searcher rebuild'" in message
        assert type(caught.value.__cause__) is cause  # the low-level error is kept for debugging
        with pytest.raises(IndexDamaged):
            archive.timeline(query, match="any")
        with pytest.raises(IndexDamaged):
            archive.facet("tags", query.replace('" "', '" OR "') if '"' in query else query.replace(" ", " OR "))


def test_the_cli_shows_one_line_and_exits_4(damaged):
    damaged, _, query = damaged
    result = CliRunner().invoke(cli, ["search", query, "--match", "any", "--limit", "1000",
                                      "--facet", "tags", "--index", str(damaged)])
    assert result.exit_code == 4, result.output
    assert isinstance(result.exception, SystemExit)
    assert result.output.startswith(f"Error: the index at {damaged} is damaged")
    assert "searcher check" in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output


@pytest.fixture(scope="module")
def sound(tmp_path_factory):
    return build(tmp_path_factory.mktemp("sound") / "index")


@pytest.mark.parametrize("error", ["zlib", "struct", "eof", "pickle", "oserror"])
def test_each_low_level_read_error_becomes_index_damaged(sound, monkeypatch, error):
    import pickle
    import struct

    raised = {"zlib": zlib.error("Error -3 while decompressing data: invalid block type"),
              "struct": struct.error("unpack requires a buffer of 4 bytes"), "eof": EOFError(),
              "pickle": pickle.UnpicklingError("invalid load key"),
              "oserror": FileNotFoundError(2, "No such file or directory")}[error]

    def fail(*args, **kwargs):
        raise raised

    with Archive.open(sound) as archive:
        monkeypatch.setattr(engine, "to_article", fail)
        with pytest.raises(IndexDamaged) as caught:
            archive.search("pipeline")
        assert caught.value.__cause__ is raised


@pytest.mark.parametrize("error", [TypeError("bug"), AttributeError("bug"), ValueError("our own bug"),
                                   KeyError("our own bug")])
def test_bugs_are_not_reported_as_damage(sound, monkeypatch, error):
    # Raised in our code, not in Whoosh's file-reading modules: a bug, not damage.
    def fail(*args, **kwargs):
        raise error

    with Archive.open(sound) as archive:
        monkeypatch.setattr(engine, "to_article", fail)
        with pytest.raises(type(error)):
            archive.search("pipeline")


def test_our_own_errors_pass_unchanged(sound):
    from searcher import InvalidArgument, QuerySyntaxError

    with Archive.open(sound) as archive:
        with pytest.raises(QuerySyntaxError):
            archive.search('"unclosed')
        with pytest.raises(InvalidArgument):
            archive.search("pipeline", sort="sideways")


@pytest.mark.parametrize("damage", ["zeros", "ones", "garbage"])
@pytest.mark.parametrize("column", ["._body_len.col", "._title_len.col"])
def test_damaged_field_lengths_never_surface_as_a_traceback(tmp_path, damage, column):
    # Whoosh reads a zero length byte as None, which its BM25 turned into a
    # TypeError; every read of lengths, ours or Whoosh's, must answer or say
    # the index is damaged. The arrays part is wiped so that lengths come
    # from the column itself, as in a segment Whoosh's own writer made.
    index = build(tmp_path / "index")
    path, offset, length = postings_range(index, column)
    _, arrays_offset, _ = postings_range(index, ".arr")
    data = bytearray(path.read_bytes())
    junk = {"zeros": bytes(length), "ones": b"\xff" * length, "garbage": random.Random(3).randbytes(length)}[damage]
    data[offset:offset + length] = junk
    data[arrays_offset:arrays_offset + 8] = bytes(8)
    path.write_bytes(bytes(data))
    runner = CliRunner()
    for args in (["search", QUERY, "--match", "any"], ["search", "pipeline gas"], ["search", PHRASES],
                 ["search", "pipeline", "--sort", "-date"], ["search", "atleast2(pipeline)", "--facet", "tags"],
                 ["similar", "https://d.test/3"], ["timeline", "pipeline OR gas"], ["facets", "tags", "pipeline"]):
        result = runner.invoke(cli, [*args, "--index", str(index)])
        assert result.exit_code in (0, 4), (args, result.output)
        assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), args
        if result.exit_code == 4:
            assert result.output.startswith(f"Error: the index at {index} is damaged"), args
    checked = runner.invoke(cli, ["check", "--index", str(index)])
    assert checked.exit_code == 1 and "checksum" in checked.output.lower(), checked.output
