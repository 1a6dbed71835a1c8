"""Asset catalog: resolves asset sets to files, assigns categories, and opens every file once.

The catalog is built in the preflight step, before the first frame: a missing, empty or corrupt file
raises :class:`~synth3d.errors.AssetError` naming the asset set and the file.
"""
from __future__ import annotations

import glob
import os
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..envmap import load_hdri  # noqa: F401 — part of this module's API (asset files by kind)
from ..errors import AssetError, AssetWarning, TemplateError
from ..template.loading import LoadedTemplate
from ..template.schema import AssetSetSpec

MESH_EXT = {".obj", ".glb", ".gltf", ".ply", ".stl", ".off", ".urdf"}
IMAGE_EXT = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"}
HDRI_EXT = {".hdr", ".exr"}


def kind_of(path: Path | str) -> str | None:
    ext = os.path.splitext(path)[1].lower()
    if ext in MESH_EXT:
        return "mesh"
    if ext in IMAGE_EXT:
        return "image"
    if ext in HDRI_EXT:
        return "hdri"
    return None


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
class MeshInfo:
    """Geometry facts the sampler needs, in the *object frame* (after up-axis rotation,
    normalisation and origin shift): ``T_obj_asset`` maps file coordinates to it, ``hull`` holds
    (N, 3) convex-hull vertices there (lowest point, image-space boxes), ``bounds`` is (2, 3)."""

    T_obj_asset: np.ndarray
    hull: np.ndarray
    bounds: np.ndarray
    bounds_file: np.ndarray


class LazyMeshInfo(Mapping):
    """(set name, path) → :class:`MeshInfo`, each made from the index facts when first asked
    for, so that a library of thousands of assets starts in a fraction of a second; the values
    are the same as if made up front."""

    def __init__(self):
        self._src: dict = {}
        self._done: dict = {}

    def add(self, key, facts, spec, entry) -> None:
        self._src[key] = (facts, spec, entry)

    def __getitem__(self, key) -> MeshInfo:
        info = self._done.get(key)
        if info is None:
            f, spec, e = self._src[key]
            info = object_frame(f.hull, f.bounds, spec, e, e.path)
            self._done[key] = info
        return info

    def __setitem__(self, key, info: MeshInfo) -> None:
        self._src.setdefault(key, None)
        self._done[key] = info

    def __iter__(self):
        return iter(self._src)

    def __len__(self) -> int:
        return len(self._src)


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

    def category_names(self) -> dict[int, str]:
        return {i: n for n, i in self.categories.items()}


