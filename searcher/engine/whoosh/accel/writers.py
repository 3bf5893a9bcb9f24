"""Whoosh segment writers that write the same segments faster.

Replaces: ``whoosh.writing.SegmentWriter``'s posting path
(``FastSegmentWriter``: postings kept per term and written by postings.py,
field lengths kept in memory instead of read back per posting, merged
segments' postings read from their files instead of posting by posting
through the pool) and ``whoosh.multiproc.MpWriter`` (``FastMpWriter``: fast
sub-writers, by setting ``mp.SegmentWriter`` inside each sub-writer
process; every wait bounded, all sub-writers' segments or none). Both sync
a commit's new segments before the table of contents that names them.
Why: Whoosh's pool and per-posting calls were most of indexing time
(figures: bench/README.md, "Indexing"); its multi-process commit could
commit without a dead sub-writer's segment, or wait for ever.
Same answers as Whoosh: tests/test_postings.py::test_files_are_byte_identical_to_whooshs_with_compression_everywhere;
tests/test_merge.py::test_optimize_gives_whooshs_postings_and_documents,
::test_merged_files_are_byte_identical_to_whooshs, ::test_multi_process_commits_merge_the_fast_way;
tests/test_fastindex.py::test_index_built_either_way_answers_identically.
Failures and syncing: tests/test_commit_integrity.py, tests/test_durability.py.

Imported only when writing, so that searching does not load Whoosh's
writing and multiprocessing modules.
"""
from __future__ import annotations

import gc
import os
import pickle
import queue
import signal
from typing import Any, Optional

# Whoosh imported quietly first.
from searcher.engine.whoosh.accel.imports import byte_to_length, length_to_byte, whoosh3, writing
from searcher.engine.whoosh.accel.imports import multiproc as mp

# isort: split
from whoosh import columns  # loaded by whoosh.index already
from whoosh.reading import SegmentReader
from whoosh.util import random_name

from searcher.engine.whoosh.accel.analysis import simple_postings
from searcher.engine.whoosh.accel.buffer import POSTING_BYTES, FieldPostings, PostingBuffer
from searcher.engine.whoosh.accel.mapped import sync_new_segments
from searcher.engine.whoosh.accel.postings import SegmentSource, write_postings
from searcher.errors import IndexWriteError
from searcher.proc import worker_started

# How long a multi-process commit waits on a queue or a sub-writer before
# checking that every sub-writer is still alive.
POLL_SECONDS = 0.5


class _Lengths:
    """What the postings writer asks of a per-document reader: field lengths,
    quantised to a byte exactly as Whoosh stores them."""

    def __init__(self, lengths: dict[tuple[int, str], int]):
        self._lengths = lengths

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        return self._lengths.get((docnum, fieldname), default)

    def close(self) -> None:
        pass


def _length_column(pdr, fieldname: str, doccount: int, missing=0) -> Optional[list]:
    """Every document's quantised length in the field (0 for none), from a
    W3 per-document reader: its byte column, read in one piece (``missing``
    when the field has no length column: None, or a list of 0)."""
    column = pdr._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
    if column is None:
        return None if missing is None else [0] * doccount
    table = [byte_to_length(b) if b else 0 for b in range(256)]
    try:
        raw = column._dbfile.get(column._basepos, column._count)
        assert column._typecode == "B" and len(raw) == column._count
    except (AttributeError, AssertionError):
        raw = bytes(column[docnum] for docnum in range(doccount))
    lengths = [table[b] for b in raw]
    lengths.extend([0] * (doccount - len(lengths)))
    return lengths


class _RecordingPerDocWriter:
    """Wraps the per-document writer to note each field length as written."""

    def __init__(self, inner, lengths: dict[tuple[int, str], int]):
        self._inner = inner
        self._lengths = lengths
        self._docnum = -1
        self.recording = True

    def start_doc(self, docnum):
        self._docnum = docnum
        return self._inner.start_doc(docnum)

    def add_field(self, fieldname, fieldobj, value, length):
        if length and self.recording:
            self._lengths[(self._docnum, fieldname)] = byte_to_length(length_to_byte(length))
        return self._inner.add_field(fieldname, fieldobj, value, length)

    def __getattr__(self, name):
        return getattr(self._inner, name)


