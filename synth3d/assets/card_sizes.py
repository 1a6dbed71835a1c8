"""Card size per asset: from each image's own pixel size, or from a sidecar table.

An image asset set may size its cards itself (``assets.NAME.pixel_size`` or ``.sizes``), so a
set of sprites drawn at their own relative sizes needs no object group per sprite:

* ``pixel_size: 0.002`` — card height = image height (px) × 0.002: metres for objects placed in
  the world (``floor``, ``world``), a fraction of the frame height for ``screen``/``relative``
  placement;
* ``pixel_size: backgrounds`` (the name of an image asset set) — the size the image would have
  pasted at its native pixel size onto that set's images, which fill the frame: frame fraction =
  image height / the reference set's image height (their median); only for ``screen`` and
  ``relative`` placement;
* ``sizes: sizes.csv`` — a table of heights per file stem (``stem,height`` CSV with that header,
  or a YAML/JSON mapping ``{stem: height}``), in the same units as the number above; every file of
  the set must be listed.

The object's ``scale`` multiplies the size; an object drawing from such a set gives neither
``height`` nor ``screen_height``.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from ..errors import AssetError, TemplateError


def _read_table(path: Path, where: str) -> dict[str, float]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise AssetError(where, f"'{path}' not found or unreadable") from None
    if path.suffix.lower() == ".csv":
        rows = list(csv.DictReader(text.splitlines()))
        if not rows or not {"stem", "height"} <= set(rows[0]):
            raise AssetError(str(path), "expected a CSV with columns stem,height")
        data = {r["stem"]: r["height"] for r in rows}
    else:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            raise AssetError(str(path), "not valid YAML/JSON") from None
        if not isinstance(data, dict):
            raise AssetError(str(path), "expected a mapping {stem: height}")
    out = {}
    for k, v in data.items():
        try:
            h = float(v)
        except (TypeError, ValueError):
            raise AssetError(str(path), f"{k}: height {v!r} is not a number") from None
        if not (math.isfinite(h) and h > 0):
            raise AssetError(str(path), f"{k}: height must be > 0")
        out[str(k)] = h
    return out


def check_objects(template) -> None:
    """Objects drawing from a self-sizing set give no height of their own (TemplateError)."""
    for i, o in enumerate(template.objects):
        names = [o.assets] if isinstance(o.assets, str) else list(o.assets)
        sizing = [
            n
            for n in names
            if n in template.assets
            and (template.assets[n].pixel_size is not None or template.assets[n].sizes is not None)
        ]
        if not sizing:
            continue
        for f in ("height", "screen_height"):
            if getattr(o, f) is not None:
                raise TemplateError(
                    f"objects[{i}].{f}",
                    f"asset set '{sizing[0]}' sizes its "
                    "cards itself (pixel_size/sizes); give one or the other "
                    "(scale still multiplies)",
                )
        for n in sizing:
            ps = template.assets[n].pixel_size
            if isinstance(ps, str) and o.placement.mode not in ("screen", "relative"):
                raise TemplateError(
                    f"assets.{n}.pixel_size",
                    f"a reference set ('{ps}') sizes "
                    "cards relative to the frame: only for screen or relative "
                    f"placement (objects[{i}] uses {o.placement.mode})",
                )


def card_heights(template, catalog, asset_root: Path) -> dict[tuple[str, str], float]:
    """{(set name, path): height} of every image of every self-sizing set (units: see the
    module docstring). Needs the catalog's image_info (files opened)."""
    out: dict[tuple[str, str], float] = {}
    for name, spec in template.assets.items():
        ps, table = spec.pixel_size, spec.sizes
        if ps is None and table is None:
            continue
        where = f"assets.{name}"
        entries = catalog.sets[name]
        if entries and entries[0].kind != "image":
            raise TemplateError(
                f"{where}.{'pixel_size' if ps is not None else 'sizes'}",
                "only image (card) sets have a pixel size",
            )
        if table is not None:
            p = Path(table)
            if not p.is_absolute():
                p = asset_root / p
            heights = _read_table(p, f"{where}.sizes")
            for e in entries:
                if e.stem not in heights:
                    raise TemplateError(
                        f"{where}.sizes", f"'{p.name}' has no height for '{e.stem}'"
                    )
                out[(name, e.path)] = heights[e.stem]
            continue
        if isinstance(ps, str):
            if ps not in catalog.sets:
                raise TemplateError(
                    f"{where}.pixel_size",
                    f"no asset set '{ps}' (a number, or the name of an image set)",
                )
            ref = catalog.sets[ps]
            if not ref or ref[0].kind != "image":
                raise TemplateError(f"{where}.pixel_size", f"asset set '{ps}' holds no images")
            ref_h = float(np.median([catalog.image_info[e.path].height for e in ref]))
            per = 1.0 / ref_h
        else:
            per = float(ps)
        for e in entries:
            out[(name, e.path)] = catalog.image_info[e.path].height * per
    return out


__all__ = ["card_heights", "check_objects"]
