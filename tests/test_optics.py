"""Camera optics post passes: distortion (labels follow), depth of field, vignetting, noise."""

from __future__ import annotations

import json
import math

import cv2
import numpy as np
import pytest
from geometry import raycast

from synth3d.lens import project, remap, source_map
from synth3d.post.optics import (
    apply_optics,
    circle_of_confusion_px,
    depth_of_field,
    sensor_noise,
    vignetting_gain,
)
from synth3d.render.renderer import Renderer
from synth3d.run.frames import Scenes, process
from synth3d.run.pipeline import render_dataset
from synth3d.spec import OpticsSpec, SceneSpec

DIST = [-0.28, 0.09, 0.004, -0.003, -0.01]


def _template(distortion=None, optics=None, size=(160, 120)) -> dict:
    t = {
        "name": "optics",
        "size": list(size),
        "asset_root": str(__import__("conftest").REPO),
        "assets": {
            "mug": {"path": "meshes/mug.glb"},
            "toy": {"path": "meshes/toy.glb"},
            "bottle": {"path": "meshes/bottle.glb"},
        },
        "camera": {
            "fov_y_deg": 55,
            "target": [0, 0, 0.04],
            "offset": {
                "dist": "cone",
                "axis": [0, 0, 1],
                "angle_deg": 55,
                "min_angle_deg": 30,
                "radius": [0.45, 0.55],
            },
        },
        "environment": {"ambient": [0.4, 0.4, 0.4]},
        "lights": [{"type": "directional", "intensity": 2.0}],
        "backdrops": [{"type": "floor", "size": [2, 2], "texture": {"type": "checker"}}],
        "objects": [
            {
                "name": "items",
                "assets": ["mug", "toy", "bottle"],
                "count": 4,
                "placement": {
                    "mode": "floor",
                    "non_overlap": True,
                    "region": {"x": [-0.22, 0.22], "y": [-0.22, 0.22]},
                },
            }
        ],
    }
    if distortion is not None:
        t["camera"]["distortion"] = dict(zip(["k1", "k2", "p1", "p2", "k3"], distortion))
    if optics is not None:
        t["post"] = {"optics": optics}
    return t


@pytest.fixture(scope="module")
def renderer():
    r = Renderer(160, 120)
    yield r
    r.close()


def test_projection_matches_opencv():
    rng = np.random.default_rng(3)
    pts = rng.uniform([-0.4, -0.3, 0.5], [0.4, 0.3, 1.5], (200, 3))
    K = np.array([[150.0, 0, 79.3], [0, 151.0, 60.2], [0, 0, 1]])
    ours, _ = project(K, DIST, pts)
    cv, _ = cv2.projectPoints(pts, np.zeros(3), np.zeros(3), K, np.array(DIST))
    assert np.abs(ours - cv.reshape(-1, 2)).max() < 1e-9


def test_source_map_inverts_the_distortion_like_opencv():
    K = np.array([[150.0, 0, 79.5], [0, 150.0, 59.5], [0, 0, 1]])
    mx, my = source_map(K, DIST, 160, 120)
    v, u = np.mgrid[0:120, 0:160]
    pts = np.stack([u, v], -1).reshape(-1, 1, 2).astype(np.float64)
    und = cv2.undistortPointsIter(
        pts,
        K,
        np.array(DIST),
        None,
        K,
        (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 100, 1e-12),
    )
    und = und.reshape(120, 160, 2)
    assert np.abs(mx - und[..., 0]).max() < 1e-3 and np.abs(my - und[..., 1]).max() < 1e-3


