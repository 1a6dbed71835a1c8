"""Physics benchmark: what MuJoCo settling costs, and what it costs a run.

    python scripts/bench_physics.py [--frames 20] [--size 640x480] [--real N]

Prints
- collision shapes of scenes/clutter.yaml: first build (empty cache) vs second run (cache);
- physics milliseconds per frame (sampling with physics minus sampling without) for 10 and 30
  objects;
- images/s of scenes/clutter.yaml (10 objects) vs the same template with plain floor placement;
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
    from synth3d.run.pipeline import Scenes, render_dataset

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

    rates = {}
    for label, over in (
        ("clutter (drop + MuJoCo)", ["objects[1].count=10"]),
        ("same, floor placement", ["objects[1].count=10"] + FLOOR + ["failure.policy=skip"]),
    ):
        out = Path(tempfile.mkdtemp(prefix="synth3d-bench-physics-"))
        try:
            s = render_dataset(
                REPO / "scenes" / "clutter.yaml", out / "d", n=a.frames, size=size, overrides=over
            )
            rates[label] = s["images_per_s"]
            print(
                f"{label}: {s['images_per_s']:.2f} images/s at {size[0]}×{size[1]} "
                f"({s['rendered']} frames, {len(s['skipped_frames'])} skipped)"
            )
        finally:
            shutil.rmtree(out, ignore_errors=True)
    a_, b_ = rates.values()
    print(f"physics adds {100 * (b_ / a_ - 1):.0f} % to the frame time (10 objects)")


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
