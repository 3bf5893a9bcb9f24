"""Hostile XML: external entities (XXE), entity-expansion bombs, and a feed too big to hold.

The policy (searcher/readers/xmlsafe.py): a DOCTYPE that declares any entity
is refused with a clean Skipped; an external DTD is never fetched. Every case
here must come back from ``read_source`` as records, never as an exception,
quickly, and without the secret file's contents anywhere.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from searcher.article import Article, Skipped
from searcher.readers import read_source, xmlsafe
from searcher.readers.source import Source

SECRET = "TOPSECRET-7f3a9c-do-not-leak"
REFUSED = "XML refused: its DOCTYPE declares entities"

_LAUGHS = '<!ENTITY lol0 "lol">' + "".join(
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
)
_PARAMETER_LAUGHS = '<!ENTITY % p0 "lol">' + "".join(
    f'<!ENTITY % p{i} "{f"&#37;p{i - 1};" * 10}">' for i in range(1, 10)
) + '<!ENTITY big "%p9;">'
_QUADRATIC = '<!ENTITY a "' + "x" * 60_000 + '">'


def _rss(doctype: str, text: str) -> str:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [{doctype}]>\n<rss version="2.0"><channel>'
        f"<title>Feed {text}</title><item><title>Item {text}</title>"
        f"<description>Body {text}</description></item></channel></rss>\n"
    )


@pytest.fixture
def secret(tmp_path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET + "\n", encoding="utf-8")
    return path


def _attacks(secret: Path) -> dict[str, str]:
    """File name -> document. Each must be refused as a whole."""
    url = secret.resolve().as_uri()  # file:///.../secret.txt
    evil_dtd = secret.parent / "evil.dtd"
    evil_dtd.write_text(
        f'<!ENTITY % file SYSTEM "{url}">\n'
        '<!ENTITY % wrap "<!ENTITY leak \'%file;\'>">\n%wrap;\n',
        encoding="utf-8",
    )
    return {
        "xxe-file.rss": _rss(f'<!ENTITY xxe SYSTEM "{url}">', "&xxe;"),
        "xxe-http.rss": _rss('<!ENTITY xxe SYSTEM "http://127.0.0.1:9/secret.txt">', "&xxe;"),
        "xxe-parameter.rss": _rss(f'<!ENTITY % ext SYSTEM "{evil_dtd.resolve().as_uri()}"> %ext;', "&leak;"),
        "billion-laughs.rss": _rss(_LAUGHS, "&lol9;"),
        "parameter-laughs.rss": _rss(_PARAMETER_LAUGHS, "&big;"),
        "quadratic.rss": _rss(_QUADRATIC, "&a;" * 60_000),
        "xxe.atom": (
            f'<!DOCTYPE feed [<!ENTITY xxe SYSTEM "{url}">]>'
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>&xxe;</title>'
            "<entry><title>&xxe;</title><summary>&xxe;</summary></entry></feed>"
        ),
        "xxe-nitf.xml": (
            f'<!DOCTYPE nitf [<!ENTITY xxe SYSTEM "{url}">]>'
            "<nitf><body><body.head><hedline><hl1>&xxe;</hl1></hedline></body.head>"
            "<body.content><p>&xxe;</p></body.content></body></nitf>"
        ),
        "laughs-nitf.xml": f"<!DOCTYPE nitf [{_LAUGHS}]><nitf><head><title>&lol9;</title></head></nitf>",
        "xxe-newsml.xml": (
            f'<!DOCTYPE newsItem [<!ENTITY xxe SYSTEM "{url}">]>'
            '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g">'
            "<contentMeta><headline>&xxe;</headline></contentMeta></newsItem>"
        ),
    }


def _everything(records) -> str:
    return json.dumps([r.to_dict() if isinstance(r, Article) else [r.origin, r.reason] for r in records])


@pytest.mark.parametrize("name", [
    "xxe-file.rss", "xxe-http.rss", "xxe-parameter.rss", "billion-laughs.rss", "parameter-laughs.rss",
    "quadratic.rss", "xxe.atom", "xxe-nitf.xml", "laughs-nitf.xml", "xxe-newsml.xml",
])
def test_attack_is_one_clean_skip(secret, tmp_path, name):
    path = tmp_path / name
    path.write_text(_attacks(secret)[name], encoding="utf-8")
    started = time.monotonic()
    records = list(read_source(Source.from_path(path)))
    assert time.monotonic() - started < 5
    assert len(records) == 1 and isinstance(records[0], Skipped), records
    assert records[0].origin == str(path)
    assert records[0].reason.startswith(REFUSED)
    assert SECRET not in _everything(records)


def test_parse_refuses_with_a_value_error(secret):
    data = _attacks(secret)["xxe-nitf.xml"].encode()
    with pytest.raises(xmlsafe.UnsafeXML, match="declares entities \\(xxe\\)") as caught:
        xmlsafe.parse(data)
    assert isinstance(caught.value, ValueError)  # what read_source turns into a Skipped
    assert SECRET not in str(caught.value)


def test_external_dtd_is_never_loaded(secret, tmp_path):
    # No internal subset: the document is read, but the DTD that would define
    # &leak; as the secret is never fetched, so the reference stays empty.
    dtd = tmp_path / "feed.dtd"
    dtd.write_text(f'<!ENTITY leak SYSTEM "{secret.resolve().as_uri()}">', encoding="utf-8")
    path = tmp_path / "external-dtd.rss"
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{dtd.resolve().as_uri()}">'
        '<rss version="2.0"><channel><title>Plain Feed</title>'
        "<item><title>Before &leak; after</title><description>Text &leak;</description></item>"
        "</channel></rss>",
        encoding="utf-8",
    )
    (article,) = read_source(Source.from_path(path))
    assert (article.title, article.body, article.publisher) == ("Before after", "Text", "Plain Feed")
    assert SECRET not in _everything([article])


def test_xinclude_is_not_processed(secret, tmp_path):
    path = tmp_path / "xinclude.rss"
    path.write_text(
        '<rss version="2.0" xmlns:xi="http://www.w3.org/2001/XInclude"><channel><title>F</title>'
        f'<item><title>T</title><description>D <xi:include href="{secret.resolve().as_uri()}" parse="text"/>'
        "</description></item></channel></rss>",
        encoding="utf-8",
    )
    (article,) = read_source(Source.from_path(path))
    assert article.title == "T" and SECRET not in _everything([article])


_CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 ** 3, 2 * 1024 ** 3))
from pathlib import Path
from searcher.readers import read_source
from searcher.readers.source import Source
out = {}
for path in sorted(Path(sys.argv[1]).glob("attack-*")):
    out[path.name] = [[r.origin, getattr(r, "reason", None) or r.title] for r in read_source(Source.from_path(path))]
print(json.dumps(out))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="uses resource limits")
def test_attacks_never_hang_or_exhaust_memory(secret, tmp_path):
    # In a child process with a 2 GB address-space cap and a time limit: a
    # regression that expands a bomb fails here instead of taking the run down.
    folder = tmp_path / "attacks"
    folder.mkdir()
    for name, text in _attacks(secret).items():
        (folder / f"attack-{name}").write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", _CHILD, str(folder)], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert len(results) == len(_attacks(secret))
    for name, records in results.items():
        assert len(records) == 1 and records[0][1].startswith(REFUSED), (name, records)
    assert SECRET not in done.stdout + done.stderr


# --- a feed too big to hold ---------------------------------------------------

ITEMS = 100_000


def _write_big_feed(path: Path) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
                  'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Big Feed</title>'
                  "<language>en</language>\n")
        for i in range(ITEMS):
            out.write(
                f"<item><title>Harbour report number {i}</title><link>https://big.test/{i}</link>"
                f"<guid>big-{i}</guid><pubDate>Mon, 01 Feb 2021 09:00:00 +0100</pubDate>"
                f"<dc:creator>Writer {i % 50}</dc:creator><category>Section {i % 7}</category>"
                f"<description>Item {i} of the generated feed, with enough words in it to make"
                f" each record about as long as a short news brief.</description></item>\n"
            )
        out.write("</channel></rss>\n")


def _resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc to read resident memory")
def test_big_feed_streams_in_bounded_memory(tmp_path):
    # Measured as resident memory, sampled while the generator is consumed one
    # item at a time: tracemalloc cannot see libxml2's tree (where a parse of
    # the whole file would spend its memory) and slows this run eightfold.
    path = tmp_path / "big.rss"
    _write_big_feed(path)
    assert path.stat().st_size > 30 * 1024 * 1024
    baseline = peak = _resident_bytes()
    count, last = 0, None
    for record in read_source(Source.from_path(path)):
        count += 1
        last = record
        if count % 1000 == 0:
            peak = max(peak, _resident_bytes())
    assert count == ITEMS
    assert isinstance(last, Article) and last.id == f"big-{ITEMS - 1}" and last.publisher == "Big Feed"
    assert peak - baseline < 50 * 1024 * 1024, f"grew by {(peak - baseline) / 2**20:.0f} MB"
