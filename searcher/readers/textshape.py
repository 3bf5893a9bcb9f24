"""Whether a plain text has the shape of an article: a title and prose.

A folder of ``.txt`` articles often holds other text files too: a README,
category lists (one word a line), tables of figures, notes full of paths
and links. The plain-text reader passes those over as "not an article (a
table of figures)". Only the shape of the text is judged, never particular
words:

- a prose paragraph is six words or more, mostly ordinary words and
  figures, ending as a sentence ends (or holding two sentences), on one
  line or wrapped over several long ones;
- a text is an article when most of its words are in prose paragraphs, in
  the whole text or in the title and body the seed-layout parser found
  (a trailer of tags, byline and related headlines does not count
  against it);
- it is judged only when it has lines enough: a headline alone, or with a
  sentence and a byline, is an article; a list needs five lines of one
  word, or eight short lines.

Whatever its prose, a text is no article when most of its lines are rows
of a table, when many of its words are paths, links, file names or code,
or when it mixes the furniture of documentation (numbered section
headings, markup or code lines, links, rules).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

# The start of the reason a text is passed over: "not an article (a table)".
NOT_AN_ARTICLE = "not an article"

SAMPLE_CHARS = 200_000  # a text's shape shows in its beginning: a huge one is not measured whole

_MIN_LINES = 8  # to call a text prose-less: a wire brief ("Qtly div 30 cts vs 30 cts") is shorter
_MIN_LINES_WORDS = 5  # to call it a list of one word a line
_MIN_LINES_DATA = 3  # to call it a table: its rows say so sooner
_MIN_WORDS_DATA = 20  # ... or, on fewer lines, this many words; code and documentation: as many, or five lines
_PROSE_WORDS = 6  # a shorter paragraph is a label, a heading or a name
_ORDINARY_SHARE = 0.75  # of a prose paragraph's words: words and figures, not code
_PROSE_SHARE = 0.5  # of the words in prose paragraphs: an article
_WRAPPED_LINE = 25  # characters: a wrapped paragraph's lines are longer, but for its last
_SHORT_LINE_WORDS = 4
_LIST_SHARE = 0.7  # of the lines short: a list
_TABLE_SHARE = 0.5  # of the lines rows of a table: a table
_FIGURE_SHARE = 0.8  # of the words figures, on one or two long lines: a table
_FIGURES_TABLE = 0.25  # of a table's words figures: a table of figures
_TECH_SHARE = 0.15  # of the words paths, links, file names or code
_DOC_KINDS = 3  # kinds of documentation furniture, each on two lines or more
_DOC_TECH_SHARE = 0.02  # ... or one kind fewer, and this share of the words paths, links or code
_DOC_LINES = 2
_LONGEST_WORD = 64  # characters: a longer token is code or data (and never given to a regex)
_UNSPACED_WORD = 3  # characters of a script written without spaces (Thai, Chinese) a word

# A sentence's end, and up to two marks after it: '."', '.)', '.-'.
_ENDS_SENTENCE = re.compile(r"[.!?:;\u2026\u2013\u2014\u3002\uff01\uff1f][^\w\s]{0,2}$|[\"'\u201d\u2019)]$")
# Sentences inside a paragraph: "... the talks. Officials said ..."
_SENTENCE_BREAK = re.compile(r"\w\w[.!?][\"'\u201d\u2019)]?\s+[\"'\u201c\u2018(]?[A-Z]")
_SENTENCES_INSIDE = 2
_UNSPACED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf"
                       r"\u4e00-\u9fff\uf900-\ufaff]")
_QUOTES = "\"'\u201c\u2018\u201d\u2019([\u00ab\u00bb)]"
_AROUND_WORD = _QUOTES + ".,;:!?\u2026"  # what may stand around a plain word
_WORD = re.compile(r"^(?:[^\W\d_][\w'\u2019.&\-\u2013\u2014]*"  # a word, "U.S.", "e-mail"
                   r"|[$\u20ac\u00a3]?\d[\d,.:/]*(?:%|st|nd|rd|th|s)?"  # a figure, "1,000", "9th"
                   r"|[&\u2013\u2014\-]+)[.,;:!?\u2026]*$")
# Between the cells of a table row ("1,000" is one figure).
_COLUMN_GAP = re.compile(r"\t|\||\s{2,}|;(?=\S)|,(?=\S)(?!\d{3}\b)")
_CELLS = re.compile(r"[|;]|,(?=\S)(?!\d{3}\b)")  # inside one word: "France,67000000,551695"
_CELL_WORDS = 4
# A character no ordinary word or figure holds (an underscore, a bullet, a symbol).
_ODD = re.compile(r"[^\w\s'\u2019\".,;:!?\u2026\u201c\u201d\u2018()\u00ab\u00bb&$\u20ac\u00a3%/\u2013\u2014\-"
                  r"\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\uffef]|_")
_LONG_TOKEN = re.compile(r"[^\s\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]{%d}"
                         % (_LONGEST_WORD + 1))
_FIGURE_FIRST = frozenset("-+($\u20ac\u00a30123456789")
_FIGURE = re.compile(r"^[-+(]?[$\u20ac\u00a3]?\d[\d,.:/%-]*(?:[eE][-+]?\d+)?\)?[.,;]?$")
_TECH = re.compile(r"https?://|www\.|[^\s@]@[\w-]+\.\w|[^\W\d]/\w|\w/[^\W\d]|[/\\]\w+[/\\]|(?<!\S)[./~]?/\w|[=<>{}\[\]_|#~^*`]|\.\.|"
                   r"\w\.(?:txt|md|html?|xml|json|csv|py|sgml?|dtd|gz|zip|tar|pdf|c|h|cfg|ini|ya?ml)\b")
# In every token _TECH finds something in (quicker to look for).
_TECH_HINT = re.compile(r"[/\\@=<>{}\[\]_|#~^*`]|\.[^\W\d]|\.\.")
# Documentation furniture, line by line.
_NUMBERED_HEADING = re.compile(
    r"^(?:\(?(?:\d{1,2}|[ivx]{1,4}|[IVX]{1,5}|[a-z])(?:\.(?:\d{1,2}|[A-Z]))*[.)]|\d{1,2}(?:\.\d{1,2})+)\s+\S")
_HEADING_WORDS = 10
_MARKUP = re.compile(r"</\w+>|<[!?]?\w+\s+[\w:-]+=|^<[!?/]?\w[^>]*>$|\w=[\"'\w]|[{}]\s*$|^(?:\$|>>>|#include) ")
_LINK = re.compile(r"https?://|www\.\w|[^\s@]@\w+\.\w")
# Without one of these in a line, the expression after them finds nothing there (and is not run).
_MARKUP_MARKS = ("<", "=", "{", "}", "$ ", ">>> ", "#include")
_LINK_MARKS = ("http", "www.", "@")
_RULE = re.compile(r"^[-=*_#~+]{3,}$|^[*#]{2,}|^#{1,6}\s+\S")


@dataclass(frozen=True)
class Shape:
    """What a text is made of, measured on its non-blank lines."""

    lines: int
    words: int
    prose_share: float  # of the words, in prose paragraphs
    short_share: float  # of the lines, of at most four words and no sentence
    single_share: float  # of the lines, of one word
    table_share: float  # of the lines, rows of a table
    figure_share: float  # of the words, figures
    tech_share: float  # of the words, paths, links, file names or code
    furniture: tuple[str, ...]  # kinds of documentation furniture, each on two lines or more


def is_not_an_article(reason: str | None) -> bool:
    """Whether a Skipped reason is the plain-text reader's "not an article (...)"."""
    return reason is not None and reason.startswith(f"{NOT_AN_ARTICLE} (")