def _walk(folder: str) -> list[str]:
    """Supported files under ``folder`` and its subfolders, in a fixed (sorted) order; hidden
    files and folders are left out."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for f in filenames:
            if not f.startswith(".") and kind_of(f):
                out.append(os.path.join(dirpath, f))
    return sorted(out)


def _glob_base(pattern: Path) -> Path:
    parts = []
    for part in pattern.parts:
        if any(ch in part for ch in "*?["):
            break
        parts.append(part)
    return Path(*parts) if parts else Path(".")


def set_files(spec: AssetSetSpec, root: Path, where: str) -> list[tuple[str, str, bool]]:
    """``(file, the folder it was found in, found by scanning a folder)`` of one asset set, in
    order, de-duplicated, as absolute paths with links resolved; the folder is what ``{dir0}``,
    ``category_regex`` and sidecar paths are relative to."""
    patterns = [spec.path] if isinstance(spec.path, str) else list(spec.path)
    out: list[tuple[str, str, bool]] = []
    for pat in patterns:
        p = Path(os.path.expanduser(pat))
        if not p.is_absolute():
            p = root / p
        if any(ch in pat for ch in "*?["):
            hits = [Path(h) for h in sorted(glob.glob(str(p), recursive=True))]
            hits = [h for h in hits if h.is_file() and kind_of(h)]
            if not hits:
                raise AssetError(f"{where}.path", f"glob '{pat}' matches no supported file (in {root})")
            base = str(_glob_base(p).resolve())
            out.extend((str(h.resolve()), base, False) for h in hits)
        elif p.is_dir():
            # Resolve the folder once: a library of thousands of files is listed, not resolved.
            folder = os.path.realpath(p)
            hits = _walk(folder)
            if not hits:
                raise AssetError(f"{where}.path", f"folder '{p}' holds no supported file (in it "
                                 "or its subfolders)")
            out.extend((h, folder, True) for h in hits)
        elif p.is_file():
            if kind_of(p) is None:
                raise AssetError(f"{where}.path", f"'{p}' is not a supported file type")
            rp = p.resolve()
            out.append((str(rp), str(rp.parent), False))
        else:
            raise AssetError(f"{where}.path", f"'{p}' not found")
    seen: set[str] = set()
    unique = []
    for f in out:
        if f[0] not in seen:
            seen.add(f[0])
            unique.append(f)
    return unique


def resolve_paths(spec: AssetSetSpec, root: Path, where: str) -> list[Path]:
    """Files of one asset set, in order, de-duplicated."""
    return [Path(p) for p, _, _ in set_files(spec, root, where)]


def _stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def object_name(path: str | Path) -> str:
    """An asset's name: the object folder of per-object layouts (GSO ``<id>/meshes/model.obj``,
    ShapeNet ``<id>/models/model_normalized.obj``), else the file stem."""
    path = str(path)
    stem = _stem(path)
    if stem in ("model", "model_normalized"):
        parent, _ = os.path.split(path)
        grand, pname = os.path.split(parent)
        if grand and ((stem == "model" and pname == "meshes")
                      or (stem == "model_normalized" and pname == "models")):
            return os.path.basename(grand)
    return stem


def category_of(spec: AssetSetSpec, set_name: str, path: str, base: str, name: str) -> str:
    """The category of a file from the set's ``category`` pattern or ``category_regex``.
    Raises AssetError when the regex does not match or a ``{dirN}`` folder does not exist."""
    if spec.category_regex is None and (spec.category is None or "{" not in spec.category):
        return spec.category or set_name
    if path.startswith(base.rstrip(os.sep) + os.sep):
        rel = path[len(base.rstrip(os.sep)) + 1:].replace(os.sep, "/")
    else:
        rel = os.path.basename(path)
    if spec.category_regex:
        m = re.search(spec.category_regex, rel)
        if m is None:
            raise AssetError(path, f"category_regex {spec.category_regex!r} does not match "
                             f"'{rel}'")
        return m.group("category") if "category" in m.re.groupindex else m.group(1)
    pat = spec.category
    dirs = rel.split("/")[:-1]
    fields = {"stem": _stem(path), "name": name, "parent": os.path.basename(os.path.dirname(path)),
              "set": set_name}
    fields.update({f"dir{i}": d for i, d in enumerate(dirs)})
    try:
        return pat.format_map(fields)
    except KeyError as e:
        raise AssetError(path, f"category {pat!r}: no folder {e.args[0]} (the file is "
                         f"{len(dirs)} folder(s) below the set's folder)") from None


# ---------------------------------------------------------------------------------------------
# Loading (cached per process; the renderer reuses the same caches)


def _read_error(path: str, e: Exception) -> AssetError:
    return AssetError(path, f"cannot read mesh ({e.__class__.__name__}: {str(e)[:120]})")


@lru_cache(maxsize=256)
def load_mesh(path: str):
    """The mesh as ``trimesh.load(path, force='mesh')`` returns it (cached); for a URDF, its
    link's visual meshes placed by their origins and scales, in one mesh.

    Raises AssetError for unreadable or empty files."""
    import trimesh

    if path.lower().endswith(".urdf"):
        mesh = trimesh.util.concatenate([trimesh.Trimesh(g.vertices, g.faces, process=False)
                                         for g in load_mesh_parts(path)])
    else:
        try:
            mesh = trimesh.load(path, force="mesh")
        except Exception as e:  # trimesh raises many types for corrupt files
            raise _read_error(path, e) from None
    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
        raise AssetError(path, "mesh has no triangles")
    if not np.all(np.isfinite(mesh.vertices)):
        raise AssetError(path, "mesh has non-finite vertex coordinates")
    return mesh


def _file_parts(path: str) -> list:
    import trimesh

    try:
        loaded = trimesh.load(path)
    except Exception as e:
        raise _read_error(path, e) from None
    if isinstance(loaded, trimesh.Scene):
        parts = [g for g in loaded.dump(concatenate=False) if isinstance(g, trimesh.Trimesh)]
    else:
        parts = [loaded]
    parts = [p for p in parts if isinstance(p, trimesh.Trimesh) and len(p.faces)]
    if path.lower().endswith(".obj"):
        from .mtl import apply_mtl

        parts = apply_mtl(path, parts)
    return parts


@lru_cache(maxsize=256)
def load_mesh_parts(path: str) -> tuple:
    """The file's geometries with scene-graph transforms applied (same coordinates as
    :func:`load_mesh`), each keeping its own material/texture, for the renderer. OBJ materials
    get what trimesh leaves out of their ``.mtl`` (alpha, textures with options; see
    :mod:`synth3d.assets.mtl`); a URDF gives its link's visual meshes."""
    if path.lower().endswith(".urdf"):
        from .urdf import load_urdf_parts

        parts = load_urdf_parts(path, _file_parts)
    else:
        parts = _file_parts(path)
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


