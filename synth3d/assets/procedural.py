"""Deterministic procedural generators for synth3d's bundled content.

Everything synth3d ships as sample content (meshes, HDRI environment maps,
material textures, 2-D sprites and cut-out photos) is *drawn by this module*
from fixed random seeds, so the repository never depends on third-party art
and ``main()`` can regenerate byte-identical files (PNG, HDR, JPEG, GLB, PLY,
STL, OBJ) at any time.

Conventions
-----------
World frame
    Right-handed, **z up**, units are **metres**.  Every mesh stands on the
    plane ``z = 0`` (its lowest point is exactly at ``z = 0``) and is centred
    on the z axis (the mug's *body* axis is the z axis; its handle sticks out
    towards +x).  Objects with a "front" (toy robot, chair, bottle label)
    face **-y**.
Bundled GLB files are stored z-up
    The glTF specification says +y is up, but ``trimesh.load`` applies no axis
    change, so synth3d's GLBs (``meshes/mug.glb``, ``meshes/bottle.glb``,
    ``meshes/toy.glb``) store the z-up coordinates directly.  A strict glTF
    viewer will therefore show them lying on their back; synth3d itself
    loads them with trimesh and needs no conversion.
UV coordinates
    trimesh convention: ``v = 0`` is the *bottom* row of the texture image
    (the glTF/OBJ exporters flip as each format requires).
Equirectangular HDRIs (``W x H = 1024 x 512``)
    For a world direction ``d = (x, y, z)``::

        u = 0.5 - atan2(y, x) / (2 pi)      in [0, 1), u = 0.5 looks along +x,
                                            u = 0.25 looks along +y
        t = 0.5 - asin(z) / pi              from the TOP row: t = 0 is zenith

    and pixel ``(row r, col c)`` has its centre at ``u = (c + 0.5) / W``,
    ``t = (r + 0.5) / H``.  Values are linear radiance (arbitrary but
    consistent units; zenith sky about 1-3).

Randomness
    Every generator takes an explicit ``numpy.random.Generator``; ``main``
    creates one per asset with a fixed seed from :data:`SEEDS`, so assets do
    not depend on generation order.  The global ``np.random`` state is never
    used.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Callable, Sequence

import cv2
import numpy as np
import trimesh
from PIL import Image, ImageDraw, ImageFilter
from scipy.interpolate import PchipInterpolator
from scipy.ndimage import gaussian_filter, gaussian_filter1d
from trimesh.visual import ColorVisuals, TextureVisuals
from trimesh.visual.material import PBRMaterial

#: Repository root (``synth3d/assets/procedural.py`` -> two levels up).
REPO_ROOT = Path(__file__).resolve().parents[2]

#: Equirectangular HDRI size as (width, height) in pixels.
HDRI_SIZE = (1024, 512)

#: Fixed seed of each generated asset (one independent stream per asset).
SEEDS = {
    "bottle": 1101, "toy": 1102, "chair": 1103,
    "sky_sun_15": 1201, "sky_sun_45": 1202, "overcast": 1203, "studio": 1204,
    "wood": 1301, "marble": 1302, "fabric": 1303, "tiles": 1304,
    "countryside": 1401, "desert": 1402, "forest": 1403, "glacial": 1404,
    "mage": 1501, "warrior": 1502, "pirate": 1503, "monster": 1504, "toadking": 1505,
    "barrel": 1601, "anchor": 1602, "axe": 1603, "bomb": 1604, "key": 1605,
    "chest": 1606, "bananas": 1607, "cupcake": 1608, "donut": 1609, "heart": 1610,
    "toy_on_white": 1701, "room": 1702, "street": 1703,
}

#: Sun of the clear-sky HDRIs: azimuth atan2(y, x) in degrees.
SUN_AZIMUTH_DEG = 135.0
#: Angular diameter of the sun disc in degrees.
SUN_DIAMETER_DEG = 0.53
#: Preetham turbidity of the clear skies.
TURBIDITY = 2.5


# ---------------------------------------------------------------------------
# Noise
# ---------------------------------------------------------------------------

def _smoothstep(t: np.ndarray) -> np.ndarray:
    """Cubic Hermite fade ``3t^2 - 2t^3`` (C1-continuous lattice blending)."""
    return t * t * (3.0 - 2.0 * t)


def value_noise_2d(rng: np.random.Generator, shape: tuple[int, int],
                   cells: tuple[int, int], periodic: bool = True) -> np.ndarray:
    """Smooth lattice value noise.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the lattice values.
    shape : (int, int)
        Output ``(height, width)`` in pixels.
    cells : (int, int)
        Number of lattice cells ``(cells_y, cells_x)`` across the image.
    periodic : bool
        If True the noise tiles seamlessly (last lattice row/column equals the
        first), which keeps material textures tileable.

    Returns
    -------
    numpy.ndarray
        ``(height, width)`` float64 in ``[0, 1]``.
    """
    h, w = shape
    cy, cx = cells
    grid = rng.random((cy + 1, cx + 1))
    if periodic:
        grid[cy, :] = grid[0, :]
        grid[:, cx] = grid[:, 0]
    y = (np.arange(h) + 0.5) * (cy / h)
    x = (np.arange(w) + 0.5) * (cx / w)
    y0 = np.minimum(np.floor(y).astype(int), cy - 1)
    x0 = np.minimum(np.floor(x).astype(int), cx - 1)
    fy = _smoothstep(y - y0)[:, None]
    fx = _smoothstep(x - x0)[None, :]
    g00 = grid[y0][:, x0]
    g01 = grid[y0][:, x0 + 1]
    g10 = grid[y0 + 1][:, x0]
    g11 = grid[y0 + 1][:, x0 + 1]
    top = g00 + (g01 - g00) * fx
    bottom = g10 + (g11 - g10) * fx
    return top + (bottom - top) * fy


def fbm_2d(rng: np.random.Generator, shape: tuple[int, int], cells: tuple[int, int],
           octaves: int = 4, gain: float = 0.5, periodic: bool = True) -> np.ndarray:
    """Fractal sum of :func:`value_noise_2d` octaves.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random source.
    shape : (int, int)
        Output ``(height, width)``.
    cells : (int, int)
        Lattice cells of the first octave; each octave doubles them.
    octaves : int
        Number of octaves.
    gain : float
        Amplitude factor between octaves.
    periodic : bool
        Tileable output.

    Returns
    -------
    numpy.ndarray
        ``(height, width)`` float64, rescaled to span exactly ``[0, 1]``.
    """
    total = np.zeros(shape)
    amp = 1.0
    for o in range(octaves):
        c = (cells[0] * 2 ** o, cells[1] * 2 ** o)
        total += amp * value_noise_2d(rng, shape, c, periodic)
        amp *= gain
    return _normalise(total)


def fbm_1d(rng: np.random.Generator, n: int, cells: int, octaves: int = 4,
           gain: float = 0.5) -> np.ndarray:
    """1-D fractal value noise, e.g. for hill silhouettes.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random source.
    n : int
        Number of samples.
    cells : int
        Lattice cells of the first octave.
    octaves : int
        Number of octaves.
    gain : float
        Amplitude factor between octaves.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` float64 spanning exactly ``[0, 1]``.
    """
    total = np.zeros(n)
    amp = 1.0
    for o in range(octaves):
        c = cells * 2 ** o
        grid = rng.random(c + 1)
        x = (np.arange(n) + 0.5) * (c / n)
        i = np.minimum(np.floor(x).astype(int), c - 1)
        f = _smoothstep(x - i)
        total += amp * (grid[i] + (grid[i + 1] - grid[i]) * f)
        amp *= gain
    return _normalise(total)


def _normalise(a: np.ndarray) -> np.ndarray:
    """Rescale an array to span ``[0, 1]`` (constant arrays map to 0)."""
    lo, hi = float(a.min()), float(a.max())
    return (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)


def _to_u8(rgb: np.ndarray) -> np.ndarray:
    """Float image in ``[0, 1]`` -> uint8 with rounding."""
    return np.clip(np.round(np.asarray(rgb) * 255.0), 0, 255).astype(np.uint8)


def _mix(a, b, t):
    """Blend colours: ``a + (b - a) * t`` where ``t`` (any shape) gets a
    trailing colour axis, so ``_mix(rgb0, rgb1, t)`` has shape ``t.shape + (3,)``."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    t = np.asarray(t, dtype=float)
    return a + (b - a) * t[..., None]


def _star_points(cx: float, cy: float, r_out: float, r_in: float, n: int = 5,
                 rot_deg: float = -90.0, ysquash: float = 1.0) -> list[tuple[float, float]]:
    """Vertices of an ``n``-pointed star polygon (image coordinates, y down)."""
    pts = []
    for k in range(2 * n):
        a = math.radians(rot_deg) + k * math.pi / n
        r = r_out if k % 2 == 0 else r_in
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a) * ysquash))
    return pts


# ---------------------------------------------------------------------------
# Mesh building blocks
# ---------------------------------------------------------------------------

class _Part:
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

    def transformed(self, matrix: np.ndarray) -> "_Part":
        """Return a copy moved by a 4x4 rigid transform (normals rotated)."""
        m = np.asarray(matrix, dtype=float)
        v = self.vertices @ m[:3, :3].T + m[:3, 3]
        n = self.normals @ m[:3, :3].T
        return _Part(v, self.faces, n, self.uv, self.colors)

    def with_uv(self, uv) -> "_Part":
        """Return a copy with all vertices using ``uv`` (scalar pair or array)."""
        uv = np.broadcast_to(np.asarray(uv, dtype=float), (len(self.vertices), 2))
        return _Part(self.vertices, self.faces, self.normals, uv.copy(), self.colors)

    def with_color(self, rgba) -> "_Part":
        """Return a copy with one uniform vertex colour ``rgba`` (uint8)."""
        c = np.broadcast_to(np.asarray(rgba, dtype=np.uint8), (len(self.vertices), 4))
        return _Part(self.vertices, self.faces, self.normals, self.uv, c.copy())


def _assemble(parts: Sequence[_Part]) -> tuple[np.ndarray, ...]:
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
    col = (np.vstack([p.colors for p in parts])
           if all(p.colors is not None for p in parts) else None)
    return v, f, n, uv, col


def _pbr(name: str, rgb: Sequence[float], metallic: float, roughness: float,
         texture: Image.Image | None = None) -> PBRMaterial:
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
    return PBRMaterial(name=name, baseColorFactor=factor, metallicFactor=float(metallic),
                       roughnessFactor=float(roughness), baseColorTexture=texture)


def _make_mesh(parts: Sequence[_Part], material: PBRMaterial, name: str,
               use_uv: bool) -> trimesh.Trimesh:
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


def _round_profile(points: Sequence[Sequence[float]], radii, samples: int = 7) -> np.ndarray:
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
        out.extend((1 - s) ** 2 * a + 2 * (1 - s) * s * p + s ** 2 * c)
    out.append(pts[-1])
    return np.asarray(out)


def _revolve(profile: np.ndarray, segments: int, with_uv: bool = False) -> _Part:
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
    _Part
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
    return _Part(np.vstack(verts), np.vstack(faces), np.vstack(norms),
                 np.vstack(uvs) if with_uv else None)


def _box(size: Sequence[float], center: Sequence[float],
         face_uv: dict[str, tuple[float, float, float, float]] | None = None) -> _Part:
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
    spec = [("-y", -ey, ex, ez), ("+y", ey, -ex, ez), ("+x", ex, ey, ez),
            ("-x", -ex, -ey, ez), ("+z", ez, ex, ey), ("-z", -ez, ex, -ey)]
    verts, norms, uvs, faces = [], [], [], []
    for k, (name, nrm, right, up) in enumerate(spec):
        hn = abs(nrm @ h)
        hr = abs(right @ h)
        hu = abs(up @ h)
        corners = [c + nrm * hn + right * sr * hr + up * su * hu
                   for sr, su in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
        verts.extend(corners)
        norms.extend([nrm] * 4)
        if face_uv is not None:
            u0, v0, u1, v1 = face_uv.get(name, face_uv.get("*"))
            uvs.extend([(u0, v0), (u1, v0), (u1, v1), (u0, v1)])
        b = 4 * k
        faces.extend([(b, b + 1, b + 2), (b, b + 2, b + 3)])
    return _Part(verts, faces, norms, uvs if face_uv is not None else None)


def _tube(centres: np.ndarray, e1: np.ndarray, e2: np.ndarray, a: float, b: float,
          sides: int = 16) -> _Part:
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
    _Part
        Watertight tube (flat end caps) with outward faces and smooth normals.
    """
    m = len(centres)
    psi = 2 * np.pi * np.arange(sides) / sides
    ring = (centres[:, None, :] + a * np.cos(psi)[None, :, None] * e1[:, None, :]
            + b * np.sin(psi)[None, :, None] * e2[:, None, :])
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
    return _Part(tm.vertices, tm.faces, tm.vertex_normals)


def _sphere(radius: float, center: Sequence[float], segments: int = 24, rings: int = 12,
            with_uv: bool = False) -> _Part:
    """UV sphere via :func:`_revolve` (poles on the z axis)."""
    a = np.linspace(0.0, np.pi, rings + 1)
    prof = np.stack([radius * np.sin(a), -radius * np.cos(a)], axis=1)
    prof[0, 0] = prof[-1, 0] = 0.0
    part = _revolve(prof, segments, with_uv)
    return part.transformed(trimesh.transformations.translation_matrix(center))


def _rounded_cylinder(radius: float, height: float, fillet: float, segments: int = 24,
                      with_uv: bool = False) -> _Part:
    """Cylinder from z=0 to z=height with rounded rims (watertight unless UV)."""
    prof = _round_profile([(0, 0), (radius, 0), (radius, height), (0, height)],
                          [0, fillet, fillet, 0], samples=5)
    return _revolve(prof, segments, with_uv)


# ---------------------------------------------------------------------------
# Meshes
# ---------------------------------------------------------------------------

def make_mug() -> trimesh.Trimesh:
    """Ceramic mug: hollow cylinder with a bottom and a half-torus handle.

    Returns
    -------
    trimesh.Trimesh
        About 0.100 m tall, body radius 0.041 m, handle towards +x (reaches
        x = 0.065 m).  Body and handle are each watertight (they overlap
        inside the wall, which is harmless for rendering).  Material:
        ``PBRMaterial`` "mug_ceramic", no texture.
    """
    R, H, wall, bottom = 0.041, 0.100, 0.0045, 0.007
    prof = _round_profile(
        [(0.0, 0.0), (R, 0.0), (R, H), (R - wall, H), (R - wall, bottom), (0.0, bottom)],
        [0, 0.004, 0.0021, 0.0021, 0.006, 0], samples=7)
    body = _revolve(prof, 96)

    # Handle: half torus in the xz plane, squashed in x into a "D".  Its end
    # caps sit inside the wall (cx is 1.5 mm inside the outer surface) and at
    # the ends the tube runs along -x, perpendicular to the wall.
    cx, cz, rm, squash = R - 0.0015, 0.054, 0.025, 0.8
    phi = np.linspace(-np.pi / 2, np.pi / 2, 33)
    centres = np.stack([cx + squash * rm * np.cos(phi), np.zeros_like(phi),
                        cz + rm * np.sin(phi)], axis=1)
    tangent = np.stack([-squash * np.sin(phi), np.zeros_like(phi), np.cos(phi)], axis=1)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    e2 = np.tile([0.0, 1.0, 0.0], (len(phi), 1))
    e1 = np.cross(e2, tangent)
    handle = _tube(centres, e1, e2, a=0.0042, b=0.0068, sides=20)
    mat = _pbr("mug_ceramic", (0.78, 0.16, 0.12), metallic=0.0, roughness=0.3)
    return _make_mesh([body, handle], mat, "mug", use_uv=False)


def _bottle_profile() -> np.ndarray:
    """(r, z) lathe profile of the bottle, bottom centre -> cap centre, metres."""
    rb, rn, r_lip = 0.034, 0.0125, 0.0145
    z_body, z_neck, z_lip, h = 0.150, 0.205, 0.236, 0.250
    s = np.linspace(0.0, 1.0, 16)[1:-1]
    # Cosine shoulder: vertical tangents at both ends blend into body and neck.
    shoulder = np.stack([rn + (rb - rn) * 0.5 * (1 + np.cos(np.pi * s)),
                         z_body + (z_neck - z_body) * s], axis=1)
    pts = np.vstack([[(0.0, 0.0), (rb, 0.0), (rb, z_body)], shoulder,
                     [(rn, z_neck), (rn, z_lip), (r_lip, z_lip), (r_lip, h), (0.0, h)]])
    radii = np.zeros(len(pts))
    radii[1] = 0.006                       # heel of the bottle
    radii[-4], radii[-3], radii[-2] = 0.001, 0.0012, 0.002  # cap edges
    return _round_profile(pts, radii, samples=6)


def _bottle_texture(profile: np.ndarray, rng: np.random.Generator,
                    size: int = 512) -> Image.Image:
    """Paint the bottle's base-colour texture in its UV layout.

    ``v`` is the normalised arc length of :func:`_bottle_profile`, so each
    texture row corresponds to one height; the label is painted between
    z = 0.045 and 0.128 m and its emblem faces -y (u = 0.75).  ``rng``
    drives the lengths of the pseudo-text blocks.
    """
    seg = np.linalg.norm(np.diff(profile, axis=0), axis=1)
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    vprof = arc / arc[-1]
    rows_v = 1.0 - (np.arange(size) + 0.5) / size  # image row 0 is v = 1
    z = np.interp(rows_v, vprof, profile[:, 1])
    # Which rows are on the side wall (not the bottom disc or cap top).
    side = (rows_v > vprof[2]) & (rows_v < vprof[-3])

    img = np.empty((size, size, 3))
    glass = np.array([0.10, 0.36, 0.17])
    # Glass gets brighter towards the shoulder, imitating thickness changes.
    img[:] = glass * (0.85 + 0.3 * np.clip(z / 0.2, 0, 1))[:, None, None]
    foil = (z > 0.214) | ~side & (z > 0.2)
    img[foil] = np.array([0.80, 0.64, 0.22]) * (0.9 + 0.2 * np.sin(z[foil] * 2000))[:, None, None]

    label = side & (z > 0.045) & (z < 0.128)
    img[label] = (0.94, 0.90, 0.78)
    for z0, z1, col in [(0.048, 0.054, (0.62, 0.10, 0.12)),  # bottom red band
                        (0.108, 0.117, (0.62, 0.10, 0.12)),  # top red band
                        (0.1195, 0.1215, (0.78, 0.62, 0.22)),  # gold pin stripes
                        (0.0575, 0.0590, (0.78, 0.62, 0.22)),
                        (0.1035, 0.1050, (0.78, 0.62, 0.22))]:
        img[side & (z > z0) & (z < z1)] = col
    pil = Image.fromarray(_to_u8(img))
    d = ImageDraw.Draw(pil)

    def row_of(zz: float) -> float:
        body = profile[:, 0] > 0.0339  # straight cylindrical wall only
        v = np.interp(zz, profile[body, 1], vprof[body])
        return (1.0 - v) * size

    # Texels per metre: horizontal = size / circumference, vertical = rows / z.
    sx = size / (2 * np.pi * 0.034)
    sy = row_of(0.05) - row_of(0.10)
    sy /= 0.05
    uc = 0.75 * size  # front of the bottle (-y)
    zc = 0.083
    rad = 0.017
    d.ellipse([uc - rad * sx, row_of(zc) - rad * sy, uc + rad * sx, row_of(zc) + rad * sy],
              fill=(150, 28, 32), outline=(200, 160, 60), width=3)
    star = _star_points(uc, row_of(zc), 0.011 * sx, 0.0045 * sx, 5, ysquash=sy / sx)
    d.polygon(star, fill=(236, 200, 90))
    # "Text" lines beside the emblem: rows of short dark blocks.
    for zl in (0.096, 0.090, 0.076, 0.070, 0.064):
        for side_sign in (-1, 1):
            x = uc + side_sign * 0.024 * sx
            for _ in range(5):
                w = rng.uniform(0.003, 0.009) * sx
                x0, x1 = (x, x + w) if side_sign > 0 else (x - w, x)
                d.rectangle([x0, row_of(zl) - 0.0012 * sy, x1, row_of(zl) + 0.0012 * sy],
                            fill=(60, 45, 40))
                x = x1 + 0.003 * sx if side_sign > 0 else x0 - 0.003 * sx
    return pil


def make_bottle(rng: np.random.Generator) -> trimesh.Trimesh:
    """Glass bottle (surface of revolution) with a textured paper label.

    Parameters
    ----------
    rng : numpy.random.Generator
        Drives the label's pseudo-text.

    Returns
    -------
    trimesh.Trimesh
        0.250 m tall, body radius 0.034 m, solid (not hollow).  UV-mapped
        (u around, v along the profile, seam at +x) with a 512x512
        ``baseColorTexture``: green glass, cream label with red/gold bands and
        an emblem facing -y, gold foil over the neck.  ``baseColorFactor`` is
        white; metallic 0, roughness 0.12.  Not index-watertight because of
        the UV seam (geometrically closed).
    """
    prof = _bottle_profile()
    part = _revolve(prof, 96, with_uv=True)
    mat = _pbr("bottle", (1.0, 1.0, 1.0), metallic=0.0, roughness=0.12,
               texture=_bottle_texture(prof, rng))
    return _make_mesh([part], mat, "bottle", use_uv=True)


def make_chair(rng: np.random.Generator) -> trimesh.Trimesh:
    """Wooden chair made of boxes: seat, four legs, stretchers and backrest.

    Parameters
    ----------
    rng : numpy.random.Generator
        Drives the small per-part wood tint variation.

    Returns
    -------
    trimesh.Trimesh
        0.90 m tall, seat top at 0.46 m, 0.44 x 0.42 m footprint, the sitter
        faces -y (backrest on the +y side).  Boxes have flat normals (split
        vertices).  Material ``PBRMaterial`` "chair_wood" (no UV); the per-vertex
        wood colours used for the PLY export are in
        ``mesh.metadata['vertex_colors']`` ((N, 4) uint8).
    """
    sx, sy = 0.44, 0.42
    seat_top, seat_t, leg = 0.46, 0.035, 0.036
    lx, ly = sx / 2 - leg / 2 - 0.01, sy / 2 - leg / 2 - 0.01
    leg_h = seat_top - seat_t
    parts: list[_Part] = []
    parts.append(_box((sx, sy, seat_t), (0, 0, seat_top - seat_t / 2)))
    for x in (-lx, lx):
        parts.append(_box((leg, leg, leg_h), (x, -ly, leg_h / 2)))        # front legs
        parts.append(_box((leg, leg, 0.90), (x, ly, 0.45)))                # back posts
        parts.append(_box((0.022, sy - 2 * leg, 0.022), (x, 0, 0.16)))     # side stretchers
    parts.append(_box((sx - 2 * leg, 0.022, 0.022), (0, -ly, 0.16)))       # front stretcher
    for zc, hgt in ((0.66, 0.06), (0.83, 0.10)):                           # back rails
        parts.append(_box((2 * lx - leg, 0.022, hgt), (0, ly, zc)))
    for x in (-0.09, 0.0, 0.09):                                           # back slats
        parts.append(_box((0.03, 0.016, 0.14), (x, ly, 0.745)))
    base = np.array([0.55, 0.36, 0.20])
    colored = []
    for p in parts:
        tint = base * rng.uniform(0.88, 1.1) + rng.normal(0, 0.015, 3)
        colored.append(p.with_color(np.append(_to_u8(tint), 255)))
    mat = _pbr("chair_wood", base, metallic=0.0, roughness=0.6)
    return _make_mesh(colored, mat, "chair", use_uv=False)


_TOY_ATLAS_CELLS = 4  # atlas is a 4x4 grid of 128 px cells


def _cell_rect(col: int, row: int, inset_px: float = 2.0, size: int = 512) -> tuple:
    """UV rectangle ``(u0, v0, u1, v1)`` of an atlas cell (row 0 = image top)."""
    c = size / _TOY_ATLAS_CELLS
    e = inset_px  # inset avoids bilinear bleeding from neighbouring cells
    u0, u1 = (col * c + e) / size, ((col + 1) * c - e) / size
    v1, v0 = 1 - (row * c + e) / size, 1 - ((row + 1) * c - e) / size
    return (u0, v0, u1, v1)


def _cell_center(col: int, row: int) -> tuple[float, float]:
    """UV of the centre of an atlas cell (for solid-coloured parts)."""
    u0, v0, u1, v1 = _cell_rect(col, row)
    return ((u0 + u1) / 2, (v0 + v1) / 2)


def _toy_atlas(rng: np.random.Generator, size: int = 512) -> Image.Image:
    """Paint the toy robot texture atlas (4x4 cells of 128 px).

    Cells (col, row): (0,0) torso front, (1,0) torso sides/back, (2,0) face,
    (3,0) head sides/back, solid colours: (0,1) yellow, (1,1) dark grey,
    (2,1) black, (3,1) blue, (0,2) silver, (1,2) red.
    """
    c = size // _TOY_ATLAS_CELLS
    img = Image.new("RGB", (size, size), (128, 128, 128))
    d = ImageDraw.Draw(img)
    red, dred = (200, 40, 36), (150, 25, 25)
    yellow, dgrey, black = (245, 196, 40), (70, 72, 80), (20, 20, 24)
    blue, silver = (50, 110, 200), (185, 190, 198)

    def cell(col, row):
        return col * c, row * c, (col + 1) * c, (row + 1) * c

    for (col, row), colr in {(0, 1): yellow, (1, 1): dgrey, (2, 1): black,
                             (3, 1): blue, (0, 2): silver, (1, 2): red}.items():
        d.rectangle(cell(col, row), fill=colr)
    # Unused cells: neutral grey with a checker so mistakes are visible.
    for col, row in [(2, 2), (3, 2), (0, 3), (1, 3), (2, 3), (3, 3)]:
        x0, y0, _, _ = cell(col, row)
        for k in range(4):
            for m in range(4):
                d.rectangle([x0 + 32 * k, y0 + 32 * m, x0 + 32 * k + 31, y0 + 32 * m + 31],
                            fill=(150, 150, 150) if (k + m) % 2 else (110, 110, 110))

    # Torso front: red with a control panel, dial and buttons.
    x0, y0, x1, y1 = cell(0, 0)
    d.rectangle([x0, y0, x1 - 1, y1 - 1], fill=red)
    d.rounded_rectangle([x0 + 18, y0 + 16, x1 - 18, y1 - 40], radius=10, fill=yellow,
                        outline=dred, width=3)
    d.ellipse([x0 + 30, y0 + 28, x0 + 70, y0 + 68], fill=(240, 240, 235), outline=black, width=3)
    d.line([x0 + 50, y0 + 48, x0 + 62, y0 + 34], fill=black, width=3)
    for k, colr in enumerate([(40, 200, 60), (230, 50, 40), blue]):
        d.ellipse([x0 + 80, y0 + 26 + 15 * k, x0 + 92, y0 + 38 + 15 * k], fill=colr, outline=black)
    for k in range(4):
        d.rectangle([x0 + 24, y1 - 32 + 7 * k, x1 - 24, y1 - 29 + 7 * k], fill=dred)
    # Torso sides/back: red with rivets and a panel seam.
    x0, y0, x1, y1 = cell(1, 0)
    d.rectangle([x0, y0, x1 - 1, y1 - 1], fill=red)
    d.rectangle([x0 + 10, y0 + 10, x1 - 11, y1 - 11], outline=dred, width=3)
    for px in (x0 + 18, x1 - 19):
        for py in (y0 + 18, y1 - 19):
            d.ellipse([px - 4, py - 4, px + 4, py + 4], fill=(230, 200, 190), outline=dred)
    # Face: silver with glowing eyes and a mouth grille.
    x0, y0, x1, y1 = cell(2, 0)
    d.rectangle([x0, y0, x1 - 1, y1 - 1], fill=silver)
    for ex in (x0 + 38, x0 + 90):
        d.ellipse([ex - 18, y0 + 30, ex + 18, y0 + 66], fill=black)
        d.ellipse([ex - 12, y0 + 36, ex + 12, y0 + 60], fill=(90, 230, 255))
        d.ellipse([ex - 8, y0 + 40, ex - 2, y0 + 46], fill=(255, 255, 255))
    d.rounded_rectangle([x0 + 30, y0 + 82, x1 - 30, y0 + 108], radius=6, fill=dgrey)
    for k in range(1, 6):
        xx = x0 + 30 + k * (c - 60) / 6
        d.line([xx, y0 + 84, xx, y0 + 106], fill=silver, width=2)
    # Head sides/back: silver with a bolt.
    x0, y0, x1, y1 = cell(3, 0)
    d.rectangle([x0, y0, x1 - 1, y1 - 1], fill=silver)
    d.ellipse([x0 + 44, y0 + 44, x1 - 44, y1 - 44], fill=(150, 155, 165), outline=dgrey, width=3)
    # Gentle per-texel noise so the plastic does not look computer-flat.
    arr = np.asarray(img).astype(float)
    arr *= (0.96 + 0.08 * value_noise_2d(rng, (size, size), (64, 64)))[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def make_toy(rng: np.random.Generator) -> trimesh.Trimesh:
    """Small toy robot made of textured boxes, rounded cylinders and spheres.

    Parameters
    ----------
    rng : numpy.random.Generator
        Drives the texture noise.

    Returns
    -------
    trimesh.Trimesh
        About 0.121 m tall, 0.08 m wide (arms), facing -y.  Single
        ``PBRMaterial`` "toy_plastic" (white factor, roughness 0.45) with a
        512x512 atlas ``baseColorTexture``; every vertex has a UV.
    """
    front_body = {"-y": _cell_rect(0, 0), "*": _cell_rect(1, 0)}
    head = {"-y": _cell_rect(2, 0), "*": _cell_rect(3, 0)}
    solid = {k: {"*": _cell_rect(*cr, inset_px=30)} for k, cr in
             {"black": (2, 1), "dgrey": (1, 1)}.items()}
    T = trimesh.transformations.translation_matrix
    parts = []
    for s in (-1, 1):
        parts.append(_box((0.020, 0.028, 0.009), (s * 0.013, -0.002, 0.0045), solid["black"]))
        parts.append(_box((0.013, 0.013, 0.027), (s * 0.013, 0.0, 0.0225), solid["dgrey"]))
        shoulder = _sphere(0.0085, (s * 0.031, 0.0, 0.068), with_uv=True)
        parts.append(shoulder.with_uv(_cell_center(0, 1)))
        arm = _rounded_cylinder(0.0058, 0.030, 0.002, with_uv=True)
        parts.append(arm.transformed(T((s * 0.034, 0.0, 0.040))).with_uv(_cell_center(0, 1)))
        hand = _sphere(0.0068, (s * 0.034, 0.0, 0.040), with_uv=True)
        parts.append(hand.with_uv(_cell_center(1, 1)))
        # Ears: short cylinders along x on the head sides.
        ear = _rounded_cylinder(0.0055, 0.006, 0.0015, with_uv=True)
        rot = trimesh.transformations.rotation_matrix(s * np.pi / 2, (0, 1, 0))
        ear = ear.transformed(T((s * 0.0205, 0.0, 0.094)) @ rot)
        parts.append(ear.with_uv(_cell_center(3, 1)))
    parts.append(_box((0.052, 0.034, 0.042), (0.0, 0.0, 0.057), front_body))
    neck = _rounded_cylinder(0.0075, 0.008, 0.001, with_uv=True)
    parts.append(neck.transformed(T((0, 0, 0.075))).with_uv(_cell_center(1, 1)))
    parts.append(_box((0.044, 0.036, 0.028), (0.0, 0.0, 0.094), head))
    rod = _rounded_cylinder(0.0015, 0.011, 0.0004, with_uv=True)
    parts.append(rod.transformed(T((0, 0, 0.1075))).with_uv(_cell_center(1, 1)))
    parts.append(_sphere(0.0035, (0, 0, 0.1175), with_uv=True).with_uv(_cell_center(1, 2)))
    mat = _pbr("toy_plastic", (1.0, 1.0, 1.0), metallic=0.0, roughness=0.45,
               texture=_toy_atlas(rng))
    return _make_mesh(parts, mat, "toy", use_uv=True)


def make_vase() -> trimesh.Trimesh:
    """Glazed ceramic vase: hollow surface of revolution with an open top.

    Returns
    -------
    trimesh.Trimesh
        0.200 m tall, max radius 0.062 m, 4 mm wall, watertight.  Material
        ``PBRMaterial`` "vase_glaze" (blue, roughness 0.25), no texture.
    """
    H, t, b = 0.200, 0.004, 0.012
    zk = np.array([0.0, 0.012, 0.045, 0.080, 0.120, 0.160, 0.186, 0.200])
    rk = np.array([0.036, 0.041, 0.057, 0.062, 0.050, 0.030, 0.029, 0.036])
    radius = PchipInterpolator(zk, rk)
    z_out = np.linspace(0.0, H, 44)
    outer = np.stack([radius(z_out), z_out], axis=1)
    # Inner wall: offset the outer curve along its inward normal so the wall
    # keeps a constant thickness on the sloped parts.
    dr = radius.derivative()(z_out)
    nrm = np.stack([np.ones_like(dr), -dr], axis=1)
    nrm /= np.linalg.norm(nrm, axis=1, keepdims=True)
    inner = outer - t * nrm
    # The flared lip tilts the offset upwards; keep the rim flat at z = H.
    inner[:, 1] = np.minimum(inner[:, 1], H)
    inner = inner[inner[:, 1] >= b + 0.004][::-1]
    pts = np.vstack([[(0.0, 0.0)], outer, inner, [(inner[-1, 0] * 0.75, b), (0.0, b)]])
    radii = np.zeros(len(pts))
    radii[1] = 0.003
    radii[len(outer)] = radii[len(outer) + 1] = 0.0018  # rounded lip
    radii[-3] = radii[-2] = 0.004
    prof = _round_profile(pts, radii, samples=6)
    mat = _pbr("vase_glaze", (0.12, 0.27, 0.58), metallic=0.0, roughness=0.25)
    return _make_mesh([_revolve(prof, 80)], mat, "vase", use_uv=False)


def _vertex_color_copy(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """Copy of ``mesh`` with ``ColorVisuals`` from ``metadata['vertex_colors']``
    (or the material's base colour), for formats without materials (PLY)."""
    colors = mesh.metadata.get("vertex_colors")
    if colors is None:
        colors = np.tile(mesh.visual.material.baseColorFactor, (len(mesh.vertices), 1))
    out = trimesh.Trimesh(mesh.vertices.copy(), mesh.faces.copy(),
                          vertex_normals=mesh.vertex_normals.copy(), process=False)
    out.visual = ColorVisuals(out, vertex_colors=colors)
    return out


# ---------------------------------------------------------------------------
# Equirectangular HDRIs
# ---------------------------------------------------------------------------

def equirect_directions(width: int, height: int, du: float = 0.5, dt: float = 0.5) -> np.ndarray:
    """World directions of equirectangular sample points.

    Parameters
    ----------
    width, height : int
        Image size in pixels.
    du, dt : float
        Sub-pixel sample offset in pixels (0.5 = pixel centre).

    Returns
    -------
    numpy.ndarray
        ``(height, width, 3)`` unit vectors, z up, using the module mapping
        ``u = 0.5 - atan2(y, x) / 2 pi``, ``t = 0.5 - asin(z) / pi``.
    """
    u = (np.arange(width) + du) / width
    t = (np.arange(height) + dt) / height
    azim = 2.0 * np.pi * (0.5 - u)       # = atan2(y, x)
    elev = np.pi * (0.5 - t)             # = asin(z)
    ce = np.cos(elev)[:, None]
    return np.stack([ce * np.cos(azim)[None, :], ce * np.sin(azim)[None, :],
                     np.broadcast_to(np.sin(elev)[:, None], (height, width))], axis=-1)


def direction_to_equirect(d: np.ndarray) -> np.ndarray:
    """Map world directions to equirectangular ``(u, t)`` in ``[0, 1)``.

    Parameters
    ----------
    d : (..., 3) array_like
        Directions (need not be normalised), z up.

    Returns
    -------
    numpy.ndarray
        ``(..., 2)`` with ``u`` (column, 0.5 = +x) and ``t`` (row from top).
    """
    d = np.asarray(d, dtype=float)
    d = d / np.linalg.norm(d, axis=-1, keepdims=True)
    u = np.mod(0.5 - np.arctan2(d[..., 1], d[..., 0]) / (2 * np.pi), 1.0)
    t = 0.5 - np.arcsin(np.clip(d[..., 2], -1, 1)) / np.pi
    return np.stack([u, t], axis=-1)


def pixel_solid_angles(width: int, height: int) -> np.ndarray:
    """Solid angle of each equirectangular pixel row.

    Returns
    -------
    numpy.ndarray
        ``(height, 1)`` steradians (exact band area divided by ``width``),
        broadcastable against an ``(H, W)`` image; sums to ``4 pi``.
    """
    edges = np.pi * (0.5 - np.arange(height + 1) / height)
    band = 2 * np.pi * (np.sin(edges[:-1]) - np.sin(edges[1:]))
    return (band / width)[:, None]


def horizontal_irradiance(img: np.ndarray) -> np.ndarray:
    """Irradiance on an upward-facing plane from an equirect radiance map.

    Parameters
    ----------
    img : (H, W, 3) float
        Linear radiance.

    Returns
    -------
    numpy.ndarray
        ``(3,)`` irradiance, ``sum(L * max(z, 0) * dOmega)``.
    """
    h, w = img.shape[:2]
    z = equirect_directions(w, h)[..., 2]
    weight = np.maximum(z, 0.0) * pixel_solid_angles(w, h)
    return np.einsum("hwc,hw->c", img, weight)


def _xyz_to_linear_srgb(xyz: np.ndarray) -> np.ndarray:
    """CIE XYZ (D65 white) -> linear sRGB (IEC 61966-2-1 matrix)."""
    m = np.array([[3.2404542, -1.5371385, -0.4985314],
                  [-0.9692660, 1.8760108, 0.0415560],
                  [0.0556434, -0.2040259, 1.0572252]])
    return xyz @ m.T


def _perez(theta: np.ndarray, gamma: np.ndarray, coef: Sequence[float]) -> np.ndarray:
    """Perez et al. (1993) sky distribution ``F(theta, gamma)``.

    ``theta`` is the view zenith angle, ``gamma`` the angle to the sun (rad).
    """
    a, b, c, d, e = coef
    # B is negative, so B / cos(theta) -> -inf at the horizon; clamping cos
    # at 0.01 (89.4 deg) keeps the horizon brightening finite.
    cos_t = np.maximum(np.cos(theta), 0.01)
    return (1.0 + a * np.exp(b / cos_t)) * (1.0 + c * np.exp(d * gamma) + e * np.cos(gamma) ** 2)


def preetham_sky(dirs: np.ndarray, sun_dir: np.ndarray, turbidity: float) -> np.ndarray:
    """Preetham, Shirley & Smits (1999) analytic clear-sky luminance/colour.

    Parameters
    ----------
    dirs : (..., 3) float
        Unit view directions, z up (evaluated as if above the horizon).
    sun_dir : (3,) float
        Unit direction towards the sun.
    turbidity : float
        Atmospheric turbidity T (2 = very clear, 10 = hazy).

    Returns
    -------
    numpy.ndarray
        ``(..., 3)`` linear sRGB in kcd/m^2 (Y channel = luminance).
    """
    T = turbidity
    theta_s = math.acos(np.clip(sun_dir[2], -1, 1))
    coef_Y = (0.1787 * T - 1.4630, -0.3554 * T + 0.4275, -0.0227 * T + 5.3251,
              0.1206 * T - 2.5771, -0.0670 * T + 0.3703)
    coef_x = (-0.0193 * T - 0.2592, -0.0665 * T + 0.0008, -0.0004 * T + 0.2125,
              -0.0641 * T - 0.8989, -0.0033 * T + 0.0452)
    coef_y = (-0.0167 * T - 0.2608, -0.0950 * T + 0.0092, -0.0079 * T + 0.2102,
              -0.0441 * T - 1.6537, -0.0109 * T + 0.0529)
    # Zenith values (Preetham 1999, appendix A.2).
    chi = (4.0 / 9.0 - T / 120.0) * (np.pi - 2.0 * theta_s)
    Yz = (4.0453 * T - 4.9710) * math.tan(chi) - 0.2155 * T + 2.4192
    ts = np.array([theta_s ** 3, theta_s ** 2, theta_s, 1.0])
    tt = np.array([T * T, T, 1.0])
    mx = np.array([[0.00166, -0.00375, 0.00209, 0.0],
                   [-0.02903, 0.06377, -0.03202, 0.00394],
                   [0.11693, -0.21196, 0.06052, 0.25886]])
    my = np.array([[0.00275, -0.00610, 0.00317, 0.0],
                   [-0.04214, 0.08970, -0.04153, 0.00516],
                   [0.15346, -0.26756, 0.06670, 0.26688]])
    xz, yz = tt @ mx @ ts, tt @ my @ ts

    theta = np.arccos(np.clip(dirs[..., 2], 0.0, 1.0))
    gamma = np.arccos(np.clip(dirs @ sun_dir, -1.0, 1.0))
    Y = Yz * _perez(theta, gamma, coef_Y) / _perez(np.array(0.0), np.array(theta_s), coef_Y)
    x = xz * _perez(theta, gamma, coef_x) / _perez(np.array(0.0), np.array(theta_s), coef_x)
    y = yz * _perez(theta, gamma, coef_y) / _perez(np.array(0.0), np.array(theta_s), coef_y)
    xyz = np.stack([x * Y / y, Y, (1.0 - x - y) * Y / y], axis=-1)
    return _xyz_to_linear_srgb(xyz)


def sun_transmittance(elevation_deg: float, turbidity: float) -> np.ndarray:
    """Direct-beam transmittance of the atmosphere for R, G, B.

    Rayleigh optical depth ``0.008735 lambda^-4.08`` plus Angstrom aerosol
    ``beta lambda^-1.3`` with ``beta = 0.04608 T - 0.04586`` (the turbidity
    relation used by Preetham et al.), along the Kasten-Young air mass, at
    representative wavelengths 680/550/440 nm.

    Returns
    -------
    numpy.ndarray
        ``(3,)`` transmittance in ``(0, 1]``.
    """
    lam = np.array([0.680, 0.550, 0.440])  # micrometres
    h = elevation_deg
    airmass = 1.0 / (math.sin(math.radians(h)) + 0.50572 * (h + 6.07995) ** -1.6364)
    beta = 0.04608 * turbidity - 0.04586
    tau = 0.008735 * lam ** -4.08 + beta * lam ** -1.3
    return np.exp(-airmass * tau)


def _sun_direction(elevation_deg: float, azimuth_deg: float) -> np.ndarray:
    """Unit vector for elevation above the horizon and azimuth atan2(y, x)."""
    e, a = math.radians(elevation_deg), math.radians(azimuth_deg)
    return np.array([math.cos(e) * math.cos(a), math.cos(e) * math.sin(a), math.sin(e)])


def _add_disc(img: np.ndarray, center: np.ndarray, radius_rad: float, rgb: np.ndarray,
              ss: int = 16) -> None:
    """Add a uniform disc of radiance ``rgb`` with exact-ish pixel coverage.

    The 0.53 deg sun is only ~1.5 pixels wide at 1024x512, so point sampling
    could miss it or double it; instead each pixel near the disc gets
    ``rgb * covered_fraction`` from ``ss x ss`` sub-samples, which conserves
    the disc's integrated irradiance on any grid.

    Parameters
    ----------
    img : (H, W, 3) float
        Radiance map, modified in place.
    center : (3,) float
        Unit direction of the disc centre.
    radius_rad : float
        Angular radius in radians.
    rgb : (3,) float
        Radiance inside the disc.
    ss : int
        Sub-samples per pixel axis.
    """
    h, w = img.shape[:2]
    u, t = direction_to_equirect(center)
    cr, cc = t * h - 0.5, u * w - 0.5
    half_r = int(math.ceil(radius_rad / (np.pi / h))) + 2
    cos_e = max(math.sqrt(max(1.0 - center[2] ** 2, 0.0)), 1e-3)
    half_c = min(int(math.ceil(radius_rad / (2 * np.pi / w) / cos_e)) + 2, w // 2)
    rows = np.arange(int(round(cr)) - half_r, int(round(cr)) + half_r + 1)
    rows = rows[(rows >= 0) & (rows < h)]
    cols = np.arange(int(round(cc)) - half_c, int(round(cc)) + half_c + 1)
    sub = (np.arange(ss) + 0.5) / ss
    uu = (cols[:, None] + sub[None, :]).reshape(-1) / w
    tt = (rows[:, None] + sub[None, :]).reshape(-1) / h
    azim = 2 * np.pi * (0.5 - uu)
    elev = np.pi * (0.5 - tt)
    d = np.stack([np.cos(elev)[:, None] * np.cos(azim)[None, :],
                  np.cos(elev)[:, None] * np.sin(azim)[None, :],
                  np.broadcast_to(np.sin(elev)[:, None], (len(tt), len(uu)))], axis=-1)
    inside = (d @ center) >= math.cos(radius_rad)
    cover = inside.reshape(len(rows), ss, len(cols), ss).mean(axis=(1, 3))
    img[rows[:, None], np.mod(cols, w)[None, :]] += cover[..., None] * rgb


def _horizon_blend(z: np.ndarray) -> np.ndarray:
    """Weight of the sky (vs ground) over a +-0.3 deg band around the horizon."""
    s = math.sin(math.radians(0.3))
    return _smoothstep(np.clip((z + s) / (2 * s), 0.0, 1.0))


#: Radiance units per kcd/m^2 for the outdoor skies (zenith ~1-2).
SKY_SCALE = 1.0 / 3.0
#: Extraterrestrial solar illuminance in klx (= kcd sr / m^2).
SOLAR_ILLUMINANCE_KLX = 128.0


def make_clear_sky(elevation_deg: float, width: int = 1024, height: int = 512,
                   turbidity: float = TURBIDITY, azimuth_deg: float = SUN_AZIMUTH_DEG
                   ) -> tuple[np.ndarray, dict]:
    """Clear sky (Preetham) + sun disc + diffuse ground, as an equirect map.

    Parameters
    ----------
    elevation_deg : float
        Sun elevation above the horizon.
    width, height : int
        Output size.
    turbidity : float
        Preetham turbidity.
    azimuth_deg : float
        Sun azimuth ``atan2(y, x)`` in degrees.

    Returns
    -------
    img : numpy.ndarray
        ``(height, width, 3)`` float32 linear radiance (RGB).
    info : dict
        ``sun_dir``, ``sun_radiance`` (3,), ``sky_irradiance``,
        ``sun_irradiance`` (horizontal, (3,)) and ``ground_radiance``.

    Notes
    -----
    Sky radiance is Preetham luminance (kcd/m^2) times :data:`SKY_SCALE`.
    The sun's radiance uses the same scale: extraterrestrial illuminance
    (128 klx) spread over the disc solid angle, times the beam transmittance
    of :func:`sun_transmittance`.  That makes the disc ~1e5-1e6 times the sky
    radiance (as in reality), and its horizontal irradiance a few times the
    sky's.  The ground (albedo 0.22/0.19/0.15) is Lambertian, lit by both.
    """
    sun = _sun_direction(elevation_deg, azimuth_deg)
    dirs = equirect_directions(width, height)
    sky = np.maximum(preetham_sky(dirs, sun, turbidity), 0.0) * SKY_SCALE
    z = dirs[..., 2]
    sky_only = np.where((z > 0)[..., None], sky, 0.0)
    e_sky = horizontal_irradiance(sky_only)

    radius = math.radians(SUN_DIAMETER_DEG / 2)
    omega_sun = 2 * np.pi * (1 - math.cos(radius))
    sun_rgb = (SOLAR_ILLUMINANCE_KLX / omega_sun * SKY_SCALE
               * sun_transmittance(elevation_deg, turbidity))
    e_sun = sun_rgb * omega_sun * sun[2]
    albedo = np.array([0.22, 0.19, 0.15])
    ground = albedo / np.pi * (e_sky + e_sun)

    w_sky = _horizon_blend(z)[..., None]
    img = sky * w_sky + ground * (1.0 - w_sky)
    _add_disc(img, sun, radius, sun_rgb)
    img = np.maximum(img, 1e-4).astype(np.float32)
    info = dict(sun_dir=sun, sun_radiance=sun_rgb, sky_irradiance=e_sky,
                sun_irradiance=e_sun, ground_radiance=ground)
    return img, info


def make_overcast_sky(width: int = 1024, height: int = 512, zenith: float = 1.5
                      ) -> np.ndarray:
    """CIE standard overcast sky over a grey ground.

    Sky radiance ``L = L_z (1 + 2 sin(elevation)) / 3`` with a faintly cool
    white; the ground (albedo 0.18) is Lambertian and lit by the sky, whose
    horizontal irradiance is ``7 pi L_z / 9``.

    Returns
    -------
    numpy.ndarray
        ``(height, width, 3)`` float32 linear radiance.
    """
    dirs = equirect_directions(width, height)
    z = dirs[..., 2]
    tint = np.array([0.97, 1.0, 1.04])
    sky = zenith * (1.0 + 2.0 * np.maximum(z, 0.0))[..., None] / 3.0 * tint
    e_sky = horizontal_irradiance(np.where((z > 0)[..., None], sky, 0.0))
    ground = 0.18 / np.pi * e_sky
    w_sky = _horizon_blend(z)[..., None]
    img = sky * w_sky + ground * (1.0 - w_sky)
    return np.maximum(img, 1e-4).astype(np.float32)


#: Studio softboxes: (name, azimuth deg, elevation deg, distance m,
#: width m, height m, RGB radiance).  "Front" is -y (camera side), so the
#: key light up-left-front sits at azimuth -135 deg (towards -x, -y).
STUDIO_LIGHTS = (
    ("key", -135.0, 35.0, 2.5, 1.2, 0.9, (50.0, 48.5, 46.0)),
    ("fill", -45.0, 12.0, 3.0, 1.0, 1.0, (18.0, 19.0, 20.0)),
    ("top", 0.0, 90.0, 2.5, 1.5, 1.0, (30.0, 30.0, 30.0)),
)


def _softbox_frame(azim_deg: float, elev_deg: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre direction and in-plane axes (horizontal, vertical) of a softbox."""
    n = _sun_direction(elev_deg, azim_deg)
    e1 = np.cross([0.0, 0.0, 1.0], n)
    if np.linalg.norm(e1) < 1e-6:   # straight overhead: pick x as "width"
        e1 = np.array([1.0, 0.0, 0.0])
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(n, e1)
    return n, e1, e2


def make_studio(width: int = 1024, height: int = 512, wall: float = 0.05) -> np.ndarray:
    """Dark photo studio with rectangular softboxes and a mid-grey floor.

    Each softbox of :data:`STUDIO_LIGHTS` is a rectangle facing the origin,
    rasterised by ray/plane intersection with 2x2 supersampling and a soft
    10 % edge falloff.  Walls are ~0.05.  The floor (albedo 0.18, 1.2 m below
    the origin) is lit by the softboxes treated as small area lights, giving
    pools of light that fade towards the horizon.

    Returns
    -------
    numpy.ndarray
        ``(height, width, 3)`` float32 linear radiance.
    """
    acc = np.zeros((height, width, 3))
    offsets = [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)]
    cam_h, albedo = 1.2, 0.18
    for du, dt in offsets:
        d = equirect_directions(width, height, du, dt)
        z = d[..., 2]
        # Walls: near-uniform dark grey, slightly lighter up high where the
        # lights spill.
        img = np.empty((height, width, 3))
        img[:] = (wall * (0.9 + 0.25 * np.clip(z, 0, 1)))[..., None]
        # Floor radiance from the softboxes (point-light approximation).
        down = z < 0
        p = d[down] * (cam_h / -z[down])[:, None]           # floor points
        e_floor = np.full(len(p), np.pi * wall)             # ambient from walls
        for _, az, el, dist, bw, bh, rgb in STUDIO_LIGHTS:
            n, e1, e2 = _softbox_frame(az, el)
            to_light = n * dist - p
            r2 = np.einsum("ij,ij->i", to_light, to_light)
            r = np.sqrt(r2)
            cos_f = np.maximum(to_light[:, 2] / r, 0.0)
            cos_l = np.maximum(-(to_light @ (-n)) / r, 0.0)
            e_floor += np.mean(rgb) * bw * bh * cos_f * cos_l / r2
        floor = albedo / np.pi * e_floor
        img[down] = floor[:, None] * np.array([1.0, 0.99, 0.97])
        for _, az, el, dist, bw, bh, rgb in STUDIO_LIGHTS:
            n, e1, e2 = _softbox_frame(az, el)
            dn = d @ n
            hit = np.where(dn > 1e-6, dist / np.maximum(dn, 1e-6), 0.0)  # behind: masked below
            q = d * hit[..., None]
            a = np.abs(q @ e1) / (bw / 2)
            b = np.abs(q @ e2) / (bh / 2)
            inside = (a <= 1) & (b <= 1) & (dn > 1e-6)
            # Softboxes are dimmer at the rim (diffuser falloff).
            falloff = (_smoothstep(np.clip((1 - a) / 0.1, 0, 1))
                       * _smoothstep(np.clip((1 - b) / 0.1, 0, 1)))
            w = (inside * (0.6 + 0.4 * falloff))[..., None]
            img = img * (1 - w) + np.asarray(rgb) * w
        acc += img
    return np.maximum(acc / len(offsets), 1e-4).astype(np.float32)


def write_hdr(path: Path, rgb: np.ndarray) -> None:
    """Write a float RGB image as Radiance ``.hdr`` (OpenCV wants BGR)."""
    bgr = np.ascontiguousarray(rgb[..., ::-1], dtype=np.float32)
    if not cv2.imwrite(str(path), bgr):
        raise OSError(f"cv2.imwrite failed for {path}")


def read_hdr(path: Path) -> np.ndarray:
    """Read a Radiance ``.hdr`` file as float32 RGB ``(H, W, 3)``."""
    bgr = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if bgr is None:
        raise OSError(f"cannot read {path}")
    return bgr[..., ::-1].astype(np.float32)


def locate_sun(img: np.ndarray) -> tuple[float, float, tuple[int, int]]:
    """Find the sun in an equirect map (for checking the mapping).

    Returns
    -------
    elevation_deg, azimuth_deg : float
        Direction of the radiance-weighted centroid of the pixels brighter
        than 1000x the median, under the module's mapping.
    peak : (int, int)
        ``(row, col)`` of the brightest pixel.
    """
    h, w = img.shape[:2]
    lum = img @ np.array([0.2126, 0.7152, 0.0722])
    mask = lum > 1000.0 * np.median(lum)
    dirs = equirect_directions(w, h)
    weight = (lum * pixel_solid_angles(w, h))[mask]
    c = (dirs[mask] * weight[:, None]).sum(0)
    c /= np.linalg.norm(c)
    peak = np.unravel_index(int(np.argmax(lum)), lum.shape)
    return (math.degrees(math.asin(c[2])), math.degrees(math.atan2(c[1], c[0])),
            (int(peak[0]), int(peak[1])))


# ---------------------------------------------------------------------------
# Tileable material textures (512 x 512 RGB)
# ---------------------------------------------------------------------------

def make_wood(rng: np.random.Generator, size: int = 512) -> np.ndarray:
    """Tileable plain-sawn wood: warped growth rings along x plus fine grain.

    Returns
    -------
    numpy.ndarray
        ``(size, size, 3)`` float in ``[0, 1]`` (sRGB-encoded colours).
    """
    yy = (np.arange(size)[:, None] + 0.5) / size
    # Few lattice cells along x stretch the warp into long, gentle waves.
    warp = fbm_2d(rng, (size, size), (2, 1), octaves=5, gain=0.45)
    # Integer ring count and periodic warp keep the texture tileable.
    phase = yy * 7.0 + 0.9 * warp
    ring = phase - np.floor(phase)
    late = _smoothstep(np.clip((ring - 0.55) / 0.4, 0, 1)) * (1 - _smoothstep(
        np.clip((ring - 0.93) / 0.07, 0, 1)))
    grain = value_noise_2d(rng, (size, size), (128, 4))    # streaks along x
    pores = value_noise_2d(rng, (size, size), (256, 32))
    light, dark = np.array([0.80, 0.58, 0.35]), np.array([0.50, 0.30, 0.15])
    img = _mix(light, dark, 0.85 * late + 0.25 * (grain - 0.5))
    img *= (0.94 + 0.1 * pores)[..., None]
    return np.clip(img, 0, 1)


def make_marble(rng: np.random.Generator, size: int = 512) -> np.ndarray:
    """Tileable white marble with grey veins from turbulent sine bands."""
    y, x = np.mgrid[0:size, 0:size] / size
    # Perlin-style turbulence: sum of |signed noise| gives creased features.
    turb = np.zeros((size, size))
    for o in range(6):
        c = 2 * 2 ** o
        turb += np.abs(2 * value_noise_2d(rng, (size, size), (c, c)) - 1) / 1.8 ** o
    turb = _normalise(turb)
    band = np.abs(np.sin(np.pi * (2 * x + 1 * y + 1.4 * turb)))
    veins = (1 - band) ** 8                        # thin dark veins
    fine = (1 - np.abs(np.sin(np.pi * (3 * x - 2 * y + 2.5 * turb)))) ** 40
    cloud = fbm_2d(rng, (size, size), (4, 4), octaves=4)
    base = _mix([0.95, 0.94, 0.91], [0.82, 0.82, 0.80], cloud)
    img = base - (0.55 * veins + 0.25 * fine)[..., None] * np.array([0.55, 0.56, 0.55])
    return np.clip(img, 0, 1)


def make_fabric(rng: np.random.Generator, size: int = 512, threads: int = 64) -> np.ndarray:
    """Tileable plain-weave fabric (blue warp, lighter weft), 8 px threads."""
    p = size // threads
    i, j = np.mgrid[0:size, 0:size]
    row, col = i // p, j // p
    fy, fx = (i % p + 0.5) / p, (j % p + 0.5) / p
    warp_on_top = (row + col) % 2 == 0
    # Rounded thread cross-sections: brightest on the thread's centre line.
    warp_shade = np.sin(np.pi * fx) ** 0.6
    weft_shade = np.sin(np.pi * fy) ** 0.6
    warp_var = rng.uniform(0.85, 1.1, threads)[col]
    weft_var = rng.uniform(0.85, 1.1, threads)[row]
    warp_col, weft_col = np.array([0.16, 0.24, 0.48]), np.array([0.30, 0.40, 0.62])
    shade = np.where(warp_on_top, warp_shade * warp_var, weft_shade * weft_var)
    img = np.where(warp_on_top[..., None], warp_col, weft_col) * (0.45 + 0.6 * shade)[..., None]
    fuzz = value_noise_2d(rng, (size, size), (128, 128))
    img *= (0.92 + 0.16 * fuzz)[..., None]
    return np.clip(img, 0, 1)


def make_tiles(rng: np.random.Generator, size: int = 512, n: int = 8) -> np.ndarray:
    """Tileable glazed square tiles (8 x 8) with grout and bevelled edges."""
    p = size // n
    i, j = np.mgrid[0:size, 0:size]
    fy, fx = (i % p + 0.5) / p, (j % p + 0.5) / p
    edge = np.minimum(np.minimum(fx, 1 - fx), np.minimum(fy, 1 - fy)) * p  # px to border
    grout = edge < 2.0
    tile_col = np.array([0.86, 0.88, 0.86])
    accent = np.array([0.25, 0.45, 0.62])
    pick = rng.random((n, n)) < 0.18
    var = rng.uniform(0.93, 1.05, (n, n))
    colours = np.where(pick[..., None], accent, tile_col) * var[..., None]
    img = colours[i // p, j // p]
    # Bevel: darker towards the edge, lighter along the top-left rim.
    bevel = np.clip((edge - 2.0) / 4.0, 0, 1)
    img = img * (0.82 + 0.18 * bevel)[..., None]
    rim = (bevel < 1) & ((fx < 0.5) & (fx * p - 2 < 4) | (fy < 0.5) & (fy * p - 2 < 4))
    img[rim & ~grout] *= 1.06
    glaze = value_noise_2d(rng, (size, size), (16, 16))
    img *= (0.97 + 0.06 * glaze)[..., None]
    grout_tex = 0.70 + 0.08 * value_noise_2d(rng, (size, size), (128, 128))
    img[grout] = (grout_tex[grout, None] * np.array([1.0, 0.98, 0.94]))
    return np.clip(img, 0, 1)


def save_png(path: Path, img) -> None:
    """Save a float ``[0, 1]`` / uint8 array or PIL image as PNG (no metadata,
    so repeated runs are byte-identical)."""
    if not isinstance(img, Image.Image):
        arr = np.asarray(img)
        img = Image.fromarray(arr if arr.dtype == np.uint8 else _to_u8(arr))
    img.save(path, format="PNG", optimize=True)


# ---------------------------------------------------------------------------
# 2-D drawing helpers (sprites, cut-outs)
# ---------------------------------------------------------------------------

OUTLINE = (38, 28, 40, 255)  # cartoon ink colour


class _Pen:
    """Supersampled RGBA canvas: draw in final-pixel coordinates, get an
    anti-aliased image by premultiplied box downsampling.

    Parameters
    ----------
    width, height : int
        Final image size in pixels.
    ss : int
        Supersampling factor (4 gives smooth edges at modest cost).
    background : tuple
        RGBA fill (transparent by default).

    Notes
    -----
    PIL's ImageDraw *replaces* pixels (no alpha blending); drawing a
    translucent colour on an empty area therefore yields a translucent
    pixel, which is what glows need; draw them before opaque shapes.
    """

    def __init__(self, width: int, height: int, ss: int = 4, background=(0, 0, 0, 0)):
        self.w, self.h, self.ss = width, height, ss
        self.img = Image.new("RGBA", (width * ss, height * ss), background)
        self.d = ImageDraw.Draw(self.img)

    def _pts(self, pts):
        return [(float(x) * self.ss, float(y) * self.ss) for x, y in pts]

    def _box(self, box):
        x0, y0, x1, y1 = box
        s = self.ss
        return [min(x0, x1) * s, min(y0, y1) * s, max(x0, x1) * s, max(y0, y1) * s]

    def _wd(self, width):
        return max(1, int(round(width * self.ss)))

    def polygon(self, pts, fill=None, outline=OUTLINE, width=3.0):
        """Filled polygon with an ink outline (``outline=None`` for none)."""
        self.d.polygon(self._pts(pts), fill=fill)
        if outline is not None and width > 0:
            p = list(pts) + [pts[0]]
            self.line(p, outline, width)

    def ellipse(self, box, fill=None, outline=OUTLINE, width=3.0):
        """Axis-aligned ellipse in bounding box ``(x0, y0, x1, y1)``."""
        if fill is None and (outline is None or width <= 0):
            return  # PIL would fall back to its default ink
        self.d.ellipse(self._box(box), fill=fill,
                       outline=outline if width > 0 else None,
                       width=self._wd(width) if outline is not None else 0)

    def circle(self, cx, cy, r, fill=None, outline=OUTLINE, width=3.0):
        """Circle of radius ``r`` at ``(cx, cy)``."""
        self.ellipse((cx - r, cy - r, cx + r, cy + r), fill, outline, width)

    def rect(self, box, fill=None, outline=OUTLINE, width=3.0, radius=0.0):
        """(Rounded) rectangle."""
        self.d.rounded_rectangle(self._box(box), radius=radius * self.ss, fill=fill,
                                 outline=outline if width > 0 else None,
                                 width=self._wd(width) if outline is not None else 0)

    def line(self, pts, fill, width=3.0):
        """Polyline with round joints and round caps."""
        p = self._pts(pts)
        w = self._wd(width)
        self.d.line(p, fill=fill, width=w, joint="curve")
        r = w / 2.0
        for x, y in (p[0], p[-1]):
            self.d.ellipse([x - r, y - r, x + r, y + r], fill=fill)

    def stroke(self, pts, fill, width, outline=OUTLINE, ow=2.5):
        """Thick line with an ink border (drawn as a wider dark line first)."""
        if outline is not None:
            self.line(pts, outline, width + 2 * ow)
        self.line(pts, fill, width)

    def arc(self, box, start, end, fill, width=3.0):
        """Elliptical arc (degrees, clockwise from 3 o'clock, as PIL)."""
        self.d.arc(self._box(box), start, end, fill=fill, width=self._wd(width))

    def chord(self, box, start, end, fill=None, outline=OUTLINE, width=3.0):
        """Ellipse segment closed by a chord."""
        self.d.chord(self._box(box), start, end, fill=fill,
                     outline=outline if width > 0 else None,
                     width=self._wd(width) if outline is not None else 0)

    def erase_ellipse(self, box):
        """Make an elliptical hole (fully transparent pixels)."""
        self.d.ellipse(self._box(box), fill=(0, 0, 0, 0))

    def image(self) -> Image.Image:
        """Downsampled RGBA result (premultiplied to avoid dark fringes)."""
        return self.img.convert("RGBa").resize((self.w, self.h), Image.BOX).convert("RGBA")


def _curve(p0, p1, p2, n: int = 16) -> list[tuple[float, float]]:
    """Points on the quadratic Bézier ``p0 -> p2`` with control ``p1``."""
    s = np.linspace(0, 1, n)[:, None]
    a, b, c = (np.asarray(p, dtype=float) for p in (p0, p1, p2))
    return [tuple(p) for p in (1 - s) ** 2 * a + 2 * (1 - s) * s * b + s ** 2 * c]


def _blade(p0, p1, p2, w0: float, w1: float, n: int = 20) -> list[tuple[float, float]]:
    """Polygon of a curved tapering band along a Bézier (blades, bananas)."""
    c = np.asarray(_curve(p0, p1, p2, n))
    t = np.gradient(c, axis=0)
    t /= np.linalg.norm(t, axis=1, keepdims=True)
    nrm = np.stack([-t[:, 1], t[:, 0]], axis=1)
    w = np.linspace(w0, w1, n)[:, None] / 2
    left, right = c + nrm * w, c - nrm * w
    return [tuple(p) for p in np.vstack([left, right[::-1]])]


def _shade(rgb, k: float) -> tuple:
    """Scale an RGB(A) colour's brightness (k < 1 darker), keeping alpha."""
    out = [int(np.clip(round(c * k), 0, 255)) for c in rgb[:3]]
    return tuple(out + [rgb[3]] if len(rgb) == 4 else out)


# ---------------------------------------------------------------------------
# Character sprites (300 x 400 RGBA)
# ---------------------------------------------------------------------------

SKIN = (240, 200, 165, 255)
GOLD = (236, 188, 58, 255)
STEEL = (176, 182, 194, 255)
BROWN = (122, 80, 44, 255)
BLACK = (34, 32, 38, 255)
WHITE = (245, 244, 240, 255)


def draw_mage(rng: np.random.Generator) -> Image.Image:
    """Wizard with pointed hat, white beard, purple starry robe and glowing staff."""
    p = _Pen(300, 400)
    purple, dpurple = (96, 60, 168, 255), (66, 40, 120, 255)
    for r, a in ((40, 50), (30, 90), (22, 140)):           # orb glow (translucent)
        p.circle(232, 58, r, fill=(140, 230, 255, a), outline=None)
    p.stroke([(233, 70), (247, 392)], BROWN, 9)
    p.ellipse((106, 378, 142, 396), fill=(90, 55, 30, 255))  # shoes
    p.ellipse((158, 378, 194, 396), fill=(90, 55, 30, 255))

    def xl(y):
        return 112 - (y - 175) * 40 / 213

    robe = [(112, 175), (188, 175), (228, 388), (72, 388)]
    p.polygon(robe, fill=purple)
    p.polygon([(xl(368), 368), (300 - xl(368), 368), (228, 388), (72, 388)], fill=GOLD)
    p.polygon([(xl(236), 236), (300 - xl(236), 236), (300 - xl(250), 250), (xl(250), 250)],
              fill=GOLD)
    for cx, cy, r in ((130, 290, 9), (172, 322, 11), (118, 342, 7), (176, 272, 7), (150, 352, 8)):
        p.polygon(_star_points(cx, cy, r, r * 0.45), fill=GOLD, width=1.5)
    # Arms: left hangs, right holds the staff.
    p.polygon([(116, 183), (90, 258), (114, 268), (132, 200)], fill=dpurple)
    p.circle(102, 270, 10, fill=SKIN)
    p.polygon([(178, 182), (232, 222), (224, 244), (168, 212)], fill=dpurple)
    p.circle(237, 232, 11, fill=SKIN)
    p.circle(232, 58, 16, fill=(120, 225, 255, 255))          # orb
    p.circle(227, 52, 5, fill=(235, 252, 255, 255), outline=None)
    # Head, beard, face.
    p.circle(150, 140, 34, fill=SKIN)
    p.polygon([(116, 146), (184, 146), (176, 196), (150, 240), (124, 196)], fill=WHITE)
    p.ellipse((128, 150, 152, 164), fill=WHITE, width=2)
    p.ellipse((148, 150, 172, 164), fill=WHITE, width=2)
    p.circle(150, 146, 6, fill=_shade(SKIN, 0.9), width=2)
    for ex in (136, 164):
        p.circle(ex, 132, 4, fill=BLACK, outline=None)
        p.line([(ex - 8, 122), (ex + 8, 124)], WHITE, 4)
    # Hat: brim, bent cone, band and a star.
    p.polygon([(114, 112), (186, 112), (170, 62), (206, 24), (150, 44)], fill=purple)
    p.ellipse((84, 98, 216, 126), fill=dpurple)
    p.polygon([(118, 104), (182, 104), (178, 90), (122, 90)], fill=GOLD, width=2)
    p.polygon(_star_points(150, 70, 11, 5), fill=GOLD, width=1.5)
    return p.image()


def draw_warrior(rng: np.random.Generator) -> Image.Image:
    """Armoured knight with plumed helmet, sword, shield and red cape."""
    p = _Pen(300, 400)
    red, blue = (182, 40, 40, 255), (40, 72, 162, 255)
    dsteel = _shade(STEEL, 0.7)
    p.polygon([(108, 165), (192, 165), (222, 372), (78, 372)], fill=red)   # cape
    for x0 in (116, 154):
        p.rect((x0, 268, x0 + 30, 372), fill=STEEL)
        p.ellipse((x0 - 2, 300, x0 + 32, 326), fill=dsteel)
        p.rect((x0 - 6, 360, x0 + 36, 393), fill=(96, 60, 34, 255), radius=8)
    p.polygon([(104, 262), (196, 262), (206, 302), (94, 302)], fill=dsteel)  # tassets
    p.rect((104, 160, 196, 272), fill=STEEL, radius=22)                     # breastplate
    p.line([(150, 172), (150, 250)], _shade(STEEL, 1.2), 4)
    p.rect((102, 250, 198, 266), fill=(96, 60, 34, 255))                     # belt
    p.rect((142, 249, 158, 267), fill=GOLD, width=2)
    # Sword arm and sword held upright.
    p.rect((188, 178, 214, 250), fill=STEEL, radius=8)
    p.polygon([(201, 242), (215, 242), (215, 62), (208, 40), (201, 62)], fill=(214, 220, 230, 255))
    p.line([(208, 60), (208, 236)], _shade(STEEL, 0.85), 2)
    p.rect((186, 236, 230, 248), fill=GOLD, radius=4)
    p.rect((202, 248, 214, 280), fill=BROWN)
    p.circle(208, 285, 7, fill=GOLD)
    p.circle(208, 260, 13, fill=dsteel)
    p.ellipse((170, 152, 222, 196), fill=dsteel)                              # pauldrons
    p.ellipse((78, 152, 130, 196), fill=dsteel)
    # Heater shield on the other arm.
    shield = [(38, 178), (132, 178), (132, 238)] + _curve((132, 238), (130, 282), (85, 308)) \
        + _curve((85, 308), (40, 282), (38, 238))
    p.polygon(shield, fill=blue, width=3.5)
    inner = [(50, 190), (120, 190), (120, 236)] + _curve((120, 236), (118, 272), (85, 294)) \
        + _curve((85, 294), (52, 272), (50, 236))
    p.polygon(inner, fill=None, outline=GOLD, width=4)
    p.rect((79, 196, 91, 288), fill=GOLD, width=2)
    p.rect((56, 224, 114, 236), fill=GOLD, width=2)
    # Helmet with visor slits and a plume.
    p.rect((128, 146, 172, 170), fill=dsteel)
    plume = [(150, 84)] + _curve((150, 84), (140, 30), (196, 30)) + _curve((196, 30), (186, 60), (170, 86))
    p.polygon(plume, fill=red)
    p.circle(150, 118, 40, fill=STEEL, width=3.5)
    p.rect((116, 110, 184, 121), fill=BLACK, radius=4, outline=None)
    p.rect((146, 121, 154, 150), fill=BLACK, radius=3, outline=None)
    for hx in (128, 136, 164, 172):
        p.circle(hx, 136, 2.5, fill=BLACK, outline=None)
    p.line([(150, 80), (150, 108)], _shade(STEEL, 1.2), 4)
    return p.image()


def draw_pirate(rng: np.random.Generator) -> Image.Image:
    """Pirate with tricorne hat, eyepatch, beard, red coat, cutlass, hook and parrot."""
    p = _Pen(300, 400)
    red = (176, 36, 40, 255)
    stripe = (64, 84, 156, 255)
    # Legs: striped trousers, one boot, one peg leg.
    p.rect((118, 290, 146, 352), fill=WHITE)
    for y in range(296, 350, 12):
        p.rect((119, y, 145, y + 5), fill=stripe, outline=None)
    p.rect((112, 344, 152, 393), fill=BLACK, radius=6)
    p.rect((154, 290, 182, 334), fill=WHITE)
    for y in range(296, 332, 12):
        p.rect((155, y, 181, y + 5), fill=stripe, outline=None)
    p.polygon([(159, 332), (177, 332), (172, 392), (164, 392)], fill=(150, 100, 58, 255))
    # Coat, shirt, belt, buttons.
    p.polygon([(106, 165), (194, 165), (214, 322), (150, 302), (86, 322)], fill=red)
    p.polygon([(130, 165), (170, 165), (150, 222)], fill=WHITE)
    p.rect((100, 256, 200, 270), fill=BLACK, outline=None)
    p.rect((141, 254, 159, 272), fill=GOLD, width=2)
    for bx in (124, 176):
        for by in (212, 236, 290):
            p.circle(bx, by, 4.5, fill=GOLD, width=1.5)
    # Hook arm (viewer's left) and sword arm.
    p.polygon([(110, 178), (84, 250), (104, 260), (126, 196)], fill=red)
    p.rect((86, 252, 104, 266), fill=BLACK, outline=None)
    p.arc((78, 262, 104, 292), 200, 90, (170, 176, 186, 255), 5)
    p.polygon([(190, 178), (226, 218), (214, 234), (176, 206)], fill=red)
    p.polygon(_blade((222, 222), (214, 130), (262, 70), 14, 2, 24), fill=(218, 224, 232, 255))
    p.arc((206, 206, 238, 238), 120, 360, GOLD, 5)
    p.circle(222, 226, 10, fill=SKIN)
    # Head, beard, eyepatch.
    p.circle(150, 132, 34, fill=SKIN)
    p.chord((116, 98, 184, 168), 10, 170, fill=BLACK)
    p.arc((134, 140, 166, 156), 20, 160, (200, 80, 80, 255), 3)
    p.circle(137, 126, 4, fill=BLACK, outline=None)
    p.line([(118, 106), (184, 140)], BLACK, 3)
    p.ellipse((155, 116, 173, 134), fill=BLACK, outline=None)
    p.circle(149, 138, 5, fill=_shade(SKIN, 0.9), width=2)
    # Tricorne hat with skull and crossbones.
    p.chord((112, 60, 188, 124), 180, 360, fill=BLACK)
    p.polygon([(84, 108), (118, 88), (150, 98), (182, 88), (216, 108), (150, 122)], fill=BLACK,
              outline=GOLD, width=3)
    p.line([(140, 72), (160, 92)], WHITE, 3)
    p.line([(160, 72), (140, 92)], WHITE, 3)
    p.circle(150, 80, 7, fill=WHITE, outline=None)
    p.circle(147, 79, 1.8, fill=BLACK, outline=None)
    p.circle(153, 79, 1.8, fill=BLACK, outline=None)
    # Parrot on the shoulder.
    p.polygon([(100, 178), (86, 206), (96, 208)], fill=(50, 90, 200, 255), width=2)
    p.ellipse((90, 140, 118, 184), fill=(60, 170, 70, 255))
    p.circle(106, 138, 10, fill=(215, 45, 40, 255))
    p.polygon([(114, 134), (124, 140), (114, 144)], fill=GOLD, width=1.5)
    p.circle(104, 135, 2, fill=BLACK, outline=None)
    return p.image()


def draw_monster(rng: np.random.Generator) -> Image.Image:
    """One-eyed green horned monster with a toothy grin and a spiked club."""
    p = _Pen(300, 400)
    green, dgreen = (92, 172, 82, 255), (52, 112, 52, 255)
    horn = (240, 230, 200, 255)
    # Club (behind the raised arm).
    p.polygon([(226, 236), (240, 238), (282, 74), (262, 62)], fill=(132, 86, 46, 255))
    for sx, sy, dx, dy in ((268, 90, 14, -4), (258, 120, -14, -2), (274, 130, 14, 4),
                           (266, 64, 4, -14)):
        p.polygon([(sx, sy - 5), (sx + dx, sy + dy), (sx, sy + 5)], fill=STEEL, width=2)
    for fx in (80, 160):                                           # feet + claws
        p.ellipse((fx, 352, fx + 60, 392), fill=dgreen)
        for k in range(3):
            x = fx + 12 + 16 * k
            p.polygon([(x, 388), (x + 8, 388), (x + 4, 398)], fill=horn, width=1.5)
    p.polygon([(98, 150), (74, 80), (122, 134)], fill=horn)        # horns
    p.polygon([(202, 150), (226, 80), (178, 134)], fill=horn)
    p.ellipse((55, 118, 245, 376), fill=green, width=3.5)          # body
    p.ellipse((96, 206, 204, 356), fill=(172, 212, 122, 255), outline=None)
    for cx, cy, r in ((76, 250, 10), (90, 300, 7), (216, 280, 9), (208, 330, 6), (84, 200, 6)):
        p.circle(cx, cy, r, fill=(122, 72, 142, 255), outline=None)
    # Arms.
    p.polygon([(64, 230), (34, 300), (52, 308), (80, 250)], fill=green)
    for k in range(3):
        p.polygon([(36 + 6 * k, 304), (42 + 6 * k, 304), (36 + 6 * k, 318)], fill=horn, width=1)
    p.polygon([(232, 220), (246, 180), (262, 188), (244, 238)], fill=green)
    p.circle(240, 236, 14, fill=green)
    # Eye.
    p.ellipse((112, 146, 188, 212), fill=WHITE, width=3.5)
    p.circle(150, 180, 17, fill=(240, 200, 40, 255), width=2)
    p.ellipse((145, 166, 155, 194), fill=BLACK, outline=None)
    p.circle(142, 170, 4, fill=WHITE, outline=None)
    p.arc((108, 136, 192, 206), 200, 340, dgreen, 6)
    # Grin with teeth.
    p.chord((100, 214, 200, 296), 0, 180, fill=(92, 22, 34, 255), width=3.5)
    for k in range(5):
        x = 108 + 18 * k
        p.polygon([(x, 255), (x + 14, 255), (x + 7, 268)], fill=WHITE, width=1.5)
    p.polygon([(124, 286), (136, 286), (130, 274)], fill=WHITE, width=1.5)
    p.polygon([(164, 286), (176, 286), (170, 274)], fill=WHITE, width=1.5)
    return p.image()


def draw_toadking(rng: np.random.Generator) -> Image.Image:
    """Fat toad king with crown, ermine-trimmed cape and jewelled sceptre."""
    p = _Pen(300, 400)
    green, dgreen = (112, 162, 72, 255), (66, 112, 46, 255)
    belly = (228, 216, 142, 255)
    cape = (162, 30, 52, 255)
    p.polygon([(80, 170), (220, 170), (256, 386), (44, 386)], fill=cape)
    for fx in (56, 174):                                             # webbed feet
        p.ellipse((fx, 358, fx + 72, 392), fill=dgreen)
    p.ellipse((68, 172, 232, 378), fill=green, width=3.5)            # body
    p.ellipse((100, 214, 200, 366), fill=belly, outline=None)
    for y in range(240, 360, 22):
        p.arc((110, y - 14, 190, y + 14), 30, 150, _shade(belly, 0.85), 2)
    p.ellipse((84, 160, 216, 202), fill=WHITE)                       # ermine collar
    for cx in range(100, 206, 18):
        p.rect((cx - 2, 175, cx + 2, 186), fill=BLACK, outline=None)
    # Head with a wide mouth and blushing cheeks.
    p.ellipse((60, 92, 240, 214), fill=green, width=3.5)
    p.arc((82, 116, 218, 196), 20, 160, BLACK, 4)
    p.ellipse((76, 162, 104, 180), fill=(236, 140, 140, 255), outline=None)
    p.ellipse((196, 162, 224, 180), fill=(236, 140, 140, 255), outline=None)
    for nx in (140, 160):
        p.circle(nx, 142, 2.5, fill=dgreen, outline=None)
    # Bulging eyes with horizontal pupils.
    for ex in (104, 196):
        p.circle(ex, 96, 26, fill=green, width=3.5)
        p.circle(ex, 94, 17, fill=(250, 220, 90, 255), width=2)
        p.ellipse((ex - 12, 89, ex + 12, 99), fill=BLACK, outline=None)
        p.arc((ex - 27, 69, ex + 27, 121), 200, 340, dgreen, 5)
    # Crown between the eyes.
    crown = [(120, 92), (118, 50), (134, 66), (150, 38), (166, 66), (182, 50), (180, 92)]
    p.polygon(crown, fill=GOLD, width=3)
    p.circle(150, 78, 6, fill=(210, 30, 50, 255), width=2)
    p.circle(130, 82, 4, fill=(40, 90, 210, 255), width=1.5)
    p.circle(170, 82, 4, fill=(40, 90, 210, 255), width=1.5)
    for tx, ty in ((118, 50), (150, 38), (182, 50)):
        p.circle(tx, ty, 4, fill=GOLD, width=1.5)
    # Sceptre in the right hand, left hand on the belly.
    p.stroke([(246, 140), (236, 336)], GOLD, 7)
    p.circle(247, 130, 13, fill=GOLD)
    p.circle(247, 130, 6, fill=(210, 30, 50, 255), width=1.5)
    p.polygon([(210, 230), (244, 236), (246, 262), (206, 256)], fill=green)
    p.circle(240, 250, 13, fill=green)
    p.polygon([(90, 232), (120, 270), (108, 282), (76, 246)], fill=green)
    p.circle(118, 276, 11, fill=green)
    return p.image()


# ---------------------------------------------------------------------------
# Object sprites (200 x 200 RGBA)
# ---------------------------------------------------------------------------

def draw_barrel(rng: np.random.Generator) -> Image.Image:
    """Wooden barrel with staves and two iron hoops."""
    p = _Pen(200, 200)
    ys = np.linspace(28, 184, 40)
    hw = 50 + 10 * np.sin(np.pi * (ys - 28) / 156)
    body = [(100 - w, y) for y, w in zip(ys, hw)] + [(100 + w, y) for y, w in zip(ys[::-1], hw[::-1])]
    p.polygon(body, fill=(160, 102, 54, 255), width=3.5)
    for f in (-0.66, -0.33, 0.0, 0.33, 0.66):
        p.line([(100 + f * w, y) for y, w in zip(ys[1:-1], hw[1:-1])], (112, 68, 34, 255), 2.5)
    for y0, y1 in ((52, 66), (146, 160)):
        yb = np.linspace(y0, y1, 6)
        wb = np.interp(yb, ys, hw) + 1.5
        band = [(100 - w, y) for y, w in zip(yb, wb)] + [(100 + w, y) for y, w in zip(yb[::-1], wb[::-1])]
        p.polygon(band, fill=(112, 114, 124, 255), width=2.5)
        for x in (72, 100, 128):
            p.circle(x, (y0 + y1) / 2, 2.2, fill=(200, 200, 210, 255), outline=None)
    p.ellipse((50, 17, 150, 39), fill=(196, 142, 86, 255), width=3.5)
    p.ellipse((62, 21, 138, 35), fill=None, outline=(150, 100, 56, 255), width=2)
    return p.image()


def draw_anchor(rng: np.random.Generator) -> Image.Image:
    """Ship's anchor: ring, stock, shank, curved arms and flukes."""
    p = _Pen(200, 200)
    steel, dark = (92, 104, 122, 255), OUTLINE
    p.arc((78, 8, 122, 52), 0, 360, dark, 13)                  # ring (outline + body)
    p.arc((80, 10, 120, 50), 0, 360, steel, 8)
    p.arc((32, 76, 168, 186), 15, 165, dark, 17)                 # arms
    p.arc((32, 76, 168, 186), 15, 165, steel, 11)
    for s in (-1, 1):                                            # flukes
        x = 100 + s * 68 * math.cos(math.radians(15))
        y = 131 + 55 * math.sin(math.radians(15))
        p.polygon([(x - s * 10, y + 6), (x + s * 14, y + 4), (x + s * 4, y - 30)], fill=steel)
    p.rect((92, 44, 108, 172), fill=steel, radius=3)             # shank
    p.rect((58, 54, 142, 68), fill=steel, radius=6)              # stock
    p.circle(100, 174, 9, fill=steel)
    p.line([(97, 72), (97, 164)], _shade(steel, 1.35), 3)
    return p.image()


def draw_axe(rng: np.random.Generator) -> Image.Image:
    """Woodcutter's axe: long wooden handle and a steel head."""
    p = _Pen(200, 200)
    p.stroke([(58, 184), (138, 24)], (150, 98, 52, 255), 13)
    for k in range(4):                                           # grip wrap
        t = 0.08 + 0.05 * k
        x, y = 58 + 80 * t, 184 - 160 * t
        p.line([(x - 8, y - 3), (x + 8, y + 3)], (92, 56, 30, 255), 3)
    head = [(112, 40), (150, 20)] + _curve((150, 20), (186, 50), (164, 102)) + [(124, 84)]
    p.polygon(head, fill=(170, 178, 190, 255), width=3.5)
    edge = _curve((152, 26), (180, 52), (162, 94), 12)
    p.line(edge, (232, 236, 242, 255), 5)
    p.polygon([(114, 46), (90, 52), (112, 72)], fill=(130, 136, 148, 255))
    p.circle(128, 58, 4, fill=(90, 94, 104, 255), outline=None)
    return p.image()


def draw_bomb(rng: np.random.Generator) -> Image.Image:
    """Round cartoon bomb with a burning fuse."""
    p = _Pen(200, 200)
    p.polygon([(114, 56), (138, 40), (152, 62), (128, 78)], fill=(110, 112, 122, 255))
    p.circle(95, 118, 62, fill=(44, 44, 56, 255), width=3.5)
    p.ellipse((60, 80, 88, 104), fill=(150, 152, 170, 255), outline=None)
    p.line(_curve((144, 50), (150, 26), (170, 28)), (150, 110, 60, 255), 5)
    p.polygon(_star_points(174, 26, 20, 8, 8), fill=(255, 150, 30, 255), width=2)
    p.polygon(_star_points(174, 26, 10, 4, 8), fill=(255, 238, 90, 255), outline=None)
    return p.image()


def draw_key(rng: np.random.Generator) -> Image.Image:
    """Old-fashioned golden key with a round bow and two bit teeth."""
    p = _Pen(200, 200)
    gold, dgold = GOLD, (176, 124, 24, 255)
    p.rect((80, 90, 182, 108), fill=gold, radius=4)
    p.rect((142, 104, 156, 134), fill=gold)
    p.rect((162, 104, 176, 124), fill=gold)
    p.circle(54, 99, 36, fill=gold, width=3.5)
    p.erase_ellipse((38, 83, 70, 115))
    p.circle(54, 99, 16, fill=None, width=3)
    p.arc((26, 71, 82, 127), 200, 280, (255, 240, 170, 255), 4)
    p.line([(92, 95), (176, 95)], _shade(gold, 1.12), 2.5)
    p.rect((88, 88, 96, 110), fill=dgold, width=2)
    return p.image()


def draw_chest(rng: np.random.Generator) -> Image.Image:
    """Treasure chest: planked base, rounded lid, gold bands and lock."""
    p = _Pen(200, 200)
    wood, dwood = (146, 88, 42, 255), (104, 60, 28, 255)
    p.rect((24, 96, 176, 178), fill=wood, width=3.5)
    for y in (118, 138, 158):
        p.line([(27, y), (173, y)], dwood, 2.5)
    p.chord((24, 36, 176, 156), 180, 360, fill=_shade(wood, 1.12), width=3.5)
    for y in (60, 80):
        half = 76 * math.sqrt(max(0.0, 1 - ((96 - y) / 60) ** 2))
        p.line([(100 - half + 4, y), (100 + half - 4, y)], dwood, 2.5)
    for x0 in (40, 148):
        xc = x0 + 6 - 100
        top = 96 - 60 * math.sqrt(1 - (xc / 76) ** 2)
        p.rect((x0, top + 1, x0 + 12, 178), fill=GOLD, width=2)
    p.rect((24, 92, 176, 102), fill=GOLD, width=2)
    p.rect((86, 86, 114, 120), fill=GOLD, radius=4, width=2.5)
    p.circle(100, 99, 4.5, fill=BLACK, outline=None)
    p.polygon([(97, 101), (103, 101), (101, 112), (99, 112)], fill=BLACK, outline=None)
    return p.image()


def draw_bananas(rng: np.random.Generator) -> Image.Image:
    """Bunch of three bananas joined at a common stem."""
    p = _Pen(200, 200)
    yellow, tip = (246, 214, 62, 255), (96, 64, 30, 255)
    stem = (60, 36)
    for end, ctrl, w in (((176, 120), (110, 150), 30), ((150, 172), (60, 160), 32),
                         ((40, 166), (20, 100), 28)):
        band = _blade(stem, ctrl, end, 10, 6, 24)
        # Fatten the middle of the fruit: scale widths by a sine profile.
        c = np.asarray(_curve(stem, ctrl, end, 24))
        t = np.gradient(c, axis=0)
        t /= np.linalg.norm(t, axis=1, keepdims=True)
        nrm = np.stack([-t[:, 1], t[:, 0]], axis=1)
        wprof = (6 + w * np.sin(np.linspace(0.15, 1.0, 24) * np.pi) ** 0.8)[:, None] / 2
        band = [tuple(q) for q in np.vstack([c + nrm * wprof, (c - nrm * wprof)[::-1]])]
        p.polygon(band, fill=yellow, width=3)
        p.line([tuple(q) for q in (c + nrm * wprof * 0.35)[4:-3]], (255, 240, 150, 255), 3)
        p.circle(end[0], end[1], 4, fill=tip, outline=None)
    p.stroke([(48, 22), (66, 42)], (120, 140, 60, 255), 9)
    return p.image()


def draw_cupcake(rng: np.random.Generator) -> Image.Image:
    """Cupcake: striped paper case, pink frosting swirl, sprinkles, cherry."""
    p = _Pen(200, 200)
    case = (228, 96, 118, 255)
    p.polygon([(50, 112), (150, 112), (136, 186), (64, 186)], fill=case, width=3.5)
    for k in range(1, 7):
        xt, xb = 50 + k * 100 / 7, 64 + k * 72 / 7
        p.line([(xt, 116), (xb, 182)], _shade(case, 0.8), 2.5)
    icing = (250, 196, 214, 255)
    for box in ((40, 88, 160, 128), (54, 64, 146, 104), (70, 44, 130, 80)):
        p.ellipse(box, fill=icing, width=3)
    p.polygon([(88, 50), (112, 50), (102, 30)], fill=icing, width=3)
    for _ in range(18):
        x, y = rng.uniform(54, 146), rng.uniform(70, 118)
        a = rng.uniform(0, np.pi)
        col = [(60, 160, 230), (250, 230, 60), (120, 200, 90), (255, 255, 255)][rng.integers(4)]
        p.line([(x - 4 * math.cos(a), y - 4 * math.sin(a)), (x + 4 * math.cos(a), y + 4 * math.sin(a))],
               col + (255,), 3)
    p.line(_curve((104, 22), (108, 8), (120, 4)), (80, 130, 50, 255), 3)
    p.circle(102, 26, 11, fill=(214, 24, 40, 255))
    p.circle(98, 22, 3, fill=(255, 190, 190, 255), outline=None)
    return p.image()


def draw_donut(rng: np.random.Generator) -> Image.Image:
    """Ring donut with wavy pink icing and sprinkles (transparent hole)."""
    p = _Pen(200, 200)
    dough = (214, 158, 88, 255)
    p.ellipse((16, 30, 184, 170), fill=dough, width=3.5)
    a = np.linspace(0, 2 * np.pi, 90, endpoint=False)
    wob = 1 + 0.05 * np.sin(7 * a + 1.0) + 0.03 * np.sin(11 * a)
    icing = [(100 + 72 * w * math.cos(t), 100 + 60 * w * math.sin(t)) for t, w in zip(a, wob)]
    p.polygon(icing, fill=(242, 128, 172, 255), width=2.5)
    for _ in range(28):
        while True:
            x, y = rng.uniform(36, 164), rng.uniform(48, 152)
            r = ((x - 100) / 70) ** 2 + ((y - 100) / 58) ** 2
            h = ((x - 100) / 34) ** 2 + ((y - 100) / 28) ** 2
            if r < 0.85 and h > 1.4:
                break
        t = rng.uniform(0, np.pi)
        col = [(60, 160, 230), (250, 230, 60), (120, 200, 90), (255, 255, 255)][rng.integers(4)]
        p.line([(x - 4 * math.cos(t), y - 4 * math.sin(t)), (x + 4 * math.cos(t), y + 4 * math.sin(t))],
               col + (255,), 3)
    p.ellipse((70, 76, 130, 124), fill=dough, width=2.5)
    p.erase_ellipse((80, 85, 120, 115))
    p.ellipse((80, 85, 120, 115), fill=None, width=3)
    return p.image()


def draw_heart(rng: np.random.Generator) -> Image.Image:
    """Glossy red heart."""
    p = _Pen(200, 200)
    t = np.linspace(0, 2 * np.pi, 120, endpoint=False)
    x = 16 * np.sin(t) ** 3
    y = 13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t)
    pts = [(100 + 5.2 * a, 92 - 5.2 * b) for a, b in zip(x, y)]
    p.polygon(pts, fill=(222, 38, 62, 255), width=4)
    p.ellipse((46, 48, 78, 70), fill=(255, 160, 170, 255), outline=None)
    p.circle(88, 56, 4, fill=(255, 200, 205, 255), outline=None)
    return p.image()


CHARACTERS: dict[str, Callable[[np.random.Generator], Image.Image]] = {
    "mage": draw_mage, "warrior": draw_warrior, "pirate": draw_pirate,
    "monster": draw_monster, "toadking": draw_toadking,
}
OBJECTS: dict[str, Callable[[np.random.Generator], Image.Image]] = {
    "barrel": draw_barrel, "anchor": draw_anchor, "axe": draw_axe, "bomb": draw_bomb,
    "key": draw_key, "chest": draw_chest, "bananas": draw_bananas, "cupcake": draw_cupcake,
    "donut": draw_donut, "heart": draw_heart,
}


# ---------------------------------------------------------------------------
# Painted landscape backgrounds (960 x 540 RGB)
# ---------------------------------------------------------------------------

def _sky(h: int, w: int, top, horizon, y_horizon: float) -> np.ndarray:
    """Vertical sky gradient, ``(h, w, 3)`` float; eased so the horizon glows."""
    t = np.clip(np.arange(h) / y_horizon, 0, 1) ** 1.6
    return np.broadcast_to(_mix(np.asarray(top) / 255, np.asarray(horizon) / 255, t)[:, None, :],
                           (h, w, 3)).copy()


def _paint_layer(canvas: np.ndarray, ridge: np.ndarray, top, bottom,
                 rng: np.random.Generator, texture: float = 0.05,
                 shade: np.ndarray | None = None) -> None:
    """Fill everything below a silhouette line with a textured gradient.

    Parameters
    ----------
    canvas : (H, W, 3) float
        Image in ``[0, 1]``, modified in place.
    ridge : (W,) float
        Silhouette height (row, y down) per column.
    top, bottom : RGB 0-255
        Layer colour at its highest ridge point and at the image bottom.
    rng : numpy.random.Generator
        Source of the brush-like texture noise.
    texture : float
        Amplitude of the multiplicative texture.
    shade : (W,) or (H, W) float, optional
        Brightness factor per column or per pixel (lit vs shadowed faces).
    """
    h, w = canvas.shape[:2]
    yy = np.arange(h)[:, None]
    # One-pixel soft edge = anti-aliased silhouette.
    alpha = np.clip(yy - ridge[None, :] + 0.5, 0, 1)
    t = np.clip((yy - ridge.min()) / max(h - ridge.min(), 1), 0, 1)
    col = _mix(np.asarray(top) / 255, np.asarray(bottom) / 255, t)
    col = np.broadcast_to(col, (h, w, 3)).copy() if col.shape[1] == 1 else col
    # Brush-like blotches, elongated 3:1 along x like horizontal strokes.
    strokes = fbm_2d(rng, (h, w), (max(h // 40, 1), max(w // 120, 1)), octaves=3,
                     periodic=False)
    col *= (1 - texture + 2 * texture * strokes)[..., None]
    if shade is not None:
        col *= (shade[None, :] if shade.ndim == 1 else shade)[..., None]
    canvas[:] = canvas * (1 - alpha[..., None]) + col * alpha[..., None]


def _composite(canvas: np.ndarray, layer: Image.Image) -> None:
    """Alpha-composite an RGBA PIL layer onto a float canvas in place."""
    a = np.asarray(layer).astype(float) / 255.0
    canvas[:] = canvas * (1 - a[..., 3:]) + a[..., :3] * a[..., 3:]


def _glow(canvas: np.ndarray, cx: float, cy: float, r: float, rgb, strength: float) -> None:
    """Add a radial glow (sun halos) of radius ``r`` pixels."""
    h, w = canvas.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    d = np.hypot(xx - cx, yy - cy) / r
    canvas += strength * np.exp(-d ** 2)[..., None] * (np.asarray(rgb) / 255)


def _clouds(p: _Pen, rng: np.random.Generator, n: int, y_range, w: int, col=(255, 255, 255, 235)):
    """Puffy cartoon clouds from overlapping ellipses with a flat base."""
    for _ in range(n):
        cx, cy = rng.uniform(0, w), rng.uniform(*y_range)
        size = rng.uniform(30, 60)
        for k in range(5):
            dx = (k - 2) * size * 0.55 + rng.uniform(-6, 6)
            r = size * (0.55 + 0.35 * (1 - abs(k - 2) / 2)) * rng.uniform(0.85, 1.1)
            p.ellipse((cx + dx - r, cy - r, cx + dx + r, cy + r * 0.5), fill=col, outline=None)


def paint_countryside(rng: np.random.Generator, w: int = 960, h: int = 540) -> np.ndarray:
    """Rolling green hills, round trees, a red farmhouse, blue sky and clouds."""
    c = _sky(h, w, (66, 126, 206), (190, 224, 246), 330)
    _glow(c, 790, 96, 120, (255, 240, 190), 0.35)
    p = _Pen(w, h, ss=2)
    p.circle(790, 96, 34, fill=(255, 246, 200, 255), outline=None)
    _clouds(p, rng, 6, (50, 200), w)
    _composite(c, p.image())
    far = 320 - 70 * fbm_1d(rng, w, 4)
    _paint_layer(c, far, (128, 168, 178), (150, 186, 170), rng, 0.03)
    mid = 378 - 90 * fbm_1d(rng, w, 3)
    _paint_layer(c, mid, (104, 170, 72), (70, 132, 48), rng)
    near = 458 - 60 * fbm_1d(rng, w, 2)
    _paint_layer(c, near, (128, 188, 74), (84, 150, 46), rng)
    p = _Pen(w, h, ss=2)
    hx = 300
    hy = float(mid[hx]) + 8
    p.rect((hx - 34, hy - 40, hx + 34, hy), fill=(186, 52, 44, 255), width=2)
    p.polygon([(hx - 42, hy - 38), (hx, hy - 70), (hx + 42, hy - 38)], fill=(90, 60, 52, 255), width=2)
    p.rect((hx - 8, hy - 22, hx + 8, hy), fill=(240, 220, 180, 255), width=1.5)
    p.rect((hx + 14, hy - 30, hx + 26, hy - 18), fill=(250, 240, 200, 255), width=1.5)
    for x in sorted(rng.uniform(0, w, 16)):
        if abs(x - hx) < 60:
            continue
        base = float(mid[int(x)]) + 6
        s = rng.uniform(0.6, 1.0)
        p.rect((x - 4 * s, base - 30 * s, x + 4 * s, base), fill=(100, 70, 40, 255), outline=None)
        g = (int(48 + 30 * s), int(110 + 30 * s), 50, 255)
        for dx, dy, r in ((0, -48, 22), (-14, -36, 16), (14, -36, 16)):
            p.circle(x + dx * s, base + dy * s, r * s, fill=g, outline=None)
    for x in (70, 160, 820, 900):                                   # big foreground trees
        base = float(near[x]) + 10
        p.rect((x - 7, base - 60, x + 7, base), fill=(96, 64, 36, 255), outline=None)
        for dx, dy, r in ((0, -96, 40), (-26, -72, 30), (26, -72, 30), (0, -70, 30)):
            p.circle(x + dx, base + dy, r, fill=(56, 124, 46, 255), outline=None)
    for _ in range(220):                                           # flowers
        x = rng.uniform(0, w)
        y = rng.uniform(float(near[int(x)]) + 10, h)
        col = [(255, 255, 255), (250, 220, 60), (240, 120, 160)][rng.integers(3)]
        p.circle(x, y, rng.uniform(1.5, 3), fill=col + (255,), outline=None)
    _composite(c, p.image())
    return c


def paint_desert(rng: np.random.Generator, w: int = 960, h: int = 540) -> np.ndarray:
    """Warm sky, low sun, distant mesas, shaded dunes and saguaro cacti."""
    c = _sky(h, w, (92, 138, 204), (252, 208, 146), 310)
    _glow(c, 210, 250, 160, (255, 220, 160), 0.4)
    p = _Pen(w, h, ss=2)
    p.circle(210, 250, 42, fill=(255, 244, 214, 255), outline=None)
    _composite(c, p.image())
    # Mesas: flat tops with steep sides (clipped noise).
    m = fbm_1d(rng, w, 5)
    mesa = 305 - 70 * _smoothstep(np.clip((m - 0.45) / 0.12, 0, 1)) - 6 * fbm_1d(rng, w, 20)
    _paint_layer(c, mesa, (206, 132, 102), (220, 160, 126), rng, 0.04)
    for k, (base, amp, top, bot) in enumerate([(360, 40, (238, 196, 132), (226, 176, 110)),
                                               (420, 55, (236, 186, 116), (214, 156, 90)),
                                               (490, 60, (230, 172, 98), (200, 136, 72))]):
        prof = fbm_1d(rng, w, 2 + k, octaves=3) ** 1.4
        ridge = base - amp * prof
        # Dune faces turned away from the sun (rising to the right) are in
        # shade, fading out below the crest so no vertical stripes appear.
        slope = gaussian_filter1d(np.gradient(ridge), 12, mode="nearest")
        below = np.clip((np.arange(h)[:, None] - ridge[None, :]) / 60.0, 0, 1)
        shade = 1.0 + 0.10 * np.tanh(slope * 4)[None, :] * (1 - below)
        _paint_layer(c, ridge, top, bot, rng, 0.04, shade)
        if k == 1:
            dunes_mid = ridge
        if k == 2:
            dunes_near = ridge
    p = _Pen(w, h, ss=2)
    cactus = (70, 130, 70, 255)
    for x, s in ((640, 1.0), (800, 0.7), (120, 0.8), (420, 0.45)):
        base = float((dunes_near if s > 0.6 else dunes_mid)[x]) + 12 * s
        hgt, tw = 120 * s, 14 * s
        p.rect((x - tw, base - hgt, x + tw, base), fill=cactus, radius=tw, width=2)
        for side, y0, ah in ((-1, 0.55, 0.35), (1, 0.4, 0.3)):
            ax = x + side * 30 * s
            ay = base - hgt * y0
            p.rect((min(x, ax) - 2, ay - 10 * s, max(x, ax) + 2, ay + 10 * s), fill=cactus,
                   outline=None)
            p.rect((ax - 10 * s, ay - hgt * ah, ax + 10 * s, ay + 10 * s), fill=cactus,
                   radius=10 * s, width=2)
        p.line([(x - 4 * s, base - hgt + 8), (x - 4 * s, base - 6)], (110, 170, 100, 255), 2)
    for _ in range(12):                                            # pebbles
        x = rng.uniform(0, w)
        y = float(dunes_near[int(x)]) + rng.uniform(15, 45)
        r = rng.uniform(3, 8)
        p.ellipse((x - r, y - r * 0.6, x + r, y + r * 0.6), fill=(160, 112, 76, 255), outline=None)
    _composite(c, p.image())
    return c


def paint_forest(rng: np.random.Generator, w: int = 960, h: int = 540) -> np.ndarray:
    """Misty pine forest: layers of fir silhouettes fading into fog."""
    c = _sky(h, w, (150, 196, 200), (226, 236, 206), 300)
    _glow(c, 620, 140, 200, (255, 250, 220), 0.3)
    fog = np.array([0.86, 0.90, 0.84])
    layers = [(300, 0.55, (112, 150, 134)), (350, 0.7, (78, 122, 96)),
              (410, 0.85, (50, 94, 64)), (480, 1.0, (30, 64, 40))]
    for k, (base, s, col) in enumerate(layers):
        ground = base + 10 * fbm_1d(rng, w, 3)
        # Dark undergrowth behind the trunks so gaps never show the fog.
        _paint_layer(c, ground - 30 * s, _shade(col, 0.85), _shade(col, 0.7), rng, 0.03)
        p = _Pen(w, h, ss=2)
        xs = np.sort(rng.uniform(-20, w + 20, int(70 / s)))
        for x in xs:
            gy = float(ground[int(np.clip(x, 0, w - 1))])
            th = rng.uniform(110, 190) * s
            tw = th * rng.uniform(0.26, 0.34)
            shade = _shade(col + (255,), rng.uniform(0.9, 1.1))
            if k == len(layers) - 1:
                p.rect((x - 5, gy - 24, x + 5, gy + 4), fill=(70, 48, 32, 255), outline=None)
            for tier in range(4):                                  # stacked triangles
                # The lowest tier reaches below the ground line so no gap
                # shows the fogged layer behind.
                ty = gy + 6 - (12 * s if k == len(layers) - 1 else 0) - tier * th * 0.22
                tw_t = tw * (1 - tier * 0.2)
                p.polygon([(x - tw_t, ty), (x + tw_t, ty), (x, ty - th * 0.38)], fill=shade,
                          outline=None)
        _composite(c, p.image())
        _paint_layer(c, ground, col, _shade(col, 0.8), rng, 0.04)
        if k < len(layers) - 1:
            # Fog between layers: stronger low down, thinner with height.
            yy = np.arange(h)[:, None, None]
            mist = 0.28 * np.clip((yy - (base - 160)) / 200, 0, 1)
            c[:] = c * (1 - mist) + fog * mist
    p = _Pen(w, h, ss=2)
    for _ in range(60):                                            # grass tufts
        x, y = rng.uniform(0, w), rng.uniform(492, h)
        for dx in (-3, 0, 3):
            p.line([(x, y), (x + dx * 2, y - rng.uniform(8, 16))], (60, 110, 56, 255), 1.5)
    for x in (210, 760):                                           # mushrooms
        y = 505 + (x % 7)
        p.rect((x - 4, y - 14, x + 4, y), fill=WHITE, width=1.5)
        p.chord((x - 14, y - 26, x + 14, y - 4), 180, 360, fill=(210, 40, 40, 255), width=1.5)
        p.circle(x - 5, y - 18, 2, fill=WHITE, outline=None)
        p.circle(x + 5, y - 20, 2, fill=WHITE, outline=None)
    _composite(c, p.image())
    return c


def paint_glacial(rng: np.random.Generator, w: int = 960, h: int = 540) -> np.ndarray:
    """Snowy jagged peaks, a glacier tongue, icebergs in dark cold water."""
    c = _sky(h, w, (96, 142, 204), (200, 226, 242), 320)
    p = _Pen(w, h, ss=2)
    _clouds(p, rng, 3, (40, 120), w, col=(250, 252, 255, 200))
    _composite(c, p.image())
    # Ridged noise makes sharp peaks.
    n = fbm_1d(rng, w, 4, octaves=5)
    ridged = 1 - np.abs(2 * n - 1)
    peaks = 330 - 200 * ridged ** 1.5
    # Hill-shading a 2-D noise height field (light from the right) gives
    # rocky facets; per-column shading would paint vertical stripes.
    relief = fbm_2d(rng, (h, w), (6, 10), octaves=3, periodic=False)
    # Blur first: value noise has visible lattice kinks in its derivative.
    gx = np.gradient(gaussian_filter(relief, 4.0), axis=1)
    light = 1.0 + 0.12 * np.tanh(gx / (2 * gx.std()))
    _paint_layer(c, peaks, (238, 244, 252), (150, 176, 206), rng, 0.04, light)
    glacier = 368 - 22 * fbm_1d(rng, w, 6, octaves=3)
    _paint_layer(c, glacier, (196, 228, 240), (150, 200, 222), rng, 0.05)
    water = np.full(w, 404.0)
    _paint_layer(c, water, (40, 86, 128), (18, 46, 84), rng, 0.03)
    p = _Pen(w, h, ss=2)
    for _ in range(40):                                            # reflections
        x, y = rng.uniform(0, w), rng.uniform(410, h)
        ln = rng.uniform(20, 90)
        p.line([(x, y), (x + ln, y)], (120, 170, 200, 120), 1.5)
    for x, y, s in ((180, 440, 1.0), (560, 418, 0.6), (780, 470, 1.3)):  # icebergs
        top = [(x - 60 * s, y), (x - 40 * s, y - 40 * s), (x - 10 * s, y - 52 * s),
               (x + 10 * s, y - 80 * s), (x + 30 * s, y - 46 * s), (x + 64 * s, y)]
        p.polygon([(a, y + (y - b) * 0.5) for a, b in top], fill=(70, 130, 170, 200), outline=None)
        p.polygon(top, fill=(236, 246, 252, 255), outline=(120, 160, 190, 255), width=1.5)
        p.polygon([(x + 10 * s, y - 80 * s), (x + 30 * s, y - 46 * s), (x + 64 * s, y),
                   (x + 16 * s, y)], fill=(178, 214, 234, 255), outline=None)
    for _ in range(14):                                            # ice floes
        x, y = rng.uniform(0, w), rng.uniform(430, h - 10)
        r = rng.uniform(10, 30)
        p.ellipse((x - r, y - r * 0.2, x + r, y + r * 0.2), fill=(226, 240, 248, 255), outline=None)
    _composite(c, p.image())
    return c


BACKGROUNDS: dict[str, Callable[[np.random.Generator], np.ndarray]] = {
    "countryside": paint_countryside, "desert": paint_desert,
    "forest": paint_forest, "glacial": paint_glacial,
}


# ---------------------------------------------------------------------------
# "Photographed" cut-out and backdrops (JPEG)
# ---------------------------------------------------------------------------

def _photo_finish(img: np.ndarray, rng: np.random.Generator, grain: float = 0.012,
                  vignette: float = 0.25) -> Image.Image:
    """Make a clean painting look more like a photo: blur, vignette, grain."""
    h, w = img.shape[:2]
    pil = Image.fromarray(_to_u8(img)).filter(ImageFilter.GaussianBlur(0.7))
    a = np.asarray(pil).astype(float) / 255
    yy, xx = np.mgrid[0:h, 0:w]
    r2 = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
    a *= (1 - vignette * np.clip(r2 / 2, 0, 1))[..., None]
    a += rng.normal(0, grain, a.shape)
    return Image.fromarray(_to_u8(a))


def draw_toy_on_white(rng: np.random.Generator, size: int = 480) -> Image.Image:
    """Red toy car on a pure white (255, 255, 255) backdrop, no alpha.

    The car is shaded with vertical gradients and a highlight; the backdrop
    is exactly white everywhere outside the object (no shadow), the typical
    input for white-background keying.
    """
    p = _Pen(size, size, ss=4)
    body_col = (206, 36, 40, 255)
    body = [(52, 300)] + _curve((52, 300), (50, 246), (110, 240)) + [(158, 238)] \
        + _curve((158, 238), (196, 170), (260, 168)) + _curve((260, 168), (324, 170), (352, 236)) \
        + [(400, 244)] + _curve((400, 244), (436, 252), (430, 300)) + [(430, 318), (52, 318)]
    p.polygon(body, fill=body_col, outline=(120, 16, 20, 255), width=3)
    p.polygon([(176, 236)] + _curve((176, 236), (204, 186), (254, 184)) + [(254, 236)],
              fill=(150, 206, 236, 255), outline=(60, 60, 70, 255), width=3)
    p.polygon([(266, 236), (266, 184)] + _curve((266, 184), (312, 188), (334, 236)),
              fill=(150, 206, 236, 255), outline=(60, 60, 70, 255), width=3)
    p.rect((254, 184, 266, 240), fill=body_col, outline=None)
    p.rect((408, 256, 432, 274), fill=(255, 236, 120, 255), radius=5, width=2)
    p.rect((48, 258, 62, 278), fill=(250, 80, 60, 255), radius=4, width=2)
    p.rect((40, 300, 110, 318), fill=(170, 170, 178, 255), radius=6, width=2)
    p.rect((380, 300, 442, 318), fill=(170, 170, 178, 255), radius=6, width=2)
    p.line([(262, 250), (262, 312)], (140, 20, 26, 255), 2.5)
    p.rect((230, 262, 250, 268), fill=(120, 20, 24, 255), radius=2, outline=None)
    for wx in (140, 342):
        p.circle(wx, 320, 46, fill=(30, 30, 34, 255), outline=(10, 10, 12, 255), width=2)
        p.circle(wx, 320, 22, fill=(196, 198, 206, 255), width=2)
        for k in range(5):
            a = 2 * np.pi * k / 5
            p.circle(wx + 11 * math.cos(a), 320 + 11 * math.sin(a), 2.5, fill=(90, 90, 96, 255),
                     outline=None)
    car = np.asarray(p.image()).astype(float) / 255
    alpha = car[..., 3:]
    # Studio-light shading: brighter top, darker bottom, one soft highlight.
    yy, xx = np.mgrid[0:size, 0:size]
    light = 1.18 - 0.45 * np.clip((yy - 168) / 190, 0, 1)
    light += 0.35 * np.exp(-(((xx - 250) / 90) ** 2 + ((yy - 205) / 14) ** 2))
    rgb = np.clip(car[..., :3] * light[..., None], 0, 1)
    rgb += rng.normal(0, 0.008, rgb.shape) * alpha      # sensor noise on the object only
    out = rgb * alpha + 1.0 * (1 - alpha)
    return Image.fromarray(_to_u8(out))


def draw_room(rng: np.random.Generator, w: int = 640, h: int = 480) -> Image.Image:
    """One-point-perspective living room: window, picture, sofa, plank floor.

    The back wall is the image frame scaled by 0.5 about the vanishing point,
    so every receding edge (wall corners, floor planks) meets at that point.
    """
    vx, vy, s = 320.0, 228.0, 0.5
    bx0, by0 = vx - s * vx, vy - s * vy
    bx1, by1 = vx + s * (w - vx), vy + s * (h - vy)
    c = np.zeros((h, w, 3))
    p = _Pen(w, h, ss=2, background=(0, 0, 0, 255))
    p.polygon([(0, 0), (w, 0), (bx1, by0), (bx0, by0)], fill=(232, 226, 214, 255), outline=None)
    p.polygon([(0, 0), (bx0, by0), (bx0, by1), (0, h)], fill=(206, 190, 164, 255), outline=None)
    p.polygon([(w, 0), (bx1, by0), (bx1, by1), (w, h)], fill=(190, 174, 150, 255), outline=None)
    p.rect((bx0, by0, bx1, by1), fill=(216, 202, 176, 255), outline=None)
    p.polygon([(0, h), (bx0, by1), (bx1, by1), (w, h)], fill=(150, 100, 62, 255), outline=None)
    # Floor planks run towards the vanishing point ...
    for xt in np.linspace(bx0, bx1, 11)[1:-1]:
        p.line([(xt, by1), (vx + (xt - vx) / s, h)], (118, 76, 44, 255), 1.5)
    # ... and their butt joints lie on lines parallel to the back wall.
    for depth in (0.12, 0.3, 0.55, 0.85):
        y = by1 + (h - by1) * depth
        half = (y - vy) / (h - vy) * vx
        p.line([(vx - half, y), (vx + half, y)], (126, 82, 48, 255), 1)
    p.line([(bx0, by1), (bx1, by1)], (245, 240, 230, 255), 4)      # skirting

    def lw(fx, fy):
        """Point on the left wall: fx 0 = front edge, 1 = back corner."""
        x = fx * bx0
        top = fx * by0
        bot = h + fx * (by1 - h)
        return (x, top + (bot - top) * fy)

    # Window on the left wall (a perspective quad) with daylight.
    win = [lw(0.3, 0.22), lw(0.8, 0.25), lw(0.8, 0.6), lw(0.3, 0.64)]
    p.polygon(win, fill=(206, 230, 250, 255), outline=(250, 250, 250, 255), width=6)
    p.line([lw(0.55, 0.235), lw(0.55, 0.62)], (250, 250, 250, 255), 5)
    p.line([lw(0.3, 0.43), lw(0.8, 0.425)], (250, 250, 250, 255), 5)
    # Picture frame and sofa on the back wall, rug on the floor.
    p.rect((272, 150, 368, 214), fill=(84, 60, 40, 255), outline=None)
    p.rect((280, 158, 360, 206), fill=(150, 196, 226, 255), outline=None)
    p.polygon([(280, 206), (302, 178), (320, 192), (342, 168), (360, 194), (360, 206)],
              fill=(90, 150, 80, 255), outline=None)
    sofa = (76, 124, 130, 255)
    p.rect((214, 270, 426, 330), fill=sofa, radius=10, outline=None)
    p.rect((204, 294, 436, 352), fill=_shade(sofa, 0.85), radius=8, outline=None)
    p.rect((196, 282, 228, 358), fill=_shade(sofa, 0.95), radius=10, outline=None)
    p.rect((412, 282, 444, 358), fill=_shade(sofa, 0.95), radius=10, outline=None)
    p.rect((234, 278, 316, 308), fill=_shade(sofa, 1.1), radius=8, outline=None)
    p.rect((324, 278, 406, 308), fill=_shade(sofa, 1.1), radius=8, outline=None)
    p.ellipse((230, 392, 410, 460), fill=(170, 60, 56, 255), outline=None)
    p.ellipse((248, 400, 392, 452), fill=None, outline=(220, 180, 120, 255), width=3)
    _composite(c, p.image())
    # Daylight from the window: brighter towards the left.
    yy, xx = np.mgrid[0:h, 0:w]
    c *= (0.8 + 0.35 * np.exp(-((xx - 60) / 320) ** 2 - ((yy - 200) / 300) ** 2))[..., None]
    c *= (0.98 + 0.04 * value_noise_2d(rng, (h, w), (24, 32), periodic=False))[..., None]
    return _photo_finish(c, rng)


def draw_street(rng: np.random.Generator, w: int = 640, h: int = 480) -> Image.Image:
    """Street in perspective: road with lane marks, pavements, facades, sky.

    Geometry is real 3-D (camera 1.6 m above the road looking along +Z,
    focal length 420 px) projected with a pinhole model.
    """
    f, cx, cy, cam_h = 420.0, w / 2, h * 0.47, 1.6

    def proj(X, Y, Z):
        return (cx + f * X / Z, cy - f * (Y - cam_h) / Z)

    c = _sky(h, w, (110, 160, 220), (214, 228, 238), cy)
    p = _Pen(w, h, ss=2)
    _clouds(p, rng, 3, (30, 110), w, col=(255, 255, 255, 220))
    far = 400.0
    p.polygon([proj(-9, 0, 1.0), proj(-9, 0, far), proj(9, 0, far), proj(9, 0, 1.0)],
              fill=(88, 88, 92, 255), outline=None)
    for sx in (-1, 1):                                           # pavements + kerbs
        p.polygon([proj(sx * 4, 0.12, 1.0), proj(sx * 4, 0.12, far), proj(sx * 7, 0.12, far),
                   proj(sx * 7, 0.12, 1.0)], fill=(168, 162, 154, 255), outline=None)
        p.line([proj(sx * 4, 0.12, 1.2), proj(sx * 4, 0.12, far)], (210, 206, 200, 255), 2)
        p.line([proj(sx * 3.8, 0.0, 1.2), proj(sx * 3.8, 0.0, far)], (235, 235, 230, 255), 2)
    for z0 in np.arange(2.0, 120.0, 6.0):                        # centre dashes
        p.polygon([proj(-0.08, 0, z0), proj(0.08, 0, z0), proj(0.08, 0, z0 + 3),
                   proj(-0.08, 0, z0 + 3)], fill=(240, 236, 220, 255), outline=None)
    palette = [(186, 120, 96), (210, 196, 170), (150, 110, 90), (196, 170, 140), (170, 150, 160)]
    for sx in (-1, 1):
        z = 1.5
        while z < 160:
            depth = rng.uniform(10, 22)
            height = rng.uniform(9, 22)
            col = palette[rng.integers(len(palette))]
            shade = 0.9 if sx < 0 else 0.75                       # sun from the left
            X = sx * 7.0
            facade = [proj(X, 0, z), proj(X, height, z), proj(X, height, z + depth), proj(X, 0, z + depth)]
            p.polygon(facade, fill=_shade(col + (255,), shade), outline=None)
            p.line([proj(X, 0, z), proj(X, height, z)], _shade(col + (255,), 0.6), 1.5)
            for fl in np.arange(3.2, height - 1.5, 3.2):          # windows
                for wz in np.arange(z + 1.5, z + depth - 1.2, 2.8):
                    q = [proj(X, fl, wz), proj(X, fl + 1.6, wz), proj(X, fl + 1.6, wz + 1.3),
                         proj(X, fl, wz + 1.3)]
                    p.polygon(q, fill=(70, 90, 110, 255), outline=None)
            z += depth
    _composite(c, p.image())
    return _photo_finish(c, rng, grain=0.015, vignette=0.3)


# ---------------------------------------------------------------------------
# Export, verification and entry point
# ---------------------------------------------------------------------------

#: Mesh builders, output file and whether the file must keep a UV texture.
MESH_FILES = (
    ("mug", "meshes/mug.glb", False),
    ("bottle", "meshes/bottle.glb", True),
    ("toy", "meshes/toy.glb", True),
    ("chair", "meshes/chair.ply", False),
    ("vase", "meshes/vase.stl", False),
    ("bottle", "meshes/bottle.obj", True),
)

#: Expected overall height (m) of each mesh, checked after reloading.
MESH_HEIGHTS = {"mug": 0.100, "bottle": 0.250, "toy": 0.121, "chair": 0.900, "vase": 0.200}


def build_meshes() -> dict[str, trimesh.Trimesh]:
    """Build all bundled meshes (z up, metres, standing on z = 0).

    Returns
    -------
    dict
        ``{'mug', 'bottle', 'chair', 'toy', 'vase'}`` -> ``trimesh.Trimesh``,
        each with a ``PBRMaterial`` on ``mesh.visual.material``.
    """
    return {
        "mug": make_mug(),
        "bottle": make_bottle(np.random.default_rng(SEEDS["bottle"])),
        "chair": make_chair(np.random.default_rng(SEEDS["chair"])),
        "toy": make_toy(np.random.default_rng(SEEDS["toy"])),
        "vase": make_vase(),
    }


def export_mesh(mesh: trimesh.Trimesh, path: Path) -> list[Path]:
    """Write a mesh in the format given by ``path``'s suffix.

    GLB keeps coordinates as-is (z up, see the module docstring) with
    normals, UVs and the PBR material/texture; PLY gets vertex colours;
    STL geometry only; OBJ writes ``<stem>.mtl`` and the texture PNG
    (named after the material) next to it.

    Returns
    -------
    list of pathlib.Path
        Every file written.
    """
    suffix = path.suffix.lower()
    if suffix == ".glb":
        mesh.export(path, include_normals=True)
        return [path]
    if suffix == ".ply":
        _vertex_color_copy(mesh).export(path, encoding="binary")
        return [path]
    if suffix == ".stl":
        mesh.export(path)
        return [path]
    if suffix == ".obj":
        mtl = path.with_suffix(".mtl").name
        mesh.export(path, mtl_name=mtl, header=None)
        tex = path.parent / f"{mesh.visual.material.name}.png"
        return [path, path.parent / mtl] + ([tex] if tex.exists() else [])
    raise ValueError(f"unsupported mesh format: {path}")


def verify_mesh_file(path: Path, reference: trimesh.Trimesh, textured: bool,
                     height: float) -> trimesh.Trimesh:
    """Reload an exported mesh and check size, placement and texture.

    Raises
    ------
    AssertionError
        If bounds differ from ``reference`` by more than 0.1 mm, the base is
        not at z = 0, the height is off by more than 2 mm, or a textured
        file lost its texture.
    """
    loaded = trimesh.load(path, force="mesh")
    assert np.allclose(loaded.bounds, reference.bounds, atol=1e-4), \
        f"{path}: bounds {loaded.bounds.tolist()} != {reference.bounds.tolist()}"
    assert abs(loaded.bounds[0, 2]) < 1e-6, f"{path}: base not at z=0"
    assert abs(loaded.extents[2] - height) < 2e-3, f"{path}: height {loaded.extents[2]}"
    centre = reference.bounds.mean(axis=0)
    assert abs(centre[1]) < 1e-6, f"{path}: not centred in y"
    if textured:
        assert loaded.visual.kind == "texture", f"{path}: texture lost"
        assert getattr(loaded.visual, "uv", None) is not None, f"{path}: no UVs"
        mat = loaded.visual.material
        img = getattr(mat, "baseColorTexture", None) or getattr(mat, "image", None)
        assert img is not None, f"{path}: texture image lost"
    if path.suffix.lower() == ".ply":
        assert loaded.visual.kind == "vertex", f"{path}: vertex colours lost"
    return loaded


def _mb(nbytes: int) -> str:
    return f"{nbytes / 1e6:.2f} MB" if nbytes >= 1e5 else f"{nbytes / 1e3:.1f} kB"


def main(root: Path | str | None = None) -> list[Path]:
    """(Re)generate every bundled asset under ``root`` (default: repo root).

    Prints each file written, verifies reloaded meshes, checks the sun
    position of the clear-sky HDRIs and that the total stays under 12 MB.

    Parameters
    ----------
    root : path-like, optional
        Output root; the files go to ``meshes/``, ``hdri/``, ``textures/``,
        ``sprites/`` and ``cutouts/`` below it.

    Returns
    -------
    list of pathlib.Path
        All files written.
    """
    root = Path(root) if root is not None else REPO_ROOT
    written: list[Path] = []

    def emit(path: Path) -> None:
        written.append(path)
        print(f"wrote {path.relative_to(root)}  ({_mb(path.stat().st_size)})")

    def out(rel: str) -> Path:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    # Meshes.
    meshes = build_meshes()
    for name, rel, textured in MESH_FILES:
        for path in export_mesh(meshes[name], out(rel)):
            emit(path)
        verify_mesh_file(root / rel, meshes[name], textured, MESH_HEIGHTS[name])
    for name, m in meshes.items():
        print(f"  {name}: {len(m.faces)} triangles, size {np.round(m.extents, 4).tolist()} m")

    # HDRIs.
    w, h = HDRI_SIZE
    for elev in (15, 45, 70):
        img, info = make_clear_sky(elev, w, h)
        path = out(f"hdri/sky_sun_{elev}.hdr")
        write_hdr(path, img)
        emit(path)
        e_el, e_az, peak = locate_sun(read_hdr(path))
        ratio = float(np.mean(info["sun_irradiance"]) / np.mean(info["sky_irradiance"]))
        print(f"  sun check: expected elev {elev:.2f} az {SUN_AZIMUTH_DEG:.2f}; "
              f"found elev {e_el:.3f} az {e_az:.3f} (peak pixel row {peak[0]}, col {peak[1]}); "
              f"sun/sky horizontal irradiance {ratio:.2f}")
        assert abs(e_el - elev) < 0.2 and abs(e_az - SUN_AZIMUTH_DEG) < 0.2, "sun misplaced"
    for name, fn in (("overcast", make_overcast_sky), ("studio", make_studio)):
        path = out(f"hdri/{name}.hdr")
        write_hdr(path, fn(w, h))
        emit(path)

    # Material textures.
    for name, fn in (("wood", make_wood), ("marble", make_marble),
                     ("fabric", make_fabric), ("tiles", make_tiles)):
        path = out(f"textures/{name}.png")
        save_png(path, fn(np.random.default_rng(SEEDS[name])))
        emit(path)

    # Sprites.
    for name, fn in BACKGROUNDS.items():
        path = out(f"sprites/backgrounds/{name}.png")
        save_png(path, fn(np.random.default_rng(SEEDS[name])))
        emit(path)
    for group, table in (("characters", CHARACTERS), ("objects", OBJECTS)):
        for name, fn in table.items():
            path = out(f"sprites/{group}/{name}.png")
            save_png(path, fn(np.random.default_rng(SEEDS[name])))
            emit(path)

    # Cut-out photo and backdrops.
    path = out("cutouts/toy_on_white.jpg")
    draw_toy_on_white(np.random.default_rng(SEEDS["toy_on_white"])).save(
        path, format="JPEG", quality=95, subsampling=0)
    emit(path)
    for name, fn in (("room", draw_room), ("street", draw_street)):
        path = out(f"cutouts/backgrounds/{name}.jpg")
        fn(np.random.default_rng(SEEDS[name])).save(path, format="JPEG", quality=92)
        emit(path)

    total = sum(p.stat().st_size for p in set(written))
    print(f"total {len(set(written))} files, {_mb(total)}")
    assert total < 12e6, "bundled assets exceed 12 MB"
    return written


if __name__ == "__main__":
    main()
