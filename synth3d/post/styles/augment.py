"""Augment: photometric domain randomisation (camera and compression corruptions).

In the spirit of ImageNet-C: a ``severity`` from 1 to 5 scales every corruption. Per frame,
``count`` distinct corruptions are drawn (uniformly, without replacement, from rng) out of the
allowed ``effects``; each then draws its strength as severity's maximum × a factor in 0.5..1
(and a sign, or an angle, where it has one). The chosen corruptions are applied in a fixed,
camera-like order whatever the order of ``effects``:

chromatic (lens: R scaled up and B scaled down about the principal point, by a fraction of a
pixel at the corners) → defocus (disc kernel) → motion (line kernel at a random angle; the kernel
is point-symmetric, so nothing moves) → vignette (radial fall-off about the principal point) →
noise (sensor: Gaussian read noise plus shot noise, whose variance grows with the signal — the
Gaussian approximation of Poisson) → color (brightness, contrast, saturation, hue jitter) →
gamma → jpeg (re-compression at a quality falling with severity).

Nothing is shifted: every kernel is centred, every warp fixes the principal point. The plan of
one frame (effects and strengths) is :func:`plan`; the same rng state gives the same plan and the
same noise.
"""

from __future__ import annotations

import cv2
import numpy as np

from ...template.style_params.augment import NAME, ORDER, USES_NORMALS, Effect, Params  # noqa: F401
from .base import GBuffers, StyleResult

# Maximum strength of each corruption per severity 1..5.
_CHROMA_PX = (0.2, 0.35, 0.5, 0.75, 1.0)  # R/B displacement at the image corner, px
_DEFOCUS_R = (0.75, 1.25, 2.0, 3.0, 4.5)  # disc radius, px
_MOTION_LEN = (2.0, 4.0, 6.0, 9.0, 13.0)  # blur length, px
_VIGNETTE = (0.1, 0.2, 0.3, 0.45, 0.6)  # light lost at the corners
_READ_SIGMA = (0.008, 0.015, 0.025, 0.04, 0.06)  # read noise, sRGB units
_SHOT_PEAK = (1000.0, 400.0, 150.0, 60.0, 25.0)  # photons at white (shot noise)
_BRIGHT = (0.04, 0.08, 0.12, 0.18, 0.25)  # ± added
_CONTRAST = (0.08, 0.15, 0.25, 0.35, 0.5)  # ± relative
_SATUR = (0.1, 0.2, 0.35, 0.5, 0.7)  # ± relative
_HUE = (3.0, 6.0, 10.0, 15.0, 22.0)  # ± degrees
_GAMMA = (0.08, 0.15, 0.25, 0.35, 0.5)  # ± log gamma
_JPEG_Q = (70, 50, 35, 22, 10)  # quality at full strength (factor 1)


def plan(p: Params, rng: np.random.Generator) -> list[tuple[str, dict]]:
    """The corruptions of one frame, in the order they are applied, with their drawn values."""
    n = min(p.count, len(p.effects))
    chosen = {p.effects[i] for i in rng.choice(len(p.effects), size=n, replace=False)}
    s = p.severity - 1
    out = []
    for e in ORDER:
        if e not in chosen:
            continue
        f = float(rng.uniform(0.5, 1.0))
        if e == "chromatic":
            v = dict(corner_px=_CHROMA_PX[s] * f)
        elif e == "defocus":
            v = dict(radius_px=_DEFOCUS_R[s] * f)
        elif e == "motion":
            v = dict(length_px=_MOTION_LEN[s] * f, angle_deg=float(rng.uniform(0.0, 180.0)))
        elif e == "vignette":
            v = dict(strength=_VIGNETTE[s] * f)
        elif e == "noise":
            v = dict(read_sigma=_READ_SIGMA[s] * f, peak=_SHOT_PEAK[s] / f)
        elif e == "color":
            u = rng.uniform(-1.0, 1.0, 4)
            v = dict(
                brightness=_BRIGHT[s] * f * u[0],
                contrast=1.0 + _CONTRAST[s] * f * u[1],
                saturation=1.0 + _SATUR[s] * f * u[2],
                hue_deg=_HUE[s] * f * u[3],
            )
        elif e == "gamma":
            v = dict(gamma=float(np.exp(_GAMMA[s] * f * (1 if rng.random() < 0.5 else -1))))
        else:  # jpeg: quality from 100 (factor 0) down to the severity's quality (factor 1)
            v = dict(quality=int(round(100 - (100 - _JPEG_Q[s]) * f)))
        out.append((e, {k: float(x) if not isinstance(x, int) else x for k, x in v.items()}))
    return out


def _centre(g: GBuffers, H: int, W: int) -> tuple[float, float]:
    K = np.asarray(g.K, np.float64)
    cx, cy = float(K[0, 2]), float(K[1, 2])
    if not (0 <= cx <= W - 1 and 0 <= cy <= H - 1):
        cx, cy = (W - 1) / 2, (H - 1) / 2
    return cx, cy