UP_ROTATIONS = {
    "z": np.eye(3),
    "y": np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]], float),   # +90° about x: y → z
    "-y": np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]], float),
    "x": np.array([[0, 0, -1], [0, 1, 0], [1, 0, 0]], float),   # −90° about y: x → z
    "-x": np.array([[0, 0, 1], [0, 1, 0], [-1, 0, 0]], float),
    "-z": np.diag([1.0, -1.0, -1.0]),
}


def object_frame(hull_src: np.ndarray, bounds_file: np.ndarray, spec: AssetSetSpec,
                 entry: AssetEntry | None = None, where: str = "mesh") -> MeshInfo:
    """The object frame of a mesh from its index facts (hull points and box in file
    coordinates): up axis turned to +z, units to metres, true size or ``normalize``, origin."""
    up = entry.up_axis if entry is not None else spec.up_axis
    units = entry.units if entry is not None else 1.0
    T = np.eye(4)
    if up != "z":
        T[:3, :3] = UP_ROTATIONS[up]
    pts = hull_src @ T[:3, :3].T
    if units != 1.0:
        pts = pts * units
    lo, hi = pts.min(0), pts.max(0)
    s = 1.0
    target = entry.size if entry is not None and entry.size is not None else None
    if target is None and spec.normalize is not None and not (entry is not None and entry.size_known):
        target = spec.normalize.size
    if target is not None:
        ext = hi - lo
        measure = {"max": ext.max(), "height": ext[2], "diagonal": np.linalg.norm(ext)}[
            spec.normalize.measure if spec.normalize is not None else "max"]
        if measure <= 0:
            raise AssetError(where, "mesh is flat; cannot normalise")
        s = target / measure
    S = np.diag([s * units, s * units, s * units, 1.0]) if units != 1.0 else np.diag([s, s, s, 1.0])
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
                    bounds_file=np.asarray(bounds_file, float))


def _object_frame(mesh, spec: AssetSetSpec) -> MeshInfo:
    hull_src = mesh.convex_hull.vertices if len(mesh.vertices) > 64 else mesh.vertices
    return object_frame(np.asarray(hull_src, float), mesh.bounds, spec,
                        where=mesh.metadata.get("file_path", "mesh"))


