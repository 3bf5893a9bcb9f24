"""What the index holds and how text is analysed.

Each name-like facet (author, source, tag, publisher) is indexed twice:
a word-level field for searching (``author:scott`` and ``author:"bob scott"``
both match, case-insensitively) and an exact-value field that keeps the
original case, for facet counts and display.
"""
from __future__ import annotations

from searcher import nearcopies
from searcher.engine.whoosh.accel.analysis import FastText
from searcher.engine.whoosh.accel.imports import accent_map, analysis, columns, fields
from searcher.engine.whoosh.languages import MultilingualAnalyzer
from searcher.engine.whoosh.stemming import mark
from searcher.nearcopies import NO_SIGNATURE, RECORD_BYTES

# Joins multi-valued fields into one stored string; never appears in text.
VALUE_SEP = "\x1f"
# Indexed between values of a word-level field so that a phrase never
# matches across two values ("News World" in "Politics News|World News").
BOUNDARY_TOKEN = "_valuebreak_"

# Query field name -> (word field, exact-value field).
NAME_FIELDS = {
    "author": ("author", "authors"),
    "source": ("source", "sources"),
    "tag": ("tag", "tags"),
    "publisher": ("publisher", "publishers"),
}


def text_analyzer() -> analysis.Analyzer:
    """Titles and bodies: each article's text in its language's analysis (languages.py)."""
    return MultilingualAnalyzer()


def name_analyzer() -> analysis.Analyzer:
    """Names and labels: words, lower case, accents folded; no stems, no stop words."""
    return (
        analysis.RegexTokenizer()
        | analysis.LowercaseFilter()
        | analysis.CharsetFilter(accent_map)
    )


def value_analyzer() -> analysis.Analyzer:
    """Exact values, case kept: one token per value."""
    return analysis.RegexTokenizer(expression=r"[^\x1f]+")


class SignatureColumn(fields.COLUMN):
    """The near-copy signature column. Its value is the record; given text
    (a document a sub-writer has not signed in its batch), it signs it."""

    def to_column_value(self, value):
        if isinstance(value, str):
            found = nearcopies.signature(value)
            return found.record() if found is not None else NO_SIGNATURE
        return value


def build_schema() -> fields.Schema:
    name_fields = {}
    for word_field, value_field in NAME_FIELDS.values():
        name_fields[word_field] = FastText(analyzer=name_analyzer(), phrase=True)
        name_fields[value_field] = fields.KEYWORD(analyzer=value_analyzer(), stored=True)
    return mark(fields.Schema(
        id=fields.ID(unique=True, stored=True),
        url=fields.ID(stored=True),
        title=FastText(analyzer=text_analyzer(), stored=True),
        body=FastText(analyzer=text_analyzer(), stored=True),
        date=fields.DATETIME(stored=True, sortable=True),
        # "year" / "month" for a date known only that far (stored as the period's start).
        date_precision=fields.ID(stored=True),
        lang=fields.ID(stored=True),
        # The analysis the title and body were written with (languages.analysis_of):
        # a query's terms in one language's analysis match only its articles.
        analysis=fields.ID(),
        origin=fields.STORED(),
        fingerprint=fields.STORED(),
        # The body's near-copy signature (searcher/nearcopies.py), a fixed
        # width per document, read a whole segment at a time for the groups.
        nearcopy=SignatureColumn(columns.FixedBytesColumn(RECORD_BYTES)),
        **name_fields,
    ))
