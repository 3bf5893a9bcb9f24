"""Parse the query language into the engine-neutral tree (tree.py).

A professional (Factiva/Nexis/Lucene-style) syntax; see ``parse`` for the
grammar. Two stages: ``_tokenize`` cuts the text into tokens that remember
their offsets (so every error can point at the problem), then a small
recursive-descent parser builds the tree. Nothing here knows about Whoosh.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Optional

from searcher.dates import parse_date, to_utc
from searcher.errors import QuerySyntaxError
from searcher.query.periods import next_start
from searcher.query.tree import (
    FIELDS,
    And,
    AtLeast,
    DateRange,
    Fuzzy,
    MatchAll,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Term,
    Wildcard,
)

FIELD_ALIASES = {"authors": "author", "sources": "source", "tags": "tag", "headline": "title",
                 "text": "body", "language": "lang"}
NEAR_DEFAULT_DISTANCE = 5  # ``a NEAR b`` / ``a PRE b`` without ``/n``
MAX_NEAR_DISTANCE = 1000
MAX_SLOP = 1000
MAX_FUZZY_DISTANCE = 3
MAX_ATLEAST = 1000
MAX_DEPTH = 100  # nested groups/negations; keeps hostile input from exhausting the stack
# Words, phrase words and other leaves in one query (Lucene's default
# maxClauseCount): the slowest shape at this size answers in about a second
# on Reuters-21578; bench/README.md "Query size limits".
MAX_CLAUSES = 1024
# Words of one NEAR/PRE chain: each neighbouring pair is a proximity check of its own.
MAX_NEAR_CHAIN = 100
LITERAL_FIELDS = ("url", "id")  # values taken as typed: URLs and ids hold ':', '/', '?', '*'

_WORD, _PHRASE, _LPAREN, _RPAREN, _SIGN, _NEAR, _EOF = (
    "word", "phrase", "(", ")", "sign", "near", "end")
_AND, _OR, _NOT = "AND", "OR", "NOT"  # token kinds are the operator words themselves

_NEAR_RE = re.compile(r"(NEAR|PRE)(?:/(.*))?", re.S)
_ATLEAST_RE = re.compile(r"atleast([0-9]+)", re.I)
_NUMBER_RE = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_WORD_MODS_RE = re.compile(r"([^~^]*)(?:~([^~^]*))?(?:\^([^~^]*))?", re.S)  # word[~n][^b]
_PHRASE_MODS_RE = re.compile(r"(?:~([^~^]*))?(?:\^([^~^]*))?", re.S)  # "..."[~n][^b]
_COMPACT_DATE_RE = re.compile(r"([0-9]{4})(?:-([0-9]{1,2})(?:-([0-9]{1,2}))?)?")
_RANGE_RE = re.compile(r"\s*(.*?)\s+TO\s+(.*?)\s*", re.S)


@dataclass
class _Token:
    kind: str
    pos: int
    text: str = ""  # as written (a phrase: the text between the quotes)
    boost: float = 1.0  # phrase / closing parenthesis
    slop: int = 0  # phrase
    distance: int = 0  # NEAR / PRE
    ordered: bool = False  # PRE


def parse(text: str, default_operator: str = "and") -> Node:
    """Turn a query string into a tree; raise QuerySyntaxError on bad syntax.

    Precedence, loosest first: ``OR``; ``AND`` (and juxtaposition when
    ``default_operator`` is "and"); ``NOT`` / ``-``; ``NEAR/n`` / ``PRE/n``;
    then a term, phrase, ``field:value``, ``atleastN(...)`` or ``( group )``.
    With ``default_operator="or"`` juxtaposition is an OR, except that a
    negated clause joined only by juxtaposition (``a b -c``) excludes from
    the whole group, as in Lucene: And(Or(a, b), Not(c)).
    """
    mode = default_operator.lower()
    if mode not in ("and", "or"):
        raise ValueError(f"default_operator must be 'and' or 'or', not {default_operator!r}")
    if not text.strip():
        return MatchAll()
    return _anchor(_Parser(text, mode).parse())


def parse_plain(text: str, default_operator: str = "and") -> Node:
    """Plain text as words: no operators, fields, quotes, groups, wildcards,
    fuzzy or boosts; every whitespace-separated run is a Term (analysis later
    splits ``four-power`` and drops punctuation). For natural-language text."""
    mode = default_operator.lower()
    if mode not in ("and", "or"):
        raise ValueError(f"default_operator must be 'and' or 'or', not {default_operator!r}")
    terms = tuple(Term(word) for word in text.replace('"', " ").split())
    if len(terms) > MAX_CLAUSES:
        raise QuerySyntaxError(f"more than {MAX_CLAUSES:,} words", _word_start(text, MAX_CLAUSES), text)
    if not terms:
        return MatchAll()
    return terms[0] if len(terms) == 1 else (And if mode == "and" else Or)(terms)


def _word_start(text: str, index: int) -> int:
    """Where the ``index``-th (0-based) whitespace-separated word of ``text`` starts."""
    found = list(re.finditer(r"\S+", text.replace('"', " ")))
    return found[index].start() if index < len(found) else 0


class _Parser:
    def __init__(self, text: str, mode: str):
        self.text = text
        self.mode = mode
        self.tokens = self._tokenize()
        self._check_size()
        self.at = 0
        self.depth = 0

    def _check_size(self) -> None:
        """At most MAX_CLAUSES words (a phrase counts its words), said at the first one past it."""
        count = 0
        for tok in self.tokens:
            if tok.kind in (_WORD, _PHRASE):
                count += max(1, len(tok.text.split())) if tok.kind == _PHRASE else 1
                if count > MAX_CLAUSES:
                    raise self.fail(f"more than {MAX_CLAUSES:,} words and clauses", tok.pos)

    def fail(self, message: str, position: int) -> QuerySyntaxError:
        return QuerySyntaxError(message, position, self.text)

    # ---- tokenizer -----------------------------------------------------

    def _tokenize(self) -> list[_Token]:
        text, n, i = self.text, len(self.text), 0
        tokens: list[_Token] = []
        while i < n:
            c = text[i]
            if c.isspace():
                i += 1
            elif c == "(":
                tokens.append(_Token(_LPAREN, i, c))
                i += 1
            elif c == ")":
                # A boost may be glued to the parenthesis: (a OR b)^2
                end = self._run_end(i + 1) if text.startswith("^", i + 1) else i + 1
                boost = self._boost(text[i + 2:end], i + 1) if end > i + 1 else 1.0
                tokens.append(_Token(_RPAREN, i, c, boost=boost))
                i = end
            elif c == '"':
                close = text.find('"', i + 1)
                if close < 0:
                    raise self.fail("unclosed quote", i)
                end = close + 1
                if end < n and text[end] in "~^":
                    end = self._run_end(end)
                slop, boost = self._phrase_mods(text[close + 1:end], close + 1)
                tokens.append(_Token(_PHRASE, i, text[i + 1:close], boost=boost, slop=slop))
                i = end
            elif c in "+-" and i + 1 < n and not text[i + 1].isspace() and text[i + 1] != ")":
                # A sign counts only when glued to what follows; a lone '-' is a word.
                tokens.append(_Token(_SIGN, i, c))
                i += 1
            else:
                end = self._run_end(i)
                signed = bool(tokens) and tokens[-1].kind == _SIGN and tokens[-1].pos == i - 1
                tokens.append(self._word_token(text[i:end], i, signed))
                i = end
        tokens.append(_Token(_EOF, n))
        return tokens

    def _run_end(self, i: int) -> int:
        """End of the word starting at i; ``field:[a TO b]`` may hold spaces."""
        text, j = self.text, i
        while j < len(text) and not text[j].isspace() and text[j] not in '()"':
            if text[j] in "[{" and j > i and text[j - 1] == ":":
                close = min((k for k in (text.find("]", j), text.find("}", j)) if k >= 0),
                            default=-1)
                if close < 0:
                    raise self.fail(f"unclosed range '{text[j]}'", j)
                return close + 1
            j += 1
        return j

    def _word_token(self, word: str, pos: int, signed: bool) -> _Token:
        # Operators are uppercase only; '-AND' or '+OR' are the words themselves.
        if signed:
            return _Token(_WORD, pos, word)
        if word in (_AND, _OR, _NOT):
            return _Token(word, pos, word)
        m = _NEAR_RE.fullmatch(word)
        if not m:
            return _Token(_WORD, pos, word)
        distance = NEAR_DEFAULT_DISTANCE
        if m[2] is not None:
            if not re.fullmatch(r"[0-9]+", m[2]) or int(m[2]) > MAX_NEAR_DISTANCE:
                raise self.fail(f"bad {m[1]} distance '{m[2]}' (use {m[1]}/n with n from 0 "
                                f"to {MAX_NEAR_DISTANCE})", pos)
            distance = int(m[2])
        return _Token(_NEAR, pos, word, distance=distance, ordered=m[1] == "PRE")

    def _boost(self, value: str, pos: int) -> float:
        """``value`` is what follows the '^' at ``pos``."""
        if not _NUMBER_RE.fullmatch(value) or float(value) <= 0:
            raise self.fail(f"bad boost '^{value}' (use a positive number like ^2 or ^1.5)", pos)
        return float(value)

    def _phrase_mods(self, suffix: str, pos: int) -> tuple[int, float]:
        m = _PHRASE_MODS_RE.fullmatch(suffix)
        if not m:
            raise self.fail(f"bad phrase modifier '{suffix}' (use ~n and/or ^b)", pos)
        slop, boost = 0, 1.0
        if m[1] is not None:
            if not re.fullmatch(r"[0-9]+", m[1]) or int(m[1]) > MAX_SLOP:
                raise self.fail(f"bad phrase slop '~{m[1]}' (use ~n with n from 0 to {MAX_SLOP})",
                                pos)
            slop = int(m[1])
        if m[2] is not None:
            boost = self._boost(m[2], pos + m.start(2) - 1)
        return slop, boost

    # ---- token stream --------------------------------------------------

    def peek(self) -> _Token:
        return self.tokens[self.at]

    def next(self) -> _Token:
        tok = self.tokens[self.at]
        self.at += 1
        return tok

    def starts_clause(self, tok: _Token) -> bool:
        return tok.kind in (_WORD, _PHRASE, _LPAREN, _SIGN, _NOT)

    def need_clause(self, op: _Token) -> None:
        if not self.starts_clause(self.peek()):
            raise self.fail(f"nothing after '{op.text}'", op.pos)

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail("query is nested too deeply", pos)

    # ---- grammar -------------------------------------------------------

    def parse(self) -> Node:
        node = self.or_expr(None)
        tok = self.peek()
        if tok.kind == _RPAREN:
            raise self.fail("unexpected ')'", tok.pos)
        if tok.kind != _EOF:  # not reachable with the current grammar; kept as a guard
            raise self.fail(f"unexpected '{tok.text}'", tok.pos)
        return node

    def or_expr(self, field: Optional[str]) -> Node:
        nodes, explicit = [self.and_expr(field)], []  # explicit[i]: an OR joins nodes i, i+1
        while True:
            tok = self.peek()
            if tok.kind == _OR:
                self.next()
                self.need_clause(tok)
                explicit.append(True)
            elif self.mode == "or" and self.starts_clause(tok):
                explicit.append(False)
            else:
                break
            nodes.append(self.and_expr(field))
        # A negation not touching an explicit OR excludes from the whole group
        # (only juxtaposition in OR mode can produce one; `NOT b` alone too).
        excluded: list[Node] = []
        alternatives: list[Node] = []
        for i, node in enumerate(nodes):
            by_or = (i > 0 and explicit[i - 1]) or (i < len(explicit) and explicit[i])
            (excluded if isinstance(node, Not) and not by_or else alternatives).append(node)
        if alternatives:
            excluded.insert(0, _make_or(alternatives))
        return _make_and(excluded)

    def and_expr(self, field: Optional[str]) -> Node:
        nodes = [self.unary(field)]
        while True:
            tok = self.peek()
            if tok.kind == _AND:
                self.next()
                self.need_clause(tok)
            elif not (self.mode == "and" and self.starts_clause(tok)):
                break
            nodes.append(self.unary(field))
        return _make_and(nodes)

    def unary(self, field: Optional[str]) -> Node:
        tok = self.peek()
        if tok.kind not in (_NOT, _SIGN):
            return self.near_expr(field)
        self.next()
        self.need_clause(tok)
        self.enter(tok.pos)
        child = self.unary(field)
        self.depth -= 1
        return child if tok.text == "+" else _make_not(child)

    def near_expr(self, field: Optional[str]) -> Node:
        left = self.primary(field)
        pairs: list[Node] = []
        # Chains `a NEAR/3 b NEAR/3 c` mean each neighbouring pair: And(Near(a,b), Near(b,c)).
        while self.peek().kind == _NEAR:
            op = self.next()
            if len(pairs) + 2 > MAX_NEAR_CHAIN:
                raise self.fail(f"a NEAR/PRE chain of more than {MAX_NEAR_CHAIN} words", op.pos)
            if self.peek().kind not in (_WORD, _PHRASE, _LPAREN):
                raise self.fail(f"'{op.text}' needs a word or quoted phrase on each side", op.pos)
            right = self.primary(field)
            if not isinstance(left, (Term, Phrase)) or not isinstance(right, (Term, Phrase)):
                raise self.fail(f"'{op.text}' needs a word or quoted phrase on each side", op.pos)
            if left.field != right.field:
                raise self.fail(f"both sides of '{op.text}' must search the same field", op.pos)
            pairs.append(Near(left, right, op.distance, op.ordered))
            left = right
        return _make_and(pairs) if pairs else left

    def primary(self, field: Optional[str], after: Optional[_Token] = None) -> Node:
        tok = self.peek()
        if tok.kind == _LPAREN:
            return self.group(field)
        if tok.kind == _PHRASE:
            return self.phrase(self.next(), field)
        if tok.kind == _WORD:
            return self.word(self.next(), field)
        if after is not None:  # `title:` followed by nothing usable
            raise self.fail(f"missing value after '{after.text}'", after.pos)
        if tok.kind == _RPAREN:
            raise self.fail("unexpected ')'", tok.pos)
        raise self.fail(f"nothing before '{tok.text}'", tok.pos)

    def group(self, field: Optional[str]) -> Node:
        lp = self.next()
        if self.peek().kind == _RPAREN:
            raise self.fail("empty group '()'", lp.pos)
        self.enter(lp.pos)
        node = self.or_expr(field)
        self.depth -= 1
        if self.peek().kind != _RPAREN:
            raise self.fail("missing closing parenthesis", lp.pos)
        return _boost_all(node, self.next().boost)

    def phrase(self, tok: _Token, field: Optional[str]) -> Node:
        words = tuple(tok.text.split())
        if not words:
            raise self.fail("empty quotes", tok.pos)
        if field in LITERAL_FIELDS:
            return Term(tok.text.strip(), field, tok.boost)
        if field == "date":
            return self.date_value(tok.text.strip(), tok.pos + 1 + tok.text.index(words[0]))
        if len(words) == 1:  # quoting one word makes it literal: "gr?y" is no wildcard, "what" is kept
            return Term(words[0], field, tok.boost, literal=True)
        return Phrase(words, field, tok.slop, tok.boost)

    def word(self, tok: _Token, field: Optional[str]) -> Node:
        text, pos = tok.text, tok.pos
        name, colon, rest = text.partition(":")
        if colon and name:
            known = _field_name(name)
            if known is None and name.isalpha() and not rest.startswith("//"):
                raise self.fail(f"unknown field '{name}' (fields: {', '.join(FIELDS)})", pos)
            if known:  # other colons (10:30, http://x) are part of the word
                if not rest:  # `title: pipeline`, `title:"gas pipeline"`, `title:(a OR b)`
                    return self.primary(known, after=tok)
                field, text, pos = known, rest, pos + len(name) + 1
                if text[0] in "[{" and field != "date":
                    raise self.fail("ranges are only supported for date:", pos)
        if field in LITERAL_FIELDS:
            return Term(text, field)
        if field == "date":
            return self.date_value(text, pos)
        m = _ATLEAST_RE.fullmatch(text)
        if m and self.peek().kind == _LPAREN:
            return self.atleast(int(m[1]), tok, field)
        return self.leaf(text, pos, field)

    def atleast(self, count: int, tok: _Token, field: Optional[str]) -> Node:
        if not 1 <= count <= MAX_ATLEAST:
            raise self.fail(f"atleast count must be from 1 to {MAX_ATLEAST}", tok.pos)
        inner = self.group(field)
        if not isinstance(inner, Term):
            raise self.fail(f"atleast{count}(...) takes a single word", tok.pos)
        return AtLeast(count, inner)

    def leaf(self, text: str, pos: int, field: Optional[str]) -> Node:
        """A word with its modifiers: wildcards, ``~n`` (fuzzy), ``^b`` (boost)."""
        m = _WORD_MODS_RE.fullmatch(text)
        if not m:
            raise self.fail(f"misplaced '~' or '^' in '{text}'", pos)
        base, fuzzy, boost_text = m.groups()
        if not base:
            raise self.fail(f"nothing before '{text}'", pos)
        boost = self._boost(boost_text, pos + m.start(3) - 1) if boost_text is not None else 1.0
        wild = "*" in base or "?" in base
        if fuzzy is not None:
            if wild:
                raise self.fail(f"'{text}' mixes a wildcard with '~'", pos)
            if fuzzy and (not re.fullmatch(r"[0-9]+", fuzzy) or int(fuzzy) > MAX_FUZZY_DISTANCE):
                raise self.fail(f"bad fuzzy distance '~{fuzzy}' (use ~0 to ~{MAX_FUZZY_DISTANCE})",
                                pos + m.start(2) - 1)
            return Fuzzy(base, int(fuzzy or 1), field, boost)
        if not wild:
            return Term(base, field, boost)
        if set(base) == {"*"}:
            return MatchAll()
        if base.endswith("*") and not any(c in base[:-1] for c in "*?"):
            return Prefix(base[:-1], field, boost)
        return Wildcard(base, field, boost)

    # ---- dates ---------------------------------------------------------

    def date_value(self, text: str, pos: int) -> DateRange:
        """``2022``, ``>=2022-09``, ``[a TO b]`` ... as a half-open UTC range."""
        if text[0] in "[{":
            return self.date_range(text, pos)
        found = re.match(r"[<>]=?", text)
        op = found.group() if found else ""
        start, end = self.period(text[len(op):], pos + len(op))
        return {"": DateRange(start, end), ">=": DateRange(start, None),
                ">": DateRange(end, None), "<": DateRange(None, start),
                "<=": DateRange(None, end)}[op]

    def date_range(self, text: str, pos: int) -> DateRange:
        m = _RANGE_RE.fullmatch(text[1:-1]) if text[-1] in "]}" else None
        if not m or not m[1] or not m[2]:
            raise self.fail("a date range needs the form [start TO end]", pos)
        start = end = None
        if m[1] != "*":  # '[' includes the start period, '{' starts after it
            start = self.period(m[1], pos + 1 + m.start(1))[text[0] == "{"]
        if m[2] != "*":  # ']' includes the whole end period, '}' stops before it
            end = self.period(m[2], pos + 1 + m.start(2))[text[-1] == "]"]
        if start and end and start >= end:
            raise self.fail("empty date range: it ends before it starts", pos)
        return DateRange(start, end)

    def period(self, text: str, pos: int) -> tuple[datetime, datetime]:
        """The span a date names: a year, month or day for the compact forms,
        otherwise down to the finest unit the text gives (dateutil)."""
        try:
            m = _COMPACT_DATE_RE.fullmatch(text)
            if m:
                start = datetime(int(m[1]), int(m[2] or 1), int(m[3] or 1), tzinfo=timezone.utc)
                return start, next_start(start, "day" if m[3] else "month" if m[2] else "year")
            if parse_date(text) is not None:  # also insists on a year
                from dateutil import parser as _dateutil

                # Parse twice with different defaults: fields that differ were not given.
                lo = _dateutil.parse(text, default=datetime(2000, 1, 1))
                hi = _dateutil.parse(text, default=datetime(2000, 12, 28, 23, 59, 59))
                unit = "second"
                for attr, coarser in (("month", "year"), ("day", "month"), ("hour", "day"),
                                      ("minute", "hour"), ("second", "minute")):
                    if getattr(lo, attr) != getattr(hi, attr):
                        unit = coarser
                        break
                return to_utc(lo), to_utc(next_start(lo, unit))
        except (ValueError, OverflowError, TypeError):  # dateutil's and datetime's complaints
            pass
        raise self.fail(f"cannot read date '{text}' (try 2022, 2022-09 or 2022-09-16)", pos)


# ---- tree helpers ------------------------------------------------------

def _field_name(name: str) -> Optional[str]:
    name = name.lower()
    name = FIELD_ALIASES.get(name, name)
    return name if name in FIELDS else None


def _make_and(children: list[Node]) -> Node:
    flat = [g for c in children for g in (c.children if isinstance(c, And) else (c,))]
    kept = [c for c in flat if not isinstance(c, MatchAll)]  # `* a` is just `a`
    if not kept:
        return MatchAll()
    return kept[0] if len(kept) == 1 else And(tuple(kept))


def _make_or(children: list[Node]) -> Node:
    flat = [g for c in children for g in (c.children if isinstance(c, Or) else (c,))]
    if any(isinstance(c, MatchAll) for c in flat):
        return MatchAll()
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


def _make_not(child: Node) -> Node:
    return child.child if isinstance(child, Not) else Not(child)


def _boost_all(node: Node, factor: float) -> Node:
    """Multiply the boost of every leaf under ``node`` (``(a OR b)^2``)."""
    if factor == 1.0:
        return node
    if isinstance(node, (Term, Phrase, Prefix, Wildcard, Fuzzy)):
        return replace(node, boost=node.boost * factor)
    if isinstance(node, Near):
        return replace(node, left=_boost_all(node.left, factor),
                       right=_boost_all(node.right, factor))
    if isinstance(node, AtLeast):
        return replace(node, term=replace(node.term, boost=node.term.boost * factor))
    if isinstance(node, (And, Or)):
        return type(node)(tuple(_boost_all(c, factor) for c in node.children))
    if isinstance(node, Not):
        return Not(_boost_all(node.child, factor))
    return node  # DateRange, MatchAll: nothing to weigh


def _anchor(node: Node) -> Node:
    """Give every Not something positive to subtract from: a Not that is not
    beside a positive clause in an And becomes And(MatchAll(), Not(x))."""
    if isinstance(node, And):
        kids = [Not(_anchor(c.child)) if isinstance(c, Not) else _anchor(c) for c in node.children]
        if all(isinstance(c, Not) for c in kids):
            kids.insert(0, MatchAll())
        return And(tuple(kids))
    if isinstance(node, Or):
        return Or(tuple(_anchor(c) for c in node.children))
    if isinstance(node, Not):
        return And((MatchAll(), Not(_anchor(node.child))))
    return node


# ---- --since / --until ---------------------------------------------------

_RELATIVE_RE = re.compile(r"\s*([0-9]+)\s*([dwmy])\s*", re.I)


def date_span(since: Optional[str] = None, until: Optional[str] = None,
              now: Optional[datetime] = None) -> Optional[DateRange]:
    """The range between ``since`` (from the start of the period it names) and
    ``until`` (through the end of the period it names). Each is anything the
    ``date:`` syntax reads (2022, 2022-09, 16 September 2022 ...) or a span
    back from now: ``7d``, ``2w``, ``3m``, ``1y``."""
    if not since and not until:
        return None
    now = to_utc(now or datetime.now(timezone.utc))
    bounds: list[Optional[datetime]] = []
    for option, text, side in (("--since", since, 0), ("--until", until, 1)):
        if not text:
            bounds.append(None)
            continue
        relative = _RELATIVE_RE.fullmatch(text)
        if relative:
            bounds.append(_ago(now, int(relative[1]), relative[2].lower()))
            continue
        try:
            bounds.append(_Parser(text, "and").period(text.strip(), 0)[side])
        except QuerySyntaxError as exc:
            raise QuerySyntaxError(f"{option}: cannot read date '{text}' (try 2022-09-16 or 7d, 3m, 1y)",
                                   None, text) from exc
    if bounds[0] and bounds[1] and bounds[0] >= bounds[1]:
        raise QuerySyntaxError("--since is after --until", None, f"{since} {until}")
    return DateRange(bounds[0], bounds[1])


def _ago(now: datetime, count: int, unit: str) -> datetime:
    if unit in "dw":
        return now - timedelta(days=count * (7 if unit == "w" else 1))
    months = now.year * 12 + now.month - 1 - count * (12 if unit == "y" else 1)
    year, month = divmod(months, 12)
    day = min(now.day, 28)  # the same day of the month, clamped where months are short
    return now.replace(year=year, month=month + 1, day=day)
