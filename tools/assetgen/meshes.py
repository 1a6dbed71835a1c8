"""The bundled meshes: mug, bottle, chair, toy robot, vase."""

from __future__ import annotations

import numpy as np
import trimesh
from PIL import Image, ImageDraw
from scipy.interpolate import PchipInterpolator
from trimesh.visual import ColorVisuals

from synth3d.assets.noise import to_u8, value_noise_2d

from .common import star_points
from .mesh_parts import (
    MeshPart,
    box_part,
    make_mesh,
    pbr_material,
    revolve,
    round_profile,
    rounded_cylinder,
    sphere_part,
    tube_part,
)


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
    prof = round_profile(
        [(0.0, 0.0), (R, 0.0), (R, H), (R - wall, H), (R - wall, bottom), (0.0, bottom)],
        [0, 0.004, 0.0021, 0.0021, 0.006, 0],
        samples=7,
    )
    body = revolve(prof, 96)

    # Handle: half torus in the xz plane, squashed in x into a "D".  Its end
    # caps sit inside the wall (cx is 1.5 mm inside the outer surface) and at
    # the ends the tube runs along -x, perpendicular to the wall.
    cx, cz, rm, squash = R - 0.0015, 0.054, 0.025, 0.8
    phi = np.linspace(-np.pi / 2, np.pi / 2, 33)
    centres = np.stack(
        [cx + squash * rm * np.cos(phi), np.zeros_like(phi), cz + rm * np.sin(phi)], axis=1
    )
    tangent = np.stack([-squash * np.sin(phi), np.zeros_like(phi), np.cos(phi)], axis=1)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    e2 = np.tile([0.0, 1.0, 0.0], (len(phi), 1))
    e1 = np.cross(e2, tangent)
    handle = tube_part(centres, e1, e2, a=0.0042, b=0.0068, sides=20)
    mat = pbr_material("mug_ceramic", (0.78, 0.16, 0.12), metallic=0.0, roughness=0.3)
    return make_mesh([body, handle], mat, "mug", use_uv=False)


def _bottle_profile() -> np.ndarray:
    """(r, z) lathe profile of the bottle, bottom centre -> cap centre, metres."""
    rb, rn, r_lip = 0.034, 0.0125, 0.0145
    z_body, z_neck, z_lip, h = 0.150, 0.205, 0.236, 0.250
    s = np.linspace(0.0, 1.0, 16)[1:-1]
    # Cosine shoulder: vertical tangents at both ends blend into body and neck.
    shoulder = np.stack(
        [rn + (rb - rn) * 0.5 * (1 + np.cos(np.pi * s)), z_body + (z_neck - z_body) * s], axis=1
    )
    pts = np.vstack(
        [
            [(0.0, 0.0), (rb, 0.0), (rb, z_body)],
            shoulder,
            [(rn, z_neck), (rn, z_lip), (r_lip, z_lip), (r_lip, h), (0.0, h)],
        ]
    )
    radii = np.zeros(len(pts))
    radii[1] = 0.006  # heel of the bottle
    radii[-4], radii[-3], radii[-2] = 0.001, 0.0012, 0.002  # cap edges
    return round_profile(pts, radii, samples=6)


