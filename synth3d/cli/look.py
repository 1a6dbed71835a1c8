"""Commands that look at templates, datasets and the machine: preview, stats, report, validate,
schema, doctor, rerender, assets."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer

from .. import __version__
from ..errors import Synth3dError
from .app import ASSET_ROOT_HELP, GL_HELP, SET_HELP, app, asset_relocation, fail


@app.command()
def preview(
    template: Path = typer.Argument(..., help="Scene template (YAML)."),
    n: int = typer.Option(16, "-n", help="Frames on the sheet."),
    out: Path = typer.Option(Path("preview.png"), "-o", "--out", help="Sheet to write (PNG)."),
    seed: int | None = typer.Option(None, "--seed", help="Root seed (default: the template's)."),
    width: int = typer.Option(256, "--width", help="Width of each frame in pixels."),
    set_: list[str] | None = typer.Option(None, "--set", help=SET_HELP),
    gl: str | None = typer.Option(None, "--gl", help=GL_HELP),
):
    """Render a labelled contact sheet of a few low-resolution frames; prints its path.

    Instance outlines, boxes and category names are drawn over each frame; nothing else is
    written."""
    from ..run.preview import preview as _preview

    if n < 1 or width < 8:
        fail(Synth3dError("-n/--width", "need at least one frame of at least 8 px"))
    try:
        path = _preview(
            template, out, n=n, seed=seed, overrides=set_ or [], width=width, backend=gl
        )
    except Synth3dError as e:
        fail(e)
    except OSError as e:
        fail(Synth3dError(str(out), f"cannot write ({e.strerror or e})"))
    typer.echo(str(path))


@app.command()
def stats(
    dataset: str = typer.Argument(
        ...,
        help="A dataset folder written by `synth3d render`, or "
        "a folder (searched recursively) or quoted glob of ordinary "
        "images ('photos/*.jpg').",
    ),
    out: Path | None = typer.Option(
        None, "-o", "--out", help="Folder for the plots (default: DATASET/stats)."
    ),
):
    """Plot what a dataset holds and flag attributes that do not match the template.

    Plots attribute frequencies against the template's probabilities, category counts, box
    positions and sizes, visibility and depth; the summary flags attribute distributions whose
    chi-square p-value is below 0.001."""
    from ..inspect.stats import dataset_stats

    try:
        summary = dataset_stats(dataset, out)
    except Synth3dError as e:
        fail(e)
    except OSError as e:
        fail(Synth3dError(str(out or dataset), f"cannot write ({e.strerror or e})"))
    typer.echo(summary["text"])
    typer.echo(f"plots: {Path(summary['files'][0]).parent}")


@app.command()
def report(
    dataset: str = typer.Argument(
        ...,
        help="A dataset folder written by `synth3d render`, or "
        "a folder (searched recursively) or quoted glob of ordinary "
        "images ('photos/*.jpg').",
    ),
    out: Path | None = typer.Option(
        None, "-o", "--out", help="Folder for the page (default: DATASET/report)."
    ),
    max_frames: int = typer.Option(500, "--max-frames", help="Frames in the gallery."),
):
    """Write a static HTML report of a dataset; prints its path.

    A thumbnail gallery with mask/box/depth overlays to toggle, filters by attribute and the
    statistics plots, in one page that needs no server."""
    from ..inspect.report import build_report

    try:
        path = build_report(dataset, out, max_frames=max_frames)
    except Synth3dError as e:
        fail(e)
    except OSError as e:
        fail(Synth3dError(str(out or dataset), f"cannot write ({e.strerror or e})"))
    typer.echo(str(path))


@app.command()
def validate(
    template: Path = typer.Argument(..., help="Scene template (YAML)."),
    set_: list[str] | None = typer.Option(None, "--set", help=SET_HELP),
    frames: int = typer.Option(
        1,
        "--frames",
        help="Also sample this many SceneSpecs (placement constraints) without rendering.",
    ),
):
    """Check a template and open every asset it references, without rendering."""
    from ..run.pipeline import Scenes

    try:
        scenes = Scenes(template, set_ or [])
        t = scenes.template
        for i in range(frames):
            scenes.sample(t.seed, i)
    except Synth3dError as e:
        fail(e)
    n_files = sum(len(v) for v in scenes.catalog.sets.values())
    cats = ", ".join(f"{i}={n}" for i, n in scenes.categories.items()) or "none"
    typer.echo(
        f"ok: {template} — {len(scenes.catalog.sets)} asset set(s), {n_files} file(s), "
        f"categories: {cats}"
    )


@app.command()
def schema(
    out: Path | None = typer.Option(None, "-o", "--out", help="Write to a file instead of stdout."),
):
    """Print the JSON Schema of scene templates (for editor completion)."""
    from ..template import json_schema

    text = json.dumps(json_schema(), indent=2) + "\n"
    if out:
        try:
            out.write_text(text)
        except OSError as e:
            fail(Synth3dError(str(out), f"cannot write ({e.strerror or e})"))
    else:
        sys.stdout.write(text)


@app.command()
def doctor(
    gpu: int | None = typer.Option(None, "--gpu", help="EGL device index to test."),
    gl: str | None = typer.Option(None, "--gl", help=GL_HELP),
):
    """Show the GL stack in use (vendor, renderer, version) and whether it is a GPU or software."""
    import numpy as np

    from ..render.renderer import Renderer
    from ..sampling import intrinsics_from_fov, look_at
    from ..spec import CameraSpec, SceneSpec

    typer.echo(f"synth3d {__version__}, Python {sys.version.split()[0]}, numpy {np.__version__}")
    try:
        with Renderer(64, 64, backend=gl, gpu=gpu) as r:
            info = r.gl_info()
            K = intrinsics_from_fov(50, 64, 64)
            spec = SceneSpec(
                template="doctor",
                seed=0,
                index=0,
                camera=CameraSpec(
                    width=64,
                    height=64,
                    K=K.tolist(),
                    T_world_cam=look_at(np.array([0, -1.0, 0.5]), np.zeros(3)).tolist(),
                    znear=0.01,
                    zfar=10,
                ),
            )
            r.render(spec)
    except Synth3dError as e:
        fail(e)
    typer.echo(
        f"platform:  {info['backend']} (PYOPENGL_PLATFORM={os.environ.get('PYOPENGL_PLATFORM')}"
        + (
            f", EGL_DEVICE_ID={os.environ['EGL_DEVICE_ID']}"
            if "EGL_DEVICE_ID" in os.environ
            else ""
        )
        + ")"
    )
    typer.echo(f"vendor:    {info['vendor']}")
    typer.echo(f"renderer:  {info['renderer']}")
    typer.echo(f"version:   {info['version']}")
    where = "software (CPU rasteriser)" if info["software"] else "GPU (hardware)"
    typer.echo(f"rendering: {where}; a test frame rendered fine")


@app.command()
def rerender(
    scene: Path = typer.Argument(..., help="A saved SceneSpec, e.g. OUT/scene/000123.json."),
    out: Path = typer.Option(
        Path("rerendered"),
        "-o",
        "--out",
        help="Folder for the files (same relative names as in the dataset).",
    ),
    gpu: int | None = typer.Option(None, "--gpu", help="EGL device index to render on."),
    gl: str | None = typer.Option(None, "--gl", help=GL_HELP),
    asset_root: list[str] | None = typer.Option(None, "--asset-root", help=ASSET_ROOT_HELP),
):
    """Render one frame again from its SceneSpec (byte for byte the same files)."""
    from ..run.pipeline import rerender as _rerender

    try:
        files = _rerender(scene, out, backend=gl, gpu=gpu, asset_roots=asset_relocation(asset_root))
    except Synth3dError as e:
        fail(e)
    for k, p in files.items():
        typer.echo(f"{k}: {p}")


@app.command()
def assets(
    source: Path = typer.Argument(
        ..., help="A template (its asset sets) or a folder/file of meshes (one set)."
    ),
    out: Path | None = typer.Option(
        None,
        "-o",
        "--out",
        help="Folder for report.json, sizes.png and a thumbnail sheet per category.",
    ),
    category: str | None = typer.Option(
        None,
        "--category",
        help="For a folder: category pattern or name ({parent} default, {dir0}, {name}, {stem}).",
    ),
    up_axis: str = typer.Option("z", "--up-axis", help="For a folder: the files' up axis."),
    units: str | None = typer.Option(None, "--units", help="For a folder: m, cm, mm or in."),
    thumbnails: int = typer.Option(24, "--thumbnails", help="Thumbnails per category (0: none)."),
    thumb_size: int = typer.Option(96, "--thumb-size", help="Thumbnail size in pixels."),
    set_: list[str] | None = typer.Option(None, "--set", help=SET_HELP),
    gl: str | None = typer.Option(None, "--gl", help=GL_HELP),
):
    """Describe an asset library: categories and counts, sizes, files that fail to load and
    why, missing textures; with -o also a size histogram and thumbnail contact sheets."""
    from ..run.assets_report import inspect_assets

    if up_axis not in ("z", "y", "x", "-x", "-y", "-z"):
        fail(Synth3dError("--up-axis", f"must be z, y, x, -x, -y or -z, got '{up_axis}'"))
    if units is not None and units not in ("m", "cm", "mm", "in"):
        fail(Synth3dError("--units", f"must be m, cm, mm or in, got '{units}'"))
    try:
        rep = inspect_assets(
            source,
            out,
            category=category,
            up_axis=up_axis,
            units=units,
            thumbnails=thumbnails if out else 0,
            thumb_size=thumb_size,
            backend=gl,
            overrides=set_ or [],
        )
    except Synth3dError as e:
        fail(e)
    idx = rep["index"]
    typer.echo(f"{source}: index {idx.get('hits', 0)} cached, {idx.get('misses', 0)} opened")
    for name, s in rep["sets"].items():
        typer.echo(
            f"set {name}: {s['assets']} {s['kind']} asset(s), {len(s['categories'])} "
            f"categor{'y' if len(s['categories']) == 1 else 'ies'}, "
            f"{len(s['failed'])} failed, {len(s['missing_textures'])} missing texture(s)"
        )
        for c, k in s["categories"].items():
            sz = rep["sizes"].get(c)
            med = f"  median size {sorted(sz)[len(sz) // 2]:.3g} m" if sz else ""
            typer.echo(f"  {c}: {k}{med}")
        for f in s["failed"]:
            typer.echo(f"  failed: {f['file']}: {f['why']}")
        for m in s["missing_textures"]:
            typer.echo(f"  missing texture: {m}")
    if out:
        typer.echo(
            f"wrote {out}/report.json, sizes.png and {len(rep.get('sheets', {}))} contact sheet(s)"
        )
