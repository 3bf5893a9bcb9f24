"""A writing process's buffered postings, 16 bytes each instead of a tuple.

Replaces: ``fields[fieldname][term bytes] = [(docnum, weight, value), ...]``
in FastSegmentWriter (writers.py), ~95 bytes a posting (a tuple, its list
slot, the value's bytes object) plus a list per term.
Layout: per field (``FieldPostings``), term bytes -> the term's postings as
fixed records ``<IdI`` (document number, weight as a double, value
reference) in one bytearray (a bytes object while the term has one
posting). The reference's low two bits say what the value is:
``_SINGLE``: the one-position encoding ``analysis._encoded`` shares
(payload: the position); ``_INLINE``: bytes kept in the field's ``data``
(payload: their index in ``ends``); ``_CONSTANT``: None or b""; ``_KEPT``:
the object itself, in ``objects`` (anything else).
Why the value objects come back as the same objects: pickle memoizes an
object met twice, so a block holding the shared one-position encoding twice
pickles differently from one holding two equal copies; a shared value is
given back shared, any other as a new bytes object (as analysis made it).
Figures: bench/posting_memory.py. Same files as the tuples wrote:
tests/test_posting_buffer.py.
"""
from __future__ import annotations

import struct
from array import array
from typing import Iterator, Optional, Sequence, Union

import numpy as np

from searcher.engine.whoosh.accel.analysis import _SINGLE_POSITIONS, _encode_positions, _encoded

# Bytes a buffered posting costs (tracemalloc, bench/posting_memory.py:
# its record, its value's bytes, a share of its term's key and container):
# decides when the buffer moves to Whoosh's spilling pool.
POSTING_BYTES = 34

_RECORD = struct.Struct("<IdI")
_SIZE = _RECORD.size
_DTYPE = np.dtype([("docnum", "<u4"), ("weight", "<f8"), ("ref", "<u4")])
_NUMPY_FROM = 24  # postings of a term from which numpy decodes its records (measured crossover)
_INLINE, _SINGLE, _CONSTANT, _KEPT = 0, 1, 2, 3
_NONE, _EMPTY = _CONSTANT, 1 << 2 | _CONSTANT
_PAYLOAD = 1 << 30  # a reference's other 30 bits
_LIMIT = _PAYLOAD  # positions and inline values past it are kept as objects (tests lower it)

# One term's records: bytes for one posting, a bytearray past it.
Records = Union[bytes, bytearray]


def _append(terms: dict, key: bytes, record: bytes) -> None:
    """One record after the term's others (bytes while it is the only one)."""
    found = terms.get(key)
    if found is None:
        terms[key] = record
    elif type(found) is bytes:
        terms[key] = bytearray(found) + record
    else:
        found += record


