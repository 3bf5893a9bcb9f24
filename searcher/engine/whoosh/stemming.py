"""The English stemmer, and the version of the text analysis an index was
written with.

Whoosh 2.7.4's own Porter stemmer (``whoosh.lang.porter``) gets step 1b
wrong: it uses ``re.match`` where the algorithm tests a word's end, so it
never undoubles a consonant or restores a final -e (planned -> plann,
operating -> operat, cutting -> cutt), and it miscounts ``y`` in a word's
measure. On Reuters-21578 that put 8.2% of word occurrences in the wrong
group. We use the Snowball project's implementation of the original Porter
algorithm instead, through PyStemmer (C, and the same library gives the
other languages' stemmers).

An index keeps the analysis version it was written with (an attribute of
its schema, saved in every table of contents); an index whose version
differs is refused with a message naming ``searcher rebuild``, which
re-reads the articles with this version's analysis.
"""
from __future__ import annotations

import sys
import threading

import Stemmer

# An index's schema is pickled with the stemming function's module path, and
# indexes written before the engine/ layout name this module by its old path:
# the old name stays importable so that they still open (tests/test_analysis_version.py).
sys.modules.setdefault("searcher.index.stemming", sys.modules[__name__])

# 1: Whoosh's Porter stemmer (every index written before this module).
# 2: Snowball's Porter stemmer.
ANALYSIS_VERSION = 2
_SCHEMA_ATTRIBUTE = "searcher_analysis"

_local = threading.local()  # a PyStemmer object is not to be shared by threads


def porter_stem(word: str) -> str:
    """The Porter stem of one lower-case word (the published algorithm)."""
    stemmer = getattr(_local, "porter", None)
    if stemmer is None:
        stemmer = _local.porter = Stemmer.Stemmer("porter")
    return stemmer.stemWord(word)


def mark(schema):
    """Record this version's analysis in a new index's schema."""
    setattr(schema, _SCHEMA_ATTRIBUTE, ANALYSIS_VERSION)
    return schema


def analysis_version(schema) -> int:
    """The analysis version an index's schema was written with."""
    return getattr(schema, _SCHEMA_ATTRIBUTE, 1)
