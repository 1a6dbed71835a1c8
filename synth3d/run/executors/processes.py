"""Worker processes on one machine: ``synth3d render --workers N [--gpus 0,1]``.

Each worker is a spawned process with one long-lived renderer (on an EGL device of ``gpus``,
round-robin). The main process hands out chunks of frame indices over a pipe per worker; a worker
renders a chunk with the usual writer threads, writes the frames' files itself (atomic renames
into the shared output folder) and sends one record per finished frame back. Only the main
process appends to the manifest, so a frame counts as done exactly when its files are all in
place, whichever worker made them — and the files are the same bytes for any number of workers,
since frame *i* depends only on (template, seed, *i*).

Faults: a worker that dies (a GL crash, the kernel's OOM killer, ``kill -9``) or raises an
unexpected error is reported with the frame it was on; the unfinished rest of its chunk is retried
on a fresh worker (``retries`` times), then the run stops with a clear message. Template and
placement errors stop the run at once (retrying cannot help). Finished frames are never lost:
their manifest lines are already written. Workers die with the main process (``PR_SET_PDEATHSIG``
on Linux), so killing a run leaves no orphans rendering into the folder.
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import signal
import traceback
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

from ...errors import Synth3dError
from ..faults import fault_hook
from ..lazy import ChunkQueue
from .base import Job, OnRecord, WorkerError, default_chunk, describe, error_from_text, span

# Ask the kernel to SIGKILL a worker when its parent dies (Linux; elsewhere workers notice
# the closed pipe at their next message).
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def worker_main(
    conn, loaded, size, out: str, formats: list[str], seed: int, backend, gpu, writer_threads: int
) -> None:
    """Body of a worker process: build the scenes and one renderer, then render the chunks it
    is sent until it receives None."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    from ...render.renderer import Renderer
    from ...writers.dataset import FrameFiles
    from ..frames import FrameFailed, Scenes
    from .base import render_units

    current = {"index": None}
    fault = fault_hook()
    try:
        scenes = Scenes(loaded, size=size)
        renderer = Renderer(scenes.width, scenes.height, backend=backend, gpu=gpu)
        conn.send(("ready", renderer.gl_info()))
    except BaseException as e:  # noqa: BLE001 — everything goes back to the main process
        conn.send(("error", None, isinstance(e, Synth3dError), describe(e), traceback.format_exc()))
        return
    files = FrameFiles(out, formats)

    def on_record(row, ann_row):
        conn.send(("frame", row, ann_row))

    def on_start(i):
        current["index"] = i
        conn.send(("start", i))  # so a crash can be reported with its frame
        if fault is not None:
            fault(i)

    try:
        while True:
            msg = conn.recv()
            if msg is None:
                break
            try:
                render_units(
                    renderer, scenes, seed, msg, files, on_record, writer_threads, on_start
                )
                conn.send(("chunk_done",))
            except FrameFailed as e:
                conn.send(
                    (
                        "error",
                        e.index,
                        False,
                        describe(e.error),
                        "".join(traceback.format_exception(e.error)),
                    )
                )
            except Synth3dError as e:
                conn.send(("error", current["index"], True, describe(e), ""))
            except Exception as e:  # noqa: BLE001
                conn.send(("error", current["index"], False, describe(e), traceback.format_exc()))
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        pass
    finally:
        renderer.close()


@dataclass
class _Worker:
    wid: int
    gpu: int | None
    proc: mp.process.BaseProcess
    conn: object
    ready: bool = False
    chunk: list[int] | None = None
    current: int | None = None
    tries: int = 0
    finished: set = field(default_factory=set)

    def where(self) -> str:
        return f"worker {self.wid}" + (f" (GPU {self.gpu})" if self.gpu is not None else "")

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass


