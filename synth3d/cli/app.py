"""The ``synth3d`` command line: the typer app, its global options and the helpers the commands
share (the commands themselves are in :mod:`.produce` and :mod:`.look`)."""

from __future__ import annotations

import os

import typer

from .. import __version__
from ..errors import Synth3dError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="synth3d: render labelled synthetic image datasets from YAML scene templates, headlessly.",
)

_state = {"debug": False}


def fail(err: BaseException) -> None:
    if _state["debug"]:
        raise err
    msg = str(err).replace("\n", " ")
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(2)


def parse_size(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        w, h = text.lower().split("x")
        w, h = int(w), int(h)
    except ValueError:
        raise Synth3dError(
            "--size", f"expected WIDTHxHEIGHT such as 640x480, got {text!r}"
        ) from None
    if not (8 <= w <= 16384 and 8 <= h <= 16384):
        raise Synth3dError("--size", "width and height must be within 8..16384")
    return w, h


def _version(value: bool):
    if value:
        typer.echo(f"synth3d {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    debug: bool = typer.Option(
        False, "--debug", help="Show tracebacks instead of one-line errors."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    asset_roots: str | None = typer.Option(
        None,
        "--asset-roots",
        help="Confine every file a template reads to these folders "
        f"(separated by '{os.pathsep}'); others are refused. For services rendering other "
        "people's templates. Env: SYNTH3D_ASSET_ROOTS.",
    ),
    max_image_pixels: int | None = typer.Option(
        None,
        "--max-image-pixels",
        help="Largest image (width × height) read as a texture, "
        "card, background, reference or HDRI, checked before decoding (default 134217728 = "
        "16384×8192; 0: no limit). Env: SYNTH3D_MAX_IMAGE_PIXELS.",
    ),
):
    _state["debug"] = debug
    # Environment variables, so worker processes inherit them.
    if asset_roots is not None:
        os.environ["SYNTH3D_ASSET_ROOTS"] = asset_roots
    if max_image_pixels is not None:
        if max_image_pixels < 0:
            fail(
                Synth3dError(
                    "--max-image-pixels", f"must be ≥ 0 (0: no limit), got {max_image_pixels}"
                )
            )
        os.environ["SYNTH3D_MAX_IMAGE_PIXELS"] = str(max_image_pixels)
    import warnings

    from ..errors import AssetWarning

    plain = warnings.formatwarning
    warnings.formatwarning = lambda msg, cat, *a, **k: (
        f"warning: {msg}\n" if issubclass(cat, AssetWarning) else plain(msg, cat, *a, **k)
    )


SET_HELP = (
    "Override a template field: path.to.field=VALUE (VALUE is YAML, e.g. "
    "camera.fov_y_deg=40, objects[0].count={dist: randint, min: 1, max: 3}). Repeatable."
)
GL_HELP = "Headless GL platform: egl (default; NVIDIA or Mesa) or osmesa. Env: SYNTH3D_GL."
ASSET_ROOT_HELP = (
    "Where the assets are now, if they moved: DIR (the template's asset_root), "
    "NAME=DIR (a named root of dataset.json's asset_roots) or /old/dir=/new/dir "
    "(old datasets with absolute paths). Repeatable."
)


def asset_relocation(values: list[str] | None) -> dict | None:
    from ..assets.roots import parse_relocation

    try:
        return parse_relocation(values) or None
    except Synth3dError as e:
        fail(e)


def progress_bar(console, verb: str, enabled: bool):
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

    bar = Progress(
        TextColumn(f"[bold]{verb}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        disable=not enabled,
    )
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


def parse_gpus(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise Synth3dError(
            "--gpus", f"must be comma-separated device numbers, got '{text}'"
        ) from None


def parse_formats(values: list[str]) -> list[str]:
    from ..writers.formats import FORMATS

    out = [f.strip().lower() for v in values for f in v.split(",") if f.strip()]
    for f in out:
        if f not in FORMATS:
            raise Synth3dError("--format", f"unknown format '{f}' (choose {', '.join(FORMATS)})")
    return out


def interrupted(task: dict, out) -> None:
    """Ctrl-C during a frame loop: say what was kept and how to finish; exit 130."""
    typer.echo(
        f"interrupted: {task.get('n', 0)} new frame(s) written to {out}; run the same "
        "command again to finish",
        err=True,
    )
    raise typer.Exit(130) from None


def run():  # console-script entry point
    app()
