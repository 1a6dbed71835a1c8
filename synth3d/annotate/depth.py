"""Depth encoding for the depth PNGs."""

from __future__ import annotations

import numpy as np


def depth_to_png16(depth_m: np.ndarray, depth_scale: float) -> np.ndarray:
    """Metres → uint16 with ``value × depth_scale = millimetres``; 0 stays 0 (no hit), values past
    the range saturate at 65535, and a hit never rounds down to 0."""
    mm = depth_m.astype(np.float64) * (1000.0 / depth_scale)
    out = np.clip(np.round(mm), 0, 65535).astype(np.uint16)
    out[(depth_m > 0) & (out == 0)] = 1
    return out
