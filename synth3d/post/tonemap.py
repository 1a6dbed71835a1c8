"""Exposure, tonemapping and 8-bit sRGB encoding."""

from __future__ import annotations

import numpy as np

from ..color import encode_srgb8
from ..frame import Frame
from ..spec import SceneSpec, TonemapSpec
from .environment import composite


def auto_exposure_ev(
    rgb: np.ndarray, key: float = 0.18, range_ev: tuple[float, float] = (-12.0, 12.0)
) -> float:
    """Exposure (EV) that maps the log-average luminance of ``rgb`` to the ``key`` value (0.18,
    middle grey, by default), clamped to ``range_ev`` (measured on every 4th pixel of every 4th
    row: a log-average needs no more)."""
    sub = rgb[::4, ::4]
    lum = sub[..., 0] * 0.2126 + sub[..., 1] * 0.7152 + sub[..., 2] * 0.0722
    avg = float(np.exp(np.mean(np.log(np.maximum(lum, 1e-4)))))
    return float(np.clip(np.log2(key / avg), range_ev[0], range_ev[1]))


def white_balance_gains(kelvin: float) -> np.ndarray:
    """Per-channel gains (green = 1) that render a black body at ``kelvin`` neutral."""
    from ..color import temperature_to_linear_rgb

    c = np.asarray(temperature_to_linear_rgb(kelvin), np.float64)
    return (c[1] / np.maximum(c, 1e-6)).astype(np.float32)


def _curve(x: np.ndarray, operator: str) -> np.ndarray:
    """The tone curve on exposed linear values → display values in 0..1 (float32)."""
    if operator == "aces":
        # Narkowicz's fit of the ACES filmic reference curve.
        x = np.maximum(x, 0)
        x = (x * (2.51 * x + 0.03)) / (x * (2.43 * x + 0.59) + 0.14)
    elif operator == "reinhard":
        x = np.maximum(x, 0)
        x = x / (1.0 + x)
    return np.clip(x, 0.0, 1.0).astype(np.float32, copy=False)


def _white_balance_and_ev(rgb: np.ndarray, spec: TonemapSpec):
    """(white-balanced ``rgb``, per-channel gains or None, exposure in EV) of a frame. The
    balanced image is only made when needed (white balance on): it is ``rgb`` otherwise."""
    gains = white_balance_gains(spec.white_balance_k) if spec.white_balance_k else None
    wb = rgb if gains is None else rgb * gains
    ev = spec.exposure_ev + (
        auto_exposure_ev(wb, spec.auto_exposure_key, spec.auto_exposure_range_ev)
        if spec.auto_exposure
        else 0.0
    )
    return wb, gains, ev


def tonemap(rgb: np.ndarray, spec: TonemapSpec) -> np.ndarray:
    """Linear radiance → linear display values in 0..1 (float32)."""
    wb, _, ev = _white_balance_and_ev(rgb, spec)
    return _curve(wb * np.float32(2.0**ev) if ev else wb, spec.operator)


# Every float16 value, in code order (NaN read as 0 and ±inf as the largest finite half).
_HALF_VALUES = np.nan_to_num(
    np.arange(65536, dtype=np.uint16).view(np.float16).astype(np.float32),
    nan=0.0,
    posinf=65504.0,
    neginf=-65504.0,
)


def tonemap_srgb8(rgb: np.ndarray, spec: TonemapSpec) -> np.ndarray:
    """``encode_srgb8(tonemap(rgb, spec))`` of (H, W, 3) linear radiance, through a table.

    The radiance is rounded to half floats (the precision the renderer's colour target has) and
    each channel is looked up in a 65,536-entry table of the tone curve, made per frame with the
    frame's exposure and white balance: a few times faster than the curve on every pixel, and
    exactly :func:`tonemap` + :func:`encode_srgb8` on any image that holds half-float values."""
    import cv2

    _, gains, ev = _white_balance_and_ev(rgb, spec)
    scale = np.float32(2.0**ev)
    lut = np.empty((3, 65536), np.uint8)
    for c in range(3):
        x = _HALF_VALUES if gains is None else _HALF_VALUES * gains[c]
        lut[c] = encode_srgb8(_curve(x * scale if ev else x, spec.operator))
    codes = cv2.convertFp16(np.ascontiguousarray(rgb, np.float32)).view(np.uint16)
    out = np.empty(codes.shape, np.uint8)
    for c in range(3):
        out[..., c] = lut[c][codes[..., c]]
    return out


def finish(frame: Frame, spec: SceneSpec) -> np.ndarray:
    """The frame as it is written: background, exposure, tonemap, sRGB.

    Returns (H, W, 3) uint8, or (H, W, 4) uint8 (straight alpha) for a transparent background."""
    rgb, alpha = composite(frame, spec)
    tm = spec.post.tonemap
    if spec.post.optics is not None or spec.camera.distortion is not None:
        from .optics import apply_optics  # depth of field, vignetting, distortion, noise

        rgb, alpha, tm = apply_optics(
            rgb, alpha, frame, spec, lambda x: _white_balance_and_ev(x, tm)[2]
        )
    if alpha is None:
        return tonemap_srgb8(rgb, tm)
    straight = rgb / np.maximum(alpha, 1e-6)[..., None]
    out = tonemap_srgb8(straight, tm)
    a8 = np.round(np.clip(alpha, 0, 1) * 255.0).astype(np.uint8)
    return np.dstack([out, a8])
