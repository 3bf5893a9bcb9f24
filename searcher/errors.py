"""Library exceptions. Each carries the exit status the CLI ends with
(``exit_code``; README, "Command reference"); the CLI prints its message as
one line."""
from __future__ import annotations

from typing import ClassVar


class SearcherError(Exception):
    """Base class: a problem with the user's input or data, not a bug."""

    exit_code: ClassVar[int] = 2  # usage: bad input, no index, no such article


class IndexNotFound(SearcherError):
    """No index at the given location."""


class QuerySyntaxError(SearcherError):
    """The query cannot be parsed; ``position`` is the 0-based offset of the problem."""

    def __init__(self, message: str, position: int | None = None, query: str = ""):
        self.position = position
        self.query = query
        self.message = message
        where = f" at position {position + 1}" if position is not None else ""
        super().__init__(f"{message}{where}")

    def __reduce__(self):
        return type(self), (self.message, self.position, self.query)


class ArticleNotFound(SearcherError):
    """No article with the given id."""


class IndexLocked(SearcherError):
    """Another process is writing to the index."""

    exit_code = 3  # wait for it (--wait) or try again


class IndexDamaged(SearcherError):
    """The index's files cannot be read: ``searcher check`` says what is wrong,
    ``searcher rebuild`` rebuilds it from its sources."""

    exit_code = 4  # the index cannot be used as it is: check / rebuild


class InvalidArgument(SearcherError, ValueError):
    """An option's value is not one the library knows (a facet, sort, filter...)."""


class IndexOutdated(SearcherError):
    """The index was written with an older analysis (stemmer, tokenizer) than
    this version's: its words would not match new queries' words. ``searcher
    rebuild`` converts it."""

    exit_code = 4


class IndexWriteError(SearcherError):
    """Writing the index failed (the disk is full, the folder read-only,
    permission denied): what was committed before stays."""

    exit_code = 5


class QueryTooBroad(SearcherError):
    """A wildcard, prefix or fuzzy word stands for too many indexed words."""


class ArchiveClosed(SearcherError):
    """An Archive was used after ``close()``."""


class ShardUnavailable(SearcherError):
    """A shard of a sharded archive cannot be reached or read (``--allow-partial``
    answers from the others, marked partial)."""

    def __init__(self, shard: str, reason: str):
        self.shard = shard
        self.reason = reason
        super().__init__(f"{shard} is unavailable: {reason}")

    def __reduce__(self):  # sent between processes and cluster workers
        return type(self), (self.shard, self.reason)


class GroupsChanged(SearcherError):
    """A shard's index changed since its part of the archive's near-copy
    groups was made (another indexing run committed): the sharded archive
    makes them again and asks once more; changing again meanwhile, try again."""

    exit_code = 3


class IndexingInterrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) stopped ``Archive.add``: what earlier commits wrote
    stays (``committed`` articles in the index), the batch in hand is
    dropped, and the same call again goes on. A KeyboardInterrupt, so code
    that stops on one still does."""

    def __init__(self, committed: int):
        super().__init__(committed)
        self.committed = committed

    def __str__(self) -> str:
        return (f"Interrupted: {self.committed:,} articles committed stay in the index; "
                "run the same command again to go on")
