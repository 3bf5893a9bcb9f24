"""Import Whoosh 2.7.4 once, quietly.

Whoosh 2.7.4 has invalid escape sequences that Python 3.12+ reports as
SyntaxWarnings while compiling it; they are harmless, so they are silenced
here, around the one place every Whoosh module we use is first imported.
The writing modules load on first use (``writing``, ``multiproc``), so a
search does not pay for them.
"""
from __future__ import annotations

import importlib
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", SyntaxWarning)
    from whoosh import analysis, fields, index, matching, query, scoring, searching, sorting  # noqa: F401
    from whoosh.query import spans  # noqa: F401
    from whoosh.query.wrappers import WrappingQuery  # noqa: F401
    from whoosh.support.charset import accent_map  # noqa: F401
    from whoosh.util.numeric import byte_to_length, length_to_byte  # noqa: F401
    from whoosh.util.text import utf8encode  # noqa: F401
    from whoosh.util.times import long_to_datetime  # noqa: F401

_LAZY = {"writing": "whoosh.writing", "multiproc": "whoosh.multiproc"}


def __getattr__(name: str):
    if name in _LAZY:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            module = importlib.import_module(_LAZY[name])
        globals()[name] = module
        return module
    raise AttributeError(name)
