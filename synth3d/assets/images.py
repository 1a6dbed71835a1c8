"""Every image synth3d reads from the user (textures, cards, background photos, transfer
references, HDRIs, a source dataset's frames) goes through :func:`imread`, which checks the
image's size in its header *before* decoding it.

A small file can declare a huge image (a 2.7 MB PNG of 30000 × 30000 pixels decodes to 2.7 GB):
such a "decompression bomb" is refused in one line naming the file, in milliseconds and without
allocating the pixels. The limit is :data:`DEFAULT_MAX_IMAGE_PIXELS` (16384 × 8192, a 16k HDRI);
the environment variable ``SYNTH3D_MAX_IMAGE_PIXELS`` (or the CLI's ``--max-image-pixels``)
changes it, ``0`` turns it off.
"""

from __future__ import annotations

import os
import struct
import threading

import numpy as np

from ..errors import AssetError, Synth3dError

DEFAULT_MAX_IMAGE_PIXELS = 16384 * 8192
"""Largest image (width × height) read by default: 134,217,728 pixels."""
ENV_VAR = "SYNTH3D_MAX_IMAGE_PIXELS"

_PIL_LOCK = threading.Lock()


def max_image_pixels() -> int:
    """The pixel limit in force (``SYNTH3D_MAX_IMAGE_PIXELS``, else the default); 0 = none."""
    text = os.environ.get(ENV_VAR, "").strip()
    if not text:
        return DEFAULT_MAX_IMAGE_PIXELS
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        value = -1
    if value < 0:
        raise Synth3dError(ENV_VAR, f"must be a whole number ≥ 0 (0: no limit), got {text!r}")
    return value


def _radiance_size(f) -> tuple[int, int] | None:
    head = f.read(65536)
    if not head.startswith((b"#?RADIANCE", b"#?RGBE")):
        return None
    lines = head.split(b"\n")
    for i, line in enumerate(lines):
        if line.strip() == b"" and i + 1 < len(lines):
            parts = lines[i + 1].split()  # e.g. "-Y 1024 +X 2048"
            if len(parts) == 4 and parts[0][1:2] in (b"X", b"Y") and parts[2][1:2] in (b"X", b"Y"):
                a, b = int(parts[1]), int(parts[3])
                return (b, a) if parts[0][1:2] == b"Y" else (a, b)
            return None
    return None


def _exr_size(f) -> tuple[int, int] | None:
    head = f.read(8)
    if len(head) < 8 or head[:4] != b"\x76\x2f\x31\x01":
        return None
    data = f.read(1 << 20)  # the header's attributes come first
    pos = 0
    while pos < len(data):
        end = data.find(b"\0", pos)
        if end <= pos:  # an empty name ends the header
            return None
        name = data[pos:end]
        tend = data.find(b"\0", end + 1)
        if tend < 0 or tend + 5 > len(data):
            return None
        (size,) = struct.unpack_from("<i", data, tend + 1)
        value = tend + 5
        if name == b"dataWindow" and size == 16:
            x0, y0, x1, y1 = struct.unpack_from("<iiii", data, value)
            return x1 - x0 + 1, y1 - y0 + 1
        pos = value + size
    return None


def image_size(path: str | os.PathLike) -> tuple[int, int] | None:
    """(width, height) from the file's header, without decoding the pixels; None when the
    format is not recognised (the decoder then reports the file)."""
    try:
        with open(path, "rb") as f:
            for probe in (_radiance_size, _exr_size):
                f.seek(0)
                try:
                    size = probe(f)
                except (struct.error, ValueError):
                    size = None
                if size is not None:
                    return size
    except OSError:
        return None
    from PIL import Image, UnidentifiedImageError

    with _PIL_LOCK:  # PIL's own bomb check would hide the size; it is ours to judge
        saved = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None
        try:
            with Image.open(path) as im:  # reads the header only
                return tuple(im.size)
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            return None
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def check_image_pixels(path: str | os.PathLike) -> None:
    """Raise :class:`AssetError` naming ``path`` when its header declares more pixels than the
    limit (:func:`max_image_pixels`)."""
    limit = max_image_pixels()
    if not limit:
        return
    size = image_size(path)
    if size is None:
        return
    w, h = size
    if w <= 0 or h <= 0:
        raise AssetError(str(path), f"image header declares an empty size {w}×{h}")
    if w * h > limit:
        raise AssetError(
            str(path),
            f"image is {w}×{h} ({w * h / 1e6:.0f} megapixels), over the "
            f"limit of {limit:,} pixels (raise it with {ENV_VAR} or "
            "--max-image-pixels if the file is trusted)",
        )


def imread(path: str | os.PathLike, flags: int | None = None) -> np.ndarray | None:
    """``cv2.imread(path, flags)`` after :func:`check_image_pixels` (None when OpenCV cannot
    read the file, as cv2.imread)."""
    import cv2

    check_image_pixels(path)
    return cv2.imread(str(path), cv2.IMREAD_UNCHANGED if flags is None else flags)
