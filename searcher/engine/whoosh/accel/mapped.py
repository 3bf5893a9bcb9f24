"""Index storage that reads segment files in place, without copying them.

Replaces: how ``whoosh.filedb.filestore.FileStorage`` opens the parts of a
compound segment (``.seg``): Whoosh maps the file, then wraps each part it
opens (terms, postings, columns) in a BufferFile whose BytesIO copies the
whole part; :class:`MappedStorage` hands out each part as a view of the
mapped file, read where it lies (the same bytes). Also ``rename_file``:
the table of contents, written under a temporary name, reaches the disk
before its name does.
Why: the copies cost every open time and the index's size in memory
(figures: bench/README.md, "Session 2" and "Scale").
Same answers as Whoosh: tests/test_fastread.py::test_rankings_scores_and_matches_are_whooshs
(an index opened through MappedStorage against Whoosh's FileStorage);
tests/test_startup.py::test_view_reads_like_a_file (the view against
BytesIO), ::test_mapped_storage_answers_as_whoosh_storage_does,
::test_writing_through_mapped_storage; the syncing: tests/test_durability.py.

Use ``MappedStorage(folder)`` wherever ``FileStorage(folder)`` opens an index.
"""
from __future__ import annotations

import mmap
import os
import weakref

from searcher.engine.whoosh.accel.imports import index as _whoosh_index  # noqa: F401  (Whoosh imported quietly first)

# isort: split
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile, StructFile

from searcher.durable import fsync_dir, fsync_enabled, fsync_path


class _View:
    """The file methods Whoosh's readers call (read, readline, peek,
    readinto, seek, tell, close), over a memoryview, without copying it."""

    __slots__ = ("_buf", "_len", "_pos", "closed")

    def __init__(self, buf: memoryview) -> None:
        self._buf = buf
        self._len = len(buf)
        self._pos = 0
        self.closed = False

    def _end(self, size) -> int:
        if size is None or size < 0:
            return max(self._len, self._pos)
        return max(min(self._pos + size, self._len), self._pos)

    def read(self, size=-1) -> bytes:
        # Whoosh reads term tables a few bytes at a time: keep this short.
        pos = self._pos
        if size is None or size < 0:
            end = self._len
        else:
            end = pos + size
            if end > self._len:
                end = self._len
        if end <= pos:
            return b""
        self._pos = end
        return self._buf[pos:end].tobytes()

    def readline(self, size=-1) -> bytes:
        start, end = self._pos, self._end(size)
        data = self._buf[start:end].tobytes()
        cut = data.find(b"\n")
        if cut >= 0:
            data = data[:cut + 1]
        self._pos = start + len(data)
        return data

    def peek(self, size: int = 1) -> bytes:
        """The bytes ahead, without moving: lets pickle.load read a pickle in a few calls."""
        return self._buf[self._pos:self._end(max(size, 1))].tobytes()

    def readinto(self, target) -> int:
        try:
            count = max(0, min(len(target), self._len - self._pos))
            target[:count] = self._buf[self._pos:self._pos + count]
            self._pos += count
            return count
        except BaseException:
            # ``target`` is the caller's buffer (pickle's bytearray): not to be
            # kept alive by this frame in a traceback after its owner is freed.
            del target
            raise

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 1:
            offset += self._pos
        elif whence == 2:
            offset += len(self._buf)
        if offset < 0:
            raise ValueError(f"negative seek position {offset}")
        self._pos = offset
        return offset

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self.closed = True


class _PartFile(BufferFile):
    """A BufferFile (``get`` reads from the buffer) whose stream reads the view too."""

    def __init__(self, buf: memoryview, name=None, onclose=None) -> None:
        self._buf = buf
        self._name = name
        self.file = _View(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False
        # StructFile's read/seek/tell only pass the call on to self.file.
        self.read, self.seek, self.tell = self.file.read, self.file.seek, self.file.tell


class _SegmentFile(StructFile):
    """A file opened from the index folder; asked for a part of itself (what
    a compound segment does), it maps itself once and hands out a view."""

    _map = None

    def subset(self, position, length, name=None):
        if self._map is None:
            try:
                self._map = mmap.mmap(self.file.fileno(), 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError):  # an empty file, no address space left: read it as Whoosh does
                return StructFile.subset(self, position, length, name=name)
        return _PartFile(memoryview(self._map)[position:position + length], name=name or self._name)

    def release_pages(self) -> None:
        """Unmap the pages read so far from this process (they stay in the
        page cache, and are read back from there when touched again)."""
        mapped = self._map  # read once: another thread may close this file
        if mapped is not None and hasattr(mmap, "MADV_DONTNEED"):
            try:
                mapped.madvise(mmap.MADV_DONTNEED)
            except (OSError, ValueError):  # closed meanwhile: nothing to release
                pass

    def close(self) -> None:
        super().close()
        if self._map is not None:
            try:
                self._map.close()
            except BufferError:  # a part is still referenced: the map closes when it goes
                pass
            self._map = None


class MappedStorage(FileStorage):
    """FileStorage whose compound segments are read in place (see the module docstring)."""

    def __init__(self, path, readonly: bool = False, debug: bool = False) -> None:
        # Not Whoosh's own mapping (it copies each part); CompoundStorage then
        # asks the segment file for its parts, and ours maps without copying.
        super().__init__(path, supports_mmap=False, readonly=readonly, debug=debug)
        self._opened: weakref.WeakSet = weakref.WeakSet()

    def open_file(self, name, **kwargs):
        opened = _SegmentFile(open(self._fpath(name), "rb"), name=name, **kwargs)
        self._opened.add(opened)
        return opened

    def release_pages(self) -> None:
        """Let go of the mapped pages of every file opened here (see
        _SegmentFile.release_pages): a merge reads each source once, and
        those pages would otherwise count as its memory until it ends."""
        try:
            opened = list(self._opened)
        except RuntimeError:  # a file was opened meanwhile: next time
            return
        for segment_file in opened:
            segment_file.release_pages()

    def rename_file(self, oldname, newname, safe=False):
        # Whoosh renames only its table of contents into place (written to a
        # temporary name first): its bytes reach the disk before its name.
        if fsync_enabled():
            fsync_path(self._fpath(oldname))
        super().rename_file(oldname, newname, safe=safe)
        if fsync_enabled():
            fsync_dir(self.folder)


def sync_new_segments(storage, old: set, segments) -> None:
    """fsync the files of the segments a commit adds (those whose ids are not
    in ``old``), then the folder: called before the commit writes the table
    of contents that names them."""
    if not fsync_enabled():
        return
    for segment in segments:
        if segment.segment_id() not in old:
            for name in segment.list_files(storage):
                fsync_path(os.path.join(storage.folder, name))
    fsync_dir(storage.folder)