class FieldPostings:
    """One field's buffered postings: ``terms`` (term bytes -> records in
    document-number order) and the values the records refer to."""

    __slots__ = ("terms", "data", "ends", "objects")

    def __init__(self) -> None:
        self.terms: dict[bytes, Records] = {}
        self.data: Union[bytearray, bytes] = bytearray()  # bytes once read (_frozen)
        self.ends = array("q")  # end of each inline value in data
        self.objects: list = []

    def add(self, tbytes: bytes, docnum: int, weight: float, value) -> None:
        """One posting (``value``: bytes made for it, None or b"")."""
        if value is None:
            ref = _NONE
        elif type(value) is bytes and len(value) > 1:
            ref = self._inline(value)
        elif type(value) is bytes and not value:
            ref = _EMPTY
        else:
            ref = self._kept(value)  # a 1-byte value may be CPython's shared one
        _append(self.terms, tbytes, _RECORD.pack(docnum, weight, ref))

    def add_positions(self, docnum: int, positions: dict[str, list[int]], field_boost: float,
                      boost: float) -> tuple[int, int]:
        """``FastText.index_postings``' postings: each term's weight
        (occurrences * field boost * boost) and encoded positions; returns
        (field length, postings added)."""
        terms = self.terms
        pack = _RECORD.pack
        data = self._thawed()
        ends = self.ends
        length = 0
        for term, poslist in positions.items():
            count = len(poslist)
            length += count
            if count == 1 and poslist[0] < _LIMIT:
                ref = poslist[0] << 2 | _SINGLE
            elif count == 1:
                ref = self._kept(_encoded(poslist))
            elif len(ends) < _LIMIT:
                ref = len(ends) << 2  # _INLINE
                data += _encode_positions(poslist)
                ends.append(len(data))
            else:
                ref = self._kept(_encode_positions(poslist))
            _append(terms, term.encode("utf-8"), pack(docnum, count * field_boost * boost, ref))
        return length, len(positions)

    def _inline(self, value: bytes) -> int:
        ends = self.ends
        if len(ends) >= _LIMIT:
            return self._kept(value)
        ref = len(ends) << 2
        data = self._thawed()
        data += value
        ends.append(len(data))
        return ref

    def _thawed(self) -> bytearray:
        data = self.data
        if type(data) is not bytearray:
            data = self.data = bytearray(data)
        return data

    def _kept(self, value) -> int:
        objects = self.objects
        if len(objects) >= _PAYLOAD:
            raise OverflowError("more than 2**30 buffered values kept as objects")
        objects.append(value)
        return (len(objects) - 1) << 2 | _KEPT

    def postings(self, records: Records, with_values: bool = True
                 ) -> tuple[Sequence[int], Sequence[float], Optional[list]]:
        """(document numbers, weights, values or None) of one term's records;
        the values the objects they were added as (see the module notes)."""
        count = len(records) // _SIZE
        if count == 1:
            docnum, weight, ref = _RECORD.unpack(records)
            return (docnum,), (weight,), [self._value(ref, self._frozen())] if with_values else None
        if count < _NUMPY_FROM:
            ids, weights, refs = zip(*_RECORD.iter_unpack(records))
        else:
            table = np.frombuffer(records, dtype=_DTYPE)
            ids, weights, refs = table["docnum"].tolist(), table["weight"].tolist(), table["ref"].tolist()
        if not with_values:
            return ids, weights, None
        single, value, data = _SINGLE_POSITIONS.get, self._value, self._frozen()
        values = [single(ref >> 2) if ref & 3 == _SINGLE else value(ref, data) for ref in refs]
        if None in values:  # one-position encodings not made yet (or None values)
            values = [found if found is not None else value(ref, data) for found, ref in zip(values, refs)]
        return ids, weights, values

    def _frozen(self) -> bytes:
        """The inline values' bytes as a bytes object (slices of it are bytes),
        from the first read on; a later add thaws it."""
        data = self.data
        if type(data) is not bytes:
            data = self.data = bytes(data)
        return data

    def _value(self, ref: int, data) -> Optional[bytes]:
        tag = ref & 3
        if tag == _SINGLE:
            found = _SINGLE_POSITIONS.get(ref >> 2)
            return found if found is not None else _encoded([ref >> 2])  # the shared object
        if tag == _INLINE:
            index = ref >> 2
            ends = self.ends
            return data[ends[index - 1] if index else 0:ends[index]]
        if tag == _KEPT:
            return self.objects[ref >> 2]
        return None if ref == _NONE else b""


class PostingBuffer:
    """field name -> its buffered postings (FieldPostings), plus each
    document's quantised field length."""

    def __init__(self) -> None:
        self.fields: dict[str, FieldPostings] = {}
        self.lengths: dict[str, dict[int, int]] = {}
        self.count = 0

    def __bool__(self) -> bool:
        return self.count > 0

    def drain_into(self, pool) -> None:
        """Move every posting into a Whoosh PostingPool (which sorts and, past
        its memory limit, spills to disk); lengths stay for the writer.
        Terms leave the buffer as they go in (the pool sorts them anyway)."""
        add = pool.add
        for fieldname, field in self.fields.items():
            terms = field.terms
            while terms:
                btext, records = terms.popitem()
                ids, weights, values = field.postings(records)
                assert values is not None
                for docnum, weight, value in zip(ids, weights, values):
                    add((fieldname, btext, docnum, weight, value))
        self.fields.clear()
        self.count = 0


def term_postings(field: Optional[FieldPostings]) -> Iterator[tuple[bytes, Records]]:
    """(term bytes, records) of a field's buffered terms in term order."""
    if field is None:
        return
    terms = field.terms
    for btext in sorted(terms):
        yield btext, terms[btext]
