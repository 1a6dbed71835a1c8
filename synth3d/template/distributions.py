"""Distributions as data.

A template field that accepts a distribution takes either a constant (``0.5``, ``[0, 0, 1]``,
``"#ff8800"``) or a mapping with a ``dist`` key::

    scale: {dist: uniform, min: 0.8, max: 1.2}
    distance: {dist: normal, mean: 2.0, std: 0.3, min: 1.0, max: 3.0}
    count: {dist: randint, min: 1, max: 4}
    height: {dist: choice, values: [0.1, 0.2], weights: [3, 1]}
    offset: {dist: cone, axis: [0, 0, 1], angle_deg: 70, radius: [1.0, 2.0]}
    rotation: {dist: so3}
    rotation: {dist: axis_angle, axis: [0, 0, 1], angle_deg: {dist: uniform, min: 0, max: 360}}
    color: {dist: hsv, h: [0, 360], s: [0.3, 0.8], v: [0.5, 1.0]}

These classes only describe distributions; values are drawn in :mod:`synth3d.sampling`.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    WithJsonSchema,
    field_validator,
    model_validator,
)

DIST_TAGS = {
    "const",
    "uniform",
    "normal",
    "randint",
    "choice",
    "sphere",
    "hemisphere",
    "cone",
    "so3",
    "axis_angle",
    "hsv",
}


class Model(BaseModel):
    """Base of every template model: unknown keys are errors, instances are immutable, and every
    number is finite (``.nan`` / ``.inf`` are refused at load, naming the field)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False
    )


def dist_tag(value: Any) -> str:
    if isinstance(value, dict):
        tag = value.get("dist")
        return str(tag) if tag is not None else "<missing dist>"
    if isinstance(value, BaseModel):
        return getattr(value, "dist", "const")
    return "const"


def _as_list(v: Any) -> list:
    return list(v) if isinstance(v, (list, tuple)) else [v]


# ---------------------------------------------------------------------------------------------
# Scalars


class UniformScalar(Model):
    """Uniform on ``[min, max]``."""

    dist: Literal["uniform"]
    min: float
    max: float

    @field_validator("max")
    @classmethod
    def _max_ge_min(cls, v, info):
        lo = info.data.get("min")
        if lo is not None and v < lo:
            raise ValueError("must be ≥ min")
        return v


class NormalScalar(Model):
    """Normal with ``mean`` and ``std``, optionally truncated to ``[min, max]`` (by clipping)."""

    dist: Literal["normal"]
    mean: float
    std: float = Field(ge=0)
    min: float | None = None
    max: float | None = None

    @field_validator("max")
    @classmethod
    def _max_ge_min(cls, v, info):
        lo = info.data.get("min")
        if v is not None and lo is not None and v < lo:
            raise ValueError("must be ≥ min")
        return v


class RandInt(Model):
    """Integer uniform on ``min..max`` (both included)."""

    dist: Literal["randint"]
    min: int
    max: int

    @field_validator("max")
    @classmethod
    def _max_ge_min(cls, v, info):
        lo = info.data.get("min")
        if lo is not None and v < lo:
            raise ValueError("must be ≥ min")
        return v


class Choice(Model):
    """One of ``values``, with optional non-negative ``weights`` (normalised)."""

    dist: Literal["choice"]
    values: list[Any] = Field(min_length=1)
    weights: list[float] | None = None

    @field_validator("weights")
    @classmethod
    def _check_weights(cls, w, info):
        if w is None:
            return w
        values = info.data.get("values")
        if values is not None and len(w) != len(values):
            raise ValueError(f"has {len(w)} entries but values has {len(values)}")
        if any((not math.isfinite(x)) or x < 0 for x in w):
            raise ValueError("must be finite and ≥ 0")
        if sum(w) <= 0:
            raise ValueError("must not all be 0")
        return w


def _check_choice_items(choice: Choice, check) -> Choice:
    for i, v in enumerate(choice.values):
        try:
            check(v)
        except ValueError as e:
            raise ValueError(f"values[{i}]: {e}") from None
    return choice


def _float_const(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"expected a number, got {v!r}")
    return float(v)


