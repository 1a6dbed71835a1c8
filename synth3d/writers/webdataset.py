"""WebDataset tar shards: ``OUT/webdataset/shard-NNNNNN.tar`` + ``OUT/webdataset/index.json``.

Each sample is the frame's files under one key (the frame name), members in a fixed order::

    000123.rgb.png  000123.depth.png  000123.instance.png  [000123.normals.png ...]
    000123.scene.json  000123.json

``000123.json`` holds the labels: ``index``, ``seed``, ``attributes``, ``width``, ``height``,
``camera`` (K, T_world_cam), ``categories`` (id → name) and ``annotations`` (the objects' labels as
in ``annotations/instances.jsonl``: COCO RLE masks, boxes, poses...). Shard *s* holds frames
``s × samples .. (s+1) × samples − 1`` (1000 by default; ``output.webdataset_samples``), so a
shard's name and content depend only on the frames in it: resumed, sharded-and-merged and
one-process runs give the same bytes. Tar headers carry no time, owner or host (mtime 0, uid/gid
0), so equal frames give equal tars. ``index.json`` lists every shard with its frame indices and
sample count, for loaders that need the dataset's length.

Shards are written at the end of a run (and on resume; a complete shard already written is kept).
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

DEFAULT_SAMPLES = 1000
_ORDER = ("rgb", "depth", "instance", "normals", "contours", "semantic")


def samples_per_shard(info: dict) -> int:
    t = info.get("template") or {}
    n = (t.get("output") or {}).get("webdataset_samples", DEFAULT_SAMPLES)
    return int(n) if isinstance(n, int) and n > 0 else DEFAULT_SAMPLES


def _member(name: str, size: int) -> tarfile.TarInfo:
    ti = tarfile.TarInfo(name)
    ti.size = size
    ti.mtime = 0
    ti.mode = 0o644
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = ""
    return ti


def _sample_files(
    out: Path, manifest_row: dict, ann_row: dict, info: dict
) -> list[tuple[str, bytes]]:
    key = f"{manifest_row['index']:06d}"
    files = manifest_row["files"]
    members = []
    for kind in sorted(files, key=lambda k: (_ORDER.index(k) if k in _ORDER else len(_ORDER), k)):
        if kind == "scene":
            continue
        rel = files[kind]
        if kind.startswith("styles:"):  # style artifacts: 000123.paint.svg, ...
            members.append((f"{key}.{kind[len('styles:') :]}", (out / rel).read_bytes()))
            continue
        members.append((f"{key}.{kind}{Path(rel).suffix}", (out / rel).read_bytes()))
    members.append((f"{key}.scene.json", (out / files["scene"]).read_bytes()))
    labels = {
        "index": manifest_row["index"],
        "seed": manifest_row["seed"],
        "attributes": manifest_row.get("attributes", {}),
        "width": ann_row["width"],
        "height": ann_row["height"],
        "camera": ann_row.get("camera"),
        "categories": info.get("categories", {}),
        "annotations": ann_row["annotations"],
    }
    members.append((f"{key}.json", (json.dumps(labels, sort_keys=True) + "\n").encode()))
    return members


RAW_PNG_KEYS = ("depth.png", "instance.png", "normals.png", "semantic.png", "contours.png")
"""Members whose PNG values are data, not colour (16-bit depth, ids and normals)."""


def decode_png16(key: str, data: bytes):
    """A ``webdataset`` decode handler that keeps the data PNGs' values: ``depth``,
    ``instance``, ``normals``, ``semantic`` and ``contours`` become numpy arrays exactly as
    written — (H, W) uint16 (H, W, 3 uint16 RGB for normals; uint8 for contours) — instead
    of the 8-bit RGB that an image spec such as ``"rgb8"`` would make of them (depth capped at
    255). Other keys return None, so the next handler decodes them::

        import webdataset as wds
        from synth3d.writers.webdataset import decode_png16

        ds = wds.WebDataset(urls).decode(decode_png16, "rgb8")
        sample["depth.png"]     # uint16, value × depth_scale = millimetres
        sample["instance.png"]  # uint16 instance ids
        sample["rgb.png"]       # uint8 RGB from "rgb8"
    """
    if not key.lower().endswith(RAW_PNG_KEYS):
        return None
    import cv2
    import numpy as np

    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise ValueError(f"{key}: not a readable PNG")
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    return img


def write_shard(path: Path, out: Path, samples: list[tuple[dict, dict]], info: dict) -> None:
    """Write one tar atomically (streamed into a temporary file, then renamed)."""
    from .files import atomic_path

    with (
        atomic_path(path) as tmp,
        open(tmp, "wb") as f,
        tarfile.open(fileobj=f, mode="w", format=tarfile.USTAR_FORMAT) as tar,
    ):
        for row, ann in samples:
            for name, data in _sample_files(out, row, ann, info):
                tar.addfile(_member(name, len(data)), io.BytesIO(data))


def write_webdataset(
    out: Path, rows: list[dict], info: dict, manifest: list[dict] | None = None, frames: str = "all"
) -> list[Path]:
    """Write the tar shards of a dataset's finished frames (``rows``: label rows, ``manifest``:
    manifest rows; read from disk when None). ``frames="missing"`` keeps shards whose recorded
    frames are unchanged."""
    from .files import atomic_write, dump_json, read_jsonl

    out = Path(out)
    root = out / "webdataset"
    root.mkdir(parents=True, exist_ok=True)
    if manifest is None:
        manifest = read_jsonl(out / "manifest.jsonl")
    by_index = {r["index"]: r for r in manifest}
    per = samples_per_shard(info)
    groups: dict[int, list[tuple[dict, dict]]] = {}
    for ann in sorted(rows, key=lambda r: r["index"]):
        if ann["index"] in by_index:
            groups.setdefault(ann["index"] // per, []).append((by_index[ann["index"]], ann))
    try:
        old = json.loads((root / "index.json").read_text())
        old = {s["file"]: s["frames"] for s in old.get("shards", [])}
    except (OSError, ValueError, KeyError, TypeError):
        old = {}
    listing = []
    for g in sorted(groups):
        name = f"shard-{g:06d}.tar"
        indices = [r["index"] for r, _ in groups[g]]
        if frames == "all" or old.get(name) != indices or not (root / name).exists():
            write_shard(root / name, out, groups[g], info)
        listing.append({"file": name, "samples": len(indices), "frames": indices})
    for stale in set(old) - {s["file"] for s in listing}:
        try:
            (root / stale).unlink()
        except OSError:
            pass
    atomic_write(
        root / "index.json",
        dump_json(
            {
                "samples_per_shard": per,
                "samples": sum(s["samples"] for s in listing),
                "shards": listing,
            }
        ),
    )
    return [root]


# The format registry's entry point (synth3d.writers.formats).
write = write_webdataset
