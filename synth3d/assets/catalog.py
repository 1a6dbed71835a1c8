"""Asset catalog: resolves asset sets to files, assigns categories, and opens every file once.

The catalog is built in the preflight step, before the first frame: a missing, empty or corrupt file
raises :class:`~synth3d.errors.AssetError` naming the asset set and the file.
"""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..envmap import load_hdri  # noqa: F401 — part of this module's API (asset files by kind)
from ..errors import AssetError, TemplateError
from ..template.loading import LoadedTemplate
from ..template.schema import AssetSetSpec

MESH_EXT = {".obj", ".glb", ".gltf", ".ply", ".stl", ".off"}
IMAGE_EXT = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"}
HDRI_EXT = {".hdr", ".exr"}


def kind_of(path: Path) -> str | None:
    ext = path.suffix.lower()
    if ext in MESH_EXT:
        return "mesh"
    if ext in IMAGE_EXT:
        return "image"
    if ext in HDRI_EXT:
        return "hdri"
    return None


@dataclass(frozen=True)
class AssetEntry:
    """One file of an asset set.

    Attributes
    ----------
    path : str
        Absolute path.
    stem : str
        File name without extension (what weights and attributes refer to).
    kind : str
        ``mesh``, ``image`` or ``hdri``.
    weight : float
        Sampling weight within its set.
    category : str
        Category name for objects drawn from this file.
    set : str
        Name of the asset set it belongs to.
    """

    path: str
    stem: str
    kind: str
    weight: float
    category: str
    set: str