def mesh_deps(path: str) -> list[str]:
    """Files a mesh file's look depends on: an OBJ's ``.mtl`` files and textures, a glTF's
    buffers and images, a URDF's meshes (and theirs)."""
    low = path.lower()
    out: list[str] = []
    try:
        if low.endswith(".obj"):
            from .mtl import obj_mtl_files, parse_mtl

            for m in obj_mtl_files(path):
                out.append(m)
                if os.path.isfile(m):
                    for mat in parse_mtl(m).values():
                        out.extend(mat.maps.values())
        elif low.endswith(".gltf"):
            import json

            with open(path, encoding="utf-8") as f:
                data = json.loads(f.read())
            base = os.path.dirname(path)
            for item in data.get("buffers", []) + data.get("images", []):
                uri = item.get("uri")
                if uri and not uri.startswith("data:"):
                    out.append(os.path.normpath(os.path.join(base, uri)))
        elif low.endswith(".urdf"):
            from .urdf import read_urdf

            for m in read_urdf(path).mesh_files():
                out.append(m)
                out.extend(mesh_deps(m))
    except (OSError, ValueError, AssetError):
        pass  # a broken dependency shows up when the file is indexed
    return list(dict.fromkeys(out))


def mesh_facts(path: str):
    """Index facts of one mesh file (opens it): hull points, box, triangles, materials, or why
    it cannot be used."""
    from .index_cache import MeshFacts

    try:
        mesh = load_mesh(path)
        parts = load_mesh_parts(path)
    except AssetError as e:
        return MeshFacts(None, None, error=e.message)
    except Exception as e:  # noqa: BLE001 — any failure of a third-party loader is the file's
        return MeshFacts(None, None, error=f"{e.__class__.__name__}: {str(e)[:120]}")
    hull_src = mesh.convex_hull.vertices if len(mesh.vertices) > 64 else mesh.vertices
    mats = {"parts": len(parts), "textured": 0, "vertex_colors": 0, "missing": [], "normal_maps": 0,
            "textures": []}
    for g in parts:
        kind = getattr(g.visual, "kind", None)
        if kind == "vertex":
            mats["vertex_colors"] += 1
        m = getattr(g.visual, "material", None)
        img = getattr(m, "image", None) if m is not None else None
        if img is None and m is not None:
            img = getattr(m, "baseColorTexture", None)
        if img is not None and getattr(g.visual, "uv", None) is not None:
            mats["textured"] += 1
    if path.lower().endswith((".obj", ".urdf")):
        from .mtl import obj_materials

        objs = [path] if path.lower().endswith(".obj") else \
            [m for m in mesh_deps(path) if m.lower().endswith(".obj")]
        for o in objs:
            if not os.path.isfile(o):
                continue
            found, missing = obj_materials(o)
            mats["missing"] += missing
            for mt in found.values():
                mats["textures"] += [v for k, v in mt.maps.items() if k in ("map_kd", "map_d")]
                mats["normal_maps"] += sum(k in ("bump", "norm") for k in mt.maps)
    return MeshFacts(np.asarray(hull_src, float), np.asarray(mesh.bounds, float), len(mesh.faces),
                     mats)


def _entry(spec: AssetSetSpec, set_name: str, path: str, base: str, kind: str, table,
           table_dir: str | None) -> AssetEntry:
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
    return AssetEntry(path, name, kind, float(1.0 if weight is None else weight), category,
                      set_name, units=units, size_known=known, size=size, up_axis=up, mass=mass,
                      friction=friction, collision=collision, keypoints=keypoints, bop=bop)


def _warn_skipped(where: str, bad: list[tuple[str, str]]) -> None:
    listing = "; ".join(f"{p} ({why})" for p, why in bad[:20])
    more = f"; and {len(bad) - 20} more" if len(bad) > 20 else ""
    warnings.warn(f"{where}: skipped {len(bad)} asset(s) that fail to load: {listing}{more}",
                  AssetWarning, stacklevel=3)


