"""Parameters of the ``harmonize`` stylisation pass (applied by :mod:`synth3d.post.styles.harmonize`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import PassParams

NAME = "harmonize"
USES_NORMALS = False


class Params(PassParams):
    light: float = Field(
        0.25,
        ge=0.0,
        le=1.0,
        description="How far each object's lightness mean and contrast "
        "move to those of the background around it (0 = unchanged, 1 = matched).",
    )
    colour: float = Field(
        0.15,
        ge=0.0,
        le=1.0,
        description="How far each object's mean chroma (Lab a, b) moves "
        "to the background's around it.",
    )
    poisson: Literal["none", "normal", "mixed"] = Field(
        "none",
        description="Seamless (Poisson) blending of each object into the background: "
        "normal keeps the object's gradients, mixed the stronger of object and background "
        "gradients (for see-through or textured cut-outs).",
    )
    key_color: list[float] = Field(
        [1.0, 1.0, 1.0],
        min_length=3,
        max_length=3,
        description="Poisson: the colour the "
        "objects are taken to have been photographed on (sRGB 0..1; white for product photos).",
    )
    ring: float = Field(
        0.25,
        gt=0.0,
        le=2.0,
        description="Width of the background ring whose statistics an "
        "object is matched to, as a fraction of the object's size (its bounding box diagonal).",
    )
