"""Exact optical flow and object coordinates of rigid scenes, from G-buffers and SceneSpecs.

Every pixel of frame *a* with depth is a surface point: back-projected with frame *a*'s camera, it
belongs to the object its instance id names (or, id 0, to the static backdrops), moves with that
object's pose change ``T_b @ inv(T_a)`` and is projected with frame *b*'s camera. Pixels with no
depth see the environment at infinity: their view direction turns with the HDRI's rotation and
is projected with *b*'s rotation. The flow is that displacement in pixels (pixel centres at
integer coordinates, as ``K`` says), for every pixel, visible in *b* or not.

A pixel's flow is *valid* when its point is seen in frame *b*: it projects inside *b*'s image, in
front of the camera, onto a pixel of the same instance id whose depth agrees (within 0.5 % plus
the depth change to that pixel's same-object neighbours); environment pixels need environment
there. Pixels that become occluded or leave the image are marked invalid (their flow is still the
true motion of their point).
"""

from __future__ import annotations

import math

import numpy as np

from ..spec import SceneSpec

FLO_MAGIC = 202021.25


def pixel_rays(K: np.ndarray, width: int, height: int) -> np.ndarray:
    """(H, W, 3) camera-frame rays with z = 1 through the pixel centres."""
    Kinv = np.linalg.inv(K)
    u, v = np.meshgrid(np.arange(width, dtype=np.float64), np.arange(height, dtype=np.float64))
    pix = np.stack([u, v, np.ones_like(u)], axis=-1)
    return pix @ Kinv.T


def _rot_z(deg: float) -> np.ndarray:
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def world_points(depth_m: np.ndarray, spec: SceneSpec) -> np.ndarray:
    """(H, W, 3) float64 world points of the pixels (meaningless where depth is 0)."""
    cam = spec.camera
    T = cam.T_array()
    P = pixel_rays(cam.K_array(), cam.width, cam.height) * depth_m[..., None].astype(np.float64)
    return P @ T[:3, :3].T + T[:3, 3]


def scene_motion(
    depth_m: np.ndarray, instance: np.ndarray, spec_a: SceneSpec, spec_b: SceneSpec
) -> tuple[np.ndarray, np.ndarray]:
    """World points of frame a's pixels and where they are at frame b's time.

    Returns
    -------
    pts_a, pts_b : (H, W, 3) float64, metres (zeros where depth is 0)
    """
    P = world_points(depth_m, spec_a)
    Q = P.copy()
    for oa in spec_a.objects:
        ob = next((o for o in spec_b.objects if o.id == oa.id), None)
        if ob is None:
            continue
        sel = instance == oa.id
        if not sel.any():
            continue
        M = ob.T_array() @ np.linalg.inv(oa.T_array())
        Q[sel] = P[sel] @ M[:3, :3].T + M[:3, 3]
    bg = depth_m <= 0
    P[bg] = 0
    Q[bg] = 0
    return P, Q


