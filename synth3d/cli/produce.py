"""Commands that make datasets: render, merge, stylize, export."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import Synth3dError
from .app import (
    ASSET_ROOT_HELP,
    GL_HELP,
    SET_HELP,
    app,
    asset_relocation,
    fail,
    interrupted,
    parse_formats,
    parse_gpus,
    parse_size,
    progress_bar,
)


@app.command()
def render(
    template: Path = typer.Argument(..., help="Scene template (YAML)."),
    n: int | None = typer.Option(
        None,
        "-n",
        "--frames",
        help="Number of frames (default: the "
        "template's `frames`, or every combination in exhaustive mode).",
    ),
    out: Path = typer.Option(
        ...,
        "-o",
        "--out",
        help="Output dataset folder (created; an existing run of the same command is resumed).",
    ),
    seed: int | None = typer.Option(None, "--seed", help="Root seed (default: the template's)."),
    start: int = typer.Option(
        0, "--start", help="Index of the first frame; frame i depends only on (template, seed, i)."
    ),
    size: str | None = typer.Option(None, "--size", help="Image size WIDTHxHEIGHT."),
    set_: list[str] | None = typer.Option(None, "--set", help=SET_HELP),
    gpu: int | None = typer.Option(None, "--gpu", help="EGL device index to render on."),
    gl: str | None = typer.Option(None, "--gl", help=GL_HELP),
    formats: list[str] | None = typer.Option(
        None,
        "--format",
        help="Dataset format(s) to write: coco, bop, yolo, webdataset "
        "(repeatable or "
        "comma-separated; default: the template's output.formats).",
    ),
    workers: int = typer.Option(
        1,
        "--workers",
        "-w",
        help="Renderer processes (spawned, one "
        "renderer each; 1 renders in this process). The files are the "
        "same bytes for any number.",
    ),
    gpus: str | None = typer.Option(
        None, "--gpus", help="EGL devices for the workers, round-robin, e.g. 0,1,2,3."
    ),
    shard: str | None = typer.Option(
        None,
        "--shard",
        help="Render only part K of N (K from 0), "
        "e.g. 0/4 — one job of an array; join the parts with "
        "`synth3d merge`.",
    ),
    shard_layout: str = typer.Option(
        "contiguous",
        "--shard-layout",
        help="contiguous: part K is the K-th block of frames; interleaved: every N-th frame.",
    ),
    executor: str = typer.Option(
        "local",
        "--executor",
        help="local (processes on this machine) or ray (Ray actors; pip install 'synth3d\\[ray]').",
    ),
    ray_address: str | None = typer.Option(
        None,
        "--ray-address",
        help="Ray cluster to join (default: a local one; 'auto': the running one).",
    ),
    chunk: int | None = typer.Option(
        None, "--chunk", help="Frames handed to a worker at a time (default 4..32 by run size)."
    ),
    retries: int = typer.Option(
        2, "--retries", help="Times a crashed worker's chunk is retried before the run stops."
    ),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
):
    """Render a dataset: RGB, depth, instance masks, SceneSpecs, manifest and labels.

    Labels are written as COCO, BOP, YOLO and/or webdataset shards (the template's
    output.formats or --format).
    Running the same command again finishes an interrupted run."""
    from rich.console import Console

    from ..run.options import Progress, RenderOptions
    from ..run.pipeline import Scenes, render_dataset

    console = Console(stderr=True)
    task: dict = {}
    try:
        opts = RenderOptions.from_kwargs(
            n=n,
            seed=seed,
            start=start,
            formats=parse_formats(formats) if formats else None,
            backend=gl,
            gpu=gpu,
            gpus=parse_gpus(gpus) or (),
            workers=workers,
            shard=shard,
            shard_layout=shard_layout,
            executor=executor,
            ray_address=ray_address,
            chunk=chunk,
            retries=retries,
        )
        scenes = Scenes(template, set_ or [], parse_size(size))
        bar, task, on_start, on_frame = progress_bar(console, "rendering", progress)
        with bar:
            summary = render_dataset(
                scenes,
                out,
                opts,
                Progress(
                    on_start=on_start,
                    on_frame=on_frame,
                    on_message=lambda m: console.print(
                        m, markup=False, highlight=False, soft_wrap=True
                    ),
                ),
            )
    except Synth3dError as e:
        fail(e)
    except KeyboardInterrupt:
        interrupted(task, out)
    typer.echo(
        f"wrote {summary['rendered']} frame(s) to {out} "
        f"({summary['images_per_s']:.1f} images/s; {summary['skipped']} already done"
        + (
            f"; {summary['assets_skipped']} bad asset(s) skipped"
            if summary.get("assets_skipped")
            else ""
        )
        + ")"
    )
    from ..run.layouts import layout_lines

    for line in layout_lines(summary):
        typer.echo(line)


@app.command()
def merge(
    inputs: list[Path] = typer.Argument(
        ..., help="Shard datasets (folders written by `render --shard K/N`)."
    ),
    out: Path = typer.Option(
        ...,
        "-o",
        "--out",
        help="Merged dataset folder (created; a merge started before is resumed).",
    ),
    formats: list[str] | None = typer.Option(
        None, "--format", help="Formats to write (default: those of the first input)."
    ),
    copy: bool = typer.Option(False, "--copy", help="Copy files instead of hard-linking them."),
    partial: bool = typer.Option(
        False, "--partial", help="Merge even when some of the N shards are missing."
    ),
):
    """Merge shard datasets into one, identical to rendering every frame in one run.

    Files are hard-linked when the folders share a file system; manifest, COCO (unique ids),
    BOP, YOLO and webdataset files are rebuilt from the joined labels."""
    from ..run.shards import merge as merge_datasets

    try:
        summary = merge_datasets(
            inputs, out, parse_formats(formats) if formats else None, copy=copy, partial=partial
        )
    except Synth3dError as e:
        fail(e)
    typer.echo(
        f"merged {summary['merged']} frame(s) from {len(inputs)} dataset(s) into {out} "
        f"({summary['frames']} frames)"
    )


@app.command()
def stylize(
    dataset: str = typer.Argument(
        ...,
        help="A dataset folder written by `synth3d render`, or "
        "a folder (searched recursively) or quoted glob of ordinary "
        "images ('photos/*.jpg').",
    ),
    style: str = typer.Option(
        ...,
        "--style",
        help="A style pass (sketch, paint, transfer, toon, "
        "pixel, halftone, augment), or a YAML file holding a `styles:` list "
        "(a chain, as in a template's post.styles).",
    ),
    out: Path = typer.Option(
        ...,
        "-o",
        "--out",
        help="Output dataset folder (created; an existing run of the same command is resumed).",
    ),
    set_: list[str] | None = typer.Option(
        None,
        "--set",
        help="A pass parameter: PARAM=VALUE, VALUE is YAML, so distributions work "
        "(--set brush=oil, --set 'levels={dist: randint, min: 3, max: 5}'); with a YAML chain, "
        "a path into it (styles[1].params.levels=4). Repeatable.",
    ),
    p: float | None = typer.Option(
        None, "--p", help="Probability that the pass applies to a frame (default 1)."
    ),
    seed: int = typer.Option(
        0, "--seed", help="Seed of the drawn parameters (frame i's are drawn from (seed, i))."
    ),
    asset_root: list[str] | None = typer.Option(None, "--asset-root", help=ASSET_ROOT_HELP),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
    variants: int = typer.Option(
        1,
        "--variants",
        help="Stylisations per image, each with its "
        "own drawn parameters (variant K>0: variants/NNNNNN.K.png).",
    ),
    pairs: str | None = typer.Option(
        None,
        "--pairs",
        help="Also write image pairs under "
        "OUT/pairs/: aligned (pix2pix: A|B side by side in "
        "train/ val/ test/) or unaligned (trainA/ trainB/ …).",
    ),
    side_a: str = typer.Option(
        "source",
        "--a",
        help="Pair side A: source, styled, instance, "
        "semantic or depth (the last three need a synth3d dataset).",
    ),
    side_b: str = typer.Option("styled", "--b", help="Pair side B (as --a)."),
    split: str = typer.Option(
        "0.8,0.1,0.1",
        "--split",
        help="Fractions TRAIN,VAL,TEST of the "
        "source images in each split (drawn per image from --seed).",
    ),
):
    """Stylise a dataset, or a folder of photos, into a new one (labels unchanged).

    Every frame's rgb is run through the style chain with parameters drawn per frame; depth,
    instance masks, labels and formats are linked or copied unchanged, and each SceneSpec records
    the applied steps in post.styles. On ordinary images (no labels, said so in the output) the
    passes that read G-buffers use image-only estimates. --pairs writes A/B pairs for
    image-to-image training. Running the same command again finishes an interrupted run."""
    from rich.console import Console

    from ..run.pairs import PairOptions
    from ..run.stylize import StylizeOptions, open_stylize

    console = Console(stderr=True)
    task: dict = {}
    try:
        opts = None if pairs is None else PairOptions.parse(pairs, side_a, side_b, split)
        job = open_stylize(
            dataset,
            out,
            StylizeOptions(
                style,
                tuple(set_ or ()),
                p=p,
                seed=seed,
                variants=variants,
                pairs=opts,
                asset_roots=asset_relocation(asset_root),
            ),
        )
        bar, task, on_start, on_frame = progress_bar(console, "stylizing", progress)
        with bar:
            summary = job.run(on_start=on_start, on_frame=on_frame)
    except Synth3dError as e:
        fail(e)
    except KeyboardInterrupt:
        interrupted(task, out)
    typer.echo(
        f"wrote {summary['stylized']} frame(s) to {out} "
        f"({summary['images_per_s']:.1f} images/s; {summary['skipped']} already done)"
    )


@app.command()
def export(
    dataset: Path = typer.Argument(..., help="A dataset folder written by `synth3d render`."),
    formats: list[str] = typer.Option(
        ..., "--format", help="coco, bop, yolo or webdataset (repeatable or comma-separated)."
    ),
    asset_root: list[str] | None = typer.Option(None, "--asset-root", help=ASSET_ROOT_HELP),
):
    """Write dataset formats (COCO, BOP, YOLO, webdataset) from a rendered dataset, without
    rendering."""
    from ..writers.dataset import export as _export

    try:
        written = _export(dataset, parse_formats(formats), asset_roots=asset_relocation(asset_root))
    except Synth3dError as e:
        fail(e)
    for p in written:
        typer.echo(f"wrote {p}")
