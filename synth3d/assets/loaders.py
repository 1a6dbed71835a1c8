"""Opening asset files (cached per process; the renderer reuses the same caches).

Meshes through trimesh — OBJ materials completed from their ``.mtl`` files
(:mod:`synth3d.assets.mtl`), glTF tangents and material extras that trimesh drops
(:mod:`synth3d.assets.gltf`), URDF files as their link's visual meshes
(:mod:`synth3d.assets.urdf`) — and images through OpenCV. Every failure is an
:class:`~synth3d.errors.AssetError` naming the file.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..asset_paths import resolve_asset
from ..errors import AssetError
from .images import imread

MAX_COORDINATE = 1e6
"""Largest vertex coordinate accepted in a mesh file (a kilometre in metres, a metre in µm):
beyond it float32 GL coordinates lose all precision (and 1e38 overflows when transformed)."""


def check_vertices(path: str, vertices) -> None:
    """Raise AssetError naming ``path`` for NaN / infinite / absurdly large vertex
    coordinates, which would otherwise surface as an impossible placement much later."""
    v = np.asarray(vertices, np.float64)
    finite = np.isfinite(v)
    if not finite.all():
        bad = int((~finite).any(axis=1).sum())
        raise AssetError(
            path, f"mesh has {bad} vertex(es) with non-finite coordinates (NaN or infinite)"
        )
    if v.size and np.abs(v).max() > MAX_COORDINATE:
        raise AssetError(
            path,
            f"mesh has vertex coordinates up to {np.abs(v).max():.3g}, beyond "
            f"±{MAX_COORDINATE:g} (wrong units? rescale the file; normalize "
            "rescales only sane meshes)",
        )


def _read_error(path: str, e: Exception) -> AssetError:
    return AssetError(path, f"cannot read mesh ({e.__class__.__name__}: {str(e)[:120]})")


@lru_cache(maxsize=256)
def _load_mesh_cached(path: str):
    """The mesh as ``trimesh.load(path, force='mesh')`` returns it (cached); for a URDF, its
    link's visual meshes placed by their origins and scales, in one mesh.

    Raises AssetError for unreadable or empty files."""
    import warnings

    import trimesh

    if path.lower().endswith(".urdf"):
        mesh = trimesh.util.concatenate(
            [trimesh.Trimesh(g.vertices, g.faces, process=False) for g in load_mesh_parts(path)]
        )
    else:
        # trimesh's processing silently drops non-finite vertices (and the faces using them), so
        # the file's vertices are checked as written first (a second, unprocessed load).
        try:
            raw = trimesh.load(path, force="mesh", process=False)
        except Exception:  # noqa: BLE001 — reported by the processed load below
            raw = None
        if raw is not None and hasattr(raw, "vertices"):
            check_vertices(path, raw.vertices)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                mesh = trimesh.load(path, force="mesh")
        except Exception as e:  # trimesh raises many types for corrupt files
            raise _read_error(path, e) from None
    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
        raise AssetError(path, "mesh has no triangles")
    check_vertices(path, mesh.vertices)
    return mesh


def _file_parts(path: str) -> list:
    import trimesh

    if path.lower().endswith((".glb", ".gltf")):
        from .gltf import gltf_parts

        try:
            return gltf_parts(path)
        except Exception as e:
            raise _read_error(path, e) from None
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
def _load_mesh_parts_cached(path: str) -> tuple:
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
    for p in parts:
        check_vertices(path, p.vertices)
    return tuple(parts)


@lru_cache(maxsize=512)
def _read_image_cached(path: str) -> np.ndarray:
    import cv2

    img = imread(path, cv2.IMREAD_UNCHANGED)
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
def _load_card_rgba_cached(
    path: str, mode: str, key_color: tuple, key_threshold: float, matte: tuple | None = None
) -> np.ndarray:
    """(H, W, 4) uint8 sRGB + straight alpha of a card image (see :func:`load_card_rgba`)."""
    from .matting import DEFAULT, Matte, key_matte, refine_alpha

    m = Matte(*matte) if matte else DEFAULT
    img = _read_image(path)
    rgb = img[:, :, :3]
    if mode == "channel":
        if img.shape[2] != 4:
            raise AssetError(path, "image has no alpha channel (use alpha: key or auto)")
        if not (m.erode_px or m.feather_px):
            return img.copy()
        alpha = img[:, :, 3].astype(np.float32) / 255.0
    elif mode == "key":
        rgb, alpha = key_matte(rgb, key_color, key_threshold, m)
    else:
        alpha = np.ones(rgb.shape[:2], np.float32)
    alpha = refine_alpha(alpha, m.erode_px, m.feather_px)
    return np.dstack([rgb, np.round(alpha * 255.0).astype(np.uint8)])


# The public loaders resolve ``@NAME/…`` asset paths (see :mod:`synth3d.asset_paths`) before the
# caches, so a cache entry is always one file.


def load_mesh(path: str):
    """The mesh as ``trimesh.load(path, force='mesh')`` returns it (cached); for a URDF, its
    link's visual meshes placed by their origins and scales, in one mesh. Raises AssetError for
    unreadable or empty files."""
    return _load_mesh_cached(resolve_asset(path))


def load_mesh_parts(path: str) -> tuple:
    """The file's geometries with scene-graph transforms applied (same coordinates as
    :func:`load_mesh`), each keeping its own material/texture, for the renderer. OBJ materials
    get what trimesh leaves out of their ``.mtl`` (see :mod:`synth3d.assets.mtl`); a URDF gives
    its link's visual meshes."""
    return _load_mesh_parts_cached(resolve_asset(path))


def _read_image(path: str) -> np.ndarray:
    return _read_image_cached(resolve_asset(path))


def load_card_rgba(
    path: str, mode: str, key_color: tuple, key_threshold: float, matte: tuple | None = None
) -> np.ndarray:
    """(H, W, 4) uint8 sRGB + straight alpha of a card image.

    ``mode``: ``channel`` (the file's alpha), ``key`` (alpha 0 where the colour is within
    ``key_threshold`` of ``key_color`` *and* connected to the image border, so white details inside
    the object survive; the edge unmixed from the key colour, see :mod:`synth3d.assets.matting`),
    or ``none`` (opaque). ``matte``: the fields of :class:`~synth3d.assets.matting.Matte` as a
    tuple (None: its defaults); its erosion and feathering apply to every mode."""
    return _load_card_rgba_cached(resolve_asset(path), mode, key_color, key_threshold, matte)


load_mesh.cache_clear = _load_mesh_cached.cache_clear  # type: ignore[attr-defined]
load_mesh_parts.cache_clear = _load_mesh_parts_cached.cache_clear  # type: ignore[attr-defined]
