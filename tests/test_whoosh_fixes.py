"""Whoosh 2.7.4 behaviour that searcher/index/whoosh_fixes.py corrects."""
from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest
from whoosh.matching import binary, mcore

from searcher.engine.whoosh.accel import imports  # noqa: F401  (applies the fixes)

from .conftest import REPO


class _Block(mcore.Matcher):
    """A matcher on one document whose single block has quality ``quality``."""

    def __init__(self, quality: float):
        self.quality = quality

    def is_active(self):
        return True

    def id(self):
        return 1

    def block_quality(self):
        return self.quality

    def supports_block_quality(self):
        return True

    def skip_to_quality(self, minquality):
        assert self.quality > minquality  # its only block already qualifies: nothing to skip
        return 0


def test_union_skip_ends_when_rounding_leaves_nothing_to_skip():
    # aq > m - bq, yet aq + bq <= m in floating point: Whoosh looped for ever.
    aq, bq, m = 1.570588639880646, 3.842495632985409, 5.413084272866055
    assert aq > m - bq and aq + bq <= m
    done = []
    worker = threading.Thread(target=lambda: done.append(binary.UnionMatcher(_Block(aq), _Block(bq)).skip_to_quality(m)),
                              daemon=True)
    worker.start()
    worker.join(10)
    assert done == [0]


_EVERY_WORD = """
import json, sys
from searcher import Archive
with Archive.create(sys.argv[1]) as archive:
    archive.add([sys.argv[2]])
    reader = archive._backend.ix.reader()
    words = sorted({w for f in ("title", "body") for w in reader.field_terms(f)})
    differ = []
    for word in words:
        one = archive.search(word, limit=1).hits
        ten = archive.search(word, limit=10).hits
        if [(h.id, round(h.score, 9)) for h in one] != [(h.id, round(h.score, 9)) for h in ten[:1]]:
            differ.append(word)
    print(json.dumps({"words": len(words), "differ": differ}))
"""


@pytest.mark.slow
def test_every_demo_word_at_limit_one_answers(tmp_path):
    # `searcher search mongolia -n 1` hung on the demo corpus.
    done = subprocess.run([sys.executable, "-c", _EVERY_WORD, str(tmp_path / "index"), str(REPO / "corpus")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["words"] > 1000 and report["differ"] == []
