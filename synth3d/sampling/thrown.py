"""Thrown and dropped objects of a sequence, simulated with MuJoCo once per sequence.

Each ``thrown`` object is a free rigid body with its group's collision shape (``physics.collision``
of the object group: a shipped collision mesh, the hull, or a CoACD decomposition — cached, see
:mod:`synth3d.assets.collision`) and its group's ``physics`` material (density or mass, friction,
restitution, drawn per object), starting at its sampled pose lifted by ``height`` with the sampled
linear and angular velocity (of its centre). Objects without motion, and groups with
``physics: {static: true}``, are fixed supports; so are the floor, sweep and wall backdrops (a
ground plane at z = 0 when there is no floor). Gravity, solver and contact settings come from the
template's ``physics:``. The simulation steps at a whole fraction of the frame interval (at most
``physics.timestep``) and records every step, so frame t's pose is the simulated state at t / fps
exactly (between steps, poses are interpolated — only velocities sample there). MuJoCo is
deterministic for a given build and model: a sequence simulates to the same poses in every
process.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial.transform import Rotation

from ..spec import ObjectPhysicsSpec, PhysicsRecord
from .physics import (
    ROLLING,
    TORSION,
    add_static_geoms,
    damping_ratio,
    engine_version,
    new_spec,
    quat_wxyz,
)
from .settling import backdrop_boxes, collision_params, draw_properties
from .values import sample_float


def _split_scale(T: np.ndarray) -> tuple[np.ndarray, float]:
    """A 4×4 pose with uniform scale → (rigid 4×4, scale)."""
    A = T[:3, :3]
    s = float(np.cbrt(np.linalg.det(A)))
    B = np.eye(4)
    B[:3, :3] = A / s
    B[:3, 3] = T[:3, 3]
    return B, s


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


def _pieces(template, group: str, asset: str, scale: float) -> list[np.ndarray]:
    from ..assets.collision import collision_pieces

    o = next(g for g in template.objects if g.name == group)
    return [
        p * scale for p in collision_pieces(asset, collision_params(o), template.physics.cache_dir)
    ]


def _add_body(spec, world, name: str, B: np.ndarray, pieces, dynamic: bool, props: dict, dt: float):
    """A body of convex mesh pieces at the rigid pose B (free when dynamic)."""
    import mujoco

    body = world.add_body(name=name, pos=B[:3, 3].tolist(), quat=quat_wxyz(B[:3, :3]))
    if dynamic:
        body.add_freejoint()
    density = props.get("density") or 500.0
    if props.get("mass") is not None:
        from scipy.spatial import ConvexHull

        density = props["mass"] / max(sum(ConvexHull(p).volume for p in pieces), 1e-12)
    for j, p in enumerate(pieces):
        mesh = spec.add_mesh(name=f"{name}p{j}")
        mesh.uservert = np.asarray(p, np.float64).ravel().tolist()
        body.add_geom(
            type=mujoco.mjtGeom.mjGEOM_MESH,
            meshname=f"{name}p{j}",
            density=density,
            friction=[props.get("friction", 0.8), 0.005, 0.002],
            condim=6,
            solref=[max(0.02, 2 * dt), damping_ratio(props.get("restitution", 0.0))],
        )


def _build(plan, thrown: list, template, dt: float):
    """The sequence's MuJoCo model: supports (ground, backdrop boxes, static groups) and the
    thrown bodies lifted to their start. Returns (model, data, bodies, start velocities, drawn
    properties, bounding radii)."""
    import mujoco

    base, ph = plan.base, template.physics
    spec = new_spec(ph, timestep=dt, name="synth3d_sequence", sleep=False)
    world = spec.worldbody
    boxes, has_floor = backdrop_boxes(base.backdrops)
    add_static_geoms(
        world,
        boxes,
        ph.ground and not has_floor,
        friction=[0.8, TORSION, ROLLING],
        condim=6,
    )
    bodies, starts, props, radius = [], {}, {}, {}
    thrown_idx = {k for k, _m, _r in thrown}
    groups = {g.name: g for g in template.objects}
    for k, m, rng in thrown:
        o, path = base.objects[k], plan.objects[k]
        B, s = _split_scale(o.T_array())
        lift = sample_float(m.height, rng)
        B[2, 3] += lift
        props[k] = draw_properties(groups[o.name], rng)
        pieces = _pieces(template, o.name, o.asset, s)
        radius[k] = float(np.linalg.norm(np.vstack(pieces), axis=1).max())
        _add_body(spec, world, f"o{o.id}", B, pieces, True, props[k], dt)
        # The sampled velocity is the centre's; a free joint's is its frame origin's.
        centre = path.centre + np.array([0.0, 0.0, lift])
        starts[k] = (
            path.velocity + np.cross(path.omega, B[:3, 3] - centre),
            B[:3, :3].T @ path.omega,
        )
        bodies.append((k, f"o{o.id}", s))
    for k, o in enumerate(base.objects):
        g = groups[o.name]
        fixed = plan.objects[k].kind == "static" or (g.physics is not None and g.physics.static)
        if k in thrown_idx or not fixed or o.kind != "mesh":
            continue
        B, s = _split_scale(o.T_array())
        _add_body(
            spec,
            world,
            f"s{o.id}",
            B,
            _pieces(template, o.name, o.asset, s),
            False,
            {"friction": 0.8},
            dt,
        )
    model = spec.compile()
    return model, mujoco.MjData(model), bodies, starts, props, radius


def simulate_thrown(plan, thrown: list, seed: int, template) -> None:
    """Simulate the sequence's ``thrown`` objects and set their paths (see the module doc).

    ``thrown``: (object index, ObjectMotionSpec, rng) for each thrown object, the rng already
    past the velocity draws."""

    base, fps, ph = plan.base, plan.fps, template.physics
    sub = max(1, math.ceil((1.0 / fps) / ph.timestep))
    dt = 1.0 / (fps * sub)
    n_steps = (plan.length - 1) * sub + 1
    model, data, bodies, starts, props, radius = _build(plan, thrown, template, dt)
    rec = _run(model, data, bodies, starts, n_steps)
    if not np.all(np.isfinite(rec)):
        from ..errors import PlacementError

        raise PlacementError(f"sequence {plan.seq_id}", "the simulation of thrown objects diverged")
    objs = list(base.objects)
    at_rest = True
    for j, (k, _name, _s) in enumerate(bodies):
        a, b = rec[j, -2], rec[j, -1]
        w = np.linalg.norm(Rotation.from_matrix(b[:3, :3] @ a[:3, :3].T).as_rotvec()) / dt
        r = radius[k]
        at_rest &= bool(np.linalg.norm(b[:3, 3] - a[:3, 3]) / dt + w * r < ph.rest_speed)
    for j, (k, name, s) in enumerate(bodies):
        path = plan.objects[k]
        path.kind = "thrown"
        # M(time) is relative to the sampled (unlifted) pose: T(time) = M(time) @ T0.
        path.samples = _Sampled(dt, rec[j] @ np.diag([s, s, s, 1.0]), base.objects[k].T_array())
        objs[k] = objs[k].model_copy(
            update={
                "physics": ObjectPhysicsSpec(
                    role="dynamic",
                    mass_kg=float(model.body_mass[model.body(name).id]),
                    friction=props[k]["friction"],
                    restitution=props[k]["restitution"],
                )
            }
        )
    # Every frame of the sequence records the materials and the simulation.
    plan.base = base.model_copy(
        update={
            "objects": objs,
            "physics": PhysicsRecord(
                engine=engine_version(),
                sim_time_s=round(n_steps * dt, 6),
                at_rest=at_rest,
                timestep=dt,
            ),
        }
    )


def _run(model, data, bodies: list, starts: dict, n_steps: int) -> np.ndarray:
    """Set the start velocities, step, and record every body's rigid pose at every step:
    (bodies, n_steps + 1, 4, 4)."""
    import mujoco

    qadr = []
    for k, name, _s in bodies:
        jnt = model.body_jntadr[model.body(name).id]
        adr = model.jnt_dofadr[jnt]
        qadr.append(model.jnt_qposadr[jnt])
        v, w_local = starts[k]
        data.qvel[adr : adr + 3] = v
        data.qvel[adr + 3 : adr + 6] = w_local
    # Free joints' qpos: position (3) and orientation quaternion (w, x, y, z) of the body frame.
    pos = np.zeros((len(bodies), n_steps + 1, 3))
    quat = np.zeros((len(bodies), n_steps + 1, 4))
    for step in range(n_steps + 1):
        if step:
            mujoco.mj_step(model, data)
        q = data.qpos
        for j, a in enumerate(qadr):
            pos[j, step] = q[a : a + 3]
            quat[j, step] = q[a + 3 : a + 7]
    rec = np.tile(np.eye(4), (len(bodies), n_steps + 1, 1, 1))
    for j in range(len(bodies)):
        rec[j, :, :3, :3] = Rotation.from_quat(quat[j][:, [1, 2, 3, 0]]).as_matrix()
        rec[j, :, :3, 3] = pos[j]
    return rec


__all__ = ["simulate_thrown"]
