"""Parameters of the ``toon`` stylisation pass (applied by :mod:`synth3d.post.styles.toon`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .base import PassParams

NAME = "toon"
# Outlines read only depth and instance; creases (off by default) use normals estimated from
# depth, so the renderer need not render normals for this pass.
USES_NORMALS = False
_Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class Params(PassParams):
    levels: int = Field(
        4, ge=2, le=8, description="Number of lightness bands (CIE L*, hue and chroma kept)."
    )
    smooth: bool = Field(
        True,
        description="Flatten texture and noise first with an edge-preserving bilateral filter.",
    )
    outline_px: float = Field(
        1.5,
        ge=0.0,
        le=8.0,
        description="Width in pixels of the outlines along occluding contours (0 = no outlines).",
    )
    outline_color: tuple[_Unit, _Unit, _Unit] = Field(
        (0.05, 0.05, 0.05), description="Outline colour, sRGB 0..1."
    )
    creases: bool = Field(
        False,
        description="Also outline creases (where the surface normal turns by more than "
        "45°; normals estimated from depth when none were rendered).",
    )
