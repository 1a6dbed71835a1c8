"""The scene-template schema (pydantic models).

A template describes a *distribution* of scenes. Every field documented here appears in the generated
reference (``docs/template-reference.md``) and in ``synth3d schema`` (JSON Schema for editors).
Conventions: metres, z up, angles in degrees (keys end in ``_deg``), colours in sRGB 0..1 or
``#rrggbb``.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from . import optics as _o
from .asset_sets import CATEGORY_FIELDS, AssetSetSpec, NormalizeSpec  # noqa: F401 — re-exported
from .distributions import (
    ColorDist,
    FloatDist,
    IntDist,
    Model,
    RandInt,
    Vec3Dist,
    check_range,
)
from .physics import FailureSpec, ObjectPhysicsSpec, PhysicsSpec
from .placement import PlacementSpec
from .sequence import SequenceSpec, check_sequence
from .splits import SplitFractions
from .styles import step_union
from .world import (  # noqa: F401 — re-exported
    MAX_LIGHTS_PER_TYPE,
    MAX_SHADOWS,
    BackdropSpec,
    EnvironmentSpec,
    LightSpec,
    TextureSpec,
    max_of_int_dist,
)

StyleStep = step_union()
"""One ``post.styles`` step: a union of the passes' step models, on ``pass``."""


class AttributeSpec(Model):
    """A categorical attribute drawn per frame (``mode: random``) or enumerated (``mode: exhaustive``).

    Attribute values are recorded in the manifest; an object or a backdrop image can be chosen by an
    attribute (the asset whose file stem equals the value)."""

    values: list[str | int | float | bool] = Field(min_length=1, description="The possible values.")
    p: list[float] | None = Field(
        None, description="Probabilities, one per value, summing to 1 (default: uniform)."
    )

    @field_validator("values")
    @classmethod
    def _unique(cls, v):
        if len({str(x) for x in v}) != len(v):
            raise ValueError("values must be distinct")
        return v

    @field_validator("p")
    @classmethod
    def _probs(cls, p, info):
        if p is None:
            return p
        values = info.data.get("values")
        if values is not None and len(p) != len(values):
            raise ValueError(f"has {len(p)} entries but values has {len(values)}")
        if any((not math.isfinite(x)) or x < 0 for x in p):
            raise ValueError("probabilities must be ≥ 0")
        if abs(sum(p) - 1.0) > 1e-6:
            raise ValueError(f"must sum to 1 (sums to {sum(p):.6g})")
        return p


class MaterialSpec(Model):
    """Material randomisation. Unset fields keep what the asset file says.

    Transparent objects (alpha-blended materials and glass) are labelled as the visible object:
    the instance mask is their full silhouette, depth is their own surface's, and they hide
    what is behind them (README, "Transparent objects")."""

    base_color: ColorDist | None = Field(None, description="Replaces the base colour factor.")
    roughness: FloatDist | None = Field(None, description="0 (mirror) .. 1 (matte).")
    metallic: FloatDist | None = Field(None, description="0 (dielectric) .. 1 (metal).")
    texture: str | None = Field(
        None,
        description="Name of an image asset set: swap the base-colour texture for one of its "
        "images (meshes without UVs get a box projection).",
    )
    texture_probability: float = Field(1.0, ge=0, le=1, description="Chance to apply the swap.")
    keep_texture: bool = Field(
        False,
        description="With base_color: keep the asset's own texture and tint it by "
        "base_color (default: base_color replaces the texture by a flat colour).",
    )

    transmission: FloatDist | None = Field(
        None,
        description="0 (opaque) .. 1 (clear glass): share of the light from behind that passes "
        "through, refracted and tinted by the base colour (a screen-space refraction; README, "
        "'Transparent objects'). Unset: the file's glTF KHR_materials_transmission, else 0.",
    )
    ior: FloatDist | None = Field(
        None,
        description="Index of refraction of transmissive materials (glass 1.5, water 1.33). "
        "Unset: the file's glTF KHR_materials_ior, else 1.5.",
    )

    _unit = field_validator("roughness", "metallic", "transmission")(
        classmethod(lambda cls, v: check_range(v, 0.0, 1.0))
    )
    _ior = field_validator("ior")(classmethod(lambda cls, v: check_range(v, 1.0, 3.0)))


