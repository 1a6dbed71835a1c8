"""COCO instances file from the per-frame labels."""

from __future__ import annotations

from pathlib import Path

from .. import __version__
from ..annotate.labels import BOX_KEYPOINTS

# Box edges between the 8 corner keypoints (1-based, as COCO skeletons are).
_SKELETON = [
    [1, 2],
    [1, 3],
    [1, 5],
    [2, 4],
    [2, 6],
    [3, 4],
    [3, 7],
    [4, 8],
    [5, 6],
    [5, 7],
    [6, 8],
    [7, 8],
]
_EXTRA = (
    "amodal_segmentation",
    "amodal_bbox",
    "amodal_area",
    "bbox_obj",
    "visib_fract",
    "in_frame_fract",
    "bbox3d_cam",
)


def _one_simple_part(rle: dict) -> bool:
    """Whether a mask is one part without holes (so one polygon describes it)."""
    from pycocotools import mask as mask_util

    from ..annotate.polygons import mask_topology

    m = mask_util.decode({"size": rle["size"], "counts": rle["counts"].encode("ascii")})
    return mask_topology(m) == (1, 0)


def coco_dict(rows: list[dict], info: dict) -> dict:
    """COCO ``instances`` dict: image id = frame index, annotation id = index × 65536 + instance id.

    Each annotation has the standard fields (RLE ``segmentation`` — or, when the labels carry
    polygons and the mask is one part without holes, its polygon, the RLE then moving to
    ``rle``; masks with holes or several parts keep the exact RLE, their outlines in
    ``polygons`` — ``bbox``, ``area``, ``iscrowd``, ``category_id``)
    plus ``instance_id`` (the mask value), COCO ``keypoints`` for the 8 box corners and the centre,
    the amodal fields, ``visib_fract``, ``in_frame_fract`` and the 6D ``pose``."""
    images, annotations = [], []
    for r in rows:
        image_id = r["index"]
        images.append(
            {
                "id": image_id,
                "file_name": r["file_name"],
                "width": r["width"],
                "height": r["height"],
            }
        )
        cam = r.get("camera") or {}
        if cam.get("dist") is not None:  # a distorted camera: K and OpenCV's [k1, k2, p1, p2, k3]
            images[-1]["camera"] = {"K": cam["K"], "dist": cam["dist"]}
        for a in r["annotations"]:
            ann = {
                "id": image_id * 65536 + a["id"],
                "image_id": image_id,
                "instance_id": a["id"],
                "category_id": a["category_id"],
                "bbox": a["bbox"],
                "area": a["area"],
                "iscrowd": a["iscrowd"],
                "segmentation": a["segmentation"],
            }
            if "polygons" in a:
                if _one_simple_part(a["segmentation"]):
                    ann["rle"], ann["segmentation"] = a["segmentation"], a["polygons"]
                else:  # holes or several parts: the RLE stays exact; outlines for reference
                    ann["polygons"] = a["polygons"]
            kp = a.get("keypoints")
            if kp:
                n = len(BOX_KEYPOINTS)
                flat = []
                for (x, y), v in zip(kp["xy"][:n], kp["visible"][:n]):
                    flat += [round(x, 3), round(y, 3), v] if v else [0, 0, 0]
                ann["keypoints"] = flat
                ann["num_keypoints"] = sum(1 for v in kp["visible"][:n] if v)
                if len(kp["names"]) > n:
                    ann["named_keypoints"] = {
                        name: {"xy": xy, "visible": v}
                        for name, xy, v in zip(kp["names"][n:], kp["xy"][n:], kp["visible"][n:])
                    }
            for k in _EXTRA:
                if a.get(k) is not None:
                    ann[k] = a[k]
            if "R_m2c" in a:
                ann["pose"] = {"R_m2c": a["R_m2c"], "t_m2c": a["t_m2c"], "scale": a["scale"]}
            annotations.append(ann)
    cats = info.get("categories", {})
    return {
        "info": {
            "description": f"synth3d dataset of template '{info.get('template_name')}'",
            "version": __version__,
        },
        "images": images,
        "annotations": annotations,
        "categories": [
            {
                "id": int(i),
                "name": n,
                "supercategory": "object",
                "keypoints": BOX_KEYPOINTS,
                "skeleton": _SKELETON,
            }
            for i, n in sorted(cats.items(), key=lambda kv: int(kv[0]))
        ],
    }


def write_coco(out: Path, rows: list[dict], info: dict) -> list[Path]:
    """Write ``annotations/coco.json``; returns the files written."""
    from .files import atomic_write, dump_json

    path = Path(out) / "annotations" / "coco.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, dump_json(coco_dict(rows, info)))
    written = [path]
    for name in split_names(info):  # one file per split, besides the whole set
        part = path.with_name(f"coco_{name}.json")
        atomic_write(part, dump_json(coco_dict([r for r in rows if r.get("split") == name], info)))
        written.append(part)
    return written


def split_names(info: dict) -> list[str]:
    """The template's split names (``output.split``) in order; [] when it does not split."""
    t = info.get("template") or {}
    split = (t.get("output") or {}).get("split") or {}
    return list(split) if isinstance(split, dict) else []


def write(out: Path, rows: list[dict], info: dict, frames: str = "all") -> list[Path]:
    """The format registry's entry point (COCO has no per-frame files)."""
    return write_coco(out, rows, info)
