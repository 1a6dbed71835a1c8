"""Collision shapes of assets: convex pieces, built once per asset and cached on disk.

A collision shape is a list of convex pieces (vertex arrays, in the asset file's own coordinates as
:func:`synth3d.assets.catalog.load_mesh` returns them). How they are made (``method``):

- ``file``: a collision mesh the asset set ships next to the asset — ``NAME_col.*``,
  ``NAME_vhacd.*`` or ``NAME_collision.*`` (any mesh extension); each connected component of that
  file is one convex piece (its hull), as V-HACD writes them.
- ``hull``: the convex hull of the whole mesh.
- ``coacd``: an approximate convex decomposition (CoACD, Wei et al. 2022) — for concave objects
  (bins, mugs, toys).
- ``box``: the mesh's axis-aligned bounding box.
- ``auto``: ``file`` when such a file exists, else ``hull`` when the mesh fills at least
  ``convex_ratio`` of its hull's volume (near-convex), else ``coacd``.

Pieces are cached in ``$SYNTH3D_COLLISION_CACHE`` (default ``$XDG_CACHE_HOME/synth3d/collision`` or
``~/.cache/synth3d/collision``; a template's ``physics.cache_dir`` overrides both) under a key made
of the asset file's content hash and every parameter, so a second run never decomposes again.
:data:`STATS` counts cache hits, misses and builds in this process.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..errors import AssetError
from .catalog import COLLISION_SUFFIXES, load_mesh

CACHE_VERSION = 1
MESH_EXT = (".obj", ".stl", ".ply", ".glb", ".gltf", ".off")


@dataclass(frozen=True)
class CollisionParams:
    """How an asset's collision shape is made (see the module docstring)."""

    method: str = "auto"
    convex_ratio: float = 0.85
    threshold: float = 0.08
    max_pieces: int = 16
    resolution: int = 30
    max_piece_vertices: int = 64
    seed: int = 0


@dataclass
class CacheStats:
    """Counts of collision-shape look-ups in this process: ``hits`` (read from the disk cache),
    ``built`` (computed and stored), ``memory`` (already loaded in this process)."""

    hits: int = 0
    built: int = 0
    memory: int = 0
    seconds_building: float = 0.0

    def summary(self) -> str:
        return (
            f"collision shapes: {self.hits} from the cache, {self.built} built "
            f"({self.seconds_building:.1f} s)"
        )


STATS = CacheStats()
_MEMO: dict[tuple, tuple[np.ndarray, ...]] = {}
_KEYS: dict[tuple, tuple] = {}
"""Cache keys already computed in this process, by the asset's path, size and modification time,
its folder's modification time (a collision file added or removed) and the parameters: a
frame's look-up then costs three ``stat`` calls instead of hashing the file."""
_LOCK = threading.Lock()