class _FastPostingPool(writing.PostingPool):
    """Whoosh's posting pool without its per-posting type assertions and its
    byte-exact size estimate (a close one decides when to spill a run)."""

    def add(self, item):
        self.fieldnames.add(item[0])
        self.currentsize += 130 + len(item[0]) + 2 * len(item[1]) + len(item[4] or b"")
        if self.currentsize > self.limit:
            self.save()
        self.current.append(item)


def release_lock(writer) -> None:
    """Release a writer's Whoosh lock if it holds it (never raises)."""
    lock = getattr(writer, "writelock", None)
    if lock is not None and getattr(lock, "fd", None) is not None:
        try:
            lock.release()
        except Exception:  # noqa: BLE001 - releasing is all that is left to do
            pass


class _DurableCommit:
    """The new segments' files on disk before the table of contents naming
    them is written (which MappedStorage syncs before renaming it in)."""

    def __init__(self, *args, **kwargs):
        try:
            super().__init__(*args, **kwargs)
        except BaseException:
            # Failed after taking Whoosh's lock (a file it could not create):
            # release it, or no later writer of this process could start.
            release_lock(self)
            raise
        # Noted now: a multi-segment commit extends self.segments in place.
        self._opened_segments = {segment.segment_id() for segment in self.segments}

    # Segment-like objects (``segment_id()``) whose files this commit must
    # not delete though its table of contents does not name them: segments
    # being merged in the background (merging.py).
    kept: list = []

    def _commit_toc(self, segments):
        from whoosh.index import TOC, clean_files

        sync_new_segments(self.storage, self._opened_segments, segments)
        try:
            # Whoosh's _commit_toc, keeping the files of ``kept`` too.
            TOC(self.schema, segments, self.generation).write(self.storage, self.indexname)
        except OSError:
            # A table of contents not renamed into place is no commit: its
            # temporary file (``_MAIN_N.toc.<time>``) would stay for ever.
            partial = "_%s_%s.toc." % (self.indexname, self.generation)
            for name in self.storage.list():
                if name.startswith(partial):
                    try:
                        self.storage.delete_file(name)
                    except OSError:
                        pass
            raise
        clean_files(self.storage, self.indexname, self.generation, list(segments) + list(self.kept))


