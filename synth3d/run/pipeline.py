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


def render_frame(renderer, scenes: Scenes, seed: int, index: int,
                 first: SceneSpec | None = None) -> tuple[SceneSpec, object]:
    """Sample and render frame ``index``; with ``labels.hidden: resample``, lay the frame out
    again (same attributes) until every object shows at least one pixel. ``first``: the frame's
    first layout when it was sampled already."""
    from ..errors import PlacementError

    lab = scenes.template.labels
    tries = lab.max_resample + 1 if lab.hidden == "resample" else 1
    for attempt in range(tries):
        spec = first if attempt == 0 and first is not None else sample_frame(scenes, seed, index,
                                                                             attempt)
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
        **({"sequence": {"length": t.sequence.length, "fps": t.sequence.fps}}
           if t.sequence is not None else {}),
    }


class FrameFailed(Exception):
    """Rendering or writing frame ``index`` raised ``error`` (kept as the cause)."""

    def __init__(self, index: int, error: BaseException):
        super().__init__(f"frame {index}: {error}")
        self.index = index
        self.error = error


def render_indices(renderer, scenes: Scenes, seed: int, indices: Iterable[int], files,
                   on_record: Callable[[dict, dict], None], writer_threads: int = 2,
                   on_start: Callable[[int], None] | None = None) -> None:
    """Render and write the given frames with one renderer.

    The calling thread renders (it owns the GL context). One helper thread runs a frame ahead:
    it samples the next SceneSpec and makes the pixels of its new textures
    (:meth:`~synth3d.render.renderer.Renderer.prepare`). Finishing, labelling, encoding and
    writing (``files``: a :class:`~synth3d.writers.dataset.FrameFiles`) run in
    ``writer_threads`` threads behind a bounded queue. ``on_record(row, ann_row)`` is called in
    the calling thread for every frame whose files are all written, in frame order;
    ``on_start(index)`` just before a frame is rendered (``indices`` are read ahead).
    Raises :class:`FrameFailed` naming the frame when a frame fails."""
    if getattr(scenes, "sequence", None) is not None:  # whole sequences, with flow and videos
        from .sequences import render_sequences

        return render_sequences(renderer, scenes, seed, indices, files, on_record,
                                writer_threads, on_start)
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
        return files.write(spec.index, seed, spec.to_json(), o.rgb, o.depth16, o.instance16,
                           o.labels, spec.attributes, spec.output.rgb_format,
                           spec.output.jpeg_quality, o.extras, o.dropped,
                           {"K": spec.camera.K, "T_world_cam": spec.camera.T_world_cam})

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


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """``"K/N"`` (K counted from 0) → (K, N); None passes through."""
    if text is None:
        return None
    try:
        k, n = (int(v) for v in str(text).split("/"))
    except ValueError:
        raise TemplateError("--shard", f"must look like K/N (e.g. 0/4), got '{text}'") from None
    if n < 1 or not 0 <= k < n:
        raise TemplateError("--shard", f"K/N needs 0 ≤ K < N, got '{text}' (K counts from 0)")
    return k, n


def shard_frames(start: int, n: int, shard: tuple[int, int] | None,
                 layout: str = "contiguous") -> list[int]:
    """Frame indices of shard K of N within ``start .. start+n-1``: ``contiguous`` gives the
    K-th block (sizes differ by at most one), ``interleaved`` every N-th frame from start+K."""
    frames = range(start, start + n)
    if shard is None:
        return list(frames)
    k, parts = shard
    if layout == "interleaved":
        return list(frames[k::parts])
    if layout != "contiguous":
        raise TemplateError("--shard-layout", f"must be contiguous or interleaved, got '{layout}'")
    lo, hi = (k * n) // parts, ((k + 1) * n) // parts
    return list(frames[lo:hi])


EXECUTORS = ("local", "ray")


