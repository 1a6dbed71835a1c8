"""BOP (Benchmark for 6D Object Pose Estimation) format.

Layout written under ``OUT/bop/``::

    models/obj_000001.ply ...      models in millimetres, one per distinct (asset, scale)
    models/models_info.json        diameter, min_x/y/z, size_x/y/z (mm)
    camera.json                    fx, fy, cx, cy, width, height, depth_scale
    train_synth3d/000000/          scene k lists frames 1000·k … 1000·k + 999; im_id = frame index
        rgb/ depth/                        links to the dataset's rgb/ and depth/ folders
        mask/000000_000000.png             amodal mask of gt 0 of image 0 (255 = object)
        mask_visib/000000_000000.png       visible mask
        scene_camera.json  scene_gt.json  scene_gt_info.json

(Image ids are the dataset's frame indices, so BOP's ``rgb/{im_id:06d}.png`` are the dataset's own
files; each scene's JSON files list only its own images.)

Poses map model coordinates (mm) to the OpenCV camera (mm). The depth PNGs already follow BOP's
convention (depth in mm = value × depth_scale). Only labelled objects appear (the template's
label filters apply to every format). A BOP model is rigid, so objects of one asset with
different scales (or cards of different sizes) get different models: one per asset and scale
rounded to three significant digits (the model then differs from the rendered object by at most
0.05 % in size; labels elsewhere keep the exact scale). ``models_source.json`` says which asset
and scale each model is. Mirrored cards share the unmirrored model.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

SPLIT = "train_synth3d"
IMAGES_PER_SCENE = 1000


def _q(x: float) -> float:
    """Three significant digits: BOP models are rigid, so a random per-instance scale is
    quantised (≤ 0.05 % size error) to keep the number of models bounded."""
    return float(f"{x:.3g}")


def _model_key(lab: dict) -> tuple:
    if lab["kind"] == "card":
        return ("card", lab["asset"], _q(lab["card_size"][0]), _q(lab["card_size"][1]))
    return ("mesh", lab["asset"], _q(lab["scale"]))


def _model_arrays(
    key: tuple, path: str | None = None
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Vertices (mm), vertex normals and faces of a model (``path``: the asset's file, when
    relocated)."""
    from ..assets.catalog import load_mesh

    if key[0] == "card":
        w, h = key[2] * 1000.0, key[3] * 1000.0
        v = np.array(
            [[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]]
        )
        return v, np.tile([0.0, 0.0, 1.0], (4, 1)), np.array([[0, 1, 2], [0, 2, 3]])
    m = load_mesh(path or key[1])
    return m.vertices * (key[2] * 1000.0), m.vertex_normals, m.faces


def _source_models(keys: list[tuple], resolve) -> tuple[dict[tuple, int], dict[tuple, dict]]:
    """Object ids of the models: a BOP model-set file drawn at its true size keeps its own id
    (and diameter and symmetries, returned by key); every other model gets the next id after
    those (from 1 when there are none), in order of first appearance."""
    from ..assets.bop_models import bop_model

    ids: dict[tuple, int] = {}
    carried: dict[tuple, dict] = {}
    for key in keys:
        if key[0] == "mesh" and key[2] * 1000.0 == 1.0:
            b = bop_model(resolve(key[1]))
            if b is not None and b["obj_id"] not in ids.values():
                ids[key] = b["obj_id"]
                carried[key] = b
    nxt = max(ids.values(), default=0) + 1
    for key in keys:
        if key not in ids:
            ids[key] = nxt
            nxt += 1
    return ids, carried


def ply_bytes(vertices: np.ndarray, normals: np.ndarray | None, faces: np.ndarray) -> bytes:
    """A binary little-endian PLY with float vertices (+ normals) and triangle faces."""
    props = ["x", "y", "z"] + (["nx", "ny", "nz"] if normals is not None else [])
    head = (
        "ply\nformat binary_little_endian 1.0\ncomment synth3d BOP model (mm)\n"
        f"element vertex {len(vertices)}\n"
        + "".join(f"property float {p}\n" for p in props)
        + f"element face {len(faces)}\nproperty list uchar int vertex_indices\nend_header\n"
    )
    vdata = vertices if normals is None else np.hstack([vertices, normals])
    fdt = np.dtype([("n", "u1"), ("i", "<i4", (3,))])
    f = np.empty(len(faces), fdt)
    f["n"] = 3
    f["i"] = faces
    return head.encode() + np.ascontiguousarray(vdata, "<f4").tobytes() + f.tobytes()


