"""Template models of physics: the global ``physics`` section, per-group physical properties and
collision shapes, and the failure policy of layouts (``failure``).

Physics runs while a frame is sampled (MuJoCo, :mod:`synth3d.sampling.physics`); the SceneSpec
records the settled poses, so rendering never simulates.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .distributions import FloatDist, Model, Vec3, check_range


class CollisionSpec(Model):
    """How a group's collision shapes are made from its meshes (cached on disk per asset).

    ``auto``: a collision mesh shipped next to the asset (``NAME_col.obj``, ``NAME_vhacd.obj``,
    ``NAME_collision.obj``), else the convex hull for a near-convex mesh (it fills at least
    ``convex_ratio`` of its hull), else a convex decomposition with CoACD. ``file``, ``hull``,
    ``coacd`` and ``box`` (the bounding box) force one method. Cards are always thin boxes."""

    method: Literal["auto", "file", "hull", "coacd", "box"] = Field(
        "auto", description="Collision shape method (see above)."
    )
    convex_ratio: float = Field(
        0.85,
        gt=0,
        le=1,
        description="auto: mesh volume / hull volume at or above which the hull is used.",
    )
    threshold: float = Field(
        0.08,
        ge=0.01,
        le=1,
        description="coacd: concavity threshold (smaller: more, tighter pieces).",
    )
    max_pieces: int = Field(16, ge=1, le=256, description="coacd: most convex pieces.")
    resolution: int = Field(30, ge=10, le=200, description="coacd: preprocessing voxel resolution.")
    max_piece_vertices: int = Field(64, ge=8, le=256, description="Most vertices per piece.")


class ObjectPhysicsSpec(Model):
    """Physical properties of an object group (each a constant or a distribution, drawn per
    object and recorded in the SceneSpec)."""

    static: bool = Field(
        False,
        description="A fixed support (a tray, a bin, a table): it keeps its placement, "
        "and dropped or settled objects rest on it.",
    )
    density: FloatDist = Field(
        500.0,
        description="kg/m³ (of the collision shape's volume). "
        "Used when neither `mass` nor the asset itself gives a mass.",
    )
    mass: FloatDist | None = Field(
        None,
        description="kg per object (overrides density). When "
        "neither is set, an asset's own mass (a URDF's inertial mass, "
        "a sidecar table's `mass`) is used.",
    )
    friction: FloatDist = Field(
        0.8,
        description="Sliding friction coefficient. When not set, "
        "an asset's own friction (a URDF's lateral friction, a sidecar "
        "table's `friction`) is used, else 0.8.",
    )
    restitution: FloatDist = Field(
        0.0, description="0 (no bounce) .. 1; mapped to MuJoCo's contact damping ratio."
    )
    collision: CollisionSpec = Field(default_factory=CollisionSpec, description="Collision shapes.")

    _positive = field_validator("density", "mass")(
        classmethod(lambda cls, v: check_range(v, 0.0, lo_open=True))
    )
    _nonneg = field_validator("friction")(classmethod(lambda cls, v: check_range(v, 0.0)))
    _unit = field_validator("restitution")(
        classmethod(lambda cls, v: check_range(v, 0.0, 1.0, hi_open=True))
    )


class PhysicsSpec(Model):
    """Rigid-body simulation (MuJoCo) of the objects placed with ``mode: drop`` or
    ``settle: true``: they are simulated until every one is at rest — each body's fastest point
    slower than ``rest_speed`` for ``rest_time`` seconds — or ``time_limit`` passes (a failed
    layout). Static supports: the ground plane (without a floor or sweep backdrop), floor and
    sweep backdrops (their flat part) and walls as 5 cm thick boxes, and groups with
    ``physics.static``. Collision shapes are cached on disk (see ``cache_dir``)."""

    gravity: Vec3 = Field([0.0, 0.0, -9.81], description="m/s² (world z is up).")
    timestep: float = Field(
        0.004,
        gt=0,
        le=0.02,
        description="Simulation step (s). Drop and settle contacts are as stiff as the step "
        "allows (time constant: two steps); at 4 ms piles sink < 0.5 mm into their supports, "
        "at half the cost of 2 ms.",
    )
    time_limit: float = Field(
        4.0,
        gt=0,
        le=60,
        description="Simulated seconds before a layout that is not at rest fails — after one "
        "more try from the same start at half the timestep (while that is ≥ 1.5 ms), which "
        "settles concave pieces that keep jittering at a coarse step.",
    )
    rest_speed: float = Field(
        0.005,
        gt=0,
        description="A body is at rest when its fastest "
        "point (linear speed + angular speed × its radius) is slower than "
        "this (m/s).",
    )
    rest_time: float = Field(0.2, ge=0, description="Seconds every body must stay at rest.")
    ground: bool = Field(
        True,
        description="An infinite static plane at z = 0 (the floor of the "
        "world) even without a floor backdrop.",
    )
    solver_iterations: int = Field(50, ge=1, le=1000, description="Constraint solver iterations.")
    cone: Literal["pyramidal", "elliptic"] = Field(
        "elliptic", description="Friction cone model (elliptic: piles stop creeping sooner)."
    )
    impratio: float = Field(
        10.0,
        ge=1.0,
        description="Frictional-to-normal constraint impedance "
        "ratio (elliptic cones; higher reduces slip).",
    )
    sleep: bool = Field(
        True,
        description="Let bodies at rest sleep (MuJoCo islands): about twice as fast for piles.",
    )
    margin: float = Field(
        0.0,
        ge=0,
        le=0.01,
        description="Contact margin (m): contacts start this far apart (MuJoCo adds both geoms' margins; bodies then rest that far apart).",
    )
    damping: float = Field(
        1.0,
        ge=0,
        description="Velocity damping rate of free bodies (1/s; "
        "linear and angular): piles come to rest sooner (a 10 cm fall is "
        "about 10 % slower than in vacuum).",
    )
    max_shift: float = Field(
        0.05,
        gt=0,
        description="settle: a settled object that sinks more "
        "than this below its start (m) fell off its support (failed layout).",
    )
    cache_dir: str | None = Field(
        None,
        description="Collision-shape cache folder (default $SYNTH3D_COLLISION_CACHE, else "
        "$XDG_CACHE_HOME/synth3d/collision or ~/.cache/synth3d/collision).",
    )

    _time = field_validator("rest_time")(classmethod(lambda cls, v: check_range(v, 0.0)))

    @model_validator(mode="after")
    def _steps(self):
        if self.rest_time > self.time_limit:
            raise ValueError("rest_time must be ≤ time_limit")
        return self


class FailureSpec(Model):
    """What happens when a frame's layout cannot be made — a placement with no collision-free
    pose, an object that leaves its region or falls off its support, a pile not at rest in time,
    camera.require_all_in_frame not met. ``resample``: lay the frame out again (fresh draws, same
    attributes; the attempt number is part of the random streams) up to ``max_attempts`` times,
    then skip it; ``skip``: skip the frame at the first failure; ``stop``: lay it out again up to
    ``max_attempts`` times, then stop the run with the error. Skipped frames and attempts are
    reported in the manifest and the run summary."""

    policy: Literal["resample", "skip", "stop"] = Field("resample", description="See above.")
    max_attempts: int = Field(10, ge=1, le=10000, description="Layouts tried per frame.")


__all__ = ["CollisionSpec", "FailureSpec", "ObjectPhysicsSpec", "PhysicsSpec"]
