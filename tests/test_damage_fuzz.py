"""Seeded bit flips across an index's segment files, every read command on
each: never a traceback, always one line. A long run, off by default:
SEARCHER_FLIP_SEEDS=150. CPython's own "SystemError: deallocated bytearray
object has exported buffers", printed through sys.excepthook when a damaged
length makes an allocation fail midway, is dropped by the CLI
(tests/test_cpython_notice.py); which C call leaves the buffer exported is
not yet traced."""
from __future__ import annotations

import os
import random
import shutil

import pytest
from click.testing import CliRunner

from searcher.cli import cli

from .test_damage_commands import READS, assert_clean, sound  # noqa: F401  (sound is a fixture)

pytestmark = pytest.mark.slow  # long: bit-flip fuzzing of an index

SEEDS = int(os.environ.get("SEARCHER_FLIP_SEEDS", "0"))


@pytest.mark.skipif(not SEEDS, reason="a long run: set SEARCHER_FLIP_SEEDS")
@pytest.mark.parametrize("seed", range(max(SEEDS, 1)))
def test_flipped_bits_are_damage_never_a_traceback(sound, tmp_path, seed):  # noqa: F811
    _, index = sound
    copy = tmp_path / "index"
    shutil.copytree(index, copy)
    rng = random.Random(seed)
    segments = sorted(copy.glob("MAIN_*.seg"), key=lambda p: p.stat().st_size)
    target = segments[seed % len(segments)]
    data = bytearray(target.read_bytes())
    for _ in range(max(1, len(data) // 500)):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    target.write_bytes(bytes(data))
    for command in READS:
        assert_clean(command, CliRunner().invoke(cli, [*command, "--index", str(copy)]))