class ObjectSpec(Model):
    """A group of foreground objects (instances, with category ids and masks)."""

    name: str = Field(description="Unique name; used by `placement.to` and in the SceneSpec.")
    kind: Literal["mesh", "card"] | None = Field(
        None,
        description="`mesh`: a 3D model; `card`: an image on a quad (cut-out by its alpha). "
        "Default: from the asset set (images → card).",
    )
    assets: str | list[str] | dict[str, float] = Field(
        description="Asset set name(s) to draw from; a mapping gives weights per set."
    )
    attribute: str | None = Field(
        None,
        description="Choose the asset whose file stem equals this attribute's value; values "
        "listed in `absent_values` mean no object.",
    )
    absent_values: list[str] = Field(["none"], description="Attribute values meaning 'no object'.")
    count: IntDist = Field(1, description="How many objects of this group per frame.")
    scale: FloatDist = Field(
        1.0, description="Uniform scale on top of the asset set's normalisation."
    )
    height: FloatDist | None = Field(
        None, description="Cards: height of the quad in metres (width from the image aspect)."
    )
    screen_height: FloatDist | None = Field(
        None,
        description="Cards in screen/relative placement: height as a fraction of the image "
        "height (overrides `height`).",
    )
    mirror: float = Field(0.0, ge=0, le=1, description="Cards: probability of a horizontal mirror.")
    shading: Literal["lit", "unlit"] | None = Field(
        None,
        description="`unlit` shows the texture's colours as they are (default for cards); "
        "`lit` shades by lights and environment (default for meshes).",
    )
    material: MaterialSpec | None = Field(None, description="Material randomisation.")
    placement: PlacementSpec = Field(default_factory=PlacementSpec, description="Where it goes.")
    labelled: bool = Field(
        True,
        description="false: a distractor — rendered, casting shadows, occluding and in "
        "depth, but id 0 in the masks and in no label file.",
    )
    physics: ObjectPhysicsSpec | None = Field(
        None,
        description="Physical properties (for drop/settle placements and static "
        "supports; defaults apply when unset).",
    )

    _positive = field_validator("scale", "height", "screen_height")(
        classmethod(lambda cls, v: check_range(v, 0.0, lo_open=True))
    )

    @model_validator(mode="after")
    def _count_nonneg(self):
        c = self.count
        lo = c if isinstance(c, int) else (c.min if isinstance(c, RandInt) else min(c.values))
        if lo < 0:
            raise ValueError("count must be ≥ 0")
        if (
            self.physics is not None
            and self.physics.static
            and (self.placement.mode == "drop" or self.placement.settle)
        ):
            raise ValueError("physics.static: a static support cannot be dropped or settled")
        return self


class IntrinsicsSpec(Model):
    """Full pinhole intrinsics in pixels (OpenCV: pixel centres at integer coordinates)."""

    fx: float = Field(gt=0, description="Focal length in pixels along x.")
    fy: float = Field(gt=0, description="Focal length in pixels along y.")
    cx: float = Field(description="Principal point x (pixels; the image centre is (W−1)/2).")
    cy: float = Field(description="Principal point y (pixels; the image centre is (H−1)/2).")


class CameraSpec(Model):
    """A look-at camera: position = ``target`` + ``offset``, looking at ``target``, z up."""

    fov_y_deg: FloatDist = Field(
        50.0, description="Vertical field of view (ignored with intrinsics)."
    )
    intrinsics: IntrinsicsSpec | None = Field(None, description="Full intrinsics instead of a FOV.")
    target: Vec3Dist = Field([0.0, 0.0, 0.0], description="Look-at point (m).")
    offset: Vec3Dist = Field(
        default_factory=lambda: {
            "dist": "cone",
            "axis": [0, 0, 1],
            "angle_deg": 75,
            "min_angle_deg": 20,
            "radius": [0.8, 1.4],
        },
        description="Camera position relative to the target; a cone/hemisphere/sphere distribution "
        "with a radius gives a shell around the target.",
    )
    roll_deg: FloatDist = Field(0.0, description="Rotation about the optical axis.")
    znear: float = Field(0.01, gt=0, description="Near clipping distance (m).")
    zfar: float = Field(100.0, gt=0, description="Far clipping distance (m).")
    require_all_in_frame: bool = Field(
        False,
        description="Resample camera and objects until every object's bounding box projects "
        "inside the image.",
    )
    max_attempts: int = Field(
        100, ge=1, le=100000, description="Layout attempts for require_all_in_frame."
    )
    distortion: _o.DistortionSpec | None = Field(None, description=_o.DISTORTION_DOC)

    _fov = field_validator("fov_y_deg")(
        classmethod(lambda cls, v: check_range(v, 0.0, 180.0, lo_open=True, hi_open=True))
    )

    @model_validator(mode="after")
    def _near_far(self):
        if self.zfar <= self.znear:
            raise ValueError("zfar must be > znear")
        return self