def _set_root(spec: AssetSetSpec, loaded: LoadedTemplate) -> Path:
    if spec.root is None:
        return loaded.asset_root
    r = Path(os.path.expanduser(spec.root))
    if not r.is_absolute():
        base = loaded.source.resolve().parent if loaded.source else Path.cwd()
        r = base / r
    return r.resolve()


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
    from .sidecar import read_sidecar

    t = loaded.template
    sets: dict[str, list[AssetEntry]] = {}
    roots: dict[str, str] = {"asset_root": str(loaded.asset_root)}
    skipped: list[tuple[str, str, str]] = []
    bad_by_set: dict[str, list[tuple[str, str]]] = {}
    for name, spec in t.assets.items():
        where = f"assets.{name}"
        if spec.root is not None:
            root = _set_root(spec, loaded)
            if not root.is_dir():
                raise AssetError(f"{where}.root", f"'{root}' is not a folder")
            roots[name] = str(root)
        else:
            root = loaded.asset_root
        found = set_files(spec, root, where)
        kind_list = [kind_of(p) for p, _, _ in found]
        kinds = set(kind_list)
        if spec.kind is not None:
            wrong = [p for (p, _, scanned), k in zip(found, kind_list)
                     if k != spec.kind and not scanned]
            if wrong:
                raise AssetError(f"{where}.path", f"'{wrong[0]}' is not a {spec.kind} file")
            kind = spec.kind
        elif "mesh" in kinds and all(scanned or k == "mesh"
                                     for (_, _, scanned), k in zip(found, kind_list)):
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
            # A URDF stands for the meshes it uses (visual with origin and scale; collision).
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
        inside = str(loaded.asset_root).rstrip(os.sep) + os.sep
        if spec.root is None and found and not all(p.startswith(inside) for p, _, _ in found):
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
        bad_by_set[name] = bad
        stems = [e.stem for e in entries]
        for w in spec.weights:
            if w not in stems:
                raise TemplateError(f"{where}.weights.{w}", f"no file with stem '{w}' in the set")
        for w in spec.keypoints:
            if w not in stems:
                raise TemplateError(f"{where}.keypoints.{w}", f"no file with stem '{w}' in the set")
        sets[name] = entries

    if open_files:
        from .index_cache import IndexCache

        own_cache = cache is None
        if cache is None:
            cache = IndexCache()
        elif cache is False:
            cache = IndexCache(enabled=False)
        facts: dict = {}
        try:
            for name, entries in sets.items():
                spec = t.assets[name]
                if not entries or entries[0].kind != "mesh":
                    continue
                todo = [e.path for e in entries if e.path not in facts]
                facts.update(cache.facts(todo, mesh_facts, mesh_deps))
        finally:
            if own_cache:
                cache.close()
        from .mtl import warn_missing

        for name, entries in list(sets.items()):
            spec = t.assets[name]
            if not entries or entries[0].kind != "mesh":
                continue
            keep, bad = [], bad_by_set[name]
            for e in entries:
                f = facts[e.path]
                if f.error is not None:
                    if spec.on_bad_asset == "error":
                        raise AssetError(e.path, f.error)
                    bad.append((e.path, f.error))
                    continue
                if f.missing:
                    warn_missing(e.path, f.missing)
                keep.append(e)
            sets[name] = keep
        index = {"hits": cache.hits, "misses": cache.misses, "file": cache.path}
    else:
        facts, index = {}, {}
    for name, bad in bad_by_set.items():
        if bad:
            _warn_skipped(f"assets.{name}", bad)
            skipped.extend((name, p, why) for p, why in bad)
        if not sets[name]:
            raise AssetError(f"assets.{name}", f"every asset of the set fails to load (first: "
                             f"{bad[0][0]}: {bad[0][1]})" if bad else "the set is empty")
        if sum(e.weight for e in sets[name]) <= 0:
            raise TemplateError(f"assets.{name}.weights", "all weights are 0")

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

    cat = Catalog(sets=sets, categories=categories, roots=roots, skipped=skipped, facts=facts,
                  index=index)
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
                    cat.image_info[e.path] = ImageInfo(img.shape[1], img.shape[0], img.shape[2] == 4)
                else:
                    load_hdri(e.path)
    return cat
