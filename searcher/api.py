"""The library's front door: ``Archive``."""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Optional, Union

from .article import Article, Skipped
from .errors import ArchiveClosed, ArticleNotFound
from .results import Hit, IndexProgress, IndexReport, SearchResult, Stats, Timeline

DEFAULT_INDEX = "index"
INDEX_ENV = "SEARCHER_INDEX"

PathLike = Union[str, "os.PathLike[str]"]

if TYPE_CHECKING:
    from searcher.engine.whoosh.check import CheckReport
    from searcher.engine.whoosh.rebuild import RebuildReport


def default_index_path() -> Path:
    """``$SEARCHER_INDEX`` when set, else ``./index``."""
    return Path(os.environ.get(INDEX_ENV) or DEFAULT_INDEX)


def _filters(filters: Optional[Mapping[str, Union[str, Iterable[str]]]]) -> Optional[dict[str, list[str]]]:
    if not filters:
        return None
    return {key: [values] if isinstance(values, str) else list(values) for key, values in filters.items()}


def parse_files(paths: Iterable[PathLike]) -> Iterator[Union[Article, Skipped]]:
    """What the readers extract from files and folders, without indexing."""
    from .readers import read_paths

    return read_paths(paths)


class Archive:
    """A searchable news archive stored in one index folder.

    >>> with Archive.create("index") as archive:          # doctest: +SKIP
    ...     archive.add(["corpus/"])
    ...     result = archive.search('"gas pipeline"', sort="-date")
    """

    def __init__(self, path: PathLike, ix) -> None:
        self.path = Path(path)
        self._index = ix
        self._query_engine = None

    @property
    def _ix(self):
        if self._index is None:
            raise ArchiveClosed(f"the archive at {self.path} is closed: open it again with Archive.open()")
        return self._index

    @_ix.setter
    def _ix(self, ix) -> None:
        self._index = ix

    @classmethod
    def open(cls, path: Optional[PathLike] = None) -> "Archive":
        """Open an existing index; raises IndexNotFound when there is none."""
        # From store, not locking: a search takes no lock (and skips its imports).
        from searcher.engine.whoosh.store import open_index

        path = Path(path) if path is not None else default_index_path()
        return cls(path, open_index(path))

    @classmethod
    def create(cls, path: Optional[PathLike] = None) -> "Archive":
        """Open the index at ``path``, creating it when absent: in a new or
        empty folder (hidden files such as .gitignore aside); a folder of
        other files raises InvalidArgument."""
        from searcher.ingest.locking import create_locked
        from searcher.engine.whoosh.store import create_index, index_exists, refuse_foreign_folder

        path = Path(path) if path is not None else default_index_path()
        if not index_exists(path):
            refuse_foreign_folder(path)  # before the lock file is made in it
        return cls(path, create_locked(path, index_exists, create_index))

    def add(
        self,
        items: Union[PathLike, Article, Iterable[Union[PathLike, Article]]],
        *,
        commit_every: Optional[int] = None,
        progress: Optional[Callable[[IndexProgress], None]] = None,
        jobs: Optional[int] = None,
        wait: Optional[float] = None,
        exclude: Iterable[str] = (),
    ) -> IndexReport:
        """Index files, folders (recursively) or Article objects.

        Unchanged files (same size and modification time) are not read
        again; an article already indexed under the same id is updated in
        place, or counted unchanged when its content is the same. Files are
        parsed, and large batches indexed, on ``jobs`` processes (default:
        every core); ``progress`` is called after each file read. In folders,
        files and folders matching a glob in ``exclude`` are left out.

        One run writes an index at a time: when another holds it, this
        raises IndexLocked at once, or after waiting up to ``wait`` seconds.
        """
        from searcher.ingest.locking import writer_lock
        from searcher.ingest.indexer import DEFAULT_COMMIT_EVERY, Indexer

        items = _items(items)
        articles = [item for item in items if isinstance(item, Article)]
        paths = [item for item in items if not isinstance(item, Article)]
        if articles and paths:
            raise TypeError("add() takes paths or Articles, not both at once")
        with writer_lock(self.path, wait=wait):
            indexer = Indexer(self._ix, self.path, commit_every or DEFAULT_COMMIT_EVERY, jobs=jobs)
            if articles:
                return indexer.add_articles(articles)
            return indexer.add_paths(paths, progress=progress, exclude=exclude)

    def _engine(self):
        ix = self._ix  # ArchiveClosed after close()
        if self._query_engine is None:
            from searcher.engine.whoosh.execute import Engine

            self._query_engine = Engine(ix)
        return self._query_engine

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        offset: int = 0,
        sort: str = "relevance",
        match: str = "all",
        facets: Optional[Iterable[str]] = (),
        facet_limit: Optional[int] = 10,
        filters: Optional[Mapping[str, Union[str, Iterable[str]]]] = None,
        since: Optional[str] = None,
        until: Optional[str] = None,
        syntax: bool = True,
        fallback: bool = True,
    ) -> SearchResult:
        """Search with our query language.

        ``sort``: relevance, date (oldest first) or -date (newest first).
        ``match="any"``: articles with any of the words, best score first.
        ``syntax=False`` reads ``query`` as plain words (natural-language
        text: ``AND``, ``(``, ``-``, ``?``, ``title:`` are just text).
        ``facets``: any of tags, sources, authors, publisher, year, month;
        counted over every match, not just the page. ``filters`` drills
        down: ``{"tag": ["Politics News"], "year": "2022"}`` (AND across
        keys, OR within one). ``since``/``until``: a date in any common form
        or a span back from now (``7d``, ``3m``, ``1y``); ``until`` includes
        the whole period it names. ``fallback``: when no article has every
        bare word, return the any-word results instead (``result.fallback``
        says so); False for exports, which must answer the query as given.
        Raises QuerySyntaxError on a malformed query.
        """
        if not isinstance(query, str):
            raise TypeError(f"search() takes the query as a str, not {type(query).__name__}")
        return self._engine().search(query, limit=limit, offset=offset, sort=sort, match=match,
                                     facets=facets or (), facet_limit=facet_limit, filters=_filters(filters),
                                     since=since, until=until, syntax=syntax, fallback=fallback)

    def facet(self, name: str, query: str = "", *,
              filters: Optional[Mapping[str, Union[str, Iterable[str]]]] = None,
              since: Optional[str] = None, until: Optional[str] = None) -> list[tuple[str, int]]:
        """Every value of one facet with its article count (all articles when no query)."""
        return self._engine().facet(name, query, filters=_filters(filters), since=since, until=until)

    def timeline(self, query: str = "", *, by: str = "month", match: str = "all",
                 filters: Optional[Mapping[str, Union[str, Iterable[str]]]] = None,
                 since: Optional[str] = None, until: Optional[str] = None) -> Timeline:
        """Matching articles per year, month, week or day, zeros included."""
        return self._engine().timeline(query, by=by, filters=_filters(filters), match=match,
                                       since=since, until=until)

    def similar(self, article_id: str, limit: int = 10) -> list[Hit]:
        """The articles closest in content to one article, itself excluded."""
        return self._engine().similar(article_id, limit=limit)

    def get(self, article_id: str) -> Article:
        from searcher.engine.whoosh.store import get_article

        article = get_article(self._ix, article_id)
        if article is None:
            raise ArticleNotFound(f"no article with id {article_id!r}")
        return article

    def stats(self, top: int = 10) -> Stats:
        from searcher.engine.whoosh.store import stats

        return stats(self._ix, self.path, top=top)

    def check(self, *, deep: bool = True, clean: bool = False) -> "CheckReport":
        """Verify the index: every segment reads (``deep``: every term,
        posting and column too), no article id twice, every article the
        manifest lists present, no foreign files in the folder. ``ok`` is
        False when something is wrong; leftovers of an interrupted write are
        warnings, removed with ``clean=True`` when no run is writing."""
        from searcher.engine.whoosh.check import check_index

        return check_index(self.path, deep=deep, clean=clean)

    def rebuild(
        self,
        *,
        commit_every: Optional[int] = None,
        progress: Optional[Callable[[IndexProgress], None]] = None,
        jobs: Optional[int] = None,
        wait: Optional[float] = None,
        paths: Iterable[PathLike] = (),
    ) -> "RebuildReport":
        """Rebuild the index from the files its manifest records and the
        files and folders in ``paths`` (the only sources when the manifest
        is unreadable or missing), into a new folder next to it that then
        replaces it in one step. Articles no existing file provides (added
        as Articles, or from files that have vanished, which are reported)
        are kept from the old index where it can still be read."""
        from searcher.engine.whoosh.rebuild import rebuild_index
        from searcher.engine.whoosh.store import open_index
        from searcher.ingest.indexer import DEFAULT_COMMIT_EVERY

        report = rebuild_index(self.path, commit_every=commit_every or DEFAULT_COMMIT_EVERY, jobs=jobs,
                               progress=progress, wait=wait, paths=paths)
        if self._query_engine is not None:
            self._query_engine.close()
            self._query_engine = None
        self._ix.close()
        self._ix = open_index(self.path)
        return report

    @classmethod
    def rebuild_at(cls, path: Optional[PathLike] = None, **options: Any) -> "RebuildReport":
        """``rebuild()`` for an index too damaged to open."""
        from searcher.engine.whoosh.rebuild import rebuild_index
        from searcher.ingest.indexer import DEFAULT_COMMIT_EVERY

        path = Path(path) if path is not None else default_index_path()
        options["commit_every"] = options.get("commit_every") or DEFAULT_COMMIT_EVERY
        return rebuild_index(path, **options)

    @classmethod
    def check_at(cls, path: Optional[PathLike] = None, *, deep: bool = True, clean: bool = False) -> "CheckReport":
        """``check()`` for an index too damaged to open."""
        from searcher.engine.whoosh.check import check_index

        path = Path(path) if path is not None else default_index_path()
        return check_index(path, deep=deep, clean=clean)

    def __len__(self) -> int:
        return self._ix.doc_count()

    def close(self) -> None:
        """Release the index; any later call raises ArchiveClosed. Closing twice is harmless."""
        if self._query_engine is not None:
            self._query_engine.close()
            self._query_engine = None
        if self._index is not None:
            self._index.close()
            self._index = None

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _items(items: Any) -> list[Union[PathLike, Article]]:
    """What add() was given, as a list: one path or Article alone is one
    item (a str is not iterated character by character)."""
    if isinstance(items, (str, os.PathLike, Article)):
        return [items]
    try:
        listed = list(items)
    except TypeError:
        raise TypeError(f"add() takes a path, an Article, or an iterable of them, not {type(items).__name__}") from None
    for item in listed:
        if not isinstance(item, (str, os.PathLike, Article)):
            raise TypeError(f"add() takes paths (str or os.PathLike) or Articles, not {type(item).__name__}")
    return listed