class TonemapSpec(_o.MeteringSpec):
    """Exposure and tonemapping of the linear render into 8-bit sRGB."""

    operator: Literal["clip", "aces", "reinhard"] = Field(
        "clip",
        description="`clip`: clamp to 1 (unlit textures round-trip exactly); `aces`: "
        "filmic; `reinhard`: x/(1+x).",
    )
    exposure_ev: FloatDist = Field(
        0.0, description="Linear radiance × 2^exposure_ev before the curve."
    )
    white_balance_k: FloatDist | None = Field(
        None,
        description="Camera white balance: the colour temperature (K) rendered as neutral "
        "(a 3200 K setting turns daylight blue, 9000 K turns it warm). Unset: no correction.",
    )
    auto_exposure: bool = Field(
        False,
        description="First scale the frame so its log-average luminance is the key "
        "(auto_exposure_key); exposure_ev then offsets from there. Evens out HDRI levels.",
    )

    _kelvin = field_validator("white_balance_k")(
        classmethod(lambda cls, v: check_range(v, 1000.0, 40000.0))
    )


class PostSpec(Model):
    """Post passes on the rendered frame."""

    tonemap: TonemapSpec = Field(
        default_factory=TonemapSpec, description="Exposure and tonemapping."
    )
    styles: list[StyleStep] = Field(
        default_factory=list,
        description="Stylisation passes applied, in this order, to the "
        "finished 8-bit frame (after background and tonemap): each `{pass: NAME, p: probability, "
        "params: {...}}`, params taking constants or distributions (see "
        "[Stylisation passes](#stylisation-passes)). Labels are untouched: no pass moves geometry.",
    )
    optics: _o.OpticsSpec | None = Field(None, description=_o.OPTICS_DOC)


class LabelsSpec(Model):
    """Which labels are made and which objects get one."""

    amodal: bool = Field(
        True,
        description="Render every object alone too: amodal masks, visible "
        "and in-frame fractions, full-silhouette boxes (needed by BOP).",
    )
    min_pixels: int = Field(1, ge=1, description="Objects with fewer visible pixels get no label.")
    min_visible_fraction: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Objects whose visible mask is a smaller fraction of their "
        "amodal mask get no label.",
    )
    hidden: Literal["drop", "resample"] = Field(
        "drop",
        description="An object with no visible pixel: `drop` its label, or `resample` the "
        "frame's layout (same attributes) until every object shows.",
    )
    max_resample: int = Field(20, ge=1, le=1000, description="Resamples before giving up.")
    polygons: bool = Field(
        False,
        description="COCO: a polygon replaces the RLE (moved to `rle`) "
        "for masks of one part without holes; others keep RLE + `polygons`.",
    )
    normals: bool = Field(
        False,
        description="Write normals/NNNNNN.png: camera-frame normals as "
        "16-bit RGB, value = (n + 1) / 2 × 65535; 0 where nothing was hit.",
    )
    contours: bool = Field(
        False,
        description="Write contours/NNNNNN.png: 255 occluding contours, 128 creases, 0 elsewhere.",
    )
    crease_deg: float = Field(45.0, gt=0, lt=180, description="Normal change that makes a crease.")
    semantic: bool = Field(False, description="Write semantic/NNNNNN.png: uint16 category ids.")