def not_an_article(text: str, title: str = "", body: str = "") -> str | None:
    """Why a text is not an article ("a list of one word a line"); None
    when it has an article's shape. ``title`` and ``body``: what the
    plain-text parser made of it; prose there makes an article, whatever
    its trailer looks like (tags, a byline, a list of related headlines)."""
    shape = measure(text)
    if shape.words < _MIN_WORDS_DATA and shape.lines < _MIN_LINES_DATA:
        return None  # a headline, a line or two: too little to tell
    if shape.table_share >= _TABLE_SHARE or shape.figure_share >= _FIGURE_SHARE:
        return "a table of figures" if shape.figure_share >= _FIGURES_TABLE else "a table"
    if shape.words < _MIN_WORDS_DATA and shape.lines < _MIN_LINES_WORDS:
        return None
    if shape.lines >= _MIN_LINES_DATA:
        # A few words of code (a config file) say less than many: twice the share.
        tech_share = _TECH_SHARE if shape.words >= _MIN_WORDS_DATA else 2 * _TECH_SHARE
        if shape.tech_share >= tech_share and shape.prose_share < 1 - tech_share:
            return "paths, links or code, not prose"
        if len(shape.furniture) >= _DOC_KINDS or (len(shape.furniture) >= _DOC_KINDS - 1
                                                  and shape.tech_share >= _DOC_TECH_SHARE):
            return f"documentation: {', '.join(shape.furniture)}"
    if shape.prose_share >= _PROSE_SHARE or (body and measure(f"{title}\n\n{body}").prose_share >= _PROSE_SHARE):
        return None
    if shape.single_share >= _LIST_SHARE and shape.lines >= _MIN_LINES_WORDS:
        return "a list of one word a line"
    if shape.lines < _MIN_LINES:
        return None
    if shape.short_share >= _LIST_SHARE:
        return "a list of short lines"
    return "no paragraphs of prose"


