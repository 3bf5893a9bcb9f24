"""Reading posting lists: Whoosh's W3 reader with a skip that bisects.

Replaces: ``whoosh.codec.whoosh3.W3LeafMatcher.skip_to`` (BisectLeafMatcher,
through BisectCodec's ``postings_reader``), in readers opened by
accel/snapshot.py only, on copies of the segment records: the files are
Whoosh's, and nothing of this codec is ever written into a table of contents.
Why: every conjunction, phrase and NEAR moves its posting lists with
``skip_to``; Whoosh steps through a block one posting at a time (two
Python calls a posting), while the block's ids are a sorted tuple that
``bisect`` searches in one C call (figures: bench/README.md, "Skipping
inside a posting block").
Same answers as Whoosh: tests/test_fastread.py::test_rankings_scores_and_matches_are_whooshs,
::test_skip_to_lands_where_whooshs_does, ::test_a_table_of_contents_written_later_names_whooshs_codec.
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