class OutputSpec(Model):
    """What a run writes."""

    depth_scale: float = Field(
        1.0,
        gt=0,
        description="Depth PNG value × depth_scale = millimetres (1.0: 1 mm steps, up "
        "to 65.5 m; 0.1: 0.1 mm steps, up to 6.5 m).",
    )
    rgb_format: Literal["png", "jpg"] = Field("png", description="Encoding of rgb/ images.")
    jpeg_quality: int = Field(95, ge=1, le=100, description="Quality when rgb_format is jpg.")
    formats: list[Literal["coco", "bop", "yolo", "webdataset"]] = Field(
        ["coco"],
        description="Dataset formats written at the end of a run (and by `synth3d "
        "export`): `coco` → annotations/coco.json, `bop` → bop/, `yolo` → yolo/ and yolo-seg/, "
        "`webdataset` → webdataset/shard-NNNNNN.tar (rgb, depth, masks, SceneSpec and JSON "
        "labels per sample).",
    )
    webdataset_samples: int = Field(
        1000,
        ge=1,
        description="Samples per webdataset tar shard (shard s holds frames "
        "s × n .. (s+1) × n − 1).",
    )
    split: SplitFractions | None = Field(
        None,
        description="e.g. `{train: 0.9, val: 0.1}`: each "
        "frame's split is drawn from (seed, index) (see README, Splits); COCO adds "
        "`coco_<split>.json`, YOLO `<split>.txt` lists, BOP `bop/<split>_synth3d/`.",
    )