def _bottle_texture(profile: np.ndarray, rng: np.random.Generator, size: int = 512) -> Image.Image:
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
    for z0, z1, col in [
        (0.048, 0.054, (0.62, 0.10, 0.12)),  # bottom red band
        (0.108, 0.117, (0.62, 0.10, 0.12)),  # top red band
        (0.1195, 0.1215, (0.78, 0.62, 0.22)),  # gold pin stripes
        (0.0575, 0.0590, (0.78, 0.62, 0.22)),
        (0.1035, 0.1050, (0.78, 0.62, 0.22)),
    ]:
        img[side & (z > z0) & (z < z1)] = col
    pil = Image.fromarray(to_u8(img))
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
    d.ellipse(
        [uc - rad * sx, row_of(zc) - rad * sy, uc + rad * sx, row_of(zc) + rad * sy],
        fill=(150, 28, 32),
        outline=(200, 160, 60),
        width=3,
    )
    star = star_points(uc, row_of(zc), 0.011 * sx, 0.0045 * sx, 5, ysquash=sy / sx)
    d.polygon(star, fill=(236, 200, 90))
    # "Text" lines beside the emblem: rows of short dark blocks.
    for zl in (0.096, 0.090, 0.076, 0.070, 0.064):
        for side_sign in (-1, 1):
            x = uc + side_sign * 0.024 * sx
            for _ in range(5):
                w = rng.uniform(0.003, 0.009) * sx
                x0, x1 = (x, x + w) if side_sign > 0 else (x - w, x)
                d.rectangle(
                    [x0, row_of(zl) - 0.0012 * sy, x1, row_of(zl) + 0.0012 * sy], fill=(60, 45, 40)
                )
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
    part = revolve(prof, 96, with_uv=True)
    mat = pbr_material(
        "bottle", (1.0, 1.0, 1.0), metallic=0.0, roughness=0.12, texture=_bottle_texture(prof, rng)
    )
    return make_mesh([part], mat, "bottle", use_uv=True)


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
    parts: list[MeshPart] = []
    parts.append(box_part((sx, sy, seat_t), (0, 0, seat_top - seat_t / 2)))
    for x in (-lx, lx):
        parts.append(box_part((leg, leg, leg_h), (x, -ly, leg_h / 2)))  # front legs
        parts.append(box_part((leg, leg, 0.90), (x, ly, 0.45)))  # back posts
        parts.append(box_part((0.022, sy - 2 * leg, 0.022), (x, 0, 0.16)))  # side stretchers
    parts.append(box_part((sx - 2 * leg, 0.022, 0.022), (0, -ly, 0.16)))  # front stretcher
    for zc, hgt in ((0.66, 0.06), (0.83, 0.10)):  # back rails
        parts.append(box_part((2 * lx - leg, 0.022, hgt), (0, ly, zc)))
    for x in (-0.09, 0.0, 0.09):  # back slats
        parts.append(box_part((0.03, 0.016, 0.14), (x, ly, 0.745)))
    base = np.array([0.55, 0.36, 0.20])
    colored = []
    for p in parts:
        tint = base * rng.uniform(0.88, 1.1) + rng.normal(0, 0.015, 3)
        colored.append(p.with_color(np.append(to_u8(tint), 255)))
    mat = pbr_material("chair_wood", base, metallic=0.0, roughness=0.6)
    return make_mesh(colored, mat, "chair", use_uv=False)


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

    for (col, row), colr in {
        (0, 1): yellow,
        (1, 1): dgrey,
        (2, 1): black,
        (3, 1): blue,
        (0, 2): silver,
        (1, 2): red,
    }.items():
        d.rectangle(cell(col, row), fill=colr)
    # Unused cells: neutral grey with a checker so mistakes are visible.
    for col, row in [(2, 2), (3, 2), (0, 3), (1, 3), (2, 3), (3, 3)]:
        x0, y0, _, _ = cell(col, row)
        for k in range(4):
            for m in range(4):
                d.rectangle(
                    [x0 + 32 * k, y0 + 32 * m, x0 + 32 * k + 31, y0 + 32 * m + 31],
                    fill=(150, 150, 150) if (k + m) % 2 else (110, 110, 110),
                )

    # Torso front: red with a control panel, dial and buttons.
    x0, y0, x1, y1 = cell(0, 0)
    d.rectangle([x0, y0, x1 - 1, y1 - 1], fill=red)
    d.rounded_rectangle(
        [x0 + 18, y0 + 16, x1 - 18, y1 - 40], radius=10, fill=yellow, outline=dred, width=3
    )
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
    solid = {
        k: {"*": _cell_rect(*cr, inset_px=30)}
        for k, cr in {"black": (2, 1), "dgrey": (1, 1)}.items()
    }
    T = trimesh.transformations.translation_matrix
    parts = []
    for s in (-1, 1):
        parts.append(box_part((0.020, 0.028, 0.009), (s * 0.013, -0.002, 0.0045), solid["black"]))
        parts.append(box_part((0.013, 0.013, 0.027), (s * 0.013, 0.0, 0.0225), solid["dgrey"]))
        shoulder = sphere_part(0.0085, (s * 0.031, 0.0, 0.068), with_uv=True)
        parts.append(shoulder.with_uv(_cell_center(0, 1)))
        arm = rounded_cylinder(0.0058, 0.030, 0.002, with_uv=True)
        parts.append(arm.transformed(T((s * 0.034, 0.0, 0.040))).with_uv(_cell_center(0, 1)))
        hand = sphere_part(0.0068, (s * 0.034, 0.0, 0.040), with_uv=True)
        parts.append(hand.with_uv(_cell_center(1, 1)))
        # Ears: short cylinders along x on the head sides.
        ear = rounded_cylinder(0.0055, 0.006, 0.0015, with_uv=True)
        rot = trimesh.transformations.rotation_matrix(s * np.pi / 2, (0, 1, 0))
        ear = ear.transformed(T((s * 0.0205, 0.0, 0.094)) @ rot)
        parts.append(ear.with_uv(_cell_center(3, 1)))
    parts.append(box_part((0.052, 0.034, 0.042), (0.0, 0.0, 0.057), front_body))
    neck = rounded_cylinder(0.0075, 0.008, 0.001, with_uv=True)
    parts.append(neck.transformed(T((0, 0, 0.075))).with_uv(_cell_center(1, 1)))
    parts.append(box_part((0.044, 0.036, 0.028), (0.0, 0.0, 0.094), head))
    rod = rounded_cylinder(0.0015, 0.011, 0.0004, with_uv=True)
    parts.append(rod.transformed(T((0, 0, 0.1075))).with_uv(_cell_center(1, 1)))
    parts.append(sphere_part(0.0035, (0, 0, 0.1175), with_uv=True).with_uv(_cell_center(1, 2)))
    mat = pbr_material(
        "toy_plastic", (1.0, 1.0, 1.0), metallic=0.0, roughness=0.45, texture=_toy_atlas(rng)
    )
    return make_mesh(parts, mat, "toy", use_uv=True)


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
    prof = round_profile(pts, radii, samples=6)
    mat = pbr_material("vase_glaze", (0.12, 0.27, 0.58), metallic=0.0, roughness=0.25)
    return make_mesh([revolve(prof, 80)], mat, "vase", use_uv=False)


def vertex_color_copy(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """Copy of ``mesh`` with ``ColorVisuals`` from ``metadata['vertex_colors']``
    (or the material's base colour), for formats without materials (PLY)."""
    colors = mesh.metadata.get("vertex_colors")
    if colors is None:
        colors = np.tile(mesh.visual.material.baseColorFactor, (len(mesh.vertices), 1))
    out = trimesh.Trimesh(
        mesh.vertices.copy(),
        mesh.faces.copy(),
        vertex_normals=mesh.vertex_normals.copy(),
        process=False,
    )
    out.visual = ColorVisuals(out, vertex_colors=colors)
    return out
