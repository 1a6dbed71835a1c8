"""Labels and formats: amodal masks, visibility, poses, keypoints, contours, COCO/BOP/YOLO."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import trimesh
from conftest import SCENES, run_cli
from geometry import boundary
from pycocotools import mask as mask_util

from synth3d.spec import SceneSpec


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> Path:
    """tabletop at 160×120 with every label and format, closer camera so objects get clipped."""
    from synth3d.run.pipeline import render_dataset

    out = tmp_path_factory.mktemp("full")
    render_dataset(
        SCENES / "tabletop.yaml",
        out,
        n=6,
        seed=9,
        size=(160, 120),
        overrides=[
            "labels.normals=true",
            "labels.contours=true",
            "labels.semantic=true",
            "camera.require_all_in_frame=false",
            "camera.offset.radius=[0.35, 0.6]",
            "assets.mug.keypoints={mug: {handle: [0.057, 0.0, 0.05]}}",
        ],
        formats=["coco", "bop", "yolo"],
    )
    return out


def _rows(out):
    return [
        json.loads(l) for l in (out / "annotations" / "instances.jsonl").read_text().splitlines()
    ]


def _decode(rle):
    return mask_util.decode({"size": rle["size"], "counts": rle["counts"].encode()}).astype(bool)


def test_amodal_contains_visible_and_fractions(full):
    clipped = 0
    for r in _rows(full):
        inst = cv2.imread(str(full / "instance" / f"{r['index']:06d}.png"), cv2.IMREAD_UNCHANGED)
        for a in r["annotations"]:
            vis, amo = _decode(a["segmentation"]), _decode(a["amodal_segmentation"])
            assert np.array_equal(vis, inst == a["id"])
            assert not (vis & ~amo).any(), "amodal ⊇ visible"
            assert a["visib_fract"] == pytest.approx(vis.sum() / amo.sum())
            assert 0.0 < a["in_frame_fract"] <= 1.0
            if a["in_frame_fract"] < 0.99:
                clipped += 1
                x, y, w, h = a["bbox_obj"]
                assert x < 0 or y < 0 or x + w > 160 or y + h > 120
            else:
                assert a["bbox_obj"] == a["amodal_bbox"]
    assert clipped >= 1, "the close camera should clip some object"


def test_pose_box_and_keypoints_agree_with_scenespec(full):
    for r in _rows(full):
        spec = SceneSpec.from_json((full / "scene" / f"{r['index']:06d}.json").read_text())
        K = spec.camera.K_array()
        T_cw = np.linalg.inv(spec.camera.T_array())
        for a in r["annotations"]:
            o = next(o for o in spec.objects if o.id == a["id"])
            R, t, s = np.asarray(a["R_m2c"]), np.asarray(a["t_m2c"]), a["scale"]
            assert np.allclose(R @ R.T, np.eye(3), atol=1e-9) and np.linalg.det(R) > 0
            T = T_cw @ o.T_array()
            assert np.allclose(s * R, T[:3, :3], atol=1e-9) and np.allclose(t, T[:3, 3])
            corners = np.asarray(a["bbox3d_cam"])
            centre = corners.mean(0)
            uv = K @ centre
            kp = a["keypoints"]
            assert kp["names"][8] == "centroid"
            assert np.allclose(kp["xy"][8], uv[:2] / uv[2], atol=1e-6)
            if o.category == "mug":
                i = kp["names"].index("handle")
                if kp["visible"][i] == 2:
                    u, v = (int(np.floor(c + 0.5)) for c in kp["xy"][i])
                    assert _decode(a["segmentation"])[v, u]


def test_coco_has_the_extra_fields(full):
    coco = json.loads((full / "annotations" / "coco.json").read_text())
    a = coco["annotations"][0]
    for k in (
        "amodal_segmentation",
        "visib_fract",
        "in_frame_fract",
        "bbox_obj",
        "pose",
        "keypoints",
        "num_keypoints",
    ):
        assert k in a
    assert len(a["keypoints"]) == 27 and coco["categories"][0]["keypoints"][8] == "centroid"


def test_bop_scene_is_consistent(full):
    root = full / "bop"
    sdir = root / "train_synth3d" / "000000"
    cams = json.loads((sdir / "scene_camera.json").read_text())
    gts = json.loads((sdir / "scene_gt.json").read_text())
    infos = json.loads((sdir / "scene_gt_info.json").read_text())
    models = json.loads((root / "models" / "models_info.json").read_text())
    assert len(cams) == 6 and set(cams) == set(gts) == set(infos)
    n_checked = 0
    for im_id, gt_list in gts.items():
        K = np.asarray(cams[im_id]["cam_K"]).reshape(3, 3)
        assert cams[im_id]["depth_scale"] == 1.0
        for gt_id, (gt, info) in enumerate(zip(gt_list, infos[im_id])):
            mask = cv2.imread(str(sdir / "mask" / f"{int(im_id):06d}_{gt_id:06d}.png"), 0) > 0
            visib = (
                cv2.imread(str(sdir / "mask_visib" / f"{int(im_id):06d}_{gt_id:06d}.png"), 0) > 0
            )
            assert info["px_count_all"] == mask.sum() and info["px_count_visib"] == visib.sum()
            assert info["visib_fract"] == pytest.approx(visib.sum() / mask.sum())
            assert not (visib & ~mask).any()
            mesh = trimesh.load(root / "models" / f"obj_{gt['obj_id']:06d}.ply", force="mesh")
            R = np.asarray(gt["cam_R_m2c"]).reshape(3, 3)
            t = np.asarray(gt["cam_t_m2c"])
            pc = mesh.vertices @ R.T + t  # millimetres, camera frame
            uv = pc @ K.T
            uv = uv[:, :2] / uv[:, 2:3]
            px = np.floor(uv + 0.5).astype(int)
            inside = (px[:, 0] >= 0) & (px[:, 0] < 160) & (px[:, 1] >= 0) & (px[:, 1] < 120)
            if inside.sum() < 20:
                continue
            # Silhouette vertices sit on the mask's edge: allow the one-pixel rasterisation margin.
            near = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
            hits = near[px[inside, 1], px[inside, 0]]
            assert hits.mean() >= 0.99, (im_id, gt_id, hits.mean())
            assert mask[px[inside, 1], px[inside, 0]].mean() >= 0.6
            size = models[str(gt["obj_id"])]
            assert size["diameter"] > 10  # millimetres, not metres
            n_checked += 1
    assert n_checked >= 6
    depth = cv2.imread(str(sdir / "depth" / "000000.png"), cv2.IMREAD_UNCHANGED)
    assert depth.dtype == np.uint16 and depth.max() > 200  # mm
    assert (sdir / "rgb" / "000003.png").read_bytes() == (full / "rgb" / "000003.png").read_bytes()


def test_yolo_boxes_round_trip_to_coco(full):
    coco = json.loads((full / "annotations" / "coco.json").read_text())
    by_image = {}
    for a in coco["annotations"]:
        by_image.setdefault(a["image_id"], []).append(a)
    names = (full / "yolo" / "dataset.yaml").read_text()
    assert "0: mug" in names and "train: images" in names
    for image_id, anns in by_image.items():
        lines = (full / "yolo" / "labels" / f"{image_id:06d}.txt").read_text().splitlines()
        assert len(lines) == len(anns)
        for line, a in zip(lines, anns):
            c, xc, yc, w, h = line.split()
            assert int(c) == a["category_id"] - 1
            box = [
                (float(xc) - float(w) / 2) * 160,
                (float(yc) - float(h) / 2) * 120,
                float(w) * 160,
                float(h) * 120,
            ]
            assert np.allclose(box, a["bbox"], atol=0.5)
        seg = (full / "yolo-seg" / "labels" / f"{image_id:06d}.txt").read_text().splitlines()
        assert len(seg) == len(anns) and all(len(s.split()) >= 7 for s in seg)
    assert (full / "yolo" / "images" / "000000.png").read_bytes() == (
        full / "rgb" / "000000.png"
    ).read_bytes()
    # Ultralytics resolves the images folder and swaps /images/ for /labels/ in each file's
    # path: the folder must be real, its files may be links.
    for root in ("yolo", "yolo-seg"):
        images = (full / root / "images").resolve()
        assert images == full.resolve() / root / "images"
        for img in sorted(images.glob("*.png")):
            label = Path(str(img).replace("/images/", "/labels/")).with_suffix(".txt")
            assert label.exists(), label
    assert (full / "yolo-seg" / "images" / "000005.png").read_bytes() == (
        full / "rgb" / "000005.png"
    ).read_bytes()


def test_export_rewrites_the_same_formats(full, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(
        full, copy, symlinks=True, ignore=shutil.ignore_patterns("bop", "yolo*", "coco.json")
    )
    r = run_cli("export", copy, "--format", "coco,bop", "--format", "yolo")
    assert r.returncode == 0, r.stderr
    for rel in (
        "annotations/coco.json",
        "bop/train_synth3d/000000/scene_gt.json",
        "bop/train_synth3d/000000/scene_gt_info.json",
        "bop/models/models_info.json",
        "bop/train_synth3d/000000/mask/000002_000000.png",
        "yolo/labels/000003.txt",
    ):
        assert (copy / rel).read_bytes() == (full / rel).read_bytes(), rel
    bad = run_cli("export", copy, "--format", "voc")
    assert bad.returncode != 0 and "unknown format 'voc'" in bad.stderr


def test_normals_contours_semantic(full):
    for i in range(6):
        spec = SceneSpec.from_json((full / "scene" / f"{i:06d}.json").read_text())
        inst = cv2.imread(str(full / "instance" / f"{i:06d}.png"), cv2.IMREAD_UNCHANGED)
        depth = cv2.imread(str(full / "depth" / f"{i:06d}.png"), cv2.IMREAD_UNCHANGED)
        sem = cv2.imread(str(full / "semantic" / f"{i:06d}.png"), cv2.IMREAD_UNCHANGED)
        lut = {0: 0, **{o.id: o.category_id for o in spec.objects}}
        assert np.array_equal(sem, np.vectorize(lut.get)(inst).astype(np.uint16))
        n16 = cv2.cvtColor(
            cv2.imread(str(full / "normals" / f"{i:06d}.png"), cv2.IMREAD_UNCHANGED),
            cv2.COLOR_BGR2RGB,
        )
        n = n16.astype(float) / 65535 * 2 - 1
        floor = (inst == 0) & (depth > 0) & ~boundary(depth > 0, 2)
        up_cam = np.linalg.inv(spec.camera.T_array())[:3, :3] @ np.array([0, 0, 1.0])
        assert np.allclose(n[floor], up_cam, atol=2e-3)  # the floor's normal is world up
        assert np.all(n16[depth == 0] == 0)
        c = cv2.imread(str(full / "contours" / f"{i:06d}.png"), 0)
        assert set(np.unique(c)) <= {0, 128, 255}
        # Every object pixel next to another instance that is farther away is an occluding contour.
        for dy, dx in ((0, 1), (1, 0)):
            a, b = inst[: -dy or None, : -dx or None], inst[dy:, dx:]
            da, db = depth[: -dy or None, : -dx or None], depth[dy:, dx:]
            edge = (a != b) & (a > 0) & ((db == 0) | (da < db))
            assert np.all(c[: -dy or None, : -dx or None][edge] == 255)


def test_filters_and_resampling(tmp_path):
    from synth3d.run.pipeline import Scenes, render_dataset

    # A low camera over a crowded patch: objects hide each other.
    crowded = [
        "camera.require_all_in_frame=false",
        "objects[0].count=4",
        "objects[0].placement.non_overlap=false",
        "objects[0].placement.region={x: [-0.06, 0.06], y: [-0.06, 0.06]}",
        "camera.offset={dist: cone, axis: [1, 0, 0.15], angle_deg: 5, radius: [0.9, 1.0]}",
    ]
    render_dataset(
        SCENES / "tabletop.yaml",
        tmp_path / "drop",
        n=6,
        seed=1,
        size=(96, 72),
        overrides=crowded + ["labels.min_visible_fraction=0.6"],
    )
    dropped = 0
    for r in _rows(tmp_path / "drop"):
        dropped += len(r["dropped"])
        assert all(a["visib_fract"] >= 0.6 for a in r["annotations"])
        assert {a["id"] for a in r["annotations"]}.isdisjoint(r["dropped"])
    assert dropped > 0
    # A small card behind a big one is often hidden; resampling moves it until it shows.
    sq = np.full((40, 40, 4), 255, np.uint8)
    cv2.imwrite(str(tmp_path / "sq.png"), sq)
    tpl = {
        "size": [96, 72],
        "assets": {"c": {"path": str(tmp_path / "sq.png")}},
        "camera": {"target": [0, 0, 0], "offset": [0, -3, 0]},
        "labels": {"hidden": "resample"},
        "objects": [
            {
                "name": "big",
                "assets": "c",
                "screen_height": 0.5,
                "placement": {"mode": "screen", "point": [0.5, 0.5], "distance": 2},
            },
            {
                "name": "small",
                "assets": "c",
                "screen_height": 0.15,
                "placement": {
                    "mode": "screen",
                    "distance": 3,
                    "point": {"dist": "uniform", "min": [0.2, 0.5], "max": [0.8, 0.5]},
                },
            },
        ],
    }
    out = tmp_path / "res"
    render_dataset(tpl, out, n=6, seed=2)
    first_tries = Scenes(tpl)
    resampled = 0
    for i in range(6):
        text = (out / "scene" / f"{i:06d}.json").read_text()
        inst = cv2.imread(str(out / "instance" / f"{i:06d}.png"), cv2.IMREAD_UNCHANGED)
        assert set(np.unique(inst)) == {0, 1, 2}
        resampled += text != first_tries.sample(2, i).to_json()
    assert resampled >= 1, "some first layout should have hidden the small card"
    tpl["labels"] = {"hidden": "drop"}
    render_dataset(tpl, tmp_path / "dropped", n=6, seed=2)
    assert any(r["dropped"] == [2] for r in _rows(tmp_path / "dropped"))


def test_card_half_outside_the_frame_in_frame_fraction(tmp_path):
    from synth3d.run.pipeline import render_dataset

    img = np.full((60, 60, 4), 255, np.uint8)
    cv2.imwrite(str(tmp_path / "sq.png"), img)
    tpl = {
        "size": [90, 60],
        "assets": {"c": {"path": str(tmp_path / "sq.png")}},
        "camera": {"target": [0, 0, 0], "offset": [0, -3, 0]},
        "objects": [
            {
                "name": "c",
                "assets": "c",
                "screen_height": 0.5,
                "placement": {"mode": "screen", "point": [1.0, 0.5], "distance": 2},
            }
        ],
    }
    render_dataset(tpl, tmp_path / "o", n=1)
    (a,) = _rows(tmp_path / "o")[0]["annotations"]
    assert a["in_frame_fract"] == pytest.approx(0.5, abs=0.04)
    x, y, w, h = a["bbox_obj"]
    assert abs(w - 30) <= 3 and abs(h - 30) <= 3 and x + w > 90
    assert a["amodal_bbox"][2] == pytest.approx(15, abs=1)


def test_coco_polygons_option(tmp_path):
    import contextlib
    import io

    from pycocotools.coco import COCO

    from synth3d.run.pipeline import render_dataset

    out = tmp_path / "poly"
    render_dataset(
        SCENES / "cards.yaml", out, n=3, seed=4, size=(160, 120), overrides=["labels.polygons=true"]
    )
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(str(out / "annotations" / "coco.json"))
    n = kept = 0
    for a in coco.loadAnns(coco.getAnnIds()):
        if isinstance(a["segmentation"], dict):  # holes or several parts: the exact RLE stays
            assert np.array_equal(coco.annToMask(a).astype(bool), _decode(a["segmentation"]))
            assert a["polygons"]
            kept += 1
            continue
        assert isinstance(a["segmentation"], list) and a["rle"]["counts"]
        poly = coco.annToMask(a).astype(bool)
        exact = _decode(a["rle"])
        iou = (poly & exact).sum() / (poly | exact).sum()
        assert iou > 0.8, iou
        n += 1
    assert n > 0
