"""Snippets: the best one or two body fragments with the matched words marked.

Whoosh's own highlighter lets fragments grow past any length we set, so the
windows are chosen here: analyse the text once (character offsets kept),
find the tokens whose analysed form is a query term, and keep the windows
that cover the most distinct terms.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..engine.base import Analysis

SNIPPET_CHARS = 200
FRAGMENTS = 2
LEAD = 30  # characters of context before the first match in a window
JOINER = " … "
_SPACE = re.compile(r"\s+")

Span = tuple[int, int]


def find_terms(text: str, terms: frozenset[str], analysis: "Analysis",
               language: str = "") -> list[tuple[int, int, str]]:
    """(start, end, term) of each word of ``text`` (in ``language``) whose analysed
    form is one of ``terms``; computed once per hit for its snippet and its matched terms."""
    if not terms or not text:
        return []
    return [span for span in analysis.spans(text, language) if span[2] in terms]


def present(analysis: "Analysis", text: str, terms: frozenset[str], language: str = "") -> set[str]:
    """Which of the analysed ``terms`` occur in ``text``."""
    return {term for _, _, term in find_terms(text, terms, analysis, language)}


def _window(text: str, matches, first: int, width: int) -> tuple[int, int, list]:
    start = max(0, matches[first][0] - LEAD)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < matches[first][0] else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > matches[first][1] else end
    inside = [m for m in matches[first:] if m[1] <= end]
    return start, end, inside


def make_snippet(text: str, terms: frozenset[str], analysis: "Analysis", found=None) -> tuple[str, list[Span]]:
    """Best fragments of ``text`` for the analysed ``terms``, and where the
    matched words are in it; the opening of the text, unmarked, when none of
    the terms occur. ``found``: ``find_terms(text, terms, analysis)`` when
    the caller has it already."""
    matches = find_terms(text, terms, analysis) if found is None else found
    if not matches:
        return _opening(text), []
    width = SNIPPET_CHARS // FRAGMENTS
    candidates = [_window(text, matches, i, width) for i in range(len(matches))]
    chosen: list[tuple[int, int, list]] = []
    # Most distinct terms first, then most matches, then earliest.
    for window in sorted(candidates, key=lambda w: (-len({m[2] for m in w[2]}), -len(w[2]), w[0])):
        if all(window[1] <= c[0] or window[0] >= c[1] for c in chosen):
            chosen.append(window)
        if len(chosen) == FRAGMENTS:
            break
    parts: list[str] = []
    spans: list[Span] = []
    offset = 0
    for start, end, inside in sorted(chosen):
        if parts:
            parts.append(JOINER)
            offset += len(JOINER)
        piece = text[start:end].replace("\n", " ").replace("\r", " ").replace("\t", " ")
        spans.extend((offset + s - start, offset + e - start) for s, e, _ in inside)
        parts.append(piece)
        offset += len(piece)
    return "".join(parts), _merged(spans)


def _merged(spans: list[Span]) -> list[Span]:
    """Overlapping highlights as one (CJK text is indexed as overlapping character pairs)."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _opening(text: str) -> str:
    opening = _SPACE.sub(" ", text[: SNIPPET_CHARS + 40]).strip()
    if len(opening) > SNIPPET_CHARS:
        cut = opening.rfind(" ", 0, SNIPPET_CHARS)
        opening = opening[: cut if cut > 0 else SNIPPET_CHARS].rstrip() + " …"
    return opening
