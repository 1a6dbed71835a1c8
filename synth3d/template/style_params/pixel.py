"""Parameters of the ``pixel`` stylisation pass (applied by :mod:`synth3d.post.styles.pixel`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import PassParams

NAME = "pixel"
USES_NORMALS = False


class Params(PassParams):
    pixel_size: int = Field(
        4,
        ge=1,
        le=64,
        description="Side of one big pixel (block), in image pixels. Object "
        "edges move by up to a block.",
    )
    colors: int = Field(
        16, ge=2, le=64, description="Palette size for the adaptive and grayscale palettes."
    )
    palette: Literal["adaptive", "pico8", "gameboy", "grayscale"] = Field(
        "adaptive",
        description="adaptive: k-means colours of the frame; pico8: PICO-8's 16 "
        "colours; gameboy: the Game Boy's 4 greens (by lightness); grayscale: `colors` greys.",
    )
    dither: Literal["none", "bayer", "floyd"] = Field(
        "none",
        description="Dithering of the palette mapping: none, ordered 4x4 Bayer, or "
        "Floyd-Steinberg error diffusion.",
    )
