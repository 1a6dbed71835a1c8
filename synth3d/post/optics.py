"""Camera optics and sensor as post passes on the linear image (pure functions).

Order, as light goes through a camera: depth of field → vignetting → lens distortion → exposure →
sensor noise → (white balance and tonemap, :mod:`synth3d.post.tonemap`). Depth of field and
vignetting move no pixel, so labels are those of the render; distortion moves pixels, and
:mod:`synth3d.annotate.distortion` moves every label buffer through the same map
(:mod:`synth3d.lens`). The noise is drawn from the SceneSpec's ``post.optics.seed``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..frame import Frame
from ..lens import has_distortion, remap
from ..spec import OpticsSpec, SceneSpec, TonemapSpec


def circle_of_confusion_px(
    depth_m: np.ndarray,
    K: np.ndarray,
    width: int,
    f_number: float,
    focus_m: float,
    sensor_width_mm: float = 36.0,
) -> np.ndarray:
    """Thin-lens circle-of-confusion *diameter* in pixels for each depth (0 = infinitely far).

    With focal length f = fx · sensor_width / width (metres) and aperture diameter f/N, a point
    at depth z focused at z_f blurs to c = (f/N) · f/(z_f − f) · |z − z_f|/z on the sensor, i.e.
    c · fx / f pixels."""
    fx = float(K[0, 0])
    f = fx * sensor_width_mm * 1e-3 / width
    zf = max(float(focus_m), f * 1.001)
    z = depth_m.astype(np.float64)
    rel = np.ones_like(z)  # nothing hit: infinitely far, |z − z_f| / z → 1
    hit = z > 0
    rel[hit] = np.abs(z[hit] - zf) / z[hit]
    return (fx / f_number) * (f / (zf - f)) * rel


def auto_focus_m(depth_m: np.ndarray, K: np.ndarray) -> float:
    """The depth seen at the principal point; where that is empty, the median depth of the
    frame; an empty frame focuses at infinity."""
    h, w = depth_m.shape
    c, r = int(round(float(K[0, 2]))), int(round(float(K[1, 2])))
    if 0 <= r < h and 0 <= c < w and depth_m[r, c] > 0:
        return float(depth_m[r, c])
    hit = depth_m[depth_m > 0]
    return float(np.median(hit)) if hit.size else 1e9


def depth_of_field(rgb: np.ndarray, coc_px: np.ndarray) -> np.ndarray:
    """Blur each pixel by its circle of confusion: the image is blurred at a ladder of radii
    (Gaussian with σ = radius/2, the standard deviation of a disc of that radius) and each pixel
    interpolates between the two levels around its own radius (a gather approximation: a sharp
    object in front of a blurred background keeps a crisp edge, as with a real lens focused on
    it; a blurred foreground does not spread over a sharp background)."""
    import cv2

    radius = 0.5 * coc_px.astype(np.float32)
    rmax = float(radius.max(initial=0.0))
    if rmax < 0.25:
        return rgb
    levels = [0.0]
    r = 0.5
    while levels[-1] < rmax:
        levels.append(r)
        r *= 1.5
    src = np.ascontiguousarray(rgb, np.float32)
    out = np.zeros_like(src)
    prev = src
    for i in range(1, len(levels)):
        lo, hi = levels[i - 1], levels[i]
        cur = cv2.GaussianBlur(src, (0, 0), sigmaX=hi / 2.0, borderType=cv2.BORDER_REFLECT)
        sel = (radius >= lo) & (radius < hi) if i < len(levels) - 1 else radius >= lo
        if sel.any():
            t = ((radius[sel] - lo) / (hi - lo)).clip(0, 1)[:, None]
            out[sel] = prev[sel] * (1 - t) + cur[sel] * t
        prev = cur
    return out


def vignetting_gain(K: np.ndarray, width: int, height: int, strength: float) -> np.ndarray:
    """(H, W) float32 gain: natural vignetting, the cos⁴ law of the angle between each pixel's
    ray and the optical axis, blended with 1 by ``strength`` (1 = the full cos⁴ falloff)."""
    v, u = np.mgrid[0:height, 0:width].astype(np.float64)
    y = (v - K[1, 2]) / K[1, 1]
    x = (u - K[0, 2]) / K[0, 0]
    cos4 = 1.0 / (1.0 + x * x + y * y) ** 2
    return (1.0 - strength * (1.0 - cos4)).astype(np.float32)


def sensor_noise(
    raw: np.ndarray, full_well_e: float, read_e: float, rng: np.random.Generator
) -> np.ndarray:
    """Shot and read noise of a sensor on exposed linear values (1.0 = ``full_well_e``
    electrons): electrons ~ Poisson(value · full_well), plus Normal(0, read_e), back to values.
    Each channel is its own photosite (no demosaicing)."""
    e = np.clip(raw.astype(np.float64), 0.0, None) * full_well_e
    noisy = rng.poisson(e).astype(np.float64)
    if read_e > 0:
        noisy += rng.normal(0.0, read_e, size=noisy.shape)
    return (noisy / full_well_e).astype(np.float32)


def apply_optics(
    rgb: np.ndarray,
    alpha: np.ndarray | None,
    frame: Frame,
    spec: SceneSpec,
    exposure_ev: Callable[[np.ndarray], float],
) -> tuple[np.ndarray, np.ndarray | None, TonemapSpec]:
    """The optics of ``spec`` on a composited linear image (``rgb`` (H, W, 3) float32,
    premultiplied by ``alpha`` when the background is transparent).

    Returns the new image, alpha and the tonemap spec to finish it with: when sensor noise is
    on, the exposure is applied here (noise lives in exposed sensor units) and the returned
    spec's exposure is 0 with automatic exposure off (metered on the noise-free image by
    ``exposure_ev``, the tonemap's own metering)."""
    opt = spec.post.optics or OpticsSpec()
    cam = spec.camera
    K = cam.K_array()
    tm = spec.post.tonemap
    out = rgb
    if opt.dof_f_number:
        focus = opt.dof_focus_m if opt.dof_focus_m else auto_focus_m(frame.depth_m, K)
        coc = circle_of_confusion_px(
            frame.depth_m, K, cam.width, opt.dof_f_number, focus, opt.sensor_width_mm
        )
        out = depth_of_field(out, coc)
        if alpha is not None:
            alpha = depth_of_field(alpha[..., None], coc)[..., 0]
    if opt.vignetting > 0:
        g = vignetting_gain(K, cam.width, cam.height, opt.vignetting)
        out = out * g[..., None]
    if has_distortion(cam.distortion):
        out = remap(np.ascontiguousarray(out, np.float32), K, cam.distortion)
        if alpha is not None:
            alpha = remap(np.ascontiguousarray(alpha, np.float32), K, cam.distortion)
    if opt.noise_full_well_e:
        straight = out if alpha is None else out / np.maximum(alpha, 1e-6)[..., None]
        ev = exposure_ev(straight)
        raw = straight * np.float32(2.0**ev)
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(opt.seed)))
        raw = sensor_noise(raw, opt.noise_full_well_e, opt.noise_read_e, rng)
        out = raw if alpha is None else raw * alpha[..., None]
        tm = tm.model_copy(update={"exposure_ev": 0.0, "auto_exposure": False})
    return np.ascontiguousarray(out, np.float32), alpha, tm


def focal_length_mm(K: np.ndarray, width: int, sensor_width_mm: float) -> float:
    return float(K[0, 0]) * sensor_width_mm / width


__all__ = [
    "apply_optics",
    "auto_focus_m",
    "circle_of_confusion_px",
    "depth_of_field",
    "focal_length_mm",
    "sensor_noise",
    "vignetting_gain",
]
