"""Colour conversions shared by sampling and post passes (pure functions)."""

from __future__ import annotations

import numpy as np


def srgb_to_linear(c):
    """sRGB-encoded values in 0..1 → linear (IEC 61966-2-1). Works on scalars and arrays."""
    c = np.asarray(c, dtype=np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(c):
    """Linear values (clipped to 0..1) → sRGB-encoded 0..1."""
    c = np.clip(np.asarray(c), 0.0, 1.0)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * np.power(c, 1.0 / 2.4) - 0.055)


# 16-bit linear → 8-bit sRGB table. Quantising linear values to 1/65535 cannot move an 8-bit sRGB
# code (neighbouring codes are ≥ 3e-4 apart in linear), so unlit textures round-trip exactly.
_SRGB8_LUT = np.round(linear_to_srgb(np.arange(65536) / 65535.0) * 255.0).astype(np.uint8)


def encode_srgb8(x: np.ndarray) -> np.ndarray:
    """Linear values (clipped to 0..1) → uint8 sRGB codes, same shape."""
    idx = (np.clip(x, 0.0, 1.0) * 65535.0 + 0.5).astype(np.uint16)
    return _SRGB8_LUT[idx]


_XYZ_TO_LINEAR_SRGB = np.array(
    [
        [3.2404542, -1.5371385, -0.4985314],
        [-0.9692660, 1.8760108, 0.0415560],
        [0.0556434, -0.2040259, 1.0572252],
    ]
)


def temperature_to_linear_rgb(kelvin: float) -> list[float]:
    """Linear sRGB colour of a black body at ``kelvin`` (1667–25000 K), scaled so the largest
    channel is 1.

    Uses the cubic-spline fit of the Planckian locus in CIE 1931 xy by Kang et al. (2002)."""
    t = float(np.clip(kelvin, 1667.0, 25000.0))
    if t <= 4000:
        x = -0.2661239e9 / t**3 - 0.2343589e6 / t**2 + 0.8776956e3 / t + 0.179910
    else:
        x = -3.0258469e9 / t**3 + 2.1070379e6 / t**2 + 0.2226347e3 / t + 0.240390
    if t <= 2222:
        y = -1.1063814 * x**3 - 1.34811020 * x**2 + 2.18555832 * x - 0.20219683
    elif t <= 4000:
        y = -0.9549476 * x**3 - 1.37418593 * x**2 + 2.09137015 * x - 0.16748867
    else:
        y = 3.0817580 * x**3 - 5.87338670 * x**2 + 3.75112997 * x - 0.37001483
    X, Y, Z = x / y, 1.0, (1 - x - y) / y
    rgb = np.maximum(_XYZ_TO_LINEAR_SRGB @ np.array([X, Y, Z]), 0.0)
    return (rgb / rgb.max()).tolist()


def hsv_to_rgb(h_deg: float, s: float, v: float) -> list[float]:
    """HSV (hue in degrees) → RGB in 0..1 (same encoding as the input value)."""
    h = (h_deg % 360.0) / 60.0
    i = int(np.floor(h)) % 6
    f = h - np.floor(h)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    return [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]][i]
