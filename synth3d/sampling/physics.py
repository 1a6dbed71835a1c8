"""The physics engine adapter (MuJoCo): start poses in, settled poses out.

Called from placement while a frame is sampled. Bodies are rigid; each is a set of convex pieces
(:mod:`synth3d.assets.collision`) given in the body's frame, already scaled. Static supports are
the ground plane, box-shaped backdrops and static bodies. The simulation is deterministic: the
same bodies and settings give the same poses (MuJoCo is deterministic for a given build and
model; no randomness is drawn here).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

ENGINE = "mujoco"
TORSION = 0.005
"""Torsional friction (m): spinning contacts come to rest."""
ROLLING = 0.002
"""Rolling friction (m): round objects stop rolling within centimetres instead of metres."""
CONTACT_TIME = 2.0
"""Contact stiffness: the time constant of contacts in time steps (MuJoCo's smallest stable
value), so resting objects sink well under a millimetre into their supports."""
SOLIMP = [0.95, 0.99, 0.001, 0.5, 2]
"""Contact impedance (MuJoCo solimp): stiff from the first 0.1 mm of penetration."""


def engine_version() -> str:
    """``"mujoco X.Y.Z"``."""
    import mujoco

    return f"{ENGINE} {mujoco.__version__}"


@dataclass
class Body:
    """One rigid body.

    Attributes
    ----------
    name : str
    pieces : list of (N, 3) float arrays
        Convex pieces in the body frame (metres).
    T_world_body : (4, 4) float
        Start pose (rotation and translation only).
    dynamic : bool
        Simulated (True) or a fixed support (False).
    mass, density : float
        ``mass`` (kg) when given, else ``density`` (kg/m³) of the pieces' volume.
    friction, restitution : float
    region : (x0, x1, y0, y1) or None
        Dropped bodies: the region they must stay above (their centre within it, widened by
        their radius).
    max_sink : float or None
        Settled bodies: how far (m) their lowest point may sink below its start.
    """

    name: str
    pieces: list
    T_world_body: np.ndarray
    dynamic: bool = True
    mass: float | None = None
    density: float = 500.0
    friction: float = 0.8
    restitution: float = 0.0
    region: tuple | None = None
    max_sink: float | None = None


@dataclass
class Box:
    """A static box support: ``T_world_box`` (rigid) and ``half`` sizes (m)."""

    T_world_box: np.ndarray
    half: tuple


@dataclass
class SimResult:
    """Poses (4×4 rigid, world ← body) of every body in input order; ``failure`` says why the
    layout fails (None when it is fine)."""

    poses: list
    sim_time_s: float
    at_rest: bool
    failure: str | None = None
    masses: list = field(default_factory=list)
    timestep: float | None = None  # the step the result was simulated with


def quat_wxyz(R: np.ndarray) -> list[float]:
    """MuJoCo's quaternion (w, x, y, z) of a rotation matrix."""
    import mujoco

    q = np.zeros(4)
    mujoco.mju_mat2Quat(q, np.ascontiguousarray(R, np.float64).ravel())
    return q.tolist()


def damping_ratio(restitution: float) -> float:
    """The contact damping ratio ζ that rebounds with ``restitution`` e: a damped contact spring
    rebounds with e = exp(−ζπ/√(1−ζ²)), inverted for ζ (e = 0 → 1; e capped at 0.999)."""
    if restitution <= 1e-6:
        return 1.0
    ln = math.log(min(restitution, 0.999))
    return -ln / math.sqrt(math.pi**2 + ln**2)


def box_of(piece: np.ndarray, tol: float = 1e-6):
    """``(centre (3,), R (3, 3), half sizes (3,))`` when the 8 vertices of a convex piece are
    the corners of a box (any orientation; within ``tol`` of its size), else None."""
    p = np.asarray(piece, np.float64)
    if p.shape != (8, 3):
        return None
    c = p.mean(0)
    d = p[1:] - p[0]
    n = np.linalg.norm(d, axis=1)
    if n.min() <= 0:
        return None
    # A box's edges from one corner: the shortest difference, then the shortest orthogonal to
    # the ones found (the other differences are sums of edges).
    edges: list[int] = []
    for k in np.argsort(n, kind="stable"):
        if all(abs(d[k] @ d[j]) <= tol * n[k] * n[j] for j in edges):
            edges.append(int(k))
    if len(edges) != 3:
        return None
    n = n[edges]
    R = d[edges] / n[:, None]
    if np.linalg.det(R) < 0:
        R[2] = -R[2]
    local = (p - c) @ R.T
    half = n / 2
    if np.abs(np.abs(local) - half).max() > tol * n.max():
        return None
    return c, R.T, half


def _volume(pieces) -> float:
    from scipy.spatial import ConvexHull

    return float(sum(ConvexHull(p).volume for p in pieces))


