"""Transfer: the colours (and optionally the fine texture) of a reference image, without weights.

All methods work in CIE Lab (``cv2.cvtColor`` of the sRGB values, D65) and learn a colour mapping
from samples of the frame and of the reference (the reference's opaque pixels only, when it has
an alpha channel):

* ``reinhard`` — Reinhard et al., *Color transfer between images* (2001): each Lab channel is
  shifted and scaled to the reference's mean and standard deviation (once more after clipping
  to the sRGB gamut, which pulls the moments back);
* ``histogram`` — each Lab channel's distribution is matched to the reference's (monotone
  mapping of quantiles, i.e. CDF matching);
* ``sliced`` — the whole 3-D Lab distribution is moved towards the reference's by iterative
  distribution transfer / sliced optimal transport (Pitié, Kokaram & Dahyot 2005): a rotation,
  a 1-D quantile matching along each rotated axis, repeated (11 fixed random rotations, then
  L, a, b). The map is learnt on samples and evaluated on a 33³ lattice over sRGB, applied to
  every pixel by trilinear interpolation (two ``cv2.remap``), so it is smooth and its cost does
  not grow with the frame. Then L is replaced by a monotone match of the frame's own lightness
  (shading keeps its order: a shadow never turns light) and a and b get a final match whose
  slope is capped at 4 (the frame's faint variations are not blown up into blotches).

``strength`` blends the result with the frame in Lab; ``preserve_luminance`` keeps the frame's
lightness (only a and b change). ``texture`` adds a light texture-synthesis-style part in the
spirit of Heeger & Bergen (1995): the lightness detail of the frame (a high-pass band) is scaled
to the reference's detail contrast, and a texture made of the reference's own detail band —
random 32-pixel patches, mirrored at random and cross-faded so no seam shows, its edges
compressed so that grain, brush marks or weave come through but not the reference's outlines —
is added. The content never moves: every method is a per-pixel colour mapping plus a zero-mean
detail texture.

:func:`lab_hist_distance` is the measure the methods are held to.

References are loaded once and kept (downsampled to a 512-pixel long side) in a small cache keyed
by path, modification time and size.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import NamedTuple

import cv2
import numpy as np

from ...assets.images import imread
from ...errors import AssetError
from ...template.style_params.transfer import NAME, USES_NORMALS, Params  # noqa: F401
from .base import GBuffers, StyleResult

_REF_SIDE = 512  # references are kept at most this long side
_N_SAMPLES = 4096  # samples of the reference and of the frame the mappings are learnt from
_N_QUANT = 257  # quantiles of a 1-D distribution match
_LUT = 33  # lattice nodes per sRGB axis of the sliced method's mapping
_MAX_SLOPE = 4.0  # sliced: the final a, b maps stretch the frame's values at most this much
_SLICED_ITERS = 12
_DETAIL_SIGMA = 1.5  # Gaussian scale separating "detail" (texture) from the base
_PATCH = 32  # side of the reference patches the texture is assembled from
_L_RANGE = (0.0, 100.0)
_AB_RANGE = (-128.0, 128.0)


# --------------------------------------------------------------------------------------------
# colour spaces and the measure


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (H, W, 3) float 0..1 or uint8 → Lab float32 (L 0..100, a, b about -128..127)."""
    rgb = np.asarray(rgb)
    if rgb.dtype == np.uint8:
        rgb = rgb.astype(np.float32) * np.float32(1.0 / 255.0)
    rgb = np.clip(rgb.astype(np.float32, copy=False), 0.0, 1.0)
    return cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2Lab)


def to_srgb(lab: np.ndarray) -> np.ndarray:
    """Lab float32 → sRGB float32 0..1 (clipped)."""
    return np.clip(cv2.cvtColor(np.ascontiguousarray(lab, np.float32), cv2.COLOR_Lab2RGB), 0.0, 1.0)


