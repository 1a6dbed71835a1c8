"""Lens distortion (OpenCV's Brown–Conrady model) shared by the post passes and the labels.

A SceneSpec's camera may carry ``distortion = [k1, k2, p1, p2, k3]`` next to ``K``: the image is
rendered through the pinhole ``K`` and then *warped* so that a point at normalised pinhole
coordinates (x, y) = (X/Z, Y/Z) lands where OpenCV's ``projectPoints`` puts it:

    r² = x² + y²,  radial = 1 + k1 r² + k2 r⁴ + k3 r⁶
    x' = x·radial + 2 p1 x y + p2 (r² + 2x²),   y' = y·radial + p1 (r² + 2y²) + 2 p2 x y
    u = fx x' + cx,  v = fy y' + cy

Pixel centres are at integer coordinates (as in OpenCV). Every image of a frame (colour, alpha,
depth, ids, normals, amodal masks) is resampled through the same map (:func:`source_map`), and
point labels go through :func:`project`, so labels stay those of the distorted picture.
Output pixels whose undistorted ray falls outside the rendered pinhole image have no source:
they are black, depth 0 and id 0 (strong barrel distortion darkens the corners).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


def distort_normalized(x: np.ndarray, y: np.ndarray, dist) -> tuple[np.ndarray, np.ndarray]:
    """Brown–Conrady forward model on normalised coordinates (float64 arrays)."""
    k1, k2, p1, p2, k3 = (float(v) for v in dist)
    r2 = x * x + y * y
    radial = 1.0 + r2 * (k1 + r2 * (k2 + r2 * k3))
    xd = x * radial + 2.0 * p1 * x * y + p2 * (r2 + 2.0 * x * x)
    yd = y * radial + p1 * (r2 + 2.0 * y * y) + 2.0 * p2 * x * y
    return xd, yd


def project(K: np.ndarray, dist, pts_cam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates (N, 2) and depths (N,) of camera-frame points (OpenCV axes) through
    ``K`` and the distortion (None: pinhole). Points behind the camera are projected as a
    pinhole would (their depth says they are not seen)."""
    pts = np.asarray(pts_cam, np.float64)
    z = pts[:, 2]
    zz = np.where(np.abs(z) < 1e-12, 1e-12, z)
    x, y = pts[:, 0] / zz, pts[:, 1] / zz
    if dist is not None and any(dist):
        x, y = distort_normalized(x, y, dist)
    K = np.asarray(K, np.float64)
    u = K[0, 0] * x + K[0, 1] * y + K[0, 2]
    v = K[1, 1] * y + K[1, 2]
    return np.stack([u, v], axis=1), z


def _undistort(xd: np.ndarray, yd: np.ndarray, dist, iterations: int = 40):
    """Invert the forward model by Newton iterations (exact Jacobian), from x = xd. Converges to
    ~1e-12 for the distortions cameras have; returns (x, y, converged mask)."""
    k1, k2, p1, p2, k3 = (float(v) for v in dist)
    x, y = xd.copy(), yd.copy()
    for _ in range(iterations):
        fx, fy = distort_normalized(x, y, dist)
        ex, ey = fx - xd, fy - yd
        r2 = x * x + y * y
        radial = 1.0 + r2 * (k1 + r2 * (k2 + r2 * k3))
        drad = 2.0 * (k1 + r2 * (2.0 * k2 + 3.0 * k3 * r2))  # d radial / d(r²) × 2
        j11 = radial + x * x * drad + 2.0 * p1 * y + 6.0 * p2 * x
        j12 = x * y * drad + 2.0 * p1 * x + 2.0 * p2 * y
        j21 = x * y * drad + 2.0 * p1 * x + 2.0 * p2 * y
        j22 = radial + y * y * drad + 6.0 * p1 * y + 2.0 * p2 * x
        det = j11 * j22 - j12 * j21
        det = np.where(np.abs(det) < 1e-12, 1e-12, det)
        dx = (j22 * ex - j12 * ey) / det
        dy = (j11 * ey - j21 * ex) / det
        x, y = x - dx, y - dy
        if max(float(np.abs(dx).max(initial=0)), float(np.abs(dy).max(initial=0))) < 1e-13:
            break
    fx, fy = distort_normalized(x, y, dist)
    ok = (np.abs(fx - xd) < 1e-9) & (np.abs(fy - yd) < 1e-9)
    return x, y, ok


@lru_cache(maxsize=16)
def _source_map(K: tuple, dist: tuple, width: int, height: int):
    Km = np.asarray(K, np.float64).reshape(3, 3)
    v, u = np.mgrid[0:height, 0:width].astype(np.float64)
    yd = (v - Km[1, 2]) / Km[1, 1]
    xd = (u - Km[0, 2] - Km[0, 1] * yd) / Km[0, 0]
    x, y, ok = _undistort(xd, yd, dist)
    su = Km[0, 0] * x + Km[0, 1] * y + Km[0, 2]
    sv = Km[1, 1] * y + Km[1, 2]
    su[~ok], sv[~ok] = -1e6, -1e6  # no source: the remap's constant border
    mx, my = su.astype(np.float32), sv.astype(np.float32)
    mx.setflags(write=False)
    my.setflags(write=False)
    return mx, my


def source_map(K: np.ndarray, dist, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """For every pixel of the distorted image, where it comes from in the pinhole render:
    ``(map_x, map_y)`` (H, W) float32 pixel coordinates for ``cv2.remap`` (read-only, cached)."""
    return _source_map(
        tuple(np.asarray(K, np.float64).ravel().tolist()),
        tuple(float(v) for v in dist),
        int(width),
        int(height),
    )


def remap(img: np.ndarray, K: np.ndarray, dist, nearest: bool = False) -> np.ndarray:
    """``img`` (H, W[, C]) of the pinhole render, seen through the distortion. Bilinear for
    colour, ``nearest`` for ids, depth, masks and normals; outside the render: 0."""
    import cv2

    h, w = img.shape[:2]
    mx, my = source_map(K, dist, w, h)
    src = img
    if img.dtype == bool:
        src = img.view(np.uint8)
    elif img.dtype == np.float16:
        src = img.astype(np.float32)
    if src.ndim == 3 and src.shape[2] > 4:
        return np.dstack([remap(src[..., c], K, dist, nearest) for c in range(src.shape[2])])
    out = cv2.remap(
        np.ascontiguousarray(src),
        mx,
        my,
        cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    if out.ndim == 2 and img.ndim == 3:
        out = out[..., None]
    if img.dtype == bool:
        return out.astype(bool)
    return out.astype(img.dtype, copy=False)


def has_distortion(dist) -> bool:
    return dist is not None and any(float(v) != 0.0 for v in dist)
