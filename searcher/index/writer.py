"""Writing articles into the index: counts, batching, the manifest."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Optional

from ..article import Article, Skipped
from ..errors import IndexLocked
from ..readers import UNSUPPORTED, iter_files
from ..readers.parallel import ParsedFile, default_jobs, parse_files
from ..results import IndexProgress, IndexReport
from .documents import to_document
from .fastwriters import FastMpWriter, FastSegmentWriter
from .manifest import FileEntry, Manifest, file_key
from .whoosh_import import index as whoosh_index
from . import whoosh_import

DEFAULT_COMMIT_EVERY = 5000
PARALLEL_WRITE_MIN = 2000
# Whoosh's default of 128 MB makes the posting pool spill to disk early.
WRITER_LIMIT_MB = 256

Progress = Callable[[IndexProgress], None]


class Indexer:
    """One indexing run over an open Whoosh index.

    Articles are buffered by id, so an article met twice in one batch is
    written once, and committed every ``commit_every`` articles; after each
    commit the manifest records the files whose articles it now holds.
    """

    def __init__(self, ix: "whoosh_index.Index", index_dir: Path, commit_every: int = DEFAULT_COMMIT_EVERY,
                 jobs: Optional[int] = None):
        self.ix = ix
        self.jobs = default_jobs() if jobs is None else max(1, jobs)
        self.index_dir = index_dir
        self.manifest = Manifest.load(index_dir)
        self.commit_every = max(1, commit_every)
        self.report = IndexReport()
        self._batch: dict[str, tuple[dict, bool]] = {}  # id -> (document, replaces an older copy)
        self._written: set[str] = set()  # ids committed earlier in this run
        self._stale: set[str] = set()
        self._done_files: dict[str, FileEntry] = {}
        self._seen: dict[str, str] = {}  # id -> fingerprint, this run
        self._named: set[Path] = set()  # files given by name, not found in a folder
        self._searcher = ix.searcher()
        self._empty = self._searcher.doc_count_all() == 0

    # -- public -----------------------------------------------------------
    def add_paths(self, paths: Iterable[str | Path], progress: Optional[Progress] = None,
                  exclude: Iterable[str] = ()) -> IndexReport:
        try:
            paths = list(paths)
            self._named = {Path(p) for p in paths if not Path(p).is_dir()}
            files = list(iter_files(paths, exclude=[self.index_dir], patterns=exclude))
            state = IndexProgress(files_total=len(files))
            changed = []
            for path in files:
                entry = self.manifest.is_unchanged(path)
                if entry is None:
                    changed.append(path)
                    continue
                self.report.files_unchanged += 1
                self.report.unchanged += len(entry.ids)
                state.files_done += 1
            for parsed in parse_files(changed, self.jobs):
                self._add_parsed(parsed)
                state.files_done += 1
                state.articles = self.report.new + self.report.updated + self.report.unchanged
                if progress:
                    progress(state)
            self._flush(last=True)
        finally:
            self._searcher.close()
        return self._finish()

    def add_articles(self, articles: Iterable[Article]) -> IndexReport:
        try:
            for article in articles:
                self._add_article(article)
            self._flush(last=True)
        finally:
            self._searcher.close()
        return self._finish()

    # -- internals --------------------------------------------------------
    def _add_parsed(self, parsed: ParsedFile) -> None:
        path = parsed.path
        ids: list[str] = []
        for record in parsed.records:
            if isinstance(record, Skipped):
                if record.reason == UNSUPPORTED and (record.origin != str(path) or path not in self._named):
                    self.report.ignored += 1  # not an article file, and not asked for by name
                elif record.origin != str(path):
                    self.report.skipped.append(record)
                continue
            self._add_article(record)
            ids.append(record.id)
        if parsed.error == UNSUPPORTED and path not in self._named:
            return
        if parsed.error is not None:
            # The file failed as a whole (what it yielded before failing is
            # kept): it is not marked read, so the next run tries it again.
            self._skip_file(path, parsed.error)
            return
        self.report.files_read += 1
        key = file_key(path)
        previous = self.manifest.files.get(key)
        if previous:
            self._stale.update(set(previous.ids) - set(ids))
        self.manifest.skipped.pop(key, None)
        self._done_files[key] = FileEntry(parsed.size, parsed.mtime_ns, list(dict.fromkeys(ids)))

    def _skip_file(self, path: Path, reason: str) -> None:
        self.report.skipped.append(Skipped(str(path), reason))
        self.manifest.skipped[file_key(path)] = reason

    def _previous_fingerprint(self, article_id: str) -> str | None:
        if article_id in self._seen:
            return self._seen[article_id]
        if self._empty:
            return None  # a new index: nothing to look up
        stored = self._searcher.document(id=article_id)
        return stored.get("fingerprint") if stored else None

    def _add_article(self, article: Article) -> None:
        fingerprint = article.fingerprint()
        previous = self._previous_fingerprint(article.id)
        self._seen[article.id] = fingerprint
        if previous == fingerprint:
            self.report.unchanged += 1
            return
        if previous is None:
            self.report.new += 1
        else:
            self.report.updated += 1
        # A replacement deletes the older copy; a new article is just added,
        # which spares Whoosh a term lookup per document.
        replaces = previous is not None or article.id in self._written
        self._batch[article.id] = (to_document(article, fingerprint), replaces)
        if len(self._batch) >= self.commit_every:
            self._flush()

    def _flush(self, last: bool = False) -> None:
        # Ids another file still provides are not stale.
        stale = {i for i in self._stale if i not in self._seen}
        if stale:
            # Nor are ids another file, not read again this run, still holds.
            others = (entry.ids for key, entry in self.manifest.files.items() if key not in self._done_files)
            stale -= {i for ids in others for i in ids}
        if self._batch or stale:
            try:
                writer = self._writer(len(self._batch))
            except whoosh_import.writing.LockError as exc:
                raise IndexLocked("another process is writing to this index; try again when it has finished") from exc
            try:
                for article_id in stale:
                    writer.delete_by_term("id", article_id)
                for doc, replaces in self._batch.values():
                    (writer.update_document if replaces else writer.add_document)(**doc)
            except BaseException:
                writer.cancel()
                raise
            # Whoosh merges small segments at commit, in one pure-Python pass;
            # doing that once, at the end of the run, instead of at every
            # batch saves rewriting the same postings again and again.
            writer.commit(merge=last)
            self.report.removed += len(stale)
            self._written.update(self._batch)
        self._batch.clear()
        self._stale.clear()
        self.manifest.files.update(self._done_files)
        self._done_files.clear()
        self.manifest.save()

    def _writer(self, documents: int):
        """One process for small batches; one per core for large ones (the
        sub-processes cost a second or so to start and feed)."""
        if self.jobs > 1 and documents >= PARALLEL_WRITE_MIN:
            return FastMpWriter(self.ix, procs=self.jobs, limitmb=WRITER_LIMIT_MB // self.jobs, batchsize=256)
        return FastSegmentWriter(self.ix, limitmb=WRITER_LIMIT_MB)

    def _finish(self) -> IndexReport:
        with self.ix.searcher() as searcher:
            self.report.total = searcher.doc_count()
        return self.report
