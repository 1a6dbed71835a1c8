"""The split (train / val / test) of a frame, drawn from its own stream.

A frame's split depends only on (seed, frame index) and the template's fractions, so it is the
same for any frame count, worker count, shard layout or resume, and adding the option never
shifts another stream.
"""

from __future__ import annotations

from .rng import stream


def draw_split(fractions: dict[str, float] | None, seed: int, index: int) -> str | None:
    """The split of frame ``index`` (None when the template does not split)."""
    if not fractions:
        return None
    u = float(stream(seed, index, "split").random())
    acc = 0.0
    names = list(fractions)
    for name in names:
        acc += fractions[name]
        if u < acc:
            return name
    return names[-1]  # u within rounding of 1
