"""The SceneSpec: plain data that fully determines one frame.

Sampling produces it, the renderer and post passes consume it, and it is written next to every frame
as ``scene/NNNNNN.json``; ``synth3d rerender`` reproduces the frame's files from it byte for byte.

Conventions: metres, world z up; the camera follows OpenCV (x right, y down, z forward) with
intrinsics ``K`` in pixels (pixel centres at integer coordinates); colours are *linear* RGB.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

SPEC_VERSION = 1

Mat = list[list[float]]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VelocitySpec(_Spec):
    """Instantaneous rigid motion at the frame's time: ``linear_m_s`` is the world velocity of the
    frame's origin (the asset's origin for an object, the optical centre for the camera),
    ``angular_rad_s`` the world angular velocity (axis × rate). Motion blur and the flow of the
    first/last frame extrapolate poses with them (constant velocity)."""

    linear_m_s: list[float]
    angular_rad_s: list[float]


class CameraSpec(_Spec):
    """Pinhole camera.

    ``K`` (3×3, pixels) and ``T_world_cam`` (4×4, maps camera coordinates — OpenCV axes — to world).
    """

    width: int
    height: int
    K: Mat
    T_world_cam: Mat
    znear: float
    zfar: float
    distortion: list[float] | None = None
    """OpenCV Brown–Conrady ``[k1, k2, p1, p2, k3]`` applied after rendering through ``K``
    (see :mod:`synth3d.lens`); None or all zero: a pinhole camera."""
    velocity: VelocitySpec | None = None

    def K_array(self) -> np.ndarray:
        return np.asarray(self.K, dtype=np.float64)

    def T_array(self) -> np.ndarray:
        return np.asarray(self.T_world_cam, dtype=np.float64)


class MaterialSpec(_Spec):
    """Material overrides for an object; ``None`` keeps what the asset file says.

    ``base_color`` is linear RGBA. ``texture`` is an image path replacing the base-colour texture.
    ``unlit`` shows base colour × texture without shading. ``transmission`` (0..1) and ``ior``
    make the object glass-like (screen-space refraction; None keeps the file's glTF
    ``KHR_materials_transmission`` / ``KHR_materials_ior``, absent: opaque, 1.5).
    """

    base_color: list[float] | None = None
    roughness: float | None = None
    metallic: float | None = None
    texture: str | None = None
    keep_texture: bool = False
    unlit: bool = False
    transmission: float | None = None
    ior: float | None = None


class MatteSpec(_Spec):
    """A card set's matte settings (:class:`synth3d.assets.matting.Matte`)."""

    softness: float = 0.15
    band: int = 2
    spill: bool = True
    erode_px: float = 0.0
    feather_px: float = 0.0

    def as_tuple(self) -> tuple:
        return (self.softness, self.band, self.spill, self.erode_px, self.feather_px)


class ImageAlphaSpec(_Spec):
    """How a card image's alpha is obtained (``channel``, ``key`` or ``none``); ``matte``: the
    set's matte settings when it gives any (None: the defaults; left out of the JSON)."""

    mode: Literal["channel", "key", "none"]
    key_color: list[float] = [1.0, 1.0, 1.0]
    key_threshold: float = 0.08
    matte: MatteSpec | None = None

    def matte_tuple(self) -> tuple | None:
        return None if self.matte is None else self.matte.as_tuple()


class ObjectPhysicsSpec(_Spec):
    """The physical properties drawn for an object (``mass_kg`` of its collision shape, sliding
    ``friction``, ``restitution``) and its role: ``dynamic`` (dropped or settled) or ``static``
    (a support)."""

    role: Literal["dynamic", "static"]
    mass_kg: float | None = None
    friction: float
    restitution: float


class PhysicsRecord(_Spec):
    """How a frame's layout was simulated: the engine and its version, the simulated seconds and
    whether every body came to rest."""

    engine: str
    sim_time_s: float
    at_rest: bool
    timestep: float


