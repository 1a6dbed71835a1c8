"""Paint: the frame repainted with curved brush strokes, coarse to fine.

The method follows Hertzmann, *Painterly rendering with curved brush strokes of multiple sizes*
(SIGGRAPH 1998). The canvas is painted in layers, from the largest brush to the smallest (each
layer halves the radius). For a layer of radius R the reference is the frame blurred at σ = R/2;
the canvas is cut into cells of R×R pixels and a cell whose mean colour error (RGB distance
between canvas and reference) exceeds ``threshold`` gets one stroke, started at its worst pixel
(the first layer, on a blank canvas, paints every cell from a random pixel of its middle). A
stroke walks in steps of R along the image's contours — the direction perpendicular to the
gradient, taken from the structure tensor of the blurred frame, so it has no sign flips and is
defined on thin lines — bending towards the new direction by ``curvature``. It ends after
``max_length`` steps or (after a quarter of them) where the reference matches the canvas better
than the stroke would. Its colour is the mean of the reference under its points (Hertzmann
takes the start's; the mean is 0.5–1 dB closer). Each layer's strokes are traced against the
canvas the layer found, then painted in a random order; the finest layers spend the stroke
budget (equal shares per layer, unspent ones carried on) on the cells that are still most wrong.

Strokes never cross object boundaries: a stroke's polyline stops before it enters a pixel of
another instance id (or goes from something hit to nothing hit), or crosses a depth jump of more
than 5 % between neighbouring pixels, checked every pixel along each step; and each stroke is
rasterised clipped to the region it started in, so the labels' silhouettes stay crisp.

Brushes:

* ``oil`` — opaque, with per-stroke colour jitter, bristle streaks along the larger strokes and
  impasto (a height field of the stacked strokes and bristles, lit from the upper left);
* ``watercolour`` — transparent pigment on off-white paper: each stroke multiplies the canvas by
  its ink (the colour that one glaze over the canvas needs, at 85 % density), working light to
  dark (a stroke's colour is the lightest on its path; it cannot lighten), with strokes started
  a brush width apart; overlaps within a layer darken, pigment pools at the inner edge of every
  wash (dark rims) and settles in the paper's tooth (granulation);
* ``marker`` — the same transparent ink model with flat, hard-edged constant-width strokes:
  overlaps get visibly darker;
* ``tape`` — straight flat opaque strips with crisp edges and a faint shadow line, like masking
  tape.

Stroke geometry is traced for all strokes of a layer at once (numpy). Strokes of different
regions commute (each is clipped to its own), so a layer is drawn region by region: OpenCV
draws each stroke (anti-aliased ``cv2.polylines`` / ``cv2.fillPoly``) straight into a copy of the
region's bounding box, which is copied back through the region's mask — no per-pixel Python.
``export_strokes`` returns the strokes as ``strokes.json`` and ``svg``; ``animate_frames``
returns a GIF of the painting being made (the strokes replayed).
"""

from __future__ import annotations

import io
from typing import NamedTuple

import cv2
import numpy as np
from scipy import ndimage

from ...template.style_params.paint import NAME, USES_NORMALS, Params  # noqa: F401
from .base import GBuffers, StyleResult
from .paint_export import bezier_fit, snp_strokes, strokes_json, svg  # noqa: F401

_SHIFT = 4  # fractional bits of the point coordinates given to OpenCV
_ONE = 1 << _SHIFT
_DEPTH_JUMP = 0.05  # relative depth step between neighbouring pixels that ends a stroke
_REF_SIZE = 512  # radii are given for this short side
# Opacity of one stroke, per brush (watercolour and marker: fraction of the way, in optical
# density, from the canvas to the colour that one glaze would need).
_ALPHA = {"oil": 1.0, "watercolour": 0.85, "marker": 0.85, "tape": 1.0}
_MIN_INK = 0.03  # darkest transparent ink (its log is the optical density)
_NCOV = 3  # coverage buffers of a transparent layer (strokes go round-robin): finds overlaps
# Grid step of the start cells in brush radii: the opaque media cover each cell (Hertzmann's
# f_g = 1); the transparent ones would darken with every overlap, so they start strokes a brush
# width apart.
_GRID = {"oil": 1.0, "watercolour": 2.0, "marker": 2.0, "tape": 1.0}
# Transparent media: how much the strokes under the topmost one of a layer add to its density
# (saturating: many overlaps darken like one at most this dense).
_OVERLAP = {"watercolour": 0.3, "marker": 0.4}
_PAPER = np.array([0.985, 0.978, 0.955], np.float32)


