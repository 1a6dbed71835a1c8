"""Thrown and dropped objects of a sequence, simulated with MuJoCo once per sequence.

Each ``thrown`` object is a free rigid body with its mesh's convex hull (scaled as the object is)
as collision shape, starting at its sampled pose lifted by ``height`` with the sampled linear and
angular velocity (of its centre); objects without motion are fixed bodies; the ground is the plane
z = 0. The simulation steps at a whole fraction of the frame interval (≤ 2 ms) and records every
step, so frame t's pose is the simulated state at t / fps exactly (between steps, poses are
interpolated — only velocities sample there). MuJoCo is deterministic for a given build and
model: a sequence simulates to the same poses in every process.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.spatial.transform import Rotation

from .values import sample_float

MAX_STEP_S = 0.002


@lru_cache(maxsize=64)
def _hull(path: str) -> np.ndarray:
    from ..assets.catalog import load_mesh

    return np.asarray(load_mesh(path).convex_hull.vertices, np.float64)


def _split_scale(T: np.ndarray) -> tuple[np.ndarray, float]:
    """A 4×4 pose with uniform scale → (rigid 4×4, scale)."""
    A = T[:3, :3]
    s = float(np.cbrt(np.linalg.det(A)))
    B = np.eye(4)
    B[:3, :3] = A / s
    B[:3, 3] = T[:3, 3]
    return B, s


def _quat_wxyz(R: np.ndarray) -> list[float]:
    x, y, z, w = Rotation.from_matrix(R).as_quat()
    return [float(w), float(x), float(y), float(z)]


def _damping_ratio(restitution: float) -> float:
    # A damped contact spring rebounds with e = exp(−ζπ/√(1−ζ²)); solve for ζ.
    if restitution <= 1e-6:
        return 1.0
    ln = math.log(min(restitution, 0.999))
    return -ln / math.sqrt(math.pi ** 2 + ln ** 2)


class _Sampled:
    """M(time) of a simulated body from its recorded states (world ← asset poses per step)."""

    def __init__(self, dt: float, poses: np.ndarray, T0: np.ndarray):
        self.dt = dt
        self.poses = poses
        self.inv0 = np.linalg.inv(T0)

    def __call__(self, time: float) -> np.ndarray:
        x = time / self.dt
        n = len(self.poses) - 1
        if abs(x - round(x)) < 1e-7:
            i, f = int(round(x)), 0.0
        else:
            i, f = int(math.floor(x)), x - math.floor(x)
        if x < 0 or x > n:  # outside the simulation: constant velocity of the nearest step
            j = 0 if x < 0 else n - 1
            a, b = self.poses[j], self.poses[j + 1]
            Ra, s = _split_scale(a)
            Rb, _ = _split_scale(b)
            w = Rotation.from_matrix(Rb[:3, :3] @ Ra[:3, :3].T).as_rotvec()
            k = x if x < 0 else x - n
            end = self.poses[0 if x < 0 else n]
            T = np.eye(4)
            T[:3, :3] = Rotation.from_rotvec(w * k).as_matrix() @ end[:3, :3]
            T[:3, 3] = end[:3, 3] + (b[:3, 3] - a[:3, 3]) * k
            return T @ self.inv0
        T = self.poses[i].copy()
        if f:
            a, b = self.poses[i], self.poses[i + 1]
            # poses carry a uniform scale: interpolate the rigid part and keep the scale
            Ra, s = _split_scale(a)
            Rb, _ = _split_scale(b)
            rel = Rotation.from_matrix(Ra[:3, :3].T @ Rb[:3, :3]).as_rotvec()
            R = Ra[:3, :3] @ Rotation.from_rotvec(rel * f).as_matrix()
            T[:3, :3] = R * s
            T[:3, 3] = (1 - f) * a[:3, 3] + f * b[:3, 3]
        return T @ self.inv0


def simulate_thrown(plan, thrown: list, seed: int) -> None:
    """Simulate the sequence's ``thrown`` objects and set their paths (see the module doc).

    ``thrown``: (object index, ObjectMotionSpec, rng) for each thrown object, the rng already
    past the velocity draws."""
    import mujoco

    base = plan.base
    fps = plan.fps
    sub = max(1, math.ceil((1.0 / fps) / MAX_STEP_S))
    dt = 1.0 / (fps * sub)
    n_steps = (plan.length - 1) * sub + 1
    spec = mujoco.MjSpec()
    spec.modelname = "synth3d_sequence"
    spec.option.timestep = dt
    spec.option.gravity = [0.0, 0.0, -9.81]
    spec.option.cone = mujoco.mjtCone.mjCONE_ELLIPTIC
    world = spec.worldbody
    world.add_geom(type=mujoco.mjtGeom.mjGEOM_PLANE, size=[0, 0, 1], friction=[0.6, 0.005, 0.002],
                   condim=6)
    bodies = []  # (object index, body name, scale, start rigid pose)
    thrown_idx = {k for k, _m, _r in thrown}
    starts = {}
    for k, m, rng in thrown:
        o = base.objects[k]
        path = plan.objects[k]
        B, s = _split_scale(o.T_array())
        lift = sample_float(m.height, rng)
        density = max(sample_float(m.density, rng), 1e-3)
        friction = max(sample_float(m.friction, rng), 0.0)
        restitution = min(max(sample_float(m.restitution, rng), 0.0), 1.0)
        B[2, 3] += lift
        name = f"o{o.id}"
        body = world.add_body(name=name, pos=B[:3, 3].tolist(), quat=_quat_wxyz(B[:3, :3]))
        body.add_freejoint()
        mesh = spec.add_mesh(name=name + "m")
        mesh.uservert = (_hull(o.asset) * s).ravel().tolist()
        body.add_geom(type=mujoco.mjtGeom.mjGEOM_MESH, meshname=name + "m", density=density,
                      friction=[friction, 0.005, 0.002], condim=6,
                      solref=[max(0.02, 2 * dt), _damping_ratio(restitution)])
        # The sampled velocity is the centre's; a free joint's is its frame origin's.
        centre = path.centre + np.array([0.0, 0.0, lift])
        v_origin = path.velocity + np.cross(path.omega, B[:3, 3] - centre)
        starts[k] = (v_origin, B[:3, :3].T @ path.omega)
        bodies.append((k, name, s))
    for k, o in enumerate(base.objects):
        if k in thrown_idx or plan.objects[k].kind != "static" or o.kind != "mesh":
            continue
        B, s = _split_scale(o.T_array())
        body = world.add_body(name=f"s{o.id}", pos=B[:3, 3].tolist(), quat=_quat_wxyz(B[:3, :3]))
        mesh = spec.add_mesh(name=f"s{o.id}m")
        mesh.uservert = (_hull(o.asset) * s).ravel().tolist()
        body.add_geom(type=mujoco.mjtGeom.mjGEOM_MESH, meshname=f"s{o.id}m",
                      friction=[0.6, 0.005, 0.002], condim=6)
    model = spec.compile()
    data = mujoco.MjData(model)
    qadr = []
    for k, name, _s in bodies:
        jnt = model.body_jntadr[model.body(name).id]
        adr = model.jnt_dofadr[jnt]
        qadr.append(model.jnt_qposadr[jnt])
        v, w_local = starts[k]
        data.qvel[adr:adr + 3] = v
        data.qvel[adr + 3:adr + 6] = w_local
    qadr = np.asarray(qadr, int)
    # Free joints' qpos: position (3) and orientation quaternion (w, x, y, z) of the body frame.
    pos = np.zeros((len(bodies), n_steps + 1, 3))
    quat = np.zeros((len(bodies), n_steps + 1, 4))
    for step in range(n_steps + 1):
        if step:
            mujoco.mj_step(model, data)
        q = data.qpos
        for j, a in enumerate(qadr):
            pos[j, step] = q[a:a + 3]
            quat[j, step] = q[a + 3:a + 7]
    rec = np.tile(np.eye(4), (len(bodies), n_steps + 1, 1, 1))
    for j in range(len(bodies)):
        rec[j, :, :3, :3] = Rotation.from_quat(quat[j][:, [1, 2, 3, 0]]).as_matrix()
        rec[j, :, :3, 3] = pos[j]
    if not np.all(np.isfinite(rec)):
        from ..errors import PlacementError

        raise PlacementError(f"sequence {plan.seq_id}", "the simulation of thrown objects "
                             "diverged")
    for j, (k, _name, s) in enumerate(bodies):
        poses = rec[j] @ np.diag([s, s, s, 1.0])
        path = plan.objects[k]
        path.kind = "thrown"
        # M(time) is relative to the sampled (unlifted) pose: T(time) = M(time) @ T0.
        path.samples = _Sampled(dt, poses, base.objects[k].T_array())


__all__ = ["simulate_thrown"]
