"""The strokes of a ``paint`` frame as files: ``strokes.json``, an SVG document, and the parameter
layouts of Stylized Neural Painting's renderers (``strokes.snp.json``, each stroke's polyline
fitted by a quadratic Bézier). ``layers`` are the painter's layers (index, radius, points (N, L,
2), n (N,), color (N, 3) …) in painting order."""

from __future__ import annotations

import json

import numpy as np


def stroke_records(layers: list, brush: str):
    """(layer, radius, colour, points (k, 2)) of every stroke in painting order."""
    for ly in layers:
        for i in range(len(ly.n)):
            k = int(ly.n[i])
            pts = ly.points[i, [0, k - 1]] if brush == "tape" else ly.points[i, :k]
            yield ly.index, ly.radius, ly.color[i], pts


SNP_RENDERER = {
    "marker": "markerpen",
    "watercolour": "watercolor",
    "oil": "oilpaintbrush",
    "tape": "rectangle",
}
SNP_LAYOUT = {
    "markerpen": ["x0", "y0", "x1", "y1", "x2", "y2", "radius0", "radius2", "R", "G", "B", "A"],
    "watercolor": [
        "x0",
        "y0",
        "x1",
        "y1",
        "x2",
        "y2",
        "radius0",
        "radius2",
        "R0",
        "G0",
        "B0",
        "R2",
        "G2",
        "B2",
        "A",
    ],
    "oilpaintbrush": ["xc", "yc", "w", "h", "theta", "R0", "G0", "B0", "R2", "G2", "B2", "A"],
    "rectangle": ["xc", "yc", "w", "h", "theta", "R", "G", "B", "A"],
}


def bezier_fit_many(pts: np.ndarray, n: np.ndarray) -> np.ndarray:
    """(N, 3, 2) control points P0, P1, P2 of the quadratic Béziers through each polyline's ends
    (``pts`` (N, L, 2), the first ``n[i]`` points valid) that fit their points best: least
    squares in P1 from chord-length parameters, refined twice by moving each point's parameter
    to its nearest point on the curve (33 samples)."""
    pts = np.asarray(pts, np.float64)
    N, L, _ = pts.shape
    n = np.asarray(n, np.int64)
    valid = np.arange(L)[None, :] < n[:, None]
    p0 = pts[:, 0]
    p2 = pts[np.arange(N), np.maximum(n - 1, 0)]
    seg = np.linalg.norm(np.diff(pts, axis=1), axis=2) * valid[:, 1:]
    cum = np.concatenate([np.zeros((N, 1)), np.cumsum(seg, axis=1)], axis=1)
    total = cum[np.arange(N), np.maximum(n - 1, 0)]
    t = np.where(total[:, None] > 1e-9, cum / np.maximum(total[:, None], 1e-9), 0.0)
    t = np.clip(t, 0.0, 1.0)
    u = np.linspace(0.0, 1.0, 33)[None, :, None]
    p1 = 0.5 * (p0 + p2)
    for it in range(3):
        b1 = 2.0 * t * (1.0 - t) * valid
        rest = pts - ((1.0 - t) ** 2)[..., None] * p0[:, None] - (t * t)[..., None] * p2[:, None]
        den = (b1 * b1).sum(1)
        fit = (b1[..., None] * rest).sum(1) / np.maximum(den, 1e-12)[:, None]
        p1 = np.where((den > 1e-12)[:, None] & (n >= 3)[:, None], fit, 0.5 * (p0 + p2))
        if it == 2:
            break
        dense = (1 - u) ** 2 * p0[:, None] + 2 * u * (1 - u) * p1[:, None] + u * u * p2[:, None]
        d = np.linalg.norm(pts[:, :, None, :] - dense[:, None, :, :], axis=3)  # (N, L, 65)
        t = u[0, d.argmin(2), 0]
        t[:, 0] = 0.0
        t[np.arange(N), np.maximum(n - 1, 0)] = 1.0
    return np.stack([p0, p1, p2], axis=1)


def bezier_fit(pts: np.ndarray) -> np.ndarray:
    """(3, 2) control points of the quadratic Bézier fitted to one polyline (see
    :func:`bezier_fit_many`)."""
    pts = np.asarray(pts, np.float64)
    return bezier_fit_many(pts[None], np.array([len(pts)]))[0]


