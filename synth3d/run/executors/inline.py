"""The inline executor: one renderer in the calling process (``--workers 1``, the default)."""

from __future__ import annotations

from ...render.renderer import Renderer
from ...writers.dataset import FrameFiles
from .base import Job, OnRecord, render_units


class InlineExecutor:
    def __init__(self, job: Job):
        self.job = job
        gpus = job.options.gpus
        self.renderer = Renderer(
            job.scenes.width,
            job.scenes.height,
            backend=job.options.backend,
            gpu=gpus[0] if gpus else None,
        )

    def gl_info(self) -> dict:
        return self.renderer.gl_info()

    def run(self, todo: list[int], on_record: OnRecord) -> dict:
        job = self.job
        render_units(
            self.renderer,
            job.scenes,
            job.seed,
            todo,
            FrameFiles(job.out, list(job.formats)),
            on_record,
            job.options.writer_threads,
        )
        return self.gl_info()

    def close(self) -> None:
        self.renderer.close()