# --------------------------------------------------------------------------------------------
# stroke tracing (all strokes of a layer at once)


def _orientation(lum: np.ndarray, R: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit tangent (tx, ty) of the isophotes from the structure tensor smoothed at ~R/2, and a
    0..1 weight of how well it is defined (0 in flat regions)."""
    gx = cv2.Sobel(lum, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(lum, cv2.CV_32F, 0, 1, ksize=3)
    s = max(1.0, 0.5 * R)
    jxx = cv2.GaussianBlur(gx * gx, (0, 0), s)
    jyy = cv2.GaussianBlur(gy * gy, (0, 0), s)
    jxy = cv2.GaussianBlur(gx * gy, (0, 0), s)
    theta = 0.5 * np.arctan2(2.0 * jxy, jxx - jyy)  # gradient orientation
    tx = -np.sin(theta)  # perpendicular: along the contours
    ty = np.cos(theta)
    energy = jxx + jyy
    weight = energy / (energy + np.float32(1e-4))
    return tx.astype(np.float32), ty.astype(np.float32), weight.astype(np.float32)


def _starts(
    err: np.ndarray, step: int, cap: int, thr: float, rng: np.random.Generator | None
) -> tuple[np.ndarray, np.ndarray]:
    """Start pixels: the worst pixel of each step×step cell whose mean error exceeds ``thr``,
    at most ``cap`` of them (the worst cells). With ``rng`` (the first layer, on a blank
    canvas): every cell, at a random pixel of its middle half (the worst pixel would be the
    one least like the blank canvas, biasing the colours)."""
    H, W = err.shape
    gh, gw = -(-H // step), -(-W // step)
    pad = np.full((gh * step, gw * step), -1.0, np.float32)
    pad[:H, :W] = err
    blocks = pad.reshape(gh, step, gw, step).transpose(0, 2, 1, 3).reshape(gh, gw, step * step)
    arg = blocks.argmax(axis=2)
    cnt = np.zeros((gh * step, gw * step), np.float32)
    cnt[:H, :W] = 1.0
    cnt = cnt.reshape(gh, step, gw, step).sum(axis=(1, 3))
    mean = np.clip(blocks, 0.0, None).sum(axis=2) / cnt
    every = rng is not None
    cells = np.flatnonzero(np.ones_like(mean, bool) if every else mean.ravel() > thr)
    if cells.size > cap:
        m = mean.ravel()[cells]
        keep = np.argpartition(-m, cap - 1)[:cap]
        cells = np.sort(cells[keep])
    cy, cx = np.divmod(cells, gw)
    if every:
        y = cy * step + step // 4 + rng.integers(0, max(1, step // 2), cells.size)
        x = cx * step + step // 4 + rng.integers(0, max(1, step // 2), cells.size)
        y, x = np.minimum(y, H - 1), np.minimum(x, W - 1)
    else:
        a = arg.ravel()[cells]
        y = cy * step + a // step
        x = cx * step + a % step
    return x.astype(np.int64), y.astype(np.int64)


def _trace(x0, y0, R, ref, canvas, tx, ty, tw, labels, depth, max_len, curvature, glaze, sign):
    """Trace the strokes starting at (x0, y0), the first step along ``sign`` (N,) ±1 times the
    contour direction (whose own sign is arbitrary: a fixed one would smear every start colour
    the same way and shift edges). Returns points (N, max_len+1, 2) float32, the
    number of valid points per stroke and the stroke colours (N, 3): the reference colour at the
    start. For a transparent medium (``glaze`` = its opacity) the stroke goes on while its ink
    (what turns the canvas at the start into that colour) improves the canvas."""
    H, W = labels.shape
    N = x0.size
    pts = np.zeros((N, max_len + 1, 2), np.float32)
    P = np.stack([x0, y0], axis=1).astype(np.float32)
    pts[:, 0] = P
    n = np.ones(N, np.int64)
    col = ref[y0, x0]
    ink = _ink(col, canvas[y0, x0]) if glaze else col
    lab0 = labels[y0, x0]
    alive = np.ones(N, bool)
    last = np.zeros((N, 2), np.float32)
    # transparent media: every step must improve the picture (an overlap darkens)
    min_len = 0 if glaze else max(1, max_len // 4)
    m = max(1, int(np.ceil(R)))  # samples per step: at most 1 px apart
    frac = (np.arange(1, m + 1, dtype=np.float32) / m)[None, :, None]
    for i in range(1, max_len + 1):
        idx = np.flatnonzero(alive)
        if idx.size == 0:
            break
        p = P[idx]
        xi = np.clip(np.rint(p[:, 0]).astype(np.int64), 0, W - 1)
        yi = np.clip(np.rint(p[:, 1]).astype(np.int64), 0, H - 1)
        ok = np.ones(idx.size, bool)
        if i > min_len:  # stop where the canvas is already closer to the reference
            r = ref[yi, xi]
            c = canvas[yi, xi]
            new = c * ink[idx] ** glaze if glaze else col[idx]
            ok &= np.square(r - c).sum(1) >= np.square(r - new).sum(1)
        t = np.stack([tx[yi, xi], ty[yi, xi]], axis=1)
        w = tw[yi, xi][:, None]
        lp = last[idx]
        if i > 1:
            t *= np.where((t * lp).sum(1) < 0, -1.0, 1.0).astype(np.float32)[:, None]
            t = w * t + (1.0 - w) * lp  # flat region: keep going
            d = curvature * t + (1.0 - curvature) * lp
        else:
            d = t * sign[idx][:, None]
        d /= np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-6)
        q = p[:, None, :] + frac * (R * d)[:, None, :]  # (k, m, 2) samples along the step
        qx = np.rint(q[..., 0]).astype(np.int64)
        qy = np.rint(q[..., 1]).astype(np.int64)
        ok &= ((qx >= 0) & (qx < W) & (qy >= 0) & (qy < H)).all(1)
        qx = np.clip(qx, 0, W - 1)
        qy = np.clip(qy, 0, H - 1)
        ok &= (labels[qy, qx] == lab0[idx][:, None]).all(1)
        dz = np.concatenate([depth[yi, xi][:, None], depth[qy, qx]], axis=1)
        jump = np.abs(np.diff(dz, axis=1)) > _DEPTH_JUMP * np.minimum(dz[:, 1:], dz[:, :-1])
        ok &= ~jump.any(1)
        good = idx[ok]
        P[good] = q[ok, -1]
        pts[good, i] = P[good]
        n[good] += 1
        last[good] = d[ok]
        alive[idx[~ok]] = False
    # the stroke's colour: the mean of the reference under its points (a better constant colour
    # for the whole stroke than the start's; +0.5..1 dB on photographs) for opaque paint
    valid = np.arange(max_len + 1)[None, :] < n[:, None]
    xi = np.clip(np.rint(pts[..., 0]).astype(np.int64), 0, W - 1)
    yi = np.clip(np.rint(pts[..., 1]).astype(np.int64), 0, H - 1)
    under = ref[yi, xi]
    if glaze:
        # transparent media work light to dark: the lightest colour on the path, so the ink
        # darkens none of it past the reference (later layers add the darks)
        lum = np.where(valid, under @ np.float32([0.299, 0.587, 0.114]), np.inf * -1)
        col = under[np.arange(N), lum.argmax(1)]
    else:
        col = (under * valid[..., None]).sum(1) / n[:, None]
    return pts, n, col.astype(np.float32)


def _ink(target: np.ndarray, under: np.ndarray) -> np.ndarray:
    """Transparent ink that turns the colour ``under`` into ``target`` (it cannot lighten)."""
    return np.clip(target / np.maximum(under, 1e-3), _MIN_INK, 1.0).astype(np.float32)


# --------------------------------------------------------------------------------------------
# rasterisation


def _noise(rng: np.random.Generator, H: int, W: int) -> np.ndarray:
    """Zero-mean paper grain of unit deviation: fine tooth plus larger blotches."""
    a = cv2.GaussianBlur(rng.standard_normal((H, W)).astype(np.float32), (0, 0), 0.8)
    b = cv2.GaussianBlur(rng.standard_normal((H, W)).astype(np.float32), (0, 0), 4.0)
    g = a / (a.std() + 1e-6) + 0.7 * b / (b.std() + 1e-6)
    return (g / (g.std() + 1e-6)).astype(np.float32)


class _Layer(NamedTuple):
    """The strokes of one layer, in painting order."""

    index: int
    radius: float
    points: np.ndarray  # (N, L, 2) float32 pixel coordinates; points past n[i] repeat the last
    n: np.ndarray  # (N,) number of points of each stroke
    color: np.ndarray  # (N, 3) float32 sRGB laid down: paint (oil, tape) or ink (transparent)
    label: np.ndarray  # (N,) region each stroke is clipped to
    height: np.ndarray  # (N,) oil: paint thickness 0..1
    ridges: np.ndarray | None  # (N, k) bool oil: which bristle streaks are ridges (else grooves)


class _Painter:
    """The canvas and its per-brush buffers.

    Strokes of one region (label) commute with those of any other region, since each is clipped
    to its own; so a run of strokes is drawn region by region, each into a copy of the region's
    bounding box of every buffer by OpenCV, and copied back through the region's mask."""

    def __init__(self, brush: str, labels: np.ndarray, texture: float, grain: np.ndarray | None):
        H, W = labels.shape
        self.brush, self.labels, self.texture, self.grain = brush, labels, texture, grain
        self.alpha = _ALPHA[brush]
        self.slices = ndimage.find_objects(labels + 1)
        self.glaze = brush in ("watercolour", "marker")
        self.height = None
        self.pending = False
        if self.glaze:  # float canvas; layer buffers: ink (255 = none) and coverage
            self.canvas = np.empty((H, W, 3), np.float32)
            self.canvas[:] = _PAPER if brush == "watercolour" else 1.0
            self.ink = np.full((H, W, 3), 255, np.uint8)
            self.cov = [np.zeros((H, W), np.uint8) for _ in range(_NCOV)]
        else:
            self.canvas = np.full((H, W, 3), 255, np.uint8)
            if brush == "oil" and texture > 0:
                self.height = np.zeros((H, W), np.uint8)

    def current(self) -> np.ndarray:
        """The canvas as float 0..1, without the layer in progress (what the next layer sees)."""
        if self.glaze:
            return self.canvas
        return self.canvas.astype(np.float32) * np.float32(1.0 / 255.0)

    def _buffers(self) -> list[np.ndarray]:
        if self.glaze:
            return [self.ink, *self.cov]
        return [self.canvas] + ([self.height] if self.height is not None else [])

    def paint(
        self, layer: _Layer, lo: int, hi: int, normals: np.ndarray | None, quads: np.ndarray | None
    ) -> None:
        """Draw strokes lo..hi-1 of ``layer``."""
        labs = layer.label[lo:hi]
        r = layer.radius
        thick = max(1, int(round(2 * r)))
        for lab in np.unique(labs):
            sel = lo + np.flatnonzero(labs == lab)
            sl = self.slices[int(lab)]
            if sl is None:
                continue
            oy, ox = sl[0].start, sl[1].start
            mask = self.labels[sl] == lab
            bufs = self._buffers()
            tmp = [b[sl].copy() for b in bufs]
            ip = np.rint((layer.points[sel] - (ox, oy)) * _ONE).astype(np.int32)
            for j, s in enumerate(sel):
                k = max(2, int(layer.n[s]))
                pts = ip[j, :k]
                col = layer.color[s] * 255.0
                if self.brush == "oil":
                    cv2.polylines(tmp[0], [pts], False, col.tolist(), thick, cv2.LINE_AA, _SHIFT)
                    if self.height is not None:
                        h = float(layer.height[s])
                        cv2.polylines(tmp[1], [pts], False, 200.0 * h, thick, cv2.LINE_8, _SHIFT)
                        if normals is not None:
                            self._bristles(tmp[1], pts, normals[s, :k], layer.ridges[s], r, h)
                elif self.brush == "tape":
                    q = np.rint((quads[s] - (ox, oy)) * _ONE).astype(np.int32)
                    cv2.fillPoly(tmp[0], [q], col.tolist(), cv2.LINE_AA, _SHIFT)
                    if self.texture > 0:
                        edge = (col * (1.0 - 0.35 * self.texture)).tolist()
                        cv2.polylines(tmp[0], [q], True, edge, 1, cv2.LINE_AA, _SHIFT)
                elif self.brush == "marker":  # flat-ended, constant width: a chisel nib
                    _marker(
                        [tmp[0], tmp[1 + s % _NCOV]],
                        [col.tolist(), 255],
                        quads[s] - (ox, oy),
                        pts,
                        int(layer.n[s]),
                        thick,
                    )
                else:
                    cv2.polylines(tmp[0], [pts], False, col.tolist(), thick, cv2.LINE_AA, _SHIFT)
                    cv2.polylines(tmp[1 + s % _NCOV], [pts], False, 255, thick, cv2.LINE_AA, _SHIFT)
            for b, t in zip(bufs, tmp):
                np.copyto(b[sl], t, where=mask[..., None] if t.ndim == 3 else mask)
        if self.glaze and hi > lo:
            self.pending = True

    def _bristles(self, hbuf, pts, nrm, ridges, r, h) -> None:
        """Bristle streaks: thin lines side by side across the stroke, raised or sunk (the
        height field is blurred before shading, so no anti-aliasing here)."""
        k = ridges.size
        offs = ((np.arange(k) + 0.5) / k * 2.0 - 1.0) * (0.85 * r * _ONE)
        lines = pts[None] + np.rint(nrm[None] * offs[:, None, None]).astype(np.int32)
        width = max(1, int(round(1.2 * r / k)))
        for sel, dh in ((ridges, 0.25), (~ridges, -0.25)):
            if sel.any():
                cv2.polylines(
                    hbuf,
                    list(lines[sel]),
                    False,
                    200.0 * min(max(h + dh, 0.0), 1.2),
                    width,
                    cv2.LINE_8,
                    _SHIFT,
                )

    def end_layer(self, radius: float) -> None:
        if self.pending:
            self.canvas = self._composite(radius)
            self.ink[:] = 255
            for c in self.cov:
                c[:] = 0
            self.pending = False

    def _composite(self, radius: float) -> np.ndarray:
        """Canvas times the layer's ink ** density (transparent media)."""
        if not self.pending:
            return self.canvas
        L = np.log(np.maximum(self.ink.astype(np.float32) * np.float32(1.0 / 255.0), _MIN_INK))
        if self.brush == "watercolour" and self.texture > 0:
            # pigment pools at the edge of a wash: darker just inside every stroke boundary
            rim = np.clip(cv2.GaussianBlur(L, (0, 0), max(1.0, 0.5 * radius)) - L, 0.0, None)
            L -= np.float32(0.6 * self.texture) * rim
        c = np.stack(self.cov).astype(np.float32) * np.float32(1.0 / 255.0)
        top = c.max(axis=0)
        under = 1.0 - np.exp(top - c.sum(axis=0))  # overlaps, saturating at 1
        dens = np.float32(self.alpha) * (1.0 + np.float32(_OVERLAP[self.brush]) * under)
        if self.brush == "watercolour" and self.texture > 0:
            dens *= 1.0 + np.float32(0.15 * self.texture) * self.grain
        return self.canvas * np.exp(L * dens[..., None])

    def finish(self, radius: float) -> np.ndarray:
        """The displayed picture: the canvas (with any layer in progress) and the medium's
        surface."""
        if self.glaze:
            c = self._composite(radius)
        else:
            c = self.canvas.astype(np.float32) * np.float32(1.0 / 255.0)
        if self.height is not None:  # impasto: the paint's relief lit from the upper left
            h = cv2.GaussianBlur(self.height.astype(np.float32), (0, 0), 0.8)
            gx = cv2.Sobel(h, cv2.CV_32F, 1, 0, ksize=3)
            gy = cv2.Sobel(h, cv2.CV_32F, 0, 1, ksize=3)
            k = np.float32(0.7071 * 0.1 * self.texture / 200.0)
            shade = np.clip(-(gx + gy) * k, -0.25, 0.25)
            c = c * (1.0 + shade)[..., None]
        elif self.grain is not None:  # paper (watercolour) or tape fibres
            amt = 0.025 if self.brush == "watercolour" else 0.015
            c = c * (1.0 - np.float32(amt * self.texture) * np.clip(self.grain, -2, 2))[..., None]
        return np.clip(c, 0.0, 1.0).astype(np.float32)


def _ribbons(pts: np.ndarray, n: np.ndarray, r: float) -> np.ndarray:
    """Outlines of constant-width (2r), square-capped strokes: (N, 2L, 2) — the left side of
    each polyline forward in [:, :L], its right side backward in [:, L:]; only the first n[i]
    points of each side belong to stroke i (``[:, :n]`` then ``[:, 2L-n:]``). The sides are
    offset by r along each point's normal, the ends pushed out by r along the stroke; the
    painter rounds the joints (a 2r polyline through the inner points, whose round caps sit on
    them). A one-point stroke is a 2r square."""
    N, L, _ = pts.shape
    p = pts.astype(np.float32).copy()
    last = (n - 1)[:, None]
    nrm = _normals(p)  # central differences; tails repeat the last point
    off = nrm * r  # joints are rounded by the painter (a polyline over the inner points)
    tang = np.stack([nrm[..., 1], -nrm[..., 0]], axis=2)  # along the stroke
    p[np.arange(N), 0] -= tang[np.arange(N), 0] * r
    le = np.minimum(last[:, 0], L - 1)
    p[np.arange(N), le] += tang[np.arange(N), le] * r
    single = n <= 1  # one point: a square dab centred on it
    if single.any():
        p[single, 0] = pts[single, 0] - tang[single, 0] * r
        p[single, 1] = pts[single, 0] + tang[single, 0] * r
        off[single, 1] = off[single, 0]
    left = p + off
    right = (p - off)[:, ::-1]
    return np.concatenate([left, right], axis=1).astype(np.float32)


def _marker(
    bufs: list, colours: list, ribbon: np.ndarray, pts: np.ndarray, n: int, thick: int
) -> None:
    """Draw one marker stroke: its ribbon (:func:`_ribbons`, pixel coordinates in the buffers'
    frame) filled, and a ``thick`` polyline through its inner points (fixed-point ``pts``) whose
    round caps round the joints; the ends stay square."""
    k = max(2, n)
    q = np.rint(np.concatenate([ribbon[:k], ribbon[-k:]]) * _ONE).astype(np.int32)
    inner = [pts[1 : k - 1]] if k >= 3 else None
    for b, c in zip(bufs, colours):
        cv2.fillPoly(b, [q], c, cv2.LINE_AA, _SHIFT)
        if inner is not None:
            cv2.polylines(b, inner, False, c, thick, cv2.LINE_AA, _SHIFT)


def _normals(pts: np.ndarray) -> np.ndarray:
    """Unit normals (N, L, 2) of polylines (N, L, 2) whose tails repeat their last point."""
    nxt = np.concatenate([pts[:, 1:], pts[:, -1:]], axis=1)
    prv = np.concatenate([pts[:, :1], pts[:, :-1]], axis=1)
    t = nxt - prv
    ln = np.linalg.norm(t, axis=2, keepdims=True)
    t = np.where(ln > 1e-6, t / np.maximum(ln, 1e-6), np.float32([1.0, 0.0]))
    return np.stack([-t[..., 1], t[..., 0]], axis=2).astype(np.float32)


def _quads(pts: np.ndarray, n: np.ndarray, r: float) -> np.ndarray:
    """Corners (N, 4, 2) of the tape strips from each stroke's first to its last point."""
    a = pts[:, 0]
    b = pts[np.arange(len(n)), n - 1]
    d = b - a
    ln = np.linalg.norm(d, axis=1, keepdims=True)
    u = np.where(ln > 1e-6, d / np.maximum(ln, 1e-6), np.float32([1.0, 0.0]))
    nrm = np.stack([-u[:, 1], u[:, 0]], axis=1) * r
    return np.stack([a + nrm, b + nrm, b - nrm, a - nrm], axis=1).astype(np.float32)


# --------------------------------------------------------------------------------------------


def _radii(p: Params, H: int, W: int) -> list[float]:
    s = min(H, W) / _REF_SIZE
    return [max(1.0, p.max_radius * s / 2**k) for k in range(p.levels)]


def _labels(g: GBuffers, H: int, W: int) -> tuple[np.ndarray, np.ndarray]:
    """Regions strokes are clipped to (instance id × something hit or not) and depth."""
    inst = np.zeros((H, W), np.int32) if g.instance is None else g.instance.astype(np.int32)
    depth = np.zeros((H, W), np.float32) if g.depth_m is None else np.asarray(g.depth_m, np.float32)
    return inst * 2 + (depth > 0), depth


def apply(img: np.ndarray, g: GBuffers, p: Params, rng: np.random.Generator) -> StyleResult:
    src = np.ascontiguousarray(img[..., :3], np.float32)
    H, W = src.shape[:2]
    labels, depth = _labels(g, H, W)
    radii = _radii(p, H, W)
    budget = p.max_strokes  # the brushes scale with the image: the same picture at any size
    grain = _noise(rng, H, W) if p.brush in ("watercolour", "tape") and p.texture > 0 else None
    painter = _Painter(p.brush, labels, p.texture, grain)
    curvature = 0.0 if p.brush == "tape" else p.curvature
    glaze = _ALPHA[p.brush] if painter.glaze else 0.0
    lum_w = np.array([0.299, 0.587, 0.114], np.float32)
    layers: list[_Layer] = []
    extras = []
    remaining = budget
    for li, R in enumerate(radii):
        if remaining <= 0 < li:
            break
        ref = cv2.GaussianBlur(src, (0, 0), max(0.5, 0.5 * R))
        tx, ty, tw = _orientation(ref @ lum_w, R)
        canvas = painter.current()
        err = np.sqrt(np.square(ref - canvas).sum(axis=2))
        # equal shares, unspent ones carry on; the first layer covers the whole canvas
        cap = H * W if li == 0 else max(1, remaining // (len(radii) - li))
        x0, y0 = _starts(
            err, max(1, int(round(_GRID[p.brush] * R))), cap, p.threshold, rng if li == 0 else None
        )
        N = x0.size
        if N == 0:
            continue
        remaining -= N
        # Hertzmann's paintLayer: every stroke is traced against the canvas as the layer found
        # it, then they are painted in a random order.
        sign = np.where(rng.random(N) < 0.5, -1.0, 1.0).astype(np.float32)
        pts, n, col = _trace(
            x0, y0, R, ref, canvas, tx, ty, tw, labels, depth, p.max_length, curvature, glaze, sign
        )
        if p.jitter > 0:  # brightness (all channels) and hue/saturation (per channel)
            v = rng.normal(0.0, 0.06 * p.jitter, (N, 1)).astype(np.float32)
            c = rng.normal(0.0, 0.025 * p.jitter, (N, 3)).astype(np.float32)
            col = np.clip(col * (1.0 + v) + c, 0.0, 1.0)
        if glaze:
            col = _ink(col, canvas[y0, x0])
        height = rng.uniform(0.3, 1.0, N).astype(np.float32)
        ridges = None
        if p.brush == "oil" and p.texture > 0 and R >= 3:
            ridges = rng.random((N, int(min(8, max(3, R // 2))))) < 0.5
        order = rng.permutation(N)
        tail = np.minimum(np.arange(pts.shape[1]), (n - 1)[:, None])
        pts = pts[np.arange(N)[:, None], tail]  # points past the end repeat the last one
        layer = _Layer(
            li,
            R,
            pts[order],
            n[order],
            col[order].astype(np.float32),
            labels[y0, x0][order],
            height[order],
            None if ridges is None else ridges[order],
        )
        ex = (
            _normals(layer.points) if ridges is not None else None,
            _quads(layer.points, layer.n, R)
            if p.brush == "tape"
            else _ribbons(layer.points, layer.n, R)
            if p.brush == "marker"
            else None,
        )
        painter.paint(layer, 0, N, *ex)
        painter.end_layer(R)
        layers.append(layer)
        extras.append(ex)
    out = painter.finish(radii[-1])

    artifacts: dict = {}
    if p.export_strokes:
        artifacts["strokes.json"] = strokes_json(layers, p.brush)
        artifacts["svg"] = svg(layers, p.brush, H, W, _ALPHA[p.brush], _PAPER)
    if p.export_snp:
        artifacts["strokes.snp.json"] = snp_strokes(layers, p.brush, H, W, _ALPHA[p.brush])
    if p.animate_frames > 0:
        artifacts["gif"] = _animate(layers, extras, p, labels, grain, p.animate_frames)
    return StyleResult(image=out, artifacts=artifacts)


def _animate(layers, extras, p: Params, labels, grain, n_frames: int) -> bytes:
    """GIF of the canvas after each 1/n_frames of the strokes (replayed in the same order)."""
    from PIL import Image

    painter = _Painter(p.brush, labels, p.texture, grain)
    total = sum(len(ly.n) for ly in layers)
    ends = [int(round(total * (k + 1) / n_frames)) for k in range(n_frames)]
    frames = []
    start = 0  # global index of the current layer's first stroke
    fi = 0
    for layer, ex in zip(layers, extras):
        N = len(layer.n)
        lo = 0
        while fi < n_frames and ends[fi] <= start + N:
            hi = ends[fi] - start
            painter.paint(layer, lo, hi, *ex)
            lo = hi
            frames.append(painter.finish(layer.radius))
            fi += 1
        painter.paint(layer, lo, N, *ex)
        painter.end_layer(layer.radius)
        start += N
    while len(frames) < n_frames:
        frames.append(painter.finish(layers[-1].radius) if layers else painter.current())
    ims = [
        Image.fromarray(np.round(f * 255).astype(np.uint8)).quantize(
            colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
        for f in frames
    ]
    buf = io.BytesIO()
    durations = [120] * (n_frames - 1) + [1500]
    ims[0].save(
        buf,
        format="GIF",
        save_all=True,
        append_images=ims[1:],
        duration=durations,
        loop=0,
        disposal=1,
    )
    return buf.getvalue()
