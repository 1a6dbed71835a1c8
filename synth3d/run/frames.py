"""One frame, start to finish, shared by the pipeline and every executor: a template ready to
sample (:class:`Scenes`), sampling with placement errors named by frame, rendering (with
resampling of hidden objects), the pure post/annotate step (:func:`process`) and the loop that
renders a list of frames with writer threads (:func:`render_indices`).

Executors (inline, worker processes, Ray) and the pipeline both build on this module; it imports
neither.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .. import __version__
from ..assets.catalog import build_catalog
from ..assets.roots import portable_path, portable_spec
from ..errors import FrameSkipped, PlacementError, Synth3dError
from ..frame import FrameOutput
from ..sampling import Sampler
from ..spec import SceneSpec
from ..template.loading import LoadedTemplate, load_template
from .layouts import physics_info, skip_row

# post and annotate import OpenCV: they load when a frame is finished, so that `synth3d validate`
# (which builds Scenes) stays quick.


class Scenes:
    """A template ready to sample: loaded, validated, every asset opened (the preflight).

    Parameters
    ----------
    template : path, dict or LoadedTemplate
    overrides : list of str
        ``--set`` style ``key=value`` strings.
    size : (width, height), optional
        Overrides the template's image size.
    """

    def __init__(
        self, template, overrides: Iterable[str] = (), size: tuple[int, int] | None = None
    ):
        if isinstance(template, LoadedTemplate):
            self.loaded = template
        else:
            self.loaded = load_template(template, list(overrides))
        self.template = self.loaded.template
        self.catalog = build_catalog(self.loaded)
        self.sampler = Sampler(self.loaded, self.catalog, size)
        self.sequence = self.template.sequence  # None for stills
        if self.sequence is not None:  # frame i = frame i % length of sequence i // length
            from ..sampling.motion import SequenceSampler

            self.sampler = SequenceSampler(self.sampler)
        self.width, self.height = self.sampler.width, self.sampler.height

    @property
    def categories(self) -> dict[int, str]:
        return self.catalog.category_names()

    def default_frames(self) -> int | None:
        """In exhaustive mode the number of attribute combinations; else the template's
        ``frames`` (None when unset)."""
        if self.template.mode == "exhaustive":
            return self.sampler.n_combinations()
        return self.template.frames

    def sample(self, seed: int, index: int, resample: int = 0) -> SceneSpec:
        return self.sampler.sample(seed, index, resample)

    def stream(self, seed: int = 0, start: int = 0, renderer=None):
        """An endless iterator of ``(SceneSpec, FrameOutput)`` pairs — frames ``start``,
        ``start + 1``, … rendered in memory, nothing written — for on-the-fly training."""
        from ..render.renderer import Renderer  # GL only when asked for: validate stays GL-free

        own = renderer is None
        r = renderer or Renderer(self.width, self.height)
        try:
            i = start
            while True:
                try:
                    spec, frame = render_frame(r, self, seed, i)
                except FrameSkipped:  # the template's failure policy skips this frame
                    i += 1
                    continue
                yield spec, process(frame, spec, self.template.labels)
                i += 1
        finally:
            if own:
                r.close()


PREFLIGHT_FRAMES = 64


def sample_frame(scenes: Scenes, seed: int, index: int, resample: int = 0) -> SceneSpec:
    """``scenes.sample`` with the frame index added to placement errors."""
    try:
        return scenes.sample(seed, index, resample)
    except FrameSkipped as e:
        raise FrameSkipped(f"frame {index}: {e.where}", e.message, e.attempts) from None
    except PlacementError as e:
        raise PlacementError(f"frame {index}: {e.where}", e.message) from None


def wants_normals(spec: SceneSpec) -> bool:
    """Whether a frame needs rendered normals: for the normals/contours outputs, or for a style
    pass that reads them (exact, instead of estimated from depth)."""
    if spec.output.normals or spec.output.contours:
        return True
    if any(s.applied for s in spec.post.styles):
        from ..post.styles import uses_normals

        return uses_normals(spec.post.styles)
    return False


def gbuffers(frame, spec: SceneSpec):
    """The :class:`~synth3d.post.styles.GBuffers` style passes see of a rendered frame."""
    from ..post.styles import GBuffers

    return GBuffers(
        depth_m=frame.depth_m,
        instance=frame.instance,
        K=spec.camera.K_array(),
        normals_cam=frame.normals_cam,
        alpha=frame.alpha,
    )


def render_frame(
    renderer, scenes: Scenes, seed: int, index: int, first: SceneSpec | None = None
) -> tuple[SceneSpec, object]:
    """Sample and render frame ``index``; with ``labels.hidden: resample``, lay the frame out
    again (same attributes) until every object shows at least one pixel. ``first``: the frame's
    first layout when it was sampled already."""
    lab = scenes.template.labels
    tries = lab.max_resample + 1 if lab.hidden == "resample" else 1
    for attempt in range(tries):
        spec = (
            first
            if attempt == 0 and first is not None
            else sample_frame(scenes, seed, index, attempt)
        )
        frame = renderer.render(spec, amodal=spec.output.amodal, normals=wants_normals(spec))
        if tries == 1 or {o.id for o in spec.objects if o.labelled} <= set(
            np.unique(frame.instance).tolist()
        ):
            return spec, frame
    raise PlacementError(
        "labels.hidden",
        f"frame {index}: an object stayed fully hidden in "
        f"{tries} layouts (loosen the placement or use hidden: drop)",
    )


def process(frame, spec: SceneSpec, labels=None) -> FrameOutput:
    """Pure post/annotate step of one frame (``labels``: the template's LabelsSpec filters).

    The image is finished (background, tonemap) and then run through the frame's style chain
    (``spec.post.styles``); labels come from the geometry alone."""
    from ..annotate import contour_map, depth_to_png16, object_labels, semantic_mask
    from ..annotate.distortion import distort_frame
    from ..annotate.distractors import hide_distractors
    from ..post import finish

    frame = hide_distractors(frame, spec)  # unlabelled objects are id 0 from here on
    pinhole, frame = frame, distort_frame(frame, spec)  # labels see the distorted camera
    kw = (
        {}
        if labels is None
        else dict(
            min_pixels=labels.min_pixels,
            min_visible_fraction=labels.min_visible_fraction,
            polygons=labels.polygons,
        )
    )
    labs, dropped = object_labels(frame, spec, **kw)
    extras = {}
    out = spec.output
    if out.normals:
        n = frame.normals_cam
        enc = np.round((np.clip(n, -1, 1) + 1.0) * 0.5 * 65535.0).astype(np.uint16)
        enc[frame.depth_m <= 0] = 0
        extras["normals"] = enc
    if out.contours:
        extras["contours"] = contour_map(
            frame.depth_m, frame.instance, frame.normals_cam, out.crease_deg
        )
    if out.semantic:
        extras["semantic"] = semantic_mask(frame.instance, spec)
    rgb = finish(pinhole, spec)  # composites the pinhole render, then distorts the picture
    if any(s.applied for s in spec.post.styles):
        from ..post.styles import apply_chain

        rgb, artifacts = apply_chain(rgb, spec.post.styles, gbuffers(frame, spec))
        if artifacts:
            extras["styles"] = artifacts
    return FrameOutput(
        rgb=rgb,
        depth16=depth_to_png16(frame.depth_m, out.depth_scale),
        instance16=frame.instance,
        labels=labs,
        dropped=dropped,
        extras=extras,
    )


def dataset_info(scenes: Scenes, seed: int, gl: dict) -> dict:
    t = scenes.template
    return {
        "template": scenes.loaded.raw,
        "template_name": t.name,
        "template_path": str(scenes.loaded.source) if scenes.loaded.source else None,
        "seed": int(seed),
        "mode": t.mode,
        "width": scenes.width,
        "height": scenes.height,
        "depth_scale": t.output.depth_scale,
        "depth_unit": "millimetres = value × depth_scale; 0 = no hit",
        "categories": {str(i): n for i, n in scenes.categories.items()},
        "attributes": list(t.attributes),
        "gl_renderer": gl.get("renderer"),
        "synth3d_version": __version__,
        "asset_roots": scenes.catalog.roots,
        **(
            {"sequence": {"length": t.sequence.length, "fps": t.sequence.fps}}
            if t.sequence is not None
            else {}
        ),
        **physics_info(scenes.sampler),
    }


def _done(value):
    from concurrent.futures import Future

    f = Future()
    f.set_result(value)
    return f


class FrameFailed(Exception):
    """Rendering or writing frame ``index`` raised ``error`` (kept as the cause)."""

    def __init__(self, index: int, error: BaseException):
        super().__init__(f"frame {index}: {error}")
        self.index = index
        self.error = error


def render_indices(
    renderer,
    scenes: Scenes,
    seed: int,
    indices: Iterable[int],
    files,
    on_record: Callable[[dict, dict], None],
    writer_threads: int = 2,
    on_start: Callable[[int], None] | None = None,
) -> None:
    """Render and write the given frames with one renderer.

    The calling thread renders (it owns the GL context). One helper thread runs a frame ahead:
    it samples the next SceneSpec and makes the pixels of its new textures
    (:meth:`~synth3d.render.renderer.Renderer.prepare`). Finishing, labelling, encoding and
    writing (``files``: a :class:`~synth3d.writers.dataset.FrameFiles`) run in
    ``writer_threads`` threads behind a bounded queue. ``on_record(row, ann_row)`` is called in
    the calling thread for every frame whose files are all written, in frame order;
    ``on_start(index)`` just before a frame is rendered (``indices`` are read ahead).
    Raises :class:`FrameFailed` naming the frame when a frame fails."""
    t = scenes.template
    pool = ThreadPoolExecutor(max(1, writer_threads), thread_name_prefix="synth3d-writer")
    ahead = ThreadPoolExecutor(1, thread_name_prefix="synth3d-prepare")
    pending: deque = deque()
    upcoming: deque = deque()  # (index, future SceneSpec), in frame order
    todo = iter(indices)

    def prepare(i: int) -> SceneSpec:
        spec = sample_frame(scenes, seed, i)
        renderer.prepare(spec)
        return spec

    def refill():
        while len(upcoming) < 2:
            i = next(todo, None)
            if i is None:
                return
            upcoming.append((i, ahead.submit(prepare, i)))

    def write(spec: SceneSpec, frame):
        o = process(frame, spec, t.labels)
        # SceneSpec and labels are written with @ROOT/… asset paths (portable; see
        # synth3d.assets.roots).
        roots = scenes.catalog.roots
        for lab in o.labels:
            if "asset" in lab:
                lab["asset"] = portable_path(lab["asset"], roots)
        row, ann_row = files.write(portable_spec(spec, roots), o)
        if spec.layout_attempts > 1:
            row["attempts"] = spec.layout_attempts
        return row, ann_row

    def drain(limit: int):
        while len(pending) > limit:
            i, fut = pending[0]
            try:
                row, ann_row = fut.result()
            except Synth3dError:
                raise
            except Exception as e:
                raise FrameFailed(i, e) from e
            pending.popleft()
            on_record(row, ann_row)

    try:
        refill()
        while upcoming:
            i, first = upcoming.popleft()
            if on_start is not None:
                on_start(i)
            refill()
            try:
                spec, frame = render_frame(renderer, scenes, seed, i, first.result())
            except FrameSkipped as e:  # recorded in the manifest, in frame order
                pending.append((i, _done((skip_row(scenes.sampler, seed, i, e), None))))
                drain(2 * max(1, writer_threads))
                continue
            except Synth3dError:
                raise
            except Exception as e:
                raise FrameFailed(i, e) from e
            pending.append((i, pool.submit(write, spec, frame)))
            drain(2 * max(1, writer_threads))
        drain(0)
    except Exception:
        # Frames rendered before the failure still count: let their writes finish and report
        # them, then re-raise.
        while pending:
            _i, fut = pending.popleft()
            try:
                row, ann_row = fut.result()
            except Exception:  # noqa: BLE001 — the first failure is the one reported
                continue
            on_record(row, ann_row)
        raise
    finally:
        for _i, f in list(pending) + list(upcoming):
            f.cancel()
        ahead.shutdown(wait=True)
        pool.shutdown(wait=True)
