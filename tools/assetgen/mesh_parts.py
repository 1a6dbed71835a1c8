"""Mesh building blocks: revolved profiles, boxes, tubes, spheres, materials."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import trimesh
from PIL import Image
from trimesh.visual import TextureVisuals
from trimesh.visual.material import PBRMaterial


class MeshPart:
    """Raw mesh part (before assembly into one trimesh object).

    Parameters
    ----------
    vertices : (N, 3) float
        Positions in metres.
    faces : (F, 3) int
        Counter-clockwise (outward) triangles.
    normals : (N, 3) float
        Unit vertex normals.
    uv : (N, 2) float or None
        Texture coordinates (trimesh convention, v up).
    colors : (N, 4) uint8 or None
        Per-vertex RGBA colours.
    """

    def __init__(self, vertices, faces, normals, uv=None, colors=None):
        self.vertices = np.asarray(vertices, dtype=np.float64)
        self.faces = np.asarray(faces, dtype=np.int64)
        self.normals = np.asarray(normals, dtype=np.float64)
        self.uv = None if uv is None else np.asarray(uv, dtype=np.float64)
        self.colors = None if colors is None else np.asarray(colors, dtype=np.uint8)

    def transformed(self, matrix: np.ndarray) -> MeshPart:
        """Return a copy moved by a 4x4 rigid transform (normals rotated)."""
        m = np.asarray(matrix, dtype=float)
        v = self.vertices @ m[:3, :3].T + m[:3, 3]
        n = self.normals @ m[:3, :3].T
        return MeshPart(v, self.faces, n, self.uv, self.colors)

    def with_uv(self, uv) -> MeshPart:
        """Return a copy with all vertices using ``uv`` (scalar pair or array)."""
        uv = np.broadcast_to(np.asarray(uv, dtype=float), (len(self.vertices), 2))
        return MeshPart(self.vertices, self.faces, self.normals, uv.copy(), self.colors)

    def with_color(self, rgba) -> MeshPart:
        """Return a copy with one uniform vertex colour ``rgba`` (uint8)."""
        c = np.broadcast_to(np.asarray(rgba, dtype=np.uint8), (len(self.vertices), 4))
        return MeshPart(self.vertices, self.faces, self.normals, self.uv, c.copy())


def _assemble(parts: Sequence[MeshPart]) -> tuple[np.ndarray, ...]:
    """Stack parts into single vertex/face/normal/uv/colour arrays.

    Returns
    -------
    tuple
        ``(vertices (N,3), faces (F,3), normals (N,3), uv (N,2) or None,
        colors (N,4) or None)``; uv/colors are None unless every part has them.
    """
    offs = np.cumsum([0] + [len(p.vertices) for p in parts])[:-1]
    v = np.vstack([p.vertices for p in parts])
    f = np.vstack([p.faces + o for p, o in zip(parts, offs)])
    n = np.vstack([p.normals for p in parts])
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    uv = np.vstack([p.uv for p in parts]) if all(p.uv is not None for p in parts) else None
    col = np.vstack([p.colors for p in parts]) if all(p.colors is not None for p in parts) else None
    return v, f, n, uv, col


def pbr_material(
    name: str,
    rgb: Sequence[float],
    metallic: float,
    roughness: float,
    texture: Image.Image | None = None,
) -> PBRMaterial:
    """Build a glTF-style metallic-roughness material.

    Parameters
    ----------
    name : str
        Material name (also the texture file stem in OBJ export).
    rgb : (3,) float
        Linear-ish base colour factor in ``[0, 1]``; multiplied with the
        texture when one is given (use white then).
    metallic, roughness : float
        glTF factors in ``[0, 1]``.
    texture : PIL.Image.Image or None
        Optional base-colour texture (sRGB).
    """
    factor = [int(round(255 * c)) for c in rgb] + [255]
    return PBRMaterial(
        name=name,
        baseColorFactor=factor,
        metallicFactor=float(metallic),
        roughnessFactor=float(roughness),
        baseColorTexture=texture,
    )


def make_mesh(
    parts: Sequence[MeshPart], material: PBRMaterial, name: str, use_uv: bool
) -> trimesh.Trimesh:
    """Assemble parts into a ``trimesh.Trimesh`` carrying ``material``.

    Vertex normals are set explicitly (analytic for revolved surfaces, flat
    for boxes) so that they survive export; ``process=False`` keeps the
    deliberate vertex splits at UV seams and hard edges.
    """
    v, f, n, uv, col = _assemble(parts)
    mesh = trimesh.Trimesh(vertices=v, faces=f, vertex_normals=n, process=False)
    mesh.visual = TextureVisuals(uv=uv if use_uv else None, material=material)
    mesh.metadata["name"] = name
    if col is not None:
        mesh.metadata["vertex_colors"] = col
    # Drop degenerate triangles (zero area) that pole fans could produce.
    good = mesh.area_faces > 1e-14
    if not good.all():
        mesh.update_faces(good)
    return mesh


def round_profile(points: Sequence[Sequence[float]], radii, samples: int = 7) -> np.ndarray:
    """Round the interior corners of a 2-D polyline with quadratic Béziers.

    Rounded corners let smooth vertex normals stay sensible without splitting
    vertices, so revolved solids remain watertight *and* shade well.

    Parameters
    ----------
    points : (N, 2) array_like
        Polyline (e.g. a lathe profile as ``(r, z)`` in metres).
    radii : float or (N,) array_like
        Approximate fillet size at each point (ignored for the end points,
        0 keeps the corner sharp).  Clamped to 45 % of adjacent segments.
    samples : int
        Points per fillet.

    Returns
    -------
    numpy.ndarray
        ``(M, 2)`` refined polyline.
    """
    pts = np.asarray(points, dtype=float)
    radii = np.broadcast_to(np.asarray(radii, dtype=float), (len(pts),))
    out = [pts[0]]
    s = np.linspace(0.0, 1.0, samples)[:, None]
    for i in range(1, len(pts) - 1):
        p_prev, p, p_next = pts[i - 1], pts[i], pts[i + 1]
        d1, d2 = p - p_prev, p_next - p
        l1, l2 = np.linalg.norm(d1), np.linalg.norm(d2)
        t = min(radii[i], 0.45 * l1, 0.45 * l2)
        if t <= 0:
            out.append(p)
            continue
        a = p - d1 / l1 * t
        c = p + d2 / l2 * t
        out.extend((1 - s) ** 2 * a + 2 * (1 - s) * s * p + s**2 * c)
    out.append(pts[-1])
    return np.asarray(out)


def revolve(profile: np.ndarray, segments: int, with_uv: bool = False) -> MeshPart:
    """Lathe a ``(r, z)`` profile around the z axis.

    Parameters
    ----------
    profile : (N, 2) float
        Profile from start to end, counter-clockwise in the (r, z) half plane
        (e.g. bottom centre -> outer wall -> top) so normals face outwards.
        End points with ``r == 0`` become poles.
    segments : int
        Angular subdivisions.
    with_uv : bool
        If True, duplicate the seam column (``u = 0`` and ``u = 1``) and give
        each pole one vertex per segment so UVs are continuous; the mesh is
        then not index-watertight.  If False, the result is watertight.

    Returns
    -------
    MeshPart
        Vertices, faces, analytic normals (from the profile tangent) and
        optionally UVs with ``u = angle / 2 pi`` (u = 0 along +x, u = 0.75
        along -y) and ``v = normalised profile arc length``.
    """
    prof = np.asarray(profile, dtype=float)
    n = len(prof)
    seg = np.diff(prof, axis=0)
    seg_len = np.linalg.norm(seg, axis=1)
    # Outward 2-D normal of a CCW profile: rotate the tangent by -90 degrees.
    seg_n = np.stack([seg[:, 1], -seg[:, 0]], axis=1) / seg_len[:, None]
    pn = np.zeros((n, 2))
    pn[:-1] += seg_n
    pn[1:] += seg_n
    pole = prof[:, 0] <= 1e-12
    pn[0] = seg_n[0] if pole[0] else pn[0]
    pn[-1] = seg_n[-1] if pole[-1] else pn[-1]
    pn /= np.linalg.norm(pn, axis=1, keepdims=True)
    arc = np.concatenate([[0.0], np.cumsum(seg_len)])
    vcoord = arc / arc[-1]

    ncol = segments + 1 if with_uv else segments
    theta = 2.0 * np.pi * np.arange(ncol) / segments
    verts, norms, uvs, index = [], [], [], []
    count = 0
    for i in range(n):
        r, z = prof[i]
        if pole[i] and not with_uv:
            verts.append([[0.0, 0.0, z]])
            norms.append([[0.0, 0.0, np.sign(pn[i, 1]) or 1.0]])
            index.append(np.full(ncol, count))
            count += 1
            continue
        if pole[i]:
            # One pole vertex per segment, u at the segment middle.
            u = (np.arange(ncol) + 0.5) / segments
        else:
            u = np.arange(ncol) / segments
        ct, st = np.cos(theta), np.sin(theta)
        verts.append(np.stack([r * ct, r * st, np.full(ncol, z)], axis=1))
        norms.append(np.stack([pn[i, 0] * ct, pn[i, 0] * st, np.full(ncol, pn[i, 1])], axis=1))
        uvs.append(np.stack([u, np.full(ncol, vcoord[i])], axis=1))
        index.append(np.arange(count, count + ncol))
        count += ncol
    faces = []
    js = np.arange(segments)
    jn = js + 1 if with_uv else (js + 1) % segments
    for i in range(n - 1):
        a, d = index[i][js], index[i][jn]
        b, c = index[i + 1][js], index[i + 1][jn]
        if not pole[i + 1]:
            faces.append(np.stack([a, c, b], axis=1))
        if not pole[i]:
            faces.append(np.stack([a, d, c], axis=1))
    return MeshPart(
        np.vstack(verts), np.vstack(faces), np.vstack(norms), np.vstack(uvs) if with_uv else None
    )


def box_part(
    size: Sequence[float],
    center: Sequence[float],
    face_uv: dict[str, tuple[float, float, float, float]] | None = None,
) -> MeshPart:
    """Axis-aligned box with flat per-face normals (24 vertices, 12 triangles).

    Parameters
    ----------
    size : (3,) float
        Edge lengths ``(sx, sy, sz)`` in metres.
    center : (3,) float
        Box centre in metres.
    face_uv : dict, optional
        Maps face names ``'-x', '+x', '-y', '+y', '-z', '+z'`` (missing ones use
        key ``'*'``) to UV rectangles ``(u0, v0, u1, v1)``.  Each face's image
        is upright when seen from outside (z up for side faces).
    """
    h = np.asarray(size, dtype=float) / 2.0
    c = np.asarray(center, dtype=float)
    ex, ey, ez = np.eye(3)
    # (name, outward normal, right, up) with right x up == normal.
    spec = [
        ("-y", -ey, ex, ez),
        ("+y", ey, -ex, ez),
        ("+x", ex, ey, ez),
        ("-x", -ex, -ey, ez),
        ("+z", ez, ex, ey),
        ("-z", -ez, ex, -ey),
    ]
    verts, norms, uvs, faces = [], [], [], []
    for k, (name, nrm, right, up) in enumerate(spec):
        hn = abs(nrm @ h)
        hr = abs(right @ h)
        hu = abs(up @ h)
        corners = [
            c + nrm * hn + right * sr * hr + up * su * hu
            for sr, su in ((-1, -1), (1, -1), (1, 1), (-1, 1))
        ]
        verts.extend(corners)
        norms.extend([nrm] * 4)
        if face_uv is not None:
            u0, v0, u1, v1 = face_uv.get(name, face_uv.get("*"))
            uvs.extend([(u0, v0), (u1, v0), (u1, v1), (u0, v1)])
        b = 4 * k
        faces.extend([(b, b + 1, b + 2), (b, b + 2, b + 3)])
    return MeshPart(verts, faces, norms, uvs if face_uv is not None else None)


def tube_part(
    centres: np.ndarray, e1: np.ndarray, e2: np.ndarray, a: float, b: float, sides: int = 16
) -> MeshPart:
    """Capped tube with elliptical cross-section along a centre line.

    Parameters
    ----------
    centres : (M, 3) float
        Centre-line points in metres.
    e1, e2 : (M, 3) float
        Unit cross-section axes at each point (perpendicular to the line).
    a, b : float
        Half widths along ``e1`` and ``e2`` in metres.
    sides : int
        Vertices around the cross-section.

    Returns
    -------
    MeshPart
        Watertight tube (flat end caps) with outward faces and smooth normals.
    """
    m = len(centres)
    psi = 2 * np.pi * np.arange(sides) / sides
    ring = (
        centres[:, None, :]
        + a * np.cos(psi)[None, :, None] * e1[:, None, :]
        + b * np.sin(psi)[None, :, None] * e2[:, None, :]
    )
    verts = np.vstack([ring.reshape(-1, 3), centres[0], centres[-1]])
    idx = np.arange(m * sides).reshape(m, sides)
    faces = []
    js, jn = np.arange(sides), (np.arange(sides) + 1) % sides
    for i in range(m - 1):
        faces.append(np.stack([idx[i, js], idx[i + 1, js], idx[i + 1, jn]], 1))
        faces.append(np.stack([idx[i, js], idx[i + 1, jn], idx[i, jn]], 1))
    c0, c1 = m * sides, m * sides + 1
    faces.append(np.stack([np.full(sides, c0), idx[0, jn], idx[0, js]], 1))
    faces.append(np.stack([np.full(sides, c1), idx[-1, js], idx[-1, jn]], 1))
    tm = trimesh.Trimesh(verts, np.vstack(faces), process=False)
    if tm.volume < 0:  # orientation depends on the handedness of (e1, e2, tangent)
        tm.invert()
    return MeshPart(tm.vertices, tm.faces, tm.vertex_normals)


def sphere_part(
    radius: float,
    center: Sequence[float],
    segments: int = 24,
    rings: int = 12,
    with_uv: bool = False,
) -> MeshPart:
    """UV sphere via :func:`revolve` (poles on the z axis)."""
    a = np.linspace(0.0, np.pi, rings + 1)
    prof = np.stack([radius * np.sin(a), -radius * np.cos(a)], axis=1)
    prof[0, 0] = prof[-1, 0] = 0.0
    part = revolve(prof, segments, with_uv)
    return part.transformed(trimesh.transformations.translation_matrix(center))


def rounded_cylinder(
    radius: float, height: float, fillet: float, segments: int = 24, with_uv: bool = False
) -> MeshPart:
    """Cylinder from z=0 to z=height with rounded rims (watertight unless UV)."""
    prof = round_profile(
        [(0, 0), (radius, 0), (radius, height), (0, height)], [0, fillet, fillet, 0], samples=5
    )
    return revolve(prof, segments, with_uv)
