"""An indexing run: files read, articles counted and batched, the manifest
kept in step with the commits. The engine writes (base.ArticleWriter)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Optional

from ..article import Article, Skipped
from ..languages import decided, release_model
from ..readers import UNSUPPORTED, iter_files
from ..readers.parallel import ParsedFile, jobs_or_default, parse_files
from ..readers.textshape import is_not_an_article
from ..results import IndexProgress, IndexReport
from .manifest import FileEntry, Manifest, file_key

if TYPE_CHECKING:
    from ..engine.base import ArticleWriter

# A commit makes one segment per writing process (the Whoosh backend's
# parallel writer is multisegment): 25,000 articles on two cores is two
# ~12,500-article segments (5,000 made 400 segments for a million).
DEFAULT_COMMIT_EVERY = 25_000
# ... or sooner, by text: each writing process keeps its batch's postings in
# memory (accel/postings.py), about 120 bytes each, and moves them to Whoosh's
# slow spilling pool past its limit. 12 million characters of title and
# body per process stay under it (~1M postings of long articles; 2,400
# generated 715-word articles, all of Reuters-21578 in one batch).
TEXT_PER_WRITER = 12_000_000
# Articles written from which a run lets go of the language detector's
# model before its end-of-run work (reloading it costs 0.9 s).
RELEASE_MODEL_AFTER = 25_000
_NAMED_WARNINGS = 20  # warnings of a run named one by one; past that, counted
PROGRESS_ARTICLES = 1000  # inside one file, progress is told every this many articles

Progress = Callable[[IndexProgress], None]


def _digest(fingerprint: str) -> bytes:
    """An article fingerprint (hex) as bytes; b"" (equal to no digest) for anything else."""
    try:
        return bytes.fromhex(fingerprint)
    except ValueError:
        return b""


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reading it says why


def _not_an_article(reason: Optional[str]) -> bool:
    """A file no reader takes, or text without an article's shape (a word
    list, a table): in folders and bundles, passed over; named, reported."""
    return reason == UNSUPPORTED or is_not_an_article(reason)


def _file_of(origin: str) -> str:
    """The file part of an article's origin ("a.jsonl#12": record 12 of a.jsonl)."""
    head, sep, tail = origin.rpartition("#")
    return head if sep and tail.isdigit() else origin


