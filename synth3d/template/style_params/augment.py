"""Parameters of the ``augment`` stylisation pass (applied by :mod:`synth3d.post.styles.augment`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from .base import PassParams

NAME = "augment"
USES_NORMALS = False
Effect = Literal["chromatic", "defocus", "motion", "vignette", "noise", "color", "gamma", "jpeg"]
ORDER: tuple[str, ...] = (
    "chromatic",
    "defocus",
    "motion",
    "vignette",
    "noise",
    "color",
    "gamma",
    "jpeg",
)


class Params(PassParams):
    severity: int = Field(
        3, ge=1, le=5, description="How strong every corruption is, 1 (mild) to 5 (severe)."
    )
    effects: list[Effect] = Field(
        list(ORDER),
        min_length=1,
        description="Corruptions that may be drawn: chromatic, "
        "defocus, motion, vignette, noise, color, gamma, jpeg.",
    )
    count: int = Field(
        2,
        ge=1,
        le=8,
        description="How many different corruptions are drawn per frame from "
        "`effects` (all of them when there are fewer).",
    )

    @field_validator("effects")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("effects must not repeat")
        return v
