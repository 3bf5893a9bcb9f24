"""The library's front door: ``Archive``."""
from __future__ import annotations

import os
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Optional, Union

from . import engine
from .article import Article, Skipped
from .errors import ArchiveClosed, ArticleNotFound, IndexingInterrupted
from .proc import children, end_children
from .query.ranking import DEFAULT_RANKING, Ranking
from .query.request import Count, FilterValues, Match, SearchRequest, Similarity, Sort, normalise_filters
from .results import CheckReport, Hit, IndexProgress, IndexReport, RebuildReport, SearchResult, Stats, Story, Timeline

DEFAULT_INDEX = "index"
INDEX_ENV = "SEARCHER_INDEX"

PathLike = Union[str, "os.PathLike[str]"]

if TYPE_CHECKING:
    from .engine.base import Backend, BackendModule
    from .ingest.indexer import Indexer
    from .query.plan import Planner
    from .readers.source import Source

# What add() and parse_files() read: files and folders by path, or Sources
# (a stream: searcher.readers.stream_source).
Input = Union[PathLike, "Source"]

Filters = Optional[Mapping[str, FilterValues]]


def default_index_path() -> Path:
    """``$SEARCHER_INDEX`` when set, else ``./index``."""
    return Path(os.environ.get(INDEX_ENV) or DEFAULT_INDEX)


def parse_files(paths: Iterable[Input]) -> Iterator[Union[Article, Skipped]]:
    """What the readers extract from files and folders, or from Sources
    (a stream: ``searcher.readers.stream_source``), without indexing."""
    from .readers import read_paths, read_source
    from .readers.source import Source

    for item in paths:
        yield from read_source(item) if isinstance(item, Source) else read_paths([item])


