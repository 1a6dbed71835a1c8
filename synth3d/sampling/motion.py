"""Sequences: one sampled scene moved through time (see the template's ``sequence:`` section).

Frame *i* of a sequence template is frame ``t = i % length`` of sequence ``s = i // length``.
The scene of a sequence is the still that the template's sampler makes for index ``s`` (so its
layout, materials, lights and HDRI come from the usual streams keyed by ``(seed, s)``); its motion
is drawn from streams keyed by ``(seed, s)`` too — ``motion/object/<id>``, ``motion/camera``,
``motion/lighting`` — so frame *i* depends only on (template, seed, *i*).

Every motion is a rigid world transform ``M(time)`` applied on top of the sampled pose
(``T_world_asset(time) = M(time) @ T_world_asset(0)``); velocities are recorded per frame
(central differences of the path, exact to ~1e-8).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.transform import Rotation

from ..spec import SceneSpec, SequenceInfo, VelocitySpec
from ..template import sequence as Q
from .rng import stream
from .values import sample_float, sample_vec

_H = 1e-4  # seconds: step of the central differences that give velocities


def _rt(R: np.ndarray, t: np.ndarray) -> np.ndarray:
    T = np.eye(4)
    T[:3, :3] = R
    T[:3, 3] = t
    return T


def _rot_z(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _about(R: np.ndarray, c: np.ndarray, shift: np.ndarray | None = None) -> np.ndarray:
    """World transform rotating by R about the point c, then translating by shift."""
    t = c - R @ c
    if shift is not None:
        t = t + shift
    return _rt(R, t)


def catmull_rom(keys: np.ndarray, u: float) -> np.ndarray:
    """Uniform Catmull-Rom curve through ``keys`` (K, D) at parameter ``u`` (key k at u = k):
    C1-smooth, passes through every key; beyond the ends the end segments continue."""
    keys = np.asarray(keys, float)
    n = len(keys)
    if n == 1:
        return keys[0].copy()
    ext = np.concatenate([[2 * keys[0] - keys[1]], keys, [2 * keys[-1] - keys[-2]]])
    k = int(min(max(math.floor(u), 0), n - 2))
    s = u - k
    p0, p1, p2, p3 = ext[k], ext[k + 1], ext[k + 2], ext[k + 3]
    return 0.5 * (
        (2 * p1)
        + (-p0 + p2) * s
        + (2 * p0 - 5 * p1 + 4 * p2 - p3) * s * s
        + (-p0 + 3 * p1 - 3 * p2 + p3) * s**3
    )


def velocity_of(path, time: float, origin: np.ndarray | None = None) -> VelocitySpec:
    """Velocity (of ``origin``'s image, default the frame's own origin) of a path of 4×4 poses."""
    a, b = path(time - _H), path(time + _H)
    pa = a[:3, 3] if origin is None else a[:3, :3] @ origin + a[:3, 3]
    pb = b[:3, 3] if origin is None else b[:3, :3] @ origin + b[:3, 3]
    w = Rotation.from_matrix(b[:3, :3] @ a[:3, :3].T).as_rotvec() / (2 * _H)
    return VelocitySpec(linear_m_s=((pb - pa) / (2 * _H)).tolist(), angular_rad_s=w.tolist())


def advance_pose(T: np.ndarray, v: VelocitySpec | None, dt: float) -> np.ndarray:
    """A 4×4 pose moved for ``dt`` seconds at constant velocity ``v`` (its origin translates at
    ``linear_m_s``, its axes turn at ``angular_rad_s``)."""
    if v is None or dt == 0:
        return np.asarray(T, float)
    T = np.asarray(T, float)
    R = Rotation.from_rotvec(np.asarray(v.angular_rad_s) * dt).as_matrix()
    return _rt(R @ T[:3, :3], T[:3, 3] + np.asarray(v.linear_m_s) * dt)


def advance(spec: SceneSpec, dt: float) -> SceneSpec:
    """The scene ``dt`` seconds later at the frame's constant velocities (objects, camera, HDRI
    rotation). Used for motion blur's sub-frames and for the flow past a sequence's ends."""
    objs = [
        o.model_copy(update={"T_world_asset": advance_pose(o.T_array(), o.velocity, dt).tolist()})
        for o in spec.objects
    ]
    cam = spec.camera.model_copy(
        update={
            "T_world_cam": advance_pose(spec.camera.T_array(), spec.camera.velocity, dt).tolist()
        }
    )
    env = spec.environment
    if spec.sequence is not None and spec.sequence.environment_rotation_deg_s:
        env = env.model_copy(
            update={
                "rotation_deg": env.rotation_deg + spec.sequence.environment_rotation_deg_s * dt
            }
        )
    return spec.model_copy(update={"objects": objs, "camera": cam, "environment": env})


# -- object paths ------------------------------------------------------------------------------


@dataclass
class _Path:
    """M(time): a world transform applied on top of the sampled pose."""

    kind: str = "static"
    centre: np.ndarray = field(default_factory=lambda: np.zeros(3))
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(3))
    omega: np.ndarray = field(default_factory=lambda: np.zeros(3))
    axis_point: np.ndarray = field(default_factory=lambda: np.zeros(3))
    rate: float = 0.0
    key_pos: np.ndarray | None = None
    key_rot: np.ndarray | None = None
    key_dt: float = 1.0
    samples: object = None  # thrown: callable time -> 4×4 (from the physics engine)

    def __call__(self, time: float) -> np.ndarray:
        if self.kind == "static":
            return np.eye(4)
        if self.kind == "linear":
            R = Rotation.from_rotvec(self.omega * time).as_matrix()
            return _about(R, self.centre, self.velocity * time)
        if self.kind == "orbit":
            return _about(_rot_z(self.rate * time), self.axis_point)
        if self.kind == "spline":
            u = time / self.key_dt
            R = Rotation.from_rotvec(catmull_rom(self.key_rot, u)).as_matrix()
            return _about(R, self.centre, catmull_rom(self.key_pos, u))
        if self.kind == "thrown":
            return self.samples(time)
        raise ValueError(self.kind)


def _object_path(m: Q.ObjectMotionSpec, centre: np.ndarray, duration: float, rng) -> _Path:
    if m.type == "static":
        return _Path()
    if m.type in ("linear", "thrown"):
        return _Path(
            kind="linear",
            centre=centre,
            velocity=sample_vec(m.velocity, rng),
            omega=np.radians(sample_vec(m.angular_velocity_deg, rng)),
        )
    if m.type == "orbit":
        c = sample_vec(m.center, rng)
        return _Path(
            kind="orbit",
            axis_point=np.array([c[0], c[1], 0.0]),
            rate=math.radians(sample_float(m.rate_deg, rng)),
        )
    pos, rot = [np.zeros(3)], [np.zeros(3)]
    for _ in range(m.keys - 1):
        pos.append(sample_vec(m.offset, rng))
        axis = rng.normal(size=3)
        axis /= np.linalg.norm(axis)
        rot.append(axis * math.radians(sample_float(m.rotation_deg, rng)))
    return _Path(
        kind="spline",
        centre=centre,
        key_pos=np.array(pos),
        key_rot=np.array(rot),
        key_dt=max(duration, 1e-9) / (m.keys - 1),
    )


# -- camera paths ------------------------------------------------------------------------------


@dataclass
class _CameraPath:
    T0: np.ndarray
    kind: str = "static"
    pivot: np.ndarray = field(default_factory=lambda: np.zeros(3))
    rate: float = 0.0
    speed: float = 0.0
    key_pos: np.ndarray | None = None
    key_dt: float = 1.0
    aim: bool = False
    shake_amp: float = 0.0
    shake_freq: np.ndarray | None = None  # (3, 2) Hz
    shake_phase: np.ndarray | None = None  # (3, 2) rad

    def __call__(self, time: float) -> np.ndarray:
        T0 = self.T0
        if self.kind == "orbit":
            axis = np.array([self.pivot[0], self.pivot[1], 0.0])
            T = _about(_rot_z(self.rate * time), axis) @ T0
        elif self.kind == "dolly":
            T = T0.copy()
            T[:3, 3] = T0[:3, 3] + T0[:3, 2] * self.speed * time
        elif self.kind == "spline":
            p = T0[:3, 3] + catmull_rom(self.key_pos, time / self.key_dt)
            R = T0[:3, :3]
            if self.aim:
                a = self.pivot - T0[:3, 3]
                b = self.pivot - p
                R = _align(a, b) @ R
            T = _rt(R, p)
        else:
            T = T0.copy()
        if self.shake_amp:
            w = np.sin(2 * math.pi * self.shake_freq * time + self.shake_phase).sum(1) / 2
            T = T @ _rt(Rotation.from_rotvec(self.shake_amp * w).as_matrix(), np.zeros(3))
        return T


def _align(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The smallest rotation taking direction a to direction b."""
    a = a / np.linalg.norm(a)
    b = b / np.linalg.norm(b)
    v = np.cross(a, b)
    s = np.linalg.norm(v)
    if s < 1e-12:
        return np.eye(3)
    return Rotation.from_rotvec(v / s * math.atan2(s, float(a @ b))).as_matrix()


