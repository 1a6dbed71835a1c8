"""Seconds per sequence: scenes/movi.yaml (24 frames at 256×256, thrown objects simulated with
MuJoCo) with every label — forward/backward optical flow, object coordinates, depth, instance
ids, COCO, YouTube-VIS and MOT tracks, RGB and flow MP4s — end to end through
``render_dataset``, then where the time of one sequence goes, stage by stage.

    .venv/bin/python scripts/bench_sequences.py [--sequences 4] [--workers 1] [--size 256x256]

Prints wall seconds per sequence, CPU seconds per sequence (this process and its workers, all
threads) and the load average around the run (other jobs on a shared machine slow the wall
clock, not the CPU figure).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import synth3d  # noqa: E402,F401  (sets thread defaults before numpy loads)
from synth3d.run.pipeline import Scenes, render_dataset  # noqa: E402


def cpu_s() -> float:
    a = resource.getrusage(resource.RUSAGE_SELF)
    b = resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def end_to_end(scenes, n_seq: int, workers: int, seed: int) -> tuple[float, float, tuple]:
    L = scenes.sequence.length
    with tempfile.TemporaryDirectory() as d:
        render_dataset(scenes, Path(d) / "warm", n=L, seed=seed + 1000)  # GL, shaders, meshes
        load0 = os.getloadavg()[0]
        c0, t0 = cpu_s(), time.perf_counter()
        render_dataset(scenes, Path(d) / "run", n=n_seq * L, seed=seed, workers=workers)
        wall, cpu = time.perf_counter() - t0, cpu_s() - c0
        return wall / n_seq, cpu / n_seq, (load0, os.getloadavg()[0])


class _Clock:
    """Wall and CPU (this process, all threads) seconds of consecutive stages."""

    def __init__(self):
        self.out: dict[str, tuple[float, float]] = {}
        self.t, self.c = time.perf_counter(), time.process_time()

    def __call__(self, name: str):
        t, c = time.perf_counter(), time.process_time()
        self.out[name] = (t - self.t, c - self.c)
        self.t, self.c = t, c


def stages(scenes, seed: int) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds of each stage for one sequence, one after the other in this thread
    (the GL driver's own threads count in the CPU figure)."""
    from dataclasses import replace

    import numpy as np

    from synth3d.annotate.flow import encode_flo, flow_to_color
    from synth3d.render.renderer import Renderer
    from synth3d.run.pipeline import process
    from synth3d.run.sequences import motion_labels, render_blurred
    from synth3d.writers.dataset import frame_files
    from synth3d.writers.video import encode_mp4

    L = scenes.sequence.length
    with Renderer(scenes.width, scenes.height) as r:
        r.render(scenes.sample(seed + 1000, 0))  # warm-up
        clock = _Clock()
        plan = scenes.sampler.plan(seed + 2000, 0)  # a sequence not sampled before
        clock("sample + simulate (once per sequence)")
        specs = [plan.at(k) for k in range(L)]
        clock("SceneSpecs of the frames")
        frames = [render_blurred(r, s, s.output.amodal) for s in specs]
        clock("render (GL)")
    labs = motion_labels(specs, frames)
    clock("flow fw+bw, validity, object coordinates")
    outs = [process(f, s, scenes.template.labels) for s, f in zip(specs, frames)]
    clock("finish + instance labels (RLE, boxes, poses)")
    for s, o, m in zip(specs, outs, labs):
        extras = {
            "flow_fw": ("flo", encode_flo(m.flow_fw)),
            "flow_bw": ("flo", encode_flo(m.flow_bw)),
            "flow_valid": m.valid_fw.astype(np.uint8) | (m.valid_bw.astype(np.uint8) << 1),
            "objcoord": m.objcoord,
        }
        frame_files(s, replace(o, extras=extras))
    clock("encode files (PNG, .flo, JSON)")
    encode_mp4([o.rgb for o in outs], scenes.sequence.fps)
    top = max(float(np.hypot(m.flow_fw[..., 0], m.flow_fw[..., 1]).max()) for m in labs)
    encode_mp4([flow_to_color(m.flow_fw, top) for m in labs], scenes.sequence.fps)
    clock("RGB + flow MP4 (H.264)")
    return clock.out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--template", default=str(ROOT / "scenes" / "movi.yaml"))
    ap.add_argument("--sequences", type=int, default=4)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--size", default=None, help="WIDTHxHEIGHT (default: the template's)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    size = tuple(int(v) for v in a.size.split("x")) if a.size else None
    scenes = Scenes(a.template, size=size)
    L = scenes.sequence.length
    print(
        f"{Path(a.template).name}: {L} frames at {scenes.width}×{scenes.height} per sequence, "
        f"{os.cpu_count()} CPUs, workers={a.workers}"
    )
    wall, cpu, (l0, l1) = end_to_end(scenes, a.sequences, a.workers, a.seed)
    print(
        f"  end to end, {a.sequences} sequences: {wall:6.2f} s wall per sequence "
        f"({L / wall:.2f} frames/s), {cpu:6.2f} s CPU per sequence; load average "
        f"{l0:.1f} → {l1:.1f}"
    )
    print("  one sequence, stage by stage (one thread):           wall s    CPU s")
    st = stages(scenes, a.seed)
    for k, (w, c) in st.items():
        print(f"    {k:48s} {w:7.2f}  {c:7.2f}")
    print(
        f"    {'total':48s} {sum(v[0] for v in st.values()):7.2f}  "
        f"{sum(v[1] for v in st.values()):7.2f}"
    )


if __name__ == "__main__":
    main()
