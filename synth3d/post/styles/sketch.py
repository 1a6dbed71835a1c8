"""Sketch: a line drawing of the frame's geometry on paper.

The lines come from the exact G-buffers, not from the picture, so they are where the contour labels
are (:func:`synth3d.annotate.contours.contour_map`): *occluding contours* (another object, a depth
jump, or nothing behind) and *creases* (the surface normal turns by more than ``crease_deg``; the
normals are estimated from depth when none were rendered). The edge pixels are traced into
polylines (``cv2.findContours``, each pixel kept once so a 1-px line becomes one open stroke),
simplified (``cv2.approxPolyDP``) and rounded (one Chaikin corner-cutting step), given a small
low-frequency wobble, and drawn anti-aliased at 2× resolution so that widths need not be whole
pixels: occluding contours are thicker than creases, and nearer lines thicker than far ones.

Looks: ``pencil`` (grey graphite whose deposit follows the paper's tooth, each stroke with its own
pressure) and ``ink`` (black, crisp). Optional extras, all off by default because they add marks
that are not contours: lines found in the picture itself (XDoG, ``image_lines``), tonal hatching
(``hatching``) and a wash of the picture's colours (``tint``). ``export_svg`` also returns the
strokes as an SVG document (``artifacts["svg"]``).

:func:`boundary_f_score` is the measure the defaults are held to: the F-score between the drawing's
dark pixels and the contour ground truth at a tolerance of 0.75 % of the image diagonal.
"""

from __future__ import annotations

import cv2
import numpy as np

from synth3d.annotate.contours import CREASE, OCCLUDING, contour_map

from ...template.style_params.sketch import NAME, Params  # noqa: F401
from .base import GBuffers, StyleResult

_SS = 2  # supersampling of the stroke canvas (stroke widths in steps of 1/_SS px)
_SHIFT = 3  # fractional bits of the point coordinates given to cv2.polylines
_PAPER = np.array([0.975, 0.968, 0.945], np.float32)  # warm off-white
_GRAPHITE = np.array([0.22, 0.22, 0.25], np.float32)
_INK = np.array([0.04, 0.04, 0.06], np.float32)
_CREASE_WIDTH = 0.6  # crease lines, relative to occluding contours


# --------------------------------------------------------------------------------------------
# The measure