def new_spec(settings, timestep: float | None = None, name: str = "synth3d", sleep: bool = True):
    """An empty MuJoCo model with the template's gravity and solver settings and ``timestep``
    (default: the settings' own); ``sleep`` lets resting bodies sleep when MuJoCo can."""
    import mujoco

    spec = mujoco.MjSpec()
    spec.modelname = name
    # One thread: sampling already runs beside rendering, and compile threads only contend.
    spec.compiler.usethread = False
    opt = spec.option
    opt.timestep = settings.timestep if timestep is None else timestep
    opt.gravity = list(map(float, settings.gravity))
    opt.iterations = settings.solver_iterations
    opt.cone = (
        mujoco.mjtCone.mjCONE_ELLIPTIC
        if settings.cone == "elliptic"
        else mujoco.mjtCone.mjCONE_PYRAMIDAL
    )
    opt.impratio = settings.impratio
    if sleep and getattr(settings, "sleep", False) and hasattr(mujoco.mjtEnableBit, "mjENBL_SLEEP"):
        opt.enableflags |= int(mujoco.mjtEnableBit.mjENBL_SLEEP)
    return spec


def _add_supports(spec, boxes: list[Box], settings, ground: bool) -> None:
    """Static supports: the ground plane (optional) and the backdrops' boxes."""
    add_static_geoms(
        spec.worldbody,
        boxes,
        ground,
        margin=settings.margin,
        friction=[0.8, TORSION, ROLLING],
        condim=6,
        solref=[CONTACT_TIME * settings.timestep, 1.0],
        solimp=SOLIMP,
    )


def add_static_geoms(world, boxes: list[Box], ground: bool, **contact) -> None:
    """An infinite ground plane (when ``ground``) and one box geom per backdrop box, all with the
    ``contact`` geom attributes."""
    import mujoco

    if ground:
        world.add_geom(type=mujoco.mjtGeom.mjGEOM_PLANE, size=[0, 0, 1], **contact)
    for b in boxes:
        T = np.asarray(b.T_world_box, float)
        world.add_geom(
            type=mujoco.mjtGeom.mjGEOM_BOX,
            size=list(map(float, b.half)),
            pos=T[:3, 3].tolist(),
            quat=quat_wxyz(T[:3, :3]),
            **contact,
        )


def _add_bodies(spec, bodies: list[Body], settings) -> None:
    """One MuJoCo body per Body (a free joint when dynamic), a geom per convex piece: a box for
    a box-shaped piece (:func:`box_of`), else a mesh."""
    import mujoco

    for i, b in enumerate(bodies):
        T = np.asarray(b.T_world_body, float)
        body = spec.worldbody.add_body(
            name=f"b{i}", pos=T[:3, 3].tolist(), quat=quat_wxyz(T[:3, :3])
        )
        if b.dynamic:
            body.add_freejoint()
        # MuJoCo integrates the pieces' mass at this density; only a given mass needs the volume.
        density = b.density if b.mass is None else b.mass / max(_volume(b.pieces), 1e-12)
        solref = [CONTACT_TIME * settings.timestep, damping_ratio(b.restitution)]
        contact = dict(
            density=density,
            friction=[b.friction, TORSION, ROLLING],
            condim=6,
            margin=settings.margin,
            solref=solref,
        )
        for j, p in enumerate(b.pieces):
            box = box_of(p)
            if box is not None:  # MuJoCo's box collider: cheaper than a mesh, the same shape
                c, R, half = box
                body.add_geom(
                    type=mujoco.mjtGeom.mjGEOM_BOX,
                    size=half.tolist(),
                    pos=c.tolist(),
                    quat=quat_wxyz(R),
                    **contact,
                )
                continue
            name = f"b{i}p{j}"
            mesh = spec.add_mesh(name=name)
            mesh.uservert = np.asarray(p, np.float64).ravel().tolist()
            body.add_geom(type=mujoco.mjtGeom.mjGEOM_MESH, meshname=name, **contact)


def _mass(model, i: int, b: Body) -> float | None:
    """A dynamic body's mass: as given, else MuJoCo's integral of its density (None: static)."""
    if not b.dynamic:
        return None
    return float(b.mass) if b.mass is not None else float(model.body(f"b{i}").mass[0])


def _damp(model, bodies: list[Body], settings) -> None:
    """Velocity damping (rate settings.damping, 1/s) on every free body's 6 dofs."""
    if settings.damping <= 0:
        return
    for i, b in enumerate(bodies):
        if not b.dynamic:
            continue
        bid = model.body(f"b{i}").id
        adr = model.body_dofadr[bid]
        model.dof_damping[adr : adr + 3] = settings.damping * model.body_mass[bid]
        model.dof_damping[adr + 3 : adr + 6] = settings.damping * model.body_inertia[bid]


