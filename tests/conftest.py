"""Shared test fixtures. Tests that read ../shared skip cleanly where it is absent."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load_bench(script: str) -> ModuleType:
    """A bench/ script imported by path (once), for tests that reuse its code."""
    name = f"searcher_bench_{script}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "bench" / f"{script}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while it loads
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED


@pytest.fixture(scope="session")
def reuters_index(shared_dir, tmp_path_factory) -> tuple[Path, str]:
    """Reuters-21578 indexed once through the CLI, as a user would: (index
    folder, the command's output). Tests only read it."""
    from click.testing import CliRunner

    from searcher.cli import cli

    path = tmp_path_factory.mktemp("reuters") / "index"
    folder = shared_dir / "corpora" / "reuters21578"
    result = CliRunner().invoke(cli, ["index", str(folder), "--index", str(path), "--exclude", "*.txt", "--quiet"])
    assert result.exit_code == 0, result.output
    return path, result.output


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def archive_records() -> list[dict]:
    """The raw records of the test archive, for computing expectations independently."""
    import json

    path = FIXTURES / "archive" / "articles.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="session")
def archive_path(tmp_path_factory) -> Path:
    """A built index of tests/fixtures/archive (read-only for tests)."""
    from searcher import Archive

    path = tmp_path_factory.mktemp("archive") / "index"
    with Archive.create(path) as archive:
        archive.add([FIXTURES / "archive"])
    return path


@pytest.fixture
def archive(archive_path):
    from searcher import Archive

    with Archive.open(archive_path) as opened:
        yield opened