def default_cache_dir() -> Path:
    """``$SYNTH3D_COLLISION_CACHE``, else ``$XDG_CACHE_HOME/synth3d/collision``, else
    ``~/.cache/synth3d/collision``."""
    env = os.environ.get("SYNTH3D_COLLISION_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "synth3d" / "collision"


def _file_hash(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def collision_file(path: str) -> str | None:
    """The collision mesh shipped next to ``path`` (``NAME_col.obj``, ``NAME_vhacd.obj``, ...)
    or None."""
    p = Path(path)
    for suffix in COLLISION_SUFFIXES:
        for ext in (p.suffix.lower(),) + MESH_EXT:
            c = p.with_name(f"{p.stem}{suffix}{ext}")
            if c.is_file():
                return str(c)
    return None


def _hull_vertices(v: np.ndarray, max_vertices: int) -> np.ndarray | None:
    """Vertices of the convex hull of ``v`` (at most ``max_vertices``, by farthest-point
    thinning of the hull's vertices), or None for a degenerate (flat) set."""
    from scipy.spatial import ConvexHull, QhullError

    v = np.asarray(v, np.float64)
    if len(v) < 4:
        return None
    try:
        hull = ConvexHull(v)
    except (QhullError, ValueError):
        return None
    if hull.volume <= 1e-12 * max(1e-30, np.ptp(v, axis=0).max() ** 3):
        return None
    pts = v[hull.vertices]
    if len(pts) > max_vertices:
        # Farthest-point thinning keeps the extreme points, so the hull shrinks very little.
        keep = [int(np.argmax(np.linalg.norm(pts - pts.mean(0), axis=1)))]
        d = np.linalg.norm(pts - pts[keep[0]], axis=1)
        while len(keep) < max_vertices:
            k = int(np.argmax(d))
            keep.append(k)
            d = np.minimum(d, np.linalg.norm(pts - pts[k], axis=1))
        pts = pts[sorted(keep)]
    return pts


def _pieces_file(cfile: str, params: CollisionParams) -> list[np.ndarray]:
    import trimesh

    try:
        mesh = trimesh.load(cfile, force="mesh")
    except Exception as e:
        raise AssetError(cfile, f"cannot read collision mesh ({e.__class__.__name__})") from None
    parts = mesh.split(only_watertight=False) if len(mesh.faces) else []
    pieces = [
        h
        for h in (_hull_vertices(p.vertices, params.max_piece_vertices) for p in parts)
        if h is not None
    ]
    if not pieces:
        raise AssetError(cfile, "collision mesh has no solid piece")
    return pieces


def _pieces_coacd(mesh, params: CollisionParams) -> list[np.ndarray]:
    import coacd

    coacd.set_log_level("error")
    m = coacd.Mesh(np.asarray(mesh.vertices, np.float64), np.asarray(mesh.faces, np.int64))
    parts = coacd.run_coacd(
        m,
        threshold=params.threshold,
        max_convex_hull=params.max_pieces,
        preprocess_resolution=params.resolution,
        resolution=1000,
        mcts_iterations=60,
        mcts_max_depth=2,
        mcts_nodes=12,
        max_ch_vertex=params.max_piece_vertices,
        seed=params.seed,
    )
    pieces = [
        h
        for h in (_hull_vertices(v, params.max_piece_vertices) for v, _f in parts)
        if h is not None
    ]
    return pieces


def build_pieces(path: str, params: CollisionParams) -> tuple[list[np.ndarray], str]:
    """Compute the convex pieces of ``path`` (no cache). Returns (pieces, method used)."""
    mesh = load_mesh(path)
    method = params.method
    cfile = collision_file(path) if method in ("auto", "file") else None
    if method == "file" and cfile is None:
        raise AssetError(
            path,
            "collision method 'file' needs a collision mesh next to it ("
            + ", ".join(f"{Path(path).stem}{s}.obj" for s in COLLISION_SUFFIXES)
            + ")",
        )
    if cfile is not None:
        return _pieces_file(cfile, params), "file"
    v = np.asarray(mesh.vertices, np.float64)
    if method == "box":
        lo, hi = v.min(0), v.max(0)
        return [_box_corners(lo, hi)], "box"
    hull = _hull_vertices(v, params.max_piece_vertices)
    if hull is None:  # a flat mesh: give it a 1 mm-thick box
        lo, hi = v.min(0), v.max(0)
        pad = np.where(hi - lo < 1e-3 * max(1e-9, (hi - lo).max()), 5e-4 * (hi - lo).max(), 0)
        lo, hi = lo - pad, hi + pad
        return [_box_corners(lo, hi)], "box"
    if method == "hull":
        return [hull], "hull"
    if method == "auto":
        ratio = 0.0
        if mesh.is_volume:
            ratio = abs(float(mesh.volume)) / max(float(mesh.convex_hull.volume), 1e-30)
        if ratio >= params.convex_ratio:
            return [hull], "hull"
    pieces = _pieces_coacd(mesh, params)
    if not pieces:
        return [hull], "hull"
    return pieces, "coacd"


def _stamp(path: str) -> tuple:
    st = os.stat(path)
    return (st.st_size, st.st_mtime_ns)


def _cache_key(path: str, params: CollisionParams) -> str:
    """The disk-cache key: the asset file's content hash (and the named collision file's, when
    there is one) with every parameter; remembered per file stamp (:data:`_KEYS`)."""
    stamp = (path, params, _stamp(path), _stamp(os.path.dirname(path) or "."))
    with _LOCK:
        known = _KEYS.get(stamp)
    if known is not None:
        cfile, cstamp, key = known
        if cfile is None or _stamp(cfile) == cstamp:
            return key
    cfile = collision_file(path) if params.method in ("auto", "file") else None
    key_src = {
        "v": CACHE_VERSION,
        "asset": _file_hash(path),
        "params": asdict(params),
        "collision_file": _file_hash(cfile) if cfile else None,
    }
    key = hashlib.sha256(json.dumps(key_src, sort_keys=True).encode()).hexdigest()[:32]
    with _LOCK:
        _KEYS[stamp] = (cfile, _stamp(cfile) if cfile else None, key)
    return key


def collision_pieces(
    path: str,
    params: CollisionParams = CollisionParams(),
    cache_dir: str | os.PathLike | None = None,
) -> tuple[np.ndarray, ...]:
    """Convex pieces of an asset's collision shape: a tuple of (N_i, 3) float64 vertex arrays in
    the file's coordinates, from memory, the disk cache, or built (and stored).

    The cache key hashes the asset file's bytes (and the named collision file's, when there is
    one) with every parameter."""
    import time

    cdir = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    key = _cache_key(path, params)
    memo_key = (str(cdir), key)
    with _LOCK:
        if memo_key in _MEMO:
            STATS.memory += 1
            return _MEMO[memo_key]
    f = cdir / f"{key}.npz"
    pieces = None
    if f.is_file():
        try:
            with np.load(f) as z:
                pieces = tuple(z[f"p{i}"] for i in range(int(z["n"])))
            STATS.hits += 1
        except Exception:  # a torn or foreign file: rebuild it
            pieces = None
    if pieces is None:
        t0 = time.perf_counter()
        built, _method = build_pieces(path, params)
        pieces = tuple(np.asarray(p, np.float64) for p in built)
        STATS.built += 1
        STATS.seconds_building += time.perf_counter() - t0
        try:
            cdir.mkdir(parents=True, exist_ok=True)
            tmp = cdir / f".{key}.{os.getpid()}-{threading.get_ident()}.npz"
            np.savez(tmp, n=len(pieces), **{f"p{i}": p for i, p in enumerate(pieces)})
            os.replace(tmp, f)
        except OSError:
            pass  # an unwritable cache only costs time
    with _LOCK:
        _MEMO[memo_key] = pieces
    return pieces


__all__ = [
    "CollisionParams",
    "STATS",
    "build_pieces",
    "collision_file",
    "collision_pieces",
    "default_cache_dir",
]


def _box_corners(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The 8 corners (8, 3) of the axis-aligned box [lo, hi]."""
    return np.array(
        [[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])]
    )
