"""Index storage that reads segment files in place, without copying them.

Replaces: how ``whoosh.filedb.filestore.FileStorage`` opens the parts of a
compound segment (``.seg``): Whoosh maps the file, then wraps each part it
opens (terms, postings, columns) in a BufferFile whose BytesIO copies the
whole part; :class:`MappedStorage` hands out each part as a view of the
mapped file, read where it lies (the same bytes). Also ``rename_file``:
the table of contents, written under a temporary name, reaches the disk
before its name does. And every file it opens reads at a position of each
thread's own (positional reads: ``os.pread``, or a view's offset), so that
one reader can serve many threads: Whoosh's readers seek, then read.
Why: the copies cost every open time and the index's size in memory
(figures: bench/README.md, "Session 2" and "Scale"); a shared position let
one thread's seek move another's read (issue 21: UnpicklingError, EOFError
on an intact index).
Same answers as Whoosh: tests/test_fastread.py::test_rankings_scores_and_matches_are_whooshs
(an index opened through MappedStorage against Whoosh's FileStorage);
tests/test_startup.py::test_view_reads_like_a_file (the view against
BytesIO), ::test_mapped_storage_answers_as_whoosh_storage_does,
::test_writing_through_mapped_storage; the syncing: tests/test_durability.py;
threads sharing one reader: tests/test_threads.py.

Use ``MappedStorage(folder)`` wherever ``FileStorage(folder)`` opens an index.
"""
from __future__ import annotations

import mmap
import os
import threading
import weakref

from searcher.engine.whoosh.accel.imports import index as _whoosh_index  # noqa: F401  (Whoosh imported quietly first)

# isort: split
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile, StructFile

from searcher.durable import fsync_dir, fsync_enabled, fsync_path


class _Here(threading.local):
    """A read position, each thread's own."""

    at = 0


class _View:
    """The file methods Whoosh's readers call (read, readline, peek,
    readinto, seek, tell, close), over a memoryview, without copying it;
    each thread reads at its own position."""

    __slots__ = ("_buf", "_len", "_here", "closed")

    def __init__(self, buf: memoryview) -> None:
        self._buf = buf
        self._len = len(buf)
        self._here = _Here()
        self.closed = False

    def _end(self, pos: int, size) -> int:
        if size is None or size < 0:
            return max(self._len, pos)
        return max(min(pos + size, self._len), pos)

    def read(self, size=-1) -> bytes:
        # Whoosh reads term tables a few bytes at a time: keep this short.
        here = self._here
        pos = here.at
        if size is None or size < 0:
            end = self._len
        else:
            end = pos + size
            if end > self._len:
                end = self._len
        if end <= pos:
            return b""
        here.at = end
        return self._buf[pos:end].tobytes()

    def readline(self, size=-1) -> bytes:
        here = self._here
        start = here.at
        data = self._buf[start:self._end(start, size)].tobytes()
        cut = data.find(b"\n")
        if cut >= 0:
            data = data[:cut + 1]
        here.at = start + len(data)
        return data

    def peek(self, size: int = 1) -> bytes:
        """The bytes ahead, without moving: lets pickle.load read a pickle in a few calls."""
        pos = self._here.at
        return self._buf[pos:self._end(pos, max(size, 1))].tobytes()

    def readinto(self, target) -> int:
        try:
            here = self._here
            pos = here.at
            count = max(0, min(len(target), self._len - pos))
            target[:count] = self._buf[pos:pos + count]
            here.at = pos + count
            return count
        except BaseException:
            # ``target`` is the caller's buffer (pickle's bytearray): not to be
            # kept alive by this frame in a traceback after its owner is freed.
            del target
            raise

    def seek(self, offset: int, whence: int = 0) -> int:
        here = self._here
        if whence == 1:
            offset += here.at
        elif whence == 2:
            offset += len(self._buf)
        if offset < 0:
            raise ValueError(f"negative seek position {offset}")
        here.at = offset
        return offset

    def tell(self) -> int:
        return self._here.at

    def close(self) -> None:
        self.closed = True


_PEEK = 8192  # what a BufferedReader's peek gives at most: pickle.load asks for 128 KB


class _FileAt:
    """The same file methods over a file opened for reading (or ``length``
    bytes of it from ``start``), read with os.pread at each thread's own
    position: the file's own offset is never moved."""

    def __init__(self, raw, start: int = 0, length=None, owner: bool = True) -> None:
        self._raw = raw
        self._fd = raw.fileno()
        self._start = start
        self._length = length  # None: to the end of the file, whatever it is when read
        self._owner = owner  # closing closes the file (a part of it leaves that to the whole)
        self._here = _Here()
        self._lock = None if hasattr(os, "pread") else threading.Lock()

    @property
    def closed(self) -> bool:
        return self._raw.closed

    def _size(self) -> int:
        return self._length if self._length is not None else os.fstat(self._fd).st_size - self._start

    def _at(self, pos: int, size) -> bytes:
        if size is None or size < 0:
            size = self._size() - pos
        elif self._length is not None:
            size = min(size, self._length - pos)
        if size <= 0:
            return b""
        if self._lock is not None:  # no os.pread (Windows): seek and read as one step
            with self._lock:
                self._raw.seek(self._start + pos)
                return self._raw.read(size)
        data = os.pread(self._fd, size, self._start + pos)
        while 0 < len(data) < size:  # short only at the end, or interrupted
            more = os.pread(self._fd, size - len(data), self._start + pos + len(data))
            if not more:
                break
            data += more
        return data

    def read(self, size=-1) -> bytes:
        here = self._here
        data = self._at(here.at, size)
        here.at += len(data)
        return data

    def readline(self, size=-1) -> bytes:
        here = self._here
        line = b""
        while size is None or size < 0 or len(line) < size:
            chunk = self._at(here.at + len(line), 256 if size is None or size < 0 else min(256, size - len(line)))
            cut = chunk.find(b"\n")
            line += chunk if cut < 0 else chunk[:cut + 1]
            if not chunk or cut >= 0:
                break
        here.at += len(line)
        return line

    def peek(self, size: int = 1) -> bytes:
        return self._at(self._here.at, min(max(size, 1), _PEEK))

    def readinto(self, target) -> int:
        data = self.read(len(target))
        target[:len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 1:
            offset += self._here.at
        elif whence == 2:
            offset += self._size()
        if offset < 0:
            raise ValueError(f"negative seek position {offset}")
        self._here.at = offset
        return offset

    def tell(self) -> int:
        return self._here.at

    def fileno(self) -> int:
        return self._fd

    def __iter__(self):
        return iter(self.readline, b"")

    def __enter__(self) -> "_FileAt":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._owner:
            self._raw.close()


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
    """A file opened from the index folder, read positionally (_FileAt);
    asked for a part of itself (what a compound segment does), it maps
    itself once and hands out a view."""

    _map = None

    def __init__(self, raw, name=None, onclose=None) -> None:
        super().__init__(_FileAt(raw), name=name, onclose=onclose)
        self._mapping = threading.Lock()

    def subset(self, position, length, name=None):
        with self._mapping:  # two threads opening parts at once map the file once
            if self._map is None:
                try:
                    self._map = mmap.mmap(self.file.fileno(), 0, access=mmap.ACCESS_READ)
                except (OSError, ValueError):  # an empty file, no address space left: read it as a file
                    return StructFile(_FileAt(self.file._raw, position, length, owner=False),
                                      name=name or self._name)
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
