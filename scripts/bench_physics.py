"""Physics benchmark: what MuJoCo settling costs, and what it costs a run.

    python scripts/bench_physics.py [--frames 20] [--size 640x480] [--repeat 2] [--real N]

Prints
- collision shapes of scenes/clutter.yaml: first build (empty cache) vs second run (cache);
- physics milliseconds per frame (sampling with physics minus sampling without) for 10 and 30
  objects;
- images/s (and CPU ms/image) of scenes/clutter.yaml (10 objects) vs the same frames sampled
  before the run (physics alone) and vs the same template with plain floor placement, the runs
  alternating ``--repeat`` times (best of each);
- with --real N: N frames of a 20-object clutter template from ../shared/assets/pybullet/random
  (CoACD pieces; concave objects) rendered end to end: skipped frames and layout attempts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _sampling_ms(overrides, frames: int, size) -> tuple[float, float, int]:
    from synth3d.errors import FrameSkipped
    from synth3d.run.pipeline import Scenes

    s = Scenes(REPO / "scenes" / "clutter.yaml", overrides, size=size)
    s.sampler.prepare_collision()
    s.sample(0, 10_000)  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    skipped = 0
    for i in range(frames):
        try:
            s.sample(0, i)
        except FrameSkipped:
            skipped += 1
    return (
        (time.perf_counter() - t0) * 1000 / frames,
        (time.process_time() - c0) * 1000 / frames,
        skipped,
    )


FLOOR = ["objects[1].placement={mode: floor, region: {x: [-0.17, 0.17], y: [-0.12, 0.12]}}"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=20)
    ap.add_argument("--size", default="640x480")
    ap.add_argument("--repeat", type=int, default=2, help="alternating images/s runs")
    ap.add_argument("--real", type=int, default=0, help="frames of the real-library run")
    ap.add_argument(
        "--real-cache",
        default=None,
        help="collision cache of the real-library run (default: a fresh one)",
    )
    ap.add_argument("--skip-clutter", action="store_true", help="only the real-library run")
    a = ap.parse_args()
    size = tuple(int(v) for v in a.size.split("x"))

    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (a shared machine "
        "inflates wall times; CPU times are this process's)"
    )
    cache = Path(tempfile.mkdtemp(prefix="synth3d-bench-collision-"))
    os.environ["SYNTH3D_COLLISION_CACHE"] = str(cache)
    try:
        if not a.skip_clutter:
            _clutter(a, size, cache)
        if a.real:
            _real(a, size)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def _clutter(a, size, cache) -> None:
    from synth3d.assets import collision as C
    from synth3d.run.pipeline import Scenes

    t0 = time.perf_counter()
    Scenes(REPO / "scenes" / "clutter.yaml").sampler.prepare_collision()
    first = time.perf_counter() - t0
    built = C.STATS.built
    C._MEMO.clear()
    t0 = time.perf_counter()
    Scenes(REPO / "scenes" / "clutter.yaml").sampler.prepare_collision()
    second = time.perf_counter() - t0
    print(
        f"collision shapes, scenes/clutter.yaml: first run {first:.2f} s ({built} built), "
        f"second run {second * 1000:.1f} ms ({C.STATS.hits} read from the cache)"
    )

    for n in (10, 30):
        over = [f"objects[1].count={n}"]
        with_ms, with_cpu, skipped = _sampling_ms(over, a.frames, size)
        plain_ms, plain_cpu, _ = _sampling_ms(
            over + FLOOR + ["failure.max_attempts=1", "failure.policy=skip"], a.frames, size
        )
        print(
            f"{n} objects: sampling {with_ms:.0f} ms/frame with physics ({with_cpu:.0f} ms "
            f"CPU), {plain_ms:.1f} ms/frame with floor placement ({plain_cpu:.1f} ms CPU) "
            f"→ physics {with_ms - plain_ms:.0f} ms/frame wall, "
            f"{with_cpu - plain_cpu:.0f} ms CPU ({skipped} of {a.frames} frames skipped)"
        )

    _rates(a, size)


def _presampled(over, frames: int, size):
    """Scenes of clutter.yaml whose frames 0..frames-1 (seed 0) were sampled — simulated — before
    the run: rendering them costs what rendering the drop run's frames costs, without physics."""
    from synth3d.errors import FrameSkipped
    from synth3d.run.pipeline import Scenes

    scenes = Scenes(REPO / "scenes" / "clutter.yaml", over, size=size)
    done = {}
    for i in range(frames):
        try:
            done[i] = scenes.sample(0, i)
        except FrameSkipped:
            pass
    sample = scenes.sample

    def ready(seed: int, index: int, resample: int = 0):
        if (seed, resample) == (0, 0) and index in done:
            return done[index]
        return sample(seed, index, resample)

    scenes.sample = ready
    return scenes