def _step_to_rest(model, data, bodies: list[Body], settings):
    """Step until every dynamic body's fastest point (``|v| + |ω|·radius``) stays slower than
    ``rest_speed`` for ``rest_time``, or ``time_limit``. Returns (at rest, the dynamic bodies'
    indices, their last speeds, diverged)."""
    import mujoco

    dyn = [i for i, b in enumerate(bodies) if b.dynamic]
    dof = np.array([model.body_dofadr[model.body(f"b{i}").id] for i in dyn], int)
    lin_idx = (dof[:, None] + np.arange(3)).ravel() if len(dyn) else np.zeros(0, int)
    ang_idx = (dof[:, None] + np.arange(3, 6)).ravel() if len(dyn) else np.zeros(0, int)
    radius = np.array([np.linalg.norm(np.vstack(bodies[i].pieces), axis=1).max() for i in dyn])
    chunk = max(1, int(round(0.01 / settings.timestep)))
    need = max(1, int(math.ceil(settings.rest_time / (chunk * settings.timestep))))
    held = 0
    speeds = np.zeros(len(dyn))
    while dyn and data.time < settings.time_limit - 1e-9:
        mujoco.mj_step(model, data, nstep=chunk)
        q = data.qvel
        v = np.sqrt((q[lin_idx].reshape(-1, 3) ** 2).sum(1))
        w = np.sqrt((q[ang_idx].reshape(-1, 3) ** 2).sum(1))
        speeds = v + w * radius
        speed = float(speeds.max())
        if not np.isfinite(speed):
            return False, dyn, speeds, True
        if speed < settings.rest_speed:
            held += 1
            if held >= need:
                return True, dyn, speeds, False
        else:
            held = 0
    return not dyn, dyn, speeds, False


FINE_STEP_MIN = 0.0015  # a layout not at rest is simulated again at half the step down to this


def simulate(bodies: list[Body], boxes: list[Box], settings, ground: bool = True) -> SimResult:
    """Simulate until every dynamic body is at rest or ``settings.time_limit`` passes; a layout
    still moving then is simulated again from the same start at half the step (once, when that
    step is ≥ ``FINE_STEP_MIN``): concave pieces with many contacts can keep jittering above the
    rest speed at a coarse step and come to rest at a finer one. Deterministic: it depends only
    on the layout. The result records the step it was simulated with.

    Parameters
    ----------
    bodies : list of Body
    boxes : list of Box
        Static box supports (backdrops).
    settings : synth3d.template.physics.PhysicsSpec
    ground : bool
        Add an infinite plane at z = 0.
    """
    res = _simulate_at(bodies, boxes, settings, ground)
    if not res.at_rest and res.poses and settings.timestep / 2 >= FINE_STEP_MIN:
        fine = _simulate_at(
            bodies, boxes, settings.model_copy(update={"timestep": settings.timestep / 2}), ground
        )
        if fine.failure is None:
            return fine
    return res


def _simulate_at(bodies: list[Body], boxes: list[Box], settings, ground: bool) -> SimResult:
    import mujoco

    spec = new_spec(settings)
    _add_supports(spec, boxes, settings, ground)
    _add_bodies(spec, bodies, settings)
    model = spec.compile()
    dt = float(settings.timestep)
    masses = [_mass(model, i, b) for i, b in enumerate(bodies)]
    data = mujoco.MjData(model)
    _damp(model, bodies, settings)
    at_rest, dyn, speeds, diverged = _step_to_rest(model, data, bodies, settings)
    if diverged:
        return SimResult([], float(data.time), False, "the simulation diverged", masses, dt)
    poses = []
    for i in range(len(bodies)):
        bid = model.body(f"b{i}").id
        T = np.eye(4)
        T[:3, :3] = data.xmat[bid].reshape(3, 3)
        T[:3, 3] = data.xpos[bid]
        poses.append(T)
    failure = None
    if not at_rest:
        k = int(np.argmax(speeds))
        failure = (
            f"not at rest after {settings.time_limit:g} s of simulation "
            f"({bodies[dyn[k]].name} still moving at {speeds[k] * 1000:.0f} mm/s)"
        )
    if failure is None:
        failure = _check(bodies, poses)
    return SimResult(poses, float(data.time), at_rest, failure, masses, dt)


def _world_points(b: Body, T: np.ndarray) -> np.ndarray:
    pts = np.vstack(b.pieces)
    return pts @ T[:3, :3].T + T[:3, 3]


def _check(bodies: list[Body], poses: list) -> str | None:
    for b, T in zip(bodies, poses):
        if not b.dynamic:
            continue
        end = _world_points(b, T)
        start = _world_points(b, np.asarray(b.T_world_body, float))
        if b.region is not None:
            x0, x1, y0, y1 = b.region
            c = (end.min(0) + end.max(0)) / 2
            r = 0.5 * float(np.linalg.norm(end.max(0)[:2] - end.min(0)[:2]))
            if not (x0 - r <= c[0] <= x1 + r and y0 - r <= c[1] <= y1 + r):
                return f"{b.name} left its region (came to rest at x={c[0]:.3f}, y={c[1]:.3f})"
        if b.max_sink is not None and end[:, 2].min() < start[:, 2].min() - b.max_sink:
            return (
                f"{b.name} fell off its support (sank {start[:, 2].min() - end[:, 2].min():.3f} m)"
            )
        if end[:, 2].max() < -0.5:
            return f"{b.name} fell below the world"
    return None


__all__ = ["Body", "Box", "ENGINE", "SimResult", "engine_version", "simulate"]
