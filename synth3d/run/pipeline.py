"""Pipeline glue: template → SceneSpecs → renderer → post/annotate → writer.

The main thread samples and renders (the GL context belongs to it); finishing (background,
tonemap), labelling, PNG encoding and writing run in a small pool of writer threads behind a
bounded queue, so the GL context rarely waits on zlib.
"""
from __future__ import annotations

import os
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from .. import __version__
from ..errors import Synth3dError, TemplateError
from ..spec import SceneSpec


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

    def __init__(self, template, overrides: Iterable[str] = (), size: tuple[int, int] | None = None):
        from ..assets.catalog import build_catalog
        from ..sampling import Sampler
        from ..template.loading import LoadedTemplate, load_template

        if isinstance(template, LoadedTemplate):
            self.loaded = template
        else:
            self.loaded = load_template(template, list(overrides))
        self.template = self.loaded.template
        self.catalog = build_catalog(self.loaded)
        self.sampler = Sampler(self.loaded, self.catalog, size)
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
        from ..render.renderer import Renderer

        own = renderer is None
        r = renderer or Renderer(self.width, self.height)
        try:
            i = start
            while True:
                spec, frame = render_frame(r, self, seed, i)
                yield spec, process(frame, spec, self.template.labels)
                i += 1
        finally:
            if own:
                r.close()


@dataclass(frozen=True)
class FrameOutput:
    """What gets written for one frame: uint8 sRGB image, uint16 depth and ids, the labels of the
    objects that pass the filters (see :func:`synth3d.annotate.object_labels`), the ids of those
    that do not, and the optional images (``normals``, ``contours``, ``semantic``; ``styles``
    holds the style passes' artifacts, ``"<pass>.<suffix>"`` → bytes)."""

    rgb: np.ndarray
    depth16: np.ndarray
    instance16: np.ndarray
    labels: list
    dropped: list
    extras: dict


PREFLIGHT_FRAMES = 64


def sample_frame(scenes: Scenes, seed: int, index: int, resample: int = 0) -> SceneSpec:
    """``scenes.sample`` with the frame index added to placement errors."""
    from ..errors import PlacementError

    try:
        return scenes.sample(seed, index, resample)
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

    return GBuffers(depth_m=frame.depth_m, instance=frame.instance, K=spec.camera.K_array(),
                    normals_cam=frame.normals_cam, alpha=frame.alpha)


def render_frame(renderer, scenes: Scenes, seed: int, index: int) -> tuple[SceneSpec, object]:
    """Sample and render frame ``index``; with ``labels.hidden: resample``, lay the frame out
    again (same attributes) until every object shows at least one pixel."""
    from ..errors import PlacementError

    lab = scenes.template.labels
    tries = lab.max_resample + 1 if lab.hidden == "resample" else 1
    for attempt in range(tries):
        spec = sample_frame(scenes, seed, index, attempt)
        frame = renderer.render(spec, amodal=spec.output.amodal, normals=wants_normals(spec))
        if tries == 1 or {o.id for o in spec.objects} <= set(np.unique(frame.instance).tolist()):
            return spec, frame
    raise PlacementError("labels.hidden", f"frame {index}: an object stayed fully hidden in "
                         f"{tries} layouts (loosen the placement or use hidden: drop)")


def process(frame, spec: SceneSpec, labels=None) -> FrameOutput:
    """Pure post/annotate step of one frame (``labels``: the template's LabelsSpec filters).

    The image is finished (background, tonemap) and then run through the frame's style chain
    (``spec.post.styles``); labels come from the geometry alone."""
    from ..annotate import contour_map, depth_to_png16, object_labels, semantic_mask
    from ..post import finish

    kw = {} if labels is None else dict(min_pixels=labels.min_pixels,
                                        min_visible_fraction=labels.min_visible_fraction,
                                        polygons=labels.polygons)
    labs, dropped = object_labels(frame, spec, **kw)
    extras = {}
    out = spec.output
    if out.normals:
        n = frame.normals_cam
        enc = np.round((np.clip(n, -1, 1) + 1.0) * 0.5 * 65535.0).astype(np.uint16)
        enc[frame.depth_m <= 0] = 0
        extras["normals"] = enc
    if out.contours:
        extras["contours"] = contour_map(frame.depth_m, frame.instance, frame.normals_cam,
                                         out.crease_deg)
    if out.semantic:
        extras["semantic"] = semantic_mask(frame.instance, spec)
    rgb = finish(frame, spec)
    if any(s.applied for s in spec.post.styles):
        from ..post.styles import apply_chain

        rgb, artifacts = apply_chain(rgb, spec.post.styles, gbuffers(frame, spec))
        if artifacts:
            extras["styles"] = artifacts
    return FrameOutput(rgb=rgb,
                       depth16=depth_to_png16(frame.depth_m, out.depth_scale),
                       instance16=frame.instance, labels=labs, dropped=dropped, extras=extras)


def _dataset_info(scenes: Scenes, seed: int, gl: dict) -> dict:
    t = scenes.template
    return {
        "template": scenes.loaded.raw,
        "template_name": t.name,
        "template_path": str(scenes.loaded.source) if scenes.loaded.source else None,
        "seed": int(seed),
        "mode": t.mode,
        "width": scenes.width, "height": scenes.height,
        "depth_scale": t.output.depth_scale,
        "depth_unit": "millimetres = value × depth_scale; 0 = no hit",
        "categories": {str(i): n for i, n in scenes.categories.items()},
        "attributes": list(t.attributes),
        "gl_renderer": gl.get("renderer"),
        "synth3d_version": __version__,
    }


