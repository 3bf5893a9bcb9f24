"""Reading posting lists: Whoosh's W3 reader with a skip that jumps.

Every conjunction, phrase and NEAR moves its posting lists forward with
``skip_to(docnum)``. Whoosh 2.7.4's W3LeafMatcher skips whole blocks by
their last document, then steps through the block one posting at a time
(``id()``, ``next()``: two Python calls a posting). Its ids are a sorted
tuple, so ``bisect`` finds the same place in one C call: on a 100k-article
archive an AND of a common and a rarer word spent a third of its time in
that loop.

The files are Whoosh's, unchanged; only readers opened by ``store.py``
(``SnapshotIndex``) use this codec, on copies of the segment records, so
nothing of it is ever written into a table of contents.
"""
from __future__ import annotations

import copy
from bisect import bisect_left

from searcher.engine.whoosh.accel.imports import matching, whoosh3


class BisectLeafMatcher(whoosh3.W3LeafMatcher):
    """W3LeafMatcher whose ``skip_to`` bisects inside the block (same result)."""

    def skip_to(self, targetid):
        if not self.is_active():
            raise matching.ReadTooFar
        if targetid <= self.id():
            return
        if targetid > self._maxid:
            self._skip_to_block(lambda: targetid > self._maxid)
            if not self.is_active():
                return
            if self._ids is None:
                self._read_ids()
        # The block's last id is its _maxid >= targetid: the place is inside it.
        self._i = bisect_left(self._ids, targetid, self._i)


class BisectCodec(whoosh3.W3Codec):
    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()  # as W3Codec.postings_reader does
        return BisectLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


def reading_copy(segment):
    """A copy of a segment record whose readers use BisectCodec; the record
    itself (which a writer may pickle into a table of contents) is untouched."""
    codec = segment.codec()
    if type(codec) is not whoosh3.W3Codec:
        return segment
    fast = BisectCodec.__new__(BisectCodec)
    fast.__dict__.update(codec.__dict__)
    clone = copy.copy(segment)
    clone._codec = fast
    return clone
