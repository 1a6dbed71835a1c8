"""The label side of lens distortion: a rendered Frame seen through the SceneSpec's distortion.

Every buffer goes through the same map as the picture (:func:`synth3d.lens.source_map`):
colour and alpha bilinear, ids, depth, normals and amodal masks nearest (a label pixel is always
one that the render had, never a blend). Depth keeps its meaning — z of the surface point seen
in that pixel. Keypoints are projected through the distortion by :func:`synth3d.lens.project`
(OpenCV's ``projectPoints``). ``bbox_obj`` (full silhouette box) is the box of its outline's
distorted points; ``in_frame`` is kept from the pinhole render.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..frame import Frame
from ..lens import distort_normalized, has_distortion, remap
from ..spec import SceneSpec


def _distort_box(box, K: np.ndarray, dist) -> list[float]:
    x, y, w, h = (float(v) for v in box)
    if w <= 0 or h <= 0:
        return [x, y, w, h]
    t = np.linspace(0.0, 1.0, 33)
    # Pixel-edge coordinates → pixel-centre coordinates (integers at centres).
    xs = np.concatenate([x + w * t, np.full_like(t, x + w), x + w * t, np.full_like(t, x)]) - 0.5
    ys = np.concatenate([np.full_like(t, y), y + h * t, np.full_like(t, y + h), y + h * t]) - 0.5
    xn = (xs - K[0, 2]) / K[0, 0]
    yn = (ys - K[1, 2]) / K[1, 1]
    xd, yd = distort_normalized(xn, yn, dist)
    u, v = K[0, 0] * xd + K[0, 2] + 0.5, K[1, 1] * yd + K[1, 2] + 0.5
    return [float(u.min()), float(v.min()), float(u.max() - u.min()), float(v.max() - v.min())]


def distort_frame(frame: Frame, spec: SceneSpec) -> Frame:
    """``frame`` as the distorted camera of ``spec`` sees it (the frame itself when the camera
    has no distortion)."""
    dist = spec.camera.distortion
    if not has_distortion(dist):
        return frame
    K = spec.camera.K_array()
    return replace(
        frame,
        rgb=remap(frame.rgb, K, dist),
        alpha=remap(frame.alpha, K, dist),
        depth_m=remap(frame.depth_m, K, dist, nearest=True),
        instance=remap(frame.instance, K, dist, nearest=True),
        normals_cam=None
        if frame.normals_cam is None
        else remap(frame.normals_cam, K, dist, nearest=True),
        amodal=None
        if frame.amodal is None
        else tuple(remap(m, K, dist, nearest=True) for m in frame.amodal),
        bbox_obj=None
        if frame.bbox_obj is None
        else tuple(_distort_box(b, K, dist) for b in frame.bbox_obj),
    )