def test_distorted_labels_are_the_labels_of_the_distorted_render(renderer):
    scenes = Scenes(_template(DIST))
    spec = scenes.sample(0, 1)
    assert spec.camera.distortion == DIST
    frame = renderer.render(spec, amodal=True)
    out = process(frame, spec, scenes.template.labels)
    K = spec.camera.K_array()
    # Independent truth: every distorted pixel centre undistorted by OpenCV, then the scene's
    # ray cast (trimesh) through that point of the pinhole camera.
    H, W = 120, 160
    v, u = np.mgrid[0:H, 0:W]
    und = cv2.undistortPointsIter(
        np.stack([u, v], -1).reshape(-1, 1, 2).astype(np.float64),
        K,
        np.array(DIST),
        None,
        K,
        (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 100, 1e-12),
    )
    su, sv = und.reshape(H, W, 2)[..., 0], und.reshape(H, W, 2)[..., 1]
    ids_pin, _ = raycast(spec)
    ids_pin = np.where(ids_pin >= 0, ids_pin, 0)
    inside = (su > -0.5) & (su < W - 0.5) & (sv > -0.5) & (sv < H - 0.5)
    ci = np.clip(np.floor(su + 0.5).astype(int), 0, W - 1)
    ri = np.clip(np.floor(sv + 0.5).astype(int), 0, H - 1)
    truth = np.where(inside, ids_pin[ri, ci], 0)
    got = out.instance16.astype(int)
    assert set(np.unique(got)) <= {0} | {o.id for o in spec.objects}
    bad = got != truth
    # Every disagreement lies within 1 px of a boundary of the true masks.
    edge = np.zeros_like(bad)
    pad = np.pad(truth, 1, mode="edge")
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            edge |= pad[1 + dy : 1 + dy + H, 1 + dx : 1 + dx + W] != truth
    assert bad.sum() < 0.01 * H * W and not (bad & ~edge).any()
    # Label masks are the written instance image's masks; keypoints are OpenCV's projections.
    from pycocotools import mask as mask_util

    T_cw = np.linalg.inv(spec.camera.T_array())
    from synth3d.annotate.labels import BOX_KEYPOINTS, box_corners

    for lab, o in zip(out.labels, spec.objects):
        m = mask_util.decode({"size": [H, W], "counts": lab["segmentation"]["counts"]})
        assert np.array_equal(m.astype(bool), got == o.id)
        T = T_cw @ o.T_array()
        lo, hi = np.asarray(o.bounds_asset)
        pts = np.vstack([box_corners(o.bounds_asset), (lo + hi) / 2])
        pc = pts @ T[:3, :3].T + T[:3, 3]
        cv, _ = cv2.projectPoints(pc, np.zeros(3), np.zeros(3), K, np.array(DIST))
        xy = np.asarray(lab["keypoints"]["xy"][: len(BOX_KEYPOINTS)])
        assert np.abs(xy - cv.reshape(-1, 2)).max() < 0.1
        # The amodal mask follows too: it holds the visible mask.
        am = mask_util.decode({"size": [H, W], "counts": lab["amodal_segmentation"]["counts"]})
        assert (am.astype(bool) | ~(got == o.id)).all()


def test_distortion_written_next_to_K(tmp_path):
    out = tmp_path / "ds"
    render_dataset(_template(DIST), out, n=1, formats=["coco", "bop"])
    scene = json.loads((out / "scene" / "000000.json").read_text())
    assert scene["camera"]["distortion"] == DIST
    coco = json.loads((out / "annotations" / "coco.json").read_text())
    assert coco["images"][0]["camera"]["dist"] == DIST
    cam = json.loads(next((out / "bop").rglob("scene_camera.json")).read_text())
    assert cam["0"]["cam_dist"] == DIST and len(cam["0"]["cam_K"]) == 9
    assert json.loads((out / "bop" / "camera.json").read_text())["dist"] == DIST
    # Without distortion nothing changes in the camera records.
    out2 = tmp_path / "plain"
    render_dataset(_template(), out2, n=1, formats=["coco"])
    assert "distortion" not in json.loads((out2 / "scene" / "000000.json").read_text())["camera"]
    assert "camera" not in json.loads((out2 / "annotations" / "coco.json").read_text())["images"][0]


def test_vignetting_is_the_cos4_law():
    K = np.array([[100.0, 0, 79.5], [0, 100.0, 59.5], [0, 0, 1]])
    g = vignetting_gain(K, 160, 120, 1.0)
    theta = math.atan(math.hypot(0 - 79.5, 0 - 59.5) / 100.0)
    assert abs(g[0, 0] - math.cos(theta) ** 4) < 1e-6
    assert (
        abs(vignetting_gain(K, 160, 120, 0.5)[0, 0] - (1 - 0.5 * (1 - math.cos(theta) ** 4))) < 1e-6
    )
    assert g[59:61, 79:81].min() > 0.999


def test_sensor_noise_statistics():
    rng = np.random.Generator(np.random.PCG64(1))
    for value, fw, read in ((0.2, 1000.0, 0.0), (0.05, 400.0, 5.0)):
        flat = np.full((200, 200, 3), value, np.float32)
        noisy = sensor_noise(flat, fw, read, rng)
        assert abs(noisy.mean() - value) < 0.01 * value + 1e-4
        expect_var = value / fw + (read / fw) ** 2  # Poisson: var(e) = mean(e), plus read noise
        assert abs(noisy.var() / expect_var - 1) < 0.05


