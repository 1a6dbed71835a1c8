"""Per-frame instance labels (COCO style) and depth encoding."""
from __future__ import annotations

import numpy as np

from ..spec import SceneSpec


def instance_annotations(instance: np.ndarray, spec: SceneSpec) -> list[dict]:
    """COCO annotation bodies for every object with at least one visible pixel.

    Parameters
    ----------
    instance : (H, W) uint16
        Instance ids (0 = background).
    spec : SceneSpec

    Returns
    -------
    list of dict
        ``{"id": instance id, "category_id", "bbox": [x, y, w, h] (pixel edges, of the visible mask),
        "area": visible pixels, "segmentation": {"size": [H, W], "counts": str} (RLE),
        "iscrowd": 0}`` in SceneSpec order. Objects hidden completely get no entry.
    """
    from pycocotools import mask as mask_util

    ids = np.array([o.id for o in spec.objects], np.uint16)
    if ids.size == 0:
        return []
    present = np.isin(ids, np.unique(instance))
    objs = [o for o, p in zip(spec.objects, present) if p]
    if not objs:
        return []
    masks = np.asfortranarray(
        (instance[:, :, None] == np.array([o.id for o in objs], np.uint16)[None, None, :])
        .astype(np.uint8))
    rles = mask_util.encode(masks)
    boxes = mask_util.toBbox(rles)
    areas = mask_util.area(rles)
    out = []
    for o, rle, box, area in zip(objs, rles, boxes, areas):
        out.append({
            "id": o.id, "category_id": o.category_id,
            "bbox": [float(v) for v in box], "area": int(area),
            "segmentation": {"size": [int(s) for s in rle["size"]],
                             "counts": rle["counts"].decode("ascii")},
            "iscrowd": 0,
        })
    return out


def depth_to_png16(depth_m: np.ndarray, depth_scale: float) -> np.ndarray:
    """Metres → uint16 with ``value × depth_scale = millimetres``; 0 stays 0 (no hit), values past
    the range saturate at 65535, and a hit never rounds down to 0."""
    mm = depth_m.astype(np.float64) * (1000.0 / depth_scale)
    out = np.clip(np.round(mm), 0, 65535).astype(np.uint16)
    out[(depth_m > 0) & (out == 0)] = 1
    return out
