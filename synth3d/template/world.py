"""Template models of the world around the objects: lights, the HDRI environment and backdrops
(floors, walls, sweeps, background planes) with their textures."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .distributions import (
    ColorDist,
    FloatDist,
    IntDist,
    Model,
    RandInt,
    Vec2,
    Vec3Dist,
    check_range,
)

MAX_LIGHTS_PER_TYPE = 8
"""The colour shader's light arrays hold this many lights of each type; more is an error."""
MAX_SHADOWS = 4
"""Shadow maps per frame (directional and spot lights, the HDRI's sun included)."""


def max_of_int_dist(d) -> int:
    """Largest value an :data:`IntDist` can take."""
    if isinstance(d, int):
        return d
    if isinstance(d, RandInt):
        return d.max
    return max(int(v) for v in d.values)


class LightSpec(Model):
    """Lights. Intensity is scaled so that a white diffuse surface facing a directional light of
    intensity 1 has radiance 1 (point/spot: at 1 m)."""

    type: Literal["directional", "point", "spot"] = Field(description="Kind of light.")
    count: IntDist = Field(1, description="Lights of this group per frame.")
    intensity: FloatDist = Field(1.0, description="Intensity (see above for the units).")
    color: ColorDist = Field(
        [1.0, 1.0, 1.0], description="Light colour (ignored with temperature_k)."
    )
    temperature_k: FloatDist | None = Field(None, description="Black-body colour temperature (K).")
    direction: Vec3Dist = Field(
        default_factory=lambda: {"dist": "cone", "axis": [0, 0, 1], "angle_deg": 60},
        description="directional: direction from the scene towards the light.",
    )
    position: Vec3Dist = Field([0.0, 0.0, 2.0], description="point/spot: position (m).")
    target: Vec3Dist = Field([0.0, 0.0, 0.0], description="spot: point it aims at.")
    cone_deg: FloatDist = Field(30.0, description="spot: half-angle of the cone.")
    shadows: bool = Field(
        True,
        description="directional/spot: cast shadows (shadow map with "
        "soft PCF edges; point lights cast none).",
    )

    _intensity = field_validator("intensity")(classmethod(lambda cls, v: check_range(v, 0.0)))
    _cone = field_validator("cone_deg")(
        classmethod(lambda cls, v: check_range(v, 0.0, 90.0, lo_open=True))
    )
    _kelvin = field_validator("temperature_k")(
        classmethod(lambda cls, v: check_range(v, 1000.0, 40000.0))
    )

    @model_validator(mode="after")
    def _cap(self):
        if max_of_int_dist(self.count) > MAX_LIGHTS_PER_TYPE:
            raise ValueError(f"count: at most {MAX_LIGHTS_PER_TYPE} lights of one type")
        return self


class EnvironmentSpec(Model):
    """The world around the scene: an HDRI (background and lighting) or a plain colour."""

    hdri: str | None = Field(
        None, description="Name of an `hdri` asset set (one file drawn per frame)."
    )
    rotation_deg: FloatDist = Field(0.0, description="HDRI rotation about z.")
    exposure_ev: FloatDist = Field(0.0, description="HDRI radiance × 2^exposure_ev.")
    background: Literal["hdri", "color", "transparent", "backplate"] | None = Field(
        None,
        description="What shows behind the scene (default: backplate if set, else hdri if "
        "set, else color).",
    )
    color: ColorDist = Field([0.5, 0.5, 0.5], description="Background colour.")
    backplate: str | None = Field(
        None,
        description="background: backplate — name of an image asset set shown behind the "
        "scene (cropped to cover the frame, not moving with the camera) while the HDRI still "
        "lights it.",
    )
    background_blur: FloatDist = Field(
        0.0,
        description="Gaussian blur of the HDRI/backplate background, sigma in pixels "
        "(a depth-of-field look).",
    )
    lighting: bool = Field(
        True,
        description="Light the scene from the HDRI: ambient irradiance "
        "(9 spherical-harmonic coefficients) plus its dominant light as a sun.",
    )
    ambient: ColorDist = Field(
        [0.15, 0.15, 0.15], description="Ambient light when there is no HDRI lighting."
    )
    shadows: bool = Field(True, description="The HDRI's dominant light casts shadows.")
    reflections: bool = Field(
        True,
        description="Specular image-based lighting: glossy and "
        "metallic surfaces reflect the HDRI (prefiltered by roughness).",
    )
    shadow_catcher: bool = Field(
        False,
        description="An invisible ground at z = 0 that only darkens the background where "
        "objects shade it, so objects standing on an HDRI's ground do not float (use instead of "
        "a floor backdrop).",
    )

    _blur = field_validator("background_blur")(classmethod(lambda cls, v: check_range(v, 0.0)))


