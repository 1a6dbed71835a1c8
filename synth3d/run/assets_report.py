"""``synth3d assets``: what a library holds before anything is rendered from it.

For a template (its asset sets) or a bare folder/file (one set, category from the folder): the
categories and their counts, the sizes of the objects (a histogram plot), the files that fail to
load and why, missing textures, and one contact sheet of thumbnails per category.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..spec import (
    CameraSpec,
    EnvironmentSpec,
    LightSpec,
    ObjectSpec,
    PostSpec,
    SceneSpec,
)


def thumbnail_spec(
    T_obj_asset: np.ndarray,
    bounds: np.ndarray,
    asset: str,
    size: int = 128,
    fov_y_deg: float = 35.0,
    view=(1.0, -1.4, 0.9),
    background=(0.8, 0.8, 0.8),
    unlit: bool = False,
) -> SceneSpec:
    """A SceneSpec showing one mesh asset alone, whole, from above the front-right: the object
    at the origin in its object frame (``T_obj_asset``, ``bounds`` (2, 3) there), one
    directional light from behind the camera, an ambient term and a flat grey background."""
    from ..spec import MaterialSpec

    lo, hi = np.asarray(bounds, float)
    c = (lo + hi) / 2
    r = max(float(np.linalg.norm(hi - lo)) / 2, 1e-6)
    f = -np.asarray(view, float) / np.linalg.norm(view)  # forward: towards the object
    dist = r / np.sin(np.radians(fov_y_deg) / 2) * 1.05
    eye = c - f * dist
    right = np.cross(f, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    down = np.cross(f, right)
    T = np.eye(4)
    T[:3, 0], T[:3, 1], T[:3, 2], T[:3, 3] = right, down, f, eye
    fpx = size / 2 / np.tan(np.radians(fov_y_deg) / 2)
    K = [[fpx, 0.0, (size - 1) / 2], [0.0, fpx, (size - 1) / 2], [0.0, 0.0, 1.0]]
    obj = ObjectSpec(
        id=1,
        name="asset",
        category="asset",
        category_id=1,
        kind="mesh",
        asset=asset,
        T_world_asset=np.asarray(T_obj_asset, float).tolist(),
        material=MaterialSpec(unlit=unlit),
        bounds_asset=np.asarray(bounds, float).tolist(),
    )
    light = LightSpec(
        type="directional",
        color=[1.0, 1.0, 1.0],
        intensity=2.5,
        direction=list(-f + np.array([0.0, 0.0, 0.6])),
        shadows=False,
    )
    return SceneSpec(
        template="synth3d-assets",
        seed=0,
        index=0,
        camera=CameraSpec(
            width=size,
            height=size,
            K=K,
            T_world_cam=T.tolist(),
            znear=max(dist - 2 * r, 1e-3) * 0.5,
            zfar=dist + 2 * r,
        ),
        objects=[obj],
        lights=[light],
        environment=EnvironmentSpec(
            background="color", color=list(background), ambient=[0.35, 0.35, 0.35]
        ),
        post=PostSpec(),
    )


def _library_template(path: str, category: str | None, up_axis: str, units: str | None) -> dict:
    spec = {
        "path": os.path.abspath(path),
        "kind": "mesh",
        "category": category or "{parent}",
        "up_axis": up_axis,
        "on_bad_asset": "skip",
    }
    if units:
        spec["units"] = units
    return {
        "name": "assets",
        "assets": {"library": spec},
        "objects": [{"name": "asset", "assets": "library"}],
    }


def inspect_assets(
    source: str | os.PathLike,
    out: str | os.PathLike | None = None,
    category: str | None = None,
    up_axis: str = "z",
    units: str | None = None,
    thumbnails: int = 24,
    thumb_size: int = 96,
    backend: str | None = None,
    overrides=(),
) -> dict:
    """Index a library (a template's asset sets, or a folder/file as one set with the category
    ``category`` — default ``{parent}``, the folder of each file — ``up_axis`` and ``units``)
    and describe it. With ``out``: writes ``report.json``, ``sizes.png`` (histogram of the
    objects' largest extent in metres, per category) and ``sheet_<category>.png`` (up to
    ``thumbnails`` thumbnails per category, ``thumb_size`` px). Bad files never stop it.

    Returns the report: ``sets`` (per set: files, categories with counts, failures, missing
    textures), ``sizes`` (per category: extents in metres), ``index`` (cache hits/misses)."""
    import warnings

    from ..assets.catalog import build_catalog
    from ..errors import AssetWarning
    from ..template.loading import load_template

    source = str(source)
    if source.lower().endswith((".yaml", ".yml")):
        data = None
        loaded = load_template(source, list(overrides))
        raw = dict(loaded.raw)
        raw["assets"] = {k: dict(v, on_bad_asset="skip") for k, v in raw.get("assets", {}).items()}
        raw["asset_root"] = str(loaded.asset_root)
        loaded = load_template(raw)
    else:
        if not os.path.exists(source):
            from ..errors import AssetError

            raise AssetError(source, "not found")
        data = _library_template(source, category, up_axis, units)
        loaded = load_template(data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", AssetWarning)
        cat = build_catalog(loaded)
    report: dict = {
        "source": os.path.abspath(source),
        "index": cat.index,
        "sets": {},
        "sizes": {},
        "warnings": [str(w.message) for w in caught if issubclass(w.category, AssetWarning)],
    }
    for name, entries in cat.sets.items():
        counts: dict[str, int] = {}
        for e in entries:
            counts[e.category] = counts.get(e.category, 0) + 1
        missing = sorted(
            {
                m
                for e in entries
                if e.path in cat.facts
                for m in (cat.facts[e.path].materials or {}).get("missing", [])
            }
        )
        report["sets"][name] = {
            "kind": entries[0].kind if entries else None,
            "assets": len(entries),
            "categories": dict(sorted(counts.items())),
            "failed": [{"file": p, "why": why} for s, p, why in cat.skipped if s == name],
            "missing_textures": missing,
            "triangles": int(
                sum(cat.facts[e.path].triangles for e in entries if e.path in cat.facts)
            ),
            "with_mass": sum(e.mass is not None for e in entries),
        }
        for e in entries:
            info = cat.mesh_info.get((name, e.path))
            if info is not None:
                ext = info.bounds[1] - info.bounds[0]
                report["sizes"].setdefault(e.category, []).append(float(ext.max()))
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        _size_plot(report["sizes"], out / "sizes.png")
        report["sheets"] = _sheets(cat, out, thumbnails, thumb_size, backend)
        (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def _size_plot(sizes: dict[str, list[float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    vals = [v for vs in sizes.values() for v in vs]
    if vals:
        lo, hi = max(min(vals), 1e-4), max(max(vals), 1e-4)
        bins = np.geomspace(lo * 0.9, hi * 1.1, 30) if hi / lo > 20 else 30
        cats = sorted(sizes)
        if len(cats) <= 10:
            ax.hist([sizes[c] for c in cats], bins=bins, stacked=True, label=cats)
            ax.legend(fontsize=7)
        else:
            ax.hist(vals, bins=bins)
        if not isinstance(bins, int):
            ax.set_xscale("log")
    ax.set_xlabel("largest extent (m)")
    ax.set_ylabel("assets")
    ax.set_title(f"{len(vals)} assets")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _sheets(cat, out: Path, per_category: int, size: int, backend) -> dict[str, str]:
    import re

    from ..inspect.overlay import contact_sheet
    from ..post import finish
    from ..render.renderer import Renderer
    from ..writers.dataset import atomic_write, encode_png

    by_cat: dict[str, list] = {}
    for name, entries in cat.sets.items():
        for e in entries:
            if e.kind == "mesh" and len(by_cat.setdefault(e.category, [])) < per_category:
                by_cat[e.category].append((name, e))
    written = {}
    if not by_cat:
        return written
    with Renderer(size, size, backend=backend) as r:
        for c, items in sorted(by_cat.items()):
            tiles = []
            for name, e in items:
                info = cat.mesh_info[(name, e.path)]
                spec = thumbnail_spec(info.T_obj_asset, info.bounds, e.path, size)
                try:
                    tiles.append(finish(r.render(spec), spec)[:, :, :3])
                except Exception:  # noqa: BLE001 — a thumbnail that fails stays black
                    tiles.append(np.zeros((size, size, 3), np.uint8))
            cols = min(len(tiles), 8)
            fn = out / f"sheet_{re.sub(r'[^A-Za-z0-9_.-]+', '_', c)}.png"
            atomic_write(fn, encode_png(contact_sheet(tiles, cols)))
            written[c] = str(fn)
    return written
