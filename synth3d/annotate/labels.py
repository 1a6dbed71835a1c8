"""Per-instance labels of one frame: masks, boxes, visibility, 6D pose, 3D boxes and keypoints.

Everything is computed from the rendered Frame and its SceneSpec alone, so `synth3d export` and
every format writer (COCO, BOP, YOLO) read the same numbers.
"""

from __future__ import annotations

from itertools import product

import numpy as np

from ..spec import ObjectSpec, SceneSpec

BOX_KEYPOINTS = [f"corner_{a}{b}{c}" for a, b, c in product("01", repeat=3)] + ["centroid"]
"""Names of the standard keypoints: the 8 corners of the asset's bounding box (``corner_xyz`` with
0 = min, 1 = max along that asset axis) and its centre."""


def box_corners(bounds: np.ndarray) -> np.ndarray:
    """(8, 3) corners of an axis-aligned box ``[[x0, y0, z0], [x1, y1, z1]]`` in the order of
    :data:`BOX_KEYPOINTS` (x slowest)."""
    lo, hi = np.asarray(bounds, float)
    return np.array(
        [[(lo, hi)[i][0], (lo, hi)[j][1], (lo, hi)[k][2]] for i, j, k in product((0, 1), repeat=3)]
    )


def pose_m2c(o: ObjectSpec, T_world_cam: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Pose of the asset in the camera frame, split into rotation, translation and uniform scale:
    ``X_cam = scale · R · X_asset + t`` (metres, OpenCV camera axes)."""
    T = np.linalg.inv(T_world_cam) @ o.T_array()
    M = T[:3, :3]
    s = float(np.cbrt(np.linalg.det(M)))
    R = M / s
    # Re-orthonormalise: float round-off in long chains of products.
    u, _, vt = np.linalg.svd(R)
    return u @ vt, T[:3, 3].copy(), s


def _project(K, pts_cam):
    z = pts_cam[:, 2]
    uv = (pts_cam @ K.T)[:, :2] / np.where(np.abs(z) < 1e-12, 1e-12, z)[:, None]
    return uv, z


def _keypoints(o, K, T_cam_asset, depth, instance, W, H, dist=None):
    names = list(BOX_KEYPOINTS)
    lo, hi = np.asarray(o.bounds_asset, float)
    pts = np.vstack([box_corners(o.bounds_asset), (lo + hi) / 2])
    declared = list(o.keypoints.items())
    if declared:
        names += [n for n, _ in declared]
        pts = np.vstack([pts, np.array([p for _, p in declared], float)])
    pc = pts @ T_cam_asset[:3, :3].T + T_cam_asset[:3, 3]
    if dist is not None:
        from ..lens import project

        uv, z = project(K, dist, pc)  # through the lens distortion, as OpenCV projects
    else:
        uv, z = _project(K, pc)
    vis = []
    for k, ((u, v), zk) in enumerate(zip(uv, z)):
        col, row = int(np.floor(u + 0.5)), int(np.floor(v + 0.5))
        if zk <= 0 or not (0 <= col < W and 0 <= row < H):
            vis.append(0)
        elif k < len(BOX_KEYPOINTS):
            vis.append(2)  # box corners are not surface points: "in the image" is all we can say
        else:
            seen = instance[row, col] == o.id and abs(depth[row, col] - zk) <= 0.01 + 0.01 * zk
            vis.append(2 if seen else 1)
    return {"names": names, "xy": uv.tolist(), "visible": vis}


def _bbox_from_mask(m: np.ndarray) -> list[float]:
    ys, xs = np.nonzero(m)
    if len(xs) == 0:
        return [0.0, 0.0, 0.0, 0.0]
    return [
        float(xs.min()),
        float(ys.min()),
        float(xs.max() - xs.min() + 1),
        float(ys.max() - ys.min() + 1),
    ]


def mask_polygons(mask: np.ndarray, min_area: float = 1.0) -> list[list[float]]:
    """Outer boundaries of a mask as COCO polygons ``[x1, y1, x2, y2, …]`` in pixel-edge
    coordinates, largest first; pieces smaller than ``min_area`` px are left out.

    The outline is traced on the mask's bounding box upsampled 4× (nearest), so it runs within
    1/8 px of the pixel edges instead of through the centres of the boundary pixels."""
    import cv2

    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return []
    x0, y0 = xs.min(), ys.min()
    crop = mask[y0 : ys.max() + 1, x0 : xs.max() + 1].astype(np.uint8)
    up = np.kron(crop, np.ones((4, 4), np.uint8))
    contours, _ = cv2.findContours(up, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    polys = []
    for c in sorted(contours, key=cv2.contourArea, reverse=True):
        if len(c) < 3 or cv2.contourArea(c) < min_area * 16:
            continue
        pts = (c.reshape(-1, 2) + 0.5) / 4.0 + np.array([x0, y0])
        polys.append([round(float(v), 3) for v in pts.ravel()])
    return polys


def object_labels(
    frame,
    spec: SceneSpec,
    min_pixels: int = 1,
    min_visible_fraction: float = 0.0,
    polygons: bool = False,
) -> tuple[list[dict], list[int]]:
    """Labels of every object that passes the filters, and the ids of those that do not.

    Parameters
    ----------
    frame : Frame
        With ``amodal``/``in_frame`` when amodal labels are wanted (else those fields are left
        out).
    spec : SceneSpec
    min_pixels, min_visible_fraction
        Objects with fewer visible pixels, or a smaller visible fraction of their amodal mask,
        get no label (objects with no visible pixel never do).
    polygons : bool
        Add COCO polygons of the visible mask.

    Returns
    -------
    labels : list of dict
        In SceneSpec order; fields: ``id, category_id, name, bbox, area, segmentation (RLE),
        iscrowd`` (COCO), ``amodal_segmentation, amodal_bbox, amodal_area, bbox_obj,
        visib_fract, in_frame_fract`` (with amodal), ``R_m2c, t_m2c (m), scale,
        bbox3d_world, bbox3d_cam, keypoints {names, xy, visible}``.
    dropped : list of int
        Ids of objects left out.
    """
    from pycocotools import mask as mask_util

    cam = spec.camera
    K, T_wc = cam.K_array(), cam.T_array()
    T_cw = np.linalg.inv(T_wc)
    W, H = cam.width, cam.height
    inst = frame.instance
    counts = np.bincount(inst.ravel())  # visible pixels per id
    inst_f = np.asfortranarray(inst)  # masks in column order, as COCO's RLE wants them
    labels, dropped = [], []
    has_amodal = frame.amodal is not None
    for k, o in enumerate(spec.objects):
        if not o.labelled:  # a distractor: its pixels are 0 in the instance image
            continue
        area = int(counts[o.id]) if o.id < len(counts) else 0
        amodal_area = int(frame.amodal[k].sum()) if has_amodal else None
        vf = (area / amodal_area if amodal_area else 0.0) if has_amodal else None
        if area == 0 or area < min_pixels or (vf is not None and vf < min_visible_fraction):
            dropped.append(o.id)
            continue
        vis = inst_f == o.id
        rle = mask_util.encode(vis.view(np.uint8))
        lab = {
            "id": o.id,
            "category_id": o.category_id,
            "name": o.name,
            "kind": o.kind,
            "asset": o.asset,
            "bbox": [float(v) for v in mask_util.toBbox(rle)],
            "area": area,
            "segmentation": {"size": [H, W], "counts": rle["counts"].decode("ascii")},
            "iscrowd": 0,
        }
        if o.kind == "card":
            lab["card_size"], lab["mirror"] = o.card_size, o.mirror
        if polygons:
            lab["polygons"] = mask_polygons(vis)
        if has_amodal:
            arle = mask_util.encode(np.asfortranarray(frame.amodal[k].astype(np.uint8)))
            lab.update(
                {
                    "amodal_segmentation": {
                        "size": [H, W],
                        "counts": arle["counts"].decode("ascii"),
                    },
                    "amodal_bbox": [float(v) for v in mask_util.toBbox(arle)],
                    "amodal_area": amodal_area,
                    "bbox_obj": [float(v) for v in frame.bbox_obj[k]] if frame.bbox_obj else None,
                    "visib_fract": vf,
                    "in_frame_fract": float(frame.in_frame[k]),
                }
            )
        R, t, s = pose_m2c(o, T_wc)
        T_ca = T_cw @ o.T_array()
        corners = box_corners(o.bounds_asset)
        lab.update(
            {
                "R_m2c": R.tolist(),
                "t_m2c": t.tolist(),
                "scale": s,
                "bbox3d_world": (corners @ o.T_array()[:3, :3].T + o.T_array()[:3, 3]).tolist(),
                "bbox3d_cam": (corners @ T_ca[:3, :3].T + T_ca[:3, 3]).tolist(),
                "keypoints": _keypoints(o, K, T_ca, frame.depth_m, inst, W, H, cam.distortion),
            }
        )
        labels.append(lab)
    return labels, dropped


def semantic_mask(instance: np.ndarray, spec: SceneSpec) -> np.ndarray:
    """(H, W) uint16 category ids (0 = background)."""
    lut = np.zeros(max([o.id for o in spec.objects], default=0) + 1, np.uint16)
    for o in spec.objects:
        lut[o.id] = o.category_id if o.labelled else 0
    return lut[instance]