def _rates(a, size) -> None:
    """images/s of clutter (drop + MuJoCo) against two runs without simulation:

    - the same frames, their SceneSpecs sampled (simulated) before the run: the same pictures,
      so the difference is the physics alone;
    - the same template with floor placement: the same objects, materials, camera, lights and
      backdrop (each drawn from its own stream), only where the objects lie differs.

    The runs alternate ``--repeat`` times and the best of each is kept (a shared machine's load
    comes and goes); CPU seconds per image (every thread of this process: sampling, rendering,
    writing) hardly depend on that load."""
    from synth3d.run.pipeline import render_dataset

    drop = ["objects[1].count=10"]
    variants = {
        "clutter (drop + MuJoCo)": lambda: REPO / "scenes" / "clutter.yaml",
        "same frames, sampled before the run": lambda: _presampled(drop, a.frames, size),
        "same template, floor placement": lambda: REPO / "scenes" / "clutter.yaml",
    }
    overrides = [drop, drop, drop + FLOOR + ["failure.policy=skip"]]
    best: dict = {}
    for _ in range(a.repeat):
        for (label, make), over in zip(variants.items(), overrides):
            template = make()
            out = Path(tempfile.mkdtemp(prefix="synth3d-bench-physics-"))
            try:
                c0 = time.process_time()
                s = render_dataset(template, out / "d", n=a.frames, size=size, overrides=over)
                cpu = (time.process_time() - c0) / max(1, s["rendered"])
            finally:
                shutil.rmtree(out, ignore_errors=True)
            if label not in best or s["images_per_s"] > best[label][0]["images_per_s"]:
                best[label] = (s, cpu)
    for label, (s, cpu) in best.items():
        print(
            f"{label}: {s['images_per_s']:.2f} images/s at {size[0]}×{size[1]}, "
            f"{cpu * 1000:.0f} ms CPU/image ({s['rendered']} frames, "
            f"{len(s['skipped_frames'])} skipped, {len(s.get('layout_attempts') or {})} needed "
            f"more than one layout; best of {a.repeat})"
        )
    (sim, sim_cpu), (pre, pre_cpu), (floor, floor_cpu) = best.values()

    def pct(x, y):
        return f"{100 * (x / y - 1):.0f} %"

    print(
        f"physics adds {pct(pre['images_per_s'], sim['images_per_s'])} to the frame time of the "
        f"same frames ({pct(sim_cpu, pre_cpu)} to its CPU time), "
        f"{pct(floor['images_per_s'], sim['images_per_s'])} against floor placement "
        f"({pct(sim_cpu, floor_cpu)} CPU); 10 objects, load average {os.getloadavg()[0]:.1f}"
    )


def _real(a, size) -> None:
    from synth3d.run.pipeline import Scenes, render_dataset

    lib = REPO.parent / "shared" / "assets" / "pybullet"
    if not (lib / "random").is_dir():
        print("real library: ../shared/assets/pybullet/random not present; skipped")
        return
    tpl = {
        "name": "real-clutter",
        "asset_root": str(lib),
        "size": list(size),
        "assets": {
            "blobs": {"path": "random/*/*.obj", "normalize": {"size": 0.07}, "category": "{stem}"},
            "tray": {"path": "objects/tray/tray_textured2.obj"},
        },
        "camera": {
            "target": [0, 0, 0.02],
            "offset": {"dist": "cone", "axis": [0, 0, 1], "angle_deg": 40, "radius": [0.7, 0.9]},
        },
        "backdrops": [{"type": "floor", "size": [2, 2]}],
        "objects": [
            {
                "name": "tray",
                "assets": "tray",
                "labelled": False,
                "scale": 0.5,
                "placement": {"mode": "world", "position": [0, 0, 0], "rotation": [0, 0, 0]},
                "physics": {"static": True},
            },
            {
                "name": "blobs",
                "assets": "blobs",
                "count": 20,
                "placement": {
                    "mode": "drop",
                    "region": {"x": [-0.15, 0.15], "y": [-0.15, 0.15]},
                    "height": {"dist": "uniform", "min": 0.08, "max": 0.2},
                },
            },
        ],
        "failure": {"policy": "resample", "max_attempts": 5},
    }
    out = Path(tempfile.mkdtemp(prefix="synth3d-bench-real-"))
    if a.real_cache:  # a lasting cache: the library is decomposed once, not every run
        os.environ["SYNTH3D_COLLISION_CACHE"] = a.real_cache
    try:
        t0 = time.perf_counter()
        scenes = Scenes(tpl)
        scenes.sampler.prepare_collision()
        prep = time.perf_counter() - t0
        s = render_dataset(scenes, out / "d", n=a.real)
        att = s["layout_attempts"]
        print(
            f"real library, 20 objects, {a.real} frames: collision shapes {prep:.1f} s; "
            f"{s['rendered']} rendered, {len(s['skipped_frames'])} skipped, "
            f"{len(att)} frames needed more than one layout "
            f"({sum(att.values())} layouts), {s['images_per_s']:.2f} images/s"
        )
        for sk in s["skipped_frames"][:5]:
            print(f"  skipped frame {sk['index']}: {sk['reason']}")
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
