"""``synth3d stylize``: run style passes on an existing dataset, writing a new one.

Every finished frame of the source dataset is read back (rgb, depth PNG × ``depth_scale``,
instance ids, rendered normals when the dataset has them — else the passes estimate them from
depth — and ``K`` from its SceneSpec), the chain is drawn for the frame from ``(seed, frame index,
step)`` exactly as the sampler draws ``post.styles`` (streams ``stylize/<i>``), applied, and the
output dataset gets the stylised rgb, the frame's SceneSpec with the applied steps appended to
``post.styles``, any artifacts under ``styles/``, and every other file (depth, instance, normals,
contours …) hard-linked or copied unchanged; labels and dataset formats are the source's. Writes
are atomic and a rerun resumes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from ..errors import DatasetError
from ..spec import SceneSpec
from .chains import (  # noqa: F401 — the chain helpers are part of this module's API too
    STREAM_PREFIX,
    StylizeOptions,
    check_same_run,
    check_variants,
    draw_chain,
    draw_first_chains,
    file_key,
    load_chain,
    variant_prefix,
)
from .pairs import encode_pairs


def _read_image(path: Path) -> np.ndarray:
    import cv2

    from ..assets.images import imread

    img = imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise DatasetError(str(path), "cannot read image")
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2RGBA if img.shape[2] == 4 else cv2.COLOR_BGR2RGB)
    return img


def _link_or_copy(src: Path, dst: Path) -> None:
    from ..writers.files import link_or_copy

    link_or_copy(src, dst)


def read_gbuffers(src: Path, files: dict, depth_scale: float, spec: SceneSpec):
    """The GBuffers of a written frame: depth (m) from the depth PNG, instance ids, normals from
    normals/ when present (else None: the passes estimate them from depth), K from the SceneSpec,
    alpha from an RGBA rgb file."""
    from ..post.styles import GBuffers

    depth16 = _read_image(src / files["depth"])
    depth_m = depth16.astype(np.float32) * np.float32(depth_scale / 1000.0)
    instance = _read_image(src / files["instance"]).astype(np.uint16)
    normals = None
    if "normals" in files:
        enc = _read_image(src / files["normals"])
        normals = (enc.astype(np.float32) / 65535.0) * 2.0 - 1.0
        normals[depth_m <= 0] = 0.0
    return GBuffers(
        depth_m=depth_m, instance=instance, K=spec.camera.K_array(), normals_cam=normals
    )


def stylize_frame(
    src: Path,
    row: dict,
    steps: list,
    seed: int,
    root: Path,
    depth_scale: float,
    variant: int = 0,
    images: dict | None = None,
) -> tuple[dict[str, bytes], SceneSpec]:
    """Stylise one frame of a dataset. Returns ({relative path: bytes} of the new rgb, scene and
    artifacts; the new SceneSpec). Variant K > 0 writes ``variants/NNNNNN.K.<ext>`` and
    ``variants/NNNNNN.K.json`` (its drawn steps) instead of rgb and scene. ``images``, if given,
    receives the arrays a pair can be made of (source, styled, instance, semantic, depth)."""
    from ..post.styles import apply_chain
    from ..writers.files import encode_jpeg, encode_png, frame_name

    files = row["files"]
    index = int(row["index"])
    try:
        spec = SceneSpec.from_json((src / files["scene"]).read_text())
    except OSError as e:
        raise DatasetError(str(src / files["scene"]), f"cannot read ({e.strerror})") from None
    drawn = draw_chain(steps, seed, index, root, variant)
    chain = list(spec.post.styles) + drawn
    new_spec = spec.model_copy(update={"post": spec.post.model_copy(update={"styles": chain})})
    rgb = _read_image(src / files["rgb"])
    g = read_gbuffers(src, files, depth_scale, spec)
    if rgb.ndim == 3 and rgb.shape[2] == 4:
        g.alpha = rgb[..., 3].astype(np.float32) / 255.0
    out_rgb, artifacts = apply_chain(rgb, chain, g, first=len(spec.post.styles))
    rel = files["rgb"]
    data = (
        encode_jpeg(out_rgb, spec.output.jpeg_quality)
        if rel.endswith(".jpg")
        else encode_png(out_rgb)
    )
    name = frame_name(index)
    if variant == 0:
        written = {rel: data, files["scene"]: new_spec.to_json().encode()}
        stem = f"styles/{name}."
    else:
        ext = rel.rsplit(".", 1)[-1]
        steps_json = (
            json.dumps(
                [s.model_dump(mode="json", by_alias=True) for s in drawn], indent=1, sort_keys=True
            )
            + "\n"
        )
        written = {
            f"variants/{name}.{variant}.{ext}": data,
            f"variants/{name}.{variant}.json": steps_json.encode(),
        }
        stem = f"styles/{name}.v{variant}."
    for fname, blob in artifacts.items():
        written[stem + fname] = blob
    if images is not None:
        from .pairs import colour_ids, depth_image

        images["source"] = rgb[..., :3]
        images["styled"] = out_rgb[..., :3]
        images["instance"] = lambda: colour_ids(g.instance)
        cats = np.zeros(int(g.instance.max()) + 1, np.int64)
        for o in spec.objects:
            if o.id < cats.size:
                cats[o.id] = o.category_id
        images["semantic"] = lambda: colour_ids(cats[g.instance])
        images["depth"] = lambda: depth_image(g.depth_m)
    return written, new_spec


def _source_formats(src: Path) -> list[str]:
    fmts = []
    if (src / "annotations" / "coco.json").exists():
        fmts.append("coco")
    if (src / "bop").is_dir():
        fmts.append("bop")
    if (src / "yolo").is_dir():
        fmts.append("yolo")
    return fmts


class Stylizer:
    """A checked ``synth3d stylize`` run: the constructor does every check (source dataset, chain,
    parameters, reference files, output folder) and writes nothing; :meth:`run` writes.

    ``opts`` (:class:`~synth3d.run.chains.StylizeOptions`): the style chain, its overrides, seed,
    variants, pairs and an asset-root relocation.
    """

    def __init__(self, dataset: str | os.PathLike, out: str | os.PathLike, opts: StylizeOptions):
        from ..writers.files import read_jsonl

        src = Path(dataset)
        if not src.is_dir():
            raise DatasetError(str(src), "dataset folder not found")
        try:
            info = json.loads((src / "dataset.json").read_text())
        except (OSError, json.JSONDecodeError):
            raise DatasetError(
                str(src), "not a synth3d dataset (no readable dataset.json)"
            ) from None
        self.steps, raw, self.root = opts.chain()
        self.seed, self.variants, self.pairs = int(opts.seed), opts.variants, opts.pairs
        out = Path(out)
        if out.resolve() == src.resolve():
            raise DatasetError(
                "-o",
                "must be a new folder, not the dataset itself (stylize writes a stylised copy)",
            )
        if src.resolve() in out.resolve().parents:
            raise DatasetError(
                "-o", f"'{out}' is inside the source dataset {src}; choose a folder outside it"
            )
        if out.resolve() in src.resolve().parents:
            raise DatasetError(
                "-o", f"'{out}' holds the source dataset {src}; choose a folder outside it"
            )
        self.rows = {int(r["index"]): r for r in read_jsonl(src / "manifest.jsonl")}
        self.anns = {
            int(r["index"]): r for r in read_jsonl(src / "annotations" / "instances.jsonl")
        }
        self.frames = [
            i
            for i in sorted(self.rows)
            if i in self.anns and all((src / f).exists() for f in self.rows[i]["files"].values())
        ]
        if not self.frames:
            raise DatasetError(str(src), "holds no finished frame")
        self.depth_scale = float(info.get("depth_scale", 1.0))
        record = opts.record(raw, source=str(src.resolve()))
        info = {k: v for k, v in info.items() if k not in ("frames", "synth3d_version")}
        info["stylize"] = list(info.get("stylize", [])) + [record]
        if opts.asset_roots:  # the copy's SceneSpecs resolve against the relocated assets
            info["asset_roots"] = {**(info.get("asset_roots") or {}), **opts.asset_roots}
        check_same_run(out, info["stylize"], "another source")
        draw_first_chains(self.steps, self.seed, self.root, self.frames, self.variants)
        self.src, self.out, self.info = src, out, info

    def run(
        self,
        on_start: Callable[[int, int], None] | None = None,
        on_frame: Callable[[int], None] | None = None,
    ) -> dict:
        """Stylise the frames not yet finished in ``out``. Returns a summary dict: stylized,
        skipped, seconds, images_per_s, out."""
        import time

        from ..writers.dataset import DatasetWriter
        from ..writers.files import atomic_write

        src, out = self.src, self.out
        writer = DatasetWriter(out, self.info, _source_formats(src))
        secs = 0.0
        try:
            done = writer.done()
            todo = [i for i in self.frames if i not in done]
            if on_start:
                on_start(len(todo), len(self.frames) - len(todo))
            t0 = time.perf_counter()
            for i in todo:
                row = self.rows[i]
                written: dict[str, bytes] = {}
                for k in range(self.variants):
                    images: dict | None = {} if self.pairs is not None else None
                    w, _ = stylize_frame(
                        src,
                        row,
                        self.steps,
                        self.seed,
                        self.root,
                        self.depth_scale,
                        variant=k,
                        images=images,
                    )
                    written.update(w)
                    if images is not None:
                        written.update(
                            encode_pairs(self.pairs, self.seed, i, k, self.variants, images)
                        )
                files = dict(row["files"])
                for rel, data in written.items():
                    (out / rel).parent.mkdir(parents=True, exist_ok=True)
                    atomic_write(out / rel, data)
                    if rel not in files.values():
                        files[file_key(rel)] = rel
                for rel in row["files"].values():
                    if rel not in written:
                        (out / rel).parent.mkdir(parents=True, exist_ok=True)
                        _link_or_copy(src / rel, out / rel)
                writer.add_frame(
                    i, row.get("seed", 0), files, self.anns[i], row.get("attributes", {})
                )
                if on_frame:
                    on_frame(i)
            secs = time.perf_counter() - t0
        finally:
            writer.finalize()
            writer.close()
        return {
            "stylized": len(todo),
            "skipped": len(self.frames) - len(todo),
            "seconds": secs,
            "images_per_s": len(todo) / secs if secs > 0 else 0.0,
            "out": str(out),
        }


def open_stylize(source: str | os.PathLike, out: str | os.PathLike, opts: StylizeOptions):
    """A checked stylise job for ``source``: a synth3d dataset folder (:class:`Stylizer`), or a
    folder or glob of ordinary images (:class:`~synth3d.run.photos.PhotoStylizer`)."""
    src = Path(source)
    if src.is_dir() and (src / "dataset.json").exists():
        return Stylizer(src, out, opts)
    from .photos import PhotoStylizer

    return PhotoStylizer(source, out, opts)


def stylize_dataset(
    dataset: str | os.PathLike,
    out: str | os.PathLike,
    style: str,
    sets: Iterable[str] = (),
    p: float | None = None,
    seed: int = 0,
    on_start: Callable[[int, int], None] | None = None,
    on_frame: Callable[[int], None] | None = None,
    variants: int = 1,
    pairs=None,
) -> dict:
    """Write ``out``: ``dataset`` (a synth3d dataset, or a folder or glob of photos) with a style
    chain applied to every frame (see :class:`Stylizer` and
    :class:`~synth3d.run.photos.PhotoStylizer`); ``variants`` stylisations per frame, and
    ``pairs`` (a :class:`~synth3d.run.pairs.PairOptions`) for image-to-image pairs. Frames
    already finished in ``out`` are skipped. Returns a summary dict: stylized, skipped, seconds,
    images_per_s, out."""
    opts = StylizeOptions(style, tuple(sets), p, seed, variants, pairs)
    return open_stylize(dataset, out, opts).run(on_start, on_frame)


__all__ = [
    "StylizeOptions",
    "Stylizer",
    "draw_chain",
    "load_chain",
    "open_stylize",
    "stylize_dataset",
    "stylize_frame",
]
