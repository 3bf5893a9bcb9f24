"""Import Whoosh 2.7.4 once, quietly and lightly, and apply fixes.py.

Replaces: the import of two Whoosh modules. ``whoosh.compat`` (imported by
every Whoosh module) runs with its ``from urllib.request import
urlretrieve`` answered by a function that imports urllib.request when
called (no Whoosh module calls it); ``whoosh.lang.morph_en`` (imported by
``whoosh.query.terms`` for ``Variations``, which we never build) is a
stand-in that loads the real module the first time anything in it is used.
Also: Whoosh's SyntaxWarnings (invalid escapes, reported while compiling it
when no bytecode is cached; harmless) are silenced around the one place
every Whoosh module we use is first imported, and the writing modules
(``writing``, ``multiproc``) load on first use.
Why: a new ``searcher search`` process would otherwise load urllib.request,
http.client, ssl, email and socket, and compile morph_en's 45 large regular
expressions, for nothing it uses (figures: bench/README.md, "Session 2").
Neither applies when Whoosh was imported before this module.
Same answers as Whoosh: tests/test_startup.py::test_whoosh_loaded_lightly_behaves_as_whoosh
(what is left out: ::test_search_json_imports_nothing_it_does_not_need).
"""
from __future__ import annotations

import builtins
import importlib
import importlib.util
import sys
import types
import warnings


def _urlretrieve(*args, **kwargs):
    """whoosh.compat.urlretrieve, importing urllib.request when called (nothing in Whoosh calls it)."""
    from urllib.request import urlretrieve

    return urlretrieve(*args, **kwargs)


def _load_compat_without_urllib() -> None:
    """Run whoosh/compat.py's own (cached) code, answering its one
    ``from urllib.request import urlretrieve`` with ``_urlretrieve``: the
    module's ``import`` statements go through a ``__import__`` of its own
    while it runs; every other import is the ordinary one."""
    name = "whoosh.compat"
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    get_code = getattr(spec.loader, "get_code", None) if spec is not None else None
    if spec is None or get_code is None:
        return
    code = get_code(name)
    if code is None:
        return
    module = importlib.util.module_from_spec(spec)
    stand_in = types.SimpleNamespace(urlretrieve=_urlretrieve)

    def import_(what, globals=None, locals=None, fromlist=(), level=0):
        if what == "urllib.request" and level == 0 and tuple(fromlist or ()) == ("urlretrieve",):
            return stand_in
        return builtins.__import__(what, globals, locals, fromlist, level)

    module.__dict__["__builtins__"] = {**builtins.__dict__, "__import__": import_}
    sys.modules[name] = module
    try:
        exec(code, module.__dict__)
    except BaseException:
        del sys.modules[name]
        raise
    finally:
        module.__dict__["__builtins__"] = builtins.__dict__
    _set_parent(name, module)


def _set_parent(name: str, module: types.ModuleType) -> None:
    """What the import system does for a submodule: ``whoosh.compat`` as an attribute of ``whoosh``."""
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)


def _defer_morph_en() -> None:
    name = "whoosh.lang.morph_en"
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    loader = spec.loader
    stand_in = types.ModuleType(name, "Stand-in for whoosh.lang.morph_en: loads it on first use (searcher).")
    real: list[types.ModuleType] = []

    def load() -> types.ModuleType:
        if not real:
            module = importlib.util.module_from_spec(spec)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SyntaxWarning)
                loader.exec_module(module)
            real.append(module)
            if sys.modules.get(name) is stand_in:
                sys.modules[name] = module
                _set_parent(name, module)
        return real[0]

    def variations(word):
        return load().variations(word)

    def __getattr__(attr: str):
        if attr.startswith("__"):  # the import system asks for __path__ etc.: not a use
            raise AttributeError(attr)
        return getattr(load(), attr)

    # Module attributes are its namespace's entries (ModuleType declares neither).
    vars(stand_in).update(variations=variations, __getattr__=__getattr__)
    stand_in.__file__ = spec.origin
    sys.modules[name] = stand_in
    _set_parent(name, stand_in)


with warnings.catch_warnings():
    warnings.simplefilter("ignore", SyntaxWarning)
    _load_compat_without_urllib()
    _defer_morph_en()
    from whoosh import analysis, classify, columns, fields, formats, index, matching, query, scoring, searching, sorting  # noqa: F401,E501
    from whoosh.codec import whoosh3  # noqa: F401  (what opening any index loads; warns once compiled)
    from whoosh.query import spans  # noqa: F401
    from whoosh.query.wrappers import WrappingQuery  # noqa: F401
    from whoosh.support.charset import accent_map  # noqa: F401
    from whoosh.util.numeric import byte_to_length, length_to_byte  # noqa: F401
    from whoosh.util.text import utf8encode  # noqa: F401
    from whoosh.util.times import long_to_datetime  # noqa: F401

    from searcher.engine.whoosh.accel import fixes as whoosh_fixes

    whoosh_fixes.apply()

_LAZY = {"writing": "whoosh.writing", "multiproc": "whoosh.multiproc"}


def __getattr__(name: str):
    if name in _LAZY:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            module = importlib.import_module(_LAZY[name])
        globals()[name] = module
        return module
    raise AttributeError(name)