def lab_hist_distance(a: np.ndarray, b: np.ndarray, bins: int = 32) -> float:
    """Distance between the colour distributions of two images, in Lab units.

    The mean over the L, a and b channels of the earth mover's (Wasserstein-1) distance between
    the two images' 1-D histograms of that channel, with ``bins`` equal bins over L 0..100 and
    a, b -128..128: sum over bins of |CDF_a - CDF_b| × bin width. 0 for equal histograms; a
    uniform shift of a channel by d (within the range) adds d/3.

    a, b : (H, W, 3) sRGB images, uint8 or float 0..1 (sizes may differ)."""
    la, lb = to_lab(a).reshape(-1, 3), to_lab(b).reshape(-1, 3)
    total = 0.0
    for c, (lo, hi) in enumerate((_L_RANGE, _AB_RANGE, _AB_RANGE)):
        ha, _ = np.histogram(la[:, c], bins=bins, range=(lo, hi))
        hb, _ = np.histogram(lb[:, c], bins=bins, range=(lo, hi))
        ca = np.cumsum(ha) / max(ha.sum(), 1)
        cb = np.cumsum(hb) / max(hb.sum(), 1)
        total += float(np.abs(ca - cb).sum()) * (hi - lo) / bins
    return total / 3.0


# --------------------------------------------------------------------------------------------
# the reference


class _Reference(NamedTuple):
    samples: np.ndarray  # (n, 3) float32 Lab of (opaque) pixels, a fixed subsample
    quantiles: np.ndarray  # (3, _N_QUANT) per-channel quantiles of the samples
    sliced: np.ndarray  # (_SLICED_ITERS, 3, _N_QUANT) quantiles along each rotated axis
    mean: np.ndarray  # (3,)
    std: np.ndarray  # (3,)
    detail: np.ndarray  # (h, w) float32 lightness detail band (L units), zero mean
    detail_std: float


def _read(path: str) -> tuple[np.ndarray, np.ndarray | None]:
    """sRGB float32 (H, W, 3) 0..1 and alpha (H, W) or None."""
    ext = os.path.splitext(path)[1].lower()
    if ext in (".hdr", ".exr", ".pfm"):
        img = imread(path, cv2.IMREAD_ANYDEPTH | cv2.IMREAD_COLOR)
        if img is None:
            raise AssetError(path, "cannot read HDR image")
        lin = cv2.cvtColor(img, cv2.COLOR_BGR2RGB).astype(np.float32)
        lin = np.maximum(lin, 0.0)
        lum = lin @ np.float32([0.2126, 0.7152, 0.0722])
        key = np.exp(np.mean(np.log(lum + 1e-4)))  # Reinhard's global operator, key 0.18
        x = lin * np.float32(0.18 / max(key, 1e-6))
        x = x / (1.0 + x)
        srgb = np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055)
        return np.clip(srgb, 0.0, 1.0).astype(np.float32), None
    img = imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise AssetError(path, "cannot read image (missing, corrupt or unsupported)")
    if img.ndim == 2:
        img = img[:, :, None].repeat(3, axis=2)
    scale = {np.dtype(np.uint8): 1 / 255.0, np.dtype(np.uint16): 1 / 65535.0}.get(img.dtype)
    if scale is None:
        raise AssetError(path, f"unsupported image sample type {img.dtype}")
    f = img.astype(np.float32) * np.float32(scale)
    rgb = cv2.cvtColor(np.ascontiguousarray(f[:, :, :3]), cv2.COLOR_BGR2RGB)
    alpha = f[:, :, 3] if f.shape[2] == 4 else None
    return rgb, alpha


