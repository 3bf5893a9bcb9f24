"""A small archive for the web interface's tests, with expectations
computed from the records themselves (not from the engine), and a tiny
WSGI client."""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

from lxml import html

TAGS = ("Energy", "Politics", "Sport")
AUTHORS = ("Ann Lee", "Bo Chen", "Cy Diaz", "Di Evans", "Ed Fox")
WORD = "zebrafish"  # in the body of every even-numbered article and the hostile one
HOSTILE_TITLE = '<script>alert("title")</script> Hostile headline'
HOSTILE_BODY = '"><img src=x onerror=alert(1)> a zebrafish story </p><script>alert(2)</script>'
HOSTILE_AUTHOR = "<b onmouseover=alert(3)>Eve"  # (a slash would split it into two names)
HOSTILE_TAG = "<i>tag</i>\"'"
HOSTILE_PUBLISHER = "\"'><svg onload=alert(4)>"
HOSTILE_URL = "javascript:alert(5)"
NORMAL = 60


def _body(rng: random.Random, i: int) -> str:
    words = [f"w{rng.randrange(400)}" for _ in range(120)]
    if i % 2 == 0:
        words.insert(rng.randrange(len(words)), WORD)
    return " ".join(words[:60]) + ".\n\n" + " ".join(words[60:]) + "."


def records() -> list[dict[str, Any]]:
    rng = random.Random(7)
    found = []
    for i in range(NORMAL):
        found.append({
            "url": f"https://news.test/{i}", "title": f"Report number {i} on {TAGS[i % 3].lower()}",
            "author": AUTHORS[i % 5], "date": f"{2010 + i % 12}-{1 + i % 12:02d}-{1 + i % 27:02d}T10:00:00Z",
            "body": _body(rng, i), "sources": ["Reuters" if i % 2 else "AP"],
            "tags": [TAGS[i % 3]] + (["Asia"] if i % 4 == 0 else []), "publisher": "Test Wire", "language": "en",
        })
    story = " ".join(f"c{rng.randrange(5000)}" for _ in range(300))
    for n, outlet in enumerate(("Daily One", "Daily Two")):
        found.append({"url": f"https://copies.test/{n}", "title": f"Syndicated story in {outlet}",
                      "date": f"2015-06-0{n + 1}T08:00:00Z", "body": story, "publisher": outlet,
                      "tags": ["Syndication"], "language": "en"})
    found.append({"url": HOSTILE_URL, "title": HOSTILE_TITLE, "author": HOSTILE_AUTHOR,
                  "date": "2016-02-02T00:00:00Z", "body": HOSTILE_BODY, "tags": [HOSTILE_TAG],
                  "publisher": HOSTILE_PUBLISHER, "sources": ["<u>src</u>"], "language": "en"})
    return found


def with_word(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [record for record in found if WORD in record["body"]]


def write(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "articles.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records()), encoding="utf-8")
    return path


@dataclass
class Page:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def doc(self) -> Any:
        return html.fromstring(self.body)

    def json(self) -> Any:
        return json.loads(self.body)


def get(app: Any, url: str, method: str = "GET") -> Page:
    path, _, query = url.partition("?")
    environ: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query}
    setup_testing_defaults(environ)
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen.update(status=int(status.split()[0]), headers=dict(headers))

    body = b"".join(app(environ, start_response))
    return Page(seen["status"], seen["headers"], body)
