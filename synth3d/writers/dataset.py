"""The dataset on disk: atomic files, an append-only manifest, resume, and final COCO/CSV files.

Layout (see the README's "Dataset contract")::

    OUT/dataset.json  OUT/manifest.jsonl  OUT/manifest.csv
    OUT/rgb/NNNNNN.png  OUT/depth/NNNNNN.png  OUT/instance/NNNNNN.png  OUT/scene/NNNNNN.json
    OUT/annotations/coco.json  (+ annotations/instances.jsonl, the per-frame source it is built from)

A frame is done once its manifest line is written (after its files). Every file is written to a
temporary name and renamed into place, so no half-written file is ever visible under its final
name; a killed run started again skips finished frames and rewrites the final files.
"""

from __future__ import annotations

import csv
import io
import json
import os
import threading
from pathlib import Path

from .. import __version__
from ..errors import DatasetError
from ..frame import FrameOutput
from ..spec import SceneSpec
from .files import (
    atomic_write,
    dump_json,
    encode_jpeg,
    encode_png,
    frame_name,
    read_jsonl,
    remove_stale_temp_files,
)
from .folder import FolderLock, check_jsonl, check_new_folder, check_no_links
from .formats import format_writer

EXTRA_OUTPUTS = ("normals", "contours", "semantic")


def frame_files(spec: SceneSpec, output: FrameOutput) -> dict[str, tuple[str, bytes]]:
    """Encoded files of one frame: ``{"rgb": (relative path, bytes), "depth": ..., "instance": ...,
    "scene": ..., and any of "normals", "contours", "semantic"}`` (the same bytes for a run and
    for ``rerender``). ``output.extras["styles"]`` (style artifacts, ``"<pass>.<suffix>"`` →
    bytes) gives ``"styles:<pass>.<suffix>"`` → ``styles/NNNNNN.<pass>.<suffix>``; an extra given
    as ``(suffix, bytes)`` is written as is to ``<key>/NNNNNN.<suffix>``."""
    name = frame_name(spec.index)
    fmt = spec.output
    ext = "jpg" if fmt.rgb_format == "jpg" else "png"
    rgb = output.rgb
    files = {
        "rgb": (
            f"rgb/{name}.{ext}",
            encode_jpeg(rgb, fmt.jpeg_quality) if ext == "jpg" else encode_png(rgb),
        ),
        "depth": (f"depth/{name}.png", encode_png(output.depth16, "depth")),
        "instance": (f"instance/{name}.png", encode_png(output.instance16, "ids")),
        "scene": (f"scene/{name}.json", spec.to_json().encode()),
    }
    for key, img in (output.extras or {}).items():
        if key == "styles":  # style artifacts: {"<pass>.<suffix>": bytes}
            for fname, data in img.items():
                files[f"styles:{fname}"] = (f"styles/{name}.{fname}", data)
            continue
        if isinstance(img, tuple):  # pre-encoded: (suffix, bytes), e.g. optical flow's .flo
            files[key] = (f"{key}/{name}.{img[0]}", img[1])
            continue
        files[key] = (f"{key}/{name}.png", encode_png(img, "depth" if key == "normals" else "ids"))
    return files


def read_rows(out: Path) -> list[dict]:
    """Label rows (annotations/instances.jsonl) of the finished frames of a dataset, by index."""
    done = {r["index"] for r in read_jsonl(out / "manifest.jsonl")}
    rows = {r["index"]: r for r in read_jsonl(out / "annotations" / "instances.jsonl")}
    return [rows[i] for i in sorted(rows) if i in done]


def export(
    out: str | os.PathLike,
    formats: list[str],
    rows: list[dict] | None = None,
    info: dict | None = None,
    frames: str = "all",
    asset_roots: dict[str, str] | None = None,
) -> list[Path]:
    """Write dataset formats from a rendered dataset's labels (no rendering).

    ``frames="missing"`` keeps per-frame format files (BOP masks, YOLO labels) already written
    during a run. ``asset_roots`` relocates the assets (BOP reads the meshes), as
    :func:`synth3d.assets.roots.parse_relocation` returns it.
    Raises DatasetError for an unknown format or a folder that is not a synth3d dataset."""
    out = Path(out)
    writers = [format_writer(f) for f in formats]
    if info is None:
        try:
            info = json.loads((out / "dataset.json").read_text())
        except (OSError, json.JSONDecodeError):
            raise DatasetError(
                str(out), "not a synth3d dataset (no readable dataset.json)"
            ) from None
    if rows is None:
        rows = read_rows(out)
    if asset_roots:
        info = dict(info, asset_relocation=dict(asset_roots))
    written = []
    try:
        for w in writers:
            written += w.write(out, rows, info, frames=frames)
    except OSError as e:
        raise DatasetError(
            str(getattr(e, "filename", None) or out), f"cannot write ({e.strerror or e})"
        ) from None
    return written


