"""The interface every stylisation pass implements.

A pass is a module in ``synth3d.post.styles`` with

* ``NAME``: its name in templates and on the command line (``sketch``, ``paint`` ...);
* ``Params``: a frozen pydantic model of the pass's *concrete* parameters (what the SceneSpec
  records; defaults are the pass's defaults; field constraints are the valid ranges);
* ``apply(img, g, p, rng) -> StyleResult``: a pure function.

``img`` is the frame as written so far: float32 (H, W, 3) display-referred sRGB values in 0..1
(after background, exposure, tonemap and any earlier pass). ``g`` holds the exact G-buffers of the
same frame (geometry never moves: a pass must not shift content). ``rng`` is the only source of
randomness (seeded from the SceneSpec), so a pass is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...template.style_params.base import PassParams  # noqa: F401 — the passes' Params base


@dataclass
class GBuffers:
    """Exact per-pixel geometry of one frame (row 0 = top).

    depth_m : (H, W) float32 metres along the optical axis, 0 = nothing hit
    instance : (H, W) uint16 instance ids, 0 = background/backdrops
    K : (3, 3) float64 intrinsics (OpenCV, pixel centres at integers)
    normals_cam : (H, W, 3) float32 camera-frame unit normals, or None (then :meth:`normals`
        estimates them from depth)
    alpha : (H, W) float32 coverage, or None
    """

    depth_m: np.ndarray
    instance: np.ndarray
    K: np.ndarray
    normals_cam: np.ndarray | None = None
    alpha: np.ndarray | None = None
    _normals_cache: np.ndarray | None = field(default=None, repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return self.depth_m.shape

    def normals(self) -> np.ndarray:
        """Camera-frame normals: the rendered ones, else estimated from depth by central
        differences of the back-projected points (0 where nothing was hit)."""
        if self.normals_cam is not None:
            return self.normals_cam
        if self._normals_cache is None:
            self._normals_cache = normals_from_depth(self.depth_m, self.K)
        return self._normals_cache


def normals_from_depth(depth_m: np.ndarray, K: np.ndarray) -> np.ndarray:
    """Unit normals (camera frame, facing the camera) from a depth map and intrinsics."""
    H, W = depth_m.shape
    fx, fy, cx, cy = K[0, 0], K[1, 1], K[0, 2], K[1, 2]
    u = (np.arange(W, dtype=np.float32) - cx) / fx
    v = (np.arange(H, dtype=np.float32) - cy) / fy
    z = depth_m.astype(np.float32)
    P = np.dstack([u[None, :] * z, v[:, None] * z, z])
    dx = np.zeros_like(P)
    dy = np.zeros_like(P)
    dx[:, 1:-1] = P[:, 2:] - P[:, :-2]
    dy[1:-1] = P[2:] - P[:-2]
    n = np.cross(dx, dy)
    norm = np.linalg.norm(n, axis=2, keepdims=True)
    n = np.where(norm > 0, n / np.maximum(norm, 1e-12), 0.0)
    flip = n[..., 2] > 0  # face the camera (camera looks along +z)
    n[flip] *= -1
    n[z <= 0] = 0
    return n.astype(np.float32)


@dataclass
class StyleResult:
    """A pass's output: the new image (float32 (H, W, 3) in 0..1, same size) and optional
    artifacts written next to the frame, keyed by file suffix — e.g. ``{"svg": str,
    "strokes.json": str, "gif": bytes}``."""

    image: np.ndarray
    artifacts: dict = field(default_factory=dict)
