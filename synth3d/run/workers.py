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

import multiprocessing as mp
import os
import signal
import traceback
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Callable

from ..errors import Synth3dError
from .frames import ChunkQueue

# Ask the kernel to SIGKILL a worker when its parent dies (Linux; elsewhere workers notice
# the closed pipe at their next message).
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def maybe_fault(index: int) -> None:
    """Test hook: ``SYNTH3D_TEST_FAULT=KIND:FRAME:MARKER`` makes the process rendering frame
    FRAME fail once — ``exit`` dies at once (as a GL crash or the OOM killer would), ``raise``
    raises RuntimeError — and creates the file MARKER so that the retry succeeds. Unset in
    normal use."""
    spec = os.environ.get("SYNTH3D_TEST_FAULT")
    if not spec:
        return
    kind, frame, marker = spec.split(":", 2)
    if int(frame) != index or os.path.exists(marker):
        return
    Path(marker).touch()
    if kind == "exit":
        os._exit(70)
    raise RuntimeError(f"injected fault at frame {index}")


def default_chunk(todo: int, workers: int) -> int:
    """Chunk size: small enough to balance the workers' load and lose little on a crash, large
    enough that handing out chunks costs nothing (4..32 frames)."""
    return max(4, min(32, todo // max(1, workers * 4) or 1))


def chunks(indices: list[int], size: int) -> list[list[int]]:
    return [indices[i:i + size] for i in range(0, len(indices), size)]


def worker_main(conn, loaded, size, out: str, formats: list[str], seed: int, backend, gpu,
                writer_threads: int) -> None:
    """Body of a worker process: build the scenes and one renderer, then render the chunks it
    is sent until it receives None."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    from ..render.renderer import Renderer
    from ..writers.dataset import FrameFiles
    from .pipeline import FrameFailed, Scenes, render_indices

    current = {"index": None}
    try:
        scenes = Scenes(loaded, size=size)
        renderer = Renderer(scenes.width, scenes.height, backend=backend, gpu=gpu)
        conn.send(("ready", renderer.gl_info()))
    except BaseException as e:  # noqa: BLE001 — everything goes back to the main process
        conn.send(("error", None, isinstance(e, Synth3dError), _describe(e), traceback.format_exc()))
        return
    files = FrameFiles(out, formats)

    def on_record(row, ann_row):
        conn.send(("frame", row, ann_row))

    def on_start(i):
        current["index"] = i
        conn.send(("start", i))  # so a crash can be reported with its frame
        maybe_fault(i)

    try:
        while True:
            msg = conn.recv()
            if msg is None:
                break
            try:
                render_indices(renderer, scenes, seed, msg, files, on_record, writer_threads,
                               on_start)
                conn.send(("chunk_done",))
            except FrameFailed as e:
                conn.send(("error", e.index, False, _describe(e.error),
                           "".join(traceback.format_exception(e.error))))
            except Synth3dError as e:
                conn.send(("error", current["index"], True, _describe(e), ""))
            except Exception as e:  # noqa: BLE001
                conn.send(("error", current["index"], False, _describe(e), traceback.format_exc()))
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        pass
    finally:
        renderer.close()


def _describe(e: BaseException) -> str:
    if isinstance(e, Synth3dError):
        return str(e)
    return f"{type(e).__name__}: {e}"


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


class WorkerError(Synth3dError):
    """A worker process failed beyond its retries."""


def render_in_workers(scenes, seed: int, todo: list[int], out, formats: list[str],
                      on_record: Callable[[dict, dict], None], workers: int = 2,
                      gpus: list[int] | None = None, chunk: int | None = None, retries: int = 2,
                      backend: str | None = None, writer_threads: int = 2,
                      log: Callable[[str], None] | None = None) -> dict:
    """Render ``todo`` in ``workers`` spawned processes; ``on_record(row, ann_row)`` runs in
    this process for each finished frame. Returns the first worker's GL info."""
    log = log or (lambda _m: None)
    ctx = mp.get_context("spawn")
    queue = ChunkQueue(todo, chunk or default_chunk(len(todo), workers))  # cut lazily
    gpus = list(gpus or [])
    pool: dict[int, _Worker] = {}
    gl: dict = {}
    out = str(Path(out))

    def spawn(wid: int) -> _Worker:
        gpu = gpus[wid % len(gpus)] if gpus else None
        here, there = ctx.Pipe(duplex=True)
        p = ctx.Process(target=worker_main, name=f"synth3d-worker-{wid}", daemon=True,
                        args=(there, scenes.loaded, (scenes.width, scenes.height), out, formats,
                              seed, backend, gpu, writer_threads))
        p.start()
        there.close()
        return _Worker(wid, gpu, p, here)

    def where(w: _Worker) -> str:
        return f"worker {w.wid}" + (f" (GPU {w.gpu})" if w.gpu is not None else "")

    def hand_out(w: _Worker) -> None:
        if queue and w.ready and w.chunk is None:
            w.chunk, w.tries = queue.popleft()
            w.finished = set()
            w.current = None
            w.conn.send(w.chunk)

    def retry_or_stop(w: _Worker, index, why: str) -> None:
        """The worker failed on ``index``: requeue the rest of its chunk or stop."""
        if w.chunk is None:  # failed before its first chunk; _replace limits the restarts
            log(f"{where(w)} failed to start ({why}); starting another")
            return
        rest = [i for i in w.chunk if i not in w.finished]
        frame = f"frame {index}" if index is not None else f"frames {w.chunk[0]}–{w.chunk[-1]}"
        if w.tries >= retries:
            raise WorkerError(frame, f"{where(w)} failed {w.tries + 1} time(s): {why}; stopping "
                              f"(finished frames are kept: run the same command again to resume)")
        log(f"{frame}: {where(w)} failed ({why}); retrying {_span(rest)} on a new worker")
        if rest:
            queue.appendleft((rest, w.tries + 1))

    def stop(w: _Worker) -> None:
        try:
            w.conn.send(None)
        except (OSError, ValueError):
            pass

    try:
        for wid in range(min(workers, max(1, len(queue)))):
            pool[wid] = spawn(wid)
        starts: dict[int, int] = {}
        stopping: list[Synth3dError] = []

        def handle(w: _Worker, msg) -> bool:
            """Act on one message; False when the worker failed and was replaced."""
            nonlocal gl
            kind = msg[0]
            if kind == "ready":
                w.ready = True
                gl = gl or msg[1]
            elif kind == "start":
                w.current = msg[1]
            elif kind == "frame":
                on_record(msg[1], msg[2])
                w.finished.add(msg[1]["index"])
            elif kind == "chunk_done":
                w.chunk = None
            elif kind == "error":
                _k, index, fatal, text, tb = msg
                if tb and os.environ.get("SYNTH3D_DEBUG"):
                    log(tb)
                try:
                    if fatal:
                        raise Synth3dError(*_split(text))
                    retry_or_stop(w, index, text)
                except Synth3dError as e:
                    # Stop: hand out nothing more, but let the other workers finish their
                    # chunks (their frames are kept), then report.
                    stopping.append(e)
                    queue.clear()
                    w.chunk = None
                    stop(w)
                    return True
                w.chunk = None
                _replace(pool, w, spawn, starts, retries)
                return False
            return True

        while pool and (queue or any(w.chunk for w in pool.values())):
            conns = {w.conn: w for w in pool.values()}
            sentinels = {w.proc.sentinel: w for w in pool.values()}
            for obj in wait(list(conns) + list(sentinels), timeout=5.0):
                w = conns.get(obj) or sentinels.get(obj)
                if pool.get(w.wid) is not w:
                    continue  # already replaced in this round
                alive, broken = True, False
                try:
                    # Everything the worker sent before it ended still counts.
                    while alive and w.conn.poll():
                        alive = handle(w, w.conn.recv())
                except (EOFError, OSError):
                    broken = True
                if not alive or (not broken and w.proc.is_alive()):
                    continue
                # The process ended (or its pipe broke): it died.
                w.proc.join(timeout=1.0)
                if w.chunk is None and stopping:
                    del pool[w.wid]  # told to stop
                    continue
                code = w.proc.exitcode
                why = (f"killed by signal {-code}" if code is not None and code < 0 else
                       f"exited with code {code}")
                try:
                    retry_or_stop(w, w.current, why)
                except Synth3dError as e:
                    stopping.append(e)
                    queue.clear()
                    del pool[w.wid]
                    continue
                w.chunk = None
                _replace(pool, w, spawn, starts, retries)
            for w in list(pool.values()):
                hand_out(w)
        for w in pool.values():
            stop(w)
        for w in pool.values():
            w.proc.join(timeout=30)
        if stopping:
            raise stopping[0]
    finally:
        for w in pool.values():
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join(timeout=5)
            w.conn.close()
    return gl


def _replace(pool: dict, w: _Worker, spawn, starts: dict, retries: int) -> None:
    """Put a fresh worker in a failed one's place (a worker that cannot even start is given up
    after ``retries`` + 1 attempts)."""
    if w.proc.is_alive():
        w.proc.kill()
    w.proc.join(timeout=5)
    w.conn.close()
    starts[w.wid] = starts.get(w.wid, 0) + (0 if w.ready else 1)
    if starts[w.wid] > retries:
        raise WorkerError("start-up", f"worker {w.wid} could not start a renderer "
                          f"({starts[w.wid]} tries)")
    pool[w.wid] = spawn(w.wid)


def _span(frames: list[int]) -> str:
    if not frames:
        return "nothing"
    if frames == list(range(frames[0], frames[-1] + 1)):
        return f"frame {frames[0]}" if len(frames) == 1 else f"frames {frames[0]}–{frames[-1]}"
    return "frames " + ", ".join(map(str, frames))


def _split(text: str) -> tuple[str, str]:
    """'where: message' back into Synth3dError's two parts."""
    where, _, message = text.partition(": ")
    return (where, message) if message else ("worker", text)
