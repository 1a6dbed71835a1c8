"""Executors: how a run's frames are spread over renderers — in this process, in worker
processes, or on Ray actors. The pipeline calls them through :class:`~.base.Executor`; they never
import the pipeline. Adding one is a module with a class taking a :class:`~.base.Job` and one
line in :data:`REGISTRY`."""

from __future__ import annotations

import importlib

from ..options import RenderOptions
from .base import Executor, Job

# name → "module:class" (imported on first use: Ray and multiprocessing load only when used).
REGISTRY = {
    "inline": "synth3d.run.executors.inline:InlineExecutor",
    "processes": "synth3d.run.executors.processes:ProcessExecutor",
    "ray": "synth3d.run.executors.ray_actors:RayExecutor",
}


def executor_name(options: RenderOptions) -> str:
    """``ray`` for ``--executor ray``; else ``inline`` for one worker, ``processes`` for more."""
    if options.executor == "ray":
        return "ray"
    return "inline" if options.workers == 1 else "processes"


def make_executor(job: Job) -> Executor:
    module, cls = REGISTRY[executor_name(job.options)].split(":")
    return getattr(importlib.import_module(module), cls)(job)


__all__ = ["Executor", "Job", "REGISTRY", "executor_name", "make_executor"]
