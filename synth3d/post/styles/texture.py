"""Texture: a reference painting's brush texture (not only its colours), patch by patch, no weights.

Texture transfer by image quilting (Efros & Freeman, *Image quilting for texture synthesis and
transfer*, SIGGRAPH 2001). The frame's colours are first moved to the reference's (the
``transfer`` pass's sliced optimal transport, :mod:`.transfer`). Then the frame is tiled, in
raster order, with square patches of the reference (side ``patch`` px at a 512-px short side,
overlapping by a quarter): for each tile the reference patches whose blurred lightness matches the
frame's there best are found (all reference patches on a 3-px grid, compared as 6×6 area
averages with one matrix product), and among the ``candidates`` best the one that also agrees
with the patches already placed (the overlap) is chosen (``rng`` picks among those within 10 % of
the best, as Efros & Freeman do). Each patch is cut into its neighbours along the
minimum-error boundary (dynamic programming over the overlap), so no seam shows.

The quilt is a picture made only of the reference's own brushwork, arranged like the frame. The
result keeps the frame's large-scale lightness and colour (its Lab values low-passed by a
Gaussian of σ = ``detail_sigma``) and takes the quilt's detail below that scale (the quilt minus
its own low pass), scaled by ``strength``: brush marks, canvas weave and paper grain come from the
reference, while the frame's shapes and shading stay where they are. Across the frame's own
edges (lightness gradient above ``edge_keep``) the frame keeps its own detail, so outlines are
not redrawn by the patches and do not move (content shift measured by
``scripts/style_quality.py``).
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from ...template.style_params.texture import NAME, USES_NORMALS, Params  # noqa: F401
from .base import GBuffers, StyleResult

_REF_SIDE = 384  # references are used at most this long side (the patch grid stays small)
_FEAT = 6  # patch features: FEAT × FEAT area averages of the blurred lightness
_STRIDE = 3  # reference patches on this grid


@lru_cache(maxsize=4)
def _reference(path: str, mtime_ns: int, size: int, P: int):
    """(reference Lab (h, w, 3), patch features (n, FEAT²) float32, their squared norms, patch
    corners (n, 2))."""
    from .transfer import _read, to_lab

    rgb, _ = _read(path)
    h, w = rgb.shape[:2]
    s = min(1.0, _REF_SIDE / max(h, w))
    if s < 1.0:
        rgb = cv2.resize(
            rgb, (max(P + 1, round(w * s)), max(P + 1, round(h * s))), interpolation=cv2.INTER_AREA
        )
    if min(rgb.shape[:2]) < P + 1:
        f = (P + 1) / min(rgb.shape[:2])
        rgb = cv2.resize(
            rgb,
            (round(rgb.shape[1] * f) + 1, round(rgb.shape[0] * f) + 1),
            interpolation=cv2.INTER_CUBIC,
        )
    lab = to_lab(rgb)
    feats, corners = _features(lab[..., 0], P, _STRIDE)
    return lab, feats, (feats * feats).sum(1), corners


def _features(L: np.ndarray, P: int, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """Features of the P×P patches of L at a grid of ``stride``: FEAT×FEAT area averages of L
    blurred at P/8 (so they compare local lightness structure, not grain). Returns (n, FEAT²)
    float32 and the patches' top-left corners (n, 2) as (y, x)."""
    Lb = cv2.GaussianBlur(L, (0, 0), max(1.0, P / 8.0))
    h, w = L.shape
    ys = np.arange(0, h - P + 1, stride)
    xs = np.arange(0, w - P + 1, stride)
    # area averages over FEAT×FEAT cells of each patch via an integral image
    ii = cv2.integral(Lb.astype(np.float32), sdepth=cv2.CV_64F)
    edges = np.round(np.linspace(0, P, _FEAT + 1)).astype(int)
    out = np.empty((ys.size, xs.size, _FEAT, _FEAT), np.float32)
    for a in range(_FEAT):
        y0, y1 = ys + edges[a], ys + edges[a + 1]
        for b in range(_FEAT):
            x0, x1 = xs + edges[b], xs + edges[b + 1]
            s = ii[y1][:, x1] - ii[y0][:, x1] - ii[y1][:, x0] + ii[y0][:, x0]
            out[:, :, a, b] = s / ((edges[a + 1] - edges[a]) * (edges[b + 1] - edges[b]))
    yy, xx = np.meshgrid(ys, xs, indexing="ij")
    return out.reshape(-1, _FEAT * _FEAT), np.stack([yy.ravel(), xx.ravel()], 1)


