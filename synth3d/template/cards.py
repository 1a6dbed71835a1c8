"""Template fields of card asset sets: the matte of keyed cut-outs and the card size per asset
(see :mod:`synth3d.assets.matting` and :mod:`synth3d.assets.card_sizes`)."""

from __future__ import annotations

from pydantic import Field

from .distributions import Model

PIXEL_SIZE_DOC = (
    "Cards: size each image from its own pixel size — a number: height = image height in px × "
    "this (metres in the world; a fraction of the frame height with screen/relative placement); "
    "the name of an image asset set: as pasted at native pixel size onto that set's images "
    "(frame fraction = image height / their height). Objects drawing from the set then give no "
    "height or screen_height (scale still multiplies)."
)
SIZES_DOC = (
    "Cards: a table of heights per file stem (CSV `stem,height`, or a YAML/JSON mapping), in "
    "pixel_size's units; relative to asset_root."
)
MATTE_DOC = (
    "Cards: how the cut-out's edge is made (keyed edges are always unmixed from the key colour, "
    "without halo; this tunes it and adds erosion and feathering)."
)


class MatteTemplate(Model):
    """Edge of a card set's cut-outs (see synth3d.assets.matting), in the image's pixels."""

    softness: float = Field(
        0.15,
        gt=0,
        le=1,
        description="Key: alpha ramps from 0 at "
        "key_threshold to 1 over this much more key distance (0..1), where "
        "an edge pixel cannot be unmixed.",
    )
    band: int = Field(
        2,
        ge=0,
        le=16,
        description="Key: edge pixels within this many pixels of "
        "the keyed background are unmixed (alpha and colour).",
    )
    spill: bool = Field(
        True,
        description="Key: take the key colour out of edge pixels (spill "
        "suppression), not only make them transparent.",
    )
    erode_px: float = Field(
        0.0,
        ge=0,
        le=64,
        description="Shrink the matte by this many pixels (fractional values interpolate).",
    )
    feather_px: float = Field(
        0.0,
        ge=0,
        le=64,
        description="Soften the matte's edge: Gaussian blur of alpha with σ = feather_px / 2.",
    )