def snp_strokes(layers: list, brush: str, H: int, W: int, opacity: float) -> str:
    """The strokes in the parameter layout of Stylized Neural Painting's renderer for the brush
    (:data:`SNP_RENDERER`, :data:`SNP_LAYOUT`), as JSON.

    Conventions (those of that renderer, on a canvas of side S; here the short side): x is the
    column and y the row, each divided by (W - 1) and (H - 1) (SNP's canvas is square: render at
    W × H, or at S × S for a square image); markerpen/watercolor give x1, y1 as SNP does,
    relative to the chord (x1_abs = x0 + (x2 - x0) · x1; 0.5 where the chord has no extent on that
    axis); radii as SNP decodes them, r_px = 1 + radius · S / 4; oilpaintbrush w = (length - 1)
    / S, h = (2r - 1) / S; rectangle w, h = (half-size - 1) · 4 / S; theta = the chord's angle
    from +x towards +y (rows down) / π. Colours sRGB 0..1 — the ink for the transparent brushes
    (what multiplies the paper), both ends the same colour; A = the brush's opacity."""
    S = float(min(H, W))
    sx, sy = 1.0 / max(W - 1, 1), 1.0 / max(H - 1, 1)
    name = SNP_RENDERER[brush]
    out = []

    def rad(r_px):  # SNP: r_px = 1 + radius * S / 4
        return max(0.0, (r_px - 1.0) * 4.0 / S)

    a = float(opacity)
    for ly in layers:
        r = float(ly.radius)
        cols = np.clip(ly.color, 0.0, 1.0).astype(np.float64)
        if name in ("markerpen", "watercolor"):
            b = bezier_fit_many(ly.points, ly.n)
            x0, y0 = b[:, 0, 0] * sx, b[:, 0, 1] * sy
            x2, y2 = b[:, 2, 0] * sx, b[:, 2, 1] * sy
            x1a, y1a = b[:, 1, 0] * sx, b[:, 1, 1] * sy
            dx, dy = x2 - x0, y2 - y0
            x1 = np.where(np.abs(dx) > 1e-9, (x1a - x0) / np.where(np.abs(dx) > 1e-9, dx, 1.0), 0.5)
            y1 = np.where(np.abs(dy) > 1e-9, (y1a - y0) / np.where(np.abs(dy) > 1e-9, dy, 1.0), 0.5)
            rr = np.full_like(x0, rad(r))
            parts = [x0, y0, x1, y1, x2, y2, rr, rr, cols[:, 0], cols[:, 1], cols[:, 2]]
            if name == "watercolor":
                parts += [cols[:, 0], cols[:, 1], cols[:, 2]]
            parts.append(np.full_like(x0, a))
        else:
            N = len(ly.n)
            p0 = ly.points[:, 0].astype(np.float64)
            p1 = ly.points[np.arange(N), np.maximum(ly.n - 1, 0)].astype(np.float64)
            d = p1 - p0
            theta = np.arctan2(d[:, 1], d[:, 0]) / np.pi
            length = np.hypot(d[:, 0], d[:, 1]) + 2.0 * r * (name == "oilpaintbrush")
            xc, yc = 0.5 * (p0[:, 0] + p1[:, 0]) * sx, 0.5 * (p0[:, 1] + p1[:, 1]) * sy
            if name == "oilpaintbrush":
                parts = [
                    xc,
                    yc,
                    np.maximum(0.0, (length - 1.0) / S),
                    np.full(N, max(0.0, (2 * r - 1.0) / S)),
                    theta,
                    cols[:, 0],
                    cols[:, 1],
                    cols[:, 2],
                    cols[:, 0],
                    cols[:, 1],
                    cols[:, 2],
                    np.full(N, a),
                ]
            else:
                parts = [
                    xc,
                    yc,
                    np.maximum(0.0, (0.5 * length - 1.0) * 4.0 / S),
                    np.full(N, rad(r)),
                    theta,
                    cols[:, 0],
                    cols[:, 1],
                    cols[:, 2],
                    np.full(N, a),
                ]
        out.extend(np.round(np.stack(parts, axis=1), 5).tolist())
    return json.dumps(
        {"renderer": name, "layout": SNP_LAYOUT[name], "canvas": [W, H], "strokes": out},
        separators=(",", ":"),
    )


def strokes_json(layers: list, brush: str) -> str:
    out = [
        {
            "layer": li,
            "radius": round(float(r), 3),
            "color": [round(float(v), 4) for v in c],
            "points": [[round(float(x), 2), round(float(y), 2)] for x, y in pts],
            "brush": brush,
        }
        for li, r, c, pts in stroke_records(layers, brush)
    ]
    return json.dumps(out, separators=(",", ":"))


def svg(layers: list, brush: str, H: int, W: int, opacity: float, paper: np.ndarray) -> str:
    """SVG of the strokes in painting order (one <polyline> each). Pixel centres are at integer
    coordinates, as in the image, hence the half-pixel translation. Transparent media multiply
    (mix-blend-mode); the clipping of strokes to their object's region is not part of it."""
    bg = paper if brush == "watercolour" else np.ones(3, np.float32)
    cap = {"tape": "butt", "marker": "square"}.get(brush, "round")
    blend = ' style="mix-blend-mode:multiply"' if brush in ("watercolour", "marker") else ""
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}">',
        f'<rect width="{W}" height="{H}" fill="{_hex(bg)}"/>',
        f'<g transform="translate(0.5 0.5)" fill="none" stroke-linecap="{cap}" '
        f'stroke-linejoin="round" stroke-opacity="{opacity:g}">',
    ]
    for _, r, c, pts in stroke_records(layers, brush):
        if len(pts) == 1:
            pts = np.concatenate([pts, pts])
        ps = " ".join(f"{x:.2f},{y:.2f}" for x, y in pts)
        lines.append(
            f'<polyline points="{ps}" stroke="{_hex(c)}" stroke-width="{2 * r:.2f}"{blend}/>'
        )
    lines.append("</g>\n</svg>\n")
    return "\n".join(lines)


def _hex(c) -> str:
    r, g, b = (int(round(float(np.clip(v, 0.0, 1.0)) * 255)) for v in c)
    return f"#{r:02x}{g:02x}{b:02x}"