def measure(text: str) -> Shape:
    """The shape of a text, from its first SAMPLE_CHARS characters."""
    if len(text) > SAMPLE_CHARS:
        text = text[:text.rfind("\n", 0, SAMPLE_CHARS) + 1 or SAMPLE_CHARS]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    tokens = text.split()
    words = _count_words(text)
    n_lines, n_words = max(len(lines), 1), max(words, 1)
    prose = sum(_count_words(" ".join(p)) for p in _paragraphs(text.splitlines()) if _is_prose(p))
    return Shape(
        lines=len(lines), words=words,
        prose_share=prose / n_words,
        short_share=sum(map(_is_short, lines)) / n_lines,
        single_share=sum(_count_words(line) == 1 for line in lines) / n_lines,
        table_share=sum(map(_is_table_row, lines)) / n_lines,
        figure_share=sum(map(_figures, tokens)) / n_words,
        tech_share=sum(map(_tech, lines)) / n_words,
        furniture=_furniture(lines),
    )


def _count_words(text: str) -> int:
    """Words in a text: Thai or Chinese runs words together, a word about
    every _UNSPACED_WORD characters."""
    return len(text.split()) + len(_UNSPACED.findall(text)) // _UNSPACED_WORD


def _paragraphs(lines: list[str]) -> list[list[str]]:
    """Runs of lines, each ended by a blank line or a line that ends a
    sentence: a paragraph is a line, or wrapped over several. A short line
    that ends no sentence (a heading, a name, a list item) stands alone."""
    found: list[list[str]] = []
    current: list[str] = []
    for raw in lines + [""]:
        line = raw.strip()
        if line and len(line) < _WRAPPED_LINE and not _ENDS_SENTENCE.search(line):
            found += [current, [line]] if current else [[line]]
            current = []
            continue
        if line:
            current.append(line)
        if current and (not line or _ENDS_SENTENCE.search(line)):
            found.append(current)
            current = []
    return found


