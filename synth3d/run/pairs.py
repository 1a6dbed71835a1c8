"""Image pairs for image-to-image training (pix2pix, CycleGAN), written by ``synth3d stylize``.

Layouts (``OUT/pairs/``):

* ``aligned`` — what pix2pix's ``--dataset_mode aligned`` reads: one image per pair, A on the
  left and B on the right (same height, each half the frame's width), in ``train/``, ``val/``
  and ``test/``;
* ``unaligned`` — what CycleGAN's ``--dataset_mode unaligned`` reads: ``trainA/`` ``trainB/``
  (``valA/`` ``valB/``, ``testA/`` ``testB/``), A and B of a pair under the same file name.

Each side is one of :data:`SIDES`: ``source`` (the input image: the photo, or the dataset's
rgb), ``styled`` (the stylised image), ``instance`` / ``semantic`` (instance or category ids as
colours, for label-to-image models), ``depth`` (near = bright, 8-bit). A source image is put in a
split by a draw from ``(seed, index, "pairs/split")``, so every stylisation of one source (the
variants) lands in the same split — a test pair never shares its source with a training pair.
File names: ``NNNNNN.png``, or ``NNNNNN_K.png`` for variant K when there are several.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import Synth3dError

SIDES = ("source", "styled", "instance", "semantic", "depth")
LAYOUTS = ("aligned", "unaligned")
SPLITS = ("train", "val", "test")
#: sides that need a synth3d dataset (labels or geometry)
LABEL_SIDES = ("instance", "semantic", "depth")


@dataclass(frozen=True)
class PairOptions:
    """Which pairs to write: ``layout`` (aligned | unaligned), sides ``a`` and ``b`` (from
    :data:`SIDES`), ``split`` fractions (train, val, test; sum 1)."""

    layout: str = "aligned"
    a: str = "source"
    b: str = "styled"
    split: tuple[float, float, float] = (0.8, 0.1, 0.1)

    @staticmethod
    def parse(
        layout: str, a: str = "source", b: str = "styled", split: str | tuple = "0.8,0.1,0.1"
    ) -> PairOptions:
        """Checked options from command-line text; Synth3dError naming the option otherwise."""
        if layout not in LAYOUTS:
            raise Synth3dError("--pairs", f"expected one of {', '.join(LAYOUTS)}, got {layout!r}")
        for opt, v in (("--a", a), ("--b", b)):
            if v not in SIDES:
                raise Synth3dError(opt, f"expected one of {', '.join(SIDES)}, got {v!r}")
        if a == b:
            raise Synth3dError("--b", f"is the same as --a ({a!r}): a pair needs two sides")
        if isinstance(split, str):
            try:
                parts = [float(x) for x in split.split(",")]
            except ValueError:
                raise Synth3dError(
                    "--split",
                    f"expected TRAIN,VAL,TEST fractions such as 0.8,0.1,0.1, got {split!r}",
                ) from None
        else:
            parts = [float(x) for x in split]
        if len(parts) == 2:
            parts.append(0.0)
        if len(parts) != 3 or min(parts) < 0 or not abs(sum(parts) - 1.0) < 1e-6:
            raise Synth3dError(
                "--split",
                f"expected three fractions ≥ 0 summing to 1 (train,val,test), got {split!r}",
            )
        return PairOptions(layout, a, b, tuple(parts))

    def record(self) -> dict:
        return {"layout": self.layout, "a": self.a, "b": self.b, "split": list(self.split)}


def split_of(seed: int, index: int, split: tuple[float, float, float]) -> str:
    """The split (train / val / test) of source image ``index``: a uniform draw from the
    frame's ``pairs/split`` stream against the cumulative fractions."""
    from ..sampling.rng import stream

    u = float(stream(seed, index, "pairs/split").random())
    c = np.cumsum(split)
    for name, edge in zip(SPLITS, c):
        if u < edge:
            return name
    return next(n for n, f in zip(reversed(SPLITS), reversed(split)) if f > 0)


def palette(n: int) -> np.ndarray:
    """(n, 3) uint8 colours for ids 0..n-1: 0 black, then well-separated hues (golden-ratio
    steps, alternating value), the same for every frame."""
    import cv2

    i = np.arange(n)
    h = (i * 0.6180339887 * 180.0) % 180.0
    s = np.full(n, 200.0)
    v = np.where(i % 2 == 0, 255.0, 170.0)
    hsv = np.stack([h, s, v], 1).astype(np.uint8)[None]
    rgb = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0]
    rgb[0] = 0
    return rgb


def colour_ids(ids: np.ndarray) -> np.ndarray:
    """(H, W) integer ids → (H, W, 3) uint8 colours (:func:`palette`; 0 = black)."""
    lut = palette(int(ids.max()) + 1 if ids.size else 1)
    return lut[ids]


def depth_image(depth_m: np.ndarray) -> np.ndarray:
    """(H, W) metres → (H, W, 3) uint8 grey: the nearest hit 255, the farthest 55, no hit 0."""
    out = np.zeros(depth_m.shape, np.uint8)
    hit = depth_m > 0
    if hit.any():
        lo, hi = float(depth_m[hit].min()), float(depth_m[hit].max())
        out[hit] = np.round(255.0 - 200.0 * (depth_m[hit] - lo) / max(hi - lo, 1e-9)).astype(
            np.uint8
        )
    return np.repeat(out[..., None], 3, axis=2)


def pair_files(
    opts: PairOptions, split: str, stem: str, a: np.ndarray, b: np.ndarray
) -> dict[str, np.ndarray]:
    """{path under pairs/: (H, W', 3) uint8 image} of one pair in ``opts.layout``."""
    a, b = a[..., :3], b[..., :3]
    if a.shape != b.shape:
        raise ValueError(f"pair sides differ in size: {a.shape} vs {b.shape}")
    if opts.layout == "aligned":
        return {f"pairs/{split}/{stem}.png": np.hstack([a, b])}
    return {f"pairs/{split}A/{stem}.png": a, f"pairs/{split}B/{stem}.png": b}


def encode_pairs(
    opts, seed: int, index: int, variant: int, variants: int, images: dict
) -> dict[str, bytes]:
    """PNG bytes of the pair(s) of one stylisation of frame ``index``, by path under the output.
    In the unaligned layout a side that does not vary with the stylisation is written once
    (with variant 0)."""
    from ..writers.files import encode_png, frame_name

    def side(name):
        v = images[name]
        return v() if callable(v) else v

    split = split_of(seed, index, opts.split)
    stem = frame_name(index) + (f"_{variant}" if variants > 1 else "")
    files = pair_files(opts, split, stem, side(opts.a), side(opts.b))
    out = {}
    for rel, img in files.items():
        if opts.layout == "unaligned" and variants > 1:
            name = opts.a if rel.split("/")[1].endswith("A") else opts.b
            if name != "styled":
                if variant > 0:
                    continue
                rel = rel.rsplit("/", 1)[0] + f"/{frame_name(index)}.png"
        out[rel] = encode_png(img)
    return out


__all__ = [
    "LABEL_SIDES",
    "LAYOUTS",
    "PairOptions",
    "SIDES",
    "SPLITS",
    "colour_ids",
    "depth_image",
    "encode_pairs",
    "pair_files",
    "palette",
    "split_of",
]