class FrameFiles:
    """Writes the files of single frames into a dataset folder — the frame's images and
    SceneSpec, then the per-frame files of the formats that have them (BOP masks, YOLO labels) —
    and returns the manifest and label rows for :meth:`DatasetWriter.commit`. It holds no shared
    state, so worker processes and Ray actors each use their own on the same folder."""

    def __init__(self, out: str | os.PathLike, formats: list[str] = ("coco",)):
        self.out = Path(out)
        self.formats = list(formats)

    def write(self, spec: SceneSpec, output: FrameOutput) -> tuple[dict, dict]:
        """Encode and write one frame's files; returns (manifest row, label row). The frame's
        camera ({"K", "T_world_cam"}) is kept with the labels so format writers need not read
        the SceneSpec back."""
        files = {}
        for key, (rel, data) in frame_files(spec, output).items():
            if key not in ("rgb", "depth", "instance", "scene"):
                try:
                    (self.out / rel).parent.mkdir(exist_ok=True)
                except OSError as e:
                    raise DatasetError(
                        str(self.out / key), f"cannot create ({e.strerror})"
                    ) from None
            atomic_write(self.out / rel, data)
            files[key] = rel
        h, w = output.depth16.shape
        ann_row = {
            "index": spec.index,
            "file_name": files["rgb"],
            "width": w,
            "height": h,
            "annotations": output.labels,
            "dropped": list(output.dropped),
            "camera": {"K": spec.camera.K, "T_world_cam": spec.camera.T_world_cam},
        }
        if spec.output.split is not None:  # the frame's train/val/test (output.split)
            ann_row["split"] = spec.output.split
        if spec.camera.distortion is not None:  # OpenCV [k1, k2, p1, p2, k3] next to K
            ann_row["camera"]["dist"] = list(spec.camera.distortion)
        self.write_format_frame(ann_row)
        return (
            {"index": spec.index, "seed": spec.seed, "files": files, "attributes": spec.attributes},
            ann_row,
        )

    def write_format_frame(self, ann_row: dict) -> None:
        """Per-frame files of the dataset formats that have them (BOP masks, YOLO labels),
        written before the frame's manifest line so a finished frame never lacks them."""
        for f in self.formats:
            format_writer(f).write_frame(self.out, ann_row)


def _has_finished_frame(out: Path) -> bool:
    """Whether ``out/manifest.jsonl`` holds at least one complete line (a finished frame)."""
    try:
        with open(out / "manifest.jsonl", "rb") as f:
            return b"\n" in f.read(1 << 20)
    except OSError:
        return False