@lru_cache(maxsize=8)
def _reference_cached(path: str, mtime_ns: int, size: int) -> _Reference:
    rgb, alpha = _read(path)
    H, W = rgb.shape[:2]
    s = min(1.0, _REF_SIDE / max(H, W))
    if s < 1.0:
        dsize = (max(1, round(W * s)), max(1, round(H * s)))
        rgb = cv2.resize(rgb, dsize, interpolation=cv2.INTER_AREA)
        if alpha is not None:
            alpha = cv2.resize(alpha, dsize, interpolation=cv2.INTER_AREA)
    lab = to_lab(rgb)
    flat = lab.reshape(-1, 3)
    keep = np.flatnonzero(alpha.ravel() > 0.5) if alpha is not None else np.arange(len(flat))
    if keep.size == 0:
        raise AssetError(path, "reference image has no opaque pixels")
    pick = np.random.default_rng(0).choice(keep, min(_N_SAMPLES, keep.size), replace=False)
    samples = flat[np.sort(pick)].astype(np.float32)
    t = np.linspace(0.0, 1.0, _N_QUANT)
    L = lab[..., 0]
    detail = L - cv2.GaussianBlur(L, (0, 0), _DETAIL_SIGMA)
    if alpha is not None:
        detail = detail * (alpha > 0.5)
    dvals = detail.ravel()[keep]
    detail_std = float(dvals.std())
    # grain, not edges: values beyond ~2.5 robust deviations (the reference's outlines) are
    # compressed smoothly
    c = 2.5 * 1.4826 * float(np.median(np.abs(dvals - np.median(dvals)))) + 1e-3
    detail = np.float32(c) * np.tanh((detail - np.float32(np.median(dvals))) / np.float32(c))
    if alpha is not None:
        detail *= alpha > 0.5
    for a in (samples, detail):
        a.setflags(write=False)
    sliced = np.stack([np.quantile(samples @ R, t, axis=0).T for R in _ROTATIONS])
    return _Reference(
        samples=samples,
        quantiles=np.quantile(samples, t, axis=0).T.astype(np.float32),
        sliced=sliced.astype(np.float32),
        mean=samples.mean(0),
        std=samples.std(0) + 1e-6,
        detail=detail.astype(np.float32),
        detail_std=detail_std,
    )


def load_reference(path: str) -> _Reference:
    """The reference's statistics, cached by (path, mtime, size)."""
    if not path:
        raise AssetError("transfer.reference", "no reference image given")
    try:
        st = os.stat(path)
    except OSError:
        raise AssetError(path, "reference image not found") from None
    return _reference_cached(os.path.abspath(path), st.st_mtime_ns, st.st_size)


# --------------------------------------------------------------------------------------------
# mappings


def _match_1d(
    x: np.ndarray, src_q: np.ndarray, ref_q: np.ndarray, max_slope: float | None = None
) -> np.ndarray:
    """Monotone map sending the quantiles src_q to ref_q (flat runs of src_q made increasing).
    With ``max_slope`` the map's slope is capped (then shifted to keep the mean of ref_q)."""
    sq = np.maximum.accumulate(src_q + np.arange(src_q.size) * 1e-5)
    rq = ref_q
    if max_slope is not None:
        d = np.diff(sq)
        slope = np.clip(np.diff(ref_q) / d, 0.0, max_slope)
        rq = np.concatenate([[0.0], np.cumsum(slope * d)])
        rq += np.mean(ref_q) - np.mean(rq)
    return np.interp(x, sq, rq).astype(np.float32)


def _match_channels(lab: np.ndarray, samples: np.ndarray, ref_q: np.ndarray) -> None:
    """In place: each channel of ``lab`` mapped so that its quantiles (estimated from
    ``samples``) become ``ref_q`` (3, _N_QUANT)."""
    sq = np.quantile(samples, np.linspace(0.0, 1.0, _N_QUANT), axis=0).T
    for c in range(3):
        lab[..., c] = _match_1d(lab[..., c], sq[c], ref_q[c])


def _rotations(n: int) -> list[np.ndarray]:
    """n fixed 3-D rotations: n-1 random ones (Haar, from a constant seed, so the reference's
    projections can be cached), then the identity (the last match is along L, a, b)."""
    rng = np.random.default_rng(20050101)
    out = []
    for _ in range(n - 1):
        q, r = np.linalg.qr(rng.standard_normal((3, 3)))
        out.append((q * np.sign(np.diag(r))).astype(np.float32))
    return out + [np.eye(3, dtype=np.float32)]


