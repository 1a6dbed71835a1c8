"""Every output format loaded by its own ecosystem's reader (pycocotools, supervision, an
Ultralytics-style dataset check, webdataset with the documented decode), splits that do not depend on the process
layout, and polygon outlines measured against the masks."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml
from conftest import REPO, SCENES, run_cli

SPLIT = "output.split={train: 0.5, val: 0.5}"
SETS = [
    SPLIT,
    "labels.polygons=true",
    "output.formats=[coco, bop, yolo, webdataset]",
    "output.webdataset_samples=3",
]


@pytest.fixture(scope="module")
def split_set(tmp_path_factory) -> Path:
    """scenes/tabletop.yaml (mugs with handles, chairs with open backs), 6 frames at 160×120,
    every format, split train/val, COCO polygons."""
    from synth3d.run.pipeline import render_dataset

    out = tmp_path_factory.mktemp("formats") / "all"
    render_dataset(SCENES / "tabletop.yaml", out, n=6, seed=5, size=(160, 120), overrides=SETS)
    return out


def _splits(out: Path) -> dict[int, str]:
    return {
        int(p.stem): json.loads(p.read_text())["output"]["split"]
        for p in sorted((out / "scene").glob("*.json"))
    }


def _instance(out: Path, index: int) -> np.ndarray:
    return cv2.imread(str(out / "instance" / f"{index:06d}.png"), cv2.IMREAD_UNCHANGED)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.astype(bool), b.astype(bool)
    return float((a & b).sum() / max((a | b).sum(), 1))


# -- COCO ----------------------------------------------------------------------------------------


def test_coco_loads_in_pycocotools_masks_exact_or_close(split_set):
    from pycocotools.coco import COCO

    from synth3d.annotate.polygons import mask_topology

    coco = COCO(str(split_set / "annotations" / "coco.json"))
    assert len(coco.getImgIds()) == 6
    kinds = {"rle": 0, "polygon": 0}
    for ann in coco.loadAnns(coco.getAnnIds()):
        truth = _instance(split_set, ann["image_id"]) == ann["instance_id"]
        got = coco.annToMask(ann)
        if isinstance(ann["segmentation"], dict):  # RLE: the exact mask
            kinds["rle"] += 1
            assert np.array_equal(got.astype(bool), truth)
        else:  # a polygon only for one part without holes
            kinds["polygon"] += 1
            assert mask_topology(truth) == (1, 0)
            assert len(ann["segmentation"]) == 1 and "rle" in ann
            assert _iou(got, truth) > 0.85, (ann["id"], _iou(got, truth))
    assert kinds["rle"] and kinds["polygon"], kinds  # this set has both kinds of masks


def test_coco_has_one_file_per_split(split_set):
    from pycocotools.coco import COCO

    splits = _splits(split_set)
    assert set(splits.values()) == {"train", "val"}
    whole = COCO(str(split_set / "annotations" / "coco.json"))
    seen = set()
    for name in ("train", "val"):
        part = COCO(str(split_set / "annotations" / f"coco_{name}.json"))
        ids = set(part.getImgIds())
        assert ids == {i for i, s in splits.items() if s == name}
        assert not ids & seen
        seen |= ids
        for ann in part.loadAnns(part.getAnnIds()):  # the same annotations as the whole file
            assert ann == whole.anns[ann["id"]]
    assert seen == set(whole.getImgIds())


# -- YOLO ----------------------------------------------------------------------------------------


def _yolo_check(root: Path, seg: bool) -> dict[str, list[Path]]:
    """The checks Ultralytics' check_det_dataset / verify_image_label make, written out: the
    yaml's split lists resolve next to it, each listed image exists and decodes, its label file
    is found by replacing /images/ with /labels/, and every line is a known class followed by
    normalised coordinates (4 for detection, ≥ 6 pairs' worth for segmentation)."""
    data = yaml.safe_load((root / "dataset.yaml").read_text())
    names = data["names"]
    out = {}
    for key in ("train", "val"):
        lst = (root / data[key]).resolve()
        assert lst.is_file(), lst
        images = []
        for line in lst.read_text().splitlines():
            assert line.startswith("./")
            img = lst.parent / line[2:]
            assert cv2.imread(str(img)) is not None, img
            label = Path(re.sub(r"/images/", "/labels/", str(img))).with_suffix(".txt")
            assert label.is_file(), label
            for row in label.read_text().splitlines():
                v = row.split()
                assert int(v[0]) in names
                coords = np.array(v[1:], float)
                assert ((coords >= 0) & (coords <= 1)).all()
                assert len(coords) == 4 if not seg else (len(coords) >= 6 and len(coords) % 2 == 0)
            images.append(img)
        out[key] = images
    return out


def test_yolo_dataset_passes_the_dataset_checks_with_a_real_split(split_set):
    splits = _splits(split_set)
    for root, seg in ((split_set / "yolo", False), (split_set / "yolo-seg", True)):
        lists = _yolo_check(root, seg)
        for key in ("train", "val"):
            assert sorted(int(p.stem) for p in lists[key]) == sorted(
                i for i, s in splits.items() if s == key
            )
        assert not set(lists["train"]) & set(lists["val"])


def test_yolo_dataset_in_ultralytics_when_installed(split_set):
    utils = pytest.importorskip("ultralytics.data.utils")
    info = utils.check_det_dataset(str(split_set / "yolo" / "dataset.yaml"))
    assert Path(info["train"]).name == "train.txt" and Path(info["val"]).name == "val.txt"


def test_yolo_seg_polygons_keep_holes_and_parts(split_set):
    """YOLO-seg's one polygon per object against the exact mask: parts and holes are kept
    (bridged); the largest outer outline alone (the old output) fills holes and drops parts."""
    from pycocotools import mask as mask_util

    from synth3d.annotate.labels import mask_polygons
    from synth3d.annotate.polygons import mask_topology, polygon_mask

    rows = [
        json.loads(x)
        for x in (split_set / "annotations" / "instances.jsonl").read_text().splitlines()
    ]
    ious, old_ious, fill_ious, complex_ = [], [], [], 0
    for r in rows:
        W, H = r["width"], r["height"]
        lines = (
            (split_set / "yolo-seg" / "labels" / f"{r['index']:06d}.txt").read_text().splitlines()
        )
        assert len(lines) == len(r["annotations"])
        inst = _instance(split_set, r["index"])
        for a, line in zip(r["annotations"], lines):
            v = line.split()
            assert int(v[0]) == a["category_id"] - 1
            poly = (np.array(v[1:], float).reshape(-1, 2) * [W, H]).ravel()
            truth = inst == a["id"]
            assert np.array_equal(
                truth,
                mask_util.decode(
                    {
                        "size": a["segmentation"]["size"],
                        "counts": a["segmentation"]["counts"].encode(),
                    }
                ).astype(bool),
            )
            ious.append(_iou(polygon_mask(poly, H, W), truth))
            fill_ious.append(_iou(polygon_mask(poly, H, W, "fillpoly"), truth))
            old_ious.append(_iou(polygon_mask(mask_polygons(truth)[0], H, W), truth))
            complex_ += mask_topology(truth) != (1, 0)
    ious, old_ious, fill_ious = map(np.array, (ious, old_ious, fill_ious))
    print(
        f"YOLO-seg IoU vs mask over {len(ious)} objects ({complex_} with holes/parts): "
        f"bridged min {ious.min():.3f} mean {ious.mean():.3f} (cv2.fillPoly min "
        f"{fill_ious.min():.3f}); largest outline only min {old_ious.min():.3f} mean "
        f"{old_ious.mean():.3f}"
    )
    assert complex_ >= 1
    assert ious.min() > 0.9 and ious.mean() > 0.96
    assert fill_ious.min() > 0.85
    assert ious.min() > old_ious.min() and ious.mean() > old_ious.mean()


def test_bridged_polygon_is_exact_on_holes_and_parts():
    from synth3d.annotate.labels import mask_polygons
    from synth3d.annotate.polygons import bridged_polygon, mask_topology, polygon_mask

    m = np.zeros((60, 80), np.uint8)
    m[10:40, 10:40] = 1
    m[20:30, 20:30] = 0  # a hole
    m[24:26, 24:26] = 1  # an island inside the hole
    m[45:55, 50:75] = 1  # a second part
    m[5:15, 60:70] = 1  # a third
    assert mask_topology(m) == (4, 1)
    poly = bridged_polygon(m)
    assert _iou(polygon_mask(poly, 60, 80), m) == 1.0
    assert _iou(polygon_mask(mask_polygons(m)[0], 60, 80), m) < 0.7
    assert bridged_polygon(np.zeros((4, 4), np.uint8)) == []


# -- BOP -----------------------------------------------------------------------------------------


def test_bop_splits_and_relative_model_sources(split_set):
    splits = _splits(split_set)
    bop = split_set / "bop"
    for name in ("train", "val"):
        gt = json.loads((bop / f"{name}_synth3d" / "000000" / "scene_gt.json").read_text())
        assert sorted(map(int, gt)) == sorted(i for i, s in splits.items() if s == name)
        for im in gt:
            assert (bop / f"{name}_synth3d" / "000000" / "rgb" / f"{int(im):06d}.png").is_file()
    sources = json.loads((bop / "models" / "models_source.json").read_text())
    for entry in sources.values():  # portable paths: @asset_root/… (see docs, asset roots)
        assert entry["asset"].startswith("@asset_root/")
        # tabletop's asset_root is the repository
        assert (REPO / entry["asset"].removeprefix("@asset_root/")).is_file()
    assert str(REPO) not in (bop / "models" / "models_source.json").read_text()


# -- webdataset ----------------------------------------------------------------------------------


def test_webdataset_decode_keeps_16_bit_values(split_set):
    import webdataset as wds

    from synth3d.writers.webdataset import decode_png16

    shards = sorted(str(p) for p in (split_set / "webdataset").glob("shard-*.tar"))
    assert len(shards) == 2
    n = 0
    for sample in wds.WebDataset(shards, shardshuffle=False).decode(decode_png16, "rgb8"):
        i = int(sample["__key__"])
        depth = cv2.imread(str(split_set / "depth" / f"{i:06d}.png"), cv2.IMREAD_UNCHANGED)
        assert sample["depth.png"].dtype == np.uint16 and depth.max() > 255
        assert np.array_equal(sample["depth.png"], depth)
        assert np.array_equal(sample["instance.png"], _instance(split_set, i))
        rgb = cv2.cvtColor(cv2.imread(str(split_set / "rgb" / f"{i:06d}.png")), cv2.COLOR_BGR2RGB)
        assert sample["rgb.png"].dtype == np.uint8 and np.array_equal(sample["rgb.png"], rgb)
        assert sample["json"]["index"] == i
        n += 1
    assert n == 6
    # The trap the README warns about: an image spec alone makes 8-bit RGB of the depth.
    plain = next(iter(wds.WebDataset(shards[:1], shardshuffle=False).decode("rgb8")))
    assert plain["depth.png"].dtype == np.uint8 and plain["depth.png"].ndim == 3


# -- identical bytes for any process layout -------------------------------------------------------


def test_split_files_are_the_same_bytes_for_shards_and_merge(split_set, tmp_path):
    from synth3d.run.pipeline import render_dataset
    from synth3d.run.shards import merge

    parts = []
    for k in range(2):
        p = tmp_path / f"part{k}"
        render_dataset(
            SCENES / "tabletop.yaml",
            p,
            n=6,
            seed=5,
            size=(160, 120),
            overrides=SETS,
            shard=(k, 2),
            shard_layout="interleaved",
        )
        parts.append(p)
    merged = tmp_path / "merged"
    merge(parts, merged)
    files = [
        "annotations/coco.json",
        "annotations/coco_train.json",
        "annotations/coco_val.json",
        "yolo/train.txt",
        "yolo/val.txt",
        "yolo/dataset.yaml",
        "yolo-seg/dataset.yaml",
        "bop/train_synth3d/000000/scene_gt.json",
        "bop/val_synth3d/000000/scene_gt.json",
        "bop/models/models_source.json",
        "webdataset/shard-000000.tar",
        "webdataset/shard-000001.tar",
    ]
    for f in files:
        assert (merged / f).read_bytes() == (split_set / f).read_bytes(), f


def test_split_is_validated(tmp_path):
    for value, msg in (
        ("{train: 0.9, val: 0.2}", "fractions must sum to 1"),
        ("{train: 1.0, holdout: 0.0}", "output.split"),
        ("{train: 1.2, val: -0.2}", "fractions must be > 0"),
    ):
        r = run_cli("validate", SCENES / "tabletop.yaml", "--set", f"output.split={value}")
        assert r.returncode == 2 and msg in r.stderr, r.stderr


# -- the HTML report's filters --------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the page's script")
def test_report_explains_a_filter_it_cannot_honour(tmp_path):
    """The page's own script, run in node against a minimal DOM: an unknown #filter= key is
    ignored and said so, instead of showing '0 of N frames'."""
    from synth3d.run.pipeline import render_dataset

    out = tmp_path / "sprites"
    render_dataset(SCENES / "sprites.yaml", out, n=3, seed=2, size=(64, 36))
    r = run_cli("report", out, "--max-frames", "3")
    assert r.returncode == 0, r.stderr
    page = Path(r.stdout.strip()).read_text()
    data = re.search(r'<script id="data" type="application/json">(.*?)</script>', page, re.S)[1]
    script = re.findall(r"<script>(.*?)</script>", page, re.S)[-1]
    harness = """
const els = {};
function el(id) {
  return els[id] = els[id] || {id, textContent: "", innerHTML: "", value: "", dataset: {},
    classList: {toggle() {}}, children: [], appendChild(c) { this.children.push(c); },
    addEventListener() {}};
}
global.document = {getElementById: id => id === "data" ? {textContent: DATA} : el(id),
                   createElement: () => el("x" + Math.random()), body: el("body")};
global.location = {hash: HASH};
SCRIPT
console.log(els["count"].textContent);
"""

    def count(hash_: str) -> str:
        js = (
            harness.replace("DATA", json.dumps(data))
            .replace("HASH", json.dumps(hash_))
            .replace("SCRIPT", script)
        )
        res = subprocess.run(["node", "-e", js], capture_output=True, text=True, timeout=60)
        assert res.returncode == 0, res.stderr
        return res.stdout.strip()

    assert count("") == "3 of 3 frames"
    line = count("#filter=weather:rain")
    assert line.startswith(
        "3 of 3 frames — ignored unknown filter 'weather' (attributes: "
        "background, character, object)"
    ), line
    assert "no frame has background = 'moon'" in count("#filter=background:moon")


def test_supervision_reads_yolo_and_coco(split_set):
    """supervision (Roboflow's dataset tools) loads the YOLO and COCO outputs unedited: the same
    boxes and class names as the COCO file, per image."""
    sv = pytest.importorskip("supervision")

    coco = json.loads((split_set / "annotations" / "coco.json").read_text())
    names = {c["id"]: c["name"] for c in coco["categories"]}
    want = {}
    for im in coco["images"]:
        anns = [a for a in coco["annotations"] if a["image_id"] == im["id"]]
        want[Path(im["file_name"]).name] = sorted(
            (names[a["category_id"]], *np.round(a["bbox"], 3)) for a in anns
        )

    def got(ds) -> dict:
        out = {}
        for path, _img, det in ds:
            boxes = det.xyxy.copy()
            boxes[:, 2:] -= boxes[:, :2]  # xywh, as COCO
            out[Path(path).name] = sorted(
                (ds.classes[c], *np.round(b, 3)) for c, b in zip(det.class_id, boxes)
            )
        return out

    from_coco = got(
        sv.DetectionDataset.from_coco(
            images_directory_path=str(split_set),
            annotations_path=str(split_set / "annotations" / "coco.json"),
        )
    )
    assert from_coco == want
    yolo = split_set / "yolo"
    from_yolo = got(
        sv.DetectionDataset.from_yolo(
            images_directory_path=str(yolo / "images"),
            annotations_directory_path=str(yolo / "labels"),
            data_yaml_path=str(yolo / "dataset.yaml"),
        )
    )
    assert from_yolo.keys() == want.keys()
    for name, rows in want.items():  # YOLO stores normalised centres and sizes as text
        assert [r[0] for r in from_yolo[name]] == [r[0] for r in rows]
        assert np.allclose([r[1:] for r in from_yolo[name]], [r[1:] for r in rows], atol=0.5)
