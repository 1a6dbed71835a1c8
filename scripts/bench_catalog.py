"""Benchmark: catalog start-up on a large generated library, and rendering from it.

Generates a library of N small meshes (default 10,000 OBJ files, ~80–320 triangles each, in 100
category folders such as ``cat_07/item_00042/item_00042.obj``), then prints

- the first (uncached) catalog build: every file opened and indexed;
- the cached catalog build in this process and a whole ``synth3d validate`` start-up in a fresh
  process (imports included) — the target is ≤ 2 s for 10,000 assets;
- images/s of a template drawing 3 objects per frame from the library (``--frames`` frames).

    .venv/bin/python scripts/bench_catalog.py                 # 10,000 assets
    .venv/bin/python scripts/bench_catalog.py -n 2000 --frames 10
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def icosphere(sub: int) -> tuple[np.ndarray, np.ndarray]:
    import trimesh

    m = trimesh.creation.icosphere(subdivisions=sub)
    return np.asarray(m.vertices), np.asarray(m.faces)


def make_library(root: Path, n: int, seed: int = 0) -> None:
    """N OBJ files of squashed, bumpy spheres (sizes 2–25 cm), 100 category folders."""
    rng = np.random.Generator(np.random.PCG64(seed))
    shapes = [icosphere(1), icosphere(2)]
    for i in range(n):
        v, f = shapes[i % 2]
        v = v * rng.uniform(0.5, 1.5, 3) * (1 + 0.1 * rng.standard_normal((len(v), 1)))
        v = v * rng.uniform(0.01, 0.08)
        d = root / f"cat_{i % 100:02d}" / f"item_{i:05d}"
        d.mkdir(parents=True, exist_ok=True)
        lines = ["v %.6f %.6f %.6f" % tuple(p) for p in v]
        lines += ["f %d %d %d" % tuple(t + 1) for t in f]
        (d / f"item_{i:05d}.obj").write_text("\n".join(lines) + "\n")


TEMPLATE = """name: bench-catalog
size: [{w}, {h}]
asset_root: {lib}
assets:
  library: {{path: ., category: "{{dir0}}"}}
camera:
  fov_y_deg: 45
  target: [0, 0, 0.05]
  offset: {{dist: cone, axis: [0, 0, 1], angle_deg: 50, min_angle_deg: 20, radius: [0.8, 1.0]}}
lights: [{{type: directional}}]
backdrops: [{{type: floor, size: [2, 2], texture: {{type: checker, squares: 10}}}}]
objects:
  - name: items
    assets: library
    count: 3
    placement: {{mode: floor, region: {{x: [-0.35, 0.35], y: [-0.35, 0.35]}}, non_overlap: true}}
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=10000, help="assets in the generated library")
    ap.add_argument("--frames", type=int, default=20, help="frames rendered from it")
    ap.add_argument("--size", default="160x120")
    ap.add_argument(
        "--work",
        default=None,
        help="folder for the library, cache and dataset (default: a temporary folder, removed)",
    )
    ap.add_argument(
        "--reuse-cache",
        action="store_true",
        help="keep the index cache of an earlier run in --work (the first run is then cached too)",
    )
    a = ap.parse_args()
    w, h = (int(x) for x in a.size.split("x"))
    tmp = tempfile.TemporaryDirectory() if a.work is None else None
    work = Path(a.work or tmp.name)
    lib, cache = work / "library", work / "cache"
    import shutil

    # The first run is a first run (unless --reuse-cache); the dataset is new.
    for old in ([] if a.reuse_cache else [cache]) + [work / "ds"]:
        shutil.rmtree(old, ignore_errors=True)
    os.environ["SYNTH3D_CACHE_DIR"] = str(cache)
    from synth3d.assets.catalog import build_catalog
    from synth3d.assets.index_cache import IndexCache
    from synth3d.template.loading import load_template

    t0 = time.perf_counter()
    if not lib.exists():
        make_library(lib, a.n)
    print(f"library: {a.n} OBJ files in {lib} (generated in {time.perf_counter() - t0:.1f} s)")
    tpl = work / "bench.yaml"
    tpl.write_text(TEMPLATE.format(w=w, h=h, lib=lib))

    loaded = load_template(tpl)
    t0 = time.perf_counter()
    cat = build_catalog(loaded, cache=IndexCache(str(cache / "catalog.sqlite")))
    first = time.perf_counter() - t0
    n = len(cat.sets["library"])
    print(
        f"catalog, first run:  {first:7.2f} s  ({n} assets, {len(cat.categories)} categories, "
        f"{cat.index['misses']} opened; {first / max(n, 1) * 1000:.1f} ms per asset)"
    )
    t0 = time.perf_counter()
    cat = build_catalog(loaded, cache=IndexCache(str(cache / "catalog.sqlite")))
    cached = time.perf_counter() - t0
    print(
        f"catalog, cached run: {cached:7.2f} s  ({cat.index['hits']} from the cache, "
        f"{cat.index['misses']} opened) — target ≤ 2 s for 10,000"
    )
    t0 = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-m", "synth3d", "validate", str(tpl)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    whole = time.perf_counter() - t0
    print(
        f"`synth3d validate` in a fresh process, cached: {whole:.2f} s (imports included; "
        f"{'ok' if r.returncode == 0 else 'FAILED: ' + r.stderr.strip()})"
    )

    from synth3d.run.pipeline import render_dataset

    s = render_dataset(tpl, work / "ds", n=a.frames, size=(w, h), formats=[])
    print(
        f"render: {s['rendered']} frames at {w}x{h}, 3 objects each: "
        f"{s['images_per_s']:.2f} images/s (start-up excluded)"
    )
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