def rigid_flow(
    depth_a: np.ndarray,
    instance_a: np.ndarray,
    spec_a: SceneSpec,
    spec_b: SceneSpec,
    depth_b: np.ndarray | None = None,
    instance_b: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Optical flow from frame a to frame b.

    Parameters
    ----------
    depth_a : (H, W) float32, metres; 0 where nothing was hit
    instance_a : (H, W) uint16 instance ids of frame a
    spec_a, spec_b : SceneSpec of both frames (same objects by id)
    depth_b, instance_b : frame b's buffers, for the validity mask; None when frame b was not
        rendered (then nothing is valid)

    Returns
    -------
    flow : (H, W, 2) float32, pixels (dx, dy)
    valid : (H, W) bool
    """
    cam_a, cam_b = spec_a.camera, spec_b.camera
    H, W = depth_a.shape
    K_b = cam_b.K_array()
    T_cw_b = np.linalg.inv(cam_b.T_array())
    _P, Q = scene_motion(depth_a, instance_a, spec_a, spec_b)
    hit = depth_a > 0
    Pc = Q @ T_cw_b[:3, :3].T + T_cw_b[:3, 3]
    # The environment at infinity: directions turn with the HDRI and the camera.
    env = ~hit
    if env.any():
        d = pixel_rays(cam_a.K_array(), W, H)[env] @ cam_a.T_array()[:3, :3].T
        dz = spec_b.environment.rotation_deg - spec_a.environment.rotation_deg
        if dz:
            d = d @ _rot_z(dz).T
        Pc[env] = d @ T_cw_b[:3, :3].T
    z = Pc[..., 2]
    front = z > 1e-9
    zs = np.where(front, z, 1.0)
    x = (Pc[..., 0] * K_b[0, 0] + Pc[..., 1] * K_b[0, 1]) / zs + K_b[0, 2]
    y = Pc[..., 1] * K_b[1, 1] / zs + K_b[1, 2]
    u, v = np.meshgrid(np.arange(W, dtype=np.float64), np.arange(H, dtype=np.float64))
    flow = np.stack([x - u, y - v], axis=-1).astype(np.float32)
    flow[~front] = np.nan  # behind the camera: no image position (only for points that pass it)
    if depth_b is None or instance_b is None:
        return np.nan_to_num(flow, nan=0.0), np.zeros((H, W), bool)
    xi = np.rint(x).astype(np.int64)
    yi = np.rint(y).astype(np.int64)
    inside = front & (xi >= 0) & (xi < W) & (yi >= 0) & (yi < H)
    xi = np.clip(xi, 0, W - 1)
    yi = np.clip(yi, 0, H - 1)
    same_id = instance_b[yi, xi] == instance_a
    zb = depth_b.astype(np.float64)[yi, xi]
    slack = _depth_slack(depth_b, instance_b)[yi, xi]
    depth_ok = np.where(hit, np.abs(z - zb) <= 0.005 * np.abs(z) + slack, zb <= 0)
    valid = inside & same_id & depth_ok
    return np.nan_to_num(flow, nan=0.0), valid


def _depth_slack(depth: np.ndarray, instance: np.ndarray) -> np.ndarray:
    """Per pixel: the largest depth change to a 4-neighbour of the same id (how far the depth
    of a point half a pixel away may be from the pixel's)."""
    d = depth.astype(np.float64)
    out = np.zeros_like(d)
    for axis in (0, 1):
        diff = np.abs(np.diff(d, axis=axis))
        same = np.diff(instance.astype(np.int64), axis=axis) == 0
        diff = np.where(same, diff, 0.0)
        if axis == 0:
            out[1:] = np.maximum(out[1:], diff)
            out[:-1] = np.maximum(out[:-1], diff)
        else:
            out[:, 1:] = np.maximum(out[:, 1:], diff)
            out[:, :-1] = np.maximum(out[:, :-1], diff)
    return out


def object_coordinates(depth_m: np.ndarray, instance: np.ndarray, spec: SceneSpec) -> np.ndarray:
    """Each object pixel's surface point in its asset's own coordinates, normalised to the
    asset's box: (H, W, 3) uint16, ``round(65535 · (p − box_min) / (box_max − box_min))``; 0 on
    the background (use the instance ids to tell)."""
    P = world_points(depth_m, spec)
    out = np.zeros(depth_m.shape + (3,), np.uint16)
    for o in spec.objects:
        sel = (instance == o.id) & (depth_m > 0)
        if not sel.any():
            continue
        Ti = np.linalg.inv(o.T_array())
        p = P[sel] @ Ti[:3, :3].T + Ti[:3, 3]
        lo, hi = np.asarray(o.bounds_asset, float)
        span = np.where(hi - lo > 1e-12, hi - lo, 1.0)
        out[sel] = np.rint(np.clip((p - lo) / span, 0.0, 1.0) * 65535.0).astype(np.uint16)
    return out


def encode_flo(flow: np.ndarray) -> bytes:
    """Middlebury ``.flo`` bytes of an (H, W, 2) flow (readable by ``cv2.readOpticalFlow``)."""
    H, W = flow.shape[:2]
    head = np.array([FLO_MAGIC], "<f4").tobytes() + np.array([W, H], "<i4").tobytes()
    return head + np.ascontiguousarray(flow, dtype="<f4").tobytes()


def decode_flo(data: bytes) -> np.ndarray:
    """(H, W, 2) float32 flow from ``.flo`` bytes."""
    magic = np.frombuffer(data[:4], "<f4")[0]
    if magic != np.float32(FLO_MAGIC):
        raise ValueError("not a .flo file")
    W, H = np.frombuffer(data[4:12], "<i4")
    return np.frombuffer(data[12:], "<f4").reshape(int(H), int(W), 2).copy()


def _wheel() -> np.ndarray:
    """The Middlebury colour wheel (Baker et al. 2011): 55 hues, red → yellow → green → cyan →
    blue → magenta → red, (55, 3) float in 0..255."""
    segs = [
        (15, (255, 0, 0), (255, 255, 0)),
        (6, (255, 255, 0), (0, 255, 0)),
        (4, (0, 255, 0), (0, 255, 255)),
        (11, (0, 255, 255), (0, 0, 255)),
        (13, (0, 0, 255), (255, 0, 255)),
        (6, (255, 0, 255), (255, 0, 0)),
    ]
    rows = []
    for n, a, b in segs:
        a, b = np.asarray(a, float), np.asarray(b, float)
        for i in range(n):
            rows.append(a + (b - a) * i / n)
    return np.array(rows)


_WHEEL = _wheel()


def flow_to_color(flow: np.ndarray, max_flow: float | None = None) -> np.ndarray:
    """(H, W, 3) uint8 colour coding of a flow (hue: direction, saturation: magnitude relative
    to ``max_flow``, default the largest magnitude in ``flow``), as in the Middlebury benchmark."""
    fx, fy = flow[..., 0].astype(np.float64), flow[..., 1].astype(np.float64)
    mag = np.hypot(fx, fy)
    if max_flow is None:
        max_flow = float(mag.max()) if mag.size else 0.0
    max_flow = max(max_flow, 1e-9)
    r = np.clip(mag / max_flow, 0.0, 1.0)
    ang = np.arctan2(-fy, -fx) / np.pi  # −1..1
    n = len(_WHEEL)
    k = (ang + 1) / 2 * (n - 1)
    k0 = np.floor(k).astype(int)
    k1 = (k0 + 1) % n
    f = (k - k0)[..., None]
    col = (1 - f) * _WHEEL[k0] + f * _WHEEL[k1]
    col = 255 - r[..., None] * (255 - col)
    return np.clip(np.rint(col), 0, 255).astype(np.uint8)


__all__ = [
    "decode_flo",
    "encode_flo",
    "flow_to_color",
    "object_coordinates",
    "pixel_rays",
    "rigid_flow",
    "scene_motion",
    "world_points",
]
