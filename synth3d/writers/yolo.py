"""YOLO (Ultralytics) detection and segmentation datasets.

``OUT/yolo/`` (detection) and ``OUT/yolo-seg/`` (segmentation), each with ``images/`` (a real
folder of links to the dataset's rgb files: Ultralytics resolves the images folder and finds the
labels by replacing ``/images/`` with ``/labels/`` in each image path, so the folder itself must
not be a link), ``labels/NNNNNN.txt`` and ``dataset.yaml``. Class = category id − 1.
Detection lines: ``class x_centre y_centre width height`` of the visible-mask box, normalised by
the image size. Segmentation lines: ``class x1 y1 x2 y2 …``, one polygon per object holding every part
and hole of the visible mask, joined by zero-width bridges (see :mod:`synth3d.annotate.polygons`),
normalised.
"""

from __future__ import annotations

import os
from pathlib import Path


def _fmt(v: float) -> str:
    return f"{v:.6f}"


def _roots(out: Path) -> tuple[Path, Path]:
    return Path(out) / "yolo", Path(out) / "yolo-seg"


def write_yolo_frame(out: Path, row: dict) -> None:
    """The two label files of one frame (run in the writer threads during rendering)."""
    from pycocotools import mask as mask_util

    from ..annotate.polygons import bridged_polygon
    from .files import atomic_write

    out = Path(out)
    det, seg = _roots(out)
    _make_dirs(det, seg)
    W, H = row["width"], row["height"]
    det_lines, seg_lines = [], []
    for a in row["annotations"]:
        cls = a["category_id"] - 1
        x, y, w, h = a["bbox"]
        det_lines.append(
            " ".join(
                [str(cls), _fmt((x + w / 2) / W), _fmt((y + h / 2) / H), _fmt(w / W), _fmt(h / H)]
            )
        )
        # One polygon per object (YOLO-seg's format): every part and hole of the exact mask,
        # joined by zero-width bridges.
        rle = a["segmentation"]
        m = mask_util.decode({"size": rle["size"], "counts": rle["counts"].encode("ascii")})
        poly = bridged_polygon(m)
        if poly:
            coords = [_fmt(v / (W if i % 2 == 0 else H)) for i, v in enumerate(poly)]
            seg_lines.append(" ".join([str(cls)] + coords))
    name = Path(row["file_name"])
    for root, lines in ((det, det_lines), (seg, seg_lines)):
        link = root / "images" / name.name
        if not link.is_symlink() and not link.exists():
            try:
                os.symlink(os.path.relpath(out / name, link.parent), link)
            except OSError:
                atomic_write(link, (out / name).read_bytes())
        atomic_write(
            root / "labels" / f"{name.stem}.txt",
            ("\n".join(lines) + "\n" if lines else "").encode(),
        )


def _make_dirs(*roots: Path) -> None:
    import shutil

    for root in roots:
        images = root / "images"
        if images.is_symlink():  # written by an older synth3d as a folder link
            images.unlink()
        elif images.exists() and not images.is_dir():
            shutil.rmtree(images)
        images.mkdir(parents=True, exist_ok=True)
        (root / "labels").mkdir(parents=True, exist_ok=True)


def write_yolo(out: Path, rows: list[dict], info: dict, frames: str = "all") -> list[Path]:
    """Write ``OUT/yolo`` and ``OUT/yolo-seg``; returns both folders. ``frames="missing"`` only
    writes label files not written during the run."""
    from .files import atomic_write

    out = Path(out)
    det, seg = _roots(out)
    _make_dirs(det, seg)
    for r in rows:
        if frames == "all" or not (seg / "labels" / f"{Path(r['file_name']).stem}.txt").exists():
            write_yolo_frame(out, r)
    from .coco import split_names

    names = {int(i) - 1: n for i, n in info.get("categories", {}).items()}
    splits = split_names(info)
    for root in (det, seg):
        # No `path:` key: Ultralytics then resolves images/ (or the lists) next to this file.
        lines = [
            f"# synth3d {'segmentation' if root is seg else 'detection'} dataset "
            f"(template '{info.get('template_name')}')"
        ]
        if splits:
            # One list per split; "./" lines are resolved against the list's folder.
            for name in splits:
                listed = [
                    f"./images/{Path(r['file_name']).name}\n"
                    for r in rows
                    if r.get("split") == name
                ]
                atomic_write(root / f"{name}.txt", "".join(listed).encode())
                lines.append(f"{name}: {name}.txt")
            if "val" not in splits:  # Ultralytics needs a val set: the training one, said so
                lines.append("val: train.txt  # no val split in output.split")
        else:
            lines += [
                "# val = train: set output.split (e.g. {train: 0.9, val: 0.1}) to split",
                "train: images",
                "val: images",
            ]
        lines.append("names:")
        lines += [f"  {k}: {v}" for k, v in sorted(names.items())]
        atomic_write(root / "dataset.yaml", ("\n".join(lines) + "\n").encode())
    return [det, seg]


# The format registry's entry points (synth3d.writers.formats).
write = write_yolo
write_frame = write_yolo_frame
