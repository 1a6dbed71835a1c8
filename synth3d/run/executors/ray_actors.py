"""Ray executor: ``synth3d render --executor ray [--ray-address ADDR] [--workers N]``.

Chunks of frames run on Ray actors, each holding one long-lived renderer (and asking Ray for a GPU
when the cluster has GPUs, so every renderer gets its own). Actors write the frames' files straight
into the output folder — on a cluster it must be a shared file system mounted at the same path on
every node — and return the frames' manifest and label rows; the driver (this process) appends
them to the manifest, so a frame counts as done only once its files are all in place. A chunk whose
actor dies or fails is retried on a fresh actor ``retries`` times; template and placement errors
stop the run at once. Frames are the same bytes as with the local executor.

Ray is an optional dependency: ``pip install 'synth3d[ray]'``.
"""

from __future__ import annotations

import os
import traceback
from collections import deque
from pathlib import Path

from ...errors import Synth3dError
from ..faults import fault_hook
from ..lazy import ChunkQueue
from .base import Job, OnRecord, WorkerError, error_from_text, span


class _RenderActor:
    """One renderer on one Ray worker (wrapped with ``ray.remote`` at run time)."""

    def __init__(
        self, loaded, size, out: str, formats: list[str], seed: int, backend, writer_threads: int
    ):
        import ray

        from ...render.renderer import Renderer
        from ...writers.dataset import FrameFiles
        from ..frames import Scenes

        ids = ray.get_gpu_ids()
        # Ray hands each actor one GPU; its id is taken as the EGL device index (on NVIDIA
        # servers EGL lists the GPUs in the same order as the driver does).
        gpu = int(ids[0]) if ids else None
        self.seed = seed
        self.writer_threads = writer_threads
        self.files = FrameFiles(out, formats)
        self.scenes = Scenes(loaded, size=size)
        self.renderer = Renderer(self.scenes.width, self.scenes.height, backend=backend, gpu=gpu)
        self.fault = fault_hook()

    def gl_info(self) -> dict:
        return self.renderer.gl_info()

    def render(self, indices: list[int]):
        """Render a chunk. Returns ("ok", [(row, ann_row), ...]) or, when a frame fails,
        ("fatal" | "error", frame, message, records so far) — plain values, so nothing depends
        on exceptions surviving Ray's serialisation."""
        from ..frames import FrameFailed
        from .base import render_units

        records = []
        current = {"index": None}

        def on_start(i):
            current["index"] = i
            if self.fault is not None:
                self.fault(i)

        try:
            render_units(
                self.renderer,
                self.scenes,
                self.seed,
                indices,
                self.files,
                lambda row, ann: records.append((row, ann)),
                self.writer_threads,
                on_start,
            )
        except FrameFailed as e:
            return (
                "error",
                e.index,
                f"{type(e.error).__name__}: {e.error}",
                records,
                "".join(traceback.format_exception(e.error)),
            )
        except Synth3dError as e:
            return ("fatal", current["index"], str(e), records, "")
        except Exception as e:  # noqa: BLE001
            return (
                "error",
                current["index"],
                f"{type(e).__name__}: {e}",
                records,
                traceback.format_exc(),
            )
        return ("ok", None, "", records, "")


def _import_ray():
    try:
        import ray
    except ImportError:
        raise Synth3dError(
            "--executor", "ray is not installed: pip install 'synth3d[ray]'"
        ) from None
    return ray