def _camera_path(m: Q.CameraMotionSpec, T0: np.ndarray, duration: float, rng) -> _CameraPath:
    p = _CameraPath(T0=T0, kind=m.type, pivot=sample_vec(m.pivot, rng))
    if m.type == "orbit":
        p.rate = math.radians(sample_float(m.rate_deg, rng))
    elif m.type == "dolly":
        p.speed = sample_float(m.speed, rng)
    elif m.type == "spline":
        p.key_pos = np.array([np.zeros(3)] + [sample_vec(m.offset, rng) for _ in range(m.keys - 1)])
        p.key_dt = max(duration, 1e-9) / (m.keys - 1)
        p.aim = m.aim == "pivot"
    amp = sample_float(m.shake_deg, rng)
    if amp:
        hz = sample_float(m.shake_hz, rng)
        p.shake_amp = math.radians(amp)
        p.shake_freq = hz * rng.uniform(0.6, 1.4, size=(3, 2))
        p.shake_phase = rng.uniform(0, 2 * math.pi, size=(3, 2))
    return p


# -- the plan of one sequence ------------------------------------------------------------------


@dataclass
class SequencePlan:
    """One sequence: its scene at time 0 and the motion of everything in it."""

    base: SceneSpec
    seq_id: int
    length: int
    fps: float
    shutter_s: float
    subframes: int
    objects: list
    camera: _CameraPath
    env_rate_deg: float = 0.0
    env_ev_rate: float = 0.0
    light_rate: float = 0.0
    light_ev_rate: float = 0.0

    def at(self, t: int) -> SceneSpec:
        """The SceneSpec of frame ``t`` (0 ≤ t < length; any integer works)."""
        time = t / self.fps
        b = self.base
        objs = []
        for o, path in zip(b.objects, self.objects):
            T0 = o.T_array()
            M = path(time)
            rel = lambda s, T0=T0, path=path: path(s) @ T0  # noqa: E731
            objs.append(
                o.model_copy(
                    update={
                        "T_world_asset": (M @ T0).tolist(),
                        "velocity": velocity_of(rel, time),
                        "corners_world": None
                        if o.corners_world is None
                        else _moved(o.corners_world, M),
                    }
                )
            )
        T_wc = self.camera(time)
        cam = b.camera.model_copy(
            update={"T_world_cam": T_wc.tolist(), "velocity": velocity_of(self.camera, time)}
        )
        env = b.environment.model_copy(
            update={
                "rotation_deg": b.environment.rotation_deg + self.env_rate_deg * time,
                "exposure_ev": b.environment.exposure_ev + self.env_ev_rate * time,
            }
        )
        lights = b.lights
        if self.light_rate or self.light_ev_rate:
            R = _rot_z(self.light_rate * time)
            gain = 2.0 ** (self.light_ev_rate * time)
            lights = []
            for L in b.lights:
                up = {"intensity": L.intensity * gain}
                if L.direction is not None:
                    up["direction"] = (R @ np.asarray(L.direction)).tolist()
                if L.position is not None:
                    up["position"] = (R @ np.asarray(L.position)).tolist()
                lights.append(L.model_copy(update=up))
        info = SequenceInfo(
            id=self.seq_id,
            t=t,
            length=self.length,
            fps=self.fps,
            time_s=time,
            shutter_s=self.shutter_s,
            subframes=self.subframes if self.shutter_s else 1,
            environment_rotation_deg_s=self.env_rate_deg,
        )
        return b.model_copy(
            update={
                "index": self.seq_id * self.length + t,
                "objects": objs,
                "camera": cam,
                "environment": env,
                "lights": lights,
                "sequence": info,
            }
        )