class FloatChoice(Choice):
    """A choice among numbers."""

    @model_validator(mode="after")
    def _numbers(self):
        return _check_choice_items(self, _float_const)


FloatDist = Annotated[
    Annotated[float, Tag("const")]
    | Annotated[UniformScalar, Tag("uniform")]
    | Annotated[NormalScalar, Tag("normal")]
    | Annotated[RandInt, Tag("randint")]
    | Annotated[FloatChoice, Tag("choice")],
    Discriminator(dist_tag),
]
"""A real number: constant, uniform, normal, randint or choice."""


def _int_const(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"expected an integer, got {v!r}")
    return v


class IntChoice(Choice):
    """A choice among integers."""

    @model_validator(mode="after")
    def _ints(self):
        return _check_choice_items(self, _int_const)


IntDist = Annotated[
    Annotated[int, Tag("const")]
    | Annotated[RandInt, Tag("randint")]
    | Annotated[IntChoice, Tag("choice")],
    Discriminator(dist_tag),
]
"""An integer: constant, randint or choice."""


# ---------------------------------------------------------------------------------------------
# Vectors

Vec2 = Annotated[list[float], Field(min_length=2, max_length=2)]
Vec3 = Annotated[list[float], Field(min_length=3, max_length=3)]


def _vec_const(n: int):
    def check(v: Any) -> list[float]:
        if not isinstance(v, (list, tuple)) or len(v) != n:
            raise ValueError(f"expected a list of {n} numbers, got {v!r}")
        return [_float_const(x) for x in v]

    return check


class _UniformVec(Model):
    dist: Literal["uniform"]
    min: list[float]
    max: list[float]
    _n = 3

    @model_validator(mode="after")
    def _shape(self):
        n = self._n
        if len(self.min) != n:
            raise ValueError(f"min must have {n} components")
        if len(self.max) != n:
            raise ValueError(f"max must have {n} components")
        for i, (a, b) in enumerate(zip(self.min, self.max)):
            if b < a:
                raise ValueError(f"max[{i}] must be ≥ min[{i}]")
        return self


class UniformVec3(_UniformVec):
    """Component-wise uniform between two 3-vectors."""

    _n = 3


class UniformVec2(_UniformVec):
    """Component-wise uniform between two 2-vectors."""

    _n = 2


class _NormalVec(Model):
    dist: Literal["normal"]
    mean: list[float]
    std: float | list[float] = Field(...)
    min: list[float] | None = None
    max: list[float] | None = None
    _n = 3

    @model_validator(mode="after")
    def _shape(self):
        n = self._n
        for name in ("mean", "min", "max"):
            v = getattr(self, name)
            if v is not None and len(v) != n:
                raise ValueError(f"{name} must have {n} components")
        std = _as_list(self.std)
        if len(std) not in (1, n) or any(s < 0 for s in std):
            raise ValueError(f"std must be ≥ 0, one number or {n}")
        if self.min is not None and self.max is not None:
            for i, (a, b) in enumerate(zip(self.min, self.max)):
                if b < a:
                    raise ValueError(f"max[{i}] must be ≥ min[{i}]")
        return self


class NormalVec3(_NormalVec):
    """Component-wise normal around a 3-vector mean, optionally clipped to ``[min, max]``."""

    _n = 3


class NormalVec2(_NormalVec):
    """Component-wise normal around a 2-vector mean, optionally clipped to ``[min, max]``."""

    _n = 2


def _radius_check(v):
    r = _as_list(v)
    if len(r) not in (1, 2) or any((not isinstance(x, (int, float))) or x < 0 for x in r):
        raise ValueError("must be a number ≥ 0 or [min, max]")
    if len(r) == 2 and r[1] < r[0]:
        raise ValueError("max must be ≥ min")
    return v


class SphereDir(Model):
    """Uniform direction on the unit sphere, times ``radius`` (a number or ``[min, max]``, uniform in
    radius)."""

    dist: Literal["sphere"]
    radius: float | list[float] = 1.0

    _r = field_validator("radius")(classmethod(lambda cls, v: _radius_check(v)))


class HemisphereDir(Model):
    """Uniform direction on the hemisphere around ``axis``, times ``radius``."""

    dist: Literal["hemisphere"]
    axis: Vec3 = [0.0, 0.0, 1.0]
    radius: float | list[float] = 1.0

    _r = field_validator("radius")(classmethod(lambda cls, v: _radius_check(v)))


