"""Import Whoosh 2.7.4 once, quietly.

Whoosh 2.7.4 has invalid escape sequences that Python 3.12+ reports as
SyntaxWarnings while compiling it; they are harmless, so they are silenced
here, around the one place every Whoosh module we use is first imported.
"""
from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", SyntaxWarning)
    from whoosh import analysis, fields, highlight, index, matching, query, scoring, searching, sorting, writing  # noqa: F401
    from whoosh.query import spans  # noqa: F401
    from whoosh.support.charset import accent_map  # noqa: F401
    from whoosh.util.times import long_to_datetime  # noqa: F401
    from whoosh.query.wrappers import WrappingQuery  # noqa: F401
