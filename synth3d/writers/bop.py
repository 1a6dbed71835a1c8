"""BOP (Benchmark for 6D Object Pose Estimation) format.

Layout written under ``OUT/bop/``::

    models/obj_000001.ply ...      models in millimetres, one per distinct (asset, scale)
    models/models_info.json        diameter, min_x/y/z, size_x/y/z (mm)
    camera.json                    fx, fy, cx, cy, width, height, depth_scale
    train_synth3d/000000/          scene k holds frames 1000·k … 1000·k + 999 (im_id = index % 1000)
        rgb/000000.png depth/000000.png     links to the dataset's own files
        mask/000000_000000.png             amodal mask of gt k of image 0 (255 = object)
        mask_visib/000000_000000.png       visible mask
        scene_camera.json  scene_gt.json  scene_gt_info.json

Poses map model coordinates (mm) to the OpenCV camera (mm). The depth PNGs already follow BOP's
convention (depth in mm = value × depth_scale). Only labelled objects appear (the template's
label filters apply to every format). A random per-instance ``scale`` makes a model per distinct
scale, since a BOP model is rigid.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

SPLIT = "train_synth3d"
IMAGES_PER_SCENE = 1000


def _link_or_copy(src: Path, dst: Path) -> None:
    from .dataset import atomic_write

    if dst.is_symlink() or dst.exists():
        dst.unlink()
    try:
        os.symlink(os.path.relpath(src, dst.parent), dst)
    except OSError:
        atomic_write(dst, src.read_bytes())


def _model_key(o: dict, lab: dict) -> tuple:
    if o["kind"] == "card":
        return ("card", o["asset"], round(o["card_size"][0], 6), round(o["card_size"][1], 6),
                bool(o["mirror"]))
    return ("mesh", o["asset"], round(lab["scale"], 6))


def _model_mesh(key: tuple):
    import trimesh

    from ..assets.catalog import load_mesh

    if key[0] == "card":
        w, h = key[2] * 1000.0, key[3] * 1000.0
        return trimesh.Trimesh([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0],
                                [-w / 2, h / 2, 0]], [[0, 1, 2], [0, 2, 3]], process=False)
    m = load_mesh(key[1]).copy()
    m.apply_scale(key[2] * 1000.0)
    return m


def _model_info(mesh) -> dict:
    from scipy.spatial.distance import pdist

    lo, hi = mesh.bounds
    pts = mesh.convex_hull.vertices if len(mesh.vertices) > 3 else mesh.vertices
    diameter = float(pdist(pts).max()) if len(pts) > 1 else 0.0
    return {"diameter": diameter, "min_x": float(lo[0]), "min_y": float(lo[1]),
            "min_z": float(lo[2]), "size_x": float(hi[0] - lo[0]), "size_y": float(hi[1] - lo[1]),
            "size_z": float(hi[2] - lo[2])}


def _mask_png(rle: dict) -> bytes:
    from pycocotools import mask as mask_util

    from .dataset import encode_png

    m = mask_util.decode({"size": rle["size"], "counts": rle["counts"].encode("ascii")})
    return encode_png((m * 255).astype(np.uint8), rle=True)


def write_bop(out: Path, rows: list[dict], info: dict) -> list[Path]:
    """Write ``OUT/bop/`` from the per-frame labels; returns the top folder."""
    from .dataset import atomic_write, dump_json

    out = Path(out)
    root = out / "bop"
    models_dir = root / "models"
    models_dir.mkdir(parents=True, exist_ok=True)
    models: dict[tuple, int] = {}
    scenes: dict[int, dict] = {}
    cam_first = None
    for r in rows:
        if r["annotations"] and "amodal_segmentation" not in r["annotations"][0]:
            from ..errors import DatasetError

            raise DatasetError("bop", "BOP needs amodal masks: render with labels.amodal: true")
        spec = json.loads((out / f"scene/{r['index']:06d}.json").read_text())
        objs = {o["id"]: o for o in spec["objects"]}
        scene_id, im_id = divmod(r["index"], IMAGES_PER_SCENE)
        sdir = root / SPLIT / f"{scene_id:06d}"
        s = scenes.setdefault(scene_id, {"dir": sdir, "camera": {}, "gt": {}, "info": {}})
        for sub in ("rgb", "depth", "mask", "mask_visib"):
            (sdir / sub).mkdir(parents=True, exist_ok=True)
        cam = spec["camera"]
        K = np.asarray(cam["K"], float)
        T_cw = np.linalg.inv(np.asarray(cam["T_world_cam"], float))
        s["camera"][str(im_id)] = {
            "cam_K": K.ravel().tolist(), "depth_scale": info["depth_scale"],
            "cam_R_w2c": T_cw[:3, :3].ravel().tolist(), "cam_t_w2c": (T_cw[:3, 3] * 1000).tolist()}
        cam_first = cam_first or (K, cam["width"], cam["height"])
        rgb_rel = r["file_name"]
        _link_or_copy(out / rgb_rel, sdir / "rgb" / f"{im_id:06d}{Path(rgb_rel).suffix}")
        _link_or_copy(out / f"depth/{r['index']:06d}.png", sdir / "depth" / f"{im_id:06d}.png")
        gts, infos = [], []
        for gt_id, lab in enumerate(r["annotations"]):
            key = _model_key(objs[lab["id"]], lab)
            obj_id = models.setdefault(key, len(models) + 1)
            gts.append({"cam_R_m2c": np.asarray(lab["R_m2c"]).ravel().tolist(),
                        "cam_t_m2c": (np.asarray(lab["t_m2c"]) * 1000).tolist(), "obj_id": obj_id})
            infos.append({"bbox_obj": [int(round(v)) for v in (lab["bbox_obj"] or lab["amodal_bbox"])],
                          "bbox_visib": [int(round(v)) for v in lab["bbox"]],
                          "px_count_all": lab["amodal_area"], "px_count_valid": lab["amodal_area"],
                          "px_count_visib": lab["area"], "visib_fract": lab["visib_fract"]})
            name = f"{im_id:06d}_{gt_id:06d}.png"
            atomic_write(sdir / "mask" / name, _mask_png(lab["amodal_segmentation"]))
            atomic_write(sdir / "mask_visib" / name, _mask_png(lab["segmentation"]))
        s["gt"][str(im_id)] = gts
        s["info"][str(im_id)] = infos
    for s in scenes.values():
        atomic_write(s["dir"] / "scene_camera.json", dump_json(s["camera"]))
        atomic_write(s["dir"] / "scene_gt.json", dump_json(s["gt"]))
        atomic_write(s["dir"] / "scene_gt_info.json", dump_json(s["info"]))
    infos = {}
    for key, obj_id in models.items():
        mesh = _model_mesh(key)
        atomic_write(models_dir / f"obj_{obj_id:06d}.ply", mesh.export(file_type="ply"))
        infos[str(obj_id)] = _model_info(mesh)
    atomic_write(models_dir / "models_info.json", dump_json(infos))
    atomic_write(models_dir / "models_source.json", dump_json(
        {str(i): {"kind": k[0], "asset": k[1], "scale_or_size": list(k[2:])}
         for k, i in models.items()}))
    if cam_first is not None:
        K, w, h = cam_first
        atomic_write(root / "camera.json", dump_json({
            "fx": K[0, 0], "fy": K[1, 1], "cx": K[0, 2], "cy": K[1, 2], "width": w, "height": h,
            "depth_scale": info["depth_scale"]}))
    return [root]
