"""The README's examples run as tests: the syntax table against the demo
corpus, and the Python API example as written."""
import re
import shutil

import pytest

from searcher import Archive

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def syntax_rows():
    block = README.split("<!-- syntax-examples: start -->")[1].split("<!-- syntax-examples: end -->")[0]
    rows = []
    for line in block.strip().splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        rows.append((cells[0].strip("`"), int(cells[-1])))
    return rows


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "index"
    with Archive.create(path) as archive:
        report = archive.add([REPO / "corpus"])
        assert report.skipped == []
        yield archive


def test_table_has_every_documented_element():
    queries = " ".join(q for q, _ in syntax_rows())
    for element in ('"', " OR ", " NOT ", " -", "(", "title:", "author:", "source:", "tag:", "NEAR/",
                    "PRE/", "~2", "*", "?", "~", "date:[", "date:>=", "^2", "atleast3("):
        assert element in queries, element


@pytest.mark.parametrize("query, expected", syntax_rows())
def test_syntax_example(demo, query, expected):
    result = demo.search(query, limit=100)
    assert result.total == expected == len(result.hits)


def test_python_api_example_runs(tmp_path, monkeypatch, capsys):
    code = re.search(r"```python\n(.*?)```", README, re.S).group(1)
    shutil.copytree(REPO / "corpus", tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["report"].new == len(Archive.open("index")) > 0
    assert namespace["result"].total > 0 and namespace["article"].id == namespace["result"].hits[0].id
    # The request example, on the index the first example made.
    request_example = re.findall(r"```python\n(.*?)```", README, re.S)[1]
    capsys.readouterr()
    exec(compile(request_example, "README.md", "exec"), namespace)
    printed = capsys.readouterr().out
    with Archive.open("index") as archive:
        expected = archive.search("pipeline", sort="-date", facets=["tags"]).total
    assert printed == f"{expected}\n" and expected > 0
