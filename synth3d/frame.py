"""The renderer's output: G-buffers of one frame."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Frame:
    """G-buffers of one rendered frame (row 0 is the top of the image).

    Attributes
    ----------
    rgb : (H, W, 3) float32
        Linear radiance, premultiplied by ``alpha`` (no background, no exposure, no tonemap).
    alpha : (H, W) float32
        Coverage of rendered geometry in 0..1 (antialiased).
    depth_m : (H, W) float32
        Depth along the optical axis at the pixel centre, metres; 0 where nothing was hit.
    instance : (H, W) uint16
        Instance id at the pixel centre; 0 is background (and backdrops), objects are 1..N.
    """

    rgb: np.ndarray
    alpha: np.ndarray
    depth_m: np.ndarray
    instance: np.ndarray

    @property
    def height(self) -> int:
        return self.depth_m.shape[0]

    @property
    def width(self) -> int:
        return self.depth_m.shape[1]
