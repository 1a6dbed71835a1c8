"""Cost of image-based reflections and shadows: scenes/tabletop.yaml at 640×480, render time per
frame (Renderer.render, colour + ids/depth) with plain lighting (SH ambient + sun, no reflections,
no shadows) against reflections + shadow maps.

    .venv/bin/python scripts/bench_lighting.py [-n 30] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import synth3d  # noqa: E402,F401  (sets thread defaults before numpy loads)
from synth3d.render.renderer import Renderer  # noqa: E402
from synth3d.run.pipeline import Scenes  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    variants = {
        "plain (SH + sun)": ["environment.reflections=false", "environment.shadows=false"],
        "+ reflections": ["environment.shadows=false"],
        "+ shadows": ["environment.reflections=false"],
        "+ reflections + shadows": [],
    }
    specs = {
        k: [
            Scenes(ROOT / "scenes" / "tabletop.yaml", v, (640, 480)).sample(0, i)
            for i in range(a.n)
        ]
        for k, v in variants.items()
    }
    times = {k: [] for k in variants}
    with Renderer(640, 480) as r:
        info = r.gl_info()
        for k in variants:  # warm caches: meshes, textures, prefiltered maps
            for s in specs[k][: a.n]:
                r.render(s)
        for _ in range(a.repeat):
            for k in variants:
                t = time.perf_counter()
                for s in specs[k]:
                    r.render(s)
                times[k].append((time.perf_counter() - t) / a.n * 1000)
    print(f"tabletop 640×480, {a.n} frames, {a.repeat} rounds (median); GL: {info['renderer']}")
    base = statistics.median(times["plain (SH + sun)"])
    for k in variants:
        m = statistics.median(times[k])
        print(f"  {k:26s} {m:7.1f} ms/frame  {100 * (m / base - 1):+6.1f}%")


if __name__ == "__main__":
    main()
