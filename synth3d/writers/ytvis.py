"""Format ``ytvis``: YouTube-VIS (COCO-video) JSON of a sequence dataset (see :mod:`.tracks`)."""

from __future__ import annotations

from .tracks import write_ytvis


def write(out, rows, info, frames: str = "all"):
    return write_ytvis(out, rows, info)