def render_dataset(template, out: str | os.PathLike, n: int | None = None, seed: int | None = None,
                   start: int = 0, size: tuple[int, int] | None = None,
                   overrides: Iterable[str] = (), gpu: int | None = None,
                   backend: str | None = None, writer_threads: int = 2,
                   formats: Iterable[str] | None = None,
                   on_start: Callable[[int, int], None] | None = None,
                   on_frame: Callable[[int], None] | None = None) -> dict:
    """Render frames ``start .. start+n-1`` of a template into the dataset folder ``out``.

    Frames already finished in ``out`` (same template, seed and size) are skipped, so running the
    same command again after an interruption completes the dataset. ``formats`` (coco, bop, yolo)
    replaces the template's ``output.formats``.

    Returns a summary dict: rendered, skipped, seconds, images_per_s, out.
    """
    from ..render.renderer import Renderer
    from ..writers import DatasetWriter

    scenes = template if isinstance(template, Scenes) else Scenes(template, overrides, size)
    t = scenes.template
    seed = t.seed if seed is None else int(seed)
    if n is None:
        n = scenes.default_frames()
        if n is None:
            raise TemplateError("-n", "how many frames? give -n N (or set `frames:` in the template)")
    if n < 1:
        raise TemplateError("-n", f"must be ≥ 1, got {n}")
    if start < 0:
        raise TemplateError("--start", f"must be ≥ 0, got {start}")
    # Preflight: the first frames are sampled before anything is rendered or written, so
    # impossible placements fail with nothing on disk. (Sampling costs ~2 ms a frame; a rare
    # failure in a later frame stops the run there, naming the frame.)
    for i in range(start, start + min(n, PREFLIGHT_FRAMES)):
        sample_frame(scenes, seed, i)

    fmts = list(formats) if formats is not None else list(t.output.formats)
    if "bop" in fmts and not t.labels.amodal:
        raise TemplateError("labels.amodal", "the bop format needs amodal masks (labels.amodal: "
                            "true)")
    renderer = Renderer(scenes.width, scenes.height, backend=backend, gpu=gpu)
    try:
        writer = DatasetWriter(out, _dataset_info(scenes, seed, renderer.gl_info()), fmts)
        done = writer.done()
        todo = [i for i in range(start, start + n) if i not in done]
        if on_start:
            on_start(len(todo), n - len(todo))
        t0 = time.perf_counter()
        pool = ThreadPoolExecutor(max(1, writer_threads), thread_name_prefix="synth3d-writer")
        pending: deque = deque()

        def write(spec: SceneSpec, frame):
            o = process(frame, spec, t.labels)
            writer.write_frame(spec.index, seed, spec.to_json(), o.rgb, o.depth16, o.instance16,
                               o.labels, spec.attributes, spec.output.rgb_format,
                               spec.output.jpeg_quality, o.extras, o.dropped,
                               {"K": spec.camera.K, "T_world_cam": spec.camera.T_world_cam})
            return spec.index

        def drain(limit: int):
            while len(pending) > limit:
                idx = pending.popleft().result()
                if on_frame:
                    on_frame(idx)

        try:
            for i in todo:
                spec, frame = render_frame(renderer, scenes, seed, i)
                pending.append(pool.submit(write, spec, frame))
                drain(2 * max(1, writer_threads))
            drain(0)
        finally:
            for f in pending:
                f.cancel()
            pool.shutdown(wait=True)
            writer.finalize()
        secs = time.perf_counter() - t0
        return {"rendered": len(todo), "skipped": n - len(todo), "seconds": secs,
                "images_per_s": len(todo) / secs if secs > 0 else 0.0, "out": str(out)}
    finally:
        renderer.close()


def rerender(scene_json: str | os.PathLike, out: str | os.PathLike, backend: str | None = None,
             gpu: int | None = None) -> dict[str, str]:
    """Render one saved SceneSpec again and write its files (same names and bytes as in the
    dataset) under ``out``. Returns {kind: path}."""
    from ..errors import DatasetError
    from ..render.renderer import Renderer
    from ..writers.dataset import atomic_write, frame_files

    path = Path(scene_json)
    try:
        spec = SceneSpec.from_json(path.read_text())
    except OSError as e:
        raise DatasetError(str(path), f"cannot read ({e.strerror})") from None
    except Exception as e:
        raise DatasetError(str(path), f"not a SceneSpec ({str(e).splitlines()[0][:120]})") from None
    with Renderer(spec.camera.width, spec.camera.height, backend=backend, gpu=gpu) as r:
        frame = r.render(spec, amodal=spec.output.amodal, normals=wants_normals(spec))
        o = process(frame, spec)
    written = {}
    out = Path(out)
    for key, (rel, data) in frame_files(spec.index, spec.to_json(), o.rgb, o.depth16, o.instance16,
                                        spec.output.rgb_format, spec.output.jpeg_quality,
                                        o.extras).items():
        try:
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise DatasetError(str(out), f"cannot create the output folder ({e.strerror})") from None
        atomic_write(out / rel, data)
        written[key] = str(out / rel)
    return written


__all__ = ["FrameOutput", "Scenes", "Synth3dError", "process", "render_dataset", "render_frame",
           "rerender"]