class ObjectSpec(_Spec):
    """One instance.

    ``T_world_asset`` (4×4) maps the asset file's own coordinates — as ``trimesh.load(asset,
    force='mesh')`` returns them, before any normalisation — to world; scale and normalisation are
    folded in. For a card the asset is an image and its local frame is a quad in the xy-plane
    (x right, y up, normal +z, centred at the origin) of ``card_size`` = [width, height] metres
    *before* ``T_world_asset``; ``corners_world`` lists the quad's world corners in image order
    (top-left, top-right, bottom-right, bottom-left). ``bounds_asset`` is the axis-aligned box
    [[min], [max]] of the asset in its own coordinates (the quad for a card), ``keypoints`` the
    named points its asset set declares, in the same coordinates. ``labelled`` false marks a
    distractor: rendered and in depth, but id 0 in the instance image and absent from labels.
    ``physics`` records what was drawn for a simulated object or a static support.
    """

    id: int
    name: str
    category: str
    category_id: int
    kind: Literal["mesh", "card"]
    asset: str
    T_world_asset: Mat
    material: MaterialSpec = MaterialSpec()
    card_size: list[float] | None = None
    mirror: bool = False
    alpha: ImageAlphaSpec | None = None
    corners_world: list[list[float]] | None = None
    bounds_asset: list[list[float]] = [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    keypoints: dict[str, list[float]] = {}
    velocity: VelocitySpec | None = None
    labelled: bool = True
    physics: ObjectPhysicsSpec | None = None

    def T_array(self) -> np.ndarray:
        return np.asarray(self.T_world_asset, dtype=np.float64)


class LightSpec(_Spec):
    """A light. ``color`` is linear RGB, ``intensity`` scales it (see the template reference).

    ``direction`` points from the scene towards a directional light; ``position``/``direction``
    and ``cone_deg`` describe point and spot lights.
    """

    type: Literal["directional", "point", "spot"]
    color: list[float]
    intensity: float
    direction: list[float] | None = None
    position: list[float] | None = None
    cone_deg: float | None = None
    shadows: bool = True


class EnvironmentSpec(_Spec):
    """Background and environment light. ``hdri`` is a path (equirectangular, z up)."""

    hdri: str | None = None
    rotation_deg: float = 0.0
    exposure_ev: float = 0.0
    background: Literal["hdri", "color", "transparent", "backplate"] = "color"
    backplate: str | None = None
    background_blur: float = 0.0
    color: list[float] = [0.2, 0.2, 0.2]
    lighting: bool = True
    ambient: list[float] = [0.0, 0.0, 0.0]
    shadows: bool = True
    reflections: bool = True
    shadow_catcher: bool = False


class TextureSpec(_Spec):
    """A backdrop texture: ``color``, procedural ``checker``/``noise`` (with ``seed``) or ``image``.

    ``uv_transform`` (2×3) maps plane UV (0..1, v up) to texture UV; it carries rotation and the
    crop that keeps an image's aspect.
    """

    type: Literal["color", "checker", "noise", "marble", "wood", "image"]
    colors: list[list[float]]
    squares: int = 8
    scale: float = 8.0
    seed: int = 0
    image: str | None = None
    resolution: int = 512
    uv_transform: Mat = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]


class BackdropSpec(_Spec):
    """A backdrop: local quad in the xy-plane (normal +z) of ``size`` [w, h] metres centred at
    the origin, placed by ``T_world_plane``; for a ``sweep``, the mesh of
    :func:`synth3d.assets.textures.sweep_mesh` with ``size`` = [width, depth] and ``sweep`` =
    [radius, height]. ``tint`` (linear RGB) multiplies the texture. Backdrops have instance id 0."""

    type: Literal["floor", "wall", "background", "sweep"]
    T_world_plane: Mat
    size: list[float]
    texture: TextureSpec
    roughness: float = 0.8
    metallic: float = 0.0
    unlit: bool = False
    tint: list[float] = [1.0, 1.0, 1.0]
    sweep: list[float] | None = None


class TonemapSpec(_Spec):
    """``auto_exposure`` meters the log-average luminance to ``auto_exposure_key``, the
    correction clamped to ``auto_exposure_range_ev`` (both left out of the JSON at their
    defaults, 0.18 and [−12, 12])."""

    operator: Literal["clip", "aces", "reinhard"] = "clip"
    exposure_ev: float = 0.0
    white_balance_k: float | None = None
    auto_exposure: bool = False
    auto_exposure_key: float = 0.18
    auto_exposure_range_ev: list[float] = [-12.0, 12.0]