class Archive:
    """A searchable news archive stored in one index folder.

    One Archive may be shared by threads: every read (``search``, ``run``,
    ``facet``, ``timeline``, ``get``, ``similar``, ``duplicates``,
    ``stories``, ``stats``, ``len``) may run on any number of threads at
    once and gives the answer it gives on one thread, on a sharded archive
    too. Each read answers from the newest commit when it starts, including
    one that ``add()`` makes meanwhile (from a thread of this Archive or from
    another process); a read still running on the version before keeps
    reading it. ``rebuild()`` and ``close()`` are not for a moment when
    other threads read: reads meanwhile may raise ArchiveClosed.

    >>> with Archive.create("index") as archive:          # doctest: +SKIP
    ...     archive.add(["corpus/"])
    ...     result = archive.search('"gas pipeline"', sort="-date")
    """

    def __init__(self, path: PathLike, backend: "Backend", ranking: Ranking = DEFAULT_RANKING,
                 engine_name: str = engine.DEFAULT_BACKEND) -> None:
        self.path = Path(path)
        self._open_backend: Optional["Backend"] = backend
        self._planner: Optional["Planner"] = None
        self.ranking = ranking
        self.engine = engine_name

    @property
    def _backend(self) -> "Backend":
        if self._open_backend is None:
            raise ArchiveClosed(f"the archive at {self.path} is closed: open it again with Archive.open()")
        return self._open_backend

    @classmethod
    def open(cls, path: Optional[PathLike] = None, *, ranking: Ranking = DEFAULT_RANKING,
             engine: str = engine.DEFAULT_BACKEND, allow_partial: bool = False,
             processes: Optional[bool] = None) -> "Archive":
        """Open an existing index; raises IndexNotFound when there is none.
        ``ranking``: BM25F settings and query stop words (query/ranking.py).
        A sharded archive is recognised by its folder; ``processes``: read
        each shard in a process of its own (default: with several shards and
        cores); ``allow_partial``: answer from the shards that can be read
        when some cannot (``result.missing_shards`` names them; else
        ShardUnavailable)."""
        path = Path(path) if path is not None else default_index_path()
        module = _engine(engine, path)
        if module is engine_module("sharded"):
            sharded: Any = module
            return cls(path, sharded.open(path, ranking, allow_partial=allow_partial, processes=processes),
                       ranking, engine)
        return cls(path, module.open(path, ranking), ranking, engine)

    @classmethod
    def create(cls, path: Optional[PathLike] = None, *, ranking: Ranking = DEFAULT_RANKING,
               engine: str = engine.DEFAULT_BACKEND, shards: Optional[int] = None,
               processes: Optional[bool] = None) -> "Archive":
        """Open the index at ``path``, creating it when absent: in a new or
        empty folder (hidden files such as .gitignore aside); a folder of
        other files raises InvalidArgument. ``shards``: a sharded archive of
        that many shards (an existing one must have as many); ``processes``
        as for ``open``."""
        from .ingest.locking import create_locked

        path = Path(path) if path is not None else default_index_path()
        if shards is not None:
            sharded: Any = engine_module("sharded")  # its create takes the shard count
            if not sharded.exists(path):
                sharded.refuse_foreign_folder(path)
            made = create_locked(path, sharded.exists, lambda p: sharded.create(p, ranking, shards, processes))
            return cls(path, made, ranking, "sharded")
        backend = _engine(engine, path)
        if not backend.exists(path):
            backend.refuse_foreign_folder(path)  # before the lock file is made in it
        return cls(path, create_locked(path, backend.exists, lambda p: backend.create(p, ranking)), ranking, engine)

    @classmethod
    def connect(cls, address: Any, path: Optional[PathLike] = None, *, ranking: Ranking = DEFAULT_RANKING,
                shards: Optional[int] = None, allow_partial: bool = False) -> "Archive":
        """A sharded archive on a Dask cluster (the ``cluster`` extra).
        ``address``: the scheduler's (``tcp://host:8786``) or a
        ``distributed.Client``; ``path``: the archive's folder, the same path
        on every worker, each holding the shards on its disk. With
        ``shards``, the archive is made there when no worker holds it.
        Searches run on the workers; ``add()`` reads files on this machine
        and commits each shard's articles on its worker, keeping the
        manifest and the writing lock in ``path`` here."""
        sharded: Any = engine_module("sharded")
        path = Path(path) if path is not None else default_index_path()
        return cls(path, sharded.connect(address, path, ranking, shards=shards, allow_partial=allow_partial),
                   ranking, "sharded")

    def add(
        self,
        items: Union[Input, Article, Iterable[Union[Input, Article]]],
        *,
        commit_every: Optional[int] = None,
        progress: Optional[Callable[[IndexProgress], None]] = None,
        jobs: Optional[int] = None,
        wait: Optional[float] = None,
        exclude: Iterable[str] = (),
    ) -> IndexReport:
        """Index files, folders (recursively), Sources or Article objects.

        A Source is a stream read with one format's reader
        (``searcher.readers.stream_source(sys.stdin.buffer, "jsonl")``): its
        records are indexed as they are read, bad ones reported in
        ``skipped`` (``<stdin>#7``), and nothing of it goes in the manifest
        (a stream is never "unchanged"); it counts as one file read. Paths
        and Sources are read in the order given.

        Unchanged files (same size and modification time) are not read
        again; an article already indexed under the same id is updated in
        place, or counted unchanged when its content is the same. Files are
        parsed, and large batches indexed, on ``jobs`` processes (default:
        every core); ``progress`` is called before reading, after each file
        and every 1,000 articles inside a large file. In folders,
        files and folders matching a glob in ``exclude`` are left out.

        One run writes an index at a time: when another holds it, this
        raises IndexLocked at once, or after waiting up to ``wait`` seconds.
        """
        before = children()
        try:
            return self._add(_items(items), commit_every, progress, jobs, wait, exclude)
        except IndexingInterrupted:
            raise
        except KeyboardInterrupt:
            # Workers leave Ctrl-C to us (proc.worker_started): none of this run's may outlive it.
            end_children(spare=before)
            raise IndexingInterrupted(self._committed()) from None

    def _committed(self) -> int:
        try:
            return self._backend.doc_count()
        except Exception:  # noqa: BLE001 - the interrupt is what to report
            return 0

    def _add(self, items, commit_every, progress, jobs, wait, exclude) -> IndexReport:
        from .ingest.indexer import DEFAULT_COMMIT_EVERY, Indexer
        from .ingest.locking import writer_lock
        from .readers.parallel import jobs_or_default

        articles = [item for item in items if isinstance(item, Article)]
        inputs = [item for item in items if not isinstance(item, Article)]
        if articles and inputs:
            raise TypeError("add() takes paths or Articles, not both at once")
        with writer_lock(self.path, wait=wait):
            jobs = jobs_or_default(jobs)

            def indexer() -> "Indexer":
                writer = self._backend.writer(jobs)
                return Indexer(writer, self.path, commit_every or DEFAULT_COMMIT_EVERY, jobs=jobs,
                               parse=getattr(writer, "parse_files", None))

            if articles:
                return indexer().add_articles(articles)
            report: Optional[IndexReport] = None
            # An indexer's run ends with its writer: one run for each stretch of paths, one a stream.
            for run in _runs(inputs):
                part = (_add_stream(indexer(), run) if not isinstance(run, list)
                        else indexer().add_paths(run, progress=progress, exclude=exclude))
                report = part if report is None else _merged(report, part)
            assert report is not None
            return report

    def _plans(self) -> "Planner":
        backend = self._backend  # ArchiveClosed after close()
        if self._planner is None:
            from .query.plan import Planner

            self._planner = Planner(backend, self.ranking)
        return self._planner

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        offset: int = 0,
        sort: Sort = "relevance",
        match: Match = "all",
        facets: Optional[Iterable[str]] = (),
        facet_limit: Optional[int] = 10,
        filters: Filters = None,
        since: Optional[str] = None,
        until: Optional[str] = None,
        syntax: bool = True,
        fallback: bool = True,
        snippets: bool = True,
        collapse: bool = False,
        count: Count = "articles",
        similarity: Similarity = None,
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
        ``snippets=False``: hits without snippets and matched terms (faster).
        ``collapse``: one hit per near-copy group (syndicated copies of one
        story), the first in the order asked for, with the group's id, its
        matching copies and their outlets; ``count="stories"``: facets count
        groups, and ``result.stories`` is set (as with ``collapse``).
        ``similarity``: how alike copies are: "moderate" (the default, an
        estimated containment of 0.7), "high" (0.9) or a number from 0.5 to 1.
        Raises QuerySyntaxError on a malformed query.
        """
        return self.run(SearchRequest(query, limit=limit, offset=offset, sort=sort, match=match,
                                      facets=tuple(facets or ()), facet_limit=facet_limit,
                                      filters=normalise_filters(filters), since=since, until=until,
                                      syntax=syntax, fallback=fallback, snippets=snippets, collapse=collapse,
                                      count=count, similarity=similarity))

    def iter_hits(self, query: str, *, sort: Sort = "relevance", match: Match = "all", filters: Filters = None,
                  since: Optional[str] = None, until: Optional[str] = None, syntax: bool = True,
                  collapse: bool = False, similarity: Similarity = None, snippets: bool = False,
                  batch: int = 1000) -> Iterator[Hit]:
        """Every hit of a search, in the order asked for, fetched ``batch``
        at a time: an export of a whole result set holds one batch in
        memory. The query is answered as given (no any-word fallback)."""
        from .query.request import check_count

        check_count("batch", batch, least=1)
        offset = 0
        while True:
            result = self.search(query, limit=batch, offset=offset, sort=sort, match=match, filters=filters,
                                 since=since, until=until, syntax=syntax, fallback=False, snippets=snippets,
                                 collapse=collapse, similarity=similarity)
            yield from result.hits
            offset += len(result.hits)
            if len(result.hits) < batch:
                return

    def run(self, request: SearchRequest) -> SearchResult:
        """``search()`` for a request built beforehand (``searcher.query.request``)."""
        return self._plans().search(request)

    def facet(self, name: str, query: str = "", *, filters: Filters = None,
              since: Optional[str] = None, until: Optional[str] = None, count: Count = "articles",
              similarity: Similarity = None, syntax: bool = True) -> list[tuple[str, int]]:
        """Every value of one facet with its article count (all articles when
        no query); ``count="stories"``: near-copy groups, each counted once
        for every value its matching copies have. ``syntax`` as in ``search``."""
        return self._plans().facet(name, query, normalise_filters(filters), since, until, count, similarity,
                                   syntax)

    def timeline(self, query: str = "", *, by: str = "month", match: Match = "all", filters: Filters = None,
                 since: Optional[str] = None, until: Optional[str] = None, count: Count = "articles",
                 similarity: Similarity = None, syntax: bool = True) -> Timeline:
        """Matching articles per year, month, week or day, zeros included;
        ``count="stories"``: near-copy groups, each in the period of its
        earliest matching copy. ``syntax`` as in ``search``."""
        return self._plans().timeline(query, by, normalise_filters(filters), match, since, until, count,
                                      similarity, syntax)

    def duplicates(self, article_id: str, *, similarity: Similarity = None) -> list[Hit]:
        """The article's near-copy group, itself first, then by date: each
        hit's ``score`` is its estimated containment against the article."""
        from .nearcopies import threshold_of
        from .query.hits import to_hit

        found = self._backend.copies(article_id, threshold_of(similarity))
        if found is None:
            raise ArticleNotFound(f"no article with id {article_id!r}")
        hits = [to_hit(article, similar, rank) for rank, (article, similar) in enumerate(found, 1)]
        group = min(hits, key=lambda hit: (hit.date is None, hit.date or 0, hit.id)).id if len(hits) > 1 \
            else article_id
        for hit in hits:
            hit.group, hit.copies = group, len(hits)
        return hits

    def stories(self, limit: int = 10, *, similarity: Similarity = None) -> list[Story]:
        """The most republished stories: the near-copy groups with the most copies."""
        from .nearcopies import threshold_of
        from .query.request import check_count

        check_count("limit", limit, least=1)
        found = self._backend.top_stories(limit, threshold_of(similarity))
        return [Story(group=article.id, title=article.title, date=article.date, url=article.url,
                      publisher=article.publisher, copies=copies, outlets=list(outlets))
                for article, copies, outlets in found]

    def similar(self, article_id: str, limit: int = 10) -> list[Hit]:
        """The articles closest in content to one article, itself excluded."""
        from .query.hits import to_hit
        from .query.request import check_count

        check_count("limit", limit, least=1)
        found = self._backend.similar(article_id, limit)
        return [to_hit(article, score, rank) for rank, (article, score) in enumerate(found, 1)]

    def get(self, article_id: str) -> Article:
        article = self._backend.get(article_id)
        if article is None:
            raise ArticleNotFound(f"no article with id {article_id!r}")
        return article

    def stats(self, top: int = 10) -> Stats:
        return self._backend.stats(top)

    def check(self, *, deep: bool = True, clean: bool = False) -> "CheckReport":
        """Verify the index: every segment reads (``deep``: every term,
        posting and column too), no article id twice, every article the
        manifest lists present, no foreign files in the folder. ``ok`` is
        False when something is wrong; leftovers of an interrupted write are
        warnings, removed with ``clean=True`` when no run is writing."""
        # A sharded archive checks each shard where it is (a cluster: on its worker).
        through_backend = getattr(self._open_backend, "check_archive", None)
        if through_backend is not None:
            return through_backend(deep, clean)
        return _engine(self.engine, self.path).check_index(self.path, deep, clean)

    def rebuild(
        self,
        *,
        commit_every: Optional[int] = None,
        progress: Optional[Callable[[IndexProgress], None]] = None,
        jobs: Optional[int] = None,
        wait: Optional[float] = None,
        paths: Iterable[PathLike] = (),
        shards: Optional[int] = None,
    ) -> "RebuildReport":
        """Rebuild the index from the files its manifest records and the
        files and folders in ``paths`` (the only sources when the manifest
        is unreadable or missing), into a new folder next to it that then
        replaces it in one step. Articles no existing file provides (added
        as Articles, or from files that have vanished, which are reported)
        are kept from the old index where it can still be read.
        ``shards``: rebuild into a sharded archive of that many shards
        (resharding one, or sharding a single index)."""
        self.close()
        report = type(self).rebuild_at(self.path, engine=self.engine, commit_every=commit_every, jobs=jobs,
                                       progress=progress, wait=wait, paths=paths, shards=shards)
        self._open_backend = _engine(self.engine, self.path).open(self.path, self.ranking)
        return report

    @classmethod
    def rebuild_at(cls, path: Optional[PathLike] = None, *, engine: str = engine.DEFAULT_BACKEND,
                   **options: Any) -> "RebuildReport":
        """``rebuild()`` for an index too damaged to open."""
        from .ingest.indexer import DEFAULT_COMMIT_EVERY

        path = Path(path) if path is not None else default_index_path()
        options["commit_every"] = options.get("commit_every") or DEFAULT_COMMIT_EVERY
        if options.get("shards") is not None:
            return engine_module("sharded").rebuild_index(path, **options)
        options.pop("shards", None)
        return _engine(engine, path).rebuild_index(path, **options)

    @classmethod
    def check_at(cls, path: Optional[PathLike] = None, *, deep: bool = True, clean: bool = False,
                 engine: str = engine.DEFAULT_BACKEND) -> "CheckReport":
        """``check()`` for an index too damaged to open."""
        path = Path(path) if path is not None else default_index_path()
        return _engine(engine, path).check_index(path, deep, clean)

    def __len__(self) -> int:
        return self._backend.doc_count()

    def close(self) -> None:
        """Release the index; any later call raises ArchiveClosed. Closing twice is harmless."""
        self._planner = None
        if self._open_backend is not None:
            self._open_backend.close()
            self._open_backend = None

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def engine_module(name: str) -> "BackendModule":
    return engine.backend(name)


