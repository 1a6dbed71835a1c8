"""``synth3d preview``: a few frames of a template, labelled, on one contact sheet."""
from __future__ import annotations

import math
from pathlib import Path

from ..inspect.overlay import contact_sheet, draw_labels
from ..template.loading import load_template
from ..writers.files import atomic_write, encode_png
from .frames import Scenes, gbuffers, sample_frame, wants_normals


def preview(template, out: str | Path, n: int = 16, seed: int | None = None,
            overrides=(), width: int = 256, backend: str | None = None) -> Path:
    """Render ``n`` frames of a template at ``width`` px wide (height from the template's aspect)
    in memory and write one contact sheet with instance outlines, boxes and category names.

    Returns the sheet's path."""
    from ..annotate.labels import object_labels
    from ..post import finish
    from ..post.styles import apply_chain
    from ..render.renderer import Renderer

    loaded = load_template(template, list(overrides))
    w0, h0 = loaded.template.size
    size = (int(width), max(8, int(round(width * h0 / w0))))
    scenes = Scenes(loaded, size=size)
    seed = scenes.template.seed if seed is None else int(seed)
    tiles = []
    with Renderer(*size, backend=backend) as r:
        for i in range(n):
            spec = sample_frame(scenes, seed, i)
            frame = r.render(spec, normals=wants_normals(spec))
            labels, _ = object_labels(frame, spec)
            names = {o.id: o.category for o in spec.objects}
            boxes = [(a["id"], names[a["id"]], a["bbox"]) for a in labels]
            img = finish(frame, spec)
            if any(s.applied for s in spec.post.styles):  # the frame as written: styled
                img = apply_chain(img, spec.post.styles, gbuffers(frame, spec))[0]
            tiles.append(draw_labels(img, frame.instance, boxes))
    sheet = contact_sheet(tiles, columns=max(1, math.ceil(math.sqrt(n))))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, encode_png(sheet))
    return out