class Template(Model):
    """A scene template: a distribution over scenes."""

    version: Literal[1] = Field(1, description="Template format version.")
    name: str = Field("untitled", description="Name recorded in dataset.json and every SceneSpec.")
    size: list[int] = Field(
        [640, 480], min_length=2, max_length=2, description="Width, height (px)."
    )
    frames: int | None = Field(None, ge=1, description="Default frame count (`-n`).")
    seed: int = Field(0, ge=0, description="Default root seed (`--seed`).")
    mode: Literal["random", "exhaustive"] = Field(
        "random",
        description="`random`: attributes drawn per frame; `exhaustive`: frame i takes the "
        "i-th combination of the cartesian product of the attributes (declared order, last varies "
        "fastest), cycling when there are more frames; `-n` defaults to the number of combinations.",
    )
    asset_root: str = Field(
        ".",
        description="Base for relative asset paths; relative to the template file (or to the "
        "current directory when given with --set).",
    )
    attributes: dict[str, AttributeSpec] = Field(
        default_factory=dict, description="Categorical attributes by name (recorded per frame)."
    )
    assets: dict[str, AssetSetSpec] = Field(
        default_factory=dict, description="Named asset sets (meshes, images, HDRIs)."
    )
    camera: CameraSpec = Field(default_factory=CameraSpec, description="The camera.")
    environment: EnvironmentSpec = Field(
        default_factory=EnvironmentSpec, description="Background and environment lighting."
    )
    lights: list[LightSpec] = Field(default_factory=list, description="Light groups.")
    backdrops: list[BackdropSpec] = Field(
        default_factory=list, description="Floor, walls and background planes."
    )
    objects: list[ObjectSpec] = Field(
        default_factory=list, description="Foreground object groups (labelled instances)."
    )
    post: PostSpec = Field(default_factory=PostSpec, description="Post passes.")
    realism: _o.RealismSpec = Field(
        default_factory=_o.RealismSpec, description="Rendering effects."
    )
    labels: LabelsSpec = Field(default_factory=LabelsSpec, description="Labels and filters.")
    output: OutputSpec = Field(default_factory=OutputSpec, description="Output settings.")
    sequence: SequenceSpec | None = Field(
        None, description="Render animated sequences (videos) instead of independent stills."
    )
    physics: PhysicsSpec = Field(
        default_factory=PhysicsSpec, description="Rigid-body simulation settings."
    )
    failure: FailureSpec = Field(
        default_factory=FailureSpec, description="What to do with a frame whose layout fails."
    )

    @field_validator("size")
    @classmethod
    def _size(cls, v):
        if any(x < 8 or x > 16384 for x in v):
            raise ValueError("width and height must be within 8..16384")
        return v

    @model_validator(mode="after")
    def _references(self):
        errors: list[str] = []
        if self.mode == "exhaustive" and not self.attributes:
            errors.append("mode: 'exhaustive' enumerates attributes, and none are defined")
        if self.environment.background == "transparent" and self.output.rgb_format == "jpg":
            errors.append(
                "output.rgb_format: a transparent background needs png (jpg has no alpha)"
            )

        def need_set(where: str, name: str | None, kinds: tuple[str, ...]):
            if name is None:
                return
            if name not in self.assets:
                known = ", ".join(sorted(self.assets)) or "none defined"
                errors.append(f"{where}: unknown asset set '{name}' (known: {known})")
                return
            kind = self.assets[name].kind
            if kind is not None and kind not in kinds:
                errors.append(
                    f"{where}: asset set '{name}' holds {kind} files, expected {' or '.join(kinds)}"
                )

        def need_attr(where: str, name: str | None):
            if name is not None and name not in self.attributes:
                known = ", ".join(sorted(self.attributes)) or "none defined"
                errors.append(f"{where}: unknown attribute '{name}' (known: {known})")

        need_set("environment.hdri", self.environment.hdri, ("hdri",))
        need_set("environment.backplate", self.environment.backplate, ("image",))
        if self.environment.background == "backplate" and not self.environment.backplate:
            errors.append("environment.background: 'backplate' needs environment.backplate")
        if self.environment.background == "hdri" and not self.environment.hdri:
            errors.append("environment.background: 'hdri' needs environment.hdri")
        # Shadow maps are limited too: count every light that may cast one.
        casters = sum(
            max_of_int_dist(L.count) for L in self.lights if L.type != "point" and L.shadows
        )
        if self.environment.hdri and self.environment.lighting and self.environment.shadows:
            casters += 1
        if casters > MAX_SHADOWS:
            errors.append(
                f"lights: up to {casters} shadow-casting lights per frame (the HDRI sun "
                f"counts as one); at most {MAX_SHADOWS} — set shadows: false on some"
            )
        # The shader holds MAX_LIGHTS_PER_TYPE lights of each type; never drop lights silently.
        for kind in ("directional", "point", "spot"):
            most = sum(max_of_int_dist(L.count) for L in self.lights if L.type == kind)
            if kind == "directional" and self.environment.hdri and self.environment.lighting:
                most += 1  # the HDRI's dominant light becomes a directional light
            if most > MAX_LIGHTS_PER_TYPE:
                errors.append(
                    f"lights: up to {most} {kind} lights per frame"
                    f"{' (the HDRI sun counts as one)' if kind == 'directional' and self.environment.hdri else ''}"
                    f"; at most {MAX_LIGHTS_PER_TYPE}"
                )
        seen: set[str] = set()
        for i, o in enumerate(self.objects):
            where = f"objects[{i}]"
            if o.name in seen:
                errors.append(f"{where}.name: duplicate object name '{o.name}'")
            sets = [o.assets] if isinstance(o.assets, str) else list(o.assets)
            if not sets:
                errors.append(f"{where}.assets: names no asset set")
            for s in sets:
                need_set(f"{where}.assets", s, ("mesh", "image"))
            need_attr(f"{where}.attribute", o.attribute)
            if o.material is not None:
                need_set(f"{where}.material.texture", o.material.texture, ("image",))
            if o.placement.mode == "relative" and o.placement.to not in seen:
                errors.append(f"{where}.placement.to: '{o.placement.to}' is not an earlier object")
            seen.add(o.name)
        for i, b in enumerate(self.backdrops):
            texs = b.texture if isinstance(b.texture, list) else [b.texture]
            if not texs:
                errors.append(f"backdrops[{i}].texture: empty list")
            for j, tx in enumerate(texs):
                at = f"backdrops[{i}].texture" + (f"[{j}]" if isinstance(b.texture, list) else "")
                need_set(f"{at}.image", tx.image, ("image",))
                need_attr(f"{at}.attribute", tx.attribute)
        errors += check_sequence(self) if self.sequence is not None else []
        if errors:
            # One line per problem would be nicer, but the CLI prints the first; report it precisely.
            raise ValueError(errors[0])
        return self


def json_schema() -> dict[str, Any]:
    """The JSON Schema of templates (for editor completion and validation)."""
    schema = Template.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "synth3d scene template"
    return schema
