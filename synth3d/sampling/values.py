"""Drawing values from template distributions (see :mod:`synth3d.template.distributions`)."""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial.transform import Rotation

from ..color import hsv_to_rgb, srgb_to_linear
from ..template import distributions as D


def draw_choice(d: D.Choice, rng: np.random.Generator):
    if d.weights is None:
        return d.values[int(rng.integers(len(d.values)))]
    w = np.asarray(d.weights, float)
    return d.values[int(rng.choice(len(w), p=w / w.sum()))]


def sample_float(d, rng: np.random.Generator) -> float:
    if isinstance(d, (int, float)):
        return float(d)
    if isinstance(d, D.UniformScalar):
        return float(rng.uniform(d.min, d.max))
    if isinstance(d, D.NormalScalar):
        x = float(rng.normal(d.mean, d.std))
        lo = -math.inf if d.min is None else d.min
        hi = math.inf if d.max is None else d.max
        return float(min(max(x, lo), hi))
    if isinstance(d, D.RandInt):
        return float(rng.integers(d.min, d.max + 1))
    if isinstance(d, D.Choice):
        return float(draw_choice(d, rng))
    raise TypeError(f"not a scalar distribution: {d!r}")


def sample_int(d, rng: np.random.Generator) -> int:
    if isinstance(d, int):
        return d
    if isinstance(d, D.RandInt):
        return int(rng.integers(d.min, d.max + 1))
    if isinstance(d, D.Choice):
        return int(draw_choice(d, rng))
    raise TypeError(f"not an integer distribution: {d!r}")


def _unit(v) -> np.ndarray:
    v = np.asarray(v, float)
    return v / np.linalg.norm(v)


def _frame_from_axis(axis: np.ndarray) -> np.ndarray:
    """A rotation whose third column is ``axis``."""
    a = _unit(axis)
    helper = np.array([1.0, 0, 0]) if abs(a[0]) < 0.9 else np.array([0, 1.0, 0])
    x = _unit(np.cross(helper, a))
    y = np.cross(a, x)
    return np.stack([x, y, a], axis=1)


def _radius(r, rng) -> float:
    if isinstance(r, (list, tuple)):
        return float(r[0]) if len(r) == 1 else float(rng.uniform(r[0], r[1]))
    return float(r)


def _cone_direction(axis, cos_max: float, cos_min: float, rng) -> np.ndarray:
    # Uniform in solid angle: cos(theta) is uniform between the two bounds.
    c = rng.uniform(cos_max, cos_min)
    phi = rng.uniform(0.0, 2 * math.pi)
    s = math.sqrt(max(0.0, 1 - c * c))
    local = np.array([s * math.cos(phi), s * math.sin(phi), c])
    return _frame_from_axis(np.asarray(axis, float)) @ local


def sample_vec(d, rng: np.random.Generator) -> np.ndarray:
    """A 2- or 3-vector (float64 array)."""
    if isinstance(d, (list, tuple)):
        return np.asarray(d, float)
    if isinstance(d, D._UniformVec):
        return rng.uniform(np.asarray(d.min), np.asarray(d.max))
    if isinstance(d, D._NormalVec):
        x = rng.normal(np.asarray(d.mean), np.asarray(d.std))
        if d.min is not None:
            x = np.maximum(x, d.min)
        if d.max is not None:
            x = np.minimum(x, d.max)
        return x
    if isinstance(d, D.Choice):
        return np.asarray(draw_choice(d, rng), float)
    if isinstance(d, D.SphereDir):
        v = rng.normal(size=3)
        return _unit(v) * _radius(d.radius, rng)
    if isinstance(d, D.HemisphereDir):
        return _cone_direction(d.axis, 0.0, 1.0, rng) * _radius(d.radius, rng)
    if isinstance(d, D.ConeDir):
        cmax = math.cos(math.radians(d.angle_deg))
        cmin = math.cos(math.radians(d.min_angle_deg))
        return _cone_direction(d.axis, cmax, cmin, rng) * _radius(d.radius, rng)
    raise TypeError(f"not a vector distribution: {d!r}")


def euler_deg_to_matrix(e) -> np.ndarray:
    """Extrinsic XYZ Euler angles in degrees → 3×3 rotation."""
    return Rotation.from_euler("xyz", e, degrees=True).as_matrix()


def sample_rotation(d, rng: np.random.Generator) -> np.ndarray:
    """A 3×3 rotation matrix."""
    if isinstance(d, (list, tuple)):
        return euler_deg_to_matrix(d)
    if isinstance(d, D.SO3):
        # Uniform quaternion on S^3 (normalised 4-D Gaussian) gives the Haar measure on SO(3).
        q = rng.normal(size=4)
        q /= np.linalg.norm(q)
        return Rotation.from_quat(q).as_matrix()
    if isinstance(d, D.AxisAngle):
        ang = math.radians(sample_float(d.angle_deg, rng))
        return Rotation.from_rotvec(_unit(d.axis) * ang).as_matrix()
    if isinstance(d, D.Choice):
        return euler_deg_to_matrix(draw_choice(d, rng))
    raise TypeError(f"not a rotation distribution: {d!r}")


def sample_color(d, rng: np.random.Generator) -> list[float]:
    """A colour as *linear* RGB (template colours are sRGB-encoded)."""
    if isinstance(d, (list, tuple)):
        srgb = list(d)
    elif isinstance(d, D.HSV):
        h = rng.uniform(*d.h)
        s = rng.uniform(*d.s)
        v = rng.uniform(*d.v)
        srgb = hsv_to_rgb(h, s, v)
    elif isinstance(d, D._UniformVec):
        srgb = rng.uniform(np.asarray(d.min), np.asarray(d.max)).tolist()
    elif isinstance(d, D.Choice):
        srgb = D.parse_color(draw_choice(d, rng))
    else:
        raise TypeError(f"not a colour distribution: {d!r}")
    return [float(x) for x in srgb_to_linear(srgb)]


def choose_weighted(items: list, weights: list[float], rng: np.random.Generator):
    """One of ``items`` with probability proportional to ``weights``."""
    w = np.asarray(weights, float)
    return items[int(rng.choice(len(items), p=w / w.sum()))]


def rotation_z(angle: float) -> np.ndarray:
    """3×3 rotation by ``angle`` radians about z."""
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])


def rt(R: np.ndarray, t: np.ndarray) -> np.ndarray:
    """4×4 rigid transform from a rotation and a translation."""
    T = np.eye(4)
    T[:3, :3] = R
    T[:3, 3] = t
    return T
