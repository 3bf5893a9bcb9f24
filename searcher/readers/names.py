"""Author names from bylines, and de-duplication, the same for every reader.

:func:`split_names` turns one byline ("By Ann Lee, Bob Roe and Cy Poe,
Reuters") into names (``['Ann Lee', 'Bob Roe', 'Cy Poe']``):

- a leading credit is dropped: "By", "By:", "Written/Reported/Reporting/
  Story/Words/Text/Photo(s)/Posted/Updated by", "Text:", "Photos:", and
  "Von"/"Par"/"Por"/"Door"/"di" when a capitalised first name and a surname
  follow ("Von der Leyen" stays a name; "Di" capitalised is a surname);
  parts credited "Edited by" are editors, not authors, and are left out;
- a date or time after the names is cut: "By Ann Lee Updated 5:35 PM ET";
- names are separated by newlines, "," ";" "|" "/" "&" (and their full-width
  forms), and the words "and", "und", "et" (whole words: "Alexander" and
  "Sandra" are one name); "et al." ends the list;
- "Jr", "Sr", "II".."IV" after a comma belong to the name before; "PhD",
  "MD" and the like are degrees and are dropped;
- "Smith, John" (and "Smith, John; Doe, Jane") is one name written surname
  first, read as "John Smith"; only when every other part of the byline
  has that shape or is a whole name, since "Ann Lee, Bob Roe" is two names
  and "Lee, Kim and Park" three;
- a known outlet ("Reuters", "CNN", from outlets.txt) among names is the
  distributor, not an author, and is dropped; alone it is kept (the byline
  of agency copy). ``wire=True`` also drops it alone and takes an agency
  word ending the last name ("By Brad Schade Reuters") as a sign-off;
- each name: whitespace collapsed, a note in brackets after it ("(AP)")
  and quotes and brackets at its edges dropped, a final "." kept only after
  an initial or an abbreviation ("Dana A.", "J.R.", "Jr."), ALL CAPITALS
  title-cased ("JOHN MARZULLI").

:func:`unique` keeps the first spelling of each value, in order, comparing
case-insensitively with whitespace and Unicode forms normalised.

Every pattern is linear on any input: separators are matched alone and
parts stripped after, as a pattern around them ("\\s*,\\s*") rescans long
runs of spaces from each of their positions (tests/test_input_limits.py).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable, Optional

_CREDIT = re.compile(
    r"(?:(?:written|posted|reported|reporting|additional\s+reporting|words|story|text|photos?|updated)\s+)?"
    r"(by|von|par|por|door|di)(\s*:\s*|\s+)|(?:text|words|photos?|fotos?)\s*:\s*", re.IGNORECASE)
_EDITOR = re.compile(r"(?:edited|editing)\s+by\b", re.IGNORECASE)
# (?<!\s): a match starts only where its run of spaces starts (linear).
_DATE_TAIL = re.compile(
    r"(?:^|(?<!\s)\s+)(?:(?:last\s+)?updated\b|published\b|posted\b|on\s+\w+\s+\d|\d{1,2}[:/.]\d|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d).*$", re.IGNORECASE)
_SEPARATORS = r"[;|&\uff1b]|\bet\s+al\b\.?|\b(?:and|und|et)\b"
_SPLIT = re.compile(_SEPARATORS + "|/", re.IGNORECASE)
_SPLIT_URL = re.compile(_SEPARATORS, re.IGNORECASE)  # an address keeps its slashes
_COMMA = re.compile(r"[,\uff0c\u3001]")
_SUFFIX = re.compile(r"(?:jr|sr)\.?|i{2,3}|iv", re.IGNORECASE)
_DEGREE = re.compile(r"ph\.?\s?d\.?|m\.?d\.?|esq\.?|mba|mph|rn", re.IGNORECASE)
_INITIALS = re.compile(r"(?:[^\W\d_]\.)+")
_ROMAN = re.compile(r"x{0,3}(?:i{1,3}|iv|vi{0,3}|ix)|x{1,3}", re.IGNORECASE)  # "Louis XIV"
_WIRE = re.compile(r"(?:reuters?\w*|ap|afp|upi|dpa)\.?", re.IGNORECASE)
_PARTICLES = frozenset({"de", "la", "le", "van", "von", "der", "den", "du", "da", "di", "del", "della",
                        "dos", "das", "do", "ten", "ter", "bin", "al", "el"})
_EDGES = " ,:;-\u2013\u2014\"'\u2018\u2019\u201c\u201d()[]{}"
_ABBREVIATIONS = frozenset({"jr", "sr", "st"})


_folded: tuple[tuple[str, ...], frozenset[str]] = ((), frozenset())


def outlet_names() -> frozenset[str]:
    """Known outlets (outlets.txt and SEARCHER_OUTLETS' lists), case-folded;
    rebuilt when load_outlets' answer changes (a user's list edited)."""
    global _folded
    from .outlets import load_outlets  # outlets imports this module

    names = load_outlets()
    if names is not _folded[0]:
        _folded = (names, frozenset(name.casefold() for name in names))
    return _folded[1]


def byline(line: str) -> Optional[str]:
    """What follows a "by" credit ("Written by Ann Lee" -> "Ann Lee"), or None
    when ``line`` does not open with one. For telling a byline from other
    lines, so not "Von"/"Par"/"Door": they open headlines too ("Door Prize
    Winners Announced")."""
    line = " ".join(line.split())
    match = _CREDIT.match(line)
    if match is None or (match.group(1) or "by").lower() != "by":
        return None
    return line[match.end():] or None


def split_names(text: str, *, wire: bool = False) -> list[str]:
    """The names in one byline, in order, each once (rules: the module's docstring)."""
    names: list[str] = []
    for line in text.splitlines():
        names += _line_names(" ".join(line.split()))
    outlets = outlet_names()
    people = [name for name in names if name.casefold() not in outlets]
    if wire:
        people = [name for name in people if not _WIRE.fullmatch(name)]
        if people:
            people[-1] = _without_sign_off(people[-1])
        return unique(people)
    return unique(people or names)


def unique(values: Iterable[str]) -> list[str]:
    """First spelling of each value, in order; empty values dropped."""
    seen: set[str] = set()
    out = []
    for value in values:
        key = unicodedata.normalize("NFKC", " ".join(value.split())).casefold()
        if key and key not in seen:
            seen.add(key)
            out.append(value)
    return out


def _strip_credit(text: str) -> str:
    match = _CREDIT.match(text)
    if match is None:
        return text
    rest, credit = text[match.end():], match.group(1) or "by"  # "Text: Ann Lee"
    words = rest.split()
    if credit.lower() != "by" and ":" not in match.group(2) and (
            len(words) < 2 or not words[0][:1].isupper() or credit == "Di"):
        return text  # "Von der Leyen", "Di Stefano Marco": a name, not a credit
    return rest


def _line_names(line: str) -> list[str]:
    line = _DATE_TAIL.sub("", _strip_credit(line))
    if not line:
        return []
    address = "://" in line or "www." in line.lower()
    pieces = []
    for piece in (_SPLIT_URL if address else _SPLIT).split(line):
        piece = _strip_credit(piece.strip())
        if not _EDITOR.match(piece):
            pieces.append(_comma_parts(piece))
    pieces = [parts for parts in pieces if parts]
    if any(len(parts) == 2 for parts in pieces) and all(_reversed(parts) for parts in pieces):
        return [_tidy(_given_first(parts)) for parts in pieces]
    return [name for parts in pieces for name in map(_tidy, parts) if name]


def _comma_parts(piece: str) -> list[str]:
    """Comma-separated parts, a suffix joined to the part before, degrees dropped."""
    parts: list[str] = []
    for part in _COMMA.split(piece):
        part = part.strip()
        if part.endswith(")") and part.rfind("(") > 0:
            part = part[:part.rfind("(")]  # "Ann Lee (Reuters)": a note on the name, not part of it
        part = _strip_credit(part.strip(_EDGES))
        if not part or _DEGREE.fullmatch(part) or _EDITOR.match(part):
            continue
        if _SUFFIX.fullmatch(part) and parts:
            parts[-1] += " " + part
        else:
            parts.append(part)
    return parts


def _reversed(parts: list[str]) -> bool:
    """True for ["Smith", "John"] (surname first); a one-part piece may stand
    beside such pieces when it holds a whole name ("Smith, John and Jane Doe")."""
    if len(parts) == 1:
        return len(parts[0].split()) >= 2
    if len(parts) != 2:
        return False
    surname, given = (_without_suffix(part.split()) for part in parts)
    outlets = outlet_names()
    if (not surname or not 1 <= len(given) <= 3 or parts[0].casefold() in outlets
            or parts[1].casefold() in outlets or _WIRE.fullmatch(parts[1])):
        return False
    *particles, last = surname
    if not _is_word(last) or any(p not in _PARTICLES for p in particles):
        return False
    capitals = parts[0].isupper()  # "SMITH, JOHN" is written in capitals throughout
    return all((_is_word(w) and (capitals or not w.isupper() or len(w) == 1)) or _is_initials(w) for w in given)


def _given_first(parts: list[str]) -> str:
    """["Smith", "John Jr."] -> "John Smith Jr."; a one-part piece as it is."""
    if len(parts) == 1:
        return parts[0]
    surname, given = parts[0].split(), parts[1].split()
    bare = _without_suffix(given)
    return " ".join(bare + surname + given[len(bare):])


def _without_suffix(words: list[str]) -> list[str]:
    while words and _SUFFIX.fullmatch(words[-1]):
        words = words[:-1]
    return words


def _is_word(word: str) -> bool:
    return word[:1].isupper() and all(c.isalpha() or c in "'\u2019-" for c in word)


def _is_initials(word: str) -> bool:
    return word[:1].isupper() and bool(_INITIALS.fullmatch(word))


def _tidy(name: str) -> str:
    name = " ".join(name.split()).strip(_EDGES).lstrip(". ")
    words = name.split()
    if name.endswith(".") and words:
        core = words[-1].rstrip(".")
        if len(core) > 1 and "." not in core and core.casefold() not in _ABBREVIATIONS:
            name = name.rstrip(".").strip(_EDGES)
    elif words and words[-1].casefold() in ("jr", "sr"):
        name += "."
    if name.isupper() and len(name) > 4:
        name = " ".join(w if _ROMAN.fullmatch(w) else w.title() for w in name.split())
    return name if any(c.isalpha() for c in name) else ""


def _without_sign_off(name: str) -> str:
    """'Brad Schade Reuters' -> 'Brad Schade': an agency's name ending the
    byline of its own copy."""
    words = name.split()
    if len(words) > 2 and _WIRE.fullmatch(words[-1]):
        return " ".join(words[:-1])
    return name
