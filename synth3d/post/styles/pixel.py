"""Pixel art: big square pixels in a small palette.

The frame is reduced to blocks of ``pixel_size`` × ``pixel_size`` (each block the exact mean of
its pixels; blocks are aligned at the top-left corner, the last row/column of blocks may be
narrower when the size does not divide the image), the small image is mapped to a palette,
optionally dithered, and blown back up by repeating each block, so the output has exactly the
input's size.

Palettes: ``adaptive`` (``colors`` colours found by k-means in CIE L*a*b* on the small image,
seeded from the pass's rng by k-means++), ``pico8`` (the PICO-8 fantasy console's fixed 16
colours, nearest in L*a*b*), ``gameboy`` (the original Game Boy's four greens) and ``grayscale``
(``colors`` greys). ``gameboy`` and ``grayscale`` are tone palettes: the lightness is cut into
equal steps, darkest step → darkest colour (for ``gameboy`` after stretching the frame's 2–98 %
lightness range over the four shades). ``colors`` applies to ``adaptive`` and ``grayscale``.

Dithering works on the small image: ``bayer`` (ordered, 4×4 threshold matrix) or ``floyd``
(Floyd–Steinberg error diffusion, run exactly, wavefront by wavefront: all pixels with the same
2·row + column are independent).

Labels stay valid only to within a block: an object edge inside a block takes that block's colour,
so edges move by up to ``pixel_size`` − 1 pixels (never beyond the block that holds them). The
content as a whole does not move.
"""

from __future__ import annotations

import cv2
import numpy as np

from ...template.style_params.pixel import NAME, USES_NORMALS, Params  # noqa: F401
from .base import GBuffers, StyleResult

PALETTES = {
    # PICO-8's fixed palette (16 colours).
    "pico8": [
        "000000",
        "1d2b53",
        "7e2553",
        "008751",
        "ab5236",
        "5f574f",
        "c2c3c7",
        "fff1e8",
        "ff004d",
        "ffa300",
        "ffec27",
        "00e436",
        "29adff",
        "83769c",
        "ff77a8",
        "ffccaa",
    ],
    # The original Game Boy's four shades of green, dark to light.
    "gameboy": ["0f380f", "306230", "8bac0f", "9bbc0f"],
}

_BAYER4 = (
    np.array([[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]], np.float32) + 0.5
) / 16.0 - 0.5


def _hex(colors: list[str]) -> np.ndarray:
    return np.array([[int(h[i : i + 2], 16) for i in (0, 2, 4)] for h in colors], np.float32) / 255


def _lab(rgb: np.ndarray) -> np.ndarray:
    """float RGB 0..1, any shape (..., 3) → L*a*b*."""
    a = np.ascontiguousarray(rgb, np.float32).reshape(-1, 1, 3)
    return cv2.cvtColor(a, cv2.COLOR_RGB2Lab).reshape(rgb.shape)


