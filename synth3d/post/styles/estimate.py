"""Image-only stand-ins for the G-buffers, for photographs (no geometry).

``synth3d stylize`` on a folder of ordinary images has no depth, instance ids or normals. The
passes that read them get these estimates instead, and the output's manifest says so:

* **instance** ← colour segments: the image is smoothed (bilateral), its colours clustered in
  CIE Lab (k-means on a fixed subsample, a fixed number of clusters), the cluster map cleaned by a
  median filter and split into 8-connected regions; regions below ``min_area`` of the image are
  folded into id 0. Strokes stop at the segments' edges, toon and sketch outline them.
* **depth** ← a constant 1 m plane facing the camera (so no depth edges; strokes are not stopped
  by depth), **normals** ← facing the camera, **K** ← a 60° vertical field of view.

Deterministic: k-means starts from fixed centres (quantiles of L, then spread in a and b) and runs
a fixed number of iterations, with no random draw.
"""

from __future__ import annotations

import cv2
import numpy as np

from .base import GBuffers

#: what each estimated buffer is, as written to the manifest
ESTIMATES = {
    "instance": "estimated from the image: colour segments (bilateral filter, k-means in Lab, "
    "connected regions)",
    "depth_m": "none: a constant 1 m plane facing the camera",
    "normals": "none: facing the camera",
    "K": "assumed: 60° vertical field of view",
}

#: passes that read the G-buffers (on photos they see the estimates above)
GBUFFER_PASSES = {
    "sketch": "contours of the colour segments instead of occluding contours and creases",
    "paint": "strokes stopped at colour-segment edges instead of instance edges",
    "toon": "outlines of the colour segments",
    "harmonize": "colour segments stand for the pasted objects",
}

_K_CLUSTERS = 8
_SAMPLES = 8192


def segments(rgb8: np.ndarray, clusters: int = _K_CLUSTERS, min_area: float = 0.002) -> np.ndarray:
    """(H, W) uint16 region ids of an (H, W, 3) uint8 sRGB image: 1..N, 0 = regions smaller than
    ``min_area`` × H × W."""
    H, W = rgb8.shape[:2]
    rgb = np.ascontiguousarray(rgb8[..., :3])
    s = max(1.0, max(H, W) / 256.0)  # work at ≤ 256 px: segments, not detail
    small = (
        cv2.resize(rgb, (max(1, round(W / s)), max(1, round(H / s))), interpolation=cv2.INTER_AREA)
        if s > 1
        else rgb
    )
    small = cv2.bilateralFilter(small, 7, 40, 5)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2Lab).reshape(-1, 3).astype(np.float32)
    idx = np.linspace(0, len(lab) - 1, min(_SAMPLES, len(lab))).astype(np.int64)
    X = lab[idx]
    # fixed initial centres: lightness quantiles, alternately pushed along a and b
    order = np.argsort(X[:, 0], kind="stable")
    C = np.stack([X[order[int((k + 0.5) / clusters * len(order))]] for k in range(clusters)])
    for _ in range(12):
        d = ((X[:, None, :] - C[None]) ** 2).sum(2)
        a = d.argmin(1)
        for k in range(clusters):
            m = a == k
            if m.any():
                C[k] = X[m].mean(0)
    d = ((lab[:, None, :] - C[None]) ** 2).sum(2)
    cl = d.argmin(1).reshape(small.shape[:2]).astype(np.uint8)
    cl = cv2.medianBlur(cl, 5)
    if s > 1:
        cl = cv2.resize(cl, (W, H), interpolation=cv2.INTER_NEAREST)
    out = np.zeros((H, W), np.int32)
    nxt = 1
    for k in range(clusters):
        n, lab_k, stats, _ = cv2.connectedComponentsWithStats((cl == k).astype(np.uint8), 8)
        big = np.flatnonzero(stats[1:, cv2.CC_STAT_AREA] >= min_area * H * W) + 1
        if big.size:
            remap = np.zeros(n, np.int32)
            remap[big] = np.arange(nxt, nxt + big.size)
            nxt += big.size
            m = lab_k > 0
            out[m] = remap[lab_k[m]]
    return np.minimum(out, 65535).astype(np.uint16)


def image_gbuffers(rgb8: np.ndarray) -> GBuffers:
    """G-buffer estimates of a photograph (see the module docstring)."""
    H, W = rgb8.shape[:2]
    f = 0.5 * H / np.tan(np.radians(30.0))
    K = np.array([[f, 0.0, (W - 1) / 2.0], [0.0, f, (H - 1) / 2.0], [0.0, 0.0, 1.0]])
    normals = np.zeros((H, W, 3), np.float32)
    normals[..., 2] = -1.0
    alpha = None
    if rgb8.ndim == 3 and rgb8.shape[2] == 4:
        alpha = rgb8[..., 3].astype(np.float32) / 255.0
    return GBuffers(
        depth_m=np.ones((H, W), np.float32),
        instance=segments(rgb8),
        K=K,
        normals_cam=normals,
        alpha=alpha,
    )


__all__ = ["ESTIMATES", "GBUFFER_PASSES", "image_gbuffers", "segments"]