def _moved(points, M: np.ndarray) -> list:
    p = np.asarray(points, float)
    return (p @ M[:3, :3].T + M[:3, 3]).tolist()


def object_centre(o) -> np.ndarray:
    """World centre of an object's asset box."""
    b = np.asarray(o.bounds_asset, float)
    c = (b[0] + b[1]) / 2
    T = o.T_array()
    return T[:3, :3] @ c + T[:3, 3]


def motion_for(seq: Q.SequenceSpec, group: str) -> Q.ObjectMotionSpec | None:
    return seq.objects.get(group, seq.objects.get("*"))


def make_plan(sampler, seed: int, seq_id: int, simulate=None) -> SequencePlan:
    """Sample sequence ``seq_id``: its scene (the sampler's still for index ``seq_id``) and its
    motion. ``simulate(plan, thrown, seed, template)`` (see :mod:`.thrown`) fills in the
    ``thrown`` paths."""
    seq = sampler.t.sequence
    base = sampler.sample(seed, seq_id)
    duration = (seq.length - 1) / seq.fps
    paths = []
    thrown = []
    for k, o in enumerate(base.objects):
        m = motion_for(seq, o.name)
        if m is None:
            paths.append(_Path())
            continue
        rng = stream(seed, seq_id, f"motion/object/{o.id}")
        p = _object_path(m, object_centre(o), duration, rng)
        if m.type == "thrown":
            p.kind = "thrown"
            thrown.append((k, m, rng))
        paths.append(p)
    crng = stream(seed, seq_id, "motion/camera")
    cam = _camera_path(seq.camera, base.camera.T_array(), duration, crng)
    lrng = stream(seed, seq_id, "motion/lighting")
    lm = seq.lighting
    plan = SequencePlan(
        base=base,
        seq_id=seq_id,
        length=seq.length,
        fps=seq.fps,
        shutter_s=seq.shutter / seq.fps,
        subframes=seq.subframes,
        objects=paths,
        camera=cam,
        env_rate_deg=sample_float(lm.environment_rotation_deg, lrng),
        env_ev_rate=sample_float(lm.environment_exposure_ev, lrng),
        light_rate=math.radians(sample_float(lm.lights_rotation_deg, lrng)),
        light_ev_rate=sample_float(lm.lights_intensity_ev, lrng),
    )
    if thrown:
        if simulate is None:
            from ..errors import TemplateError

            raise TemplateError(
                "sequence.objects",
                "motion type 'thrown' needs the MuJoCo physics engine: pip install mujoco",
            )
        simulate(plan, thrown, seed, sampler.t)
    return plan