def test_circle_of_confusion_is_the_thin_lens():
    K = np.array([[500.0, 0, 320], [0, 500, 240], [0, 0, 1]])
    depth = np.array([[1.0, 2.0, 0.5, 0.0]], np.float32)
    c = circle_of_confusion_px(depth, K, 640, 2.0, 1.0, 36.0)
    f = 500 * 36e-3 / 640  # focal length (m)
    pitch = 36e-3 / 640
    for z, got in zip([1.0, 2.0, 0.5, math.inf], c[0]):
        coc = (f / 2.0) * f / (1.0 - f) * (abs(z - 1.0) / z if math.isfinite(z) else 1.0)
        assert abs(got - coc / pitch) < 1e-6 * max(1.0, coc / pitch)
    assert c[0, 0] == 0.0


def test_depth_of_field_blurs_out_of_focus_only():
    img = np.zeros((60, 80, 3), np.float32)
    img[:, ::2] = 1.0  # stripes
    coc = np.zeros((60, 80), np.float32)
    coc[:, 40:] = 6.0
    out = depth_of_field(img, coc)
    assert np.array_equal(out[:, :38], img[:, :38])
    assert out[:, 50:].std() < 0.1 * img[:, 50:].std()
    assert abs(out[:, 50:].mean() - 0.5) < 0.02


def test_optics_drawn_from_the_template_and_deterministic(renderer):
    optics = {
        "dof": {"f_number": {"dist": "uniform", "min": 1.4, "max": 2.8}},
        "vignetting": 0.7,
        "noise": {"full_well_e": 500, "read_noise_e": 3},
    }
    scenes = Scenes(_template(optics=optics))
    spec = scenes.sample(0, 2)
    o = spec.post.optics
    assert 1.4 <= o.dof_f_number <= 2.8 and o.vignetting == 0.7 and o.noise_full_well_e == 500
    assert SceneSpec.from_json(spec.to_json()) == spec
    frame = renderer.render(spec)
    a = process(frame, spec).rgb
    b = process(frame, spec).rgb
    assert np.array_equal(a, b)  # the noise comes from the SceneSpec's seed
    plain = spec.model_copy(update={"post": spec.post.model_copy(update={"optics": None})})
    c = process(frame, plain).rgb
    assert not np.array_equal(a, c)
    # Labels do not move without distortion.
    assert np.array_equal(process(frame, spec).instance16, process(frame, plain).instance16)


def test_noise_is_added_after_exposure_before_the_tonemap():
    from synth3d.frame import Frame

    h, w = 40, 40
    rgb = np.full((h, w, 3), 0.01, np.float32)  # dim: auto exposure lifts it 18×
    frame = Frame(
        rgb=rgb,
        alpha=np.ones((h, w), np.float32),
        depth_m=np.ones((h, w), np.float32),
        instance=np.zeros((h, w), np.uint16),
    )
    spec = Scenes(_template(size=(w, h))).sample(0, 0)
    spec = spec.model_copy(
        update={
            "post": spec.post.model_copy(
                update={
                    "tonemap": spec.post.tonemap.model_copy(
                        update={"auto_exposure": True, "operator": "clip"}
                    ),
                    "optics": OpticsSpec(noise_full_well_e=1000.0, seed=5),
                }
            )
        }
    )
    from synth3d.post.tonemap import _white_balance_and_ev

    out, _, tm = apply_optics(
        rgb, None, frame, spec, lambda x: _white_balance_and_ev(x, spec.post.tonemap)[2]
    )
    assert tm.exposure_ev == 0 and not tm.auto_exposure
    # Exposed to middle grey, then Poisson with 180 electrons: relative std 1/sqrt(180).
    assert abs(out.mean() - 0.18) < 0.005
    assert abs(out.std() / out.mean() - 1 / math.sqrt(180)) < 0.015


def test_bad_distortion_is_one_clear_error(tmp_path):
    import yaml
    from conftest import run_cli

    t = _template()
    t["camera"]["distortion"] = {"k1": 5.0}
    p = tmp_path / "t.yaml"
    p.write_text(yaml.safe_dump(t))
    r = run_cli("validate", str(p))
    assert r.returncode != 0
    assert "camera.distortion.k1" in (r.stderr + r.stdout)
    assert len((r.stderr + r.stdout).strip().splitlines()) == 1


def test_remap_nearest_keeps_label_values():
    K = np.array([[100.0, 0, 39.5], [0, 100.0, 29.5], [0, 0, 1]])
    ids = np.random.default_rng(0).integers(0, 5, (60, 80)).astype(np.uint16)
    out = remap(ids, K, DIST, nearest=True)
    assert out.dtype == np.uint16 and set(np.unique(out)) <= set(range(5))
