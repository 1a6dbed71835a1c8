"""glTF files: what trimesh's glTF reader leaves out.

trimesh (5.x) reads a glTF's geometry and core PBR material but drops the per-vertex ``TANGENT``
attribute, the ``scale`` of a ``normalTexture``, the ``strength`` of an ``occlusionTexture`` and
the material extensions ``KHR_materials_transmission`` and ``KHR_materials_ior``. Here the file's
JSON is read first and handed to trimesh slightly rewritten:

- ``TANGENT`` attributes are renamed ``_TANGENT``, which trimesh keeps as a custom vertex
  attribute (aligned with the vertices through its processing);
- every material's name is replaced by a tag for the duration of the load, so that each loaded
  geometry can be matched to its glTF material (and the name restored).

:func:`gltf_parts` then places the geometries by their scene-graph transforms (as trimesh's
``Scene.dump`` does), rotating the tangents with them, and returns per part
``geom.vertex_attributes["tangent"]`` ((n, 4) float32, xyz unit tangent along +u, w = ±1 the
bitangent's handedness: ``B = w · N × T``) when the file stores tangents, and
``geom.metadata["gltf_material"]`` = :class:`GltfMaterialExtras` of its material.
"""

from __future__ import annotations

import io
import json
import os
import struct
from dataclasses import dataclass

import numpy as np

_TAG = "synth3d-gltf-material-"


@dataclass(frozen=True)
class GltfMaterialExtras:
    """Material values of a glTF file that trimesh's ``PBRMaterial`` does not keep."""

    name: str | None = None
    normal_scale: float = 1.0
    occlusion_strength: float = 1.0
    transmission: float = 0.0  # KHR_materials_transmission.transmissionFactor (0 when absent)
    ior: float = 1.5  # KHR_materials_ior.ior (1.5, the extension's default, when absent)


def material_extras(mat: dict) -> GltfMaterialExtras:
    """The extras of one glTF material (its JSON object)."""
    ext = mat.get("extensions") or {}
    tr = ext.get("KHR_materials_transmission") or {}
    ior = ext.get("KHR_materials_ior") or {}
    return GltfMaterialExtras(
        name=mat.get("name"),
        normal_scale=float((mat.get("normalTexture") or {}).get("scale", 1.0)),
        occlusion_strength=float((mat.get("occlusionTexture") or {}).get("strength", 1.0)),
        transmission=float(tr.get("transmissionFactor", 0.0)),
        ior=float(ior.get("ior", 1.5)),
    )


def _split_glb(raw: bytes) -> tuple[dict, bytes | None]:
    """The JSON header and the binary chunk (or None) of a ``.glb`` file."""
    magic, _version, _length = struct.unpack_from("<4sII", raw, 0)
    if magic != b"glTF":
        raise ValueError("not a binary glTF file")
    n, kind = struct.unpack_from("<I4s", raw, 12)
    if kind != b"JSON":
        raise ValueError("first glb chunk is not JSON")
    header = json.loads(raw[20 : 20 + n].decode("utf-8"))
    off = 20 + n
    binary = None
    if off + 8 <= len(raw):
        m, kind = struct.unpack_from("<I4s", raw, off)
        if kind == b"BIN\x00":
            binary = raw[off + 8 : off + 8 + m]
    return header, binary


def _join_glb(header: dict, binary: bytes | None) -> bytes:
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 4)
    chunks = struct.pack("<I4s", len(text), b"JSON") + text
    if binary is not None:
        binary = binary + b"\x00" * (-len(binary) % 4)
        chunks += struct.pack("<I4s", len(binary), b"BIN\x00") + binary
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks


def _rewrite(header: dict) -> list[GltfMaterialExtras]:
    """Rename TANGENT to _TANGENT and tag the materials (in place); the materials' extras."""
    extras = []
    for i, mat in enumerate(header.get("materials") or []):
        extras.append(material_extras(mat))
        mat["name"] = f"{_TAG}{i}"
    for mesh in header.get("meshes") or []:
        for prim in mesh.get("primitives") or []:
            attrs = prim.get("attributes") or {}
            if "TANGENT" in attrs:
                attrs["_TANGENT"] = attrs.pop("TANGENT")
    return extras


def load_gltf_scene(path: str):
    """``(trimesh.Scene, [GltfMaterialExtras by material index])`` of a ``.glb``/``.gltf``."""
    import trimesh

    with open(path, "rb") as f:
        raw = f.read()
    resolver = trimesh.resolvers.FilePathResolver(os.path.abspath(path))
    if raw[:4] == b"glTF":
        header, binary = _split_glb(raw)
        extras = _rewrite(header)
        data, kind = _join_glb(header, binary), "glb"
    else:
        header = json.loads(raw.decode("utf-8"))
        extras = _rewrite(header)
        data, kind = json.dumps(header).encode("utf-8"), "gltf"
    scene = trimesh.load(io.BytesIO(data), file_type=kind, resolver=resolver, force="scene")
    return scene, extras


def _place(geom, T: np.ndarray, extras: list[GltfMaterialExtras]):
    """A copy of ``geom`` moved by ``T``, with its tangents and material extras attached."""
    tangents = None
    attrs = getattr(geom, "vertex_attributes", None) or {}
    raw = attrs.get("_TANGENT")
    if raw is not None and len(raw) == len(geom.vertices):
        tangents = np.asarray(raw, np.float64).reshape(len(geom.vertices), -1)
    g = geom.copy()
    g.vertex_attributes.pop("_TANGENT", None)
    g.apply_transform(T)
    mat = getattr(g.visual, "material", None)
    name = getattr(mat, "name", None) or ""
    ex = GltfMaterialExtras()
    if name.startswith(_TAG):
        ex = extras[int(name[len(_TAG) :])]
        mat.name = ex.name
    g.metadata["gltf_material"] = ex
    if tangents is not None and tangents.shape[1] == 4:
        R = T[:3, :3]
        t = tangents[:, :3] @ R.T
        t /= np.maximum(np.linalg.norm(t, axis=1, keepdims=True), 1e-12)
        w = np.where(tangents[:, 3] < 0, -1.0, 1.0) * np.sign(np.linalg.det(R) or 1.0)
        g.vertex_attributes["tangent"] = np.column_stack([t, w]).astype(np.float32)
    return g


def gltf_parts(path: str) -> list:
    """The triangle geometries of a glTF file, placed by the scene graph, with their tangents and
    material extras (see the module doc)."""
    import trimesh

    scene, extras = load_gltf_scene(path)
    parts = []
    for node in scene.graph.nodes_geometry:
        T, name = scene.graph[node]
        geom = scene.geometry.get(name)
        if isinstance(geom, trimesh.Trimesh) and len(geom.faces):
            parts.append(_place(geom, np.asarray(T, np.float64), extras))
    return parts
