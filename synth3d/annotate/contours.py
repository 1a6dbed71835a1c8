"""Contour ground truth from exact G-buffers: occluding contours and creases."""

from __future__ import annotations

import numpy as np

OCCLUDING = 255
CREASE = 128


def contour_map(
    depth_m: np.ndarray,
    instance: np.ndarray,
    normals_cam: np.ndarray | None = None,
    crease_deg: float = 45.0,
    depth_jump: float = 0.03,
) -> np.ndarray:
    """Line-drawing target of one frame.

    A pixel is an *occluding contour* (255) when a 4-neighbour belongs to another instance, or
    lies farther away by more than ``depth_jump`` × its depth (a fold of one object, or an object
    against a backdrop), or shows nothing — the line is drawn on the nearer side. A pixel is a
    *crease* (128) when, with no such jump, its normal and a neighbour's differ by more than
    ``crease_deg`` (needs ``normals_cam``). Everything else is 0.

    Parameters
    ----------
    depth_m : (H, W) float32, metres; 0 = no hit
    instance : (H, W) uint16
    normals_cam : (H, W, 3) float32, optional
    crease_deg, depth_jump : float

    Returns
    -------
    (H, W) uint8
    """
    H, W = depth_m.shape
    out = np.zeros((H, W), np.uint8)
    hit = depth_m > 0
    far = np.where(hit, depth_m, np.inf)
    cos_t = np.cos(np.radians(crease_deg))
    with np.errstate(invalid="ignore"):  # inf − inf where neither pixel hit anything
        _mark(out, far, hit, instance, normals_cam, cos_t, depth_jump)
    return out


def _mark(out, far, hit, instance, normals_cam, cos_t, depth_jump) -> None:
    H, W = out.shape
    for dy, dx in ((0, 1), (0, -1), (1, 0), (-1, 0)):
        # Neighbour q of pixel p at offset (dy, dx); image borders compare with themselves.
        ys = slice(max(dy, 0), H + min(dy, 0))
        yd = slice(max(-dy, 0), H + min(-dy, 0))
        xs = slice(max(dx, 0), W + min(dx, 0))
        xd = slice(max(-dx, 0), W + min(-dx, 0))
        p_d, q_d = far[yd, xd], far[ys, xs]
        p_hit = hit[yd, xd]
        other_obj = instance[yd, xd] != instance[ys, xs]
        jump = q_d > p_d * (1.0 + depth_jump)
        nearer_or_equal = p_d <= q_d
        occl = p_hit & ((other_obj & nearer_or_equal) | jump)
        view = out[yd, xd]
        view[occl] = OCCLUDING
        if normals_cam is not None:
            same = p_hit & hit[ys, xs] & ~other_obj & (np.abs(q_d - p_d) <= p_d * depth_jump)
            dot = np.einsum("ijk,ijk->ij", normals_cam[yd, xd], normals_cam[ys, xs])
            crease = same & (dot < cos_t) & (view != OCCLUDING)
            view[crease] = CREASE
