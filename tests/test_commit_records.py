"""A record of a re-read file that is now invalid never deletes the article
it held (issue 22)."""
from __future__ import annotations

import json

from searcher import Archive
from searcher.ingest.manifest import Manifest, file_key

from .test_crash import committed_ids, write_corpus


def test_a_record_turned_invalid_keeps_the_article_it_held(tmp_path):
    corpus = tmp_path / "corpus"
    expected = write_corpus(corpus, files=2)
    ix = tmp_path / "ix"
    with Archive.create(ix) as archive:
        archive.add([corpus], jobs=1)
    path = corpus / "c000.jsonl"
    lines = path.read_text().splitlines()
    damaged_id = json.loads(lines[7])["id"]
    lines[7] = lines[7][: len(lines[7]) // 2]  # truncated: a Skipped record now
    path.write_text("\n".join(lines) + "\n")
    with Archive.open(ix) as archive:
        report = archive.add([corpus], jobs=1)
    assert report.removed == 0 and report.skipped
    assert damaged_id in set(committed_ids(ix))
    assert set(committed_ids(ix)) == expected
    assert damaged_id in Manifest.load(ix).files[file_key(path)].ids
    assert Archive.check_at(ix).ok
    # A record really gone (its line removed, nothing skipped) is removed.
    del lines[7]
    path.write_text("\n".join(lines) + "\n")
    with Archive.open(ix) as archive:
        report = archive.add([corpus], jobs=1)
    assert report.removed == 1 and not report.skipped
    assert set(committed_ids(ix)) == expected - {damaged_id}
