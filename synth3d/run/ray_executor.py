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
from pathlib import Path
from typing import Callable

from ..errors import Synth3dError
from .frames import ChunkQueue
from .workers import WorkerError, _span


class _RenderActor:
    """One renderer on one Ray worker (wrapped with ``ray.remote`` at run time)."""

    def __init__(self, loaded, size, out: str, formats: list[str], seed: int, backend,
                 writer_threads: int):
        import ray

        from ..render.renderer import Renderer
        from ..writers.dataset import FrameFiles
        from .pipeline import Scenes

        ids = ray.get_gpu_ids()
        # Ray hands each actor one GPU; its id is taken as the EGL device index (on NVIDIA
        # servers EGL lists the GPUs in the same order as the driver does).
        gpu = int(ids[0]) if ids else None
        self.seed = seed
        self.writer_threads = writer_threads
        self.files = FrameFiles(out, formats)
        self.scenes = Scenes(loaded, size=size)
        self.renderer = Renderer(self.scenes.width, self.scenes.height, backend=backend, gpu=gpu)

    def gl_info(self) -> dict:
        return self.renderer.gl_info()

    def render(self, indices: list[int]):
        """Render a chunk. Returns ("ok", [(row, ann_row), ...]) or, when a frame fails,
        ("fatal" | "error", frame, message, records so far) — plain values, so nothing depends
        on exceptions surviving Ray's serialisation."""
        from .pipeline import FrameFailed, render_indices

        records = []
        current = {"index": None}

        def on_start(i):
            from .workers import maybe_fault

            current["index"] = i
            maybe_fault(i)

        try:
            render_indices(self.renderer, self.scenes, self.seed, indices, self.files,
                           lambda row, ann: records.append((row, ann)), self.writer_threads,
                           on_start)
        except FrameFailed as e:
            return ("error", e.index, f"{type(e.error).__name__}: {e.error}", records,
                    "".join(traceback.format_exception(e.error)))
        except Synth3dError as e:
            return ("fatal", current["index"], str(e), records, "")
        except Exception as e:  # noqa: BLE001
            return ("error", current["index"], f"{type(e).__name__}: {e}", records,
                    traceback.format_exc())
        return ("ok", None, "", records, "")


def ray_render(scenes, seed: int, todo: list[int], out, formats: list[str],
               on_record: Callable[[dict, dict], None], workers: int = 1,
               address: str | None = None, chunk: int | None = None, retries: int = 2,
               backend: str | None = None, writer_threads: int = 2,
               log: Callable[[str], None] | None = None) -> dict:
    """Render ``todo`` on Ray actors (``workers`` of them; with workers = 1, one per GPU of the
    cluster, or one). Returns the first actor's GL info."""
    log = log or (lambda _m: None)
    try:
        import ray
    except ImportError:
        raise Synth3dError("--executor", "ray is not installed: pip install 'synth3d[ray]'") from None
    started = not ray.is_initialized()
    if started:
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=True,
                     logging_level="ERROR", configure_logging=True,
                     runtime_env={"env_vars": {k: v for k, v in os.environ.items()
                                               if k.startswith(("SYNTH3D_", "PYOPENGL_", "EGL_",
                                                                "LP_", "MESA_"))}})
        except Exception as e:  # noqa: BLE001 — connection errors come in many types
            raise Synth3dError("--ray-address", f"cannot start or reach Ray "
                               f"({type(e).__name__}: {str(e).splitlines()[0][:200]})") from None
    res = ray.cluster_resources()
    n_gpus = int(res.get("GPU", 0))
    n = workers if workers > 1 else max(1, n_gpus)
    options = {"num_gpus": 1, "num_cpus": 1} if n_gpus else {"num_cpus": 1}
    Actor = ray.remote(**options)(_RenderActor)
    out = str(Path(out).resolve())
    size = (scenes.width, scenes.height)

    def new_actor():
        return Actor.remote(scenes.loaded, size, out, formats, seed, backend, writer_threads)

    queue = ChunkQueue(todo, chunk or max(1, min(16, len(todo) // (4 * n) or 1)))  # lazily
    actors = [new_actor() for _ in range(min(n, max(1, len(queue))))]
    gl: dict = {}
    try:
        gl = ray.get(actors[0].gl_info.remote())
    except Exception as e:  # noqa: BLE001
        raise Synth3dError("ray", f"the first renderer could not start "
                           f"({type(e).__name__}: {str(e).splitlines()[0][:200]})") from None
    inflight: dict = {}  # ObjectRef -> (actor slot, chunk, tries)

    def submit(slot: int) -> None:
        if queue:
            c, tries = queue.popleft()
            inflight[actors[slot].render.remote(c)] = (slot, c, tries)

    def fail(slot: int, c: list[int], tries: int, done: set, index, why: str) -> None:
        rest = [i for i in c if i not in done]
        frame = f"frame {index}" if index is not None else f"frames {c[0]}–{c[-1]}"
        if tries >= retries:
            raise WorkerError(frame, f"Ray actor {slot} failed {tries + 1} time(s): {why}; "
                              "stopping (finished frames are kept: run the same command again "
                              "to resume)")
        log(f"{frame}: Ray actor {slot} failed ({why}); retrying {_span(rest)} on a new actor")
        try:
            ray.kill(actors[slot], no_restart=True)
        except Exception:  # noqa: BLE001
            pass
        actors[slot] = new_actor()
        if rest:
            queue.appendleft((rest, tries + 1))

    try:
        for slot in range(len(actors)):
            submit(slot)
        while inflight:
            ready, _ = ray.wait(list(inflight), num_returns=1)
            ref = ready[0]
            slot, c, tries = inflight.pop(ref)
            try:
                status, index, text, records, tb = ray.get(ref)
            except Exception as e:  # noqa: BLE001 — the actor died (RayActorError, ...)
                fail(slot, c, tries, set(), None,
                     f"{type(e).__name__}: {str(e).splitlines()[0][:200]}")
                submit(slot)
                continue
            for row, ann in records:
                on_record(row, ann)
            if status == "fatal":
                where, _, message = text.partition(": ")
                raise Synth3dError(where, message) if message else Synth3dError("ray", text)
            if status == "error":
                if tb and os.environ.get("SYNTH3D_DEBUG"):
                    log(tb)
                fail(slot, c, tries, {r["index"] for r, _ in records}, index, text)
            submit(slot)
    finally:
        for a in actors:
            try:
                ray.kill(a, no_restart=True)
            except Exception:  # noqa: BLE001
                pass
        if started:
            ray.shutdown()
    return gl
