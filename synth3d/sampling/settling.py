"""Physics in placement: drop start poses, the bodies of a frame, and settled poses back into
the placed objects.

Randomness: a dropped object's start pose is drawn from its group's ``objects/<name>`` stream
(like every placement); physical properties from ``physics/<name>`` (one draw per object, in
order), so turning physics on never shifts another stream.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import LayoutFailed
from ..spec import BackdropSpec
from ..spec import ObjectPhysicsSpec as ObjectPhysicsRecord
from ..template.physics import ObjectPhysicsSpec
from .values import sample_float, sample_rotation

DEFAULT_PHYSICS = ObjectPhysicsSpec()
CARD_THICKNESS = 0.002
"""Cards collide as boxes this thick (m)."""


def _rz(a: float) -> np.ndarray:
    return np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1.0]])


def drop_start(
    pl, hull: np.ndarray, rng, placed: list, card_rot: np.ndarray | None = None
) -> np.ndarray:
    """``T_world_obj`` of a dropped object: orientation from ``pl.rotation`` (or
    ``pl.orientation``), a uniform point of ``pl.region``, its lowest point at ``pl.height`` —
    lifted above every earlier object whose box it would overlap, so the start is free of
    collisions."""
    if pl.rotation is not None:
        R = sample_rotation(pl.rotation, rng)
    elif pl.orientation == "upright":
        R = _rz(rng.uniform(0.0, 2 * math.pi))
    else:
        q = rng.normal(size=4)
        q /= np.linalg.norm(q)
        from scipy.spatial.transform import Rotation

        R = Rotation.from_quat(q).as_matrix()
    if card_rot is not None:
        R = R @ card_rot
    p = hull @ R.T
    x = rng.uniform(*pl.region["x"])
    y = rng.uniform(*pl.region["y"])
    z_low = sample_float(pl.height, rng)
    lo = p.min(0) + [x, y, 0]
    hi = p.max(0) + [x, y, 0]
    gap = 0.005
    boxes = [(q.hull_world.min(0), q.hull_world.max(0)) for q in placed]
    lifted = True
    while lifted:  # lift above whatever it would start inside of, until nothing is in the way
        lifted = False
        for qlo, qhi in boxes:
            if (
                lo[0] < qhi[0] + gap
                and qlo[0] < hi[0] + gap
                and lo[1] < qhi[1] + gap
                and qlo[1] < hi[1] + gap
                and z_low < qhi[2] + gap
                and z_low + (hi[2] - lo[2]) > qlo[2] - gap
            ):
                z_low = qhi[2] + gap
                lifted = True
    T = np.eye(4)
    T[:3, :3] = R
    T[:3, 3] = [x, y, z_low - p[:, 2].min()]
    return T


def uses_physics(template) -> bool:
    """Whether any object group of the template is dropped or settled."""
    return any(o.placement.mode == "drop" or o.placement.settle for o in template.objects)


def collision_params(o):
    """The collision-shape parameters of an object group."""
    from ..assets.collision import CollisionParams

    c = (o.physics or DEFAULT_PHYSICS).collision
    return CollisionParams(
        method=c.method,
        convex_ratio=c.convex_ratio,
        threshold=c.threshold,
        max_pieces=c.max_pieces,
        resolution=c.resolution,
        max_piece_vertices=c.max_piece_vertices,
    )


def prepare_collision(template, placer) -> None:
    """Build (or read from the cache) the collision shapes of every mesh that a simulated or
    static group may draw."""
    from ..assets.collision import collision_pieces

    if not uses_physics(template):
        return
    for o in template.objects:
        if physics_role(o, o.placement) is None or o.kind == "card":
            continue
        params = collision_params(o)
        for e in placer.group_entries(o)[0]:
            if e.kind == "mesh":
                collision_pieces(e.path, params, template.physics.cache_dir)


def object_pieces(template, p) -> list:
    """Convex pieces of a placed object in its object frame (scaled): a thin box for a card,
    else its asset's cached collision shape."""
    from ..assets.collision import collision_pieces

    if p.spec.kind == "card":
        w, h = p.spec.card_size
        t = CARD_THICKNESS / 2
        return [
            np.array([[x, y, z] for x in (-w / 2, w / 2) for y in (-h / 2, h / 2) for z in (-t, t)])
        ]
    o = next(g for g in template.objects if g.name == p.group)
    A = p.T_obj_asset
    return [
        q @ A[:3, :3].T + A[:3, 3]
        for q in collision_pieces(p.spec.asset, collision_params(o), template.physics.cache_dir)
    ]


def asset_physics(catalog) -> dict[str, tuple]:
    """``{asset path: (mass kg or None, friction or None)}`` for the assets whose own files say
    (a URDF's inertial mass and contact friction, a sidecar table's columns)."""
    out = {}
    for entries in catalog.sets.values():
        for e in entries:
            mass, friction = getattr(e, "mass", None), getattr(e, "friction", None)
            if mass is not None or friction is not None:
                out[e.path] = (mass, friction)
    return out


