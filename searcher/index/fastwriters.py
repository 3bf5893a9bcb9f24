"""Faster Whoosh segment writers (see fastfields.py for why and how).

Imported only when writing, so that searching does not load Whoosh's
writing and multiprocessing modules.
"""
from __future__ import annotations

import os

from ..proc import die_with_parent

from .whoosh_import import byte_to_length, length_to_byte
from .whoosh_import import multiproc as mp
from .whoosh_import import writing
from .fastfields import simple_postings
from .postings import POSTING_BYTES, PostingBuffer, write_postings


class _Lengths:
    """What the postings writer asks of a per-document reader: field lengths,
    quantised to a byte exactly as Whoosh stores them."""

    def __init__(self, lengths: dict[tuple[int, str], int]):
        self._lengths = lengths

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        return self._lengths.get((docnum, fieldname), default)

    def close(self) -> None:
        pass


class _RecordingPerDocWriter:
    """Wraps the per-document writer to note each field length as written."""

    def __init__(self, inner, lengths: dict[tuple[int, str], int]):
        self._inner = inner
        self._lengths = lengths
        self._docnum = -1

    def start_doc(self, docnum):
        self._docnum = docnum
        return self._inner.start_doc(docnum)

    def add_field(self, fieldname, fieldobj, value, length):
        if length:
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


class FastSegmentWriter(writing.SegmentWriter):
    """A SegmentWriter that keeps new documents' postings per term (see
    postings.py) and their field lengths in memory, and writes the posting
    blocks itself.

    Postings that reach Whoosh's pool by other ways (segments merged in by
    ``add_reader``) take Whoosh's path: the buffer is moved into the pool
    first, which also happens when the buffer outgrows ``limitmb``.
    """

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
                    terms = postings[fieldname] = {}
                    self.pool.fieldnames.add(fieldname)
                fast = getattr(field, "index_postings", None)
                counts = fast(value, terms, docnum, boost) if fast else None
                if counts is not None:
                    length = counts[0] if field.scorable else 0
                    added += counts[1]
                else:
                    scorable = field.scorable
                    items = simple_postings(field, value)
                    for tbytes, freq, weight, vbytes in field.index(value) if items is None else items:
                        if scorable:
                            length += freq
                        posting = (docnum, weight * boost, vbytes)
                        existing = terms.get(tbytes)
                        if existing is None:
                            terms[tbytes] = [posting]
                        else:
                            existing.append(posting)
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
        if self._buffer and self._own_blocks and not self._pool_used():
            codec = self.codec
            write_postings(self.fieldwriter, self.schema, self._buffer, codec._blocklimit, codec._compression)
        else:
            self._buffer.drain_into(self.pool)
            lengths = _Lengths(self._lengths) if self.codec.length_stats else None
            self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()


class _FastSubWriterTask(mp.SubWriterTask):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent_pid = os.getpid()

    def run(self):
        # Runs in the child process. It holds the index's write lock it
        # inherited: it must not outlive a killed indexing run.
        die_with_parent(self.parent_pid)
        mp.SegmentWriter = FastSegmentWriter  # its sub-writer is a fast one
        super().run()


class FastMpWriter(mp.MpWriter):
    """Whoosh's multi-process writer with fast sub-writers, one segment per
    process (``multisegment``: Whoosh 2.7.4 needs it with procs > 1)."""

    def __init__(self, ix, procs: int, **kwargs):
        super().__init__(ix, procs=procs, multisegment=True, **kwargs)

    def _new_task(self):
        task = _FastSubWriterTask(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                                  self.subargs, self.multisegment)
        self.tasks.append(task)
        task.start()
        return task