def _min_cut(err: np.ndarray) -> np.ndarray:
    """Minimum-error vertical boundary through an (n, o) error map (dynamic programming):
    (n,) column index per row; pixels left of it keep the old content."""
    n, o = err.shape
    cost = err.copy()
    for i in range(1, n):
        prev = cost[i - 1]
        left = np.concatenate([[np.inf], prev[:-1]])
        right = np.concatenate([prev[1:], [np.inf]])
        cost[i] += np.minimum(np.minimum(left, prev), right)
    path = np.empty(n, np.int64)
    path[-1] = int(np.argmin(cost[-1]))
    for i in range(n - 2, -1, -1):
        j = path[i + 1]
        lo, hi = max(0, j - 1), min(o, j + 2)
        path[i] = lo + int(np.argmin(cost[i, lo:hi]))
    return path


def quilt(
    target_L: np.ndarray,
    ref_lab: np.ndarray,
    feats: np.ndarray,
    norms: np.ndarray,
    corners: np.ndarray,
    P: int,
    k: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """(H, W, 3) Lab image tiled with reference patches arranged after ``target_L`` (H, W)."""
    H, W = target_L.shape
    O = max(2, P // 4)
    step = P - O
    ny = max(1, -(-(H - O) // step))
    nx = max(1, -(-(W - O) // step))
    Hp, Wp = ny * step + O, nx * step + O
    Lpad = np.pad(target_L, ((0, Hp - H), (0, Wp - W)), mode="reflect")
    tf, _ = _features(Lpad, P, step)  # one feature row per tile, raster order
    tf = tf.reshape(ny, nx, -1)
    # squared distances tile × reference patch (‖a‖² - 2ab + ‖b‖²), best k per tile
    d = norms[None, :] - 2.0 * (tf.reshape(ny * nx, -1) @ feats.T)
    k = min(k, d.shape[1])
    best = np.argpartition(d, k - 1, axis=1)[:, :k]
    corr = np.take_along_axis(d, best, 1) + (tf.reshape(ny * nx, -1) ** 2).sum(1)[:, None]
    out = np.zeros((Hp, Wp, 3), np.float32)
    Lref = ref_lab[..., 0]
    scale = float(np.var(Lref)) * P * P + 1e-6
    for ty in range(ny):
        for tx in range(nx):
            t = ty * nx + tx
            y, x = ty * step, tx * step
            cand = corners[best[t]]
            err = corr[t] / (_FEAT * _FEAT) * (P * P)  # per-pixel scale, like the overlap term
            ov_l = ov_t = None
            if tx > 0 or ty > 0:
                cur = out[y : y + P, x : x + P, 0]
                patches = np.stack([Lref[cy : cy + P, cx : cx + P] for cy, cx in cand])
                diff2 = (patches - cur[None]) ** 2
                oe = np.zeros(len(cand), np.float32)
                if tx > 0:
                    ov_l = diff2[:, :, :O]
                    oe += ov_l.sum((1, 2))
                if ty > 0:
                    ov_t = diff2[:, :O, :]
                    oe += ov_t.sum((1, 2))
                err = 0.3 * err + oe
            lo = float(err.min())
            ok = np.flatnonzero(err <= lo * 1.1 + 1e-3 * scale / (P * P))
            j = int(ok[rng.integers(0, ok.size)]) if ok.size > 1 else int(np.argmin(err))
            cy, cx = cand[j]
            patch = ref_lab[cy : cy + P, cx : cx + P]
            keep = np.ones((P, P), bool)  # where the new patch is laid
            if ov_l is not None:
                cut = _min_cut(ov_l[j])
                keep &= np.arange(P)[None, :] >= np.pad(cut, (0, P - len(cut)))[:, None]
            if ov_t is not None:
                cut = _min_cut(ov_t[j].T)
                keep &= np.arange(P)[:, None] >= cut[None, :]
            region = out[y : y + P, x : x + P]
            region[keep] = patch[keep]
    return out[:H, :W]


def apply(img: np.ndarray, g: GBuffers, p: Params, rng: np.random.Generator) -> StyleResult:
    import os

    from ...errors import AssetError
    from .transfer import _match, load_reference, to_lab, to_srgb

    src = np.ascontiguousarray(np.clip(img[..., :3], 0.0, 1.0), np.float32)
    H, W = src.shape[:2]
    k = min(H, W) / 512.0
    P = int(max(6, round(p.patch * k)))
    if not p.reference:
        raise AssetError("texture.reference", "no reference image given")
    try:
        st = os.stat(p.reference)
    except OSError:
        raise AssetError(p.reference, "reference image not found") from None
    ref_lab, feats, norms, corners = _reference(
        os.path.abspath(p.reference), st.st_mtime_ns, st.st_size, P
    )
    lab = to_lab(src)
    if p.colour:
        stats = load_reference(p.reference)
        flat = lab.reshape(-1, 3)
        pick = rng.integers(0, flat.shape[0], 4096)
        lab = _match("sliced", lab, flat[pick], stats, src=src).astype(np.float32)
    if p.strength <= 0:
        return StyleResult(image=to_srgb(lab))
    q = quilt(lab[..., 0], ref_lab, feats, norms, corners, P, p.candidates, rng)
    s = max(0.5, p.detail_sigma * k)
    base = cv2.GaussianBlur(lab, (0, 0), s)
    detail = q - cv2.GaussianBlur(q, (0, 0), s)
    if p.edge_keep > 0:
        # where the frame has an edge (lightness gradient ≳ edge_keep), its own detail stays:
        # outlines are not re-drawn by the reference's patches, so they do not move
        L = cv2.GaussianBlur(lab[..., 0], (0, 0), 1.0)
        gm = np.hypot(cv2.Sobel(L, cv2.CV_32F, 1, 0), cv2.Sobel(L, cv2.CV_32F, 0, 1)) / 8.0
        w = np.exp(-np.square(gm / np.float32(p.edge_keep / k)))
        w = cv2.GaussianBlur(cv2.erode(w, np.ones((5, 5), np.uint8)), (0, 0), 1.5)[..., None]
        out = base + w * (np.float32(p.strength) * detail) + (1.0 - w) * (lab - base)
    else:
        out = base + np.float32(p.strength) * detail
    return StyleResult(image=to_srgb(out))


# --------------------------------------------------------------------------------------------
# the measure


def lbp_histogram(rgb: np.ndarray, radius: int) -> np.ndarray:
    """Rotation-invariant uniform LBP histogram (Ojala et al. 2002, LBP^riu2 with 8 neighbours)
    of an sRGB image's grey values at ``radius`` px: 10 bins (0..8 = number of neighbours at
    least as bright as the centre for uniform patterns, 9 = non-uniform), summing to 1."""
    a = np.asarray(rgb)
    if a.dtype != np.uint8:
        a = np.round(np.clip(a, 0, 1) * 255).astype(np.uint8)
    grey = cv2.cvtColor(np.ascontiguousarray(a[..., :3]), cv2.COLOR_RGB2GRAY).astype(np.int16)
    r = radius
    c = grey[r:-r, r:-r]
    h, w = c.shape
    d = int(round(r / np.sqrt(2.0)))
    offs = [(0, r), (-d, d), (-r, 0), (-d, -d), (0, -r), (d, -d), (r, 0), (d, d)]
    bits = np.stack([grey[r + dy : r + dy + h, r + dx : r + dx + w] >= c for dy, dx in offs])
    ones = bits.sum(0)
    trans = (bits != np.roll(bits, 1, axis=0)).sum(0)
    code = np.where(trans <= 2, ones, 9)
    hist = np.bincount(code.ravel(), minlength=10).astype(np.float64)
    return hist / max(hist.sum(), 1.0)


def texture_distance(a: np.ndarray, b: np.ndarray, radii=(1, 2, 4)) -> float:
    """Texture statistics distance of two images (sizes may differ): the mean over ``radii`` of
    the L1 distance between their LBP^riu2 histograms (:func:`lbp_histogram`); 0..2."""
    return float(np.mean([np.abs(lbp_histogram(a, r) - lbp_histogram(b, r)).sum() for r in radii]))


def _responses(rgb: np.ndarray, sigmas=(1.0, 2.0, 4.0)) -> np.ndarray:
    """(N, 3·len(sigmas)) filter-bank responses of an sRGB image's grey values (0..1): x and y
    Gaussian derivatives and the Laplacian of Gaussian at each σ (px), scale-normalised."""
    a = np.asarray(rgb)
    if a.dtype == np.uint8:
        a = a.astype(np.float32) / 255.0
    grey = cv2.cvtColor(np.ascontiguousarray(a[..., :3], np.float32), cv2.COLOR_RGB2GRAY)
    out = []
    for s in sigmas:
        b = cv2.GaussianBlur(grey, (0, 0), s)
        out.append(s * cv2.Sobel(b, cv2.CV_32F, 1, 0, ksize=3) / 8.0)
        out.append(s * cv2.Sobel(b, cv2.CV_32F, 0, 1, ksize=3) / 8.0)
        out.append(s * s * cv2.Laplacian(b, cv2.CV_32F, ksize=3) / 4.0)
    return np.stack([o.ravel() for o in out], 1).astype(np.float64)


def gram_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Texture statistics distance of image ``a`` to reference ``b`` (sizes may differ): the
    Frobenius norm of the difference of their Gram matrices of filter-bank responses
    (:func:`_responses`; G = FᵀF / N, as in Gatys et al. but with fixed derivative filters
    instead of a trained network), relative to the reference's Gram norm."""
    fa, fb = _responses(a), _responses(b)
    ga, gb = fa.T @ fa / len(fa), fb.T @ fb / len(fb)
    return float(np.linalg.norm(ga - gb) / max(np.linalg.norm(gb), 1e-12))


def load_reference(path: str):
    """The preflight's opener for ``reference`` (reads and caches its colour statistics)."""
    from .transfer import load_reference as colour_reference

    return colour_reference(path)


def _texture_pixels(rgb: np.ndarray) -> np.ndarray:
    """Where an image's texture (not its shapes) is measured: the half of its pixels with the
    weakest large-scale structure (gradient of the grey image low-passed at σ = 4 px, at or
    below its median)."""
    a = np.asarray(rgb)
    if a.dtype == np.uint8:
        a = a.astype(np.float32) / 255.0
    grey = cv2.cvtColor(np.ascontiguousarray(a[..., :3], np.float32), cv2.COLOR_RGB2GRAY)
    b = cv2.GaussianBlur(grey, (0, 0), 4.0)
    g = np.hypot(cv2.Sobel(b, cv2.CV_32F, 1, 0), cv2.Sobel(b, cv2.CV_32F, 0, 1))
    return (g <= np.median(g)).ravel()


def texture_gram_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Brush-texture distance of image ``a`` to reference ``b``: :func:`gram_distance` of the
    fine-scale responses (σ = 1 and 2 px) taken only over each image's texture pixels
    (:func:`_texture_pixels`), so the frame's shapes and outlines — which a texture transfer
    keeps on purpose — do not count."""
    fa = _responses(a, (1.0, 2.0))[_texture_pixels(a)]
    fb = _responses(b, (1.0, 2.0))[_texture_pixels(b)]
    ga, gb = fa.T @ fa / len(fa), fb.T @ fb / len(fb)
    return float(np.linalg.norm(ga - gb) / max(np.linalg.norm(gb), 1e-12))
