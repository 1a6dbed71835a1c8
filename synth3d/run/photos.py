"""``synth3d stylize`` on ordinary images: a folder (searched recursively) or a glob of photos.

Photos have no geometry, so there are no labels: the output says so (``dataset.json`` and every
manifest line: ``"labels": null`` with the reason). The passes that read G-buffers get image-only
estimates (:mod:`synth3d.post.styles.estimate`: colour segments for instance ids, a flat plane
for depth and normals); ``dataset.json`` lists the estimates and each manifest line names the
applied passes that used them. Image ``i`` is the i-th file in sorted order of its path relative
to the folder (or of the glob's matches); its chain is drawn from ``(seed, i, "stylize/<step>")``
exactly as for a dataset, so the same command gives the same bytes and a rerun resumes.

Layout::

    OUT/dataset.json  OUT/manifest.jsonl
    OUT/rgb/NNNNNN.png                 the stylised image (variant 0)
    OUT/variants/NNNNNN.K.png  .K.json  variant K > 0 and its drawn steps
    OUT/styles/NNNNNN.<pass>.<suffix>   artifacts (strokes, SVG …)
    OUT/pairs/...                       with pairs (see :mod:`synth3d.run.pairs`)
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import DatasetError, Synth3dError

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
LABELS_NOTE = (
    "none: the source is ordinary images (no geometry); passes that read G-buffers "
    "used image-only estimates"
)


def list_images(source: str | os.PathLike) -> tuple[Path, list[Path]]:
    """(base folder, sorted image files) of a folder (recursive) or a glob pattern."""
    text = str(source)
    if any(c in text for c in "*?["):
        files = sorted(
            Path(p)
            for p in glob.glob(text, recursive=True)
            if Path(p).suffix.lower() in IMAGE_EXTS and Path(p).is_file()
        )
        base = Path(os.path.commonpath([str(f.parent) for f in files])) if files else Path(".")
        where = f"{text} (glob)"
    else:
        base = Path(text)
        if not base.exists():
            raise DatasetError(
                text,
                "not found (expected a synth3d dataset, a folder of images "
                "or a glob such as 'photos/*.jpg')",
            )
        if base.is_file():
            raise DatasetError(text, "is a file; give its folder or a glob")
        files = sorted(
            (p for p in base.rglob("*") if p.suffix.lower() in IMAGE_EXTS and p.is_file()),
            key=lambda p: p.relative_to(base).as_posix(),
        )
        where = text
    if not files:
        raise DatasetError(where, f"no images ({', '.join(IMAGE_EXTS)}) found")
    return base, files


def _check_image(path: Path) -> tuple[int, int]:
    """(width, height) from the file's header; DatasetError if it is not a readable image."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            return im.size
    except (OSError, UnidentifiedImageError):
        raise DatasetError(str(path), "cannot read image (corrupt or unsupported)") from None


def read_photo(path: Path) -> np.ndarray:
    """(H, W, 3) uint8 sRGB (or (H, W, 4) with straight alpha) of an image file."""
    import cv2

    from ..assets.images import imread

    img = imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise DatasetError(str(path), "cannot read image (corrupt or unsupported)")
    if img.dtype == np.uint16:
        img = np.round(img.astype(np.float32) / 257.0).astype(np.uint8)
    if img.ndim == 2:
        return np.repeat(img[..., None], 3, axis=2)
    if img.shape[2] == 4:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2RGBA)
    return cv2.cvtColor(img[..., :3], cv2.COLOR_BGR2RGB)


