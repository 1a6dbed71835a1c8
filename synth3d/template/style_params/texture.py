"""Parameters of the ``texture`` stylisation pass (applied by :mod:`synth3d.post.styles.texture`)."""

from __future__ import annotations

from pydantic import Field

from .base import PassParams

NAME = "texture"
USES_NORMALS = False


class Params(PassParams):
    reference: str = Field(
        "",
        description="The painting (or any texture) whose brush texture and colours the "
        "frame takes on: a PNG/JPEG; a relative path is resolved against the template's asset "
        "root. Required.",
        json_schema_extra={"path": True},
    )
    patch: int = Field(
        20,
        ge=6,
        le=64,
        description="Side of the reference patches in pixels, for a 512-pixel "
        "short side of the frame (scaled with it): larger carries bigger brush marks.",
    )
    strength: float = Field(
        1.0,
        ge=0.0,
        le=2.0,
        description="Amount of the reference's detail laid over the frame "
        "(0 = colour transfer only).",
    )
    detail_sigma: float = Field(
        4.0,
        ge=0.5,
        le=16.0,
        description="Scale in pixels (512-pixel short side) separating the "
        "frame's structure, kept, from the texture, taken from the reference.",
    )
    edge_keep: float = Field(
        10.0,
        ge=0.0,
        le=100.0,
        description="Lightness gradient (Lab L units per pixel, at a "
        "512-pixel short side) above which the frame keeps its own detail instead of the "
        "reference's: outlines stay crisp and in place. 0 = the reference's detail everywhere.",
    )
    candidates: int = Field(
        8,
        ge=1,
        le=64,
        description="Best-matching reference patches per tile among which the "
        "one that best continues its neighbours is chosen.",
    )
    colour: bool = Field(
        True,
        description="Move the frame's colours to the reference's first (sliced optimal "
        "transport, as the transfer pass); false keeps the frame's colours.",
    )