class FastSegmentWriter(_DurableCommit, writing.SegmentWriter):
    """A SegmentWriter that keeps new documents' postings per term (16-byte
    records, buffer.py) and their field lengths in memory, and writes the
    posting blocks itself (postings.py).

    Segments merged in by ``add_reader`` (Whoosh's merge policies, at
    commit) are not read posting by posting into Whoosh's pool: their
    documents' stored fields, lengths and columns are copied as Whoosh does,
    and at flush each term's postings are read from the segment's postings
    file and written renumbered, in one merge over the buffer's and every
    segment's terms (postings.SegmentSource). Anything else goes Whoosh's
    way: segments of another codec or with vectors or spelling words, and
    everything once the buffer has outgrown ``limitmb`` (it is then moved
    into Whoosh's pool, which spills to disk).
    """

    perdocwriter: _RecordingPerDocWriter  # Whoosh's, wrapped in __init__

    def __init__(self, ix, limitmb: int = 128, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = _FastPostingPool(self._tempstorage, self.newsegment, limitmb=limitmb)
        self._lengths: dict[tuple[int, str], int] = {}
        self.perdocwriter = _RecordingPerDocWriter(self.perdocwriter, self._lengths)
        self._buffer = PostingBuffer()
        self._buffer_limit = limitmb * 1024 * 1024 // POSTING_BYTES
        self._own_blocks = type(self.codec).__name__ == "W3Codec"
        self._plain_fields = {name for name, field in self.schema.items()
                              if not field.vector and not field.separate_spelling()}
        # Segments merged in the fast way: (segment, first docnum here, docmap or None).
        self._sources: list = []

    def _fast_merge_applies(self, reader) -> bool:
        if not (self._own_blocks and type(reader) is SegmentReader and not self._pool_used()):
            return False
        if type(reader.codec()).__name__ != "W3Codec" or reader.schema is not self.schema:
            return False
        names = [name for name in reader.indexed_field_names() if name in self.schema]
        return self._plain_fields.issuperset(names)

    def add_reader(self, reader):
        """Whoosh's add_reader, except for the postings (see the class notes)."""
        if not self._fast_merge_applies(reader):
            return super().add_reader(reader)
        self._check_state()
        basedoc = self.docnum
        fieldnames = set(self.schema.names()) | {name for name in reader.indexed_field_names() if name in self.schema}
        # Their lengths are read back from the new segment at flush.
        self.perdocwriter.recording = False
        try:
            docmap = self._copy_per_doc(fieldnames, reader)
        finally:
            self.perdocwriter.recording = True
        self._sources.append((reader.segment(), basedoc, docmap))
        self._added = True

    def _copy_per_doc(self, fieldnames, reader):
        """write_per_doc for a W3 segment without vectors: the same calls to
        the per-document writer, with each field's lengths read in one piece
        (Whoosh looks a field's length column up per document, and for a
        field without one, asks the file system each time)."""
        schema = self.schema
        if any(schema[name].vector for name in fieldnames):
            return self.write_per_doc(fieldnames, reader)
        docmap = {} if reader.has_deletions() else None
        pdw = self.perdocwriter
        doccount = reader.doc_count_all()
        perdoc = reader._perdoc
        fields = []
        for fieldname in fieldnames:
            fieldobj = schema[fieldname]
            coltype = fieldobj.column_type
            column = None
            if coltype and reader.has_column(fieldname):
                column = reader.column_reader(fieldname, coltype)
                if isinstance(column, columns.TranslatingColumnReader):
                    column = column.raw_column()
            lengths = _length_column(perdoc, fieldname, doccount, missing=None)
            fields.append((fieldname, fieldobj, lengths, coltype, column))
        for docnum, stored in reader.iter_docs():
            if docmap is not None:
                docmap[docnum] = self.docnum
            pdw.start_doc(self.docnum)
            for fieldname, fieldobj, lengths, coltype, column in fields:
                pdw.add_field(fieldname, fieldobj, stored.get(fieldname), lengths[docnum] if lengths else None)
                if column is not None:
                    pdw.add_column_value(fieldname, coltype, column[docnum])
            pdw.finish_doc()
            self.docnum += 1
        return docmap

    def add_document(self, **fields):
        schema = self.schema
        names = [name for name in fields if not name.startswith("_")]
        if not self._plain_fields.issuperset(names):
            # Unknown fields raise, vectors and spelling words go Whoosh's way.
            return super().add_document(**fields)
        self._check_state()
        perdocwriter = self.perdocwriter
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        buffer = self._buffer
        postings = buffer.fields
        added = 0
        perdocwriter.start_doc(docnum)
        for fieldname in sorted(names):
            value = fields[fieldname]
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                boost = self._field_boost(fields, fieldname, docboost)
                terms = postings.get(fieldname)
                if terms is None:
                    terms = postings[fieldname] = FieldPostings()
                    self.pool.fieldnames.add(fieldname)
                fast = getattr(field, "index_postings", None)
                counts = fast(value, terms, docnum, boost) if fast else None
                if counts is not None:
                    length = counts[0] if field.scorable else 0
                    added += counts[1]
                else:
                    scorable = field.scorable
                    items = simple_postings(field, value)
                    add = terms.add
                    for tbytes, freq, weight, vbytes in field.index(value) if items is None else items:
                        if scorable:
                            length += freq
                        add(tbytes, docnum, weight * boost, vbytes)
                        added += 1
                if length:
                    buffer.lengths.setdefault(fieldname, {})[docnum] = byte_to_length(length_to_byte(length))
            stored = fields.get("_stored_%s" % fieldname, value)
            perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
            column = field.column_type
            if column and stored is not None:
                perdocwriter.add_column_value(fieldname, column, field.to_column_value(stored))
        perdocwriter.finish_doc()
        buffer.count += added
        if buffer.count > self._buffer_limit:
            buffer.drain_into(self.pool)  # bounded memory: the pool spills runs to disk
        self._added = True
        self.docnum += 1

    def _pool_used(self) -> bool:
        return bool(self.pool.current or self.pool.runs)

    def _flush_segment(self):
        self.perdocwriter.close()
        if self._sources and self._own_blocks and not self._pool_used():
            self._merge_postings()
        elif self._buffer and self._own_blocks and not self._pool_used():
            codec = self.codec
            write_postings(self.fieldwriter, self.schema, self._buffer, codec._blocklimit, codec._compression)
        else:
            self._buffer.drain_into(self.pool)
            pdr = None
            if self._sources:
                # Whoosh's way for the merged segments too; their lengths
                # were not recorded, the new segment's per-doc files have them.
                for segment, basedoc, docmap in self._sources:
                    reader = SegmentReader(self.storage, self.schema, segment)
                    try:
                        self.add_postings_to_pool(reader, basedoc, docmap)
                    finally:
                        reader.close()
                lengths = pdr = self.per_document_reader() if self.codec.length_stats else None
            else:
                lengths = _Lengths(self._lengths) if self.codec.length_stats else None
            try:
                self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
            finally:
                if pdr is not None:
                    pdr.close()
        self.fieldwriter.close()

    def _merge_postings(self) -> None:
        """The buffer's postings and the merged segments', in one pass."""
        readers = []
        pdr = self.per_document_reader()
        try:
            sources = []
            for index, (segment, basedoc, docmap) in enumerate(self._sources):
                reader = SegmentReader(self.storage, self.schema, segment)
                readers.append(reader)
                sources.append(SegmentSource(reader, index, basedoc, docmap, self.codec._blocklimit))
            doccount = self.docnum

            def field_lengths(fieldname):
                return _length_column(pdr, fieldname, doccount).__getitem__

            codec = self.codec
            write_postings(self.fieldwriter, self.schema, self._buffer, codec._blocklimit, codec._compression,
                           sources=sources, field_lengths=field_lengths)
        finally:
            for reader in readers:
                reader.close()
            pdr.close()


class _FastSubWriterTask(mp.SubWriterTask):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent_pid = os.getpid()

    def run(self):
        # Runs in the child process. It holds the index's write lock it
        # inherited: it must not outlive a killed indexing run.
        worker_started(self.parent_pid)
        mp.SegmentWriter = FastSegmentWriter  # its sub-writer is a fast one
        super().run()

    def _process_file(self, filename, doc_count):
        """Whoosh's, with the job's near-copy signatures made together first:
        a document's ``nearcopy`` comes as its body text (writing.py)."""
        tempstorage = self.writer.temp_storage()
        with tempstorage.open_file(filename).raw_file() as f:
            docs = [pickle.load(f) for _ in range(doc_count)]
        sign_documents([fields for _, fields in docs])
        for code, fields in docs:
            assert code == 0
            self.writer.add_document(**fields)
        tempstorage.delete_file(filename)


def sign_documents(docs: list[dict]) -> None:
    """Each document's ``nearcopy`` text replaced by its signature record,
    all of them made in one batch (searcher.nearcopies.signatures)."""
    from searcher.nearcopies import NO_SIGNATURE, signatures

    texts = [(fields, fields["nearcopy"]) for fields in docs if isinstance(fields.get("nearcopy"), str)]
    for (fields, _), found in zip(texts, signatures([text for _, text in texts])):
        fields["nearcopy"] = found.record() if found is not None else NO_SIGNATURE


class SubWriterFailed(IndexWriteError):
    """A sub-writer of a multi-process commit died or failed: nothing of its
    batch was committed (the caller may write the batch again)."""


def _ended(task) -> str:
    code = task.exitcode
    if code is not None and code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"ended with exit status {code}"


class FastMpWriter(_DurableCommit, mp.MpWriter):
    """Whoosh's multi-process writer with fast sub-writers, one segment per
    process (``multisegment``: Whoosh 2.7.4 needs it with procs > 1).

    All or nothing: Whoosh's commit waited for each sub-writer's segment one
    second and committed without it, and joined them for ever (a sub-writer
    killed inside the job queue's get() leaves its lock taken, and its
    siblings wait on it for ever). Here every queue operation and join has a
    timeout, between which the sub-writers' exit statuses are checked; one
    that died or failed ends the others and raises SubWriterFailed before
    the table of contents is written.
    """

    def __init__(self, ix, procs: int, **kwargs):
        super().__init__(ix, procs=procs, multisegment=True, **kwargs)
        self._ix = ix
        self._merge_kwargs = {key: kwargs[key] for key in ("limitmb", "compound") if key in kwargs}

    def commit(self, mergetype=None, optimize=None, merge=None):
        """Whoosh's multi-process commit, without merging; then the merge the
        policy asks for (none for NO_MERGE, which the indexer passes: it
        merges in the background), in a FastSegmentWriter commit of its own
        (in this parent process Whoosh would merge through its slow add_reader)."""
        mergetype = mergetype if mergetype is not None else self.mergetype
        optimize = optimize if optimize is not None else self.optimize
        merge = merge if merge is not None else self.merge
        super().commit(mergetype=writing.NO_MERGE)
        if mergetype is not writing.NO_MERGE and (mergetype or optimize or merge):
            writer = FastSegmentWriter(self._ix, **self._merge_kwargs)
            writer.kept = self.kept
            try:
                writer.commit(mergetype=mergetype, optimize=optimize, merge=merge)
            except BaseException:
                if not writer.is_closed:
                    writer.cancel()
                raise

    def _new_task(self):
        task = _FastSubWriterTask(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                                  self.subargs, self.multisegment)
        self.tasks.append(task)
        # The fork shares this process's pages (the batch of articles among
        # them) until they are written; the child's garbage collector would
        # write to every object it inherits, copying them all, unless they
        # are frozen out of its reach (bench/README.md, Memory).
        gc.freeze()
        try:
            task.start()
        finally:
            gc.unfreeze()
        return task

    # -- every wait bounded, every sub-writer accounted for ------------------
    def _check_tasks(self) -> None:
        for task in self.tasks:
            if task.exitcode not in (None, 0):
                raise SubWriterFailed(f"a sub-writer of the commit (pid {task.pid}) {_ended(task)}; "
                                      "nothing of its batch was committed")

    def _put(self, item) -> None:
        while True:
            self._check_tasks()
            try:
                self.jobqueue.put(item, timeout=POLL_SECONDS)
                return
            except queue.Full:
                continue

    def _enqueue(self):
        # Whoosh's, with a bounded put (the queue stays full when its readers are dead).
        filename = "%s.doclist" % random_name()
        with self.temp_storage().create_file(filename).raw_file() as f:
            for item in self.docbuffer:
                pickle.dump(item, f, 2)
        if len(self.tasks) < self.procs:
            self._new_task()
        self._put((filename, len(self.docbuffer)))
        self.docbuffer = []

    def _results(self) -> list:
        """Each sub-writer's (run, fieldnames, segment), once all have ended well."""
        results: list[tuple[Any, Any, Any]] = []
        while len(results) < len(self.tasks):
            try:
                results.append(self.resultqueue.get(timeout=POLL_SECONDS))
                continue
            except queue.Empty:
                pass
            except (EOFError, OSError, pickle.UnpicklingError) as exc:
                raise SubWriterFailed(f"a sub-writer's result could not be read ({exc})") from exc
            self._check_tasks()
            if all(task.exitcode == 0 for task in self.tasks):
                try:  # all ended well: what they sent is in the pipe
                    results.append(self.resultqueue.get(timeout=5))
                except queue.Empty:
                    raise SubWriterFailed("a sub-writer of the commit ended without its segment; "
                                          "nothing of its batch was committed") from None
        for task in self.tasks:
            while task.exitcode is None:
                task.join(POLL_SECONDS)
                self._check_tasks()
        self._check_tasks()
        return results

    def _commit(self, mergetype, optimize, merge):
        try:
            if self.docbuffer:
                self._enqueue()
            for _ in self.tasks:
                self._put(None)
            finalsegments = self._merge_segments(mergetype, optimize, merge)
            results = self._results()
        except BaseException:
            self._abort()
            raise
        # Whoosh's multisegment ending: the sub-writers' segments as they are.
        finalsegments += [segment for _, _, segment in results]
        if self._added:
            finalsegments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(finalsegments)
        self._finish()

    def cancel(self):
        # Whoosh's only flags the parent's copies of the tasks: the
        # sub-writers went on waiting on the queue.
        self._abort()

    def _abort(self) -> None:
        """End the sub-writers, drop what they wrote, release the lock."""
        for task in self.tasks:
            if task.exitcode is None:
                task.kill()
        for task in self.tasks:
            task.join(5)
        for q in (self.jobqueue, self.resultqueue):
            q.cancel_join_thread()  # items no one will read must not keep this process alive
            q.close()
        if not self.is_closed:
            writing.SegmentWriter.cancel(self)
