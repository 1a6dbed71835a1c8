"""``synth3d preview``: a few frames of a template, labelled, on one contact sheet."""

from __future__ import annotations

import math
from pathlib import Path

from ..inspect.overlay import contact_sheet, draw_labels
from ..template.loading import load_template
from ..writers.files import atomic_write, encode_png
from .frames import Scenes, gbuffers, sample_frame, wants_normals


def preview(
    template,
    out: str | Path,
    n: int = 16,
    seed: int | None = None,
    overrides=(),
    width: int = 256,
    backend: str | None = None,
) -> Path:
    """Render ``n`` frames of a template at ``width`` px wide (height from the template's aspect)
    in memory and write one contact sheet with instance outlines, boxes and category names.

    For a sequence template the tiles are ``n`` sequences and the sheet is an animated GIF of
    them (``out`` with the suffix ``.gif``), one sheet per frame time at the template's fps.

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
    if seed < 0:
        from ..errors import TemplateError

        raise TemplateError("--seed", f"must be ≥ 0, got {seed}")
    if scenes.sequence is not None:
        return _preview_sequences(scenes, out, n, seed, size, backend)
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


def _preview_sequences(scenes, out, n: int, seed: int, size, backend) -> Path:
    """Animated GIF: n sequences side by side, every frame labelled, played at their fps."""
    import io

    from PIL import Image

    from ..annotate.labels import object_labels
    from ..post import finish
    from ..render.renderer import Renderer
    from .sequences import render_blurred

    L = scenes.sequence.length
    per_t: list[list] = [[] for _ in range(L)]
    with Renderer(*size, backend=backend) as r:
        for s in range(n):
            for t in range(L):
                spec = scenes.sample(seed, s * L + t)
                frame = render_blurred(r, spec)
                labels, _ = object_labels(frame, spec)
                names = {o.id: o.category for o in spec.objects}
                boxes = [(a["id"], names[a["id"]], a["bbox"]) for a in labels]
                per_t[t].append(draw_labels(finish(frame, spec), frame.instance, boxes))
    cols = max(1, math.ceil(math.sqrt(n)))
    sheets = [Image.fromarray(contact_sheet(tiles, columns=cols)) for tiles in per_t]
    buf = io.BytesIO()
    sheets[0].save(
        buf,
        format="GIF",
        save_all=True,
        append_images=sheets[1:],
        loop=0,
        duration=max(20, int(round(1000 / scenes.sequence.fps))),
    )
    out = Path(out).with_suffix(".gif")
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, buf.getvalue())
    return out
