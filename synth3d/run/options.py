"""Run options: one frozen object built by the CLI and the Python API and handed through the
pipeline to the executors, instead of long parameter lists."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import TemplateError

EXECUTORS = ("local", "ray")
SHARD_LAYOUTS = ("contiguous", "interleaved")


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


@dataclass(frozen=True)
class RenderOptions:
    """How to run a render (what to render is the template).

    Attributes
    ----------
    n : int or None
        Frames to render (None: the template's ``frames``, or every combination in exhaustive
        mode).
    seed : int or None
        Root seed (None: the template's).
    start : int
        Index of the first frame.
    size : (width, height) or None
        Overrides the template's image size.
    overrides : tuple of str
        ``--set`` style ``path=VALUE`` template overrides.
    formats : tuple of str or None
        Dataset formats (None: the template's ``output.formats``).
    backend : str or None
        GL platform (``egl``, ``osmesa``; None: ``$SYNTH3D_GL`` or egl).
    gpus : tuple of int
        EGL devices, round-robin over workers (empty: the default device).
    workers : int
        Renderer processes (1 renders in the calling process).
    executor : {'local', 'ray'}
    ray_address : str or None
        Ray cluster to join (None: a local one).
    chunk : int or None
        Frames handed to a worker at a time (None: by run size).
    retries : int
        Times a crashed worker's chunk is retried.
    writer_threads : int
        Threads that finish, label, encode and write frames behind the renderer.
    shard : (K, N) or None
        Render only part K of N (a string "K/N" is accepted).
    shard_layout : {'contiguous', 'interleaved'}
    """

    n: int | None = None
    seed: int | None = None
    start: int = 0
    size: tuple[int, int] | None = None
    overrides: tuple[str, ...] = ()
    formats: tuple[str, ...] | None = None
    backend: str | None = None
    gpus: tuple[int, ...] = ()
    workers: int = 1
    executor: str = "local"
    ray_address: str | None = None
    chunk: int | None = None
    retries: int = 2
    writer_threads: int = 2
    shard: tuple[int, int] | None = None
    shard_layout: str = "contiguous"

    def __post_init__(self):
        # Accept lists and "K/N" from callers; store hashable, canonical values.
        fix = object.__setattr__
        fix(self, "overrides", tuple(self.overrides or ()))
        fix(self, "gpus", tuple(self.gpus or ()))
        if self.formats is not None:
            fix(self, "formats", tuple(self.formats))
        if self.size is not None:
            fix(self, "size", tuple(self.size))
        if isinstance(self.shard, str):
            fix(self, "shard", parse_shard(self.shard))
        elif self.shard is not None:
            fix(self, "shard", tuple(self.shard))

    @classmethod
    def from_kwargs(cls, gpu: int | None = None, **kw) -> RenderOptions:
        """Options from keyword arguments, accepting ``gpu=N`` (one device) as ``gpus=(N,)``."""
        if gpu is not None and not kw.get("gpus"):
            kw["gpus"] = (gpu,)
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(kw) - names)
        if unknown:
            raise TypeError(f"unknown render option(s): {', '.join(unknown)}")
        return cls(**kw)

    def replace(self, **kw) -> RenderOptions:
        return dataclasses.replace(self, **kw)

    def check(self) -> None:
        """Raise TemplateError (naming the CLI flag) for values out of range."""
        if self.n is not None and self.n < 1:
            raise TemplateError("-n", f"must be ≥ 1, got {self.n}")
        if self.start < 0:
            raise TemplateError("--start", f"must be ≥ 0, got {self.start}")
        if self.seed is not None and self.seed < 0:
            raise TemplateError("--seed", f"must be ≥ 0, got {self.seed}")
        if self.workers < 1:
            raise TemplateError("--workers", f"must be ≥ 1, got {self.workers}")
        if self.executor not in EXECUTORS:
            raise TemplateError(
                "--executor", f"must be one of {', '.join(EXECUTORS)}, got '{self.executor}'"
            )
        if self.chunk is not None and self.chunk < 1:
            raise TemplateError("--chunk", f"must be ≥ 1, got {self.chunk}")
        if self.shard_layout not in SHARD_LAYOUTS:
            raise TemplateError(
                "--shard-layout", f"must be contiguous or interleaved, got '{self.shard_layout}'"
            )


@dataclass(frozen=True)
class Progress:
    """Callbacks of a run, all optional: ``on_start(todo, skipped)`` once before the first frame,
    ``on_frame(index)`` as each frame is committed, ``on_message(text)`` for notes such as a
    worker being retried."""

    on_start: Callable[[int, int], None] | None = None
    on_frame: Callable[[int], None] | None = None
    on_message: Callable[[str], None] | None = None
