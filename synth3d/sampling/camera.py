"""Camera geometry and the camera draw: intrinsics, look-at poses, projection, and the in-frame
test of a layout."""

from __future__ import annotations

import math

import numpy as np

from ..errors import PlacementError
from ..template import schema as S
from .values import sample_float, sample_vec


def look_at(position: np.ndarray, target: np.ndarray, roll_deg: float = 0.0) -> np.ndarray:
    """``T_world_cam`` (4×4, OpenCV axes) of a camera at ``position`` looking at ``target``, world z
    up, rolled by ``roll_deg`` about its optical axis."""
    z = np.asarray(target, float) - np.asarray(position, float)
    n = np.linalg.norm(z)
    if n < 1e-9:
        raise PlacementError("camera", "camera position coincides with its target")
    z /= n
    up = np.array([0.0, 0.0, 1.0])
    if abs(z @ up) > 0.999:  # looking straight up/down: any horizontal right vector will do
        up = np.array([0.0, 1.0, 0.0])
    x = np.cross(z, up)
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    R = np.stack([x, y, z], axis=1)
    if roll_deg:
        a = math.radians(roll_deg)
        c, s = math.cos(a), math.sin(a)
        R = R @ np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
    T = np.eye(4)
    T[:3, :3] = R
    T[:3, 3] = position
    return T


def intrinsics_from_fov(fov_y_deg: float, width: int, height: int) -> np.ndarray:
    """3×3 K with square pixels and the principal point at the image centre."""
    fy = (height / 2.0) / math.tan(math.radians(fov_y_deg) / 2.0)
    return np.array([[fy, 0, (width - 1) / 2.0], [0, fy, (height - 1) / 2.0], [0, 0, 1.0]])


def project(
    K: np.ndarray, T_world_cam: np.ndarray, pts_world: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates (N, 2) and camera depths (N,) of world points."""
    T_cam_world = np.linalg.inv(T_world_cam)
    pc = pts_world @ T_cam_world[:3, :3].T + T_cam_world[:3, 3]
    z = pc[:, 2]
    uv = (pc @ K.T)[:, :2] / np.where(np.abs(z) < 1e-12, 1e-12, z)[:, None]
    return uv, z


def sample_camera(
    c: S.CameraSpec, width: int, height: int, rng
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One camera draw: K (3×3), ``T_world_cam`` (4×4) and the look-at target (3,)."""
    if c.intrinsics is not None:
        i = c.intrinsics
        K = np.array([[i.fx, 0, i.cx], [0, i.fy, i.cy], [0, 0, 1.0]])
    else:
        K = intrinsics_from_fov(sample_float(c.fov_y_deg, rng), width, height)
    target = sample_vec(c.target, rng)
    offset = sample_vec(c.offset, rng)
    roll = sample_float(c.roll_deg, rng)
    return K, look_at(target + offset, target, roll), target


def all_in_frame(
    K: np.ndarray, T_wc: np.ndarray, hulls: list[np.ndarray], width: int, height: int
) -> bool:
    """Whether every point of every hull (world, (N, 3)) projects in front of the camera and
    inside the image (pixel edges at −0.5 and size − 0.5)."""
    for hull in hulls:
        uv, z = project(K, T_wc, hull)
        if np.any(z <= 0):
            return False
        if (
            uv[:, 0].min() < -0.5
            or uv[:, 1].min() < -0.5
            or uv[:, 0].max() > width - 0.5
            or uv[:, 1].max() > height - 0.5
        ):
            return False
    return True