class RayExecutor:
    """Renders a run's frames on Ray actors (``options.workers`` of them; with workers = 1, one
    per GPU of the cluster, or one)."""

    def __init__(self, job: Job):
        self.job = job
        self.ray = _import_ray()  # fail before the dataset folder is touched
        self.started = False
        self.actors: list = []
        self.queue: deque = deque()
        self.inflight: dict = {}  # ObjectRef -> (actor slot, chunk, tries)

    def gl_info(self) -> dict:
        return {}

    def _init_ray(self) -> None:
        ray = self.ray
        self.started = not ray.is_initialized()
        if not self.started:
            return
        try:
            ray.init(
                address=self.job.options.ray_address,
                include_dashboard=False,
                log_to_driver=True,
                logging_level="ERROR",
                configure_logging=True,
                runtime_env={
                    "env_vars": {
                        k: v
                        for k, v in os.environ.items()
                        if k.startswith(("SYNTH3D_", "PYOPENGL_", "EGL_", "LP_", "MESA_"))
                    }
                },
            )
        except Exception as e:  # noqa: BLE001 — connection errors come in many types
            raise Synth3dError(
                "--ray-address",
                f"cannot start or reach Ray ({type(e).__name__}: {str(e).splitlines()[0][:200]})",
            ) from None

    def _new_actor(self):
        job = self.job
        return self._Actor.remote(
            job.scenes.loaded,
            (job.scenes.width, job.scenes.height),
            str(Path(job.out).resolve()),
            list(job.formats),
            job.seed,
            job.options.backend,
            job.options.writer_threads,
        )

    def _submit(self, slot: int) -> None:
        if self.queue:
            c, tries = self.queue.popleft()
            self.inflight[self.actors[slot].render.remote(c)] = (slot, c, tries)

    def _fail(self, slot: int, c: list[int], tries: int, done: set, index, why: str) -> None:
        rest = [i for i in c if i not in done]
        frame = f"frame {index}" if index is not None else f"frames {c[0]}–{c[-1]}"
        if tries >= self.job.options.retries:
            raise WorkerError(
                frame,
                f"Ray actor {slot} failed {tries + 1} time(s): {why}; "
                "stopping (finished frames are kept: run the same command again "
                "to resume)",
            )
        self.job.log(
            f"{frame}: Ray actor {slot} failed ({why}); retrying {span(rest)} on a new actor"
        )
        try:
            self.ray.kill(self.actors[slot], no_restart=True)
        except Exception:  # noqa: BLE001
            pass
        self.actors[slot] = self._new_actor()
        if rest:
            self.queue.appendleft((rest, tries + 1))

    def _collect(self, ref, on_record: OnRecord) -> None:
        """Take a finished chunk's result: commit its frames, retry or stop on failure."""
        slot, c, tries = self.inflight.pop(ref)
        try:
            status, index, text, records, tb = self.ray.get(ref)
        except Exception as e:  # noqa: BLE001 — the actor died (RayActorError, ...)
            self._fail(
                slot, c, tries, set(), None, f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
            )
            self._submit(slot)
            return
        for row, ann in records:
            on_record(row, ann)
        if status == "fatal":
            raise error_from_text(text, "ray")
        if status == "error":
            if tb and os.environ.get("SYNTH3D_DEBUG"):
                self.job.log(tb)
            self._fail(slot, c, tries, {r["index"] for r, _ in records}, index, text)
        self._submit(slot)

    def run(self, todo: list[int], on_record: OnRecord) -> dict:
        ray, o = self.ray, self.job.options
        self._init_ray()
        n_gpus = int(ray.cluster_resources().get("GPU", 0))
        n = o.workers if o.workers > 1 else max(1, n_gpus)
        self._Actor = ray.remote(**({"num_gpus": 1, "num_cpus": 1} if n_gpus else {"num_cpus": 1}))(
            _RenderActor
        )
        size = o.chunk or max(1, min(16, len(todo) // (4 * n) or 1))
        self.queue = ChunkQueue(todo, size)  # cut as handed out (todo may be huge)
        self.actors = [self._new_actor() for _ in range(min(n, max(1, len(self.queue))))]
        try:
            gl = ray.get(self.actors[0].gl_info.remote())
        except Exception as e:  # noqa: BLE001
            raise Synth3dError(
                "ray",
                f"the first renderer could not start "
                f"({type(e).__name__}: {str(e).splitlines()[0][:200]})",
            ) from None
        for slot in range(len(self.actors)):
            self._submit(slot)
        while self.inflight:
            ready, _ = ray.wait(list(self.inflight), num_returns=1)
            self._collect(ready[0], on_record)
        return gl

    def close(self) -> None:
        for a in self.actors:
            try:
                self.ray.kill(a, no_restart=True)
            except Exception:  # noqa: BLE001
                pass
        self.actors = []
        if self.started:
            self.ray.shutdown()
            self.started = False
