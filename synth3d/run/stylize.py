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
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import yaml

from ..errors import AssetError, DatasetError, TemplateError
from ..spec import SceneSpec

STREAM_PREFIX = "stylize"


def _rewrite_where(err, old: str, new: str):
    where = err.where.replace(old, new, 1) if err.where.startswith(old) else err.where
    return type(err)(where, err.message)


def load_chain(style: str, sets: Iterable[str] = (), p: float | None = None
               ) -> tuple[list, list[dict], Path]:
    """The validated steps of ``--style`` (a pass name, or a YAML file holding ``styles:``),
    with ``--set`` and ``--p`` applied.

    Returns (template step models, the steps as plain data, folder for relative paths).
    Raises TemplateError / AssetError (one line naming the option or the YAML path).
    """
    from ..post.styles import names
    from ..sampling.styles import check_style_assets
    from ..template.loading import apply_override, parse_override
    from ..template.styles import validate_steps

    sets = list(sets)
    known = names()
    path = Path(style)
    is_file = style not in known and (path.suffix.lower() in (".yaml", ".yml") or path.is_file())
    if is_file:
        if not path.is_file():
            raise TemplateError("--style", f"'{style}' not found (a pass — {', '.join(known)} — "
                                "or a YAML file with a styles: list)")
        if p is not None:
            raise TemplateError("--p", "applies to a single pass; give each step's p in the file")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
            raise TemplateError(style, f"cannot read ({e.__class__.__name__})") from None
        if not isinstance(data, dict) or not isinstance(data.get("styles"), list):
            raise TemplateError(style, "expected a mapping with a `styles:` list")
        extra = sorted(set(data) - {"styles"})
        if extra:
            raise TemplateError(f"{style}: {extra[0]}", "unknown field (only `styles:`)")
        for text in sets:
            key, value = parse_override(text)
            apply_override(data, key, value)
        raw = data["styles"]
        steps = validate_steps(raw, style)
        root = path.resolve().parent
        check_style_assets(steps, root, "styles")
        return steps, raw, root

    if style not in known:
        raise TemplateError("--style", f"unknown style '{style}' (known: {', '.join(known)}; "
                            "or a YAML file with a styles: list)")
    params: dict = {}
    for text in sets:
        key, value = parse_override(text)
        if len(key) != 1 or not isinstance(key[0], str):
            raise TemplateError("--set", f"expected PARAM=VALUE for the {style} pass, got {text!r}")
        params[key[0]] = value
    raw_step: dict = {"pass": style, "params": params}
    if p is not None:
        raw_step["p"] = p
    try:
        steps = validate_steps([raw_step], "styles")
    except TemplateError as e:
        msg = e.message
        for old, new in (("styles[0].params.", "--set "), ("styles[0].p:", "--p:"),
                         ("styles[0].pass:", "--style:")):
            if msg.startswith(old):
                msg = new + msg[len(old):]
        raise TemplateError("", msg) from None
    root = Path.cwd()
    try:
        check_style_assets(steps, root, "styles")
    except AssetError as e:
        raise _rewrite_where(e, "styles[0].params.", "--set ") from None
    return steps, [raw_step], root


def _read_image(path: Path) -> np.ndarray:
    import cv2

    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
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
    depth_m = (depth16.astype(np.float32) * np.float32(depth_scale / 1000.0))
    instance = _read_image(src / files["instance"]).astype(np.uint16)
    normals = None
    if "normals" in files:
        enc = _read_image(src / files["normals"])
        normals = (enc.astype(np.float32) / 65535.0) * 2.0 - 1.0
        normals[depth_m <= 0] = 0.0
    return GBuffers(depth_m=depth_m, instance=instance, K=spec.camera.K_array(),
                    normals_cam=normals)