class Indexer:
    """One indexing run over an open Whoosh index.

    Articles are buffered by id, so an article met twice in one batch is
    written once, and committed every ``commit_every`` articles; after each
    commit the manifest records the files whose articles it now holds.
    """

    def __init__(self, writer: "ArticleWriter", index_dir: Path, commit_every: int = DEFAULT_COMMIT_EVERY,
                 jobs: Optional[int] = None, parse: Optional[Callable[[list[Path], int], Iterator[ParsedFile]]] = None):
        self.writer = writer
        # Where files are parsed: here on ``jobs`` processes, or where the writer says (a cluster's workers).
        self.parse = parse or parse_files
        self.jobs = jobs_or_default(jobs)
        self.index_dir = index_dir
        self.manifest = Manifest.load(index_dir)
        self.commit_every = max(1, commit_every)
        self._batch_text = 0  # characters of title and body in the batch
        self.report = IndexReport()
        self._batch: dict[str, tuple[Article, str, bool]] = {}  # id -> (article, fingerprint, replaces)
        self._stale: set[str] = set()
        self._done_files: dict[str, FileEntry] = {}
        # id -> fingerprint (20-byte digest, not 40 hex characters: a million
        # ids are held), every article met in this run.
        self._seen: dict[str, bytes] = {}
        self._warnings = 0  # of this run, named or not
        self._named: set[Path] = set()  # files given by name, not found in a folder

    # -- public -----------------------------------------------------------
    def add_paths(self, paths: Iterable[str | os.PathLike[str]], progress: Optional[Progress] = None,
                  exclude: Iterable[str] = ()) -> IndexReport:
        try:
            paths = list(paths)
            self._named = {Path(p) for p in paths if not Path(p).is_dir()}
            passed: list[Skipped] = []
            files = list(iter_files(paths, exclude=[self.index_dir], patterns=exclude, passed=passed))
            self._passed_over(passed)
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
            self._read_changed(changed, state, progress)
            self._flush()
            return self._finish()
        finally:
            self.writer.close()

    def add_articles(self, articles: Iterable[Article]) -> IndexReport:
        try:
            for article in articles:
                self._add_article(decided(article))
            self._flush()
            return self._finish()
        finally:
            self.writer.close()

    # -- internals --------------------------------------------------------
    def _read_changed(self, changed: list[Path], state: IndexProgress, progress: Optional[Progress]) -> None:
        """Parse and add the files to read, telling ``progress`` after each
        (and before the first, with the bytes to read), and every
        PROGRESS_ARTICLES articles inside a large file."""
        sizes = {path: _size(path) for path in changed}
        state.bytes_total = sum(sizes.values())

        def tell() -> None:
            state.articles = self.report.new + self.report.updated + self.report.unchanged
            if progress:
                progress(state)

        tell()
        # Closed as soon as anything (Ctrl-C) ends the loop: its worker pool
        # is ended then, not whenever the garbage collector gets to it.
        parsed_files = self.parse(changed, self.jobs)
        try:
            self._add_all(parsed_files, state, sizes, tell, progress)
        finally:
            close = getattr(parsed_files, "close", None)
            if close is not None:
                close()

    def _add_all(self, parsed_files: Iterator[ParsedFile], state: IndexProgress, sizes: dict,
                 tell: Callable[[], None], progress: Optional[Progress]) -> None:
        for parsed in parsed_files:
            before, size = state.bytes_done, sizes.get(parsed.path, parsed.size)

            def inside(parsed: ParsedFile = parsed, before: int = before, size: int = size) -> None:
                if parsed.bytes_read is not None:  # a large file read as it is indexed
                    state.bytes_done = before + min(parsed.bytes_read(), size)
                tell()

            self._add_parsed(parsed, inside if progress else None)
            state.files_done += 1
            state.bytes_done = before + size
            tell()

    def _add_parsed(self, parsed: ParsedFile, tell: Optional[Callable[[], None]] = None) -> None:
        path = parsed.path
        ids: list[str] = []
        bad_records = False
        for record in parsed.records:
            if isinstance(record, Skipped):
                if _not_an_article(record.reason) and (record.origin != str(path) or path not in self._named):
                    self.report.ignored += 1  # not an article, and not asked for by name
                    self.report.passed_over.append(record)
                elif record.origin != str(path):
                    self.report.skipped.append(record)
                    bad_records = True
                continue
            self._add_article(record)
            ids.append(record.id)
            if tell and len(ids) % PROGRESS_ARTICLES == 0:
                tell()  # a large file's articles are seen to come
        if _not_an_article(parsed.error) and path not in self._named:
            self._forget(path)
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
            provided = set(ids)
            missing = [i for i in previous.ids if i not in provided]
            if bad_records:
                # A record that no longer reads may be the one that held a
                # missing article: keep them all (and their ids) until the
                # file reads cleanly, rather than delete a good article.
                ids.extend(missing)
            else:
                self._stale.update(missing)
        self.manifest.skipped.pop(key, None)
        self._done_files[key] = FileEntry(parsed.size, parsed.mtime_ns, list(dict.fromkeys(ids)))

    def _passed_over(self, passed: list[Skipped]) -> None:
        """What the folder walk left out: other kinds of file are passed over
        (counted, named on request); a folder that cannot be listed is input
        not read (skipped, so the run says so and exits 1)."""
        for record in passed:
            if record.reason.startswith("folder not read"):
                self.report.skipped.append(record)
            else:
                self.report.ignored += 1
                self.report.passed_over.append(record)

    def _forget(self, path: Path) -> None:
        """A file passed over: what an earlier run took from it (read by an
        older version as an article) goes, and it is no longer a skipped file."""
        key = file_key(path)
        previous = self.manifest.files.pop(key, None)
        if previous:
            self._stale.update(previous.ids)
        self.manifest.skipped.pop(key, None)

    def _skip_file(self, path: Path, reason: str) -> None:
        self.report.skipped.append(Skipped(str(path), reason))
        self.manifest.skipped[file_key(path)] = reason

    def _previous_fingerprint(self, article: Article) -> bytes | None:
        if article.id in self._seen:
            if article.origin:
                self._check_shared_id(article, None)
            return self._seen[article.id]
        stored = self.writer.stored(article.id)
        if stored is None:
            return None
        origin, fingerprint = stored
        if article.origin and origin and _file_of(origin) != _file_of(article.origin):
            self._check_shared_id(article, origin)
        return _digest(fingerprint)

    def _check_shared_id(self, article: Article, before: str | None) -> None:
        """Warn when two files give articles one id: ids are global, so the
        later copy replaces the earlier (named for the first few)."""
        if before is None:  # met earlier in this run: which file? (rare: a scan)
            if len(self.report.warnings) >= _NAMED_WARNINGS:
                before = "another file"
            else:
                found = [key for key, entry in {**self.manifest.files, **self._done_files}.items()
                         if article.id in entry.ids]
                before = found[0] if found else "an earlier record of the same file"
            if before in (_file_of(article.origin), file_key(Path(_file_of(article.origin)))):
                return  # the same file again (a changed file re-read)
        self._warn(f"id {article.id!r} of {article.origin} was already given by {before}: the later copy "
                   "replaces the earlier (ids are global: give records distinct ids, or leave the id out "
                   "to have one made from the content)")

    def _warn(self, text: str) -> None:
        """Name the first warnings of a run; count the rest."""
        self._warnings += 1
        if len(self.report.warnings) < _NAMED_WARNINGS:
            self.report.warnings.append(text)

    def _add_article(self, article: Article) -> None:
        for note in article.notes:
            self._warn(f"{article.origin or article.id}: {note}")
        fingerprint = article.fingerprint()
        previous = self._previous_fingerprint(article)
        self._seen[article.id] = digest = _digest(fingerprint)
        if previous == digest:
            self.report.unchanged += 1
            return
        if previous is None:
            self.report.new += 1
        else:
            self.report.updated += 1
        # An id met earlier in this run, committed or not, has a previous
        # fingerprint: the engine replaces what it holds under that id.
        self._batch[article.id] = (article, fingerprint, previous is not None)
        self._batch_text += len(article.title) + len(article.body)
        if len(self._batch) >= self.commit_every or self._batch_text >= TEXT_PER_WRITER * self.jobs:
            self._flush()

    def _flush(self) -> None:
        # Ids another file still provides are not stale.
        stale = {i for i in self._stale if i not in self._seen}
        if stale:
            # Nor are ids another file, not read again this run, still holds.
            others = (entry.ids for key, entry in self.manifest.files.items() if key not in self._done_files)
            stale -= {i for ids in others for i in ids}
        if self._batch or stale:
            self.writer.commit(list(self._batch.values()), stale)
            self.report.removed += len(stale)
        self._batch.clear()
        self._batch_text = 0
        self._stale.clear()
        self.manifest.files.update(self._done_files)
        self._done_files.clear()
        self.manifest.save()  # IndexWriteError when it cannot: the saved one stays

    def _finish(self) -> IndexReport:
        if self.report.new + self.report.updated >= RELEASE_MODEL_AFTER:
            release_model()
        self.report.total = self.writer.finish()
        if self._warnings > _NAMED_WARNINGS:
            self.report.warnings.append(f"... and {self._warnings - _NAMED_WARNINGS} more warnings")
        return self.report
