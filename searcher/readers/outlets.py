"""Known news outlets, and splitting a run-together SOURCE line into them.

Scraped pages often flatten their list of sources into one line with no
separators ("SOURCE: BBC China Daily Thai PBS"). Only a list of known outlet
names can tell where one name ends and the next begins, so one ships with the
package (``outlets.txt``) and users extend it through the ``SEARCHER_OUTLETS``
environment variable: os.pathsep-separated files, one outlet per line.
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterable

from .names import unique

ENV_VAR = "SEARCHER_OUTLETS"
_SHIPPED = "outlets.txt"

log = logging.getLogger(__name__)

# A leading "SOURCE:" / "Sources -" label, when the whole line is passed in.
_LABEL = re.compile(r"^\s*sources?\s*[:\-\u2013\u2014]\s*", re.IGNORECASE)
# Separators that always end a name. "/", "and" and "&" end one only where
# they are not part of a known name ("RFE/RL", "Mail & Guardian").
_HARD_SEPARATORS = re.compile(r"[,;|]")
_SOFT_SEPARATORS = frozenset({"/", "and"})
_URL_LIKE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.)|^[\w-]+(?:\.[\w-]+)+/", re.I)
# Punctuation trimmed from words when comparing them, and from finished names.
_EDGE_PUNCTUATION = ".,:;!?\"'()[]{}\u2018\u2019\u201c\u201d"
_TRIM = " \t.:-\u2013\u2014" + _EDGE_PUNCTUATION


def parse_outlet_lines(text: str) -> list[str]:
    """Outlet names from a list file: one per line, ``#`` starts a comment."""
    names = []
    for line in text.splitlines():
        name = " ".join(line.split("#", 1)[0].split())
        if name:
            names.append(name)
    return names


@lru_cache(maxsize=1)
def _shipped_outlets() -> tuple[str, ...]:
    text = resources.files(__package__).joinpath(_SHIPPED).read_text(encoding="utf-8")
    return tuple(parse_outlet_lines(text))


def _user_files() -> list[str]:
    return [p for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p.strip()]


def _file_signature(path: str) -> tuple[str, int, int]:
    # Part of the cache key, so editing a user's list takes effect at once.
    try:
        stat = os.stat(path)
    except OSError:
        return (path, -1, -1)
    return (path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _load(signatures: tuple[tuple[str, int, int], ...]) -> tuple[str, ...]:
    names = list(_shipped_outlets())
    for path, _mtime, _size in signatures:
        try:
            with open(path, encoding="utf-8-sig") as handle:
                names.extend(parse_outlet_lines(handle.read()))
        except (OSError, UnicodeError) as exc:
            # A broken user list should not stop indexing; say so once.
            log.warning("cannot read outlet list %s (%s): %s", path, ENV_VAR, exc)
    return tuple(names)


def load_outlets() -> tuple[str, ...]:
    """The shipped outlets followed by those in every ``SEARCHER_OUTLETS`` file."""
    return _load(tuple(_file_signature(p) for p in _user_files()))


def _words(text: str) -> list[str]:
    """Words of a name or line; a "/" between words becomes a word of its own."""
    words: list[str] = []
    for word in text.split():
        if _URL_LIKE.match(word):
            words.append(word)
        else:
            words.extend(re.findall(r"[^/]+|/", word))
    return words


def _key_word(word: str) -> str:
    folded = word.casefold()
    if folded == "&":
        return "and"
    # "Reuters." and "(AP)" compare as "reuters" and "ap".
    return folded.strip(_EDGE_PUNCTUATION) or folded


@dataclass(frozen=True)
class _OutletIndex:
    # key words -> (listed name, which key words are acronyms in the list)
    by_key: dict[tuple[str, ...], tuple[str, tuple[bool, ...]]]
    longest: int


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _case_fits(acronyms: tuple[bool, ...], words: list[str]) -> bool:
    """An acronym matches "RAI" or "rai" but not the ordinary word "Rai"."""
    return not any(
        is_acronym and word[:1].isupper() and word[1:].islower()
        for is_acronym, word in zip(acronyms, words)
    )


@lru_cache(maxsize=8)
def _build_index(names: tuple[str, ...]) -> _OutletIndex:
    by_key: dict[tuple[str, ...], tuple[str, tuple[bool, ...]]] = {}
    for name in names:
        words = _words(name)
        key = tuple(_key_word(w) for w in words)
        acronyms = tuple(_is_acronym(w) for w in words)
        # Later lists (the user's, then ``extra``) may respell a name.
        by_key[key] = (name, acronyms)
        # "Nation Thailand" for "The Nation Thailand". Not for one-word rests:
        # "Times" alone would cut the unknown "Khmer Times" in two.
        if len(key) > 2 and key[0] == "the":
            by_key[key[1:]] = (name, acronyms[1:])
    longest = max((len(key) for key in by_key), default=0)
    return _OutletIndex(by_key, longest)


def split_sources(line: str, extra: Iterable[str] | None = None) -> list[str]:
    """Outlet names in a SOURCE line, in order, without repeats.

    The line is cut at ``,`` ``;`` ``|``, then each piece is read left to
    right taking the longest known outlet name at each point (returned in its
    listed spelling). Words that start no known name stay together as one
    unknown source, ended by a known name, a separator, "/" or "and".
    """
    names = load_outlets() + (tuple(extra) if extra else ())
    index = _build_index(names)
    found: list[str] = []
    for piece in _HARD_SEPARATORS.split(_LABEL.sub("", line)):
        found.extend(_split_piece(_words(piece), index))
    return unique(found)


def _split_piece(words: list[str], index: _OutletIndex) -> list[str]:
    keys = [_key_word(w) for w in words]
    found: list[str] = []
    unknown: list[str] = []

    def flush() -> None:
        name = " ".join(unknown).strip(_TRIM)
        if name:
            found.append(name)
        unknown.clear()

    i = 0
    while i < len(words):
        for length in range(min(index.longest, len(words) - i), 0, -1):
            entry = index.by_key.get(tuple(keys[i:i + length]))
            if entry and _case_fits(entry[1], words[i:i + length]):
                name = entry[0]
                flush()
                found.append(name)
                i += length
                break
        else:
            if keys[i] in _SOFT_SEPARATORS:
                flush()
            else:
                unknown.append(words[i])
            i += 1
    flush()
    return found