class ConeDir(Model):
    """Uniform direction within ``angle_deg`` of ``axis`` (uniform in solid angle), times ``radius``.

    ``min_angle_deg`` cuts out an inner cone (e.g. keep a camera away from straight overhead)."""

    dist: Literal["cone"]
    axis: Vec3 = [0.0, 0.0, 1.0]
    angle_deg: float = Field(gt=0, le=180)
    min_angle_deg: float = Field(0.0, ge=0)
    radius: float | list[float] = 1.0

    _r = field_validator("radius")(classmethod(lambda cls, v: _radius_check(v)))

    @model_validator(mode="after")
    def _angles(self):
        if self.min_angle_deg >= self.angle_deg:
            raise ValueError("min_angle_deg must be < angle_deg")
        return self


class Vec3Choice(Choice):
    """A choice among 3-vectors."""

    @model_validator(mode="after")
    def _vecs(self):
        return _check_choice_items(self, _vec_const(3))


class Vec2Choice(Choice):
    """A choice among 2-vectors."""

    @model_validator(mode="after")
    def _vecs(self):
        return _check_choice_items(self, _vec_const(2))


Vec3Dist = Annotated[
    Annotated[Vec3, Tag("const")]
    | Annotated[UniformVec3, Tag("uniform")]
    | Annotated[NormalVec3, Tag("normal")]
    | Annotated[Vec3Choice, Tag("choice")]
    | Annotated[SphereDir, Tag("sphere")]
    | Annotated[HemisphereDir, Tag("hemisphere")]
    | Annotated[ConeDir, Tag("cone")],
    Discriminator(dist_tag),
]
"""A 3-vector: constant, uniform box, normal, choice, or a direction (sphere/hemisphere/cone)
times a radius."""

Vec2Dist = Annotated[
    Annotated[Vec2, Tag("const")]
    | Annotated[UniformVec2, Tag("uniform")]
    | Annotated[NormalVec2, Tag("normal")]
    | Annotated[Vec2Choice, Tag("choice")],
    Discriminator(dist_tag),
]
"""A 2-vector: constant, uniform box, normal or choice."""


# ---------------------------------------------------------------------------------------------
# Rotations


class SO3(Model):
    """Uniformly random rotation (Haar measure on SO(3))."""

    dist: Literal["so3"]


class AxisAngle(Model):
    """Rotation about ``axis`` by ``angle_deg`` (itself a distribution)."""

    dist: Literal["axis_angle"]
    axis: Vec3 = [0.0, 0.0, 1.0]
    angle_deg: FloatDist = 0.0

    @field_validator("axis")
    @classmethod
    def _nonzero(cls, v):
        if math.hypot(*v) < 1e-9:
            raise ValueError("must not be the zero vector")
        return v


class RotationChoice(Choice):
    """A choice among XYZ Euler triples (degrees)."""

    @model_validator(mode="after")
    def _eulers(self):
        return _check_choice_items(self, _vec_const(3))


RotationDist = Annotated[
    Annotated[Vec3, Tag("const")]
    | Annotated[SO3, Tag("so3")]
    | Annotated[AxisAngle, Tag("axis_angle")]
    | Annotated[RotationChoice, Tag("choice")],
    Discriminator(dist_tag),
]
"""A rotation: constant XYZ Euler angles in degrees (extrinsic, applied x then y then z), ``so3``,
``axis_angle`` or a choice of Euler triples."""


# ---------------------------------------------------------------------------------------------
# Colours


def parse_color(v: Any) -> list[float]:
    """A constant colour: ``[r, g, b]`` in 0..1 (sRGB-encoded, as colour pickers show) or
    ``"#rrggbb"``. Returns three floats in 0..1."""
    if isinstance(v, str):
        s = v.strip().lstrip("#")
        if len(s) != 6:
            raise ValueError(f"expected '#rrggbb', got {v!r}")
        try:
            return [int(s[i : i + 2], 16) / 255.0 for i in (0, 2, 4)]
        except ValueError:
            raise ValueError(f"expected '#rrggbb', got {v!r}") from None
    rgb = _vec_const(3)(v)
    if any(c < 0 or c > 1 for c in rgb):
        raise ValueError(f"colour components must be in 0..1, got {v!r}")
    return rgb


