"""Engines behind an archive: one interface (base.py), one package a backend.

``Archive`` reaches a backend only through this factory, by name, so a second
engine (a sharded or distributed one) plugs in here without touching the API.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from .base import BackendModule

# Name -> the module that implements base.BackendModule for it.
BACKENDS = {"whoosh": "searcher.engine.whoosh", "sharded": "searcher.engine.sharded"}
DEFAULT_BACKEND = "whoosh"


def backend(name: str = DEFAULT_BACKEND) -> "BackendModule":
    """The backend module called ``name`` (imported on first use: a CLI
    ``--help`` loads no engine)."""
    from ..errors import InvalidArgument

    if name not in BACKENDS:
        raise InvalidArgument(f"unknown engine {name!r} (engines: {', '.join(BACKENDS)})")
    return importlib.import_module(BACKENDS[name])


def backend_at(path: "Path", name: str = DEFAULT_BACKEND) -> "BackendModule":
    """The backend of the archive at ``path``: a sharded archive is known by
    its layout file, whichever engine its shards use."""
    from .sharded.layout import is_sharded

    if name == DEFAULT_BACKEND and is_sharded(path):
        return backend("sharded")
    return backend(name)
