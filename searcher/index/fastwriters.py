"""Faster Whoosh segment writers (see fastfields.py for why and how).

Imported only when writing, so that searching does not load Whoosh's
writing and multiprocessing modules.
"""
from __future__ import annotations

from .whoosh_import import byte_to_length, length_to_byte
from .whoosh_import import multiproc as mp
from .whoosh_import import writing


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
    """A SegmentWriter that remembers field lengths instead of re-reading them."""

    def __init__(self, ix, limitmb: int = 128, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = _FastPostingPool(self._tempstorage, self.newsegment, limitmb=limitmb)
        self._lengths: dict[tuple[int, str], int] = {}
        self.perdocwriter = _RecordingPerDocWriter(self.perdocwriter, self._lengths)

    def _flush_segment(self):
        self.perdocwriter.close()
        lengths = _Lengths(self._lengths) if self.codec.length_stats else None
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()


class _FastSubWriterTask(mp.SubWriterTask):
    def run(self):
        # Runs in the child process: its sub-writer is a FastSegmentWriter.
        mp.SegmentWriter = FastSegmentWriter
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
