"""`searcher search` as a new process imports only what searching needs (issue 5).

Each test runs the command in a fresh interpreter and looks at sys.modules
afterwards; nothing here measures time (bench/startup.py does).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Never needed to answer a search: the readers and their libraries, the
# writing side of Whoosh, multiprocessing, and what whoosh.compat would drag in.
NOT_FOR_SEARCH = (
    "searcher.readers", "searcher.ingest.indexer", "searcher.engine.whoosh.accel.writers", "searcher.engine.whoosh.check",
    "searcher.ingest.locking",  # a search takes no lock
    "lxml", "trafilatura", "warcio", "charset_normalizer", "dateutil",
    "whoosh.writing", "whoosh.multiproc", "multiprocessing", "concurrent.futures",
    "urllib.request", "http.client", "ssl", "whoosh.lang.morph_en (loaded)",
)
# tabulate reads its own version with importlib.metadata, which loads email.
TABLE_ONLY = ("tabulate", "wcwidth", "importlib.metadata", "email")

# Runs the CLI in this process, then prints the loaded module names as JSON.
RUN_CLI = """
import json, sys
from searcher.cli import main
sys.argv = ["searcher", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
morph = sys.modules.get("whoosh.lang.morph_en")
print("\\n" + json.dumps({"exit": code, "modules": sorted(sys.modules),
                         "morph_en_loaded": morph is not None and "rules" in vars(morph)}))
"""


def run_cli(*args: str) -> tuple[str, int, set[str]]:
    """Output, exit status and loaded modules of one CLI run in a new interpreter."""
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-c", RUN_CLI, json.dumps(list(args))], capture_output=True,
                          text=True, env=env, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    output, _, last = proc.stdout.rstrip("\n").rpartition("\n")
    report = json.loads(last)
    modules = set(report["modules"])
    if report["morph_en_loaded"]:  # Whoosh's morph_en for real, not its stand-in (whoosh_import.py)
        modules.add("whoosh.lang.morph_en (loaded)")
    return output, report["exit"], modules


def loaded(modules: set[str], names) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_search_json_imports_nothing_it_does_not_need(archive_path):
    output, code, modules = run_cli("search", "pipeline", "--index", str(archive_path), "--format", "json")
    assert code == 0
    assert json.loads(output)["total"] > 0
    assert loaded(modules, NOT_FOR_SEARCH + TABLE_ONLY) == []
    assert "whoosh.searching" in modules and "click" in modules


def test_search_table_imports_tabulate_and_nothing_else_extra(archive_path):
    output, code, modules = run_cli("search", "pipeline", "--index", str(archive_path), "--no-color")
    assert code == 0
    assert "articles" in output.splitlines()[-1]
    assert "tabulate" in modules
    assert loaded(modules, NOT_FOR_SEARCH) == []


@pytest.mark.parametrize("args", [("facets", "tags"), ("timeline", "pipeline", "--format", "json"),
                                  ("stats", "--format", "json")])
def test_other_read_commands_do_not_load_readers_or_writers(archive_path, args):
    _, code, modules = run_cli(*args, "--index", str(archive_path))
    assert code == 0
    assert loaded(modules, NOT_FOR_SEARCH) == []


def test_help_imports_neither_whoosh_nor_tabulate():
    output, code, modules = run_cli("--help")
    assert code == 0 and "search" in output
    assert loaded(modules, ("whoosh", "tabulate", "searcher.api", "searcher.engine", "searcher.ingest")) == []


# -- the two Whoosh modules searcher.engine.whoosh.accel.imports loads lightly ----------
CHECK_WHOOSH = """
import json, sys
import searcher.engine.whoosh.accel.imports
light = "urllib.request" not in sys.modules and "rules" not in vars(sys.modules["whoosh.lang.morph_en"])
from whoosh import compat
from whoosh.lang.morph_en import variations
from whoosh.query import Variations
word_forms = sorted(variations("render"))
import whoosh.lang.morph_en as morph
print(json.dumps({"light": light, "variations": word_forms, "rules": len(morph.rules),
                  "urlretrieve": compat.urlretrieve.__module__ if callable(compat.urlretrieve) else None,
                  "compat_builtins_plain": compat.__builtins__ is __builtins__.__dict__
                      if hasattr(__builtins__, "__dict__") else compat.__builtins__ is __builtins__}))
"""
# The same, with Whoosh imported the ordinary way first.
CHECK_PLAIN = "import whoosh.query, whoosh.lang.morph_en\n" + CHECK_WHOOSH


def run_python(code: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-W", "ignore::SyntaxWarning", "-c", code], capture_output=True,
                          text=True, env=env, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_whoosh_loaded_lightly_behaves_as_whoosh():
    light, plain = run_python(CHECK_WHOOSH), run_python(CHECK_PLAIN)
    assert light["light"] is True
    assert plain["light"] is False  # imported before us: left alone
    assert light["variations"] == plain["variations"] and "rendering" in light["variations"]
    assert light["rules"] == plain["rules"] > 0
    assert light["urlretrieve"] == "searcher.engine.whoosh.accel.imports" and plain["urlretrieve"] == "urllib.request"
    assert light["compat_builtins_plain"] is True


# -- MappedStorage: segment parts read in place, not copied ----------------------
# (searcher/index/mapped.py; opening a reader through Whoosh's own FileStorage
# copies every terms, postings and column part of every segment.)


def test_view_reads_like_a_file():
    import io
    import pickle

    from searcher.engine.whoosh.accel.mapped import _View

    data = b"first line\nsecond line\n" + pickle.dumps({"a": [1, 2.5, "x"]}, protocol=2) \
        + pickle.dumps(("b", b"\x00\xff" * 300), protocol=5) + bytes(range(256))
    view, real = _View(memoryview(data)), io.BytesIO(data)
    for op, args in [("read", (3,)), ("read", (0,)), ("readline", ()), ("readline", (4,)), ("tell", ()),
                     ("seek", (11,)), ("readline", ()), ("read", (-1,)), ("seek", (-5, 2)), ("read", (100,)),
                     ("read", ()), ("seek", (2, 0)), ("seek", (3, 1)), ("read", (5,)), ("seek", (10_000,)),
                     ("read", (4,)), ("tell", ())]:
        assert getattr(view, op)(*args) == getattr(real, op)(*args), (op, args)
    view.seek(len(b"first line\nsecond line\n"))
    assert pickle.load(view) == {"a": [1, 2.5, "x"]}
    assert pickle.load(view) == ("b", b"\x00\xff" * 300)
    before = view.tell()
    assert view.peek(3) == bytes(range(3)) and view.tell() == before
    into = bytearray(4)
    assert view.readinto(into) == 4 and bytes(into) == bytes(range(4))


def _everything(archive) -> list:
    """What the library answers, as plain data, for a spread of requests."""
    out = []
    for query, options in [("pipeline", {}), ('"gas pipeline"', {"facets": ["tags", "year", "authors"]}),
                           ("pipel* OR mongol?a", {"sort": "-date"}), ("mongolya~", {}),
                           ("gas NEAR/3 pipeline", {"limit": 3, "offset": 1}), ("zebra mongolia", {}),
                           ("date:[2021-01-01 TO 2021-06-30]", {"sort": "date"}), ("", {"facets": ["sources"]})]:
        out.append(archive.search(query, **options).to_dict())
    out.append(archive.facet("tags", "pipeline"))
    out.append(archive.timeline("pipeline", by="year").to_dict())
    first = archive.search("pipeline").hits[0].id
    out.append([hit.to_dict() for hit in archive.similar(first)])
    out.append(archive.get(first).to_dict())
    return out


def _open_mapped(path: Path):
    from searcher import Archive
    from searcher.engine.whoosh import store
    from searcher.engine.whoosh.accel.mapped import MappedStorage
    from searcher.engine.whoosh.accel.snapshot import SnapshotIndex
    from searcher.engine.whoosh.backend import WhooshBackend
    from searcher.query.ranking import DEFAULT_RANKING

    ix = MappedStorage(str(path)).open_index(store.INDEX_NAME, indexclass=SnapshotIndex)
    return Archive(path, WhooshBackend(path, ix, DEFAULT_RANKING))


def test_mapped_storage_answers_as_whoosh_storage_does(tmp_path):
    from searcher import Archive

    path = tmp_path / "index"
    with Archive.create(path) as archive:
        archive.add([REPO / "corpus"], commit_every=7, jobs=1)
        plain = _everything(archive)
    mapped = _open_mapped(path)
    try:
        assert _everything(mapped) == plain
        # The parts of a compound segment are views of the mapped file.
        from searcher.engine.whoosh.accel.mapped import _View

        segment = mapped._backend.ix._segments()[0]
        parts = segment.open_compound_file(mapped._backend.ix.storage)
        opened = [parts.open_file(name) for name in parts.list()]
        assert opened and all(isinstance(f.file, _View) for f in opened)
        for f in opened:
            f.close()
        parts.close()
    finally:
        mapped.close()


def test_writing_through_mapped_storage(tmp_path):
    """Commits and merges read existing segments through the storage too."""
    from searcher import Archive

    reference, path = tmp_path / "reference", tmp_path / "index"
    with Archive.create(reference) as archive:
        archive.add([REPO / "corpus"], commit_every=5, jobs=1)
        expected = _everything(archive)
    Archive.create(path).close()
    mapped = _open_mapped(path)
    try:
        mapped.add([REPO / "corpus"], commit_every=5, jobs=1)
        assert _everything(mapped) == expected
    finally:
        mapped.close()


def _mapped_resident_kb(folder: Path) -> int:
    """Resident kB of this process's mappings of files in ``folder`` (Linux)."""
    total, inside = 0, False
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            fields = line.split()
            if "-" in fields[0] and len(fields) >= 5:  # a mapping's header line
                inside = len(fields) == 6 and fields[5].startswith(str(folder))
            elif inside and fields[0] == "Rss:":
                total += int(fields[1])
    return total


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="reads Linux's /proc/self/smaps")
def test_released_pages_leave_the_process_and_read_back_the_same(tmp_path):
    """What background merges do to the sources they have read."""
    from searcher import Archive

    path = tmp_path / "index"
    with Archive.create(path) as archive:
        archive.add([REPO / "corpus"], commit_every=7, jobs=1)
    mapped = _open_mapped(path)
    try:
        before = _everything(mapped)
        assert _mapped_resident_kb(path) > 0
        mapped._backend.ix.storage.release_pages()
        assert _mapped_resident_kb(path) == 0
        assert _everything(mapped) == before
        assert _mapped_resident_kb(path) > 0
    finally:
        mapped.close()