class StyleStepSpec(_Spec):
    """One step of a frame's stylisation chain, concrete: the pass, whether it applies to this
    frame, the seed of its random generator and its parameters (the pass's ``Params`` as JSON;
    a reference image is an absolute path)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    pass_: str = Field(alias="pass")
    applied: bool
    seed: int
    params: dict[str, Any] = {}


class OpticsSpec(_Spec):
    """Camera optics and sensor, applied to the linear image before the tonemap (see
    :mod:`synth3d.post.optics`): thin-lens depth of field (``dof_f_number`` None: off;
    ``dof_focus_m`` None: focus on the depth seen at the principal point; the lens's focal
    length is ``fx · sensor_width_mm / width``), natural vignetting (``vignetting`` 0..1 of the
    cos⁴ falloff), and sensor noise (``noise_full_well_e`` None: off) — Poisson shot noise of
    a sensor whose exposed value 1.0 collects that many electrons, plus Gaussian read noise of
    ``noise_read_e`` electrons — drawn from ``seed``."""

    dof_f_number: float | None = None
    dof_focus_m: float | None = None
    sensor_width_mm: float = 36.0
    vignetting: float = 0.0
    noise_full_well_e: float | None = None
    noise_read_e: float = 0.0
    seed: int = 0


class RealismSpec(_Spec):
    """Rendering effects of :mod:`synth3d.render` (see the template's ``realism``): ``ao``
    ground-truth ambient occlusion of the indirect light within ``ao_radius_m``;
    ``soft_shadows`` penumbrae from the HDRI sun's angular size (PCSS; off by default);
    ``sky_shadows`` the sky hidden by objects, from shadow maps of that many sky cells (0: off)."""

    ao: bool = True
    ao_radius_m: float = 0.1
    soft_shadows: bool = False
    sky_shadows: int = 0


class PostSpec(_Spec):
    """``styles`` run in order on the finished 8-bit frame (see :mod:`synth3d.post.styles`);
    ``optics`` (None: none) act on the linear image before the tonemap."""

    tonemap: TonemapSpec = TonemapSpec()
    optics: OpticsSpec | None = None
    styles: list[StyleStepSpec] = []


class OutputSpec(_Spec):
    """Per-frame files beyond rgb/depth/instance/scene: ``normals``, ``contours`` (with
    ``crease_deg``) and ``semantic``; ``amodal`` renders each object alone for the labels."""

    depth_scale: float = 1.0
    rgb_format: Literal["png", "jpg"] = "png"
    jpeg_quality: int = 95
    amodal: bool = True
    normals: bool = False
    contours: bool = False
    crease_deg: float = 45.0
    semantic: bool = False
    split: str | None = None  # the frame's split (train/val/test) when the template splits


class SequenceInfo(_Spec):
    """Where a frame sits in its sequence: frame ``t`` of sequence ``id`` (``length`` frames at
    ``fps``), shown at ``time_s`` = t / fps. ``shutter_s`` (0: no motion blur) is the exposure,
    centred on ``time_s``, integrated with ``subframes`` renders; labels are those of
    ``time_s``. ``environment_rotation_deg_s`` is the HDRI's turning rate (for the background's
    flow)."""

    id: int
    t: int
    length: int
    fps: float
    time_s: float
    shutter_s: float = 0.0
    subframes: int = 1
    environment_rotation_deg_s: float = 0.0


class SceneSpec(_Spec):
    """Everything needed to render and label one frame."""

    version: int = SPEC_VERSION
    template: str
    seed: int
    index: int
    attributes: dict[str, Any] = {}
    camera: CameraSpec
    objects: list[ObjectSpec] = []
    lights: list[LightSpec] = []
    environment: EnvironmentSpec = EnvironmentSpec()
    backdrops: list[BackdropSpec] = []
    post: PostSpec = PostSpec()
    output: OutputSpec = OutputSpec()
    sequence: SequenceInfo | None = None
    physics: PhysicsRecord | None = None
    layout_attempts: int = 1
    realism: RealismSpec = RealismSpec()

    def to_json(self) -> str:
        """Canonical JSON text (sorted keys, 2-space indent, trailing newline). An empty
        ``post.styles`` is left out, so frames without styles keep their JSON of before; so are
        ``physics: null``, ``layout_attempts: 1`` and ``labelled: true``."""
        data = self.model_dump(mode="json", by_alias=True)
        if not data["post"]["styles"]:
            del data["post"]["styles"]
        if data["output"].get("split") is None:  # unsplit frames keep their JSON of before
            data["output"].pop("split", None)
        # Stills keep their JSON of before: motion fields appear only in sequences.
        if data["sequence"] is None:
            del data["sequence"]
        if data["camera"]["velocity"] is None:
            del data["camera"]["velocity"]
        for o in data["objects"]:
            if o["velocity"] is None:
                del o["velocity"]
        if data["physics"] is None:
            del data["physics"]
        if data["layout_attempts"] == 1:
            del data["layout_attempts"]
        for o in data["objects"]:
            if o["labelled"]:
                del o["labelled"]
            if o["physics"] is None:
                del o["physics"]
        for o in data["objects"]:  # materials without transmission keep their JSON of before
            mat = o.get("material") or {}
            for k in ("transmission", "ior"):
                if k in mat and mat[k] is None:
                    del mat[k]
        for o in data["objects"]:  # likewise a card set without matte settings
            if o.get("alpha") and o["alpha"].get("matte") is None:
                o["alpha"].pop("matte", None)
        tm = data["post"]["tonemap"]
        if tm["auto_exposure_key"] == 0.18 and tm["auto_exposure_range_ev"] == [-12.0, 12.0]:
            del tm["auto_exposure_key"], tm["auto_exposure_range_ev"]  # the defaults
        if data["post"].get("optics") is None:  # frames without optics keep their JSON too
            data["post"].pop("optics", None)
        if data["realism"] == RealismSpec().model_dump(mode="json"):  # the defaults
            del data["realism"]
        if data["camera"].get("distortion") is None:
            data["camera"].pop("distortion", None)
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> SceneSpec:
        return cls.model_validate_json(text)