class SequenceSampler:
    """The sampler of a sequence template: ``sample(seed, index)`` gives frame ``index % length``
    of sequence ``index // length``. Plans are cached (a few sequences), so the frames of a
    sequence share one sampling (and one simulation)."""

    CACHE = 4

    def __init__(self, sampler):
        self.sampler = sampler
        self.t = sampler.t
        self.seq = sampler.t.sequence
        self.length = self.seq.length
        self.width, self.height = sampler.width, sampler.height
        self._plans: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def __getattr__(self, name):  # n_combinations, attributes, ... of the still sampler
        return getattr(self.sampler, name)

    def plan(self, seed: int, seq_id: int) -> SequencePlan:
        key = (int(seed), int(seq_id))
        with self._lock:
            if key in self._plans:
                self._plans.move_to_end(key)
                return self._plans[key]
        plan = make_plan(self.sampler, seed, seq_id, _simulator())
        with self._lock:
            self._plans[key] = plan
            while len(self._plans) > self.CACHE:
                self._plans.popitem(last=False)
        return plan

    def sample(self, seed: int, index: int, resample: int = 0) -> SceneSpec:
        s, t = divmod(int(index), self.length)
        return self.plan(seed, s).at(t)


def _simulator():
    """The physics hook for ``thrown`` objects, or None when the engine is not available."""
    try:
        import mujoco  # noqa: F401

        from .thrown import simulate_thrown
    except ImportError:
        return None
    return simulate_thrown


__all__ = [
    "SequencePlan",
    "SequenceSampler",
    "advance",
    "advance_pose",
    "catmull_rom",
    "make_plan",
    "velocity_of",
]
