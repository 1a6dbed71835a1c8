"""Geometry facts of mesh assets: what the index cache stores about a file, and the object frame
(up axis, units, true size or normalisation, origin) the sampler places it by."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..errors import AssetError
from ..template.schema import AssetSetSpec
from .loaders import load_mesh, load_mesh_parts


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


UP_ROTATIONS = {
    "z": np.eye(3),
    "y": np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]], float),  # +90° about x: y → z
    "-y": np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]], float),
    "x": np.array([[0, 0, -1], [0, 1, 0], [1, 0, 0]], float),  # −90° about y: x → z
    "-x": np.array([[0, 0, 1], [0, 1, 0], [-1, 0, 0]], float),
    "-z": np.diag([1.0, -1.0, -1.0]),
}


def object_frame(
    hull_src: np.ndarray,
    bounds_file: np.ndarray,
    spec: AssetSetSpec,
    entry=None,
    where: str = "mesh",
) -> MeshInfo:
    """The object frame of a mesh from its index facts (hull points and box in file
    coordinates): up axis turned to +z, units to metres, true size or ``normalize``, origin.
    ``entry``: the :class:`~synth3d.assets.catalog.AssetEntry` (its up axis, units, size)."""
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
    if (
        target is None
        and spec.normalize is not None
        and not (entry is not None and entry.size_known)
    ):
        target = spec.normalize.size
    if target is not None:
        ext = hi - lo
        measure = {"max": ext.max(), "height": ext[2], "diagonal": np.linalg.norm(ext)}[
            spec.normalize.measure if spec.normalize is not None else "max"
        ]
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
    return MeshInfo(
        T_obj_asset=T,
        hull=hull,
        bounds=np.stack([hull.min(0), hull.max(0)]),
        bounds_file=np.asarray(bounds_file, float),
    )


def _object_frame(mesh, spec: AssetSetSpec) -> MeshInfo:
    hull_src = mesh.convex_hull.vertices if len(mesh.vertices) > 64 else mesh.vertices
    return object_frame(
        np.asarray(hull_src, float), mesh.bounds, spec, where=mesh.metadata.get("file_path", "mesh")
    )


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
    mats = {
        "parts": len(parts),
        "textured": 0,
        "vertex_colors": 0,
        "missing": [],
        "normal_maps": 0,
        "textures": [],
    }
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

        objs = (
            [path]
            if path.lower().endswith(".obj")
            else [m for m in mesh_deps(path) if m.lower().endswith(".obj")]
        )
        for o in objs:
            if not os.path.isfile(o):
                continue
            found, missing = obj_materials(o)
            mats["missing"] += missing
            for mt in found.values():
                mats["textures"] += [v for k, v in mt.maps.items() if k in ("map_kd", "map_d")]
                mats["normal_maps"] += sum(k in ("bump", "norm") for k in mt.maps)
    return MeshFacts(
        np.asarray(hull_src, float), np.asarray(mesh.bounds, float), len(mesh.faces), mats
    )