@dataclass
class MeshInfo:
    """Geometry facts the sampler needs, in the *object frame* (after up-axis rotation,
    normalisation and origin shift): ``T_obj_asset`` maps file coordinates to it, ``hull`` holds
    (N, 3) convex-hull vertices there (lowest point, image-space boxes), ``bounds`` is (2, 3)."""

    T_obj_asset: np.ndarray
    hull: np.ndarray
    bounds: np.ndarray
    bounds_file: np.ndarray


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
    normalise the same file differently, ``image_info`` by path.
    """

    sets: dict[str, list[AssetEntry]]
    categories: dict[str, int]
    mesh_info: dict[tuple[str, str], MeshInfo] = field(default_factory=dict)
    image_info: dict[str, ImageInfo] = field(default_factory=dict)

    def category_names(self) -> dict[int, str]:
        return {i: n for n, i in self.categories.items()}


def resolve_paths(spec: AssetSetSpec, root: Path, where: str) -> list[Path]:
    """Files of one asset set, sorted, de-duplicated."""
    patterns = [spec.path] if isinstance(spec.path, str) else list(spec.path)
    out: list[Path] = []
    for pat in patterns:
        p = Path(os.path.expanduser(pat))
        if not p.is_absolute():
            p = root / p
        if any(ch in pat for ch in "*?["):
            hits = [Path(h) for h in sorted(glob.glob(str(p), recursive=True))]
            hits = [h for h in hits if h.is_file() and kind_of(h)]
            if not hits:
                raise AssetError(f"{where}.path", f"glob '{pat}' matches no supported file (in {root})")
            out.extend(hits)
        elif p.is_dir():
            hits = sorted(h for h in p.iterdir() if h.is_file() and kind_of(h))
            if not hits:
                raise AssetError(f"{where}.path", f"folder '{p}' holds no supported file")
            out.extend(hits)
        elif p.is_file():
            if kind_of(p) is None:
                raise AssetError(f"{where}.path", f"'{p}' is not a supported file type")
            out.append(p)
        else:
            raise AssetError(f"{where}.path", f"'{p}' not found")
    # A collision mesh shipped next to its asset (mug_col.obj, duck_vhacd.obj) is collision data,
    # not an object of its own, when a glob or folder picks it up with its asset.
    listed = {p.resolve() for p in out}
    seen: set[Path] = set()
    unique = []
    for p in out:
        if _is_collision_file(p, listed):
            continue
        rp = p.resolve()
        if rp not in seen:
            seen.add(rp)
            unique.append(rp)
    return unique


COLLISION_SUFFIXES = ("_col", "_vhacd", "_collision")
"""File-name endings of collision meshes shipped next to their asset (``mug_col.obj``)."""


def _is_collision_file(p: Path, listed: set[Path]) -> bool:
    for suffix in COLLISION_SUFFIXES:
        if p.stem.endswith(suffix) and len(p.stem) > len(suffix):
            base = p.stem[: -len(suffix)]
            if any(q.parent == p.resolve().parent and q.stem == base for q in listed):
                return True
    return False


# ---------------------------------------------------------------------------------------------
# Loading (cached per process; the renderer reuses the same caches)


@lru_cache(maxsize=256)
def load_mesh(path: str):
    """The mesh as ``trimesh.load(path, force='mesh')`` returns it (cached).

    Raises AssetError for unreadable or empty files."""
    import trimesh

    try:
        mesh = trimesh.load(path, force="mesh")
    except Exception as e:  # trimesh raises many types for corrupt files
        raise AssetError(path, f"cannot read mesh ({e.__class__.__name__}: {str(e)[:120]})") from None
    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
        raise AssetError(path, "mesh has no triangles")
    if not np.all(np.isfinite(mesh.vertices)):
        raise AssetError(path, "mesh has non-finite vertex coordinates")
    return mesh


@lru_cache(maxsize=256)
def load_mesh_parts(path: str) -> tuple:
    """The file's geometries with scene-graph transforms applied (same coordinates as
    :func:`load_mesh`), each keeping its own material/texture, for the renderer."""
    import trimesh

    try:
        loaded = trimesh.load(path)
    except Exception as e:
        raise AssetError(path, f"cannot read mesh ({e.__class__.__name__}: {str(e)[:120]})") from None
    if isinstance(loaded, trimesh.Scene):
        parts = [g for g in loaded.dump(concatenate=False) if isinstance(g, trimesh.Trimesh)]
    else:
        parts = [loaded]
    parts = [p for p in parts if isinstance(p, trimesh.Trimesh) and len(p.faces)]
    if not parts:
        raise AssetError(path, "mesh has no triangles")
    return tuple(parts)


@lru_cache(maxsize=512)
def _read_image(path: str) -> np.ndarray:
    import cv2

    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise AssetError(path, "cannot read image (missing, corrupt or unsupported)")
    if img.dtype == np.uint16:
        img = (img / 257.0 + 0.5).astype(np.uint8)
    elif img.dtype != np.uint8:
        raise AssetError(path, f"unsupported image sample type {img.dtype}")
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    if img.shape[2] == 4:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2RGBA)
    return cv2.cvtColor(img[:, :, :3], cv2.COLOR_BGR2RGB)


def load_image_rgb(path: str) -> np.ndarray:
    """(H, W, 3) uint8 sRGB."""
    img = _read_image(path)
    return img[:, :, :3]


@lru_cache(maxsize=256)
def load_card_rgba(path: str, mode: str, key_color: tuple, key_threshold: float) -> np.ndarray:
    """(H, W, 4) uint8 sRGB + alpha of a card image.

    ``mode``: ``channel`` (the file's alpha), ``key`` (alpha 0 where the colour is within
    ``key_threshold`` of ``key_color`` *and* connected to the image border, so white details inside
    the object survive), or ``none`` (opaque)."""
    import cv2

    img = _read_image(path)
    rgb = img[:, :, :3]
    if mode == "channel":
        if img.shape[2] != 4:
            raise AssetError(path, "image has no alpha channel (use alpha: key or auto)")
        return img.copy()
    alpha = np.full(rgb.shape[:2], 255, np.uint8)
    if mode == "key":
        key = np.asarray(key_color, np.float32) * 255.0
        close = np.max(np.abs(rgb.astype(np.float32) - key), axis=2) <= key_threshold * 255.0
        n, labels = cv2.connectedComponents(close.astype(np.uint8), connectivity=4)
        border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
        background = np.isin(labels, border[border > 0]) & close
        alpha[background] = 0
    return np.dstack([rgb, alpha])


# ---------------------------------------------------------------------------------------------


def _object_frame(mesh, spec: AssetSetSpec) -> MeshInfo:
    T = np.eye(4)
    if spec.up_axis == "y":
        T[:3, :3] = np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]], float)  # +90° about x: y → z
    hull_src = mesh.convex_hull.vertices if len(mesh.vertices) > 64 else mesh.vertices
    pts = hull_src @ T[:3, :3].T
    lo, hi = pts.min(0), pts.max(0)
    s = 1.0
    if spec.normalize is not None:
        ext = hi - lo
        measure = {"max": ext.max(), "height": ext[2], "diagonal": np.linalg.norm(ext)}[
            spec.normalize.measure]
        if measure <= 0:
            raise AssetError(mesh.metadata.get("file_path", "mesh"), "mesh is flat; cannot normalise")
        s = spec.normalize.size / measure
    S = np.diag([s, s, s, 1.0])
    T = S @ T
    lo, hi = lo * s, hi * s
    if spec.origin == "base":
        shift = np.array([-(lo[0] + hi[0]) / 2, -(lo[1] + hi[1]) / 2, -lo[2]])
    elif spec.origin == "center":
        shift = -(lo + hi) / 2
    else:
        shift = np.zeros(3)
    Tt = np.eye(4)
    Tt[:3, 3] = shift
    T = Tt @ T
    hull = pts * s + shift
    return MeshInfo(T_obj_asset=T, hull=hull, bounds=np.stack([hull.min(0), hull.max(0)]),
                    bounds_file=np.asarray(mesh.bounds, float))


def build_catalog(loaded: LoadedTemplate, open_files: bool = True) -> Catalog:
    """Resolve every asset set the template uses and (by default) open every file.

    Raises
    ------
    AssetError, TemplateError
        Naming the template place (``assets.mugs.path``) or the file.
    """
    t = loaded.template
    sets: dict[str, list[AssetEntry]] = {}
    for name, spec in t.assets.items():
        where = f"assets.{name}"
        paths = resolve_paths(spec, loaded.asset_root, where)
        kinds = {kind_of(p) for p in paths}
        if spec.kind is not None:
            wrong = [p for p in paths if kind_of(p) != spec.kind]
            if wrong:
                raise AssetError(f"{where}.path", f"'{wrong[0]}' is not a {spec.kind} file")
            kind = spec.kind
        elif len(kinds) > 1:
            raise AssetError(f"{where}.path", f"mixes {' and '.join(sorted(kinds))} files; set kind")
        else:
            kind = kinds.pop()
        stems = [p.stem for p in paths]
        for w in spec.weights:
            if w not in stems:
                raise TemplateError(f"{where}.weights.{w}", f"no file with stem '{w}' in the set")
        for w in spec.keypoints:
            if w not in stems:
                raise TemplateError(f"{where}.keypoints.{w}", f"no file with stem '{w}' in the set")
        entries = []
        for p in paths:
            cat = spec.category or name
            if cat == "{stem}":
                cat = p.stem
            entries.append(AssetEntry(str(p), p.stem, kind, float(spec.weights.get(p.stem, 1.0)), cat, name))
        if sum(e.weight for e in entries) <= 0:
            raise TemplateError(f"{where}.weights", "all weights are 0")
        sets[name] = entries

    # Kind checks that need the resolved files.
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
                        raise TemplateError(f"objects[{i}].{field}",
                                            "only cards have this size; scale meshes with scale "
                                            "or the asset set's normalize")
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
                        f"{', '.join(names)} (and is not in absent_values)")
        if o.material and o.material.texture and set_kind(o.material.texture) != "image":
            raise TemplateError(f"objects[{i}].material.texture", "needs an image asset set")
    for i, b in enumerate(t.backdrops):
        for tx in (b.texture if isinstance(b.texture, list) else [b.texture]):
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
                            f"asset set '{tx.image}'")

    cat = Catalog(sets=sets, categories=categories)
    if open_files:
        for name, entries in sets.items():
            spec = t.assets[name]
            for e in entries:
                if e.kind == "mesh":
                    mesh = load_mesh(e.path)
                    load_mesh_parts(e.path)
                    cat.mesh_info[(name, e.path)] = _object_frame(mesh, spec)
                elif e.kind == "image":
                    img = _read_image(e.path)
                    cat.image_info[e.path] = ImageInfo(img.shape[1], img.shape[0], img.shape[2] == 4)
                else:
                    load_hdri(e.path)
    return cat