class DatasetWriter:
    """Writes frames of one run into ``out``; safe to use from several writer threads.

    Parameters
    ----------
    out : path
    info : dict
        The run's identity for ``dataset.json``: template (resolved, as plain data), seed, width,
        height, depth_scale, categories, gl_renderer, ... A folder already holding a dataset with a
        different template, seed or size is refused (DatasetError) instead of being mixed.
    """

    IDENTITY = ("template", "seed", "width", "height", "depth_scale")

    def __init__(self, out: str | os.PathLike, info: dict, formats: list[str] = ("coco",)):
        self.out = Path(out)
        self.info = dict(info)
        self.formats = list(formats)
        self.files = FrameFiles(self.out, self.formats)
        self._lock = threading.Lock()
        meta = self.out / "dataset.json"
        self.notes: list[str] = []  # what was repaired on resume (torn lines dropped)
        check_no_links(self.out)
        if self.out.is_dir() and not meta.exists():
            check_new_folder(self.out)
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise DatasetError(
                str(self.out), f"cannot create output folder ({e.strerror or e})"
            ) from None
        self._folder_lock = FolderLock(self.out).acquire()  # one run per folder
        try:
            for sub in ("rgb", "depth", "instance", "scene", "annotations"):
                (self.out / sub).mkdir(exist_ok=True)
        except OSError as e:
            raise DatasetError(
                str(self.out), f"cannot create output folder ({e.strerror or e})"
            ) from None
        if not os.access(self.out, os.W_OK):
            raise DatasetError(str(self.out), "output folder is not writable")
        remove_stale_temp_files(self.out)
        if meta.exists():
            try:
                old = json.loads(meta.read_text())
            except (OSError, json.JSONDecodeError):
                raise DatasetError(
                    str(meta), "exists but is not valid JSON; use a new folder"
                ) from None
            for k in self.IDENTITY:
                if old.get(k) != self.info.get(k):
                    if not _has_finished_frame(self.out):
                        # A run that failed before its first frame (e.g. a bad value found
                        # while rendering): the corrected template may take the folder over.
                        atomic_write(self.out / "annotations" / "instances.jsonl", b"")
                        break
                    raise DatasetError(
                        str(self.out),
                        f"holds a dataset with a different {k}; "
                        "use a new folder (or the same command to resume)",
                    )
            self.info["gl_renderer"] = old.get("gl_renderer", self.info.get("gl_renderer"))
        for path, kind in (
            (self.out / "manifest.jsonl", "manifest"),
            (self.out / "annotations" / "instances.jsonl", "labels"),
        ):
            note = check_jsonl(path, kind)[1]
            if note:
                self.notes.append(note)
        # Rows are not kept in memory (a long run would grow by every frame's labels): the
        # append-only files on disk are the record, read back by done() and finalize().
        self._write_info(len({r["index"] for r in read_jsonl(self.out / "manifest.jsonl")}))
        # Reopen in append mode after trimming any torn last line, so new lines start cleanly.
        self._manifest = self._open_append(self.out / "manifest.jsonl")
        self._instances = self._open_append(self.out / "annotations" / "instances.jsonl")

    def _open_append(self, path: Path):
        if path.exists():
            with open(path, "rb") as f:
                data = f.read()
            if data and not data.endswith(b"\n"):
                atomic_write(path, data[: data.rfind(b"\n") + 1])
        return open(path, "ab")

    def _write_info(self, frames: int) -> None:
        info = dict(self.info)
        info["frames"] = frames
        info["synth3d_version"] = __version__
        atomic_write(self.out / "dataset.json", dump_json(info))

    def done(self) -> set[int]:
        """Indices whose manifest and label lines exist and whose files are all present (a frame
        skipped by the layout failure policy has a manifest line only)."""
        rows = {r["index"]: r for r in read_jsonl(self.out / "manifest.jsonl")}
        labelled = {r["index"] for r in read_jsonl(self.out / "annotations" / "instances.jsonl")}
        return {
            i
            for i, row in rows.items()
            if (i in labelled or "skipped" in row)
            and all((self.out / f).exists() for f in row["files"].values())
        }

    def write_frame(self, spec: SceneSpec, output: FrameOutput) -> dict:
        """Encode and write one frame's files, then its label and manifest lines (see
        :meth:`FrameFiles.write` and :meth:`commit`)."""
        row, ann_row = self.files.write(spec, output)
        self.commit(row, ann_row)
        return row

    def commit(self, row: dict, ann_row: dict) -> None:
        """Append a frame's label and manifest lines (its files are already in place): from
        here on the frame counts as done. Worker processes write files; only the process that
        owns this writer commits."""
        with self._lock:
            try:
                if ann_row is not None:  # None: a frame skipped by the failure policy
                    self._instances.write((json.dumps(ann_row, sort_keys=True) + "\n").encode())
                    self._instances.flush()
                self._manifest.write((json.dumps(row, sort_keys=True) + "\n").encode())
                self._manifest.flush()
            except OSError as e:
                raise DatasetError(
                    str(self.out), f"cannot append to the manifest ({e.strerror or e})"
                ) from None

    def add_frame(
        self, index: int, seed: int, files: dict[str, str], ann_row: dict, attributes: dict
    ) -> dict:
        """Record a frame whose files are already in place under ``out`` (``synth3d stylize``
        writes them itself): its format files, then its label and manifest lines."""
        self.files.write_format_frame(ann_row)
        row = {"index": index, "seed": seed, "files": dict(files), "attributes": attributes}
        self.commit(row, ann_row)
        return row

    def finalize(self, formats: list[str] | None = None) -> dict:
        """Rewrite the manifest sorted by index; write manifest.csv, the dataset formats and
        dataset.json."""
        with self._lock:
            self._manifest.close()
            self._instances.close()
            by_index = {r["index"]: r for r in read_jsonl(self.out / "manifest.jsonl")}
            rows = [by_index[i] for i in sorted(by_index)]
            atomic_write(
                self.out / "manifest.jsonl",
                b"".join((json.dumps(r, sort_keys=True) + "\n").encode() for r in rows),
            )
            ann_by_index = {
                r["index"]: r for r in read_jsonl(self.out / "annotations" / "instances.jsonl")
            }
            anns = [ann_by_index[i] for i in sorted(ann_by_index) if i in by_index]
            atomic_write(
                self.out / "annotations" / "instances.jsonl",
                b"".join((json.dumps(r, sort_keys=True) + "\n").encode() for r in anns),
            )
            attr_names = list(self.info.get("attributes", []))
            buf = io.StringIO()
            wr = csv.writer(buf, lineterminator="\n")
            wr.writerow(["index", "seed", "rgb", "depth", "instance", "scene"] + attr_names)
            for r in rows:
                f = r["files"]
                if not f:  # skipped by the failure policy: no files
                    continue
                wr.writerow(
                    [r["index"], r["seed"], f["rgb"], f["depth"], f["instance"], f["scene"]]
                    + [r["attributes"].get(a, "") for a in attr_names]
                )
            atomic_write(self.out / "manifest.csv", buf.getvalue().encode())
            export(
                self.out,
                list(self.formats if formats is None else formats),
                rows=anns,
                info=self.info,
                frames="missing",
            )
            self._write_info(len(rows))
            # Writers stay usable for more frames after a finalize (e.g. the Python API).
            self._manifest = open(self.out / "manifest.jsonl", "ab")
            self._instances = open(self.out / "annotations" / "instances.jsonl", "ab")
        return {"frames": len(rows)}

    def close(self) -> None:
        """Close the append files and release the folder's lock."""
        for f in (self._manifest, self._instances):
            try:
                f.close()
            except Exception:
                pass
        self._folder_lock.release()
