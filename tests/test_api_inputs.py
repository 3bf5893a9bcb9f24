"""The library's surface takes what a user would pass and refuses the rest
with TypeError or our own errors, never a Whoosh one."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from searcher import Archive, ArchiveClosed, Article

from .conftest import REPO


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    lines = [json.dumps({"id": f"a{i}", "title": f"Pipeline {i}", "body": "gas pipeline talks"}) for i in range(3)]
    (folder / "a.jsonl").write_text("\n".join(lines) + "\n")
    return folder


@pytest.mark.parametrize("as_given", [str, Path])
def test_add_takes_one_path_alone(tmp_path, data, as_given):
    with Archive.create(tmp_path / "index") as archive:
        report = archive.add(as_given(data))
        assert (report.new, report.skipped, len(archive)) == (3, [], 3)


def test_add_takes_one_article_alone(tmp_path):
    with Archive.create(tmp_path / "index") as archive:
        assert archive.add(Article(id="x", title="One", body="alone")).new == 1


@pytest.mark.parametrize("bad", [5, None, [5], ["ok.jsonl", 3.0], [b"bytes.jsonl"]])
def test_add_refuses_what_is_not_a_path_or_article(tmp_path, bad):
    with Archive.create(tmp_path / "index") as archive:
        with pytest.raises(TypeError, match="add\\(\\) takes"):
            archive.add(bad)
        assert len(archive) == 0


def test_search_takes_a_string_and_facets_none(tmp_path, data):
    with Archive.create(tmp_path / "index") as archive:
        archive.add(data)
        with pytest.raises(TypeError, match="str"):
            archive.search(None)
        assert archive.search("pipeline", facets=None).total == 3


def test_a_closed_archive_says_so(tmp_path, data):
    archive = Archive.create(tmp_path / "index")
    archive.add(data)
    archive.search("pipeline")
    archive.close()
    archive.close()  # twice is harmless
    for use in (lambda: archive.search("pipeline"), lambda: len(archive), lambda: archive.get("a1"),
                lambda: archive.stats(), lambda: archive.add(data), lambda: archive.timeline("gas")):
        with pytest.raises(ArchiveClosed, match="closed"):
            use()


def test_user_code_passes_mypy_strict(tmp_path):
    pytest.importorskip("mypy")
    user = tmp_path / "use.py"
    user.write_text(textwrap.dedent("""
        from pathlib import Path

        from searcher import Archive, Article, QuerySyntaxError, SearchResult


        def run(path: Path) -> int:
            with Archive.create(path) as archive:
                archive.add("corpus")
                archive.add([Path("corpus"), "more.jsonl"])
                archive.add([Article(title="t", body="b")])
                result: SearchResult = archive.search('"gas pipeline"', facets=None, limit=5)
                try:
                    archive.search("(")
                except QuerySyntaxError as exc:
                    print(exc.position)
                return result.total + len(archive)
    """))
    # Errors inside searcher itself are silenced, as for any installed package.
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
                           "--cache-dir", str(tmp_path / "cache"), str(user)],
                          capture_output=True, text=True, env={"MYPYPATH": str(REPO), "PATH": "/usr/bin:/bin"},
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
