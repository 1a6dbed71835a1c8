"""Parameters of the ``onnx`` stylisation pass (applied by :mod:`synth3d.post.styles.onnx`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import PassParams

NAME = "onnx"
USES_NORMALS = False


class Params(PassParams):
    model: str = Field(
        "",
        description="The .onnx file (a relative path is resolved against the template's "
        "asset root). Required.",
        json_schema_extra={"path": True},
    )
    input_range: Literal["unit", "byte", "signed"] = Field(
        "unit",
        description="Pixel values the network takes: unit 0..1, byte 0..255, signed "
        "-1..1 (pix2pix/CycleGAN).",
    )
    output_range: Literal["unit", "byte", "signed"] = Field(
        "unit", description="Pixel values the network returns (clipped to that range)."
    )
    layout: Literal["nchw", "nhwc"] = Field(
        "nchw", description="Tensor layout of input and output."
    )
    size: int = Field(
        0,
        ge=0,
        le=4096,
        description="Run the network at this short side (the long side "
        "rounded to a multiple of 4), then resize back; 0 = the frame's size.",
    )
    strength: float = Field(
        1.0, ge=0.0, le=1.0, description="Blend between the frame (0) and the network's output (1)."
    )
    threads: int = Field(
        0, ge=0, le=64, description="onnxruntime intra-op threads (0 = its default)."
    )
