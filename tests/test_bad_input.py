"""Bad input ends in a clean report: listed with its reason, no traceback,
everything else indexed, nothing already indexed lost."""
import gzip
import json
import zipfile

from click.testing import CliRunner

from searcher import Archive
from searcher.cli import cli

GOOD = [{"url": f"https://g.test/{i}", "title": f"Good {i}", "body": "Fine text."} for i in range(3)]


def make_bad_folder(folder):
    folder.mkdir()
    (folder / "truncated.json").write_text('[{"title": "cut off', encoding="utf-8")
    (folder / "binary.json").write_bytes(bytes(range(256)) * 40)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "latin1.txt").write_bytes("Caf\xe9 owners protest\n\nThe caf\xe9 owners of the old town marched.".encode("latin-1"))
    (folder / "long-line.jsonl").write_text(json.dumps({"title": "Long", "body": "word " * 220_000}) + "\n", encoding="utf-8")
    (folder / "xxe.xml").write_text(
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<rss version="2.0"><channel><title>t</title><item><title>&x;</title></item></channel></rss>',
        encoding="utf-8")
    lol = "".join(f'<!ENTITY l{i} "{"&l%d;" % (i - 1) * 10 if i else "lol"}">' for i in range(10))
    (folder / "laughs.xml").write_text(
        f'<?xml version="1.0"?><!DOCTYPE rss [{lol}]><rss version="2.0"><channel><item>'
        '<title>&l9;</title></item></channel></rss>', encoding="utf-8")
    with zipfile.ZipFile(folder / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.jsonl", b"\0" * (64 * 2**20))
    (folder / "good.jsonl.gz").write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in GOOD).encode()))


def test_bad_input_is_reported_and_the_rest_indexed(tmp_path):
    index = tmp_path / "ix"
    with Archive.create(index) as archive:
        archive.add([Article_(i) for i in range(2)])
    folder = tmp_path / "data"
    make_bad_folder(folder)
    result = CliRunner().invoke(cli, ["index", str(folder), "--index", str(index), "--format", "json", "-j", "1"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    report = json.loads(result.output)
    skipped = {s["origin"].split("!")[0].rsplit("/", 1)[-1]: s["reason"] for s in report["skipped"]}
    assert set(skipped) == {"truncated.json", "binary.json", "empty.txt", "xxe.xml", "laughs.xml", "bomb.zip"}
    assert "decompression bomb" in skipped["bomb.zip"] and "invalid JSON" in skipped["truncated.json"]
    assert report["new"] == len(GOOD) + 2  # good.jsonl.gz, latin1.txt, long-line.jsonl
    with Archive.open(index) as archive:
        assert len(archive) == 2 + len(GOOD) + 2
        assert archive.search("café").hits[0].title == "Café owners protest"
        assert archive.search("title:long").total == 1
        assert {h.id for h in archive.search("kept").hits} == {"kept-0", "kept-1"}
        assert "root:" not in json.dumps([h.to_dict() for h in archive.search("*", limit=100).hits])
        skipped_again = {s.origin.rsplit("/", 1)[-1] for s in archive.stats().skipped_files}
    assert {"truncated.json", "binary.json", "empty.txt"} <= skipped_again
    stats = CliRunner().invoke(cli, ["stats", "--index", str(index)]).output
    assert "files skipped in the last run" in stats and "truncated.json" in stats


def Article_(i):
    from searcher import Article

    return Article(id=f"kept-{i}", title=f"Kept {i}", body="Indexed before the bad run.")
