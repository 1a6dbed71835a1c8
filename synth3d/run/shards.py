"""Merging shard datasets: ``synth3d merge OUT_1 OUT_2 ... -o OUT``.

``synth3d render --shard K/N`` renders one part of a run into its own folder (one job of a SLURM or
Kubernetes array each). Merging links (or copies) every finished frame's files into ``OUT``,
appends their manifest and label lines and writes the dataset formats from the joined labels, so
the merged folder holds exactly the bytes that rendering all frames in one run would have written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import DatasetError

_FORMAT_MARKERS = {
    "coco": "annotations/coco.json",
    "bop": "bop",
    "yolo": "yolo",
    "webdataset": "webdataset",
    "ytvis": "annotations/ytvis.json",
    "mot": "mot",
}


def _info(path: Path) -> dict:
    meta = path / "dataset.json"
    if not meta.exists():
        raise DatasetError(str(path), "not a synth3d dataset (no dataset.json)")
    try:
        return json.loads(meta.read_text())
    except (OSError, json.JSONDecodeError):
        raise DatasetError(str(meta), "is not valid JSON") from None


def formats_of(path: Path) -> list[str]:
    """The dataset formats a rendered folder holds."""
    return [f for f, rel in _FORMAT_MARKERS.items() if (Path(path) / rel).exists()]


def _place(src: Path, dst: Path, copy: bool) -> None:
    """Link (or copy) a shard's file into the merged folder; an identical file already there
    (a resumed merge) is kept."""
    from ..writers.files import link_or_copy

    if not src.exists():
        raise DatasetError(str(src), "is listed in the manifest but missing")
    if (
        dst.exists()
        and dst.stat().st_size == src.stat().st_size
        and (dst.samefile(src) or dst.read_bytes() == src.read_bytes())
    ):
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    link_or_copy(src, dst, copy)


def merge(
    inputs: list[str | os.PathLike],
    out: str | os.PathLike,
    formats: list[str] | None = None,
    copy: bool = False,
    partial: bool = False,
    on_frame=None,
) -> dict:
    """Merge shard datasets into ``out`` (created, or resumed: frames already there are kept).

    All inputs must come from the same template, seed, size and depth scale. When they record
    their shard (``--shard K/N``), every one of the N shards must be given unless ``partial``.
    ``formats`` defaults to those the first input holds. Files are hard-linked where possible
    (``copy`` forces copies). Returns {"frames", "merged", "out"}.
    """
    from ..writers.dataset import DatasetWriter
    from ..writers.files import read_jsonl

    if not inputs:
        raise DatasetError("merge", "give at least one dataset to merge")
    paths = [Path(p) for p in inputs]
    out = Path(out)
    for p in paths:
        if p.resolve() == out.resolve():
            raise DatasetError(str(out), "the output folder is one of the inputs; choose a new one")
    infos = [_info(p) for p in paths]
    first = infos[0]
    for p, info in zip(paths[1:], infos[1:]):
        for key in DatasetWriter.IDENTITY:
            if info.get(key) != first.get(key):
                raise DatasetError(
                    str(p),
                    f"has a different {key} than {paths[0]}; only shards of one run can be merged",
                )
    shards = [i.get("shard") for i in infos]
    if any(shards) and not partial:
        counts = {s["count"] for s in shards if s}
        if len(counts) > 1:
            raise DatasetError(
                "merge",
                f"the inputs were rendered as different shard counts "
                f"({', '.join(map(str, sorted(counts)))})",
            )
        count = counts.pop()
        have = {s["index"] for s in shards if s}
        missing = [k for k in range(count) if k not in have]
        if missing:
            raise DatasetError(
                "merge",
                "missing shard(s) "
                + ", ".join(f"{k}/{count}" for k in missing)
                + " (or merge anyway with --partial)",
            )
    info = {k: v for k, v in first.items() if k not in ("shard", "frames", "synth3d_version")}
    fmts = list(formats) if formats is not None else formats_of(paths[0])
    writer = DatasetWriter(out, info, fmts)
    done = writer.done()
    merged = 0
    try:
        for p in paths:
            anns = {r["index"]: r for r in read_jsonl(p / "annotations" / "instances.jsonl")}
            for row in read_jsonl(p / "manifest.jsonl"):
                i = row["index"]
                if i in done or i not in anns:
                    continue
                for rel in row["files"].values():
                    _place(p / rel, out / rel, copy)
                writer.files.write_format_frame(anns[i])
                writer.commit(row, anns[i])
                done.add(i)
                merged += 1
                if on_frame:
                    on_frame(i)
    finally:
        summary = writer.finalize()
        writer.close()
    return {"frames": summary["frames"], "merged": merged, "out": str(out)}