_ROTATIONS = _rotations(_SLICED_ITERS)


def _sliced_lut(src: np.ndarray, ref: _Reference) -> np.ndarray:
    """(_LUT, _LUT, _LUT, 3) Lab values of the sliced-OT mapping at a lattice over sRGB: the
    frame's samples are moved along each axis of each rotation to the reference's quantiles,
    and the lattice's colours are moved by the same 1-D maps."""
    g = np.linspace(0.0, 1.0, _LUT, dtype=np.float32)
    grid = np.stack(np.meshgrid(g, g, g, indexing="ij"), axis=-1).reshape(1, -1, 3)
    G = to_lab(grid).reshape(-1, 3)
    X = src.astype(np.float32)
    t = np.linspace(0.0, 1.0, _N_QUANT)
    for R, rq in zip(_ROTATIONS, ref.sliced):
        Xp, Gp = X @ R, G @ R
        sq = np.quantile(Xp, t, axis=0)
        for j in range(3):
            Xp[:, j] = _match_1d(Xp[:, j], sq[:, j], rq[j])
            Gp[:, j] = _match_1d(Gp[:, j], sq[:, j], rq[j])
        X, G = Xp @ R.T, Gp @ R.T
    return G.reshape(_LUT, _LUT, _LUT, 3).astype(np.float32)