def _engine(name: str, path: Path) -> "BackendModule":
    return engine.backend_at(path, name)


def _items(items: Any) -> list[Union[Input, Article]]:
    """What add() was given, as a list: one path, Source or Article alone is
    one item (a str is not iterated character by character)."""
    from .readers.source import Source

    single = (str, os.PathLike, Article, Source)
    if isinstance(items, single):
        return [items]
    if hasattr(items, "read"):  # iterating a stream would read its lines as "paths"
        raise TypeError("add() reads a stream as a Source of one format: "
                        "searcher.readers.stream_source(stream, 'jsonl')")
    try:
        listed = list(items)
    except TypeError:
        raise TypeError(f"add() takes a path, an Article, or an iterable of them, not {type(items).__name__}") from None
    for item in listed:
        if not isinstance(item, single):
            raise TypeError(f"add() takes paths (str or os.PathLike), Sources or Articles, "
                            f"not {type(item).__name__}")
    return listed


def _runs(inputs: list[Input]) -> list[Union[list[PathLike], "Source"]]:
    """Paths grouped in stretches between Sources, in the order given ([[]] for none)."""
    from .readers.source import Source

    runs: list[Union[list[PathLike], Source]] = []
    for item in inputs:
        if isinstance(item, Source):
            runs.append(item)
        elif runs and isinstance(runs[-1], list):
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs or [[]]


def _add_stream(indexer: "Indexer", source: "Source") -> IndexReport:
    """A stream's records indexed as Articles; its bad records, reported."""
    from .readers import read_source

    skipped: list[Skipped] = []

    def articles() -> Iterator[Article]:
        for record in read_source(source):
            if isinstance(record, Skipped):
                skipped.append(record)
            else:
                yield record

    report = indexer.add_articles(articles())
    report.skipped.extend(skipped)
    if all(record.origin != str(source) for record in skipped):  # not unreadable as a whole
        report.files_read += 1
    return report


def _merged(report: IndexReport, part: IndexReport) -> IndexReport:
    """Two runs' reports as one: counts added, lists joined, the last total."""
    for name in (f.name for f in fields(IndexReport)):
        setattr(report, name, getattr(part, name) if name == "total" else getattr(report, name) + getattr(part, name))
    return report
