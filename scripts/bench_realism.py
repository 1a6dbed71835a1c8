"""Speed cost of each realism feature per frame (render + finish, and the label work that
distortion adds), on the tabletop template.

    nice -n 10 .venv/bin/python scripts/bench_realism.py --size 640x480 -n 10

Each variant renders the same SceneSpecs (frames 0..n−1, seed 0) with one feature on or off;
the per-frame cost is the process's CPU time (all threads: llvmpipe rasterises in this
process), the median over the frames of the best of ``--repeat`` runs — CPU time, unlike wall
time, does not grow when other programs share the cores. ``baseline`` has every rendering feature off and no optics;
``default`` is what a template gets without a ``realism`` section; ``all`` has every rendering
feature on (sky shadows with 16 cells); the optics rows add one post pass each to ``all``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    from synth3d.render.renderer import Renderer
    from synth3d.run.frames import Scenes, process
    from synth3d.spec import OpticsSpec

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--template", default=str(ROOT / "scenes" / "tabletop.yaml"))
    ap.add_argument("--size", default="640x480")
    ap.add_argument("-n", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)
    w, h = (int(v) for v in args.size.split("x"))
    scenes = Scenes(args.template, size=(w, h))
    specs = [scenes.sample(0, i) for i in range(args.n)]

    def realism(spec, **kw):
        return spec.model_copy(update={"realism": spec.realism.model_copy(update=kw)})

    def optics(spec, dist=None, **kw):
        s = spec.model_copy(
            update={
                "post": spec.post.model_copy(
                    update={"optics": OpticsSpec(seed=1, **kw) if kw else None}
                )
            }
        )
        if dist is not None:
            s = s.model_copy(update={"camera": s.camera.model_copy(update={"distortion": dist})})
        return s

    off = {"ao": False, "soft_shadows": False, "sky_shadows": 0}

    def on(s):
        return realism(s, ao=True, soft_shadows=True, sky_shadows=16)

    variants = {
        "baseline": lambda s: realism(s, **off),
        "ao only": lambda s: realism(s, **{**off, "ao": True}),
        "soft shadows only": lambda s: realism(s, **{**off, "soft_shadows": True}),
        "sky shadows 8 only": lambda s: realism(s, **{**off, "sky_shadows": 8}),
        "sky shadows 16 only": lambda s: realism(s, **{**off, "sky_shadows": 16}),
        "sky shadows 32 only": lambda s: realism(s, **{**off, "sky_shadows": 32}),
        "default (AO)": lambda s: s,
        "AO + sky shadows 16": lambda s: realism(s, ao=True, sky_shadows=16),
        "all (AO, soft, sky 16)": on,
        "all + distortion": lambda s: optics(on(s), dist=[-0.2, 0.05, 0.001, 0.001, 0.0]),
        "all + depth of field": lambda s: optics(on(s), dof_f_number=2.0),
        "all + vignetting": lambda s: optics(on(s), vignetting=0.8),
        "all + sensor noise": lambda s: optics(on(s), noise_full_well_e=1000.0, noise_read_e=3.0),
        "all + every optic": lambda s: optics(
            on(s),
            dist=[-0.2, 0.05, 0.001, 0.001, 0.0],
            dof_f_number=2.0,
            vignetting=0.8,
            noise_full_well_e=1000.0,
            noise_read_e=3.0,
        ),
    }
    r = Renderer(w, h)
    times: dict[str, list[float]] = {}
    try:
        for s in specs[:2]:  # warm up: programs compiled, textures and HDRIs cached
            for f in variants.values():
                process(r.render(f(s)), f(s), scenes.template.labels)
        for name, f in variants.items():
            per = []
            for s in specs:
                s2 = f(s)
                best = np.inf
                for _ in range(args.repeat):
                    t0 = time.process_time()
                    frame = r.render(s2)
                    process(frame, s2, scenes.template.labels)
                    best = min(best, time.process_time() - t0)
                per.append(best)
            times[name] = per
    finally:
        r.close()
    base = float(np.median(times["baseline"]))
    print(
        f"{args.n} tabletop frames at {w}×{h}, CPU per frame for render + finish + labels (median):"
    )
    for name, per in times.items():
        ms = float(np.median(per)) * 1000
        print(f"  {name:<24}{ms:8.1f} ms   {100 * (ms / 1000 / base - 1):+6.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