class TextureSpec(Model):
    """A backdrop texture: an image or a procedural pattern."""

    type: Literal["color", "checker", "noise", "marble", "wood", "image"] = Field(
        "color",
        description="Plain colour, checkerboard, fractal noise between two colours, "
        "veined marble, wood grain (both multiplied by the backdrop's tint), or an image.",
    )
    variants: int = Field(
        0,
        ge=0,
        description="noise/marble/wood: 0 draws a new pattern every "
        "frame; N cycles through N patterns (cached, so frames render faster).",
    )
    color: ColorDist = Field([0.6, 0.6, 0.6], description="color: the colour.")
    colors: list[ColorDist] = Field(
        default_factory=lambda: [[0.85, 0.85, 0.85], [0.25, 0.25, 0.25]],
        description="checker/noise: two colours.",
    )
    squares: IntDist = Field(8, description="checker: squares across the plane.")
    scale: FloatDist = Field(8.0, description="noise: feature frequency across the plane.")
    image: str | None = Field(None, description="image: name of an image asset set.")
    attribute: str | None = Field(None, description="image: choose by this attribute's value.")
    resolution: int = Field(512, ge=8, le=4096, description="Procedural texture size in pixels.")
    repeat: FloatDist = Field(
        1.0,
        description="How many times the texture repeats across the "
        "plane's width (floor/wall; images on a background plane never repeat).",
    )
    weight: float = Field(1.0, ge=0, description="Weight when `texture` lists several textures.")

    _positive = field_validator("scale", "repeat")(
        classmethod(lambda cls, v: check_range(v, 0.0, lo_open=True))
    )
    _squares = field_validator("squares")(classmethod(lambda cls, v: check_range(v, 1.0)))

    @model_validator(mode="after")
    def _needs_image(self):
        if self.type == "image" and not self.image:
            raise ValueError("type 'image' needs `image: <asset set>`")
        if len(self.colors) != 2:
            raise ValueError("colors: needs exactly two colours")
        return self


class BackdropSpec(Model):
    """A backdrop plane (not an instance: id 0 in masks, but present in depth).

    - ``floor``: horizontal plane at z = 0 centred on ``position``.
    - ``wall``: vertical plane, ``distance`` m from the origin in the direction ``azimuth_deg``
      (about z from +x), facing the origin, its bottom on the floor.
    - ``background``: a plane perpendicular to the camera axis ``distance`` m beyond the target,
      sized to fill the frame exactly (the image covers it, cropped to the frame's aspect).
    - ``sweep``: a photo-studio cyclorama — a floor ``size`` = [width, depth] centred on
      ``position`` that curves up (radius ``sweep_radius``) into a wall ``sweep_height`` high on
      its far side, which faces the direction ``azimuth_deg`` points away from.
    """

    type: Literal["floor", "wall", "background", "sweep"] = Field(description="Kind of backdrop.")
    size: Vec2 = Field([4.0, 4.0], description="floor/wall/sweep: width and depth/height (m).")
    position: Vec3Dist = Field([0.0, 0.0, 0.0], description="floor/sweep: centre of the floor.")
    distance: FloatDist = Field(
        1.5, description="wall: from the origin; background: beyond the target."
    )
    azimuth_deg: FloatDist = Field(
        90.0,
        description="wall: direction from the origin (about z); "
        "sweep: direction of its curved wall from the floor's centre.",
    )
    sweep_radius: FloatDist = Field(0.6, description="sweep: radius of the curve (m).")
    sweep_height: FloatDist = Field(
        2.0, description="sweep: height of the wall above the floor (m)."
    )
    tint: ColorDist = Field([1.0, 1.0, 1.0], description="Multiplies the texture's colour.")
    texture: TextureSpec | list[TextureSpec] = Field(
        default_factory=TextureSpec,
        description="A texture, or a list to choose one from per frame (by `weight`).",
    )
    texture_rotation_deg: FloatDist = Field(
        0.0, description="Rotation of the texture on the plane."
    )
    roughness: FloatDist = Field(0.8, description="Surface roughness 0..1.")
    metallic: FloatDist = Field(0.0, description="Metalness 0..1.")
    shading: Literal["lit", "unlit"] | None = Field(
        None, description="Default: lit for floor/wall, unlit for background."
    )

    _unit = field_validator("roughness", "metallic")(
        classmethod(lambda cls, v: check_range(v, 0.0, 1.0))
    )
    _positive = field_validator("distance", "sweep_radius", "sweep_height")(
        classmethod(lambda cls, v: check_range(v, 0.0, lo_open=True))
    )
