#!/usr/bin/env python
"""Speed of the stylisation passes: median milliseconds per 512×512 frame on this machine.

Each pass (default parameters, plus its main variants) runs on rendered ``scenes/tabletop.yaml``
frames with exact normals, the way ``process()`` runs it (8-bit frame → float → pass → 8-bit):
two warm-up runs, then ``--runs`` timed runs cycling over the frames. Goals: every pass ≤ 150 ms,
paint and harmonize ≤ 1 s, texture (patch-based) ≤ 3 s. Prints a table with the process's CPU
time per frame next to the wall time (CPU time, summed over threads, is less skewed by other
processes' load) and the machine's load::

    python scripts/bench_styles.py [--runs 12] [--size 512] [--json out.json] [--only paint,texture]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from synth3d.post.styles import apply_chain, names  # noqa: E402
from synth3d.spec import StyleStepSpec  # noqa: E402

VARIANTS = [
    ("sketch", {}),
    ("sketch", {"look": "ink"}),
    ("sketch", {"export_svg": True}),
    ("paint", {}),
    ("paint", {"brush": "watercolour"}),
    ("paint", {"brush": "marker"}),
    ("paint", {"brush": "tape"}),
    ("transfer", {}),
    ("texture", {}),
    ("paint", {"brush": "marker", "export_snp": True}),
    ("harmonize", {}),
    ("harmonize", {"poisson": "normal"}),
    ("toon", {}),
    ("pixel", {}),
    ("pixel", {"dither": "floyd"}),
    ("halftone", {}),
    ("halftone", {"mode": "mono"}),
    ("augment", {}),
    ("augment", {"severity": 5, "count": 8}),
]
GOAL_MS = {"paint": 1000.0, "texture": 3000.0, "harmonize": 1000.0}
DEFAULT_GOAL_MS = 150.0


def frames(n: int, size: int, template: str = "tabletop.yaml"):
    from synth3d.render.renderer import Renderer
    from synth3d.run.pipeline import Scenes, gbuffers, process, render_frame

    scenes = Scenes(ROOT / "scenes" / template, size=(size, size))
    out = []
    with Renderer(size, size) as r:
        for i in range(n):
            spec, _ = render_frame(r, scenes, 0, i)
            frame = r.render(spec, amodal=False, normals=True)
            out.append((process(frame, spec).rgb, gbuffers(frame, spec)))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=12, help="timed runs per pass (default 12)")
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--only", help="comma-separated pass names to time (default: all)")
    args = ap.parse_args(argv)

    known = names()
    fr = frames(4, args.size)
    reference = ROOT / "cutouts" / "backgrounds" / "street.jpg"
    load0 = os.getloadavg()
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{args.size}×{args.size}, {args.runs} runs after 2 warm-up; load average "
        f"{load0[0]:.2f}"
    )
    print(
        f"{'pass':10s} {'params':34s} {'median ms':>10s} {'p90 ms':>8s} {'CPU ms':>7s} "
        f"{'goal':>7s}  result"
    )
    rows, ok_all = [], True
    only = set(args.only.split(",")) if args.only else None
    for name, params in VARIANTS:
        if only is not None and name not in only:
            continue
        if name not in known:
            print(f"{name:10s} {'(not installed)':34s}")
            ok_all = False
            continue
        if name in ("transfer", "texture"):
            params = {**params, "reference": str(reference)}
        step = StyleStepSpec(pass_=name, applied=True, seed=1, params=params)
        times, cpu = [], []
        for k in range(2 + args.runs):
            rgb, g = fr[k % len(fr)]
            t, c = time.perf_counter(), time.process_time()
            apply_chain(rgb, [step], g)
            if k >= 2:
                times.append(1000 * (time.perf_counter() - t))
                cpu.append(1000 * (time.process_time() - c))
        med, p90 = float(np.median(times)), float(np.percentile(times, 90))
        cpu_med = float(np.median(cpu))
        goal = GOAL_MS.get(name, DEFAULT_GOAL_MS)
        ok = med <= goal
        ok_all &= ok
        shown = {k: v for k, v in params.items() if k != "reference"}
        label = ", ".join(f"{k}={v}" for k, v in shown.items()) or "defaults"
        print(
            f"{name:10s} {label:34s} {med:10.1f} {p90:8.1f} {cpu_med:7.0f} {goal:7.0f}  "
            f"{'PASS' if ok else 'FAIL'}"
        )
        rows.append(
            {
                "pass": name,
                "params": shown,
                "median_ms": med,
                "p90_ms": p90,
                "cpu_ms": cpu_med,
                "goal_ms": goal,
                "pass_goal": ok,
            }
        )
    load1 = os.getloadavg()
    print(f"load average after: {load1[0]:.2f}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"size": args.size, "runs": args.runs, "rows": rows, "load": [load0[0], load1[0]]},
                indent=2,
            )
            + "\n"
        )
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
