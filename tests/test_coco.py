"""COCO labels: loadable by pycocotools and exactly equal to the instance masks."""

from __future__ import annotations

import contextlib
import io
import json

import cv2
import numpy as np
from pycocotools import mask as mask_util
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from synth3d.spec import SceneSpec


def _check(out):
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(str(out / "annotations" / "coco.json"))
    info = json.loads((out / "dataset.json").read_text())
    assert {c["id"]: c["name"] for c in coco.loadCats(coco.getCatIds())} == {
        int(k): v for k, v in info["categories"].items()
    }
    n_checked = 0
    for img in coco.loadImgs(coco.getImgIds()):
        inst = cv2.imread(str(out / "instance" / f"{img['id']:06d}.png"), cv2.IMREAD_UNCHANGED)
        spec = SceneSpec.from_json((out / "scene" / f"{img['id']:06d}.json").read_text())
        assert (img["width"], img["height"]) == (inst.shape[1], inst.shape[0])
        anns = coco.loadAnns(coco.getAnnIds(imgIds=[img["id"]]))
        visible = set(np.unique(inst)) - {0}
        assert {a["instance_id"] for a in anns} == visible
        for a in anns:
            m = mask_util.decode(a["segmentation"])
            truth = inst == a["instance_id"]
            assert np.array_equal(m.astype(bool), truth)
            ys, xs = np.nonzero(truth)
            assert a["bbox"] == [
                xs.min(),
                ys.min(),
                xs.max() - xs.min() + 1,
                ys.max() - ys.min() + 1,
            ]
            assert a["area"] == truth.sum() and a["iscrowd"] == 0
            obj = next(o for o in spec.objects if o.id == a["instance_id"])
            assert a["category_id"] == obj.category_id
            n_checked += 1
    assert n_checked > 0
    # Ground truth evaluated against itself scores a perfect AP.
    anns = coco.loadAnns(coco.getAnnIds())
    dets = [{**a, "score": 1.0} for a in anns]
    with contextlib.redirect_stdout(io.StringIO()):
        ev = COCOeval(coco, coco.loadRes(dets), "segm")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    assert ev.stats[0] == 1.0


def test_coco_matches_masks_tabletop(tabletop_small):
    _check(tabletop_small)


def test_coco_matches_masks_cards(cards_small):
    _check(cards_small)
