"""The ``synth3d`` command line: thin commands over the public API."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from . import __version__
from .errors import Synth3dError

app = typer.Typer(
    add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
    help="synth3d: render labelled synthetic image datasets from YAML scene templates, headlessly.")

_state = {"debug": False}


def _fail(err: BaseException) -> None:
    if _state["debug"]:
        raise err
    msg = str(err).replace("\n", " ")
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(2)


def _size(text: Optional[str]) -> Optional[tuple[int, int]]:
    if text is None:
        return None
    try:
        w, h = text.lower().split("x")
        w, h = int(w), int(h)
    except ValueError:
        raise Synth3dError("--size", f"expected WIDTHxHEIGHT such as 640x480, got {text!r}") from None
    if not (8 <= w <= 16384 and 8 <= h <= 16384):
        raise Synth3dError("--size", "width and height must be within 8..16384")
    return w, h


def _version(value: bool):
    if value:
        typer.echo(f"synth3d {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks instead of one-line errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
    asset_roots: Optional[str] = typer.Option(
        None, "--asset-roots", help="Confine every file a template reads to these folders "
        f"(separated by '{os.pathsep}'); others are refused. For services rendering other "
        "people's templates. Env: SYNTH3D_ASSET_ROOTS."),
    max_image_pixels: Optional[int] = typer.Option(
        None, "--max-image-pixels", help="Largest image (width × height) read as a texture, "
        "card, background, reference or HDRI, checked before decoding (default 134217728 = "
        "16384×8192; 0: no limit). Env: SYNTH3D_MAX_IMAGE_PIXELS."),
):
    _state["debug"] = debug
    # Environment variables, so worker processes inherit them.
    if asset_roots is not None:
        os.environ["SYNTH3D_ASSET_ROOTS"] = asset_roots
    if max_image_pixels is not None:
        if max_image_pixels < 0:
            _fail(Synth3dError("--max-image-pixels", f"must be ≥ 0 (0: no limit), got "
                               f"{max_image_pixels}"))
        os.environ["SYNTH3D_MAX_IMAGE_PIXELS"] = str(max_image_pixels)
    import warnings

    from .errors import AssetWarning

    plain = warnings.formatwarning
    warnings.formatwarning = lambda msg, cat, *a, **k: (
        f"warning: {msg}\n" if issubclass(cat, AssetWarning) else plain(msg, cat, *a, **k))


SET_HELP = ("Override a template field: path.to.field=VALUE (VALUE is YAML, e.g. "
            "camera.fov_y_deg=40, objects[0].count={dist: randint, min: 1, max: 3}). Repeatable.")
GL_HELP = "Headless GL platform: egl (default; NVIDIA or Mesa) or osmesa. Env: SYNTH3D_GL."
ASSET_ROOT_HELP = ("Where the assets are now, if they moved: DIR (the template's asset_root), "
                   "NAME=DIR (a named root of dataset.json's asset_roots) or /old/dir=/new/dir "
                   "(old datasets with absolute paths). Repeatable.")


def _relocation(values: Optional[list[str]]) -> Optional[dict]:
    from .assets.roots import parse_relocation

    try:
        return parse_relocation(values) or None
    except Synth3dError as e:
        _fail(e)


def _progress(console, verb: str, enabled: bool):
    """A rich progress bar for a frame loop: (bar, task state, on_start, on_frame); task["n"]
    counts the frames finished in this run."""
    import time

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(TextColumn(f"[bold]{verb}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
                   TimeRemainingColumn(), console=console, disable=not enabled)
    task: dict = {"n": 0}

    def on_start(todo: int, skipped: int):
        if skipped:
            console.print(f"resuming: {skipped} frame(s) already done")
        task["id"] = bar.add_task(verb, total=todo, rate="")
        task["t0"] = time.perf_counter()

    def on_frame(_i: int):
        task["n"] += 1
        dt = time.perf_counter() - task["t0"]
        bar.update(task["id"], advance=1, rate=f"{task['n'] / dt:.1f} img/s" if dt > 0 else "")

    return bar, task, on_start, on_frame


@app.command()
def render(
    template: Path = typer.Argument(..., help="Scene template (YAML)."),
    n: Optional[int] = typer.Option(None, "-n", "--frames", help="Number of frames (default: the "
                                    "template's `frames`, or every combination in exhaustive mode)."),
    out: Path = typer.Option(..., "-o", "--out", help="Output dataset folder (created; an existing "
                             "run of the same command is resumed)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Root seed (default: the template's)."),
    start: int = typer.Option(0, "--start", help="Index of the first frame; frame i depends only on "
                              "(template, seed, i)."),
    size: Optional[str] = typer.Option(None, "--size", help="Image size WIDTHxHEIGHT."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help=SET_HELP),
    gpu: Optional[int] = typer.Option(None, "--gpu", help="EGL device index to render on."),
    gl: Optional[str] = typer.Option(None, "--gl", help=GL_HELP),
    formats: Optional[list[str]] = typer.Option(
        None, "--format", help="Dataset format(s) to write: coco, bop, yolo, webdataset "
        "(repeatable or "
        "comma-separated; default: the template's output.formats)."),
    workers: int = typer.Option(1, "--workers", "-w", help="Renderer processes (spawned, one "
                                "renderer each; 1 renders in this process). The files are the "
                                "same bytes for any number."),
    gpus: Optional[str] = typer.Option(None, "--gpus", help="EGL devices for the workers, "
                                       "round-robin, e.g. 0,1,2,3."),
    shard: Optional[str] = typer.Option(None, "--shard", help="Render only part K of N (K from 0), "
                                        "e.g. 0/4 — one job of an array; join the parts with "
                                        "`synth3d merge`."),
    shard_layout: str = typer.Option("contiguous", "--shard-layout", help="contiguous: part K is "
                                     "the K-th block of frames; interleaved: every N-th frame."),
    executor: str = typer.Option("local", "--executor", help="local (processes on this machine) "
                                 "or ray (Ray actors; pip install 'synth3d\\[ray]')."),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help="Ray cluster to join "
                                              "(default: a local one; 'auto': the running one)."),
    chunk: Optional[int] = typer.Option(None, "--chunk", help="Frames handed to a worker at a "
                                        "time (default 4..32 by run size)."),
    retries: int = typer.Option(2, "--retries", help="Times a crashed worker's chunk is retried "
                                "before the run stops."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
):
    """Render a dataset: RGB, depth, instance masks, SceneSpecs, manifest and labels.

    Labels are written as COCO, BOP, YOLO and/or webdataset shards (the template's
    output.formats or --format).
    Running the same command again finishes an interrupted run."""
    from rich.console import Console

    from .run.options import Progress, RenderOptions
    from .run.pipeline import Scenes, render_dataset

    console = Console(stderr=True)
    task: dict = {}
    try:
        opts = RenderOptions.from_kwargs(
            n=n, seed=seed, start=start, formats=_formats(formats) if formats else None,
            backend=gl, gpu=gpu, gpus=_gpus(gpus) or (), workers=workers, shard=shard,
            shard_layout=shard_layout, executor=executor, ray_address=ray_address, chunk=chunk,
            retries=retries)
        scenes = Scenes(template, set_ or [], _size(size))
        bar, task, on_start, on_frame = _progress(console, "rendering", progress)
        with bar:
            summary = render_dataset(scenes, out, opts, Progress(
                on_start=on_start, on_frame=on_frame,
                on_message=lambda m: console.print(m, markup=False, highlight=False,
                                                   soft_wrap=True)))
    except Synth3dError as e:
        _fail(e)
    except KeyboardInterrupt:
        typer.echo(f"interrupted: {task.get('n', 0)} new frame(s) written to {out}; run the same "
                   "command again to finish", err=True)
        raise typer.Exit(130) from None
    typer.echo(f"wrote {summary['rendered']} frame(s) to {out} "
               f"({summary['images_per_s']:.1f} images/s; {summary['skipped']} already done"
               + (f"; {summary['assets_skipped']} bad asset(s) skipped"
                  if summary.get("assets_skipped") else "") + ")")
    from .run.layouts import layout_lines

    for line in layout_lines(summary):
        typer.echo(line)


def _gpus(text: Optional[str]) -> Optional[list[int]]:
    if not text:
        return None
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise Synth3dError("--gpus", f"must be comma-separated device numbers, got '{text}'") from None


@app.command()
def merge(
    inputs: list[Path] = typer.Argument(..., help="Shard datasets (folders written by `render "
                                        "--shard K/N`)."),
    out: Path = typer.Option(..., "-o", "--out", help="Merged dataset folder (created; a merge "
                             "started before is resumed)."),
    formats: Optional[list[str]] = typer.Option(None, "--format", help="Formats to write "
                                                "(default: those of the first input)."),
    copy: bool = typer.Option(False, "--copy", help="Copy files instead of hard-linking them."),
    partial: bool = typer.Option(False, "--partial", help="Merge even when some of the N shards "
                                 "are missing."),
):
    """Merge shard datasets into one, identical to rendering every frame in one run.

    Files are hard-linked when the folders share a file system; manifest, COCO (unique ids),
    BOP, YOLO and webdataset files are rebuilt from the joined labels."""
    from .run.shards import merge as merge_datasets

    try:
        summary = merge_datasets(inputs, out, _formats(formats) if formats else None, copy=copy,
                                 partial=partial)
    except Synth3dError as e:
        _fail(e)
    typer.echo(f"merged {summary['merged']} frame(s) from {len(inputs)} dataset(s) into {out} "
               f"({summary['frames']} frames)")


@app.command()
def stylize(
    dataset: str = typer.Argument(..., help="A dataset folder written by `synth3d render`, or "
                                  "a folder (searched recursively) or quoted glob of ordinary "
                                  "images ('photos/*.jpg')."),
    style: str = typer.Option(..., "--style", help="A style pass (sketch, paint, transfer, toon, "
                              "pixel, halftone, augment), or a YAML file holding a `styles:` list "
                              "(a chain, as in a template's post.styles)."),
    out: Path = typer.Option(..., "-o", "--out", help="Output dataset folder (created; an existing "
                             "run of the same command is resumed)."),
    set_: Optional[list[str]] = typer.Option(
        None, "--set", help="A pass parameter: PARAM=VALUE, VALUE is YAML, so distributions work "
        "(--set brush=oil, --set 'levels={dist: randint, min: 3, max: 5}'); with a YAML chain, "
        "a path into it (styles[1].params.levels=4). Repeatable."),
    p: Optional[float] = typer.Option(None, "--p", help="Probability that the pass applies to a "
                                      "frame (default 1)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the drawn parameters (frame i's are drawn "
                             "from (seed, i))."),
    asset_root: Optional[list[str]] = typer.Option(None, "--asset-root", help=ASSET_ROOT_HELP),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
    variants: int = typer.Option(1, "--variants", help="Stylisations per image, each with its "
                                 "own drawn parameters (variant K>0: variants/NNNNNN.K.png)."),
    pairs: Optional[str] = typer.Option(None, "--pairs", help="Also write image pairs under "
                                        "OUT/pairs/: aligned (pix2pix: A|B side by side in "
                                        "train/ val/ test/) or unaligned (trainA/ trainB/ …)."),
    side_a: str = typer.Option("source", "--a", help="Pair side A: source, styled, instance, "
                               "semantic or depth (the last three need a synth3d dataset)."),
    side_b: str = typer.Option("styled", "--b", help="Pair side B (as --a)."),
    split: str = typer.Option("0.8,0.1,0.1", "--split", help="Fractions TRAIN,VAL,TEST of the "
                              "source images in each split (drawn per image from --seed)."),
):
    """Stylise a dataset, or a folder of photos, into a new one (labels unchanged).

    Every frame's rgb is run through the style chain with parameters drawn per frame; depth,
    instance masks, labels and formats are linked or copied unchanged, and each SceneSpec records
    the applied steps in post.styles. On ordinary images (no labels, said so in the output) the
    passes that read G-buffers use image-only estimates. --pairs writes A/B pairs for
    image-to-image training. Running the same command again finishes an interrupted run."""
    from rich.console import Console

    from .run.pairs import PairOptions
    from .run.stylize import open_stylize

    console = Console(stderr=True)
    task: dict = {}
    try:
        opts = None if pairs is None else PairOptions.parse(pairs, side_a, side_b, split)
        job = open_stylize(dataset, out, style, set_ or [], p=p, seed=seed, variants=variants,
                           pairs=opts, asset_roots=_relocation(asset_root))
        bar, task, on_start, on_frame = _progress(console, "stylizing", progress)
        with bar:
            summary = job.run(on_start=on_start, on_frame=on_frame)
    except Synth3dError as e:
        _fail(e)
    except KeyboardInterrupt:
        typer.echo(f"interrupted: {task.get('n', 0)} new frame(s) written to {out}; run the same "
                   "command again to finish", err=True)
        raise typer.Exit(130) from None
    typer.echo(f"wrote {summary['stylized']} frame(s) to {out} "
               f"({summary['images_per_s']:.1f} images/s; {summary['skipped']} already done)")


def _formats(values: list[str]) -> list[str]:
    from .writers.formats import FORMATS

    out = [f.strip().lower() for v in values for f in v.split(",") if f.strip()]
    for f in out:
        if f not in FORMATS:
            raise Synth3dError("--format", f"unknown format '{f}' (choose {', '.join(FORMATS)})")
    return out


@app.command()
def export(
    dataset: Path = typer.Argument(..., help="A dataset folder written by `synth3d render`."),
    formats: list[str] = typer.Option(..., "--format", help="coco, bop, yolo or webdataset "
                                      "(repeatable or comma-separated)."),
    asset_root: Optional[list[str]] = typer.Option(None, "--asset-root", help=ASSET_ROOT_HELP),
):
    """Write dataset formats (COCO, BOP, YOLO, webdataset) from a rendered dataset, without
    rendering."""
    from .writers.dataset import export as _export

    try:
        written = _export(dataset, _formats(formats), asset_roots=_relocation(asset_root))
    except Synth3dError as e:
        _fail(e)
    for p in written:
        typer.echo(f"wrote {p}")


@app.command()
def preview(
    template: Path = typer.Argument(..., help="Scene template (YAML)."),
    n: int = typer.Option(16, "-n", help="Frames on the sheet."),
    out: Path = typer.Option(Path("preview.png"), "-o", "--out", help="Sheet to write (PNG)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Root seed (default: the template's)."),
    width: int = typer.Option(256, "--width", help="Width of each frame in pixels."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help=SET_HELP),
    gl: Optional[str] = typer.Option(None, "--gl", help=GL_HELP),
):
    """Render a labelled contact sheet of a few low-resolution frames; prints its path.

    Instance outlines, boxes and category names are drawn over each frame; nothing else is
    written."""
    from .run.preview import preview as _preview

    if n < 1 or width < 8:
        _fail(Synth3dError("-n/--width", "need at least one frame of at least 8 px"))
    try:
        path = _preview(template, out, n=n, seed=seed, overrides=set_ or [], width=width,
                        backend=gl)
    except Synth3dError as e:
        _fail(e)
    except OSError as e:
        _fail(Synth3dError(str(out), f"cannot write ({e.strerror or e})"))
    typer.echo(str(path))


@app.command()
def stats(
    dataset: str = typer.Argument(..., help="A dataset folder written by `synth3d render`, or "
                                  "a folder (searched recursively) or quoted glob of ordinary "
                                  "images ('photos/*.jpg')."),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Folder for the plots "
                                       "(default: DATASET/stats)."),
):
    """Plot what a dataset holds and flag attributes that do not match the template.

    Plots attribute frequencies against the template's probabilities, category counts, box
    positions and sizes, visibility and depth; the summary flags attribute distributions whose
    chi-square p-value is below 0.001."""
    from .inspect.stats import dataset_stats

    try:
        summary = dataset_stats(dataset, out)
    except Synth3dError as e:
        _fail(e)
    except OSError as e:
        _fail(Synth3dError(str(out or dataset), f"cannot write ({e.strerror or e})"))
    typer.echo(summary["text"])
    typer.echo(f"plots: {Path(summary['files'][0]).parent}")


@app.command()
def report(
    dataset: str = typer.Argument(..., help="A dataset folder written by `synth3d render`, or "
                                  "a folder (searched recursively) or quoted glob of ordinary "
                                  "images ('photos/*.jpg')."),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Folder for the page "
                                       "(default: DATASET/report)."),
    max_frames: int = typer.Option(500, "--max-frames", help="Frames in the gallery."),
):
    """Write a static HTML report of a dataset; prints its path.

    A thumbnail gallery with mask/box/depth overlays to toggle, filters by attribute and the
    statistics plots, in one page that needs no server."""
    from .inspect.report import build_report

    try:
        path = build_report(dataset, out, max_frames=max_frames)
    except Synth3dError as e:
        _fail(e)
    except OSError as e:
        _fail(Synth3dError(str(out or dataset), f"cannot write ({e.strerror or e})"))
    typer.echo(str(path))


@app.command()
def validate(
    template: Path = typer.Argument(..., help="Scene template (YAML)."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help=SET_HELP),
    frames: int = typer.Option(1, "--frames", help="Also sample this many SceneSpecs (placement "
                               "constraints) without rendering."),
):
    """Check a template and open every asset it references, without rendering."""
    from .run.pipeline import Scenes

    try:
        scenes = Scenes(template, set_ or [])
        t = scenes.template
        for i in range(frames):
            scenes.sample(t.seed, i)
    except Synth3dError as e:
        _fail(e)
    n_files = sum(len(v) for v in scenes.catalog.sets.values())
    cats = ", ".join(f"{i}={n}" for i, n in scenes.categories.items()) or "none"
    typer.echo(f"ok: {template} — {len(scenes.catalog.sets)} asset set(s), {n_files} file(s), "
               f"categories: {cats}")


@app.command()
def schema(
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Write to a file instead of stdout."),
):
    """Print the JSON Schema of scene templates (for editor completion)."""
    from .template import json_schema

    text = json.dumps(json_schema(), indent=2) + "\n"
    if out:
        try:
            out.write_text(text)
        except OSError as e:
            _fail(Synth3dError(str(out), f"cannot write ({e.strerror or e})"))
    else:
        sys.stdout.write(text)


@app.command()
def doctor(
    gpu: Optional[int] = typer.Option(None, "--gpu", help="EGL device index to test."),
    gl: Optional[str] = typer.Option(None, "--gl", help=GL_HELP),
):
    """Show the GL stack in use (vendor, renderer, version) and whether it is a GPU or software."""
    import numpy as np

    from .render.renderer import Renderer
    from .sampling import intrinsics_from_fov, look_at
    from .spec import CameraSpec, SceneSpec

    typer.echo(f"synth3d {__version__}, Python {sys.version.split()[0]}, numpy {np.__version__}")
    try:
        with Renderer(64, 64, backend=gl, gpu=gpu) as r:
            info = r.gl_info()
            K = intrinsics_from_fov(50, 64, 64)
            spec = SceneSpec(template="doctor", seed=0, index=0, camera=CameraSpec(
                width=64, height=64, K=K.tolist(), T_world_cam=look_at(
                    np.array([0, -1.0, 0.5]), np.zeros(3)).tolist(), znear=0.01, zfar=10))
            r.render(spec)
    except Synth3dError as e:
        _fail(e)
    typer.echo(f"platform:  {info['backend']} (PYOPENGL_PLATFORM={os.environ.get('PYOPENGL_PLATFORM')}"
               + (f", EGL_DEVICE_ID={os.environ['EGL_DEVICE_ID']}" if 'EGL_DEVICE_ID' in os.environ else "")
               + ")")
    typer.echo(f"vendor:    {info['vendor']}")
    typer.echo(f"renderer:  {info['renderer']}")
    typer.echo(f"version:   {info['version']}")
    where = "software (CPU rasteriser)" if info["software"] else "GPU (hardware)"
    typer.echo(f"rendering: {where}; a test frame rendered fine")


@app.command()
def rerender(
    scene: Path = typer.Argument(..., help="A saved SceneSpec, e.g. OUT/scene/000123.json."),
    out: Path = typer.Option(Path("rerendered"), "-o", "--out",
                             help="Folder for the files (same relative names as in the dataset)."),
    gpu: Optional[int] = typer.Option(None, "--gpu", help="EGL device index to render on."),
    gl: Optional[str] = typer.Option(None, "--gl", help=GL_HELP),
    asset_root: Optional[list[str]] = typer.Option(None, "--asset-root", help=ASSET_ROOT_HELP),
):
    """Render one frame again from its SceneSpec (byte for byte the same files)."""
    from .run.pipeline import rerender as _rerender

    try:
        files = _rerender(scene, out, backend=gl, gpu=gpu, asset_roots=_relocation(asset_root))
    except Synth3dError as e:
        _fail(e)
    for k, p in files.items():
        typer.echo(f"{k}: {p}")


@app.command()
def assets(
    source: Path = typer.Argument(..., help="A template (its asset sets) or a folder/file of "
                                  "meshes (one set)."),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Folder for report.json, "
                                       "sizes.png and a thumbnail sheet per category."),
    category: Optional[str] = typer.Option(None, "--category", help="For a folder: category "
                                           "pattern or name ({parent} default, {dir0}, {name}, "
                                           "{stem})."),
    up_axis: str = typer.Option("z", "--up-axis", help="For a folder: the files' up axis."),
    units: Optional[str] = typer.Option(None, "--units", help="For a folder: m, cm, mm or in."),
    thumbnails: int = typer.Option(24, "--thumbnails", help="Thumbnails per category (0: none)."),
    thumb_size: int = typer.Option(96, "--thumb-size", help="Thumbnail size in pixels."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help=SET_HELP),
    gl: Optional[str] = typer.Option(None, "--gl", help=GL_HELP),
):
    """Describe an asset library: categories and counts, sizes, files that fail to load and
    why, missing textures; with -o also a size histogram and thumbnail contact sheets."""
    from .run.assets_report import inspect_assets

    if up_axis not in ("z", "y", "x", "-x", "-y", "-z"):
        _fail(Synth3dError("--up-axis", f"must be z, y, x, -x, -y or -z, got '{up_axis}'"))
    if units is not None and units not in ("m", "cm", "mm", "in"):
        _fail(Synth3dError("--units", f"must be m, cm, mm or in, got '{units}'"))
    try:
        rep = inspect_assets(source, out, category=category, up_axis=up_axis, units=units,
                             thumbnails=thumbnails if out else 0, thumb_size=thumb_size,
                             backend=gl, overrides=set_ or [])
    except Synth3dError as e:
        _fail(e)
    idx = rep["index"]
    typer.echo(f"{source}: index {idx.get('hits', 0)} cached, {idx.get('misses', 0)} opened")
    for name, s in rep["sets"].items():
        typer.echo(f"set {name}: {s['assets']} {s['kind']} asset(s), {len(s['categories'])} "
                   f"categor{'y' if len(s['categories']) == 1 else 'ies'}, "
                   f"{len(s['failed'])} failed, {len(s['missing_textures'])} missing texture(s)")
        for c, k in s["categories"].items():
            sz = rep["sizes"].get(c)
            med = f"  median size {sorted(sz)[len(sz) // 2]:.3g} m" if sz else ""
            typer.echo(f"  {c}: {k}{med}")
        for f in s["failed"]:
            typer.echo(f"  failed: {f['file']}: {f['why']}")
        for m in s["missing_textures"]:
            typer.echo(f"  missing texture: {m}")
    if out:
        typer.echo(f"wrote {out}/report.json, sizes.png and {len(rep.get('sheets', {}))} "
                   "contact sheet(s)")


def run():  # console-script entry point
    app()


if __name__ == "__main__":
    run()