def _range(lo: float, hi: float):
    def check(v):
        if not isinstance(v, (list, tuple)) or len(v) != 2:
            raise ValueError("must be [min, max]")
        a, b = float(v[0]), float(v[1])
        if b < a:
            raise ValueError("max must be ≥ min")
        if a < lo or b > hi:
            raise ValueError(f"must lie within [{lo:g}, {hi:g}]")
        return [a, b]

    return check


class HSV(Model):
    """Colour uniform in an HSV box: hue in degrees (``[340, 380]`` wraps through red), saturation
    and value in 0..1."""

    dist: Literal["hsv"]
    h: list[float] = [0.0, 360.0]
    s: list[float] = [0.0, 1.0]
    v: list[float] = [0.0, 1.0]

    _h = field_validator("h")(classmethod(lambda cls, v: _range(-360, 720)(v)))
    _s = field_validator("s")(classmethod(lambda cls, v: _range(0, 1)(v)))
    _v = field_validator("v")(classmethod(lambda cls, v: _range(0, 1)(v)))


class ColorChoice(Choice):
    """A choice among colours (`[r, g, b]` or `#rrggbb`)."""

    @model_validator(mode="after")
    def _colors(self):
        return _check_choice_items(self, parse_color)


class UniformColor(UniformVec3):
    """Component-wise uniform between two colours (sRGB 0..1)."""

    @model_validator(mode="after")
    def _unit(self):
        if min(self.min) < 0 or max(self.max) > 1:
            raise ValueError("colour components must be in 0..1")
        return self


def _color_const(v: Any) -> list[float]:
    return parse_color(v)


ColorConst = Annotated[
    list[float],
    BeforeValidator(_color_const),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": "^#?[0-9a-fA-F]{6}$"},
                {
                    "type": "array",
                    "items": {"type": "number", "minimum": 0, "maximum": 1},
                    "minItems": 3,
                    "maxItems": 3,
                },
            ]
        }
    ),
]

ColorDist = Annotated[
    Annotated[ColorConst, Tag("const")]
    | Annotated[UniformColor, Tag("uniform")]
    | Annotated[HSV, Tag("hsv")]
    | Annotated[ColorChoice, Tag("choice")],
    Discriminator(dist_tag),
]
"""A colour: ``[r, g, b]`` in 0..1 or ``"#rrggbb"`` (sRGB, as colour pickers show), uniform box,
``hsv`` box or a choice of colours."""


def bounds(d) -> tuple[float, float]:
    """Smallest and largest value a scalar distribution (or constant) can produce."""
    if isinstance(d, bool):
        return float(d), float(d)
    if isinstance(d, (int, float)):
        return float(d), float(d)
    if isinstance(d, (UniformScalar, RandInt)):
        return float(d.min), float(d.max)
    if isinstance(d, NormalScalar):
        return (-math.inf if d.min is None else d.min), (math.inf if d.max is None else d.max)
    if isinstance(d, Choice):
        vals = [float(v) for v in d.values]
        return min(vals), max(vals)
    raise TypeError(f"not a scalar distribution: {d!r}")


def check_range(
    d,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
):
    """Raise ValueError unless every value ``d`` can draw lies in the interval (used by field
    validators, so the message lands on the field's YAML path)."""
    if d is None:
        return d
    a, b = bounds(d)
    what = "values" if not isinstance(d, (int, float)) else "value"
    tail = (
        ""
        if isinstance(d, (int, float))
        else " (a normal distribution needs min/max here)"
        if isinstance(d, NormalScalar) and (math.isinf(a) or math.isinf(b))
        else ""
    )
    if lo is not None and (a < lo or (lo_open and a <= lo)):
        raise ValueError(f"{what} must be {'>' if lo_open else '≥'} {lo:g}, got {a:g}{tail}")
    if hi is not None and (b > hi or (hi_open and b >= hi)):
        raise ValueError(f"{what} must be {'<' if hi_open else '≤'} {hi:g}, got {b:g}{tail}")
    return d