def with_asset_physics(d: dict, o, facts: tuple | None) -> dict:
    """A body's drawn properties with the asset's own mass and friction where the group does not
    set them (``physics.mass``/``density``, ``physics.friction``). Applied after the draws, so
    the random streams are the same either way."""
    if not facts:
        return d
    given = o.physics.model_fields_set if o.physics is not None else set()
    mass, friction = facts
    d = dict(d)
    if mass is not None and not given & {"mass", "density"}:
        d["mass"] = float(mass)
    if friction is not None and "friction" not in given:
        d["friction"] = float(friction)
    return d


def settle_layout(template, placed: list, backdrops, rs, asset_facts: dict | None = None):
    """Simulate a layout; returns (placed at their settled poses, the frame's PhysicsRecord).
    ``asset_facts``: :func:`asset_physics` of the catalog. Raises LayoutFailed."""
    from ..spec import PhysicsRecord
    from .physics import engine_version

    groups = {o.name: o for o in template.objects}
    placed, sim_t, at_rest, dt = settle(
        placed,
        groups,
        backdrops,
        template.physics,
        rs,
        lambda p: object_pieces(template, p),
        asset_facts or {},
    )
    return placed, PhysicsRecord(
        engine=engine_version(),
        sim_time_s=round(sim_t, 6),
        at_rest=at_rest,
        timestep=dt,
    )


def physics_role(o, pl) -> str | None:
    """``dynamic`` (drop/settle), ``static`` (a support) or None (not in the simulation)."""
    if pl.mode == "drop" or pl.settle:
        return "dynamic"
    if o.physics is not None and o.physics.static:
        return "static"
    return None


def draw_properties(o, rng) -> dict:
    """Mass or density, friction and restitution of one object of group ``o``."""
    ph = o.physics or DEFAULT_PHYSICS
    return {
        "mass": sample_float(ph.mass, rng) if ph.mass is not None else None,
        "density": sample_float(ph.density, rng),
        "friction": max(0.0, sample_float(ph.friction, rng)),
        "restitution": min(max(sample_float(ph.restitution, rng), 0.0), 0.99),
    }


def backdrop_boxes(backdrops: list[BackdropSpec]):
    """Static box supports of the floor, sweep (its flat part) and wall backdrops: 5 cm thick,
    the top face on the plane. Returns (boxes, has_floor)."""
    from .physics import Box

    boxes, has_floor = [], False
    for b in backdrops:
        if b.type not in ("floor", "wall", "sweep"):
            continue
        T = np.asarray(b.T_world_plane, float)
        w, h = b.size
        half_t = 0.025
        Tb = T.copy()
        Tb[:3, 3] = T[:3, 3] - T[:3, 2] * half_t  # local z is the plane's normal
        boxes.append(Box(Tb, (w / 2, h / 2, half_t)))
        has_floor |= b.type in ("floor", "sweep")
    return boxes, has_floor


def settle(
    placed: list,
    groups: dict,
    backdrops: list[BackdropSpec],
    settings,
    rs,
    collision_pieces,
    asset_facts: dict | None = None,
) -> tuple[list, float, bool, float]:
    """Simulate the placed objects that take part in physics and move them to their settled
    poses.

    Parameters
    ----------
    placed : list of placement.Placed
    groups : {group name: template ObjectSpec}
    settings : PhysicsSpec
    rs : callable
        Stream factory of the frame's layout attempt.
    collision_pieces : callable
        ``(placed item) -> list of (N, 3)`` convex pieces in the object frame (scaled).

    Returns (new placed list, simulated seconds, at rest, the step used). Raises LayoutFailed.
    """
    from .physics import Body, simulate

    bodies, which, props = [], [], {}
    for k, p in enumerate(placed):
        o = groups[p.group]
        role = physics_role(o, o.placement)
        if role is None:
            continue
        rng = props.setdefault(p.group, rs(f"physics/{p.group}"))
        d = with_asset_physics(draw_properties(o, rng), o, (asset_facts or {}).get(p.spec.asset))
        pl = o.placement
        region = None
        if pl.mode == "drop":
            region = (*pl.region["x"], *pl.region["y"])
        bodies.append(
            Body(
                name=f"'{p.group}' instance {p.spec.id or k + 1}",
                pieces=collision_pieces(p),
                T_world_body=p.T_wo,
                dynamic=role == "dynamic",
                mass=d["mass"],
                density=d["density"],
                friction=d["friction"],
                restitution=d["restitution"],
                region=region,
                max_sink=settings.max_shift if pl.mode != "drop" else None,
            )
        )
        which.append((k, role, d))
    if not any(b.dynamic for b in bodies):
        return placed, 0.0, True, settings.timestep
    boxes, has_floor = backdrop_boxes(backdrops)
    res = simulate(bodies, boxes, settings, ground=settings.ground and not has_floor)
    if res.failure:
        raise LayoutFailed("physics", res.failure)
    out = list(placed)
    for (k, role, d), T, mass in zip(which, res.poses, res.masses):
        p = placed[k]
        rec = ObjectPhysicsRecord(
            role=role,
            mass_kg=None if mass is None else float(mass),
            friction=float(d["friction"]),
            restitution=float(d["restitution"]),
        )
        out[k] = p.moved(T if role == "dynamic" else p.T_wo, rec)
    return out, res.sim_time_s, res.at_rest, res.timestep
