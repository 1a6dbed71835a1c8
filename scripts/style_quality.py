#!/usr/bin/env python
"""Quality figures of the stylisation passes, on rendered 512×512 frames.

Frames: ``scenes/tabletop.yaml`` (meshes under HDRIs) and ``scenes/cards.yaml`` (photo
cut-outs), rendered with exact normals. Every pass runs with its default parameters (augment also
at severity 1), as ``process()`` runs it: on the finished 8-bit frame. Printed:

* **sketch vs contour labels** — boundary F-score between the drawing's dark pixels (darkness
  > 0.25) and the contour ground truth (:func:`synth3d.annotate.contour_map`: occluding contours
  and creases) at a tolerance of 0.0075 × the image diagonal. Goal: ≥ 0.9.
* **paint PSNR** — PSNR of the painting against the frame it paints, default stroke budget.
  Goal: ≥ 20 dB.
* **transfer** — reduction of the distance between the Lab histograms of the image and of the
  reference (``lab_hist_distance``), output vs input. Goal: ≥ 50 %.
* **labels stay valid**, for every pass: the boundary F-measure (same tolerance) between the edges
  of the stylised image (Canny on the grey image blurred by σ = 1.5 px; halftones are looked at
  from a distance, σ = half a cell) and the instance-mask outlines, next to the same measure on
  the unstyled frame — goal for the structure-preserving passes (all but pixel, whose blocks move
  edges by design, and augment at its default severity): F ≥ 0.75 × the unstyled frame's; and the
  shift of the stylised edges against the unstyled ones (cross-correlation peak, sub-pixel),
  averaged over the frames as a vector: the content must not move, |mean shift| ≤ 0.5 px
  (single frames scatter by up to a pixel or two where a style redraws edges). A control row
  (the unstyled frame rolled by 2 px) shows the measure finds a real shift.

Prints a table with PASS/FAIL per goal and exits 1 when a goal fails::

* **paint per brush** — the PSNR above for each brush (oil, watercolour, marker, tape).
  Goal: ≥ 20 dB each.
* **texture** (patch-based texture transfer) — texture statistics of the result against the
  reference painting, relative to the colour-only ``transfer`` with the same reference: the
  distance between Gram matrices of fine-scale filter responses over each image's texture pixels
  (the half with the least large-scale structure: ``texture_gram_distance``) must drop by
  ≥ 50 %; the whole-image Gram and LBP-histogram reductions are printed too. The references are paintings made here by the
  ``paint`` pass (oil, full impasto) from two bundled photos, so their brush texture is known.

    python scripts/style_quality.py [--frames 6] [--size 512] [--json out.json] [--onnx M.onnx]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402

from synth3d.annotate.contours import contour_map  # noqa: E402
from synth3d.post.styles import apply_step, names, to_float, to_uint8  # noqa: E402
from synth3d.spec import StyleStepSpec  # noqa: E402

TOL = 0.0075  # × image diagonal
REFERENCES = [
    ROOT / "cutouts" / "backgrounds" / "street.jpg",
    ROOT / "cutouts" / "backgrounds" / "room.jpg",
    ROOT / "textures" / "wood.png",
]


def render(template: str, n: int, size: int, seed: int = 0):
    """[(name, rgb8, GBuffers)] of n frames."""
    from synth3d.render.renderer import Renderer
    from synth3d.run.pipeline import Scenes, gbuffers, process, render_frame

    scenes = Scenes(ROOT / "scenes" / template, size=(size, size))
    out = []
    with Renderer(size, size) as r:
        for i in range(n):
            spec, _ = render_frame(r, scenes, seed, i)
            frame = r.render(spec, amodal=False, normals=True)
            out.append(
                (
                    f"{Path(template).stem}/{i}",
                    process(frame, spec).rgb[..., :3],
                    gbuffers(frame, spec),
                )
            )
    return out


def outline(inst: np.ndarray) -> np.ndarray:
    """Instance-mask outlines: pixels whose right or lower neighbour has another id."""
    b = np.zeros(inst.shape, bool)
    b[:, :-1] |= inst[:, :-1] != inst[:, 1:]
    b[:-1] |= inst[:-1] != inst[1:]
    return b


def edges(rgb8: np.ndarray, sigma: float = 1.5) -> np.ndarray:
    """Canny edges of the grey image after a Gaussian blur of ``sigma`` px (so paper grain and
    brush texture are not edges; halftones are looked at from a distance: σ = half a cell)."""
    grey = cv2.cvtColor(rgb8, cv2.COLOR_RGB2GRAY)
    grey = cv2.GaussianBlur(grey, (0, 0), sigma)
    return cv2.Canny(grey, 30, 90, L2gradient=True) > 0


def xcorr_shift(a: np.ndarray, b: np.ndarray, radius: int = 6) -> tuple[float, float]:
    """Translation (dx, dy) px of edge map ``a`` against ``b``: the peak of their
    cross-correlation (maps blurred by σ = 2 so near misses correlate) within ``radius`` px,
    refined to sub-pixel by a parabola through the peak and its neighbours."""
    fa = cv2.GaussianBlur(a.astype(np.float32), (0, 0), 2.0)
    fb = cv2.GaussianBlur(b.astype(np.float32), (0, 0), 2.0)
    fa -= fa.mean()
    fb -= fb.mean()
    c = np.fft.irfft2(np.fft.rfft2(fa) * np.conj(np.fft.rfft2(fb)), s=fa.shape)
    c = np.fft.fftshift(c)
    cy, cx = c.shape[0] // 2, c.shape[1] // 2
    win = c[cy - radius : cy + radius + 1, cx - radius : cx + radius + 1]
    py, px = np.unravel_index(np.argmax(win), win.shape)

    def sub(m1, m0, p1):
        den = m1 - 2 * m0 + p1
        return 0.0 if den == 0 else 0.5 * (m1 - p1) / den

    dy = (
        py
        - radius
        + (sub(win[py - 1, px], win[py, px], win[py + 1, px]) if 0 < py < 2 * radius else 0.0)
    )
    dx = (
        px
        - radius
        + (sub(win[py, px - 1], win[py, px], win[py, px + 1]) if 0 < px < 2 * radius else 0.0)
    )
    return float(dx), float(dy)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def run_pass(name: str, rgb8: np.ndarray, g, seed: int, **params) -> tuple[np.ndarray, float]:
    step = StyleStepSpec(pass_=name, applied=True, seed=seed, params=params)
    t = time.perf_counter()
    img = apply_step(to_float(rgb8), g, step).image
    return to_uint8(img), time.perf_counter() - t


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=6, help="frames per template (default 6)")
    ap.add_argument("--size", type=int, default=512, help="frame width = height (default 512)")
    ap.add_argument("--json", type=Path, help="also save the numbers here")
    ap.add_argument(
        "--onnx", type=Path, help="also measure this ONNX style network (onnx pass, NCHW, 0..1)"
    )
    args = ap.parse_args(argv)

    known = names()
    frames = render("tabletop.yaml", args.frames, args.size) + render(
        "cards.yaml", max(2, args.frames * 2 // 3), args.size
    )
    print(
        f"{len(frames)} frames ({args.frames} tabletop, {len(frames) - args.frames} cards) at "
        f"{args.size}×{args.size}; passes: {', '.join(known)}"
    )
    goals: list[tuple[str, str, float, str, bool]] = []  # (figure, value text, value, goal, ok)
    results: dict = {"frames": [f[0] for f in frames], "size": args.size}

    variants = [
        ("sketch", {}),
        ("toon", {}),
        ("paint", {}),
        ("transfer", {}),
        ("halftone", {}),
        ("pixel", {}),
        ("augment", {"severity": 1}),
        ("augment", {}),
        ("paint", {"brush": "watercolour"}),
        ("paint", {"brush": "marker"}),
        ("paint", {"brush": "tape"}),
        ("texture", {}),
        ("harmonize", {}),
        ("harmonize", {"poisson": "normal"}),
    ]
    if args.onnx:
        variants.append(("onnx", {"model": str(args.onnx.resolve())}))
    # (Poisson blending fades outlines into the background by design: its edges are not held
    # to the F ratio; its labels stay exact since no pixel moves)
    preserving = {
        "sketch",
        "toon",
        "paint",
        "transfer",
        "halftone",
        "augment (severity 1)",
        "paint (watercolour)",
        "paint (marker)",
        "paint (tape)",
        "texture",
        "harmonize",
        "onnx",
    }
    paintings = reference_paintings(args.size)
    brush_psnr: dict[str, list[float]] = {}
    texture_gram, texture_gram_whole, texture_lbp = [], [], []
    rows = []
    sketch_f, paint_psnr, transfer_red = [], [], []
    base_f = []
    per = {}
    for k, (_name, rgb8, g) in enumerate(frames):
        h, w = rgb8.shape[:2]
        tol = TOL * np.hypot(w, h)
        ol = outline(g.instance)
        e0 = {1.5: edges(rgb8)}
        f0 = {1.5: boundary_f(e0[1.5], ol, tol)}
        base_f.append(f0[1.5])
        # Control: the measure sees a real shift (the frame rolled 2 px to the right).
        per.setdefault("control: rolled 2 px", {"f": [], "ratio": [], "shift": []})
        d = per["control: rolled 2 px"]
        e = edges(np.roll(rgb8, 2, axis=1))
        d["f"].append(boundary_f(e, ol, tol))
        d["ratio"].append(d["f"][-1] / f0[1.5] if f0[1.5] > 0 else 1.0)
        d["shift"].append(xcorr_shift(e, e0[1.5]))
        for pname, params in variants:
            if pname not in known:
                continue
            label = pname + (" (severity 1)" if params.get("severity") == 1 else "")
            if "brush" in params:
                label = f"{pname} ({params['brush']})"
            if params.get("poisson"):
                label = f"{pname} (poisson)"
            if pname == "texture":
                params = {**params, "reference": str(paintings[k % len(paintings)])}
            if pname == "transfer":
                from synth3d.post.styles.transfer import lab_hist_distance

                ref = REFERENCES[k % len(REFERENCES)]
                params = {**params, "reference": str(ref)}
            out, _ = run_pass(pname, rgb8, g, seed=k, **params)
            sigma = 0.5 * params.get("cell", 6.0) if pname == "halftone" else 1.5
            if sigma not in e0:
                e0[sigma] = edges(rgb8, sigma)
                f0[sigma] = boundary_f(e0[sigma], ol, tol)
            e = edges(out, sigma)
            f = boundary_f(e, ol, tol)
            d = per.setdefault(label, {"f": [], "ratio": [], "shift": []})
            d["f"].append(f)
            d["ratio"].append(f / f0[sigma] if f0[sigma] > 0 else 1.0)
            # Where the edges moved to, against the unstyled frame seen the same way.
            d["shift"].append(xcorr_shift(e, e0[sigma]))
            if pname == "sketch":
                from synth3d.post.styles.sketch import boundary_f_score, darkness

                gt = contour_map(g.depth_m, g.instance, g.normals(), 45.0) > 0
                sketch_f.append(
                    boundary_f_score(darkness(out.astype(np.float32) / 255) > 0.25, gt, tol)[0]
                )
            elif pname == "paint" and "brush" not in params:
                paint_psnr.append(psnr(out, rgb8))
                brush_psnr.setdefault("oil", []).append(paint_psnr[-1])
            elif pname == "paint":
                brush_psnr.setdefault(params["brush"], []).append(psnr(out, rgb8))
            elif pname == "texture":
                from synth3d.post.styles.texture import (
                    gram_distance,
                    texture_distance,
                    texture_gram_distance,
                )

                ref_img = cv2.imread(params["reference"])[..., ::-1].copy()
                colour_only, _ = run_pass(
                    "transfer", rgb8, g, seed=k, reference=params["reference"]
                )
                texture_gram.append(
                    1.0
                    - texture_gram_distance(out, ref_img)
                    / texture_gram_distance(colour_only, ref_img)
                )
                texture_gram_whole.append(
                    1.0 - gram_distance(out, ref_img) / gram_distance(colour_only, ref_img)
                )
                texture_lbp.append(
                    1.0 - texture_distance(out, ref_img) / texture_distance(colour_only, ref_img)
                )
            elif pname == "transfer":
                ref_img = cv2.imread(str(ref))[..., ::-1].copy()
                before = lab_hist_distance(rgb8, ref_img)
                after = lab_hist_distance(out, ref_img)
                transfer_red.append(1.0 - after / before if before > 0 else 0.0)

    if sketch_f:
        v = float(np.mean(sketch_f))
        goals.append(
            (
                "sketch vs contour labels, boundary F (mean; min)",
                f"{v:.3f} ({min(sketch_f):.3f})",
                v,
                "≥ 0.9",
                v >= 0.9,
            )
        )
    if paint_psnr:
        v = float(np.mean(paint_psnr))
        goals.append(
            (
                "paint PSNR vs the frame, dB (mean; min)",
                f"{v:.1f} ({min(paint_psnr):.1f})",
                v,
                "≥ 20",
                v >= 20,
            )
        )
    for brush, vals in brush_psnr.items():
        v = float(np.mean(vals))
        goals.append(
            (
                f"paint {brush}: PSNR vs the frame, dB (mean; min)",
                f"{v:.1f} ({min(vals):.1f})",
                v,
                "≥ 20",
                v >= 20,
            )
        )
    if texture_gram:
        v = float(np.mean(texture_gram))
        goals.append(
            (
                "texture: Gram distance to the reference, reduction vs colour-only "
                "transfer (mean; min)",
                f"{100 * v:.0f} % ({100 * min(texture_gram):.0f} %)",
                v,
                "≥ 50 %",
                v >= 0.5,
            )
        )
        print(
            f"texture, reductions vs colour-only transfer without a goal: Gram of the whole "
            f"image {100 * np.mean(texture_gram_whole):.0f} % (min "
            f"{100 * min(texture_gram_whole):.0f} %), LBP histograms "
            f"{100 * np.mean(texture_lbp):.0f} % (min {100 * min(texture_lbp):.0f} %)"
        )
    if transfer_red:
        v = float(np.mean(transfer_red))
        goals.append(
            (
                "transfer Lab-histogram distance reduction (mean; min)",
                f"{100 * v:.0f} % ({100 * min(transfer_red):.0f} %)",
                v,
                "≥ 50 %",
                v >= 0.5,
            )
        )
    f0 = float(np.mean(base_f))
    for label, d in per.items():
        f, ratio = np.mean(d["f"]), np.mean(d["ratio"])
        vec = np.mean(np.asarray(d["shift"]), axis=0)
        shift = float(np.hypot(*vec))
        spread = float(np.max(np.hypot(*np.asarray(d["shift"]).T)))
        keep = label in preserving
        rows.append((label, f, ratio, shift, spread, keep))
        if label.startswith("control"):
            goals.append(
                (
                    f"{label}: shift found, px (the measure works)",
                    f"({vec[0]:+.2f}, {vec[1]:+.2f})",
                    shift,
                    "≈ 2",
                    abs(shift - 2) < 0.3,
                )
            )
            continue
        goals.append(
            (
                f"{label}: content shift, px (mean over frames)",
                f"({vec[0]:+.2f}, {vec[1]:+.2f})",
                shift,
                "≤ 0.5",
                shift <= 0.5,
            )
        )
        if keep:
            goals.append(
                (
                    f"{label}: edges vs mask outlines, F / unstyled F (mean)",
                    f"{ratio:.2f}",
                    ratio,
                    "≥ 0.75",
                    ratio >= 0.75,
                )
            )

    print()
    print(
        f"Edges of the image vs instance-mask outlines (boundary F at {TOL} × diagonal); "
        f"unstyled frames: F = {f0:.3f}"
    )
    print(f"{'pass':24s} {'F':>6s} {'F/unstyled':>11s} {'shift px':>9s} {'max/frame':>10s}")
    for label, f, ratio, shift, spread, keep in rows:
        print(
            f"{label:24s} {f:6.3f} {ratio:11.2f} {shift:9.2f} {spread:10.2f}"
            + (
                ""
                if keep or label.startswith("control")
                else "   (not structure-preserving by design)"
            )
        )
    print()
    print(f"{'figure':68s} {'value':>16s} {'goal':>8s}  result")
    ok_all = True
    for fig, text, _, goal, ok in goals:
        ok_all &= ok
        print(f"{fig:68s} {text:>16s} {goal:>8s}  {'PASS' if ok else 'FAIL'}")
    missing = [p for p in ("sketch", "paint", "transfer") if p not in known]
    if missing:
        print(f"not installed: {', '.join(missing)}")
    results.update(
        {
            "goals": [
                {"figure": a, "value": float(c), "goal": d, "pass": bool(e)}
                for a, _, c, d, e in goals
            ],
            "edges": {
                label: {
                    "f": float(f),
                    "f_ratio": float(r),
                    "mean_shift_px": s,
                    "max_frame_shift_px": m,
                }
                for label, f, r, s, m, _ in rows
            },
            "unstyled_edges_f": float(f0),
            "sketch_f": sketch_f,
            "paint_psnr": paint_psnr,
            "transfer_reduction": transfer_red,
            "brush_psnr": brush_psnr,
            "texture_gram_reduction": texture_gram,
            "texture_lbp_reduction": texture_lbp,
            "texture_gram_whole_reduction": texture_gram_whole,
        }
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0 if ok_all and not missing else 1


def reference_paintings(size: int) -> list[Path]:
    """Reference paintings with a known brush texture: two bundled photos painted by the
    ``paint`` pass (oil, full impasto texture) at ``size`` px, written to a temporary folder."""
    import tempfile

    from synth3d.post.styles.estimate import image_gbuffers

    out = Path(tempfile.mkdtemp(prefix="synth3d-paintings-"))
    paths = []
    for i, (photo, brush) in enumerate(((REFERENCES[0], "oil"), (REFERENCES[1], "oil"))):
        img = cv2.imread(str(photo))[..., ::-1]
        h, w = img.shape[:2]
        s = size / min(h, w)
        img = np.ascontiguousarray(
            cv2.resize(img, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
        )
        painted, _ = run_pass(
            "paint", img, image_gbuffers(img), seed=100 + i, brush=brush, texture=1.0
        )
        path = out / f"painting-{i}-{brush}.png"
        cv2.imwrite(str(path), painted[..., ::-1])
        paths.append(path)
    return paths


def boundary_f(pred: np.ndarray, gt: np.ndarray, tol: float) -> float:
    from synth3d.post.styles.sketch import boundary_f_score

    return boundary_f_score(pred, gt, tol)[0]


if __name__ == "__main__":
    sys.exit(main())
