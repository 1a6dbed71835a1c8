"""Resident memory over a long run: does synth3d's RSS stay flat?

Renders ``-n`` frames (default 5000) of a template into a temporary dataset with
``render_dataset`` and samples the resident set size (``VmRSS`` of this process — or of every
worker process with ``--workers N``) as frames finish. Prints RSS at checkpoints and the growth
from the end of the warm-up (``--after``, default frame 200: caches of meshes, textures and HDRIs
fill during the first frames and stay bounded) to the last frame. Goal: ≤ 50 MB growth.

Usage::

    python scripts/bench_memory.py [-n 5000] [--size 320x240] [--template scenes/tabletop.yaml]
                                   [--workers 1] [--after 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=5000)
    ap.add_argument("--size", default="320x240")
    ap.add_argument("--template", default=str(ROOT / "scenes" / "tabletop.yaml"))
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--after", type=int, default=200, help="warm-up frames before the baseline")
    args = ap.parse_args(argv)
    w, h = (int(v) for v in args.size.split("x"))

    from synth3d.run.pipeline import render_dataset

    samples: list[tuple[int, float, float]] = []
    t0 = time.perf_counter()
    me = os.getpid()

    def on_frame(_i: int) -> None:
        k = len(samples) + 1
        if k == 1 or k % 50 == 0 or k == args.n:
            pids = [me] if args.workers == 1 else children(me)
            samples.append(
                (
                    k,
                    sum(rss_mb(p) for p in pids if Path(f"/proc/{p}").exists()),
                    time.perf_counter() - t0,
                )
            )
        else:
            samples.append((k, float("nan"), 0.0))

    with tempfile.TemporaryDirectory(prefix="synth3d-mem-") as d:
        render_dataset(
            args.template, d, n=args.n, size=(w, h), workers=args.workers, on_frame=on_frame
        )
    pts = [(k, m, t) for k, m, t in samples if m == m]
    print(
        f"RSS of {'this process' if args.workers == 1 else f'{args.workers} workers'} "
        f"({args.template}, {w}×{h}, {args.n} frames):"
    )
    for k, m, t in pts:
        if k in (1, args.after, args.n) or k % 500 == 0:
            print(f"  frame {k:6d}: {m:8.1f} MB   ({t:6.0f} s)")
    base = min(pts, key=lambda p: abs(p[0] - args.after))
    peak = max(m for k, m, _ in pts if k >= base[0])
    growth = pts[-1][1] - base[1]
    print(
        f"growth from frame {base[0]} to {pts[-1][0]}: {growth:+.1f} MB (peak after the "
        f"baseline {peak - base[1]:+.1f} MB); goal ≤ 50 MB: {'PASS' if growth <= 50 else 'FAIL'}"
    )
    return 0 if growth <= 50 else 1


if __name__ == "__main__":
    sys.exit(main())
