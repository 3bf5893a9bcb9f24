"""A table of contents whose header is garbage is damage, through the API and the CLI."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from searcher import Archive, Article, IndexDamaged
from searcher.cli import cli


@pytest.fixture
def garbled(tmp_path):
    path = tmp_path / "ix"
    with Archive.create(path) as archive:
        archive.add([Article(id="x", title="Pipeline", body="Talks went on.")], jobs=1)
    toc = sorted(path.glob("_MAIN_*.toc"))[-1]
    data = bytearray(toc.read_bytes())
    data[0:4] = b"\x7f\x00\x00\x00"  # the header's first int: not this machine's int size
    toc.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("opening", [Archive.open, Archive.create])
def test_the_api_raises_index_damaged(garbled, opening):
    with pytest.raises(IndexDamaged, match="its table of contents cannot be read"):
        opening(garbled)


def test_the_cli_says_so_in_one_line_and_exits_4(garbled):
    result = CliRunner().invoke(cli, ["search", "pipeline", "--index", str(garbled)])
    assert result.exit_code == 4
    assert result.output.count("\n") == 1 and "table of contents cannot be read" in result.output
