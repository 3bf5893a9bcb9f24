"""Compressed files and bundles: read as streams, bounded, origins kept."""
import bz2
import gzip
import io
import json
import lzma
import tarfile
import zipfile

import pytest

from searcher.article import Article, Skipped
from searcher.readers import iter_files, read_file
from searcher.readers.containers import MAX_RATIO

RECORDS = [{"title": f"Story {i}", "body": f"Body {i}", "url": f"https://c.test/{i}"} for i in range(3)]
LINES = "".join(json.dumps(r) + "\n" for r in RECORDS).encode()


def articles(path):
    records = list(read_file(path))
    return [r for r in records if isinstance(r, Article)], [r for r in records if isinstance(r, Skipped)]


@pytest.mark.parametrize("suffix, opener", [(".gz", gzip.open), (".bz2", bz2.open), (".xz", lzma.open)])
def test_compressed_file_is_read_as_its_inner_name(tmp_path, suffix, opener):
    path = tmp_path / f"feed.jsonl{suffix}"
    with opener(path, "wb") as out:
        out.write(LINES)
    found, skipped = articles(path)
    assert [a.url for a in found] == [r["url"] for r in RECORDS] and skipped == []
    assert found[0].origin == f"{path}!feed.jsonl#1"


def test_zip_and_tar_members(tmp_path, fixtures_dir):
    text = (fixtures_dir / "seed_layout").glob("*.txt")
    first_text = sorted(text)[0]
    bundle = tmp_path / "bundle.zip"
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("2022/a.jsonl", LINES)
        z.write(first_text, "texts/" + first_text.name)
        z.writestr("notes/readme.md", "not an article")
    found, skipped = articles(bundle)
    assert [a.origin.split("#")[0] for a in found] == [f"{bundle}!2022/a.jsonl"] * 3 + [f"{bundle}!texts/{first_text.name}"]
    assert [s.reason for s in skipped] == ["unsupported file type"]

    tarball = tmp_path / "bundle.tar.gz"
    with tarfile.open(tarball, "w:gz") as t:
        info = tarfile.TarInfo("inner/a.jsonl.gz")
        payload = gzip.compress(LINES)
        info.size = len(payload)
        t.addfile(info, io.BytesIO(payload))
    found, skipped = articles(tarball)
    assert len(found) == 3 and found[0].origin == f"{tarball}!inner/a.jsonl.gz!a.jsonl#1" and skipped == []


def test_folder_walk_picks_up_bundles_but_not_other_compressed_files(tmp_path):
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(LINES))
    (tmp_path / "b.zip").write_bytes(b"")
    (tmp_path / "image.png.gz").write_bytes(gzip.compress(b"\x89PNG"))
    assert sorted(p.name for p in iter_files([tmp_path])) == ["a.jsonl.gz", "b.zip"]


def test_gzip_bomb_is_refused_in_bounded_memory(tmp_path):
    import tracemalloc

    path = tmp_path / "bomb.jsonl.gz"
    with gzip.open(path, "wb", compresslevel=9) as out:
        for _ in range(200):
            out.write(b"\0" * 2**20)
    tracemalloc.start()
    found, skipped = articles(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert found == [] and len(skipped) == 1 and f"{MAX_RATIO}x" in skipped[0].reason
    assert peak < 64 * 2**20


def test_zip_bomb_member_is_refused_and_the_rest_read(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.jsonl", b"\0" * (100 * 2**20))
        z.writestr("ok.jsonl", LINES)
    found, skipped = articles(path)
    assert len(found) == 3
    assert [(s.origin, "decompression bomb" in s.reason) for s in skipped] == [(f"{path}!big.jsonl", True)]


def test_damaged_bundles_are_clean_skips(tmp_path):
    for name, data in [("cut.jsonl.gz", gzip.compress(LINES)[:-20]), ("bad.zip", b"PK\x03\x04 nonsense"),
                       ("bad.tar.gz", gzip.compress(b"not a tar at all" * 100))]:
        path = tmp_path / name
        path.write_bytes(data)
        records = list(read_file(path))
        assert records and isinstance(records[-1], Skipped), name