class PhotoStylizer:
    """A checked ``synth3d stylize`` run on ordinary images: the constructor checks the images
    (headers), the chain and the output folder and writes nothing; :meth:`run` writes.
    Arguments as :class:`~synth3d.run.stylize.Stylizer`; ``pairs`` sides ``instance``,
    ``semantic`` and ``depth`` are refused (photos have no labels)."""

    def __init__(self, source: str | os.PathLike, out: str | os.PathLike, opts):
        from .chains import check_same_run, draw_first_chains
        from .pairs import LABEL_SIDES

        pairs = opts.pairs
        base, files = list_images(source)
        self.steps, raw, self.root = opts.chain()
        self.variants = opts.variants
        if pairs is not None:
            for opt, side in (("--a", pairs.a), ("--b", pairs.b)):
                if side in LABEL_SIDES:
                    raise Synth3dError(
                        opt,
                        f"'{side}' needs a synth3d dataset; {source} holds "
                        "ordinary images (no labels): use source or styled",
                    )
        out = Path(out)
        if out.resolve() == base.resolve() or base.resolve() in out.resolve().parents:
            raise DatasetError("-o", "must be a new folder outside the images' folder")
        self.sizes = [_check_image(f) for f in files]
        self.files, self.base = files, base
        self.rel = [
            f.relative_to(base).as_posix() if base in f.parents or f.parent == base else f.name
            for f in files
        ]
        self.seed, self.pairs, self.out = int(opts.seed), pairs, out
        digest = hashlib.sha256("\n".join(self.rel).encode()).hexdigest()[:16]
        record = opts.record(
            raw,
            source=str(Path(source).resolve()) if "*" not in str(source) else str(source),
            images=len(files),
            images_sha256_16=digest,
        )
        from ..post.styles.estimate import ESTIMATES, GBUFFER_PASSES

        self.info = {
            "kind": "photos",
            "stylize": [record],
            "labels": None,
            "labels_note": LABELS_NOTE,
            "gbuffers": ESTIMATES,
            "estimated_passes": GBUFFER_PASSES,
        }
        if (
            not check_same_run(out, self.info["stylize"], "other images")
            and out.is_dir()
            and any(out.iterdir())
        ):
            raise DatasetError(
                str(out), "is not empty and holds no synth3d dataset; choose a new or empty folder"
            )
        draw_first_chains(self.steps, self.seed, self.root, range(len(files)), self.variants)

    def stylize_image(self, i: int) -> tuple[dict[str, bytes], dict]:
        """Files ({relative path: bytes}) and manifest row of image ``i``."""
        from ..post.styles import apply_chain
        from ..post.styles.estimate import GBUFFER_PASSES, image_gbuffers
        from ..writers.files import encode_png, frame_name
        from .chains import draw_chain
        from .pairs import encode_pairs

        rgb = read_photo(self.files[i])
        g = image_gbuffers(rgb)
        name = frame_name(i)
        written: dict[str, bytes] = {}
        chains, estimated = [], {}
        for k in range(self.variants):
            chain = draw_chain(self.steps, self.seed, i, self.root, k)
            out, artifacts = apply_chain(rgb, chain, g)
            chains.append([s.model_dump(mode="json", by_alias=True) for s in chain])
            for s in chain:
                if s.applied and s.pass_ in GBUFFER_PASSES:
                    estimated[s.pass_] = GBUFFER_PASSES[s.pass_]
            if k == 0:
                written[f"rgb/{name}.png"] = encode_png(out)
                stem = f"styles/{name}."
            else:
                written[f"variants/{name}.{k}.png"] = encode_png(out)
                written[f"variants/{name}.{k}.json"] = (
                    json.dumps(chains[-1], indent=1, sort_keys=True) + "\n"
                ).encode()
                stem = f"styles/{name}.v{k}."
            for fname, blob in artifacts.items():
                written[stem + fname] = blob
            if self.pairs is not None:
                images = {"source": rgb[..., :3], "styled": out[..., :3]}
                written.update(encode_pairs(self.pairs, self.seed, i, k, self.variants, images))
        from .chains import file_key

        files = {"rgb": f"rgb/{name}.png"}
        files.update({file_key(r): r for r in written if r != files["rgb"]})
        h, w = rgb.shape[:2]
        row = {
            "index": i,
            "source": self.rel[i],
            "width": w,
            "height": h,
            "files": files,
            "styles": chains,
            "labels": None,
            "estimated": estimated,
        }
        return written, row

    def run(
        self,
        on_start: Callable[[int, int], None] | None = None,
        on_frame: Callable[[int], None] | None = None,
    ) -> dict:
        """Stylise the images not yet finished in ``out``. Returns a summary dict: stylized,
        skipped, seconds, images_per_s, out."""
        from ..writers.files import atomic_write, dump_json, read_jsonl, remove_stale_temp_files

        out = self.out
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise DatasetError(
                str(out), f"cannot create output folder ({e.strerror or e})"
            ) from None
        remove_stale_temp_files(out)
        manifest = out / "manifest.jsonl"
        rows = {int(r["index"]): r for r in read_jsonl(manifest)} if manifest.exists() else {}
        done = {i for i, r in rows.items() if all((out / f).exists() for f in r["files"].values())}
        atomic_write(out / "dataset.json", dump_json({**self.info, "frames": len(done)}))
        todo = [i for i in range(len(self.files)) if i not in done]
        if on_start:
            on_start(len(todo), len(self.files) - len(todo))
        t0 = time.perf_counter()
        if manifest.exists():  # drop a torn last line before appending
            data = manifest.read_bytes()
            if data and not data.endswith(b"\n"):
                atomic_write(manifest, data[: data.rfind(b"\n") + 1])
        with open(manifest, "ab") as mf:
            for i in todo:
                written, row = self.stylize_image(i)
                for rel, data in written.items():
                    (out / rel).parent.mkdir(parents=True, exist_ok=True)
                    atomic_write(out / rel, data)
                mf.write((json.dumps(row, sort_keys=True) + "\n").encode())
                mf.flush()
                rows[i] = row
                if on_frame:
                    on_frame(i)
        secs = time.perf_counter() - t0
        ordered = [rows[i] for i in sorted(rows)]
        atomic_write(
            manifest, b"".join((json.dumps(r, sort_keys=True) + "\n").encode() for r in ordered)
        )
        atomic_write(out / "dataset.json", dump_json({**self.info, "frames": len(ordered)}))
        return {
            "stylized": len(todo),
            "skipped": len(self.files) - len(todo),
            "seconds": secs,
            "images_per_s": len(todo) / secs if secs > 0 else 0.0,
            "out": str(out),
        }


__all__ = ["IMAGE_EXTS", "LABELS_NOTE", "PhotoStylizer", "list_images", "read_photo"]
