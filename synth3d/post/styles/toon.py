"""Toon: cel shading in flat bands of lightness, with outlines from the G-buffers.

The picture is optionally flattened first with an edge-preserving bilateral filter, then its
lightness (CIE L*, a perceptual scale, so the bands look evenly spaced) is quantised to ``levels``
bands while a* and b* — hue and chroma — are kept. Band steps are anti-aliased over a small
fraction of a band. Outlines are drawn along the occluding contours of the geometry (another
object or a depth jump; optionally creases too) with an anti-aliased width of ``outline_px``.
The pass has no randomness.
"""

from __future__ import annotations

import cv2
import numpy as np

from synth3d.annotate.contours import contour_map

from ...template.style_params.toon import NAME, USES_NORMALS, Params, _Unit  # noqa: F401
from .base import GBuffers, StyleResult


def _stair(x: np.ndarray, soft: float = 0.08) -> np.ndarray:
    """floor(x) with each step spread linearly over the last ``soft`` of the interval."""
    f = np.floor(x)
    return f + np.clip((x - f - (1.0 - soft)) / soft, 0.0, 1.0)


def outline_alpha(mask: np.ndarray, width: float) -> np.ndarray:
    """Anti-aliased coverage (0..1) of a line of ``width`` px centred on the mask's pixels."""
    if width <= 0 or not mask.any():
        return np.zeros(mask.shape, np.float32)
    dist = cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return np.clip(width / 2 + 0.5 - dist, 0.0, 1.0).astype(np.float32)


def apply(img: np.ndarray, g: GBuffers, p: Params, rng: np.random.Generator) -> StyleResult:
    img = np.clip(np.asarray(img, np.float32), 0.0, 1.0)
    if p.smooth:
        img = cv2.bilateralFilter(img, 7, 0.1, 3.0)
        img = cv2.bilateralFilter(img, 7, 0.1, 3.0)
    lab = cv2.cvtColor(img, cv2.COLOR_RGB2Lab)  # L* 0..100
    n = p.levels
    # Bands of equal width in L*; each band takes its middle value (tone is kept on average).
    q = np.clip(_stair(lab[..., 0] / 100.0 * n), 0, n - 1)
    lab[..., 0] = (q + 0.5) * (100.0 / n)
    out = np.clip(cv2.cvtColor(lab, cv2.COLOR_Lab2RGB), 0.0, 1.0)

    if p.outline_px > 0:
        normals = g.normals() if p.creases else None
        edges = contour_map(g.depth_m, g.instance, normals, 45.0)
        a = outline_alpha(edges != 0, p.outline_px)[..., None]
        out = out * (1.0 - a) + np.asarray(p.outline_color, np.float32) * a
    return StyleResult(out.astype(np.float32))
