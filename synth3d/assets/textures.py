"""Procedural backdrop textures (pure functions of a :class:`~synth3d.spec.TextureSpec`)."""

from __future__ import annotations

import numpy as np

from ..color import encode_srgb8


def _to_rgba8(linear_rgb: np.ndarray) -> np.ndarray:
    srgb = encode_srgb8(np.asarray(linear_rgb, np.float32))
    return np.dstack([srgb, np.full(srgb.shape[:2], 255, np.uint8)])


def fractal_noise(n: int, frequency: float, seed: int, octaves: int = 4) -> np.ndarray:
    """(n, n) float in 0..1: smooth value noise, ``frequency`` features across, summed over
    octaves with halving amplitude."""
    import cv2

    rng = np.random.Generator(np.random.PCG64(seed))
    out = np.zeros((n, n), np.float32)
    amp, total = 1.0, 0.0
    f = max(frequency, 1.0)
    for _ in range(octaves):
        g = int(np.ceil(f)) + 1
        grid = rng.random((g, g)).astype(np.float32)
        out += amp * cv2.resize(grid, (n, n), interpolation=cv2.INTER_CUBIC)
        total += amp
        amp *= 0.5
        f *= 2.0
    out /= total
    lo, hi = out.min(), out.max()
    return (out - lo) / max(hi - lo, 1e-6)


def procedural_key(t) -> tuple:
    """Cache key holding exactly the parameters that change a procedural texture's pixels."""
    cols = tuple(map(tuple, t.colors))
    if t.type == "color":
        return ("color", cols[:1], t.resolution)
    if t.type == "checker":
        return ("checker", cols, int(t.squares), t.resolution)
    if t.type in ("marble", "wood"):
        return (t.type, int(t.seed), t.resolution)
    return ("noise", cols, float(t.scale), int(t.seed), t.resolution)


def procedural_texture(t) -> np.ndarray:
    """(R, R, 4) uint8 sRGB texture for ``color``, ``checker`` or ``noise`` specs."""
    n = int(t.resolution)
    cols = np.asarray(t.colors, np.float64)
    if t.type == "color":
        return _to_rgba8(np.broadcast_to(cols[0], (n, n, 3)))
    if t.type == "checker":
        k = max(int(t.squares), 1)
        idx = np.arange(n) * k // n
        parity = (idx[:, None] + idx[None, :]) % 2
        return _to_rgba8(cols.astype(np.float32)[parity])
    if t.type == "noise":
        w = fractal_noise(n, float(t.scale), int(t.seed))[..., None]
        c0, c1 = cols.astype(np.float32)
        return _to_rgba8(c0 + (c1 - c0) * w)
    if t.type in ("marble", "wood"):
        from .noise import make_marble, make_wood

        make = make_marble if t.type == "marble" else make_wood
        srgb = make(np.random.Generator(np.random.PCG64(int(t.seed))), n)
        rgb8 = np.clip(np.round(srgb * 255.0), 0, 255).astype(np.uint8)
        return np.dstack([rgb8, np.full((n, n), 255, np.uint8)])
    raise ValueError(f"no procedural texture of type {t.type!r}")