class ProcessExecutor:
    """Renders a run's frames in ``options.workers`` spawned processes."""

    def __init__(self, job: Job):
        self.job = job
        self.ctx = mp.get_context("spawn")
        self.pool: dict[int, _Worker] = {}
        self.queue: deque = deque()
        self.starts: dict[int, int] = {}
        self.stopping: list[Synth3dError] = []
        self.gl: dict = {}
        self.on_record: OnRecord = lambda row, ann: None

    def gl_info(self) -> dict:
        return self.gl

    # -- workers -------------------------------------------------------------------------

    def _spawn(self, wid: int) -> _Worker:
        job, gpus = self.job, self.job.options.gpus
        gpu = gpus[wid % len(gpus)] if gpus else None
        here, there = self.ctx.Pipe(duplex=True)
        p = self.ctx.Process(
            target=worker_main,
            name=f"synth3d-worker-{wid}",
            daemon=True,
            args=(
                there,
                job.scenes.loaded,
                (job.scenes.width, job.scenes.height),
                str(Path(job.out)),
                list(job.formats),
                job.seed,
                job.options.backend,
                gpu,
                job.options.writer_threads,
            ),
        )
        p.start()
        there.close()
        return _Worker(wid, gpu, p, here)

    def _replace(self, w: _Worker) -> None:
        """Put a fresh worker in a failed one's place (a worker that cannot even start is given
        up after ``retries`` + 1 attempts)."""
        if w.proc.is_alive():
            w.proc.kill()
        w.proc.join(timeout=5)
        w.conn.close()
        self.starts[w.wid] = self.starts.get(w.wid, 0) + (0 if w.ready else 1)
        if self.starts[w.wid] > self.job.options.retries:
            raise WorkerError(
                "start-up",
                f"worker {w.wid} could not start a renderer ({self.starts[w.wid]} tries)",
            )
        self.pool[w.wid] = self._spawn(w.wid)

    def _hand_out(self, w: _Worker) -> None:
        if self.queue and w.ready and w.chunk is None:
            w.chunk, w.tries = self.queue.popleft()
            w.finished = set()
            w.current = None
            w.conn.send(w.chunk)

    def _retry_or_stop(self, w: _Worker, index, why: str) -> None:
        """The worker failed on ``index``: requeue the rest of its chunk, or raise to stop."""
        if w.chunk is None:  # failed before its first chunk; _replace limits the restarts
            self.job.log(f"{w.where()} failed to start ({why}); starting another")
            return
        rest = [i for i in w.chunk if i not in w.finished]
        frame = f"frame {index}" if index is not None else f"frames {w.chunk[0]}–{w.chunk[-1]}"
        if w.tries >= self.job.options.retries:
            raise WorkerError(
                frame,
                f"{w.where()} failed {w.tries + 1} time(s): {why}; stopping "
                f"(finished frames are kept: run the same command again to resume)",
            )
        self.job.log(f"{frame}: {w.where()} failed ({why}); retrying {span(rest)} on a new worker")
        if rest:
            self.queue.appendleft((rest, w.tries + 1))

    def _stop_all(self, e: Synth3dError) -> None:
        """Hand out nothing more, but let the other workers finish their chunks (their frames
        are kept); ``e`` is reported at the end."""
        self.stopping.append(e)
        self.queue.clear()

    # -- messages and deaths -------------------------------------------------------------

    def _handle(self, w: _Worker, msg) -> bool:
        """Act on one message from ``w``; False when the worker failed and was replaced."""
        kind = msg[0]
        if kind == "ready":
            w.ready = True
            self.gl = self.gl or msg[1]
        elif kind == "start":
            w.current = msg[1]
        elif kind == "frame":
            self.on_record(msg[1], msg[2])
            w.finished.add(msg[1]["index"])
        elif kind == "chunk_done":
            w.chunk = None
        elif kind == "error":
            _k, index, fatal, text, tb = msg
            if tb and os.environ.get("SYNTH3D_DEBUG"):
                self.job.log(tb)
            try:
                if fatal:
                    raise error_from_text(text)
                self._retry_or_stop(w, index, text)
            except Synth3dError as e:
                self._stop_all(e)
                w.chunk = None
                w.stop()
                return True
            w.chunk = None
            self._replace(w)
            return False
        return True

    def _service(self, w: _Worker) -> None:
        """Read what ``w`` sent; if its process ended, retry its chunk on a new worker."""
        alive, broken = True, False
        try:
            # Everything the worker sent before it ended still counts.
            while alive and w.conn.poll():
                alive = self._handle(w, w.conn.recv())
        except (EOFError, OSError):
            broken = True
        if not alive or (not broken and w.proc.is_alive()):
            return
        # The process ended (or its pipe broke): it died.
        w.proc.join(timeout=1.0)
        if w.chunk is None and self.stopping:
            del self.pool[w.wid]  # told to stop
            return
        code = w.proc.exitcode
        why = (
            f"killed by signal {-code}"
            if code is not None and code < 0
            else f"exited with code {code}"
        )
        try:
            self._retry_or_stop(w, w.current, why)
        except Synth3dError as e:
            self._stop_all(e)
            del self.pool[w.wid]
            return
        w.chunk = None
        self._replace(w)

    # -- the run -------------------------------------------------------------------------

    def run(self, todo: list[int], on_record: OnRecord) -> dict:
        """Render ``todo``; ``on_record(row, ann_row)`` runs in this process for each finished
        frame. Returns the first worker's GL info."""
        o = self.job.options
        self.on_record = on_record
        # Chunks are cut as they are handed out (todo may be huge; see run.lazy).
        self.queue = ChunkQueue(todo, o.chunk or default_chunk(len(todo), o.workers))
        for wid in range(min(o.workers, max(1, len(self.queue)))):
            self.pool[wid] = self._spawn(wid)
        while self.pool and (self.queue or any(w.chunk for w in self.pool.values())):
            conns = {w.conn: w for w in self.pool.values()}
            sentinels = {w.proc.sentinel: w for w in self.pool.values()}
            for obj in wait(list(conns) + list(sentinels), timeout=5.0):
                w = conns.get(obj) or sentinels.get(obj)
                if self.pool.get(w.wid) is w:  # not already replaced in this round
                    self._service(w)
            for w in list(self.pool.values()):
                self._hand_out(w)
        for w in self.pool.values():
            w.stop()
        for w in self.pool.values():
            w.proc.join(timeout=30)
        if self.stopping:
            raise self.stopping[0]
        return self.gl

    def close(self) -> None:
        for w in self.pool.values():
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join(timeout=5)
            w.conn.close()
        self.pool = {}