def boundary_f_score(
    pred_mask: np.ndarray, gt_mask: np.ndarray, tol_px: float
) -> tuple[float, float, float]:
    """Boundary F-score of two edge masks with a distance tolerance.

    A predicted pixel is correct when a ground-truth pixel lies within ``tol_px`` (Euclidean) of
    it (precision); a ground-truth pixel is found when a predicted pixel lies within ``tol_px``
    (recall). Nonzero = edge. Two empty masks score 1; one empty mask scores 0.

    Returns
    -------
    (f, precision, recall)
    """
    pred = np.asarray(pred_mask) != 0
    gt = np.asarray(gt_mask) != 0
    if pred.shape != gt.shape:
        raise ValueError(f"mask shapes differ: {pred.shape} vs {gt.shape}")
    n_pred, n_gt = int(pred.sum()), int(gt.sum())
    if n_pred == 0 and n_gt == 0:
        return 1.0, 1.0, 1.0
    if n_pred == 0 or n_gt == 0:
        return 0.0, float(n_gt == 0), float(n_pred == 0)
    # distanceTransform measures the distance to the nearest zero pixel.
    d_gt = cv2.distanceTransform((~gt).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    d_pred = cv2.distanceTransform((~pred).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    precision = float((d_gt[pred] <= tol_px).mean())
    recall = float((d_pred[gt] <= tol_px).mean())
    f = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    return f, precision, recall


def darkness(img: np.ndarray) -> np.ndarray:
    """1 − luma (Rec. 601) of a float RGB image in 0..1: how dark the drawing is at each pixel."""
    img = np.asarray(img, np.float32)
    return 1.0 - (0.299 * img[..., 0] + 0.587 * img[..., 1] + 0.114 * img[..., 2])


# --------------------------------------------------------------------------------------------
# Edges and strokes


def edge_map(g: GBuffers, crease_deg: float = 45.0) -> np.ndarray:
    """The G-buffer line map (255 occluding contour, 128 crease, 0 none) the sketch draws.

    Same definition as the contour labels. When no normals were rendered, the normals estimated
    from depth get their one-pixel image border (where the estimate is undefined) copied from the
    next row/column, so the border does not show as a crease.
    """
    n = g.normals()
    if g.normals_cam is None and min(n.shape[:2]) >= 3:
        n = n.copy()
        n[:, 0], n[:, -1] = n[:, 1], n[:, -2]
        n[0], n[-1] = n[1], n[-2]
    return contour_map(g.depth_m, g.instance, n, crease_deg)


def trace_polylines(mask: np.ndarray) -> list[np.ndarray]:
    """Trace the nonzero pixels of a (thin) edge mask into open polylines of pixel centres.

    ``cv2.findContours`` walks around every 8-connected piece; a 1-px line is walked out and
    back, so only the first visit of each pixel is kept and each contour is cut where it
    revisits pixels. Each kept run is extended by one point at both ends so that branches stay
    joined at junctions. Returns a list of (N, 2) int32 arrays of (x, y), N ≥ 2.
    """
    contours, _ = cv2.findContours(
        (mask != 0).astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE
    )
    if not contours:
        return []
    W = mask.shape[1]
    pts = [c.reshape(-1, 2) for c in contours]
    allp = np.concatenate(pts)
    lin = allp[:, 1].astype(np.int64) * W + allp[:, 0]
    _, first = np.unique(lin, return_index=True)
    keep = np.zeros(len(lin), bool)
    keep[first] = True
    out: list[np.ndarray] = []
    start = 0
    for c in pts:
        n = len(c)
        k = keep[start : start + n]
        start += n
        if not k.any():
            continue
        if k.all():  # a closed loop (or a lone pixel)
            out.append(np.vstack([c, c[:1]]))
            continue
        # Runs of kept points, rotated so that no run wraps around the end of the contour.
        r = int(np.argmin(k))  # first dropped point
        c, k = np.roll(c, -r, axis=0), np.roll(k, -r)
        edges = np.diff(np.concatenate([[0], k.astype(np.int8), [0]]))
        for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
            # Extend to the neighbouring (already drawn) pixels, unless that only walks back
            # along the run itself (the turn at the end of a line).
            if a > 0 and not (b - a > 1 and np.array_equal(c[a - 1], c[a + 1])):
                a -= 1
            if b < n and not (b - a > 1 and np.array_equal(c[b], c[b - 2])):
                b += 1
            out.append(c[a:b])
    return out


def _smooth(p: np.ndarray, closed: bool) -> np.ndarray:
    """One step of Chaikin corner cutting (keeps the end points of an open polyline)."""
    if len(p) < 3:
        return p
    q = 0.75 * p[:-1] + 0.25 * p[1:]
    r = 0.25 * p[:-1] + 0.75 * p[1:]
    mid = np.empty((2 * len(q), 2), p.dtype)
    mid[0::2], mid[1::2] = q, r
    if closed:
        return np.vstack([mid, mid[:1]])
    return np.vstack([p[:1], mid[1:-1], p[-1:]])


def _wobble(
    p: np.ndarray,
    amp: float,
    rng: np.random.Generator,
    closed: bool,
    wavelength: float = 28.0,
    step: float = 3.0,
) -> np.ndarray:
    """Offset a polyline sideways by smooth noise of amplitude ≤ ``amp`` px."""
    seg = np.linalg.norm(np.diff(p, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    total = s[-1]
    if total < 1.0:
        return p
    n = max(int(np.ceil(total / step)) + 1, 2)
    t = np.linspace(0.0, total, n)
    q = np.stack([np.interp(t, s, p[:, 0]), np.interp(t, s, p[:, 1])], axis=1)
    d = np.gradient(q, axis=0)
    d /= np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-9)
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1)
    k = max(int(np.ceil(total / wavelength)) + 1, 2)
    knots = rng.uniform(-amp, amp, k)
    if closed:
        knots[-1] = knots[0]
    # Cosine interpolation between knots: smooth, and never beyond ±amp.
    x = t / total * (k - 1)
    i = np.minimum(x.astype(np.int64), k - 2)
    w = 0.5 - 0.5 * np.cos(np.pi * (x - i))
    off = knots[i] * (1 - w) + knots[i + 1] * w
    return q + normal * off[:, None]


def _strokes(g: GBuffers, p: Params, rng: np.random.Generator) -> list[dict]:
    """The strokes of the drawing: dicts with pts (N, 2) float pixel-centre coordinates, width
    (px), kind ('contour'/'crease') and pressure (0..1)."""
    edges = edge_map(g, p.crease_deg)
    depth = g.depth_m
    hit = edges.astype(bool) & (depth > 0)
    d_ref = float(np.median(depth[hit])) if hit.any() else 1.0
    strokes = []
    for kind, value, wscale in (("crease", CREASE, _CREASE_WIDTH), ("contour", OCCLUDING, 1.0)):
        for line in trace_polylines(edges == value):
            closed = len(line) > 2 and np.array_equal(line[0], line[-1])
            d = depth[line[:, 1], line[:, 0]]
            d = d[d > 0]
            factor = 1.0
            if p.width_by_depth > 0 and len(d):
                factor = float(np.clip((d_ref / np.median(d)) ** p.width_by_depth, 0.5, 2.0))
            pts = cv2.approxPolyDP(line.reshape(-1, 1, 2), 0.7, closed).reshape(-1, 2)
            pts = _smooth(pts.astype(np.float64), closed)
            if p.jitter > 0:
                pts = _wobble(pts, p.jitter, rng, closed)
            pressure = float(rng.uniform(0.75, 1.0)) if p.look == "pencil" else 1.0
            strokes.append(
                dict(pts=pts, width=p.width * wscale * factor, kind=kind, pressure=pressure)
            )
    return strokes


def _draw(strokes: list[dict], shape: tuple[int, int]) -> np.ndarray:
    """Rasterise the strokes (anti-aliased, at _SS× and averaged down): (H, W) coverage 0..1."""
    H, W = shape
    canvas = np.zeros((H * _SS, W * _SS), np.uint8)
    scale = _SS * (1 << _SHIFT)
    for s in sorted(strokes, key=lambda s: s["pressure"]):  # firmest stroke on top
        # Pixel centre x (at 1×) is at _SS·x + (_SS−1)/2 on the supersampled canvas.
        q = np.round((s["pts"] + (_SS - 1) / (2 * _SS)) * scale).astype(np.int32)
        thick = max(int(round(s["width"] * _SS)), 1)
        cv2.polylines(
            canvas,
            [q.reshape(-1, 1, 2)],
            False,
            int(round(255 * s["pressure"])),
            thick,
            cv2.LINE_AA,
            _SHIFT,
        )
    small = cv2.resize(canvas, (W, H), interpolation=cv2.INTER_AREA)
    return small.astype(np.float32) / 255.0


# --------------------------------------------------------------------------------------------
# Paper, tone, picture lines


def _paper_grain(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Procedural paper tooth: fine grain plus soft mottling, zero mean, roughly unit spread."""
    H, W = shape
    fine = cv2.GaussianBlur(rng.standard_normal((H, W), dtype=np.float32), (0, 0), 0.8)
    coarse = cv2.GaussianBlur(
        rng.standard_normal((H // 4 + 1, W // 4 + 1), dtype=np.float32), (0, 0), 1.5
    )
    coarse = cv2.resize(coarse, (W, H), interpolation=cv2.INTER_LINEAR)
    grain = fine / (fine.std() + 1e-6) + 0.6 * coarse / (coarse.std() + 1e-6)
    return grain / 1.17


def _xdog(
    img: np.ndarray,
    sigma: float = 0.9,
    k: float = 1.6,
    tau: float = 0.98,
    eps: float = -0.01,
    phi: float = 60.0,
) -> np.ndarray:
    """Extended difference-of-Gaussians line darkness (0..1) of the picture's luminance."""
    lum = 0.299 * img[..., 0] + 0.587 * img[..., 1] + 0.114 * img[..., 2]
    g1 = cv2.GaussianBlur(lum, (0, 0), sigma)
    g2 = cv2.GaussianBlur(lum, (0, 0), sigma * k)
    d = g1 - tau * g2
    return np.where(d >= eps, 0.0, -np.tanh(phi * (d - eps))).astype(np.float32)


def _hatch(img: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Tonal hatching darkness (0..1): 45° lines in the dark tones, crossed in the darkest."""
    H, W = shape
    lum = 0.299 * img[..., 0] + 0.587 * img[..., 1] + 0.114 * img[..., 2]
    lum = cv2.GaussianBlur(lum, (0, 0), 2.0)
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    period = 6.0

    def lines(u):  # anti-aliased 1-px lines every `period` px across u / sqrt(2)
        ph = (u / (np.sqrt(2) * period)) % 1.0
        dist = np.minimum(ph, 1.0 - ph) * period  # to the nearest line centre, px
        return np.clip(1.0 - dist, 0, 1)

    tone = 1.0 - lum
    a = lines(x + y) * np.clip((tone - 0.45) / 0.2, 0, 1)
    b = lines(x - y) * np.clip((tone - 0.7) / 0.15, 0, 1)
    return np.maximum(a, b).astype(np.float32)


# --------------------------------------------------------------------------------------------


def apply(img: np.ndarray, g: GBuffers, p: Params, rng: np.random.Generator) -> StyleResult:
    H, W = g.shape
    img = np.asarray(img, np.float32)
    strokes = _strokes(g, p, rng)
    cover = _draw(strokes, (H, W))

    grain = _paper_grain((H, W), rng) if p.paper > 0 else np.zeros((H, W), np.float32)
    tooth = np.clip(0.5 + 0.25 * grain, 0.0, 1.0)  # how much graphite a spot of paper takes
    if p.look == "pencil":
        dark = cover * (0.45 + 0.55 * tooth) if p.paper > 0 else cover * 0.8
        color = _GRAPHITE
    else:
        dark = cover
        color = _INK
    if p.image_lines > 0:
        dark = np.maximum(dark, p.image_lines * _xdog(img) * (0.8 if p.look == "pencil" else 1.0))
    if p.hatching > 0:
        hatch = _hatch(img, (H, W)) * p.hatching * (0.6 if p.look == "pencil" else 0.8)
        if p.look == "pencil":
            hatch *= 0.45 + 0.55 * tooth
        dark = np.maximum(dark, hatch)

    paper = np.broadcast_to(_PAPER, (H, W, 3)).astype(np.float32)
    if p.paper > 0:
        paper = paper * (1.0 + (0.035 * p.paper) * grain)[..., None]
    if p.tint > 0:
        paper = paper * (1.0 - p.tint * (1.0 - img))
    d = np.clip(dark, 0.0, 1.0)[..., None]
    out = paper * (1.0 - d) + color * d
    out = np.clip(out, 0.0, 1.0).astype(np.float32)

    artifacts = {}
    if p.export_svg:
        artifacts["svg"] = to_svg(strokes, (H, W), color, p.look)
    return StyleResult(out, artifacts)


def to_svg(strokes: list[dict], shape: tuple[int, int], color=_INK, look: str = "ink") -> str:
    """An SVG document of the strokes (one polyline each, its own stroke width), on paper."""
    H, W = shape
    rgb = "#%02x%02x%02x" % tuple(int(round(255 * c)) for c in color)
    paper = "#%02x%02x%02x" % tuple(int(round(255 * c)) for c in _PAPER)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}">',
        f'<rect width="{W}" height="{H}" fill="{paper}"/>',
        f'<g fill="none" stroke="{rgb}" stroke-linecap="round" stroke-linejoin="round">',
    ]
    for s in strokes:
        # Pixel centres are at integers; SVG pixel i spans [i, i+1].
        pts = " ".join(f"{x + 0.5:.2f},{y + 0.5:.2f}" for x, y in s["pts"])
        opacity = f' stroke-opacity="{s["pressure"]:.2f}"' if look == "pencil" else ""
        out.append(
            f'<polyline class="{s["kind"]}" stroke-width="{s["width"]:.2f}"{opacity} '
            f'points="{pts}"/>'
        )
    out.append("</g></svg>")
    return "\n".join(out) + "\n"
