"""Lazy frame lists: a run of 10¹² frames must not build a list of 10¹² indices.

:class:`PendingFrames` is the frames of a run not yet done (a range minus a set, never
materialised); :class:`ChunkQueue` hands them out to workers in chunks, drawn as needed, with
retried chunks served first.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice


class PendingFrames:
    """The indices of ``frames`` (a ``range``) that are not in ``done``, in order, lazily.

    ``len()`` is exact and costs O(len(done)); iteration yields the indices one by one."""

    def __init__(self, frames: range, done: Iterable[int] = ()):
        self.frames = frames
        self.done = {i for i in done if i in frames}  # `in` on a range is O(1)

    def __len__(self) -> int:
        return len(self.frames) - len(self.done)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Iterator[int]:
        if not self.done:
            return iter(self.frames)
        done = self.done
        return (i for i in self.frames if i not in done)

    def __repr__(self) -> str:
        return f"PendingFrames({self.frames!r}, {len(self.done)} done)"


class ChunkQueue:
    """A deque of ``(chunk, tries)`` items over ``indices`` cut into chunks of ``size``: new
    chunks are cut only when taken, and chunks put back (``appendleft``, a retry) come first.
    Supports what the executors use of a deque: ``popleft``, ``appendleft``, ``clear``,
    ``len`` and truth."""

    def __init__(self, indices, size: int):
        self.size = max(1, int(size))
        self._left = len(indices)
        self._it = iter(indices)
        self._front: deque = deque()

    def popleft(self):
        if self._front:
            return self._front.popleft()
        chunk = list(islice(self._it, self.size))
        if not chunk:
            raise IndexError("pop from an empty ChunkQueue")
        self._left -= len(chunk)
        return chunk, 0

    def appendleft(self, item) -> None:
        self._front.appendleft(item)

    def clear(self) -> None:
        self._front.clear()
        self._left = 0
        self._it = iter(())

    def __len__(self) -> int:
        return len(self._front) + -(-self._left // self.size)

    def __bool__(self) -> bool:
        return len(self) > 0