def _apply_lut(img: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """Trilinear interpolation of a lattice (n, n, n, 3) over [0, 1]³ at every pixel of an sRGB
    image: bilinear in (r, b) by cv2.remap on the lattice unfolded to (n, n·n) — once for the
    g slice below the pixel and once above — then linear in g."""
    n = lut.shape[0]
    flat = np.ascontiguousarray(lut.reshape(n, n * n, 3))  # [r, g*n + b]
    x = np.clip(img, 0.0, 1.0) * np.float32(n - 1)
    r, gg, b = x[..., 0], x[..., 1], x[..., 2]
    g0 = np.minimum(gg.astype(np.int32), n - 2)
    fg = (gg - g0)[..., None]
    mx0 = (g0 * n).astype(np.float32) + b
    lo = cv2.remap(flat, mx0, r, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    hi = cv2.remap(flat, mx0 + np.float32(n), r, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return lo + fg * (hi - lo)


def _patches(detail: np.ndarray, H: int, W: int, rng: np.random.Generator) -> np.ndarray:
    """(H, W) made of _PATCH-sided squares of ``detail`` from random places (randomly mirrored),
    side by side."""
    P = _PATCH
    h, w = detail.shape
    ny, nx = -(-H // P), -(-W // P)
    oy = rng.integers(0, h - P + 1, (ny, nx))
    ox = rng.integers(0, w - P + 1, (ny, nx))
    flip = rng.integers(0, 2, (ny, nx)).astype(bool)
    k = np.arange(P)
    cols = np.where(flip[..., None], ox[..., None] + P - 1 - k, ox[..., None] + k)
    rows = oy[..., None] + k
    tiles = detail[rows[:, :, :, None], cols[:, :, None, :]]  # (ny, nx, P, P)
    return tiles.transpose(0, 2, 1, 3).reshape(ny * P, nx * P)[:H, :W]


def _tile(detail: np.ndarray, H: int, W: int, rng: np.random.Generator) -> np.ndarray:
    """A texture of the reference's detail band covering (H, W): the reference's grain without
    its recognisable content. Four layers of random patches, offset by half a patch, are
    cross-faded with tent weights so that no patch seam shows (variance kept)."""
    P = _PATCH
    if detail.shape[0] < P or detail.shape[1] < P:
        detail = np.pad(
            detail,
            ((0, max(0, P - detail.shape[0])), (0, max(0, P - detail.shape[1]))),
            mode="symmetric",
        )
    h2 = P // 2
    tent = 1.0 - np.abs((np.arange(P + h2 * 2) % P + 0.5) / P * 2.0 - 1.0)  # 0 at seams
    out = np.zeros((H, W), np.float32)
    norm = np.zeros((H, W), np.float32)
    for dy in (0, h2):
        wy = tent[(np.arange(H) + dy) % P].astype(np.float32)
        for dx in (0, h2):
            wx = tent[(np.arange(W) + dx) % P].astype(np.float32)
            wgt = wy[:, None] * wx[None, :]
            out += wgt * _patches(detail, H + dy, W + dx, rng)[dy:, dx:]
            norm += wgt * wgt
    return out / np.sqrt(np.maximum(norm, 1e-6))


def _match(
    method: str,
    lab: np.ndarray,
    samples: np.ndarray,
    ref: _Reference,
    src: np.ndarray | None = None,
) -> np.ndarray:
    """``lab`` (H, W, 3) mapped by ``method`` (learnt from ``samples`` of it) towards the
    reference. ``src``: the sRGB frame, for the sliced method's joint transport (without it, as
    in the gamut passes, only its final per-channel matches are made)."""
    t = np.linspace(0.0, 1.0, _N_QUANT)
    if method == "reinhard":
        mu, sd = samples.mean(0), samples.std(0) + 1e-6
        return ((lab - mu) * (ref.std / sd) + ref.mean).astype(np.float32)
    if method == "histogram":
        out = lab.copy()
        _match_channels(out, samples, ref.quantiles)
        return out
    # sliced: joint transport on a lattice (smooth: it cannot amplify the frame's faint
    # variations much), then L by a monotone match of the frame's own lightness (shading stays
    # in order: no shadow becomes light) and a, b by a slope-limited match of the transported
    # values (the marginals that are measured, with at most _MAX_SLOPE× amplification)
    out = _apply_lut(src, _sliced_lut(samples, ref)) if src is not None else lab.copy()
    out[..., 0] = _match_1d(lab[..., 0], np.quantile(samples[:, 0], t), ref.quantiles[0])
    moved = out.reshape(-1, 3)[
        np.linspace(0, out.shape[0] * out.shape[1] - 1, _N_SAMPLES).astype(np.int64)
    ]
    sq = np.quantile(moved, t, axis=0).T
    for c in (1, 2):
        out[..., c] = _match_1d(out[..., c], sq[c], ref.quantiles[c], _MAX_SLOPE)
    return out


def apply(img: np.ndarray, g: GBuffers, p: Params, rng: np.random.Generator) -> StyleResult:
    src = np.ascontiguousarray(np.clip(img[..., :3], 0.0, 1.0), np.float32)
    H, W = src.shape[:2]
    ref = load_reference(p.reference)
    lab = to_lab(src)
    flat = lab.reshape(-1, 3)
    pick = rng.integers(0, flat.shape[0], _N_SAMPLES)
    samples = flat[pick]
    out = _match(p.method, lab, samples, ref, src=src)
    if p.method == "reinhard":
        # what leaves the sRGB gamut is clipped on output, which pulls the moments back towards
        # the frame's: match the clipped colours' moments once more (the per-channel methods
        # gain nothing from this)
        clipped = to_lab(to_srgb(out))
        out = _match(p.method, clipped, clipped.reshape(-1, 3)[pick], ref)
    out = out.astype(np.float32)
    if p.strength < 1.0:
        out = lab + np.float32(p.strength) * (out - lab)
    if p.preserve_luminance:
        out[..., 0] = lab[..., 0]
    if p.texture > 0.0:
        L = out[..., 0]
        base = cv2.GaussianBlur(L, (0, 0), _DETAIL_SIGMA)
        det = L - base
        sd = float(det.std())
        gain = float(np.clip(ref.detail_std / max(sd, 1e-3), 0.5, 3.0)) ** p.texture
        tex = _tile(ref.detail, H, W, rng)
        out[..., 0] = base + det * np.float32(gain) + np.float32(p.texture) * tex
    return StyleResult(image=to_srgb(out))
