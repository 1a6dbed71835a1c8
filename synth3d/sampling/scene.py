"""Template + (seed, frame index) → SceneSpec.

Every random draw of a frame happens in this package, from the named streams of
:mod:`synth3d.sampling.rng`: ``attributes/<name>``, ``camera``, ``objects/<name>``,
``materials/<name>``, ``lights``, ``environment``, ``backdrops/<i>``, ``post`` and ``styles/<i>``
(one per ``post.styles`` step). The concerns live in their own modules — :mod:`.camera`,
:mod:`.placement`, :mod:`.materials`, :mod:`.lighting`, :mod:`.backdrops` — and this one puts a
frame together.
"""

from __future__ import annotations

import numpy as np

from ..assets.catalog import Catalog
from ..errors import FrameSkipped, LayoutFailed, PlacementError
from ..spec import CameraSpec, OutputSpec, PostSpec, SceneSpec, TonemapSpec
from ..template.loading import LoadedTemplate
from .backdrops import sample_backdrops
from .camera import all_in_frame, sample_camera
from .lighting import sample_environment, sample_lights
from .optics import sample_distortion, sample_optics, sample_realism
from .placement import Placer
from .rng import stream
from .settling import asset_physics, prepare_collision, settle_layout, uses_physics
from .splits import draw_split
from .styles import check_style_assets, sample_styles
from .values import sample_float


