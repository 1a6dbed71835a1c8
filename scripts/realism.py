"""Realism score: synth3d's images against Blender Cycles renders of the same SceneSpecs.

The fixed set is three datasets of SceneSpecs rendered once (320 × 240, seed 0) and their Cycles
references (``scripts/reference_cycles.py``, 128 samples + OpenImageDenoise):

- ``tabletop``: ``scenes/tabletop.yaml``, frames 0–11;
- ``real``: ``scripts/realism_scenes/real_assets.yaml`` (Spot, the Duck, the bunny, pybullet's mug
  on a shadow catcher under the three HDRIs of ``../shared/assets``), frames 0–7;
- ``overcast``: ``scripts/realism_scenes/overcast.yaml`` (bundled meshes on a grey floor under
  the bundled overcast sky), frames 0–3;
- ``clutter``: ``scenes/clutter.yaml`` when it exists, frames 0–7.

For every frame the current renderer renders the *stored* SceneSpec (so the scenes never
change, only the renderer does) with each feature variant, and the script reports the mean
NVIDIA ꟻLIP error (LDR, default 67 pixels per degree; ``flip-evaluator``) and SSIM (luminance,
Gaussian window σ = 1.5) against the reference, per set and overall, plus the sky occlusion
measure of the overcast frames: the darkening of the floor within 3 cm of an object relative to
open floor (more than 15 cm away), in linear radiance, for synth3d and for Cycles.

    nice -n 10 .venv/bin/python scripts/realism.py --data /tmp/realism/ds --ref /tmp/realism/ref \
        --maps /tmp/realism/maps --json /tmp/realism/score.json

``--make`` renders the datasets and their references first (long: Cycles).
Variants (see :func:`variant`): ``baseline`` (every realism feature off: the renderer before
them), ``default``, ``all`` and one ``no_<feature>`` per feature (all on but that one).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

SETS = {
    "tabletop": (ROOT / "scenes" / "tabletop.yaml", 12),
    "real": (ROOT / "scripts" / "realism_scenes" / "real_assets.yaml", 8),
    "overcast": (ROOT / "scripts" / "realism_scenes" / "overcast.yaml", 4),
    "clutter": (ROOT / "scenes" / "clutter.yaml", 8),
}
SIZE = (320, 240)


# Realism features (RealismSpec fields) and their (on, off) values; ``all`` uses the on values.
FEATURES = {"ao": (True, False), "soft_shadows": (True, False), "sky_shadows": (16, 0)}


def _features() -> list[str]:
    from synth3d.spec import RealismSpec

    return [k for k in FEATURES if k in RealismSpec.model_fields]


def variant(spec, name: str):
    """``default``: the SceneSpec as stored (the template's defaults); ``all``: every feature
    on; ``baseline``: every feature off (the shading of this renderer without them — not the
    renderer before the realism work, whose score is recorded in the README); ``no_<f>``: all
    but ``f``; ``only_<f>``: ``f`` alone."""
    feats = _features()
    if name == "default":
        return spec
    everything_off = name == "baseline" or name.startswith("only_")
    on = {f: FEATURES[f][1 if everything_off else 0] for f in feats}
    if name.startswith("no_"):
        on[name[3:]] = FEATURES[name[3:]][1]
    if name.startswith("only_"):
        on[name[5:]] = FEATURES[name[5:]][0]
    return spec.model_copy(update={"realism": spec.realism.model_copy(update=on)})


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM (Wang et al. 2004) of two uint8 RGB images on their luma, Gaussian σ = 1.5."""
    import cv2

    def luma(x):
        return (x[..., 0] * 0.299 + x[..., 1] * 0.587 + x[..., 2] * 0.114).astype(np.float64)

    x, y = luma(a), luma(b)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(z):
        return cv2.GaussianBlur(z, (11, 11), 1.5)

    mx, my = blur(x), blur(y)
    sxx, syy, sxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    s = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    return float(s.mean())


def flip_error(ref8: np.ndarray, test8: np.ndarray) -> tuple[float, np.ndarray]:
    import flip_evaluator as flip

    emap, mean, _ = flip.evaluate(
        ref8.astype(np.float32) / 255.0, test8.astype(np.float32) / 255.0, "LDR", applyMagma=False
    )
    return float(mean), np.asarray(emap, np.float32).reshape(ref8.shape[:2])


def floor_darkening(
    lin: np.ndarray,
    depth_m: np.ndarray,
    instance: np.ndarray,
    spec,
    near_m: float = 0.03,
    open_m: float = 0.15,
) -> float:
    """1 − (mean luminance of floor pixels within ``near_m`` of an object) / (mean luminance of
    floor pixels farther than ``open_m``), on linear radiance. Distances are measured on the
    floor plane (z = 0) between each floor pixel's world point and the nearest object pixel's
    footprint (its world point projected to z = 0)."""
    from scipy.spatial import cKDTree

    K, T = spec.camera.K_array(), spec.camera.T_array()
    h, w = depth_m.shape
    v, u = np.mgrid[0:h, 0:w]
    rays = np.stack([(u - K[0, 2]) / K[0, 0], (v - K[1, 2]) / K[1, 1], np.ones_like(u, float)], -1)
    pts = (rays * depth_m[..., None]) @ T[:3, :3].T + T[:3, 3]
    floor = (instance == 0) & (depth_m > 0) & (np.abs(pts[..., 2]) < 2e-3)
    obj = (instance > 0) & (pts[..., 2] < 0.02)  # the objects' parts near the ground
    if floor.sum() < 50 or obj.sum() < 10:
        return float("nan")
    d, _ = cKDTree(pts[obj][:, :2]).query(pts[floor][:, :2])
    lum = lin[..., :3] @ np.array([0.2126, 0.7152, 0.0722])
    lf = lum[floor]
    near, far = lf[d <= near_m], lf[d > open_m]
    if len(near) < 10 or len(far) < 10:
        return float("nan")
    return float(1.0 - near.mean() / far.mean())


def figure(data: Path, ref: Path, which: str, png: str, before: str | None = None) -> int:
    """One frame as the README shows it: synth3d before (``before``, an image the older renderer
    made of this SceneSpec, or else the ``baseline`` variant) and after (``all``), Cycles;
    below, the ꟻLIP error maps of before and after (magma, 0 = black … 1 = white)."""
    import cv2
    from reference_cycles import finish_reference

    from synth3d import read_scene
    from synth3d.post.tonemap import finish
    from synth3d.render.renderer import Renderer

    set_name, idx = which.split("/")
    spec0 = read_scene(data / set_name / "scene" / f"{idx}.json")
    ref8 = finish_reference(np.load(ref / set_name / f"{idx}.linear.npz")["rgba"], spec0)
    tiles, maps = [], []
    with Renderer(*SIZE) as r:
        for v in ("baseline", "all"):
            spec = variant(spec0, v)
            if v == "baseline" and before:
                img = cv2.cvtColor(cv2.imread(before), cv2.COLOR_BGR2RGB)
            else:
                img = finish(r.render(spec), spec)
            fl, emap = flip_error(ref8, img)
            tiles.append(img[..., ::-1])
            maps.append(
                cv2.applyColorMap(np.clip(emap * 255, 0, 255).astype(np.uint8), cv2.COLORMAP_MAGMA)
            )
            print(f"{which} {v}: ꟻLIP {fl:.4f}")
    blank = np.full_like(maps[0], 255)
    grid = np.vstack([np.hstack(tiles + [ref8[..., ::-1]]), np.hstack(maps + [blank])])
    grid = cv2.resize(
        grid, (grid.shape[1] * 3 // 4, grid.shape[0] * 3 // 4), interpolation=cv2.INTER_AREA
    )  # a small README image
    cv2.imwrite(png, grid, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return 0


def make_sets(data: Path, ref: Path, samples: int, blender_python: str) -> None:
    for name, (template, n) in SETS.items():
        if not template.exists():
            continue
        out = data / name
        if not (out / "manifest.jsonl").exists():
            subprocess.check_call(
                [
                    sys.executable,
                    "-m",
                    "synth3d",
                    "render",
                    str(template),
                    "-n",
                    str(n),
                    "--size",
                    f"{SIZE[0]}x{SIZE[1]}",
                    "-o",
                    str(out),
                ]
            )
        subprocess.check_call(
            [
                sys.executable,
                str(ROOT / "scripts" / "reference_cycles.py"),
                str(out),
                "-o",
                str(ref / name),
                "--samples",
                str(samples),
                "--blender-python",
                blender_python,
            ]
        )


def main(argv=None) -> int:
    import cv2
    from reference_cycles import finish_reference

    from synth3d import read_scene
    from synth3d.post.tonemap import finish
    from synth3d.render.renderer import Renderer

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="/tmp/realism/ds", help="folder of the set datasets")
    ap.add_argument("--ref", default="/tmp/realism/ref", help="folder of the Cycles references")
    ap.add_argument("--maps", help="write per-frame images: ours | Cycles | ꟻLIP error (magma)")
    ap.add_argument("--json", help="write the scores here")
    ap.add_argument(
        "--variants",
        default=None,
        help="comma list (default: all, baseline and no_<feature> for each feature)",
    )
    ap.add_argument(
        "--figure",
        nargs=2,
        metavar=("SET/INDEX", "PNG"),
        help="write a README figure of one frame: baseline, all, Cycles and their "
        "ꟻLIP maps (e.g. overcast/000001 docs/images/realism.png)",
    )
    ap.add_argument(
        "--before",
        help="with --figure: the older renderer's image of that frame (default: the baseline "
        "variant of this one)",
    )
    ap.add_argument("--make", action="store_true", help="render the sets and references first")
    ap.add_argument("--samples", type=int, default=128)
    ap.add_argument("--blender-python", default=str(ROOT / ".venv-ref" / "bin" / "python"))
    args = ap.parse_args(argv)
    data, ref = Path(args.data), Path(args.ref)
    if args.make:
        make_sets(data, ref, args.samples, args.blender_python)
    feats = list(_features())
    names = (
        args.variants.split(",")
        if args.variants
        else ["baseline", "default", "all"] + [f"no_{f}" for f in feats]
    )
    frames = []
    for name in SETS:
        for p in sorted((data / name / "scene").glob("*.json")) if (data / name).exists() else []:
            r = ref / name / f"{p.stem}.linear.npz"
            if r.exists():
                frames.append((name, p, r))
    if not frames:
        print("no frames with references under", data, ref)
        return 1
    if args.figure:
        return figure(data, ref, *args.figure, before=args.before)
    results = {v: {"per_frame": {}} for v in names}
    renderer = Renderer(*SIZE)
    cmap = None
    try:
        for set_name, p, rp in frames:
            spec0 = read_scene(p)
            z = np.load(rp)
            ref8 = finish_reference(z["rgba"], spec0)
            for v in names:
                spec = variant(spec0, v)
                t0 = time.perf_counter()
                frame = renderer.render(spec)
                ours = finish(frame, spec)
                secs = time.perf_counter() - t0
                fl, emap = flip_error(ref8, ours)
                row = {"set": set_name, "flip": fl, "ssim": ssim(ref8, ours), "seconds": secs}
                if set_name == "overcast":
                    row["darkening"] = floor_darkening(
                        frame.rgb, frame.depth_m, frame.instance, spec
                    )
                    row["darkening_cycles"] = floor_darkening(
                        z["rgba"], frame.depth_m, frame.instance, spec
                    )
                results[v]["per_frame"][f"{set_name}/{p.stem}"] = row
                if args.maps:
                    if cmap is None:
                        Path(args.maps).mkdir(parents=True, exist_ok=True)
                    em8 = cv2.applyColorMap(
                        np.clip(emap * 255, 0, 255).astype(np.uint8), cv2.COLORMAP_MAGMA
                    )
                    img = np.hstack(
                        [
                            cv2.cvtColor(ours, cv2.COLOR_RGB2BGR),
                            cv2.cvtColor(ref8, cv2.COLOR_RGB2BGR),
                            em8,
                        ]
                    )
                    cv2.imwrite(str(Path(args.maps) / f"{set_name}_{p.stem}_{v}.png"), img)
                    cmap = True
    finally:
        renderer.close()
    print(f"{len(frames)} frames ({', '.join(sorted({f[0] for f in frames}))})")
    print(
        f"{'variant':<22}{'FLIP':>8}{'SSIM':>8}  per set FLIP" + " " * 40 + "darkening ours/Cycles"
    )
    for v in names:
        rows = results[v]["per_frame"].values()
        fl = float(np.mean([r["flip"] for r in rows]))
        ss = float(np.mean([r["ssim"] for r in rows]))
        per_set = {
            s: float(np.mean([r["flip"] for r in rows if r["set"] == s]))
            for s in sorted({r["set"] for r in rows})
        }
        dk = [(r["darkening"], r["darkening_cycles"]) for r in rows if "darkening" in r]
        dk = [d for d in dk if np.isfinite(d[0]) and np.isfinite(d[1])]
        results[v].update(
            flip=fl,
            ssim=ss,
            per_set=per_set,
            darkening=float(np.mean([d[0] for d in dk])) if dk else None,
            darkening_cycles=float(np.mean([d[1] for d in dk])) if dk else None,
        )
        sets = " ".join(f"{s} {x:.4f}" for s, x in per_set.items())
        dks = f"{results[v]['darkening']:.3f}/{results[v]['darkening_cycles']:.3f}" if dk else "-"
        print(f"{v:<22}{fl:8.4f}{ss:8.4f}  {sets:<52}{dks}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
