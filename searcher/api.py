"""The library's front door: ``Archive``."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Union

from .article import Article, Skipped
from .errors import ArticleNotFound
from .results import IndexReport, SearchResult, Stats

DEFAULT_INDEX = "index"
INDEX_ENV = "SEARCHER_INDEX"

PathLike = Union[str, "os.PathLike[str]"]


def default_index_path() -> Path:
    """``$SEARCHER_INDEX`` when set, else ``./index``."""
    return Path(os.environ.get(INDEX_ENV) or DEFAULT_INDEX)


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
        self._ix = ix

    @classmethod
    def open(cls, path: Optional[PathLike] = None) -> "Archive":
        """Open an existing index; raises IndexNotFound when there is none."""
        from .index.store import open_index

        path = Path(path) if path is not None else default_index_path()
        return cls(path, open_index(path))

    @classmethod
    def create(cls, path: Optional[PathLike] = None) -> "Archive":
        """Open the index at ``path``, creating it when absent."""
        from .index.store import create_index

        path = Path(path) if path is not None else default_index_path()
        return cls(path, create_index(path))

    def add(
        self,
        items: Iterable[Union[PathLike, Article]],
        *,
        commit_every: Optional[int] = None,
        progress: Optional[Callable[[str], None]] = None,
    ) -> IndexReport:
        """Index files, folders (recursively) or Article objects.

        Unchanged files (same size and modification time) are not read
        again; an article already indexed under the same id is updated in
        place, or counted unchanged when its content is the same.
        """
        from .index.writer import DEFAULT_COMMIT_EVERY, Indexer

        items = list(items)
        indexer = Indexer(self._ix, self.path, commit_every or DEFAULT_COMMIT_EVERY)
        articles = [item for item in items if isinstance(item, Article)]
        paths = [item for item in items if not isinstance(item, Article)]
        if articles and paths:
            raise TypeError("add() takes paths or Articles, not both at once")
        if articles:
            return indexer.add_articles(articles)
        return indexer.add_paths(paths, progress=progress)

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        offset: int = 0,
        sort: str = "relevance",
    ) -> SearchResult:
        """Search with our query language; raises QuerySyntaxError on a malformed query."""
        from .query.execute import run_search
        from .query.parser import parse

        node = parse(query)
        return run_search(self._ix, node, query, limit=limit, offset=offset, sort=sort)

    def get(self, article_id: str) -> Article:
        from .index.store import get_article

        article = get_article(self._ix, article_id)
        if article is None:
            raise ArticleNotFound(f"no article with id {article_id!r}")
        return article

    def stats(self, top: int = 10) -> Stats:
        from .index.store import stats

        return stats(self._ix, self.path, top=top)

    def __len__(self) -> int:
        return self._ix.doc_count()

    def close(self) -> None:
        self._ix.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
