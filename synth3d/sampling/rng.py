"""Random streams: the only source of randomness in synth3d.

Every draw comes from a generator derived from ``(root seed, frame index, stream name)``, so frame
*i* is the same whatever the frame count, shard or worker layout, and adding a draw to one stream
never shifts another.
"""

from __future__ import annotations

import zlib

import numpy as np


def stable_hash(name: str) -> int:
    """A 32-bit hash of ``name`` that is the same in every process and Python version."""
    return zlib.crc32(name.encode("utf-8"))


def stream(seed: int, index: int, name: str) -> np.random.Generator:
    """The generator for one concern (``camera``, ``objects/mugs``, ...) of one frame."""
    ss = np.random.SeedSequence(int(seed), spawn_key=(int(index), stable_hash(name)))
    return np.random.Generator(np.random.PCG64(ss))
