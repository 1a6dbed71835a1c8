"""Parameters of the ``halftone`` stylisation pass (applied by :mod:`synth3d.post.styles.halftone`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import PassParams

NAME = "halftone"
USES_NORMALS = False


class Params(PassParams):
    cell: float = Field(
        6.0, ge=2.0, le=64.0, description="Screen period: the distance between dot centres, px."
    )
    angle_deg: float = Field(
        45.0,
        ge=-90.0,
        le=90.0,
        description="Screen angle of the black (mono) dots, degrees; "
        "in cmyk, cyan and magenta are at ±30° from it and yellow at −45°.",
    )
    mode: Literal["mono", "cmyk"] = Field(
        "cmyk", description="mono: black dots on white; cmyk: four overprinted colour screens."
    )
