"""The dataset formats, by name: one module each, registered here.

A format module provides ``write(out, rows, info, frames="all") -> list[Path]``, which builds the
format's files from the dataset's label rows (``annotations/instances.jsonl``), and optionally
``write_frame(out, ann_row)``, which writes a frame's own files (BOP masks, YOLO labels) while a
run renders — before the frame's manifest line, so a finished frame never lacks them. Adding a
format is one new module and one line in :data:`REGISTRY`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import DatasetError

# name → module (imported on first use: a format's dependencies load only when it is written).
REGISTRY = {
    "coco": "synth3d.writers.coco",
    "bop": "synth3d.writers.bop",
    "yolo": "synth3d.writers.yolo",
    "webdataset": "synth3d.writers.webdataset",
    "ytvis": "synth3d.writers.ytvis",  # sequences (see writers/tracks.py)
    "mot": "synth3d.writers.mot",
}
FORMATS = tuple(REGISTRY)


@dataclass(frozen=True)
class FormatWriter:
    name: str
    write: Callable[..., list[Path]]
    frame_writer: Callable[[Path, dict], None] | None

    def write_frame(self, out: Path, ann_row: dict) -> None:
        if self.frame_writer is not None:
            self.frame_writer(out, ann_row)


def format_writer(name: str) -> FormatWriter:
    """The writer of format ``name``; DatasetError for an unknown name."""
    if name not in REGISTRY:
        raise DatasetError("--format", f"unknown format '{name}' (choose {', '.join(FORMATS)})")
    mod = importlib.import_module(REGISTRY[name])
    return FormatWriter(name, mod.write, getattr(mod, "write_frame", None))
