"""Parameters of the ``sketch`` stylisation pass (applied by :mod:`synth3d.post.styles.sketch`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import PassParams

NAME = "sketch"


class Params(PassParams):
    look: Literal["pencil", "ink"] = Field(
        "pencil",
        description="pencil: grey graphite with grain and varying pressure; "
        "ink: crisp black lines.",
    )
    width: float = Field(
        1.6,
        ge=0.5,
        le=8.0,
        description="Stroke width in pixels of an occluding contour at the "
        "frame's typical line depth; creases are drawn at 0.6 of it.",
    )
    width_by_depth: float = Field(
        0.6,
        ge=0.0,
        le=2.0,
        description="How much nearer lines are drawn thicker: the width "
        "scales with (typical depth / line depth) to this power, within 0.5x..2x (0 = same "
        "width everywhere).",
    )
    crease_deg: float = Field(
        45.0,
        ge=5.0,
        le=120.0,
        description="A crease line is drawn where the surface normal "
        "turns by more than this many degrees between neighbouring pixels.",
    )
    jitter: float = Field(
        0.6,
        ge=0.0,
        le=5.0,
        description="Hand-drawn wobble: the largest sideways offset of a "
        "stroke from the true contour, in pixels, varying slowly along the stroke. Keep it "
        "small (about 1 px) when the lines must stay on the contour labels.",
    )
    paper: float = Field(
        0.5, ge=0.0, le=1.0, description="Strength of the paper grain (0 = flat paper)."
    )
    tint: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="How much of the picture's colours is washed onto the "
        "paper (0 = white paper, 1 = the picture itself under the lines).",
    )
    image_lines: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="Weight of extra lines found in the picture itself "
        "(XDoG edges: texture, printed detail). These are not contours of the geometry, so they "
        "lower agreement with the contour labels.",
    )
    hatching: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="Strength of diagonal hatching in the dark tones of the "
        "picture (cross-hatched in the darkest).",
    )
    export_svg: bool = Field(
        False, description="Also return the strokes as an SVG document (artifact 'svg')."
    )