@lru_cache(maxsize=256)
def _file_diameter(asset: str) -> float:
    """Largest vertex distance of an asset in its own units (cached: diameters scale linearly)."""
    from scipy.spatial.distance import pdist

    from ..assets.catalog import load_mesh

    mesh = load_mesh(asset)
    pts = mesh.convex_hull.vertices if len(mesh.vertices) > 3 else mesh.vertices
    return float(pdist(pts).max()) if len(pts) > 1 else 0.0


def _model_info(key: tuple, vertices: np.ndarray, path: str | None = None) -> dict:
    lo, hi = vertices.min(0), vertices.max(0)
    if key[0] == "mesh":
        diameter = _file_diameter(path or key[1]) * key[2] * 1000.0
    else:
        diameter = float(np.hypot(key[2], key[3]) * 1000.0)
    return {
        "diameter": diameter,
        "min_x": float(lo[0]),
        "min_y": float(lo[1]),
        "min_z": float(lo[2]),
        "size_x": float(hi[0] - lo[0]),
        "size_y": float(hi[1] - lo[1]),
        "size_z": float(hi[2] - lo[2]),
    }


def _mask_png(rle: dict) -> bytes:
    from pycocotools import mask as mask_util

    from .files import encode_png

    m = mask_util.decode({"size": rle["size"], "counts": rle["counts"].encode("ascii")})
    return encode_png((m * 255).astype(np.uint8), "ids")


def _frame_dir(out: Path, index: int, split: str | None = None) -> tuple[Path, int]:
    """Scene folder and image id of a frame: ``bop/train_synth3d/`` or, when the template
    splits, ``bop/<split>_synth3d/`` (BOP's ``<split>_<type>`` naming)."""
    folder = SPLIT if split is None else f"{split}_synth3d"
    return Path(out) / "bop" / folder / f"{index // IMAGES_PER_SCENE:06d}", index


def link_dir(target: Path, link: Path) -> None:
    """``link`` → ``target`` as a relative directory symlink (a copy where links are refused)."""
    import shutil

    if link.is_symlink() or link.is_file():
        link.unlink()
    elif link.is_dir():
        shutil.rmtree(link)
    link.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.symlink(os.path.relpath(target, link.parent), link, target_is_directory=True)
    except OSError:
        shutil.copytree(target, link)


def write_bop_frame(out: Path, row: dict) -> None:
    """The per-frame files of one labelled frame: rgb/depth links and the mask PNGs (run in the
    writer threads during rendering, so the end of a run only writes the JSON files)."""
    from ..errors import DatasetError
    from .files import atomic_write

    out = Path(out)
    sdir, im_id = _frame_dir(out, row["index"], row.get("split"))
    if not (sdir / "mask_visib").is_dir():
        for sub in ("mask", "mask_visib"):
            (sdir / sub).mkdir(parents=True, exist_ok=True)
        for sub in ("rgb", "depth"):
            if not (sdir / sub).exists():
                link_dir(out / sub, sdir / sub)
    for gt_id, lab in enumerate(row["annotations"]):
        if "amodal_segmentation" not in lab:
            raise DatasetError("bop", "BOP needs amodal masks: render with labels.amodal: true")
        name = f"{im_id:06d}_{gt_id:06d}.png"
        atomic_write(sdir / "mask" / name, _mask_png(lab["amodal_segmentation"]))
        atomic_write(sdir / "mask_visib" / name, _mask_png(lab["segmentation"]))


def _frame_written(out: Path, row: dict) -> bool:
    sdir, im_id = _frame_dir(out, row["index"], row.get("split"))
    n = len(row["annotations"])
    last = sdir / "mask_visib" / f"{im_id:06d}_{n - 1:06d}.png"
    return (sdir / "depth").exists() and (n == 0 or last.exists())


