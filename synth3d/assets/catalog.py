"""Asset catalog: resolves asset sets to files, assigns categories, and opens every file once.

The catalog is built in the preflight step, before the first frame: a missing, empty or corrupt file
raises :class:`~synth3d.errors.AssetError` naming the asset set and the file. Mesh files are
opened through the index cache (:mod:`synth3d.assets.index_cache`), so a library is opened once.
Layouts and categories: :mod:`synth3d.assets.layouts`; loading: :mod:`synth3d.assets.loaders`;
object frames: :mod:`synth3d.assets.facts`.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..asset_paths import register_roots
from ..envmap import load_hdri  # noqa: F401 — part of this module's API (asset files by kind)
from ..errors import AssetError, AssetWarning, TemplateError
from ..template.loading import LoadedTemplate
from ..template.schema import AssetSetSpec
from . import card_sizes
from .facts import (  # noqa: F401 — re-exported
    UP_ROTATIONS,
    LazyMeshInfo,
    MeshInfo,
    _object_frame,
    mesh_deps,
    mesh_facts,
    object_frame,
)
from .images import check_image_pixels
from .layouts import (  # noqa: F401 — re-exported
    COLLISION_SUFFIXES,
    HDRI_EXT,
    IMAGE_EXT,
    MESH_EXT,
    category_of,
    kind_of,
    object_name,
    resolve_paths,
    set_files,
)
from .loaders import (  # noqa: F401 — re-exported
    _read_image,
    check_vertices,
    load_card_rgba,
    load_image_rgb,
    load_mesh,
    load_mesh_parts,
)


@dataclass(frozen=True)
class AssetEntry:
    """One asset of an asset set.

    Attributes
    ----------
    path : str
        Absolute path (a URDF for URDF assets).
    stem : str
        The asset's name: the file name without extension, or the object's folder for
        per-object layouts (GSO, ShapeNet). Weights, keypoints and attributes refer to it.
    kind : str
        ``mesh``, ``image`` or ``hdri``.
    weight : float
        Sampling weight within its set.
    category : str
        Category name for objects drawn from this file.
    set : str
        Name of the asset set it belongs to.
    units : float
        Metres per file unit (mm → 0.001).
    size_known : bool
        Whether the asset's true size is known (units, URDF, BOP set, sidecar); ``normalize``
        only rescales assets whose size is not.
    size : float or None
        True size in metres (sidecar ``size``) of the set's normalize measure.
    up_axis : str
        The file's up axis (turned to +z).
    mass, friction : float or None
        For physics: kilograms and the friction coefficient (URDF, sidecar).
    collision : str or None
        A URDF's collision mesh (absolute path; in the same coordinates as its visual).
    keypoints : dict or None
        Named points in the file's coordinates (sidecar), else the set's ``keypoints``.
    bop : dict or None
        ``obj_id``, ``diameter``, symmetries of a BOP model-set file.
    """

    path: str
    stem: str
    kind: str
    weight: float
    category: str
    set: str
    units: float = 1.0
    size_known: bool = False
    size: float | None = None
    up_axis: str = "z"
    mass: float | None = None
    friction: float | None = None
    collision: str | None = None
    keypoints: dict | None = field(default=None, hash=False, compare=False)
    bop: dict | None = field(default=None, hash=False, compare=False)


@dataclass
class ImageInfo:
    width: int
    height: int
    has_alpha: bool


@dataclass
class Catalog:
    """Resolved asset sets of one template.

    ``sets`` maps set name → entries; ``categories`` maps category name → id (1-based, in template
    order of the sets objects draw from); ``mesh_info`` is keyed by (set name, path) since sets may
    normalise the same file differently, ``image_info`` by path. ``roots`` maps root names to
    absolute folders (what SceneSpecs on disk are relative to, see
    :mod:`synth3d.assets.roots`); ``skipped`` lists ``(set, path, reason)`` of bad assets left
    out (``on_bad_asset: skip``); ``facts`` the index facts of every mesh file
    (:class:`~synth3d.assets.index_cache.MeshFacts`); ``index`` the cache's hits and misses.
    """

    sets: dict[str, list[AssetEntry]]
    categories: dict[str, int]
    mesh_info: Mapping[tuple[str, str], MeshInfo] = field(default_factory=LazyMeshInfo)
    image_info: dict[str, ImageInfo] = field(default_factory=dict)
    roots: dict[str, str] = field(default_factory=dict)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    index: dict = field(default_factory=dict)
    # card heights of self-sizing image sets (synth3d.assets.card_sizes), by (set, path)
    card_heights: dict[tuple[str, str], float] = field(default_factory=dict)

    def category_names(self) -> dict[int, str]:
        return {i: n for n, i in self.categories.items()}


def _entry(
    spec: AssetSetSpec, set_name: str, path: str, base: str, kind: str, table, table_dir: str | None
) -> AssetEntry:
    """The catalog entry of one file: name, category, units, size, axis, physics facts."""
    from .sidecar import UNITS, lookup

    name = object_name(path)
    units = UNITS[spec.units] if spec.units else 1.0
    known = spec.units is not None
    mass = friction = collision = bop = None
    if kind == "mesh":
        if path.lower().endswith(".urdf"):
            from .urdf import read_urdf

            u = read_urdf(path)
            mass, friction, known, units = u.mass, u.friction, True, 1.0
            collision = u.collisions[0].path if u.collisions else None
        else:
            from .bop_models import bop_model

            bop = bop_model(path)
            if bop is not None and spec.units is None:
                units, known = 0.001, True
    row = lookup(table, table_dir, path, name) if table else None
    category = None
    size = keypoints = None
    up = spec.up_axis
    weight = spec.weights.get(name)
    if row is not None:
        category = row.category
        if row.units:
            units, known = UNITS[row.units], True
        if row.scale is not None:
            units, known = row.scale, True
        if row.size is not None:
            size, known = row.size, True
        up = row.up_axis or up
        keypoints = row.keypoints
        mass = row.mass if row.mass is not None else mass
        friction = row.friction if row.friction is not None else friction
        if weight is None and row.weight is not None:
            weight = row.weight
    if category is None:
        category = category_of(spec, set_name, path, base, name)
    return AssetEntry(
        path,
        name,
        kind,
        float(1.0 if weight is None else weight),
        category,
        set_name,
        units=units,
        size_known=known,
        size=size,
        up_axis=up,
        mass=mass,
        friction=friction,
        collision=collision,
        keypoints=keypoints,
        bop=bop,
    )


def _warn_skipped(where: str, bad: list[tuple[str, str]]) -> None:
    listing = "; ".join(f"{p} ({why})" for p, why in bad[:20])
    more = f"; and {len(bad) - 20} more" if len(bad) > 20 else ""
    warnings.warn(
        f"{where}: skipped {len(bad)} asset(s) that fail to load: {listing}{more}",
        AssetWarning,
        stacklevel=3,
    )


def _set_root(spec: AssetSetSpec, loaded: LoadedTemplate) -> Path:
    if spec.root is None:
        return loaded.asset_root
    r = Path(os.path.expanduser(spec.root))
    if not r.is_absolute():
        base = loaded.source.resolve().parent if loaded.source else Path.cwd()
        r = base / r
    return r.resolve()


def _set_kind(spec: AssetSetSpec, found: list, where: str) -> tuple[str, list]:
    """The kind of a set's files and the files of that kind (a folder of meshes may hold
    their textures; a URDF stands for the meshes it names)."""
    kind_list = [kind_of(p) for p, _, _ in found]
    kinds = set(kind_list)
    if spec.kind is not None:
        wrong = [
            p for (p, _, scanned), k in zip(found, kind_list) if k != spec.kind and not scanned
        ]
        if wrong:
            raise AssetError(f"{where}.path", f"'{wrong[0]}' is not a {spec.kind} file")
        kind = spec.kind
    elif "mesh" in kinds and all(
        scanned or k == "mesh" for (_, _, scanned), k in zip(found, kind_list)
    ):
        kind = "mesh"  # a mesh library's folders hold its textures too
    elif len(kinds) > 1:
        raise AssetError(f"{where}.path", f"mixes {' and '.join(sorted(kinds))} files; set kind")
    else:
        kind = kinds.pop()
    if len(kinds) > 1:
        found = [f for f, k in zip(found, kind_list) if k == kind]
    if not found:
        raise AssetError(f"{where}.path", f"holds no {kind} file")
    if kind == "mesh":
        from .urdf import read_urdf

        used: set[str] = set()
        for p, _, _ in found:
            if p.lower().endswith(".urdf"):
                try:
                    used.update(read_urdf(p).mesh_files())
                except AssetError:
                    pass  # reported when the URDF itself is indexed
        if used:
            found = [f for f in found if f[0].lower().endswith(".urdf") or f[0] not in used]
    return kind, found


def _resolve_set(
    name: str, spec: AssetSetSpec, loaded: LoadedTemplate, roots: dict
) -> tuple[list[AssetEntry], list[tuple[str, str]]]:
    """Entries of one set and its bad files ``(path, why)``; adds the set's root to ``roots``
    when it has one (its own ``root``, or its folder when it lies outside asset_root)."""
    from .sidecar import read_sidecar

    where = f"assets.{name}"
    if spec.root is not None:
        root = _set_root(spec, loaded)
        if not root.is_dir():
            raise AssetError(f"{where}.root", f"'{root}' is not a folder")
        roots[name] = str(root)
    else:
        root = loaded.asset_root
    kind, found = _set_kind(spec, set_files(spec, root, where), where)
    inside = str(loaded.asset_root).rstrip(os.sep) + os.sep
    if spec.root is None and not all(p.startswith(inside) for p, _, _ in found):
        roots[name] = os.path.commonpath(sorted({b for _, b, _ in found}))
    table = table_dir = None
    if spec.sidecar:
        sc = Path(os.path.expanduser(spec.sidecar))
        sc = sc if sc.is_absolute() else root / sc
        table, table_dir = read_sidecar(str(sc)), str(sc.parent)
    entries, bad = [], []
    for p, base, _ in found:
        try:
            entries.append(_entry(spec, name, p, base, kind, table, table_dir))
        except AssetError as e:
            if spec.on_bad_asset == "error":
                raise
            bad.append((p, e.message))
    stems = {e.stem for e in entries}
    for field_name in ("weights", "keypoints"):
        for w in getattr(spec, field_name):
            if w not in stems:
                raise TemplateError(
                    f"{where}.{field_name}.{w}", f"no file with stem '{w}' in the set"
                )
    return entries, bad


def _index_meshes(t, sets: dict, bad_by_set: dict, cache) -> tuple[dict, dict]:
    """Index facts of every mesh file (through the cache); drops the files that fail to load
    from ``sets`` into ``bad_by_set`` (or raises, by the set's on_bad_asset) and warns about
    missing textures. Returns (facts by path, cache statistics)."""
    from .index_cache import IndexCache
    from .mtl import warn_missing

    own_cache = cache is None
    if cache is None:
        cache = IndexCache()
    elif cache is False:
        cache = IndexCache(enabled=False)
    facts: dict = {}
    try:
        for entries in sets.values():
            if entries and entries[0].kind == "mesh":
                todo = [e.path for e in entries if e.path not in facts]
                facts.update(cache.facts(todo, mesh_facts, mesh_deps))
    finally:
        if own_cache:
            cache.close()
    for name, entries in list(sets.items()):
        if not entries or entries[0].kind != "mesh":
            continue
        keep, bad = [], bad_by_set[name]
        for e in entries:
            f = facts[e.path]
            if f.error is not None:
                if t.assets[name].on_bad_asset == "error":
                    raise AssetError(e.path, f.error)
                bad.append((e.path, f.error))
                continue
            if f.missing:
                warn_missing(e.path, f.missing)
            keep.append(e)
        sets[name] = keep
    return facts, {"hits": cache.hits, "misses": cache.misses, "file": cache.path}


def build_catalog(loaded: LoadedTemplate, open_files: bool = True, cache=None) -> Catalog:
    """Resolve every asset set the template uses and (by default) open every file — through the
    index cache (:mod:`synth3d.assets.index_cache`) for meshes, so a library is opened once.

    ``cache``: an :class:`~synth3d.assets.index_cache.IndexCache` (default: the user's cache;
    ``False``: none).

    Raises
    ------
    AssetError, TemplateError
        Naming the template place (``assets.mugs.path``) or the file.
    """
    t = loaded.template
    sets: dict[str, list[AssetEntry]] = {}
    roots: dict[str, str] = {"asset_root": str(loaded.asset_root)}
    skipped: list[tuple[str, str, str]] = []
    bad_by_set: dict[str, list[tuple[str, str]]] = {}
    for name, spec in t.assets.items():
        sets[name], bad_by_set[name] = _resolve_set(name, spec, loaded, roots)
    facts, index = _index_meshes(t, sets, bad_by_set, cache) if open_files else ({}, {})
    for name, bad in bad_by_set.items():
        if bad:
            _warn_skipped(f"assets.{name}", bad)
            skipped.extend((name, p, why) for p, why in bad)
        if not sets[name]:
            raise AssetError(
                f"assets.{name}",
                f"every asset of the set fails to load (first: {bad[0][0]}: {bad[0][1]})"
                if bad
                else "the set is empty",
            )
        if sum(e.weight for e in sets[name]) <= 0:
            raise TemplateError(f"assets.{name}.weights", "all weights are 0")
    categories = _check_uses(t, sets)
    register_roots(roots)  # SceneSpecs read back with from_json in this process still load
    card_sizes.check_objects(t)
    cat = Catalog(
        sets=sets, categories=categories, roots=roots, skipped=skipped, facts=facts, index=index
    )
    if open_files:
        for name, entries in sets.items():
            spec = t.assets[name]
            for e in entries:
                if e.kind == "mesh":
                    f = facts[e.path]
                    cat.mesh_info.add((name, e.path), f, spec, e)
                    if np.any(f.bounds[1] - f.bounds[0] <= 0):  # may be flat: fail now
                        cat.mesh_info[(name, e.path)]
                elif e.kind == "image":
                    img = _read_image(e.path)
                    cat.image_info[e.path] = ImageInfo(
                        img.shape[1], img.shape[0], img.shape[2] == 4
                    )
                else:
                    check_image_pixels(e.path)  # before envmap decodes it
                    load_hdri(e.path)
        cat.card_heights = card_sizes.card_heights(t, cat, loaded.asset_root)
    return cat


def _check_uses(t, sets: dict) -> dict[str, int]:
    """Checks of how the template uses its sets (kinds, attributes); returns the category ids
    (1-based, in template order of the sets objects draw from)."""

    def set_kind(name: str) -> str:
        return sets[name][0].kind

    if t.environment.hdri and set_kind(t.environment.hdri) != "hdri":
        raise TemplateError("environment.hdri", f"asset set '{t.environment.hdri}' holds no HDRIs")
    categories: dict[str, int] = {}
    for i, o in enumerate(t.objects):
        names = [o.assets] if isinstance(o.assets, str) else list(o.assets)
        for n in names:
            k = set_kind(n)
            if k not in ("mesh", "image"):
                raise TemplateError(f"objects[{i}].assets", f"asset set '{n}' holds {k} files")
            if o.kind == "mesh" and k != "mesh":
                raise TemplateError(f"objects[{i}].assets", f"kind mesh needs mesh files ('{n}')")
            if o.kind == "card" and k != "image":
                raise TemplateError(f"objects[{i}].assets", f"kind card needs image files ('{n}')")
            if k == "mesh" and o.kind != "card":
                for field in ("height", "screen_height"):
                    if getattr(o, field) is not None:
                        raise TemplateError(
                            f"objects[{i}].{field}",
                            "only cards have this size; scale meshes with scale "
                            "or the asset set's normalize",
                        )
                if o.mirror:
                    raise TemplateError(f"objects[{i}].mirror", "only cards can be mirrored")
            for e in sets[n]:
                categories.setdefault(e.category, len(categories) + 1)
        if o.attribute is not None:
            stems = {e.stem for n in names for e in sets[n]}
            for v in t.attributes[o.attribute].values:
                if str(v) not in stems and str(v) not in o.absent_values:
                    raise TemplateError(
                        f"objects[{i}].attribute",
                        f"attribute '{o.attribute}' value '{v}' matches no file stem in "
                        f"{', '.join(names)} (and is not in absent_values)",
                    )
        if o.material and o.material.texture and set_kind(o.material.texture) != "image":
            raise TemplateError(f"objects[{i}].material.texture", "needs an image asset set")
    for i, b in enumerate(t.backdrops):
        for tx in b.texture if isinstance(b.texture, list) else [b.texture]:
            if not tx.image:
                continue
            if set_kind(tx.image) != "image":
                raise TemplateError(f"backdrops[{i}].texture.image", "needs an image asset set")
            if tx.attribute:
                stems = {e.stem for e in sets[tx.image]}
                for v in t.attributes[tx.attribute].values:
                    if str(v) not in stems:
                        raise TemplateError(
                            f"backdrops[{i}].texture.attribute",
                            f"attribute '{tx.attribute}' value '{v}' matches no file in "
                            f"asset set '{tx.image}'",
                        )

    return categories
