"""Asset sets in templates: where the files are, how they are named, sized and categorised
(:class:`AssetSetSpec`; resolved by :mod:`synth3d.assets.catalog`)."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator

from . import cards
from .distributions import ColorConst, Model, Vec3


class NormalizeSpec(Model):
    """Rescale a mesh so that one of its bounding-box measures equals ``size`` metres."""

    size: float = Field(gt=0, description="Target size in metres.")
    measure: Literal["max", "height", "diagonal"] = Field(
        "max", description="`max`: longest box side; `height`: z extent; `diagonal`: box diagonal."
    )


CATEGORY_FIELDS = ("stem", "name", "parent", "set")
"""Fields a set's ``category`` pattern may use, besides ``dir0``, ``dir1``, … (folders below the
set's folder, outermost first)."""


class AssetSetSpec(Model):
    """A set of asset files: one file, a glob (``meshes/*.glb``, ``**`` recurses) or a folder (every
    supported file in it and in its subfolders). Relative paths are resolved against ``root`` if
    given, else ``asset_root``. Library layouts are recognised: per-object folders (Google
    Scanned Objects ``<id>/meshes/model.obj``, ShapeNet ``<id>/models/model_normalized.obj``: the
    object's name is its folder), BOP model sets (``obj_NNNNNN.ply`` next to ``models_info.json``:
    millimetres, ids and symmetries kept in BOP labels) and URDF files (the visual mesh with its
    origin and scale, metres; meshes a URDF of the set uses are not assets of their own)."""

    path: str | list[str] = Field(description="File, glob or folder; or a list of them.")
    kind: Literal["mesh", "image", "hdri"] | None = Field(
        None,
        description="What the files are; default: from the extensions "
        "(.obj .glb .gltf .ply .stl .off .urdf → mesh; .png .jpg .jpeg .webp .bmp → image; "
        ".hdr .exr → hdri). A folder holding meshes is a mesh set (its textures are not assets).",
    )
    root: str | None = Field(
        None,
        description="This set's own asset root (relative to the template file): its paths "
        "resolve against it and SceneSpecs record them as `@SET_NAME/…`, relocatable with "
        "`--asset-root SET_NAME=DIR`. Default: `asset_root` (`@asset_root/…`); a set whose files "
        "lie outside asset_root becomes its own root at its folder.",
    )
    category: str | None = Field(
        None,
        description="Category name of objects drawn from this set (default: the set's name), "
        "or a pattern: `{stem}` (file name without extension), `{name}` (the object's name: the "
        "file stem, or the object folder of per-object layouts), `{parent}` (the folder holding "
        "the file), `{dir0}`, `{dir1}`, … (the folder at that depth below the set's folder), "
        "`{set}`; e.g. `{dir0}/{name}`.",
    )
    category_regex: str | None = Field(
        None,
        description="Category from a regular expression searched in the file's path "
        "relative to the set's folder (forward slashes): the group named `category`, else group 1. "
        "A file it does not match is a bad asset (see on_bad_asset).",
    )
    sidecar: str | None = Field(
        None,
        description="A CSV or JSON table of per-file facts (columns: file, category, scale, "
        "size, units, up_axis, keypoints, mass, friction, weight), relative to the set's root; "
        "`file` is a path relative to the table's folder or an object's name. Its values win over "
        "the set's.",
    )
    units: Literal["m", "cm", "mm", "in"] | None = Field(
        None,
        description="Meshes: the files' length unit (default: metres; BOP model sets: mm; "
        "URDF: metres). Assets whose size is known this way (or from the sidecar, a URDF or a BOP "
        "set) keep their true size; `normalize` rescales only the others.",
    )
    on_bad_asset: Literal["error", "skip"] = Field(
        "error",
        description="A file that fails to load (or gets no category): `error` stops "
        "before frame 0 naming it; `skip` leaves it out with one warning listing the skipped files "
        "(counted in the run summary).",
    )
    weights: dict[str, float] = Field(
        default_factory=dict, description="Sampling weight per asset, by file stem (default 1)."
    )
    up_axis: Literal["z", "y", "x", "-x", "-y", "-z"] = Field(
        "z",
        description="Meshes: the files' up axis, turned to +z (`y` for y-up files: most glTF "
        "and OBJ exports); a sidecar's `up_axis` overrides it per file.",
    )
    normalize: NormalizeSpec | None = Field(
        None, description="Meshes: rescale to a target size (assets of unknown size only)."
    )
    keypoints: dict[str, dict[str, Vec3]] = Field(
        default_factory=dict,
        description="Named 3D keypoints per asset (by file stem), in the "
        "file's own coordinates; projected into every frame's labels.",
    )
    origin: Literal["base", "center", "file"] = Field(
        "base",
        description="Meshes: where the object's origin goes — `base`: centre of the bottom "
        "face of the bounding box (stands on z=0), `center`: box centre, `file`: as in the file.",
    )
    alpha: Literal["auto", "channel", "key", "none"] = Field(
        "auto",
        description="Images used as cards: `channel` uses the PNG alpha; `key` makes alpha "
        "from `key_color` (a product photographed on white); `auto`: channel if present, else key.",
    )
    key_color: ColorConst = Field(
        [1.0, 1.0, 1.0], description="Chroma-key colour (sRGB 0..1 or #rrggbb)."
    )
    key_threshold: float = Field(
        0.08,
        ge=0,
        le=1,
        description="Pixels closer than this (max channel difference, 0..1) to "
        "key_color become transparent.",
    )
    pixel_size: float | str | None = Field(None, description=cards.PIXEL_SIZE_DOC)
    sizes: str | None = Field(None, description=cards.SIZES_DOC)
    matte: cards.MatteTemplate | None = Field(None, description=cards.MATTE_DOC)

    @field_validator("weights")
    @classmethod
    def _weights(cls, w):
        for k, v in w.items():
            if not math.isfinite(v) or v < 0:
                raise ValueError(f"{k}: must be ≥ 0")
        return w

    @field_validator("category")
    @classmethod
    def _category(cls, c):
        import re
        import string

        if c is None:
            return c
        try:
            names = [f for _, f, _, _ in string.Formatter().parse(c) if f is not None]
        except ValueError as e:
            raise ValueError(f"bad pattern ({e})") from None
        for f in names:
            if f not in CATEGORY_FIELDS and not re.fullmatch(r"dir\d+", f):
                raise ValueError(
                    f"unknown field {{{f}}} (use {', '.join('{%s}' % x for x in CATEGORY_FIELDS)} "
                    "or {dir0}, {dir1}, …)"
                )
        return c

    @field_validator("category_regex")
    @classmethod
    def _regex(cls, r):
        import re

        if r is None:
            return r
        try:
            rx = re.compile(r)
        except re.error as e:
            raise ValueError(f"not a regular expression ({e})") from None
        if rx.groups < 1:
            raise ValueError("needs a group: (?P<category>…) or (…)")
        return r