def _is_prose(paragraph: list[str]) -> bool:
    text = " ".join(paragraph)
    tokens = text.split()
    if _count_words(text) < _PROSE_WORDS:
        return False
    # Thai writes no full stop: a long paragraph in a script without spaces is prose.
    unspaced = len(_UNSPACED.findall(text)) * 2 > len(text)
    if not (unspaced or _ENDS_SENTENCE.search(text)
            or len(_SENTENCE_BREAK.findall(text)) >= _SENTENCES_INSIDE):
        return False
    return _ordinary(text, tokens) >= _ORDINARY_SHARE * len(tokens)


def _ordinary(text: str, tokens: list[str]) -> int:
    """How many of a text's tokens are ordinary words or figures."""
    if _TECH_HINT.search(text) or _ODD.search(text) or _LONG_TOKEN.search(text):
        return sum(map(_is_ordinary, tokens))
    return len(tokens)  # letters, figures and punctuation only: the usual case, told at once


def _tech(line: str) -> int:
    """How many of a line's tokens are paths, links, file names or code."""
    if _TECH_HINT.search(line) or _LONG_TOKEN.search(line):
        return sum(map(_is_tech, line.split()))
    return 0


def _is_plain_word(token: str) -> bool:
    """Letters only, but for quotes and stops around them: most words (no regex)."""
    return token.strip(_AROUND_WORD).isalpha()


def _is_tech(token: str) -> bool:
    """A path, a link, a file name, code; a very long token is code or data
    (but Thai or Chinese, run together)."""
    if len(token) > _LONGEST_WORD:
        return not _UNSPACED.search(token)
    return not _is_plain_word(token) and bool(_TECH.search(token))


def _is_ordinary(token: str) -> bool:
    if len(token) <= _LONGEST_WORD and _is_plain_word(token):
        return True
    if _is_tech(token):
        return False
    core = token.strip(_QUOTES)
    return bool(_WORD.match(core)) or bool(_UNSPACED.search(core))


def _figures(token: str) -> int:
    """Figures in a token: "2.64", "1,000", or the cells of "France,67000000,551695"."""
    if not (token[0] in _FIGURE_FIRST or "," in token or ";" in token or "|" in token):
        return 0  # (most words: no regex)
    return sum(map(_is_figure, _CELLS.split(token)))


def _is_figure(token: str) -> bool:
    return len(token) <= _LONGEST_WORD and bool(_FIGURE.match(token))


def _is_short(line: str) -> bool:
    return _count_words(line) <= _SHORT_LINE_WORDS and not line.endswith((".", "!", "?", "\u3002"))


def _is_table_row(line: str) -> bool:
    """A row of a table: most cells figures ("1 0 268 1", "Net 807,000 vs
    2,858,000 1.2"), or three cells or more of a few words each, set apart
    by tabs, bars, runs of spaces, or commas and semicolons without a space."""
    words = line.split()
    if len(words) >= 2 and sum(word[0] in _FIGURE_FIRST for word in words) * 2 > len(words) \
            and sum(map(_is_figure, words)) * 2 > len(words):
        return True
    cells = [cell for cell in _COLUMN_GAP.split(line) if cell.strip()]
    return len(cells) >= 3 and all(len(cell.split()) <= _CELL_WORDS for cell in cells)


def _furniture(lines: list[str]) -> tuple[str, ...]:
    """Kinds of documentation furniture found on two lines or more."""
    kinds: Counter[str] = Counter()
    for line in lines:
        if (_NUMBERED_HEADING.match(line) and len(line.split()) <= _HEADING_WORDS
                and not line.endswith((".", "?", "!"))):
            kinds["numbered sections"] += 1
        if any(mark in line for mark in _MARKUP_MARKS) and _MARKUP.search(line):
            kinds["markup or code"] += 1
        if any(mark in line for mark in _LINK_MARKS) and _LINK.search(line):
            kinds["links"] += 1
        if _RULE.match(line):
            kinds["rules"] += 1
    return tuple(kind for kind in ("numbered sections", "markup or code", "links", "rules")
                 if kinds[kind] >= _DOC_LINES)
