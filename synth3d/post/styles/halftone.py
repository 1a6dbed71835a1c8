"""Halftone: the picture printed as dots on rotated screens.

Each screen is a square grid of cells ``cell`` px wide, turned by its angle. A cell holds one dot,
centred in the cell, whose area is the cell's mean ink coverage (the ink is averaged over about a
cell around the centre); dots larger than the cell's inscribed circle are clipped by the cell's
square, so coverage runs all the way to solid ink. Edges are anti-aliased from the exact distance
of each pixel to its cell centre (vectorised, no per-dot loop).

``mono``: black ink on white, coverage = 1 − lightness, one screen at ``angle_deg``.
``cmyk``: cyan, magenta, yellow and black separations (full grey-component replacement: black
takes the common part of C, M, Y) on the classic screen angles — black at ``angle_deg``, cyan and
magenta 30° either side of it, yellow 45° from it — overprinted subtractively.
The pass has no randomness.
"""

from __future__ import annotations

import cv2
import numpy as np

from ...template.style_params.halftone import NAME, USES_NORMALS, Params  # noqa: F401
from .base import GBuffers, StyleResult


def _radius_table(n: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """Coverage of a unit cell by a centred disc clipped to the cell, for radii 0..√2/2."""
    r = np.linspace(0.0, np.sqrt(0.5), n)
    area = np.pi * r**2
    big = r > 0.5
    rb = r[big]
    # Remove the four circular segments that stick out of the cell's sides.
    seg = rb**2 * np.arccos(0.5 / rb) - 0.5 * np.sqrt(rb**2 - 0.25)
    area[big] -= 4 * seg
    return np.minimum(area, 1.0), r


_AREA, _R = _radius_table()


def screen(ink: np.ndarray, cell: float, angle_deg: float) -> np.ndarray:
    """Halftone one separation: ink coverage (H, W) 0..1 → dot coverage (H, W) 0..1."""
    H, W = ink.shape
    th = np.deg2rad(angle_deg)
    c, s = np.float32(np.cos(th)), np.float32(np.sin(th))
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    u = c * x + s * y
    v = -s * x + c * y
    cu = (np.floor(u / cell) + 0.5) * cell
    cv_ = (np.floor(v / cell) + 0.5) * cell
    du, dv = u - cu, v - cv_
    d = np.sqrt(du * du + dv * dv)
    # Cell centre back in image coordinates; the cell's ink is read there from the ink averaged
    # over about one cell (a Gaussian with a cell-wide box's spread).
    mx = c * cu - s * cv_
    my = s * cu + c * cv_
    mean = cv2.GaussianBlur(ink.astype(np.float32), (0, 0), cell / np.sqrt(12.0))
    cov = cv2.remap(mean, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    r = np.interp(np.clip(cov, 0.0, 1.0), _AREA, _R).astype(np.float32) * cell
    return np.clip(r - d + 0.5, 0.0, 1.0)


def apply(img: np.ndarray, g: GBuffers, p: Params, rng: np.random.Generator) -> StyleResult:
    img = np.clip(np.asarray(img, np.float32), 0.0, 1.0)
    if p.mode == "mono":
        lum = 0.299 * img[..., 0] + 0.587 * img[..., 1] + 0.114 * img[..., 2]
        dots = screen(1.0 - lum, p.cell, p.angle_deg)
        out = np.repeat((1.0 - dots)[..., None], 3, axis=2)
        return StyleResult(out.astype(np.float32))
    cmy = 1.0 - img
    k = cmy.min(axis=2)
    cmy = (cmy - k[..., None]) / np.maximum(1.0 - k, 1e-6)[..., None]
    a = p.angle_deg
    kd = screen(k, p.cell, a)
    out = np.empty_like(img)
    for ch, ang in ((0, a - 30.0), (1, a + 30.0), (2, a - 45.0)):  # C, M, Y
        out[..., ch] = 1.0 - screen(cmy[..., ch], p.cell, ang)
    out *= (1.0 - kd)[..., None]
    return StyleResult(out.astype(np.float32))