def _chromatic(img, cx, cy, corner_px):
    H, W, _ = img.shape
    rmax = max(float(np.hypot(max(cx, W - 1 - cx), max(cy, H - 1 - cy))), 1.0)
    out = img.copy()
    for ch, sign in ((0, 1.0), (2, -1.0)):
        k = 1.0 + sign * corner_px / rmax
        # Channel magnified by k about (cx, cy): dst(x) = src(c + (x − c)/k).
        M = np.array([[1 / k, 0, cx - cx / k], [0, 1 / k, cy - cy / k]], np.float64)
        out[..., ch] = cv2.warpAffine(
            img[..., ch],
            M,
            (W, H),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REFLECT,
        )
    return out


def _disc(radius):
    n = int(np.ceil(radius))
    y, x = np.mgrid[-n : n + 1, -n : n + 1].astype(np.float32)
    k = np.clip(radius + 0.5 - np.hypot(x, y), 0.0, 1.0)
    return k / k.sum()


def _line(length, angle_deg):
    """Point-symmetric anti-aliased line kernel (bilinear splats of symmetric samples)."""
    half = length / 2
    n = int(np.ceil(half)) + 1
    k = np.zeros((2 * n + 1, 2 * n + 1), np.float64)
    t = np.linspace(-half, half, max(int(length * 4), 2) | 1)
    th = np.deg2rad(angle_deg)
    x, y = n + t * np.cos(th), n + t * np.sin(th)
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = x - x0, y - y0
    for dy, dx, wgt in (
        (0, 0, (1 - fx) * (1 - fy)),
        (0, 1, fx * (1 - fy)),
        (1, 0, (1 - fx) * fy),
        (1, 1, fx * fy),
    ):
        np.add.at(k, (y0 + dy, x0 + dx), wgt)
    k = 0.5 * (k + k[::-1, ::-1])  # exactly symmetric (rounding of the samples)
    return (k / k.sum()).astype(np.float32)


def _vignette(img, cx, cy, strength):
    H, W, _ = img.shape
    y, x = np.ogrid[0:H, 0:W]
    r2 = ((x - cx) ** 2 + (y - cy) ** 2) / max(
        max(cx, W - 1 - cx) ** 2 + max(cy, H - 1 - cy) ** 2, 1.0
    )
    return img * (1.0 - strength * r2).astype(np.float32)[..., None]


def _noise(img, rng, read_sigma, peak):
    x = np.clip(img, 0.0, 1.0)
    sigma = np.sqrt(read_sigma**2 + x / peak)
    return img + sigma * rng.standard_normal(img.shape, dtype=np.float32)


def _color(img, brightness, contrast, saturation, hue_deg):
    x = np.clip(img, 0.0, 1.0).astype(np.float32)
    hsv = cv2.cvtColor(x, cv2.COLOR_RGB2HSV)  # H in degrees
    hsv[..., 0] = (hsv[..., 0] + hue_deg) % 360.0
    hsv[..., 1] = np.clip(hsv[..., 1] * saturation, 0.0, 1.0)
    x = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    mean = float((0.299 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2]).mean())
    return (x - mean) * contrast + mean + brightness


def _jpeg(img, quality):
    u8 = np.clip(np.rint(img * 255.0), 0, 255).astype(np.uint8)
    _ok, buf = cv2.imencode(".jpg", u8[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    dec = cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1]
    return dec.astype(np.float32) / 255.0


def apply(img: np.ndarray, g: GBuffers, p: Params, rng: np.random.Generator) -> StyleResult:
    out = np.clip(np.asarray(img, np.float32), 0.0, 1.0)
    H, W, _ = out.shape
    cx, cy = _centre(g, H, W)
    for e, v in plan(p, rng):
        if e == "chromatic":
            out = _chromatic(out, cx, cy, v["corner_px"])
        elif e == "defocus":
            out = cv2.filter2D(out, -1, _disc(v["radius_px"]), borderType=cv2.BORDER_REFLECT)
        elif e == "motion":
            out = cv2.filter2D(
                out, -1, _line(v["length_px"], v["angle_deg"]), borderType=cv2.BORDER_REFLECT
            )
        elif e == "vignette":
            out = _vignette(out, cx, cy, v["strength"])
        elif e == "noise":
            out = _noise(out, rng, v["read_sigma"], v["peak"])
        elif e == "color":
            out = _color(out, **v)
        elif e == "gamma":
            out = np.power(np.clip(out, 0.0, 1.0), v["gamma"])
        elif e == "jpeg":
            out = _jpeg(out, v["quality"])
        out = np.clip(out, 0.0, 1.0).astype(np.float32)
    return StyleResult(out)
