"""Shared test fixtures. Tests that read ../shared skip cleanly where it is absent."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED


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
