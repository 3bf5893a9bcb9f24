"""The query tree: small immutable nodes that say what the user asked for,
independent of any engine. Engines compile it; nothing here imports one.

Field names are the user-facing ones (``title``, ``body``, ``author``,
``source``, ``tag``, ``publisher``, ``url``, ``id``, ``lang``); ``None`` means
the default text fields (title and body).
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import Optional, Union

FIELDS = ("title", "body", "author", "source", "tag", "publisher", "url", "id", "lang", "date")


@dataclass(frozen=True)
class Term:
    """One word. ``text`` is as the user typed it; engines analyse it.
    ``literal``: the user quoted it (never left out as a common word)."""

    text: str
    field: Optional[str] = None
    boost: float = 1.0
    literal: bool = dataclass_field(default=False, compare=False)


@dataclass(frozen=True)
class Phrase:
    """Words in order; ``slop`` extra positions allowed between them."""

    words: tuple[str, ...]
    field: Optional[str] = None
    slop: int = 0
    boost: float = 1.0


@dataclass(frozen=True)
class Prefix:
    """``pipel*``: any word starting with ``text``."""

    text: str
    field: Optional[str] = None
    boost: float = 1.0


@dataclass(frozen=True)
class Wildcard:
    """``gr?y``, ``*stan``: ``?`` one character, ``*`` any run."""

    pattern: str
    field: Optional[str] = None
    boost: float = 1.0


@dataclass(frozen=True)
class Fuzzy:
    """``khurelsuk~2``: words within ``distance`` edits of ``text``."""

    text: str
    distance: int = 1
    field: Optional[str] = None
    boost: float = 1.0


@dataclass(frozen=True)
class Near:
    """``a NEAR/5 b`` (either order) or ``a PRE/5 b`` (``ordered``: a first).

    ``left`` and ``right`` are Term or Phrase nodes; ``distance`` is the most
    words allowed between them.
    """

    left: "Node"
    right: "Node"
    distance: int
    ordered: bool = False


@dataclass(frozen=True)
class AtLeast:
    """``atleast3(pipeline)``: the term occurs at least ``count`` times."""

    count: int
    term: Term


@dataclass(frozen=True)
class DateRange:
    """Articles dated in [start, end) ; either end may be open (None).

    Bounds are timezone-aware UTC datetimes; ``end`` is exclusive so that
    ``date:2022-09`` is simply [2022-09-01, 2022-10-01).
    """

    start: Optional[datetime] = None
    end: Optional[datetime] = None


@dataclass(frozen=True)
class And:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Not:
    child: "Node"


@dataclass(frozen=True)
class Rescored:
    """``query``'s articles, scored by ``query`` plus ``extra`` where they
    match it too: ``extra`` reorders, it never adds or removes an article
    (pseudo-relevance feedback's words, query/feedback.py)."""

    query: "Node"
    extra: "Node"


@dataclass(frozen=True)
class MatchAll:
    """Every article (an empty query, or one made only of negations)."""


Node = Union[Term, Phrase, Prefix, Wildcard, Fuzzy, Near, AtLeast, DateRange, And, Or, Not, Rescored, MatchAll]


def terms(node: Node) -> list[str]:
    """The words a query looks for, in order (for highlighting and suggestions)."""
    if isinstance(node, Term):
        return [node.text]
    if isinstance(node, Phrase):
        return list(node.words)
    if isinstance(node, (Prefix, Fuzzy)):
        return [node.text]
    if isinstance(node, Near):
        return terms(node.left) + terms(node.right)
    if isinstance(node, AtLeast):
        return [node.term.text]
    if isinstance(node, (And, Or)):
        return [word for child in node.children for word in terms(child)]
    if isinstance(node, Rescored):
        return terms(node.query)
    return []
