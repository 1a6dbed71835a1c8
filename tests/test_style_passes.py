"""Stylisation passes sketch, toon, pixel, halftone, augment: determinism, ranges, quality of the
lines against the contour labels, no content shift, parameter validation."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import cv2
import numpy as np
import pytest
from conftest import SCENES, shared
from pydantic import ValidationError

from synth3d.annotate.contours import OCCLUDING, contour_map
from synth3d.post.styles import augment, halftone, pixel, sketch, toon
from synth3d.post.styles.base import GBuffers
from synth3d.post.styles.sketch import boundary_f_score

PASSES = [sketch, toon, pixel, halftone, augment]
RANDOM = {sketch, pixel, augment}  # passes that draw from rng (pixel: k-means++ seeding)


def _frame(template: str, index: int, size: int = 256):
    from synth3d.render.renderer import Renderer
    from synth3d.run.pipeline import Scenes, process, render_frame

    sc = Scenes(SCENES / template, size=(size, size))
    with Renderer(size, size) as r:
        spec, frame = render_frame(r, sc, seed=0, index=index)
        if frame.normals_cam is None:
            frame = r.render(spec, amodal=False, normals=True)
    img = process(frame, spec).rgb.astype(np.float32) / 255.0
    g = GBuffers(frame.depth_m, frame.instance, spec.camera.K_array(), frame.normals_cam)
    return img, g


@pytest.fixture(scope="module")
def frames():
    """A tabletop frame (meshes, creases) and a cards frame (photo cut-outs), 256×256."""
    return {"tabletop": _frame("tabletop.yaml", 0), "cards": _frame("cards.yaml", 0)}


def _tol(shape) -> float:
    return 0.0075 * float(np.hypot(*shape))


def _gray(x: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.ascontiguousarray(x, np.float32), cv2.COLOR_RGB2GRAY).astype(np.float64)


def _shift(a: np.ndarray, b: np.ndarray, sigma: float) -> tuple[float, float]:
    """Translation of b relative to a (phase correlation of the blurred images)."""
    a = cv2.GaussianBlur(a, (0, 0), sigma)
    b = cv2.GaussianBlur(b, (0, 0), sigma)
    win = cv2.createHanningWindow(a.shape[::-1], cv2.CV_64F)
    (sx, sy), _ = cv2.phaseCorrelate(a, b, win)
    return sx, sy


# ------------------------------------------------------------------------------------------------
# The measure


def test_boundary_f_score_hand_made():
    sq = np.zeros((64, 64), np.uint8)
    cv2.rectangle(sq, (16, 16), (47, 47), 1, 1)
    one = np.roll(sq, 1, axis=1)
    ten = np.roll(sq, 10, axis=1)
    assert boundary_f_score(sq, sq, 0.5) == (1.0, 1.0, 1.0)
    f, p, r = boundary_f_score(one, sq, 1.5)
    assert f == 1.0 and p == 1.0 and r == 1.0
    f, p, r = boundary_f_score(ten, sq, 1.5)
    assert f < 0.4
    f, p, r = boundary_f_score(sq, np.zeros_like(sq), 1.5)
    assert f == 0.0
    assert boundary_f_score(np.zeros_like(sq), np.zeros_like(sq), 1.5)[0] == 1.0
    # Precision and recall are not symmetric: extra clutter costs precision only.
    clutter = sq.copy()
    clutter[2:6, 2:60] = 1
    f, p, r = boundary_f_score(clutter, sq, 1.5)
    assert r == 1.0 and p < 0.7


# ------------------------------------------------------------------------------------------------
# Every pass


@pytest.mark.parametrize("mod", PASSES, ids=lambda m: m.NAME)
def test_shape_range_determinism(frames, mod):
    img, g = frames["tabletop"]
    p = mod.Params()
    a = mod.apply(img, g, p, np.random.default_rng(7)).image
    b = mod.apply(img, g, p, np.random.default_rng(7)).image
    assert a.shape == img.shape and a.dtype == np.float32
    assert np.isfinite(a).all() and a.min() >= 0.0 and a.max() <= 1.0
    assert np.array_equal(a, b), "same seed, same image"
    c = mod.apply(img, g, p, np.random.default_rng(8)).image
    if mod in RANDOM:
        assert not np.array_equal(a, c), "another seed draws another image"
    else:
        assert np.array_equal(a, c), "a pass without randomness ignores rng"


@pytest.mark.parametrize(
    "mod,kw,sigma",
    [
        (sketch, {}, None),
        (toon, {"outline_px": 0}, 2.0),
        (pixel, {}, 4.0),
        (halftone, {}, 6.0),
        (halftone, {"mode": "mono"}, 6.0),
        (augment, {"count": 8, "severity": 5}, 2.0),
    ],
    ids=["sketch", "toon", "pixel", "halftone-cmyk", "halftone-mono", "augment"],
)
def test_no_content_shift(frames, mod, kw, sigma):
    for name, (img, g) in frames.items():
        out = mod.apply(img, g, mod.Params(**kw), np.random.default_rng(0)).image
        if mod is sketch:  # a drawing shares its lines with the contours, not its colours
            gt = (contour_map(g.depth_m, g.instance, g.normals_cam) > 0).astype(np.float64)
            sx, sy = _shift(gt, sketch.darkness(out).astype(np.float64), 1.5)
        else:
            sx, sy = _shift(_gray(img), _gray(out), sigma)
        assert abs(sx) < 0.35 and abs(sy) < 0.35, (name, sx, sy)


# ------------------------------------------------------------------------------------------------
# sketch


@pytest.mark.parametrize("which", ["tabletop", "cards"])
def test_sketch_lines_match_contour_labels(frames, which):
    img, g = frames[which]
    out = sketch.apply(img, g, sketch.Params(), np.random.default_rng(0)).image
    gt = contour_map(g.depth_m, g.instance, g.normals_cam, crease_deg=45)
    f, p, r = boundary_f_score(sketch.darkness(out) > 0.25, gt, _tol(gt.shape))
    assert f >= 0.9, (f, p, r)
    # The drawing is on white-ish paper: most of it is light.
    assert np.median(sketch.darkness(out)) < 0.1


def test_sketch_without_rendered_normals(frames):
    img, g = frames["tabletop"]
    g2 = GBuffers(g.depth_m, g.instance, g.K, None)
    out = sketch.apply(img, g2, sketch.Params(look="ink"), np.random.default_rng(0)).image
    gt = contour_map(g.depth_m, g.instance, g.normals_cam, crease_deg=45)
    f, p, r = boundary_f_score(sketch.darkness(out) > 0.25, gt, _tol(gt.shape))
    assert f >= 0.85, (f, p, r)


def test_sketch_svg_and_options(frames):
    img, g = frames["tabletop"]
    res = sketch.apply(img, g, sketch.Params(export_svg=True, look="ink"), np.random.default_rng(1))
    root = ET.fromstring(res.artifacts["svg"])
    lines = root.findall(".//{http://www.w3.org/2000/svg}polyline")
    assert len(lines) > 5
    widths = {float(e.get("stroke-width")) for e in lines}
    assert len(widths) > 1, "contours, creases and depth give different widths"
    for e in lines[:20]:
        pts = np.array([list(map(float, q.split(","))) for q in e.get("points").split()])
        assert pts.min() >= -5 and pts.max() <= 256 + 5
    # The extras add marks (lowering agreement with the contours), tint colours the paper.
    plain = sketch.apply(img, g, sketch.Params(), np.random.default_rng(1)).image
    extra = sketch.apply(
        img, g, sketch.Params(image_lines=1.0, hatching=1.0, tint=0.7), np.random.default_rng(1)
    ).image
    assert (sketch.darkness(extra) > 0.25).sum() > (sketch.darkness(plain) > 0.25).sum()
    tinted = sketch.apply(img, g, sketch.Params(tint=1.0), np.random.default_rng(1)).image
    assert np.abs(tinted - plain).mean() > 0.1
    # at full tint the paper is the picture (slightly grained) between the lines
    away = sketch.darkness(plain) < 0.1
    assert np.abs(tinted - img)[away].mean() < 0.05


def test_trace_polylines_open_line_and_loop():
    m = np.zeros((40, 40), np.uint8)
    m[10, 5:30] = 1  # an open 1-px line
    cv2.circle(m, (20, 28), 8, 1, 1)  # a closed loop
    lines = sketch.trace_polylines(m)
    covered = np.zeros_like(m)
    for q in lines:
        covered[q[:, 1], q[:, 0]] = 1
    assert np.array_equal(covered, m), "every edge pixel is on a stroke"
    horiz = [q for q in lines if (q[:, 1] == 10).all()]
    assert len(horiz) == 1 and len(horiz[0]) == 25, "the open line is one stroke, walked once"


# ------------------------------------------------------------------------------------------------
# toon


def test_toon_outlines_follow_object_boundaries(frames):
    for name, (img, g) in frames.items():
        p_on = toon.Params(outline_px=2.0)
        a = toon.apply(img, g, p_on, np.random.default_rng(0)).image
        b = toon.apply(img, g, toon.Params(outline_px=0), np.random.default_rng(0)).image
        drawn = np.abs(a - b).max(axis=2) > 0.25
        gt = contour_map(g.depth_m, g.instance) == OCCLUDING
        f, p, r = boundary_f_score(drawn, gt, _tol(gt.shape))
        assert f >= 0.9, (name, f, p, r)


def test_toon_levels_quantise_lightness(frames):
    img, g = frames["cards"]
    out = toon.apply(img, g, toon.Params(levels=3, outline_px=0), np.random.default_rng(0)).image
    L = cv2.cvtColor(out, cv2.COLOR_RGB2Lab)[..., 0]
    centres = np.array([100 / 6, 50, 500 / 6])
    near = np.abs(L[..., None] - centres).min(axis=-1) < 2.0
    assert near.mean() > 0.85, "all but band transitions (and gamut clips) sit on the 3 bands"
    with pytest.raises(ValidationError):
        toon.Params(levels=1)
    with pytest.raises(ValidationError):
        toon.Params(outline_color=(0, 0, 2))


# ------------------------------------------------------------------------------------------------
# pixel


@pytest.mark.parametrize(
    "kw",
    [
        dict(),
        dict(dither="floyd", colors=6),
        dict(dither="bayer", palette="pico8", pixel_size=5),
        dict(palette="gameboy", pixel_size=7),
        dict(palette="grayscale", colors=5, dither="floyd", pixel_size=3),
    ],
)
def test_pixel_blocks_and_palette(frames, kw):
    img, g = frames["tabletop"]
    img = img[:250, :253]  # a size the blocks do not divide
    g = GBuffers(g.depth_m[:250, :253], g.instance[:250, :253], g.K)
    p = pixel.Params(**kw)
    out = pixel.apply(img, g, p, np.random.default_rng(3)).image
    assert out.shape == img.shape
    b = p.pixel_size
    for y0 in range(0, 250, b):
        for x0 in range(0, 253, b):
            blk = out[y0 : y0 + b, x0 : x0 + b].reshape(-1, 3)
            assert (blk == blk[0]).all(), (y0, x0)
    n = len(np.unique(out.reshape(-1, 3), axis=0))
    limit = {"pico8": 16, "gameboy": 4}.get(p.palette, p.colors)
    assert n <= limit
    if p.palette == "adaptive":
        assert n >= p.colors // 2
        # the palette describes the frame: mean colour kept
        assert np.abs(out.mean(axis=(0, 1)) - img.mean(axis=(0, 1))).max() < 0.03


def test_pixel_block_mean_partial_blocks():
    x = np.arange(5 * 7 * 3, dtype=np.float32).reshape(5, 7, 3)
    m = pixel.block_mean(x, 3)
    assert m.shape == (2, 3, 3)
    assert np.allclose(m[1, 2], x[3:5, 6:7].mean(axis=(0, 1)))
    assert np.allclose(m[0, 0], x[0:3, 0:3].mean(axis=(0, 1)))


# ------------------------------------------------------------------------------------------------
# halftone


def test_halftone_keeps_mean_ink(frames):
    for name, (img, g) in frames.items():
        lum = 0.299 * img[..., 0] + 0.587 * img[..., 1] + 0.114 * img[..., 2]
        mono = halftone.apply(img, g, halftone.Params(mode="mono"), np.random.default_rng(0)).image
        assert abs(mono.mean() - lum.mean()) < 0.03, name
        vals = mono[..., 0]
        assert ((vals < 0.05) | (vals > 0.95)).mean() > 0.6, "mostly solid ink or bare paper"
        cmyk = halftone.apply(img, g, halftone.Params(cell=5), np.random.default_rng(0)).image
        assert np.abs(cmyk.mean(axis=(0, 1)) - img.mean(axis=(0, 1))).max() < 0.06, name
    flat = np.full((64, 64, 3), 0.5, np.float32)
    g0 = GBuffers(np.ones((64, 64), np.float32), np.zeros((64, 64), np.uint16), np.eye(3))
    for cov in (0.1, 0.5, 0.9):
        out = halftone.apply(
            flat * 0 + (1 - cov), g0, halftone.Params(mode="mono", cell=8), np.random.default_rng(0)
        ).image
        assert abs((1 - out.mean()) - cov) < 0.02, cov


# ------------------------------------------------------------------------------------------------
# augment


def _psnr(a, b):
    return 10 * np.log10(1.0 / max(float(((a - b) ** 2).mean()), 1e-12))


def test_augment_severity_and_plan(frames):
    img, g = frames["cards"]
    for seed in range(3):
        lo = augment.apply(img, g, augment.Params(severity=1), np.random.default_rng(seed)).image
        hi = augment.apply(img, g, augment.Params(severity=5), np.random.default_rng(seed)).image
        assert _psnr(img, hi) < _psnr(img, lo), seed
    p = augment.Params(count=3, effects=["noise", "jpeg", "defocus", "motion"])
    plan = augment.plan(p, np.random.default_rng(5))
    assert plan == augment.plan(p, np.random.default_rng(5))
    names = [e for e, _ in plan]
    assert len(names) == 3 and set(names) <= set(p.effects)
    assert names == [e for e in augment.ORDER if e in names], "fixed camera-like order"
    plans = {tuple(e for e, _ in augment.plan(p, np.random.default_rng(s))) for s in range(12)}
    assert len(plans) > 1
    with pytest.raises(ValidationError):
        augment.Params(severity=6)
    with pytest.raises(ValidationError):
        augment.Params(effects=["noise", "noise"])
    with pytest.raises(ValidationError):
        augment.Params(effects=["sepia"])


@pytest.mark.parametrize("effect", list(augment.ORDER))
def test_augment_each_effect_changes_but_does_not_shift(frames, effect):
    img, g = frames["tabletop"]
    out = augment.apply(
        img, g, augment.Params(effects=[effect], count=1, severity=5), np.random.default_rng(2)
    ).image
    assert _psnr(img, out) < 45, effect
    sx, sy = _shift(_gray(img), _gray(out), 2.0)
    assert abs(sx) < 0.25 and abs(sy) < 0.25, (effect, sx, sy)


# ------------------------------------------------------------------------------------------------
# A real photograph


def test_passes_on_a_real_photo():
    path = shared("cutouts", "dogSeg.jpg")
    bgr = cv2.imread(str(path))
    bgr = cv2.resize(
        bgr, (256, int(round(256 * bgr.shape[0] / bgr.shape[1]))), interpolation=cv2.INTER_AREA
    )
    img = bgr[..., ::-1].astype(np.float32) / 255.0
    H, W = img.shape[:2]
    # The dog is cut out onto white: its mask is the instance, the backdrop is farther away.
    dog = cv2.morphologyEx(
        (bgr.min(axis=2) < 235).astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)
    )
    _n, lab, stats, _ = cv2.connectedComponentsWithStats(dog)
    inst = (lab == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))).astype(np.uint16)
    depth = np.where(inst > 0, 1.0, 2.0).astype(np.float32)
    K = np.array([[300.0, 0, (W - 1) / 2], [0, 300.0, (H - 1) / 2], [0, 0, 1]])
    g = GBuffers(depth, inst, K)  # no normals: estimated from depth
    for mod in PASSES:
        out = mod.apply(img, g, mod.Params(), np.random.default_rng(0)).image
        assert out.shape == img.shape and out.dtype == np.float32
        assert 0.0 <= out.min() and out.max() <= 1.0
    out = sketch.apply(img, g, sketch.Params(), np.random.default_rng(0)).image
    gt = contour_map(depth, inst)
    f, p, r = boundary_f_score(sketch.darkness(out) > 0.25, gt, _tol(gt.shape))
    assert f >= 0.9, (f, p, r)
