"""Track labels of sequence datasets: YouTube-VIS (COCO-video) JSON and MOT Challenge folders.

Both are written from the per-frame labels (``annotations/instances.jsonl``) of the complete
sequences (a sequence with a missing frame is left out): frame ``i`` is frame ``i % length`` of
sequence ``i // length`` (``dataset.json``'s ``sequence``); an object keeps its instance id across
its sequence, which is its track id.

* ``annotations/ytvis.json`` — YouTube-VIS 2019/2021 layout: ``videos`` (id = sequence id + 1,
  ``file_names``, ``length``), ``annotations`` (one per track: ``video_id``, ``category_id``,
  per-frame ``segmentations`` as COCO RLE, ``bboxes`` [x, y, w, h], ``areas`` — ``null`` in
  frames where the object has no label — plus ``instance_id``), ``categories``.
* ``mot/SSSSSS/gt/gt.txt`` — MOT Challenge ground truth, one line per labelled object and frame:
  ``frame, id, bb_left, bb_top, bb_width, bb_height, 1, class, visibility`` with ``frame`` counted
  from 1 within the sequence, ``id`` the instance id, the box exactly the COCO box (pixel-edge
  coordinates from the image's top-left corner, 0-based as COCO's), ``class`` the category id and
  ``visibility`` the visible fraction of the amodal mask (1 without amodal labels);
  ``mot/SSSSSS/seqinfo.ini`` and ``mot/SSSSSS/img1/000001.png``… (links to the rgb frames).
"""

from __future__ import annotations

from pathlib import Path

from .. import __version__


def _sequences(rows: list[dict], info: dict) -> dict[int, list[dict]]:
    seq = info.get("sequence")
    if not seq:
        return {}
    L = int(seq["length"])
    by_seq: dict[int, dict[int, dict]] = {}
    for r in rows:
        by_seq.setdefault(r["index"] // L, {})[r["index"] % L] = r
    return {s: [fr[t] for t in range(L)] for s, fr in sorted(by_seq.items()) if len(fr) == L}


def ytvis_dict(rows: list[dict], info: dict) -> dict:
    """The YouTube-VIS dict of the complete sequences among ``rows``."""
    videos, annotations = [], []
    for s, frames in _sequences(rows, info).items():
        L = len(frames)
        videos.append(
            {
                "id": s + 1,
                "width": frames[0]["width"],
                "height": frames[0]["height"],
                "length": L,
                "file_names": [r["file_name"] for r in frames],
                "first_index": frames[0]["index"],
            }
        )
        tracks: dict[int, dict] = {}
        for t, r in enumerate(frames):
            for a in r["annotations"]:
                tr = tracks.setdefault(
                    a["id"],
                    {
                        "video_id": s + 1,
                        "instance_id": a["id"],
                        "category_id": a["category_id"],
                        "iscrowd": 0,
                        "height": r["height"],
                        "width": r["width"],
                        "length": 1,
                        "segmentations": [None] * L,
                        "bboxes": [None] * L,
                        "areas": [None] * L,
                    },
                )
                tr["segmentations"][t] = a["segmentation"]
                tr["bboxes"][t] = a["bbox"]
                tr["areas"][t] = a["area"]
        for oid in sorted(tracks):
            annotations.append({"id": len(annotations) + 1, **tracks[oid]})
    cats = info.get("categories", {})
    return {
        "info": {
            "description": f"synth3d sequences of template '{info.get('template_name')}'",
            "version": __version__,
            "fps": (info.get("sequence") or {}).get("fps"),
        },
        "videos": videos,
        "annotations": annotations,
        "categories": [
            {"id": int(i), "name": n, "supercategory": "object"}
            for i, n in sorted(cats.items(), key=lambda kv: int(kv[0]))
        ],
    }


def write_ytvis(out: Path, rows: list[dict], info: dict) -> list[Path]:
    from .files import atomic_write, dump_json

    path = Path(out) / "annotations" / "ytvis.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, dump_json(ytvis_dict(rows, info)))
    return [path]


def _num(v: float) -> str:
    return format(float(v), ".10g")


def mot_lines(frames: list[dict]) -> str:
    """The ``gt.txt`` text of one sequence's label rows (in frame order)."""
    lines = []
    for t, r in enumerate(frames):
        for a in sorted(r["annotations"], key=lambda a: a["id"]):
            vis = a.get("visib_fract")
            lines.append(
                ",".join(
                    [
                        str(t + 1),
                        str(a["id"]),
                        *(_num(v) for v in a["bbox"]),
                        "1",
                        str(a["category_id"]),
                        _num(1.0 if vis is None else vis),
                    ]
                )
            )
    return "".join(line + "\n" for line in lines)


def write_mot(out: Path, rows: list[dict], info: dict, frames: str = "all") -> list[Path]:
    from .files import atomic_write, link_or_copy

    out = Path(out)
    written = []
    fps = (info.get("sequence") or {}).get("fps", 24)
    for s, fr in _sequences(rows, info).items():
        d = out / "mot" / f"{s:06d}"
        (d / "gt").mkdir(parents=True, exist_ok=True)
        (d / "img1").mkdir(exist_ok=True)
        ext = Path(fr[0]["file_name"]).suffix
        for t, r in enumerate(fr):
            dst = d / "img1" / f"{t + 1:06d}{ext}"
            if frames == "all" or not dst.exists():
                link_or_copy(out / r["file_name"], dst)
        atomic_write(d / "gt" / "gt.txt", mot_lines(fr).encode())
        ini = (
            f"[Sequence]\nname={s:06d}\nimDir=img1\nframeRate={fps:g}\nseqLength={len(fr)}\n"
            f"imWidth={fr[0]['width']}\nimHeight={fr[0]['height']}\nimExt={ext}\n"
        )
        atomic_write(d / "seqinfo.ini", ini.encode())
        written += [d / "gt" / "gt.txt", d / "seqinfo.ini"]
    return written


__all__ = ["mot_lines", "write_mot", "write_ytvis", "ytvis_dict"]