def block_mean(img: np.ndarray, b: int) -> np.ndarray:
    """Exact mean of each b×b block (blocks aligned at (0, 0); partial blocks at the far edges
    average only the pixels they hold). Returns (ceil(H/b), ceil(W/b), C)."""
    H, W, C = img.shape
    h, w = -(-H // b), -(-W // b)
    pad = np.zeros((h * b, w * b, C), np.float32)
    pad[:H, :W] = img
    # INTER_AREA at an integer factor is the exact block mean (of the zero-padded blocks).
    sums = cv2.resize(pad, (w, h), interpolation=cv2.INTER_AREA).reshape(h, w, C) * (b * b)
    rows = np.minimum(b, H - np.arange(h) * b)
    cols = np.minimum(b, W - np.arange(w) * b)
    return (sums / (rows[:, None] * cols[None, :])[..., None]).astype(np.float32)


def _kmeans_palette(feat: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k colour centres (L*a*b*) of the pixels ``feat`` (N, 3): k-means++ seeding from rng,
    then Lloyd iterations (cv2.kmeans from those labels, so it is deterministic). Fitted on at
    most 4096 pixels (an even stride through the image)."""
    if len(feat) > 4096:
        feat = feat[:: -(-len(feat) // 4096)]
    feat = np.ascontiguousarray(feat, np.float32)
    n = len(feat)
    if n <= k:  # no more pixels than colours: each pixel its own colour
        return feat.astype(np.float32).copy()
    centres = np.empty((k, 3), np.float32)
    centres[0] = feat[rng.integers(n)]
    d2 = ((feat - centres[0]) ** 2).sum(1)
    for i in range(1, k):
        tot = d2.sum()
        j = rng.integers(n) if tot <= 0 else int(np.searchsorted(np.cumsum(d2), rng.random() * tot))
        centres[i] = feat[min(j, n - 1)]
        d2 = np.minimum(d2, ((feat - centres[i]) ** 2).sum(1))
    labels = _nearest(feat, centres).astype(np.int32).reshape(-1, 1)
    crit = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 15, 0.05)
    _, _, centres = cv2.kmeans(feat, k, labels, crit, 1, cv2.KMEANS_USE_INITIAL_LABELS)
    return centres.astype(np.float32)


def _nearest(feat: np.ndarray, pal: np.ndarray) -> np.ndarray:
    """Index of the nearest palette entry for each row of feat (N, d)."""
    d = (feat * feat).sum(1)[:, None] - 2 * feat @ pal.T + (pal * pal).sum(1)[None, :]
    return np.argmin(d, axis=1)


def _floyd(feat: np.ndarray, pal: np.ndarray) -> np.ndarray:
    """Floyd–Steinberg error diffusion of feat (h, w, d) onto pal (k, d): indices (h, w).

    Pixel (y, x) needs (y, x−1) and (y−1, x−1..x+1) done first, i.e. everything with a smaller
    2y + x; pixels on one wavefront 2y + x = t are independent and are done together (exactly the
    sequential result, in 2h + w vectorised steps).
    """
    h, w, d = feat.shape
    work = feat.reshape(-1, d).astype(np.float32)  # a copy
    idx = np.zeros(h * w, np.int64)
    pal = pal.astype(np.float32)
    pal2 = (pal * pal).sum(1)
    y, x = np.divmod(np.arange(h * w), w)
    t = 2 * y + x
    order = np.argsort(t, kind="stable")
    bounds = np.searchsorted(t[order], np.arange(2 * (h - 1) + w + 1))
    # Neighbours receiving error, (flat target, weight) with -1 where outside the image.
    nbrs = [
        (np.where(x + 1 < w, np.arange(h * w) + 1, -1), 7 / 16),
        (np.where((y + 1 < h) & (x >= 1), np.arange(h * w) + w - 1, -1), 3 / 16),
        (np.where(y + 1 < h, np.arange(h * w) + w, -1), 5 / 16),
        (np.where((y + 1 < h) & (x + 1 < w), np.arange(h * w) + w + 1, -1), 1 / 16),
    ]
    for a, b in zip(bounds[:-1], bounds[1:]):
        px = order[a:b]
        v = work[px]
        i = np.argmin(pal2[None, :] - 2 * v @ pal.T, axis=1)
        idx[px] = i
        e = v - pal[i]
        for tgt, wgt in nbrs:
            tg = tgt[px]
            ok = tg >= 0
            if ok.all():
                work[tg] += e * wgt
            elif ok.any():
                work[tg[ok]] += e[ok] * wgt
    return idx.reshape(h, w)


def apply(img: np.ndarray, g: GBuffers, p: Params, rng: np.random.Generator) -> StyleResult:
    img = np.clip(np.asarray(img, np.float32), 0.0, 1.0)
    H, W, _ = img.shape
    small = block_mean(img, p.pixel_size)
    h, w, _ = small.shape
    lab = _lab(small)

    if p.palette in ("gameboy", "grayscale"):  # tone palettes: lightness in equal steps
        n = 4 if p.palette == "gameboy" else p.colors
        feat = lab[..., :1]
        match = np.linspace(0.0, 100.0, n, dtype=np.float32)[:, None]
        if p.palette == "gameboy":
            display = _hex(PALETTES["gameboy"])
            # Four shades only: spread the frame's own lightness range (2-98 %) over them.
            lo, hi = np.percentile(feat, [2.0, 98.0])
            feat = np.clip((feat - lo) * (100.0 / max(hi - lo, 1.0)), 0.0, 100.0)
        else:  # equal L* steps, shown as the sRGB grey of that lightness
            grey_lab = np.zeros((n, 3), np.float32)
            grey_lab[:, 0] = match[:, 0]
            display = np.clip(
                cv2.cvtColor(grey_lab.reshape(-1, 1, 3), cv2.COLOR_Lab2RGB).reshape(n, 3), 0, 1
            )
    else:
        feat = lab
        if p.palette == "adaptive":
            match = _kmeans_palette(lab.reshape(-1, 3), p.colors, rng)
            display = np.clip(
                cv2.cvtColor(match.reshape(-1, 1, 3), cv2.COLOR_Lab2RGB).reshape(-1, 3), 0, 1
            )
        else:
            display = _hex(PALETTES[p.palette])
            match = _lab(display)

    if p.dither == "floyd":
        idx = _floyd(feat, match)
    else:
        f = feat.reshape(-1, feat.shape[-1])
        if p.dither == "bayer":
            # Threshold offsets on lightness, as large as the typical palette step.
            if len(match) > 1:
                dd = np.linalg.norm(match[:, None] - match[None], axis=-1)
                dd[np.arange(len(match)), np.arange(len(match))] = np.inf
                step = float(np.median(dd.min(1)))
            else:
                step = 0.0
            thr = np.tile(_BAYER4, (-(-h // 4), -(-w // 4)))[:h, :w].reshape(-1)
            f = f.copy()
            f[:, 0] += thr * step
        idx = _nearest(f, match).reshape(h, w)

    out_small = display[idx].astype(np.float32)
    b = p.pixel_size
    out = np.repeat(np.repeat(out_small, b, axis=0), b, axis=1)[:H, :W]
    return StyleResult(np.ascontiguousarray(out))