class Sampler:
    """Turns a loaded template into SceneSpecs.

    Parameters
    ----------
    loaded : LoadedTemplate
    catalog : Catalog
        From :func:`synth3d.assets.catalog.build_catalog` (with files opened).
    size : (width, height), optional
        Overrides the template's image size.
    """

    def __init__(
        self, loaded: LoadedTemplate, catalog: Catalog, size: tuple[int, int] | None = None
    ):
        self.loaded = loaded
        self.t = loaded.template
        self.catalog = catalog
        self.width, self.height = size if size else tuple(self.t.size)
        self.asset_physics = asset_physics(catalog)
        self.placer = Placer(self.t, catalog, self.width, self.height)
        if self.t.post.styles:
            check_style_assets(self.t.post.styles, loaded.asset_root)

    def n_combinations(self) -> int:
        """Size of the cartesian product of the attributes (1 when there are none)."""
        n = 1
        for a in self.t.attributes.values():
            n *= len(a.values)
        return n

    def attributes(self, seed: int, index: int) -> dict:
        """The frame's attribute values: enumerated (exhaustive mode, the last attribute varying
        fastest) or drawn with their probabilities."""
        out = {}
        if self.t.mode == "exhaustive":
            k = index % self.n_combinations()
            radices = [len(a.values) for a in self.t.attributes.values()]
            digits = []
            for r in reversed(radices):
                digits.append(k % r)
                k //= r
            for (name, a), d in zip(self.t.attributes.items(), reversed(digits)):
                out[name] = a.values[d]
            return out
        for name, a in self.t.attributes.items():
            rng = stream(seed, index, f"attributes/{name}")
            p = None if a.p is None else np.asarray(a.p, float) / sum(a.p)
            out[name] = a.values[int(rng.choice(len(a.values), p=p))]
        return out

    def _post(self, rs) -> PostSpec:
        rng = rs("post")
        tm = self.t.post.tonemap
        wb = sample_float(tm.white_balance_k, rng) if tm.white_balance_k is not None else None
        styles = (
            sample_styles(self.t.post.styles, rs, self.loaded.asset_root)
            if self.t.post.styles
            else []
        )
        return PostSpec(
            tonemap=TonemapSpec(
                operator=tm.operator,
                exposure_ev=sample_float(tm.exposure_ev, rng),
                auto_exposure=tm.auto_exposure,
                white_balance_k=wb,
                auto_exposure_key=tm.auto_exposure_key,
                auto_exposure_range_ev=tm.auto_exposure_range_ev,
            ),
            styles=styles,
            optics=sample_optics(self.t.post.optics, rs("optics")),
        )

    def _output(self, seed: int, index: int) -> OutputSpec:
        t = self.t
        return OutputSpec(
            depth_scale=t.output.depth_scale,
            rgb_format=t.output.rgb_format,
            jpeg_quality=t.output.jpeg_quality,
            amodal=t.labels.amodal,
            normals=t.labels.normals,
            contours=t.labels.contours,
            crease_deg=t.labels.crease_deg,
            semantic=t.labels.semantic,
            split=draw_split(t.output.split, seed, index),
        )

    @property
    def uses_physics(self) -> bool:
        """Whether any object group is dropped or settled (then frames are simulated)."""
        return uses_physics(self.t)

    def prepare_collision(self) -> None:
        """Build (or read from the disk cache) the collision shapes of every mesh a simulated
        or static group may draw — part of the preflight, so frames never decompose meshes."""
        prepare_collision(self.t, self.placer)

    def sample(self, seed: int, index: int, resample: int = 0) -> SceneSpec:
        """The SceneSpec of frame ``index`` under root seed ``seed``.

        ``resample`` > 0 draws everything but the attributes again from fresh streams (used when
        a rendered frame is rejected, e.g. an object ended up fully hidden). A failed layout is
        handled by the template's ``failure`` policy: laid out again (layout attempt *a* > 0
        draws from streams suffixed ``#a``), skipped, or stopping the run.

        Raises
        ------
        FrameSkipped
            When the policy skips the frame (a PlacementError naming the last failure).
        PlacementError
            When the policy is ``stop`` and no layout worked.
        """
        f = self.t.failure
        tries = 1 if f.policy == "skip" else f.max_attempts
        last: LayoutFailed | None = None
        for layout in range(tries):
            try:
                spec = self._sample_layout(seed, index, resample, layout)
                return (
                    spec if layout == 0 else spec.model_copy(update={"layout_attempts": layout + 1})
                )
            except LayoutFailed as e:
                last = e
        if f.policy == "stop":
            raise PlacementError(last.where, f"{last.message} (in each of {tries} layouts)")
        raise FrameSkipped(
            last.where,
            f"{last.message} (frame skipped after {tries} layout{'s' if tries > 1 else ''})",
            attempts=tries,
        )

    def _sample_layout(self, seed: int, index: int, resample: int, layout: int) -> SceneSpec:
        attrs = self.attributes(seed, index)

        def rs(name: str):
            name = f"{name}@{resample}" if resample else name
            return stream(seed, index, f"{name}#{layout}" if layout else name)

        crng = rs("camera")
        cam = self.t.camera
        for attempt in range(cam.max_attempts):
            K, T_wc, target = sample_camera(cam, self.width, self.height, crng)
            placed = self.placer.place_objects(rs, K, T_wc, attrs, attempt)
            if not cam.require_all_in_frame or all_in_frame(
                K, T_wc, [p.hull_world for p in placed], self.width, self.height
            ):
                break
        else:
            raise LayoutFailed(
                "camera.require_all_in_frame",
                f"no camera/object layout kept every object inside the frame in {cam.max_attempts} "
                "attempts (move the camera back, widen fov_y_deg or shrink the placement region)",
            )
        backdrops = sample_backdrops(
            self.t.backdrops, rs, cam, K, T_wc, target, attrs, self.catalog, self.width, self.height
        )
        record = None
        if self.uses_physics:
            placed, record = settle_layout(self.t, placed, backdrops, rs, self.asset_physics)
        return SceneSpec(
            template=self.t.name,
            seed=int(seed),
            index=int(index),
            attributes=attrs,
            camera=CameraSpec(
                width=self.width,
                height=self.height,
                K=K.tolist(),
                T_world_cam=T_wc.tolist(),
                znear=cam.znear,
                zfar=cam.zfar,
                distortion=sample_distortion(cam.distortion, rs("distortion")),
            ),
            objects=[p.spec for p in placed],
            lights=sample_lights(self.t.lights, rs("lights")),
            environment=sample_environment(self.t.environment, self.catalog, rs("environment")),
            backdrops=backdrops,
            post=self._post(rs),
            output=self._output(seed, index),
            physics=record,
            realism=sample_realism(self.t.realism, rs("realism")),
        )