def render_dataset(template, out: str | os.PathLike, n: int | None = None, seed: int | None = None,
                   start: int = 0, size: tuple[int, int] | None = None,
                   overrides: Iterable[str] = (), gpu: int | None = None,
                   backend: str | None = None, writer_threads: int = 2,
                   formats: Iterable[str] | None = None,
                   on_start: Callable[[int, int], None] | None = None,
                   on_frame: Callable[[int], None] | None = None,
                   workers: int = 1, gpus: Iterable[int] | None = None,
                   shard: tuple[int, int] | str | None = None, shard_layout: str = "contiguous",
                   executor: str = "local", ray_address: str | None = None,
                   chunk: int | None = None, retries: int = 2,
                   on_message: Callable[[str], None] | None = None) -> dict:
    """Render frames ``start .. start+n-1`` of a template into the dataset folder ``out``.

    Frames already finished in ``out`` (same template, seed and size) are skipped, so running the
    same command again after an interruption completes the dataset. ``formats`` (coco, bop, yolo,
    webdataset) replaces the template's ``output.formats``.

    Scale-out: ``workers`` > 1 renders in that many spawned processes (one renderer each; frames
    handed out in chunks of ``chunk``), on the EGL devices ``gpus`` round-robin (else ``gpu``);
    ``executor="ray"`` runs the chunks on Ray actors instead (``ray_address``: an existing
    cluster). A chunk whose worker dies is retried ``retries`` times. ``shard=(K, N)`` (or
    ``"K/N"``) renders only the K-th of N parts (``shard_layout``: contiguous or interleaved);
    :func:`synth3d.run.shards.merge` joins shard datasets. The files written are the same
    bytes for any of these layouts.

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
    if workers < 1:
        raise TemplateError("--workers", f"must be ≥ 1, got {workers}")
    if executor not in EXECUTORS:
        raise TemplateError("--executor", f"must be one of {', '.join(EXECUTORS)}, got '{executor}'")
    if chunk is not None and chunk < 1:
        raise TemplateError("--chunk", f"must be ≥ 1, got {chunk}")
    shard = parse_shard(shard) if isinstance(shard, str) else shard
    frames = shard_frames(start, n, shard, shard_layout)
    if scenes.sequence is not None:  # sequences are the unit of shards, chunks and resume
        from . import sequences as sq

        sq.check_range(scenes, start, n)
        frames = sq.shard_sequences(start, n, scenes.sequence.length, shard, shard_layout)
        chunk = sq.sequence_chunk(chunk, scenes.sequence.length)
    gpus = list(gpus) if gpus else ([gpu] if gpu is not None else [])
    # Preflight: the first frames are sampled before anything is rendered or written, so
    # impossible placements fail with nothing on disk. (Sampling costs ~2 ms a frame; a rare
    # failure in a later frame stops the run there, naming the frame.)
    for i in frames[:PREFLIGHT_FRAMES]:
        sample_frame(scenes, seed, i)

    fmts = list(formats) if formats is not None else list(t.output.formats)
    if scenes.sequence is not None:
        fmts += [f for f in ("ytvis", "mot") if f not in fmts]
    if "bop" in fmts and not t.labels.amodal:
        raise TemplateError("labels.amodal", "the bop format needs amodal masks (labels.amodal: "
                            "true)")
    if executor == "ray":
        from .ray_executor import ray_render
    if workers == 1 and executor == "local":
        renderer = Renderer(scenes.width, scenes.height, backend=backend,
                            gpu=gpus[0] if gpus else None)
        gl = renderer.gl_info()
    else:
        renderer, gl = None, {}
    try:
        info = _dataset_info(scenes, seed, gl)
        if shard is not None:
            info["shard"] = {"index": shard[0], "count": shard[1], "layout": shard_layout,
                             "start": start, "frames": n}
        writer = DatasetWriter(out, info, fmts)
        done = writer.done()
        todo = [i for i in frames if i not in done]
        if scenes.sequence is not None:
            from .sequences import whole_sequences

            todo = whole_sequences(todo, scenes.sequence.length)
        if on_start:
            on_start(len(todo), len(frames) - len(todo))
        t0 = time.perf_counter()

        def on_record(row: dict, ann_row: dict):
            writer.commit(row, ann_row)
            if on_frame:
                on_frame(row["index"])

        try:
            if renderer is not None:
                render_indices(renderer, scenes, seed, todo, writer.files, on_record,
                               writer_threads)
            elif executor == "ray":
                gl = ray_render(scenes, seed, todo, out, fmts, on_record, workers=workers,
                                address=ray_address, chunk=chunk, retries=retries,
                                backend=backend, writer_threads=writer_threads, log=on_message)
            else:
                from .workers import render_in_workers

                gl = render_in_workers(scenes, seed, todo, out, fmts, on_record, workers=workers,
                                       gpus=gpus, chunk=chunk, retries=retries, backend=backend,
                                       writer_threads=writer_threads, log=on_message)
        except FrameFailed as e:
            raise Synth3dError(f"frame {e.index}", f"{type(e.error).__name__}: {e.error}"
                               ) from e.error
        finally:
            if gl and not writer.info.get("gl_renderer"):
                writer.info["gl_renderer"] = gl.get("renderer")
            writer.finalize()
        secs = time.perf_counter() - t0
        return {"rendered": len(todo), "skipped": len(frames) - len(todo), "seconds": secs,
                "images_per_s": len(todo) / secs if secs > 0 else 0.0, "out": str(out)}
    finally:
        if renderer is not None:
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
        if spec.sequence is not None:  # motion blur: the same sub-frames as in the run
            from .sequences import render_blurred

            frame = render_blurred(r, spec, spec.output.amodal, wants_normals(spec))
        else:
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


__all__ = ["FrameFailed", "FrameOutput", "Scenes", "Synth3dError", "process", "render_dataset",
           "render_frame", "render_indices", "rerender", "shard_frames"]
