"""The ``placement`` of an object group: floor, world, screen, relative and drop layouts (and
``settle`` for physics), with their fields."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .distributions import (
    FloatDist,
    Model,
    RotationDist,
    Vec2,
    Vec2Dist,
    Vec3Dist,
    check_range,
)


class PlacementSpec(Model):
    """Where an object goes.

    - ``floor``: upright on the floor (z = 0) at a uniform point of ``region``, turned about z by
      ``rotation`` (default: uniform 0–360°).
    - ``world``: at ``position`` with ``rotation``.
    - ``screen``: at normalised image point ``point`` (``[0, 0]`` top-left, ``[1, 1]``
      bottom-right) and ``distance`` metres from the camera, facing the camera; ``anchor`` is the
      part of the object that sits on the point.
    - ``relative``: next to the object named ``to`` — ``side`` is ``left``/``right`` (along the
      camera's x axis), ``above``/``below`` (camera's up), ``on_top`` (world z), ``front``/``behind``
      (towards/away from the camera) — with ``gap`` metres between them; bottoms aligned for
      left/right.
    - ``drop``: dropped from above ``region`` (its lowest point at ``height``, lifted above
      earlier dropped objects it would touch) with ``rotation`` (default: ``orientation``) and
      simulated until at rest (see ``physics``).

    ``settle: true`` uses the placement of any other mode as the start pose and simulates it.
    """

    mode: Literal["floor", "world", "screen", "relative", "drop"] = Field(
        "floor", description="Placement mode (see above)."
    )
    region: dict[Literal["x", "y"], Vec2] = Field(
        default_factory=lambda: {"x": [-0.3, 0.3], "y": [-0.3, 0.3]},
        description="floor/drop: x and y ranges in metres.",
    )
    position: Vec3Dist = Field([0.0, 0.0, 0.0], description="world: position of the origin (m).")
    rotation: RotationDist | None = Field(
        None, description="world/floor: rotation (floor default: uniform about z)."
    )
    point: Vec2Dist = Field([0.5, 0.5], description="screen: normalised image point.")
    distance: FloatDist = Field(
        2.0, description="screen: distance from the camera along its axis (m)."
    )
    anchor: Literal["center", "bottom", "top", "left", "right"] = Field(
        "center", description="screen: which point of the object sits on `point`."
    )
    roll_deg: FloatDist = Field(
        0.0, description="screen/relative cards: rotation in the image plane."
    )
    to: str | None = Field(None, description="relative: name of an earlier object.")
    side: Literal["left", "right", "above", "below", "on_top", "front", "behind"] = Field(
        "right", description="relative: which side of `to` (see above)."
    )
    gap: FloatDist = Field(0.0, description="relative: gap between the two objects (m).")
    non_overlap: bool = Field(
        False,
        description="Resample until this object overlaps no other "
        "non-overlapping object (floor: footprints; others: image boxes).",
    )
    max_attempts: int = Field(100, ge=1, le=100000, description="Attempts before giving up.")
    height: FloatDist = Field(
        default_factory=lambda: {"dist": "uniform", "min": 0.05, "max": 0.25},
        description="drop: world z of the object's lowest point at the start (m).",
    )
    orientation: Literal["so3", "upright"] = Field(
        "so3",
        description="drop without `rotation`: `so3` uniform random, `upright` turned about z only.",
    )
    settle: bool = Field(
        False,
        description="Simulate from this placement until at rest "
        "(floor/world/relative; drop always does).",
    )

    _distance = field_validator("distance")(
        classmethod(lambda cls, v: check_range(v, 0.0, lo_open=True))
    )

    @field_validator("region")
    @classmethod
    def _region(cls, r):
        for k in ("x", "y"):
            if k not in r:
                raise ValueError(f"needs both x and y ranges (missing {k})")
            if r[k][1] < r[k][0]:
                raise ValueError(f"{k}: max must be ≥ min")
        return r

    @model_validator(mode="after")
    def _relative_needs_to(self):
        if self.mode == "relative" and not self.to:
            raise ValueError("mode 'relative' needs `to: <object name>`")
        if self.settle and self.mode == "screen":
            raise ValueError(
                "settle: screen placements cannot be settled (use floor, world, relative or drop)"
            )
        return self


__all__ = ["PlacementSpec"]
