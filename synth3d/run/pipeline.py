"""Pipeline glue: template → SceneSpecs → renderer → post/annotate → writer.

:func:`render_dataset` resolves the run (frames, shard, formats), samples the first frames as a
preflight, opens the dataset folder and hands the frames to an executor
(:mod:`synth3d.run.executors`: inline, worker processes or Ray); :func:`rerender` renders one saved
SceneSpec again. The per-frame work they share lives in :mod:`synth3d.run.frames`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from ..errors import DatasetError, Synth3dError, TemplateError
from ..frame import FrameOutput
from ..spec import SceneSpec
from ..writers.dataset import DatasetWriter, frame_files
from ..writers.files import atomic_write
from .executors import Job, make_executor
from .frames import (
    PREFLIGHT_FRAMES,
    FrameFailed,
    Scenes,
    dataset_info,
    gbuffers,
    process,
    render_frame,
    render_indices,
    sample_frame,
    wants_normals,
)
from .layouts import LayoutLog, preflight
from .lazy import PendingFrames
from .options import EXECUTORS, Progress, RenderOptions, parse_shard


def shard_frames(
    start: int, n: int, shard: tuple[int, int] | None, layout: str = "contiguous"
) -> range:
    """Frame indices of shard K of N within ``start .. start+n-1``: ``contiguous`` gives the
    K-th block (sizes differ by at most one), ``interleaved`` every N-th frame from start+K.
    A ``range`` (never a list: ``-n`` may be huge)."""
    frames = range(start, start + n)
    if shard is None:
        return frames
    k, parts = shard
    if layout == "interleaved":
        return frames[k::parts]
    if layout != "contiguous":
        raise TemplateError("--shard-layout", f"must be contiguous or interleaved, got '{layout}'")
    lo, hi = (k * n) // parts, ((k + 1) * n) // parts
    return frames[lo:hi]


def _resolve(template, opts: RenderOptions) -> tuple[Scenes, int, int, list[str]]:
    """The scenes, seed, frame count and formats of a run, checked."""
    opts.check()
    scenes = (
        template if isinstance(template, Scenes) else Scenes(template, opts.overrides, opts.size)
    )
    t = scenes.template
    seed = t.seed if opts.seed is None else int(opts.seed)
    n = opts.n if opts.n is not None else scenes.default_frames()
    if n is None:
        raise TemplateError("-n", "how many frames? give -n N (or set `frames:` in the template)")
    if n < 1:
        raise TemplateError("-n", f"must be ≥ 1, got {n}")
    fmts = list(opts.formats) if opts.formats is not None else list(t.output.formats)
    if scenes.sequence is not None:  # track labels of the sequences
        fmts += [f for f in ("ytvis", "mot") if f not in fmts]
    if "bop" in fmts and not t.labels.amodal:
        raise TemplateError(
            "labels.amodal", "the bop format needs amodal masks (labels.amodal: true)"
        )
    return scenes, seed, n, fmts


def render_dataset(
    template,
    out: str | os.PathLike,
    options: RenderOptions | None = None,
    progress: Progress | None = None,
    **kwargs,
) -> dict:
    """Render frames ``start .. start+n-1`` of a template into the dataset folder ``out``.

    Parameters
    ----------
    template : path, dict, LoadedTemplate or Scenes
    out : path
        The dataset folder. Frames already finished there (same template, seed and size) are
        skipped, so running the same command again after an interruption completes the dataset.
    options : RenderOptions, optional
        How to run (frames, seed, size, formats, workers, GPUs, shard, executor, ...).
    progress : Progress, optional
        Callbacks (``on_start``, ``on_frame``, ``on_message``).
    **kwargs
        Shorthand for fields of :class:`RenderOptions` (``n=10, seed=0, workers=2``; ``gpu=N``
        for one device) and of :class:`Progress` (``on_frame=...``), applied over ``options``.

    Scale-out: ``workers`` > 1 renders in that many spawned processes (one renderer each; frames
    handed out in chunks), on the EGL devices ``gpus`` round-robin; ``executor="ray"`` runs the
    chunks on Ray actors instead. ``shard=(K, N)`` (or ``"K/N"``) renders only the K-th of N
    parts; :func:`synth3d.run.shards.merge` joins shard datasets. The files written are the same
    bytes for any of these layouts.

    Returns a summary dict: rendered, skipped, seconds, images_per_s, out.
    """
    callbacks = {k: kwargs.pop(k) for k in ("on_start", "on_frame", "on_message") if k in kwargs}
    progress = Progress(**callbacks) if progress is None else progress
    if options is None:
        opts = RenderOptions.from_kwargs(**kwargs)
    else:
        opts = options.replace(**kwargs) if kwargs else options
    scenes, seed, n, fmts = _resolve(template, opts)
    frames = shard_frames(opts.start, n, opts.shard, opts.shard_layout)
    if scenes.sequence is not None:  # whole sequences are the unit of shards, chunks and resume
        from . import sequences as sq

        frames, opts = sq.sequence_run(scenes, n, opts)
    # Preflight: the first frames are sampled before anything is rendered or written, so
    # impossible placements fail with nothing on disk. (Sampling costs ~2 ms a frame; a rare
    # failure in a later frame stops the run there, naming the frame.)
    preflight(scenes.sampler, frames, lambda i: sample_frame(scenes, seed, i), PREFLIGHT_FRAMES)
    job = Job(scenes, seed, str(out), tuple(fmts), opts, progress.on_message or (lambda _m: None))
    executor = make_executor(job)
    try:
        return _run(job, executor, frames, n, progress)
    finally:
        executor.close()


def _run(job: Job, executor, frames: range, n: int, progress: Progress) -> dict:
    opts = job.options
    info = dataset_info(job.scenes, job.seed, executor.gl_info())
    if opts.shard is not None:
        info["shard"] = {
            "index": opts.shard[0],
            "count": opts.shard[1],
            "layout": opts.shard_layout,
            "start": opts.start,
            "frames": n,
        }
    writer = DatasetWriter(job.out, info, list(job.formats))
    for note in writer.notes:  # what resuming repaired (a torn last line dropped)
        job.log(f"resume: {note}")
    done = writer.done()
    todo = PendingFrames(frames, done)  # lazy: -n may be huge
    if job.scenes.sequence is not None:  # an unfinished sequence is rendered again, whole
        from .sequences import whole_sequences

        todo = whole_sequences(todo, job.scenes.sequence.length)
    if progress.on_start:
        progress.on_start(len(todo), len(frames) - len(todo))
    t0 = time.perf_counter()

    layouts = LayoutLog()

    def on_record(row: dict, ann_row: dict | None):
        writer.commit(row, ann_row)
        layouts.add(row)
        if progress.on_frame:
            progress.on_frame(row["index"])

    gl: dict = {}
    try:
        gl = executor.run(todo, on_record)
    except FrameFailed as e:
        raise Synth3dError(f"frame {e.index}", f"{type(e.error).__name__}: {e.error}") from e.error
    finally:
        gl = gl or executor.gl_info()
        if gl and not writer.info.get("gl_renderer"):
            writer.info["gl_renderer"] = gl.get("renderer")
        try:
            writer.finalize()
        finally:
            writer.close()  # releases the folder's lock
    secs = time.perf_counter() - t0
    made = len(todo) - len(layouts.skipped)
    return {
        "rendered": made,
        "skipped": len(frames) - len(todo),
        "seconds": secs,
        "images_per_s": made / secs if secs > 0 else 0.0,
        "out": str(job.out),
        "assets_skipped": len(job.scenes.catalog.skipped),
        **layouts.summary(job.scenes.sampler),
    }


def rerender(
    scene_json: str | os.PathLike,
    out: str | os.PathLike,
    backend: str | None = None,
    gpu: int | None = None,
    asset_roots: dict[str, str] | None = None,
) -> dict[str, str]:
    """Render one saved SceneSpec again and write its files (same names and bytes as in the
    dataset) under ``out``. Asset paths ``@NAME/…`` resolve against the roots the dataset
    records (``dataset.json`` two folders up), overridden by ``asset_roots`` (see
    :func:`synth3d.assets.roots.parse_relocation`). Returns {kind: path}."""
    from ..assets.roots import dataset_roots, resolve_spec
    from ..render.renderer import Renderer

    path = Path(scene_json)
    try:
        spec = SceneSpec.from_json(path.read_text())
    except OSError as e:
        raise DatasetError(str(path), f"cannot read ({e.strerror})") from None
    except Exception as e:
        raise DatasetError(str(path), f"not a SceneSpec ({str(e).splitlines()[0][:120]})") from None
    here = resolve_spec(spec, dataset_roots(path.resolve().parent.parent, asset_roots))
    with Renderer(spec.camera.width, spec.camera.height, backend=backend, gpu=gpu) as r:
        if here.sequence is not None:  # motion blur: the same sub-frames as in the run
            from .sequences import render_blurred

            frame = render_blurred(r, here, here.output.amodal, wants_normals(here))
        else:
            frame = r.render(here, amodal=here.output.amodal, normals=wants_normals(here))
        o = process(frame, here)
    written = {}
    out = Path(out)
    for key, (rel, data) in frame_files(spec, o).items():
        try:
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise DatasetError(
                str(out), f"cannot create the output folder ({e.strerror})"
            ) from None
        atomic_write(out / rel, data)
        written[key] = str(out / rel)
    return written


__all__ = [
    "EXECUTORS",
    "FrameFailed",
    "FrameOutput",
    "Progress",
    "RenderOptions",
    "Scenes",
    "Synth3dError",
    "gbuffers",
    "parse_shard",
    "process",
    "render_dataset",
    "render_frame",
    "render_indices",
    "rerender",
    "sample_frame",
    "shard_frames",
    "wants_normals",
]
