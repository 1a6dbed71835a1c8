"""Everything synth3d needs from pyrender, in one place.

pyrender builds vertex buffers from trimesh geometry and converts file materials; synth3d draws
with its own shaders, so it calls a few of pyrender's private ``Primitive`` methods (upload,
bind, unbind, release). Those calls live here and nowhere else, so a pyrender upgrade that
renames them touches one module.
"""

from __future__ import annotations

import ctypes

import numpy as np


def quad_primitive():
    """A unit quad in the xy plane (normal +z, UVs 0..1), uploaded to the current context."""
    pos = np.array([[-0.5, -0.5, 0], [0.5, -0.5, 0], [0.5, 0.5, 0], [-0.5, 0.5, 0]], np.float32)
    return make_primitive(
        pos,
        np.tile([0, 0, 1.0], (4, 1)).astype(np.float32),
        np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32),
        np.array([[0, 1, 2], [0, 2, 3]], np.uint32),
    )


def make_primitive(positions, normals, texcoord_0, indices):
    """A triangle primitive from arrays, uploaded to the current context."""
    import pyrender

    prim = pyrender.Primitive(
        positions=positions, normals=normals, texcoord_0=texcoord_0, indices=indices, mode=4
    )
    prim._add_to_context()
    return prim


def mesh_primitives(geom, smooth: bool, tangents=None) -> list:
    """pyrender primitives (with their converted materials) of one trimesh geometry, uploaded.

    ``tangents``: (n, 4) per-vertex tangents of ``geom`` (xyz, handedness w) to upload as the
    primitive's TANGENT attribute, or None."""
    import pyrender

    prims = list(pyrender.Mesh.from_trimesh(geom, smooth=smooth).primitives)
    for prim in prims:
        if tangents is not None:
            # pyrender's flat shading unshares the vertices face by face (as from_trimesh does)
            t = np.asarray(tangents, np.float32)
            prim.tangents = t if smooth else t[np.asarray(geom.faces)].reshape(-1, 4)
        prim._add_to_context()
    return prims


def release(prim) -> None:
    """Free a primitive's GL buffers."""
    prim._remove_from_context()


def attribute_layout(prim) -> tuple:
    """``(normal_loc, texcoord_loc, color_loc, inst_loc, tangent_loc)``: vertex attribute
    locations in the order pyrender packs a primitive's buffer (the shaders are compiled per
    layout); None for an attribute the primitive lacks."""
    loc = 1
    layout = {}
    for name, present in (
        ("normal", prim.normals is not None),
        ("tangent", prim.tangents is not None),
        ("texcoord", prim.texcoord_0 is not None),
        ("texcoord1", prim.texcoord_1 is not None),
        ("color", prim.color_0 is not None),
    ):
        if present:
            layout[name] = loc
            loc += 1
    return (
        layout.get("normal"),
        layout.get("texcoord"),
        layout.get("color"),
        loc,
        layout.get("tangent"),
    )


def draw(gl, prim) -> None:
    """Draw a primitive with the bound program (one instance)."""
    prim._bind()
    if prim.indices is not None:
        gl.glDrawElementsInstanced(
            prim.mode, prim.indices.size, gl.GL_UNSIGNED_INT, ctypes.c_void_p(0), 1
        )
    else:
        gl.glDrawArraysInstanced(prim.mode, 0, len(prim.positions), 1)
    prim._unbind()
