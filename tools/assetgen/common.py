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

import numpy as np
from PIL import Image

from synth3d.assets.noise import to_u8

#: Repository root (``tools/assetgen/common.py`` -> three levels up).
REPO_ROOT = Path(__file__).resolve().parents[2]

#: Equirectangular HDRI size as (width, height) in pixels.
HDRI_SIZE = (1024, 512)

#: Fixed seed of each generated asset (one independent stream per asset).
SEEDS = {
    "bottle": 1101,
    "toy": 1102,
    "chair": 1103,
    "sky_sun_15": 1201,
    "sky_sun_45": 1202,
    "overcast": 1203,
    "studio": 1204,
    "wood": 1301,
    "marble": 1302,
    "fabric": 1303,
    "tiles": 1304,
    "countryside": 1401,
    "desert": 1402,
    "forest": 1403,
    "glacial": 1404,
    "mage": 1501,
    "warrior": 1502,
    "pirate": 1503,
    "monster": 1504,
    "toadking": 1505,
    "barrel": 1601,
    "anchor": 1602,
    "axe": 1603,
    "bomb": 1604,
    "key": 1605,
    "chest": 1606,
    "bananas": 1607,
    "cupcake": 1608,
    "donut": 1609,
    "heart": 1610,
    "toy_on_white": 1701,
    "room": 1702,
    "street": 1703,
}

#: Sun of the clear-sky HDRIs: azimuth atan2(y, x) in degrees.
SUN_AZIMUTH_DEG = 135.0
#: Angular diameter of the sun disc in degrees.
SUN_DIAMETER_DEG = 0.53
#: Preetham turbidity of the clear skies.
TURBIDITY = 2.5


def star_points(
    cx: float,
    cy: float,
    r_out: float,
    r_in: float,
    n: int = 5,
    rot_deg: float = -90.0,
    ysquash: float = 1.0,
) -> list[tuple[float, float]]:
    """Vertices of an ``n``-pointed star polygon (image coordinates, y down)."""
    pts = []
    for k in range(2 * n):
        a = math.radians(rot_deg) + k * math.pi / n
        r = r_out if k % 2 == 0 else r_in
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a) * ysquash))
    return pts


def save_png(path: Path, img) -> None:
    """Save a float ``[0, 1]`` / uint8 array or PIL image as PNG (no metadata,
    so repeated runs are byte-identical)."""
    if not isinstance(img, Image.Image):
        arr = np.asarray(img)
        img = Image.fromarray(arr if arr.dtype == np.uint8 else to_u8(arr))
    img.save(path, format="PNG", optimize=True)
