"""Parameters of the ``transfer`` stylisation pass (applied by :mod:`synth3d.post.styles.transfer`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import PassParams

NAME = "transfer"
USES_NORMALS = False


class Params(PassParams):
    reference: str = Field(
        "",
        description="Image whose colours (and texture) the frame takes on: a PNG/JPEG "
        "(its alpha, if any, selects the pixels that count) or an HDR/EXR (tone-mapped). A "
        "relative path is resolved against the template's asset root. Required.",
        json_schema_extra={"path": True},
    )
    method: Literal["reinhard", "histogram", "sliced"] = Field(
        "sliced",
        description="reinhard: match the mean and spread of each Lab channel; "
        "histogram: match each Lab channel's whole distribution; sliced: match the joint 3-D "
        "colour distribution (iterative sliced optimal transport) — the closest palette, "
        "colours that do not occur together in the reference are not invented.",
    )
    strength: float = Field(
        1.0,
        ge=0.0,
        le=1.0,
        description="Blend in Lab between the frame (0) and the transferred colours (1).",
    )
    preserve_luminance: bool = Field(
        False, description="Keep the frame's lightness and change only its colours (a, b)."
    )
    texture: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="Also take on the reference's fine texture: the "
        "frame's detail contrast is matched to the reference's and the reference's own detail "
        "(grain, brush marks, weave) is laid over the frame, scaled by this amount.",
    )
