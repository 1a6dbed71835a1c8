"""``output.split``: train / val / test fractions of a template's frames."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator


def _check(v: dict[str, float]) -> dict[str, float]:
    if not v:
        raise ValueError("needs at least one split, e.g. {train: 0.9, val: 0.1}")
    if any(x <= 0 for x in v.values()):
        raise ValueError("fractions must be > 0")
    if abs(sum(v.values()) - 1.0) > 1e-6:
        raise ValueError(f"fractions must sum to 1 (sum to {sum(v.values()):.6g})")
    return v


SplitFractions = Annotated[dict[Literal["train", "val", "test"], float], AfterValidator(_check)]
"""Split name → fraction of the frames (each > 0, summing to 1)."""