def stylize_frame(src: Path, row: dict, steps: list, seed: int, root: Path, depth_scale: float
                  ) -> tuple[dict[str, bytes], SceneSpec]:
    """Stylise one frame of a dataset. Returns ({relative path: bytes} of the new rgb, scene and
    artifacts; the new SceneSpec)."""
    from ..post.styles import apply_chain
    from ..sampling.rng import stream
    from ..sampling.styles import sample_styles
    from ..writers.files import encode_jpeg, encode_png, frame_name

    files = row["files"]
    index = int(row["index"])
    try:
        spec = SceneSpec.from_json((src / files["scene"]).read_text())
    except OSError as e:
        raise DatasetError(str(src / files["scene"]), f"cannot read ({e.strerror})") from None
    drawn = sample_styles(steps, lambda name: stream(seed, index, name), root,
                          prefix=STREAM_PREFIX, where="styles")
    chain = list(spec.post.styles) + drawn
    new_spec = spec.model_copy(update={"post": spec.post.model_copy(update={"styles": chain})})
    rgb = _read_image(src / files["rgb"])
    g = read_gbuffers(src, files, depth_scale, spec)
    if rgb.ndim == 3 and rgb.shape[2] == 4:
        g.alpha = rgb[..., 3].astype(np.float32) / 255.0
    out_rgb, artifacts = apply_chain(rgb, chain, g, first=len(spec.post.styles))
    rel = files["rgb"]
    data = encode_jpeg(out_rgb, spec.output.jpeg_quality) if rel.endswith(".jpg") \
        else encode_png(out_rgb)
    written = {rel: data, files["scene"]: new_spec.to_json().encode()}
    name = frame_name(index)
    for fname, blob in artifacts.items():
        written[f"styles/{name}.{fname}"] = blob
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

    ``style`` is a pass name (``sets``: ``PARAM=VALUE`` strings, YAML values, so distributions
    work; ``p``: its probability) or a YAML file with a ``styles:`` list (``sets`` then take paths
    such as ``styles[1].params.levels=4``).
    """

    def __init__(self, dataset: str | os.PathLike, out: str | os.PathLike, style: str,
                 sets: Iterable[str] = (), p: float | None = None, seed: int = 0):
        from ..sampling.rng import stream
        from ..sampling.styles import sample_styles
        from ..writers.files import read_jsonl

        src = Path(dataset)
        if not src.is_dir():
            raise DatasetError(str(src), "dataset folder not found")
        try:
            info = json.loads((src / "dataset.json").read_text())
        except (OSError, json.JSONDecodeError):
            raise DatasetError(str(src), "not a synth3d dataset (no readable dataset.json)") from None
        self.steps, raw, self.root = load_chain(style, sets, p)
        out = Path(out)
        if out.resolve() == src.resolve():
            raise DatasetError("-o", "must be a new folder, not the dataset itself (stylize "
                               "writes a stylised copy)")
        self.rows = {int(r["index"]): r for r in read_jsonl(src / "manifest.jsonl")}
        self.anns = {int(r["index"]): r for r in read_jsonl(src / "annotations" / "instances.jsonl")}
        self.frames = [i for i in sorted(self.rows) if i in self.anns
                       and all((src / f).exists() for f in self.rows[i]["files"].values())]
        if not self.frames:
            raise DatasetError(str(src), "holds no finished frame")
        self.depth_scale = float(info.get("depth_scale", 1.0))
        self.seed = int(seed)
        record = {"source": str(src.resolve()), "styles": raw, "seed": self.seed}
        info = {k: v for k, v in info.items() if k not in ("frames", "synth3d_version")}
        info["stylize"] = list(info.get("stylize", [])) + [record]
        old_meta = out / "dataset.json"
        if old_meta.exists():
            try:
                old = json.loads(old_meta.read_text())
            except (OSError, json.JSONDecodeError):
                raise DatasetError(str(old_meta), "exists but is not valid JSON; use a new "
                                   "folder") from None
            if old.get("stylize") != info["stylize"]:
                raise DatasetError(str(out), "holds a dataset stylised from another source, chain "
                                   "or seed; use a new folder (or the same command to resume)")
        # Draw the first frames' chains now: a combination a pass refuses fails before writing.
        for i in self.frames[:64]:
            sample_styles(self.steps, lambda name, i=i: stream(self.seed, i, name), self.root,
                          prefix=STREAM_PREFIX, where="styles")
        self.src, self.out, self.info = src, out, info

    def run(self, on_start: Callable[[int, int], None] | None = None,
            on_frame: Callable[[int], None] | None = None) -> dict:
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
                written, _ = stylize_frame(src, row, self.steps, self.seed, self.root,
                                           self.depth_scale)
                files = dict(row["files"])
                for rel, data in written.items():
                    (out / rel).parent.mkdir(parents=True, exist_ok=True)
                    atomic_write(out / rel, data)
                    if rel.startswith("styles/") and rel not in files.values():
                        files["styles:" + rel.split(".", 1)[1]] = rel
                for rel in row["files"].values():
                    if rel not in written:
                        (out / rel).parent.mkdir(parents=True, exist_ok=True)
                        _link_or_copy(src / rel, out / rel)
                writer.add_frame(i, row.get("seed", 0), files, self.anns[i],
                                 row.get("attributes", {}))
                if on_frame:
                    on_frame(i)
            secs = time.perf_counter() - t0
        finally:
            writer.finalize()
        return {"stylized": len(todo), "skipped": len(self.frames) - len(todo), "seconds": secs,
                "images_per_s": len(todo) / secs if secs > 0 else 0.0, "out": str(out)}


def stylize_dataset(dataset: str | os.PathLike, out: str | os.PathLike, style: str,
                    sets: Iterable[str] = (), p: float | None = None, seed: int = 0,
                    on_start: Callable[[int, int], None] | None = None,
                    on_frame: Callable[[int], None] | None = None) -> dict:
    """Write ``out``: the dataset ``dataset`` with a style chain applied to every frame (see
    :class:`Stylizer`); frames already finished in ``out`` are skipped. Returns a summary dict:
    stylized, skipped, seconds, images_per_s, out."""
    return Stylizer(dataset, out, style, sets, p, seed).run(on_start, on_frame)


__all__ = ["Stylizer", "load_chain", "stylize_dataset", "stylize_frame"]
