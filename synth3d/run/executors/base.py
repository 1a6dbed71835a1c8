"""What every executor shares: the job it runs, the interface the pipeline calls, and the helpers
for chunking frames and reporting failures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ...errors import Synth3dError
from ..frames import Scenes
from ..options import RenderOptions

OnRecord = Callable[[dict, dict], None]


@dataclass(frozen=True)
class Job:
    """One run: the template ready to sample, the root seed, the output folder and formats, the
    run options, and where progress notes go."""

    scenes: Scenes
    seed: int
    out: str
    formats: tuple[str, ...]
    options: RenderOptions
    log: Callable[[str], None]


class Executor(Protocol):
    """Spreads a run's frames over renderers.

    ``__init__(job)`` may start renderers (the inline executor starts its one renderer there, so
    its GL strings are known before the dataset folder is opened); :meth:`run` renders and
    writes the frames' files, calling ``on_record(row, ann_row)`` in the calling thread for every
    finished frame, and returns the GL strings of a renderer it used; :meth:`close` releases
    everything, also after a failure."""

    def gl_info(self) -> dict: ...

    def run(self, todo: list[int], on_record: OnRecord) -> dict: ...

    def close(self) -> None: ...


class WorkerError(Synth3dError):
    """A worker process (or Ray actor) failed beyond its retries."""


def render_units(
    renderer,
    scenes: Scenes,
    seed: int,
    indices,
    files,
    on_record: OnRecord,
    writer_threads: int = 2,
    on_start=None,
) -> None:
    """What every executor runs on its renderer: :func:`~synth3d.run.frames.render_indices`,
    or for a sequence template :func:`~synth3d.run.sequences.render_sequences` (whole sequences,
    the unit of work)."""
    if scenes.sequence is not None:
        from ..sequences import render_sequences as render
    else:
        from ..frames import render_indices as render
    render(renderer, scenes, seed, indices, files, on_record, writer_threads, on_start)


def default_chunk(todo: int, workers: int) -> int:
    """Chunk size: small enough to balance the workers' load and lose little on a crash, large
    enough that handing out chunks costs nothing (4..32 frames)."""
    return max(4, min(32, todo // max(1, workers * 4) or 1))


def chunks(indices: list[int], size: int) -> list[list[int]]:
    return [indices[i : i + size] for i in range(0, len(indices), size)]


def span(frames: list[int]) -> str:
    """Frames as text: ``frame 4``, ``frames 4–7`` or ``frames 4, 6, 9``."""
    if not frames:
        return "nothing"
    if frames == list(range(frames[0], frames[-1] + 1)):
        return f"frame {frames[0]}" if len(frames) == 1 else f"frames {frames[0]}–{frames[-1]}"
    return "frames " + ", ".join(map(str, frames))


def describe(e: BaseException) -> str:
    """One line for an exception: a Synth3dError's own text, else ``Type: message``."""
    if isinstance(e, Synth3dError):
        return str(e)
    return f"{type(e).__name__}: {e}"


def error_from_text(text: str, default_where: str = "worker") -> Synth3dError:
    """'where: message' (a Synth3dError sent as text) back into a Synth3dError."""
    where, _, message = text.partition(": ")
    return Synth3dError(where, message) if message else Synth3dError(default_where, text)
