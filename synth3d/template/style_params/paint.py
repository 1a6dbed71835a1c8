"""Parameters of the ``paint`` stylisation pass (applied by :mod:`synth3d.post.styles.paint`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import PassParams

NAME = "paint"
USES_NORMALS = False


class Params(PassParams):
    brush: Literal["oil", "watercolour", "marker", "tape"] = Field(
        "oil",
        description="oil: opaque strokes with bristle streaks and impasto relief; "
        "watercolour: transparent glazes on paper, light to dark, with dark-rimmed washes and "
        "granulation; "
        "marker: flat constant-width ink that gets darker where strokes overlap; tape: straight "
        "flat strips with crisp edges.",
    )
    levels: int = Field(
        4,
        ge=1,
        le=6,
        description="Number of brush sizes, painted coarse to fine; each layer "
        "halves the radius of the previous one (the finest is never below 1 px).",
    )
    max_radius: float = Field(
        16.0,
        ge=1.0,
        le=128.0,
        description="Radius in pixels of the coarsest brush for a "
        "512-pixel short side (scaled with the image size).",
    )
    max_strokes: int = Field(
        6000,
        ge=100,
        le=200000,
        description="Stroke budget of a frame (the brushes scale with "
        "the image, so the same budget paints the same picture at any size). The first layer "
        "always covers the canvas (about 1000 strokes at the default radius); the finer layers "
        "share the rest where the painting still differs most from the frame. Fewer strokes: "
        "a looser painting; more: a closer and slower one.",
    )
    threshold: float = Field(
        0.06,
        ge=0.0,
        le=1.0,
        description="Colour error (RGB distance, 0..1) of a cell of the "
        "canvas above which a layer paints a stroke there; larger leaves more of the coarse "
        "strokes visible.",
    )
    max_length: int = Field(
        12, ge=1, le=64, description="Longest stroke, in steps of one brush radius."
    )
    curvature: float = Field(
        1.0,
        ge=0.0,
        le=1.0,
        description="How closely a stroke bends to follow the picture's "
        "contours: 0 keeps its first direction (straight), 1 turns fully at every step. The "
        "tape brush is always straight.",
    )
    jitter: float = Field(
        0.3,
        ge=0.0,
        le=1.0,
        description="Random variation of each stroke's colour and "
        "brightness (0 = the exact colour of the frame).",
    )
    texture: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Strength of the medium's texture: bristle streaks "
        "and impasto relief (oil), paper grain, granulation and dark rims (watercolour), edge "
        "shadows (tape). Marker has none.",
    )
    export_strokes: bool = Field(
        False,
        description="Also return the strokes: strokes.json (per stroke: layer, radius, "
        "colour laid down as sRGB 0..1 — the ink for watercolour and marker —, points in pixels, "
        "brush) and an SVG document of them.",
    )
    export_snp: bool = Field(
        False,
        description="Also return the strokes in the parameter layout of Stylized Neural "
        "Painting's renderers (strokes.snp.json): marker → markerpen [x0, y0, x1, y1, x2, y2, "
        "radius0, radius2, R, G, B, A], watercolour → watercolor [x0 … y2, radius0, radius2, R0, "
        "G0, B0, R2, G2, B2, A], oil → oilpaintbrush [xc, yc, w, h, theta, R0, G0, B0, R2, G2, "
        "B2, A], tape → rectangle [xc, yc, w, h, theta, R, G, B, A]; each stroke's polyline "
        "fitted by a quadratic Bézier (least squares).",
    )
    animate_frames: int = Field(
        0,
        ge=0,
        le=120,
        description="If > 0, also return a GIF of the painting being made: "
        "the canvas after each 1/N of the strokes.",
    )
