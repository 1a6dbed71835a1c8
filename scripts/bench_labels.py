"""Cost of labels and dataset formats: scenes/tabletop.yaml at 640×480, end-to-end images/s with
RGB + depth + instance only (no amodal pass, no formats) against every label and all three formats
(amodal masks, COCO, BOP, YOLO).

    .venv/bin/python scripts/bench_labels.py [-n 40] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import synth3d  # noqa: E402,F401  (sets thread defaults before numpy loads)
from synth3d.run.pipeline import Scenes, render_dataset  # noqa: E402


def run(overrides, formats, n, seed):
    scenes = Scenes(ROOT / "scenes" / "tabletop.yaml", overrides, (640, 480))
    with tempfile.TemporaryDirectory() as d:
        render_dataset(scenes, Path(d) / "warm", n=3, seed=seed, formats=formats)
        t = time.perf_counter()
        render_dataset(scenes, Path(d) / "run", n=n, seed=seed, formats=formats)
        return n / (time.perf_counter() - t)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    base, full = [], []
    for _ in range(a.repeat):
        base.append(run(["labels.amodal=false"], [], a.n, a.seed))
        full.append(run([], ["coco", "bop", "yolo"], a.n, a.seed))
    b, f = statistics.median(base), statistics.median(full)
    print(f"tabletop 640×480, n={a.n}, {a.repeat} rounds (median)")
    print(f"  RGB + depth + instance only:           {b:6.2f} img/s")
    print(f"  + amodal labels, COCO, BOP and YOLO:   {f:6.2f} img/s")
    print(f"  added time per image: {100 * (b / f - 1):+.1f}%")


if __name__ == "__main__":
    main()