def write_bop(out: Path, rows: list[dict], info: dict, frames: str = "all") -> list[Path]:
    """Write ``OUT/bop/`` from the per-frame labels; returns the top folder.

    ``frames``: ``all`` (re)writes every frame's masks and links; ``missing`` only those of
    frames whose files are not there yet (after a run that wrote them as it went)."""
    from ..assets.roots import portable_path, relocation_map, resolve_path
    from .files import atomic_write, dump_json

    out = Path(out)
    root = out / "bop"
    models_dir = root / "models"
    models_dir.mkdir(parents=True, exist_ok=True)
    roots = relocation_map(info.get("asset_roots") or {}, info.get("asset_relocation"))

    def resolve(asset: str) -> str:
        return resolve_path(asset, roots, "bop")

    keys = list(dict.fromkeys(_model_key(lab) for r in rows for lab in r["annotations"]))
    models, carried = _source_models(keys, resolve)
    scenes: dict[int, dict] = {}
    cam_first = None
    for r in rows:
        if frames == "all" or not _frame_written(out, r):
            write_bop_frame(out, r)
        cam = r.get("camera")
        if cam is None:  # labels written without their camera: read the SceneSpec
            cam = json.loads((out / f"scene/{r['index']:06d}.json").read_text())["camera"]
        sdir, im_id = _frame_dir(out, r["index"], r.get("split"))
        s = scenes.setdefault(sdir, {"dir": sdir, "camera": {}, "gt": {}, "info": {}})
        K = np.asarray(cam["K"], float)
        T_cw = np.linalg.inv(np.asarray(cam["T_world_cam"], float))
        s["camera"][str(im_id)] = {
            "cam_K": K.ravel().tolist(),
            "depth_scale": info["depth_scale"],
            "cam_R_w2c": T_cw[:3, :3].ravel().tolist(),
            "cam_t_w2c": (T_cw[:3, 3] * 1000).tolist(),
        }
        if cam.get("dist") is not None:  # OpenCV distortion [k1, k2, p1, p2, k3] next to cam_K
            s["camera"][str(im_id)]["cam_dist"] = list(cam["dist"])
        cam_first = cam_first or (K, r["width"], r["height"], cam.get("dist"))
        gts, infos = [], []
        for _gt_id, lab in enumerate(r["annotations"]):
            obj_id = models[_model_key(lab)]
            gts.append(
                {
                    "cam_R_m2c": np.asarray(lab["R_m2c"]).ravel().tolist(),
                    "cam_t_m2c": (np.asarray(lab["t_m2c"]) * 1000).tolist(),
                    "obj_id": obj_id,
                }
            )
            infos.append(
                {
                    "bbox_obj": [int(round(v)) for v in (lab["bbox_obj"] or lab["amodal_bbox"])],
                    "bbox_visib": [int(round(v)) for v in lab["bbox"]],
                    "px_count_all": lab["amodal_area"],
                    "px_count_valid": lab["amodal_area"],
                    "px_count_visib": lab["area"],
                    "visib_fract": lab["visib_fract"],
                }
            )
        s["gt"][str(im_id)] = gts
        s["info"][str(im_id)] = infos
    for s in scenes.values():
        atomic_write(s["dir"] / "scene_camera.json", dump_json(s["camera"]))
        atomic_write(s["dir"] / "scene_gt.json", dump_json(s["gt"]))
        atomic_write(s["dir"] / "scene_gt_info.json", dump_json(s["info"]))
    infos = {}
    for key, obj_id in sorted(models.items(), key=lambda kv: kv[1]):
        v, n, f = _model_arrays(key, resolve(key[1]) if key[0] == "mesh" else None)
        atomic_write(models_dir / f"obj_{obj_id:06d}.ply", ply_bytes(v, n, f))
        infos[str(obj_id)] = _model_info(key, v, resolve(key[1]))
        for k, val in carried.get(key, {}).items():
            if k != "obj_id":
                infos[str(obj_id)][k] = val
    atomic_write(models_dir / "models_info.json", dump_json(infos))
    atomic_write(
        models_dir / "models_source.json",
        dump_json(
            {
                str(i): {
                    "kind": k[0],
                    "asset": portable_path(k[1], info.get("asset_roots") or {}),
                    "scale_or_size": list(k[2:]),
                }
                for k, i in sorted(models.items(), key=lambda kv: kv[1])
            }
        ),
    )
    if cam_first is not None:
        K, w, h, dist = cam_first
        camera = {
            "fx": K[0, 0],
            "fy": K[1, 1],
            "cx": K[0, 2],
            "cy": K[1, 2],
            "width": w,
            "height": h,
            "depth_scale": info["depth_scale"],
        }
        if dist is not None:
            camera["dist"] = list(dist)
        atomic_write(root / "camera.json", dump_json(camera))
    return [root]


# The format registry's entry points (synth3d.writers.formats).
write = write_bop
write_frame = write_bop_frame
