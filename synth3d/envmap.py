"""Equirectangular environment maps: the mapping, filtered lookups and lighting extraction.

Mapping (z up, the same as Blender's): a world direction ``d = (x, y, z)`` falls at

    u = 0.5 − atan2(y, x) / (2π)      (0..1, left → right; the centre column looks along +x,
                                        u = 0.25 along +y)
    t = 0.5 − asin(z) / π             (0..1, top → bottom; the top row is the zenith)

and pixel (row r, column c) of a W×H map covers ``u ∈ [c/W, (c+1)/W)``, ``t ∈ [r/H, (r+1)/H)``.
Rotating the environment by α about z shows, in world direction d, what the file holds at
``Rz(−α)·d``. Exposure multiplies radiance by ``2**exposure_ev``.

All functions are pure and cache nothing but downsampled copies keyed by the caller.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .errors import AssetError

SH_BAND_FACTORS = np.array([math.pi] + [2 * math.pi / 3] * 3 + [math.pi / 4] * 5)
"""Â_l of the clamped-cosine kernel per SH coefficient (Ramamoorthi & Hanrahan 2001)."""


def load_hdri(path: str) -> np.ndarray:
    """(H, W, 3) float32 linear RGB equirectangular image (cached; at most 8 per process);
    ``@NAME/…`` paths resolve as :func:`synth3d.asset_paths.resolve_asset` says."""
    from .asset_paths import resolve_asset

    return _load_hdri_cached(resolve_asset(path))


@lru_cache(maxsize=8)
def _load_hdri_cached(path: str) -> np.ndarray:
    """(H, W, 3) float32 linear RGB equirectangular image (cached; at most 8 per process)."""
    import cv2

    img = cv2.imread(path, cv2.IMREAD_ANYDEPTH | cv2.IMREAD_COLOR)
    if img is None:
        raise AssetError(path, "cannot read HDRI (missing, corrupt or unsupported; .hdr and .exr)")
    img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB).astype(np.float32)
    h, w = img.shape[:2]
    if abs(w - 2 * h) > 2:
        raise AssetError(path, f"HDRI must be equirectangular (width = 2 × height), got {w}×{h}")
    finite = np.isfinite(img)
    if not finite.all():  # NaN would light and show nothing (black frames, exit 0): refuse
        bad = int((~finite).any(axis=2).sum())
        raise AssetError(
            path,
            f"HDRI has {bad} pixel(s) that are not finite numbers (NaN or "
            "infinite); repair or re-export it",
        )
    return np.maximum(img, 0.0)


def directions_to_uv(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(…, 3) unit directions → (u, t) in 0..1 as documented above."""
    x, y, z = d[..., 0], d[..., 1], d[..., 2]
    u = 0.5 - np.arctan2(y, x) / (2 * np.pi)
    t = 0.5 - np.arcsin(np.clip(z, -1.0, 1.0)) / np.pi
    return u % 1.0, t


def pixel_directions(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit directions (H, W, 3) of the pixel centres of a W×H map and their solid angles (H, W)."""
    u = (np.arange(width) + 0.5) / width
    t = (np.arange(height) + 0.5) / height
    phi = (0.5 - u) * 2 * np.pi  # azimuth atan2(y, x)
    elev = (0.5 - t) * np.pi  # elevation asin(z)
    ce = np.cos(elev)[:, None]
    d = np.stack(
        [
            ce * np.cos(phi)[None, :],
            ce * np.sin(phi)[None, :],
            np.broadcast_to(np.sin(elev)[:, None], (height, width)),
        ],
        axis=-1,
    )
    dw = (2 * np.pi / width) * (np.pi / height) * np.broadcast_to(ce, (height, width))
    return d, dw


def rot_z(deg: float) -> np.ndarray:
    a = math.radians(deg)
    return np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1.0]])


def sh9_basis(d: np.ndarray) -> np.ndarray:
    """Real spherical harmonics up to l = 2 at unit directions (…, 3) → (…, 9)."""
    x, y, z = d[..., 0], d[..., 1], d[..., 2]
    return np.stack(
        [
            0.282095 * np.ones_like(x),
            0.488603 * y,
            0.488603 * z,
            0.488603 * x,
            1.092548 * x * y,
            1.092548 * y * z,
            0.315392 * (3 * z * z - 1),
            1.092548 * x * z,
            0.546274 * (x * x - y * y),
        ],
        axis=-1,
    )


@dataclass(frozen=True)
class EnvLighting:
    """Lighting extracted from an environment map, in renderer units.

    Attributes
    ----------
    sh : (9, 3) float32
        Coefficients whose basis sum is the radiance of a white diffuse surface with that normal
        (irradiance / π), linear RGB.
    sun_direction : (3,) float or None
        World direction towards the dominant light (rotation applied).
    sun_intensity : (3,) float
        Its intensity as a directional light (irradiance / π), linear RGB; zeros without a sun.
    sun_radius_rad : float
        Angular radius of the extracted light (radians): that of a uniform disc with the same
        spread of energy about its centre (≥ the sun's 0.27°); sets the shadows' penumbrae.
    """

    sh: np.ndarray
    sun_direction: np.ndarray | None
    sun_intensity: np.ndarray
    sun_radius_rad: float = 0.0


@lru_cache(maxsize=16)
def _analysis(path: str, width: int = 128):
    """Downsampled map split into a dominant light and the rest (cached per file)."""
    import cv2

    env = load_hdri(path)
    small = cv2.resize(env, (width, width // 2), interpolation=cv2.INTER_AREA).astype(np.float64)
    d, dw = pixel_directions(width, width // 2)
    Y = small @ np.array([0.2126, 0.7152, 0.0722])
    peak = float(Y.max())
    thr = max(0.05 * peak, 5.0 * float(np.median(Y)))
    rest = small.copy()
    sun_dir = None
    sun_E = np.zeros(3)
    if peak > thr:
        r0, c0 = np.unravel_index(int(np.argmax(Y)), Y.shape)
        near = (d @ d[r0, c0]) > math.cos(math.radians(15.0))
        region = near & (Y > thr)
        excess = small * np.clip(1.0 - thr / np.maximum(Y, 1e-12), 0.0, 1.0)[..., None]
        excess[~region] = 0.0
        sun_E = (excess * dw[..., None]).sum(axis=(0, 1))
        w = (excess @ np.array([0.2126, 0.7152, 0.0722])) * dw
        v = (d * w[..., None]).sum(axis=(0, 1))
        if np.linalg.norm(v) > 0 and sun_E.sum() > 0:
            sun_dir = v / np.linalg.norm(v)
            rest = small - excess
        else:
            sun_E = np.zeros(3)
    return rest, d, dw, sun_dir, sun_E


def environment_lighting(path: str, rotation_deg: float, exposure_ev: float) -> EnvLighting:
    """SH9 ambient and a dominant directional light of an HDRI under rotation and exposure."""
    rest, d, dw, sun_dir, sun_E = _analysis(path)
    radius = sun_radius(path)
    R = rot_z(rotation_deg)
    d_rot = d @ R.T
    basis = sh9_basis(d_rot)  # (h, w, 9)
    coeffs = np.einsum("hwk,hwc,hw->kc", basis, rest, dw)  # radiance projected on SH
    scale = 2.0**exposure_ev
    sh = (coeffs * (SH_BAND_FACTORS / math.pi)[:, None] * scale).astype(np.float32)
    if sun_dir is None:
        return EnvLighting(sh, None, np.zeros(3))
    return EnvLighting(sh, R @ sun_dir, sun_E / math.pi * scale, radius)


SUN_MIN_RADIUS_RAD = math.radians(0.27)
SUN_MAX_RADIUS_RAD = math.radians(12.0)


@lru_cache(maxsize=16)
def sun_radius(path: str, width: int = 512) -> float:
    """Angular radius (radians) of an HDRI's dominant light, measured on a 512-wide copy: of the
    energy above a quarter of the peak (its core) within 15° of the extracted direction, the angle that
    holds half of it, × √2 (a uniform disc of radius a holds half its energy within a/√2; the
    median, unlike an RMS, is not inflated by a faint wide halo). A clear sun gives about the
    resolution's limit, a hazy or partly clouded one more: softer shadows."""
    import cv2

    _rest, _d, _dw, sun_dir, _E = _analysis(path)
    if sun_dir is None:
        return 0.0
    env = load_hdri(path)
    w = min(width, env.shape[1])
    img = cv2.resize(env, (w, w // 2), interpolation=cv2.INTER_AREA).astype(np.float64)
    d, dw = pixel_directions(w, w // 2)
    Y = img @ np.array([0.2126, 0.7152, 0.0722])
    cosang = d @ sun_dir
    near = cosang > math.cos(math.radians(15.0))
    ring = (cosang > math.cos(math.radians(25.0))) & ~near
    base = float(np.median(Y[ring])) if ring.any() else 0.0
    peak = float(Y[near].max())
    excess = np.clip(Y - max(base, 0.25 * peak), 0.0, None) * dw
    excess[~near] = 0.0
    if excess.sum() <= 0:
        return SUN_MIN_RADIUS_RAD
    ang = np.arccos(np.clip(cosang[near], -1.0, 1.0))
    e = excess[near]
    order = np.argsort(ang)
    cum = np.cumsum(e[order])
    r50 = float(ang[order][np.searchsorted(cum, 0.5 * cum[-1])])
    return float(np.clip(r50 * math.sqrt(2.0), SUN_MIN_RADIUS_RAD, SUN_MAX_RADIUS_RAD))


@lru_cache(maxsize=16)
def _level(path: str, width: int) -> np.ndarray:
    import cv2

    env = load_hdri(path)
    if width >= env.shape[1]:
        return env
    return cv2.resize(env, (width, width // 2), interpolation=cv2.INTER_AREA)


def _camera_rays(K: np.ndarray, width: int, idx: np.ndarray) -> np.ndarray:
    """(N, 3) float32 unnormalised camera-frame rays through the centres of the pixels with flat
    (row-major) indices ``idx`` of an image ``width`` wide."""
    Kinv = np.linalg.inv(np.asarray(K, np.float64).reshape(3, 3))
    v, u = np.divmod(idx, width)
    rays = np.empty((len(idx), 3), np.float64)
    rays[:, 0], rays[:, 1], rays[:, 2] = u, v, 1.0
    return (rays @ Kinv.T).astype(np.float32)


def lookup_background(
    path: str,
    K: np.ndarray,
    T_world_cam: np.ndarray,
    width: int,
    height: int,
    rotation_deg: float,
    exposure_ev: float,
    where: np.ndarray | None = None,
) -> np.ndarray:
    """Radiance (H, W, 3) float32 seen through every pixel centre of a camera.

    The map is box-filtered to the level whose texels match the pixels' angular size, then sampled
    bilinearly (wrapping in u), so a 4k HDRI through a narrow or wide lens does not alias.
    ``where`` (H, W) bool limits the work to those pixels (the rest are 0)."""
    import cv2

    env_w = load_width(path)
    # Texel angle 2π/w should not be smaller than the pixel angle ≈ 1/f.
    f = max(K[0, 0], K[1, 1])
    want = 2 ** int(math.ceil(math.log2(max(2 * math.pi * f, 8))))
    env = _padded_level(path, min(want, env_w))
    h_e, w_e = env.shape[0], env.shape[1] - 2
    idx = None if where is None else np.flatnonzero(where.ravel())
    rays = _camera_rays(K, width, np.arange(width * height) if idx is None else idx)
    R = (rot_z(-rotation_deg) @ T_world_cam[:3, :3]).astype(np.float32)
    d = rays @ R.T
    d /= np.linalg.norm(d, axis=-1, keepdims=True)
    u, t = directions_to_uv(d)
    n = len(u)
    cols = 1024  # remap wants a 2-D map under 32767 on a side: lay the pixel list out in rows
    rows = max(1, -(-n // cols))
    mapx = np.zeros(rows * cols, np.float32)
    mapy = np.zeros(rows * cols, np.float32)
    mapx[:n] = u * w_e + 0.5  # +1 for the wrap column, −0.5 for texel centres
    mapy[:n] = t * h_e - 0.5
    vals = cv2.remap(
        env,
        mapx.reshape(rows, cols),
        mapy.reshape(rows, cols),
        interpolation=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    ).reshape(-1, 3)[:n]
    vals *= np.float32(2.0**exposure_ev)
    if idx is None:
        return vals.reshape(height, width, 3)
    out = np.zeros((height * width, 3), np.float32)
    out[idx] = vals
    return out.reshape(height, width, 3)


@lru_cache(maxsize=16)
def _padded_level(path: str, width: int) -> np.ndarray:
    # One wrapped column on each side so bilinear filtering crosses the u = 0/1 seam.
    env = _level(path, width).astype(np.float32)
    return np.ascontiguousarray(np.concatenate([env[:, -1:], env, env[:, :1]], axis=1))


def load_width(path: str) -> int:
    return load_hdri(path).shape[1]


def equirect_to_cube(env: np.ndarray, size: int) -> list[np.ndarray]:
    """The six faces (+X, −X, +Y, −Y, +Z, −Z; rows in OpenGL upload order) of a cube map
    holding an equirectangular map, each (size, size, 3) float32, sampled bilinearly."""
    import cv2

    h, w = env.shape[:2]
    padded = np.ascontiguousarray(np.concatenate([env[:, -1:], env, env[:, :1]], axis=1))
    c = (np.arange(size) + 0.5) / size * 2 - 1
    sc, tc = np.meshgrid(c, c)  # sc along a row, tc down the rows
    one = np.ones_like(sc)
    faces = []
    for d in (
        (one, -tc, -sc),
        (-one, -tc, sc),
        (sc, one, tc),
        (sc, -one, -tc),
        (sc, -tc, one),
        (-sc, -tc, -one),
    ):
        v = np.stack(d, axis=-1)
        v /= np.linalg.norm(v, axis=-1, keepdims=True)
        u, t = directions_to_uv(v)
        faces.append(
            cv2.remap(
                padded,
                (u * w + 0.5).astype(np.float32),
                (t * h - 0.5).astype(np.float32),
                cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REPLICATE,
            )
        )
    return faces


SPECULAR_LEVELS = 6
"""Roughness levels of the prefiltered environment: level k holds roughness k / (levels − 1)."""


def _blur_equirect(img: np.ndarray, sigma_rad: float) -> np.ndarray:
    """Approximate blur of an equirect map by an angular Gaussian of ``sigma_rad``: vertical blur
    with a constant sigma, horizontal blur per row widened by 1 / cos(latitude) (wrapping)."""
    import cv2

    if sigma_rad <= 0:
        return img
    h, w = img.shape[:2]
    px_per_rad = h / math.pi
    sv = sigma_rad * px_per_rad
    out = cv2.GaussianBlur(img, (1, 0), sigmaX=1e-6, sigmaY=sv, borderType=cv2.BORDER_REFLECT)
    lat = (0.5 - (np.arange(h) + 0.5) / h) * math.pi
    res = np.empty_like(out)
    pad = w // 2
    wrapped = np.concatenate([out[:, -pad:], out, out[:, :pad]], axis=1)
    # Rows share a kernel in bands of similar widening to keep this fast.
    sh = np.minimum(sigma_rad * px_per_rad / np.maximum(np.cos(lat), 1e-3), w / 2.0)
    band = np.round(np.log2(np.maximum(sh, 0.25)) * 4) / 4
    for b in np.unique(band):
        rows = np.nonzero(band == b)[0]
        s = float(2**b)
        k = int(min(2 * math.ceil(3 * s) + 1, 2 * pad - 1)) | 1
        blurred = cv2.GaussianBlur(
            wrapped[rows], (k, 1), sigmaX=s, sigmaY=1e-6, borderType=cv2.BORDER_REPLICATE
        )
        res[rows] = blurred[:, pad : pad + w]
    return res


@lru_cache(maxsize=8)
def prefiltered_environment(path: str, width: int = 512) -> tuple[np.ndarray, ...]:
    """Specular IBL levels of an HDRI with its dominant light taken out (it is rendered as a
    directional light instead): level k (width >> k) is the map blurred for GGX roughness
    k / (SPECULAR_LEVELS − 1). Linear RGB float32; cached per file."""
    import cv2

    env = load_hdri(path)
    base = (
        cv2.resize(env, (width, width // 2), interpolation=cv2.INTER_AREA)
        if env.shape[1] > width
        else env.astype(np.float32)
    )
    base = base.astype(np.float32)
    _, _, _, sun_dir, sun_E = _analysis(path)
    if sun_dir is not None:
        d, _ = pixel_directions(base.shape[1], base.shape[0])
        Y = base @ np.array([0.2126, 0.7152, 0.0722], np.float32)
        small = _analysis(path)[0]
        thr = float((small @ np.array([0.2126, 0.7152, 0.0722])).max())
        near = (d @ sun_dir) > math.cos(math.radians(15.0))
        over = near & (Y > thr)
        base[over] *= (thr / Y[over])[:, None]
    levels = []
    src = cv2.resize(base, (GGX_SOURCE_WIDTH, GGX_SOURCE_WIDTH // 2), interpolation=cv2.INTER_AREA)
    for k in range(SPECULAR_LEVELS):
        r = k / (SPECULAR_LEVELS - 1)
        w = max(width >> k, 8)
        if r >= GGX_MIN_ROUGHNESS:
            # Output texels of about a third of the lobe's half-power width, then upsampled.
            level = _ggx_convolve(src, r, min(w, GGX_SOURCE_WIDTH // 2 if r < 0.5 else 32))
            if level.shape[1] != w:
                level = cv2.resize(level, (w, w // 2), interpolation=cv2.INTER_LINEAR)
        else:
            # A narrow lobe: an angular Gaussian of the GGX lobe's half-power width (0.85·r²
            # radians) keeps the map's detail; its missing tails do not show at this roughness.
            level = cv2.resize(
                _blur_equirect(base, 0.85 * r * r), (w, w // 2), interpolation=cv2.INTER_AREA
            )
        levels.append(level.astype(np.float32))
    return tuple(levels)


GGX_MIN_ROUGHNESS = 0.3
GGX_SOURCE_WIDTH = 128


def _ggx_convolve(src: np.ndarray, rough: float, width: int) -> np.ndarray:
    """The map convolved with the GGX lobe of ``rough`` (split-sum prefilter, n = v = r): each
    output direction R is the mean of the map over directions l weighted by D(n·h) (n·l) with
    n = R, as importance-sampled prefilters estimate it — here summed exactly over the texels of
    a small copy of the map (``src``), so the lobe's long tails are all there. A Gaussian of the
    lobe's half-power width misses them and over-weights whatever bright region R points at
    (2–2.6× too bright on a studio map's floor at roughness 0.5)."""
    a2 = rough**4
    d_src, dw = pixel_directions(src.shape[1], src.shape[0])
    d_src, dw = d_src.reshape(-1, 3).astype(np.float32), dw.reshape(-1).astype(np.float32)
    rad = src.reshape(-1, 3).astype(np.float32)
    d_out, _ = pixel_directions(width, width // 2)
    d_out = d_out.reshape(-1, 3).astype(np.float32)
    a2 = np.float32(a2)
    out = np.empty((len(d_out), 3))
    for i in range(0, len(d_out), 512):
        nl = d_out[i : i + 512] @ d_src.T  # n = v = R; cos between output and source
        # With n = v, n·h = sqrt((1 + n·l) / 2) (h halves the angle between v and l).
        dd = (1.0 + nl) * (0.5 * (a2 - 1.0)) + 1.0  # n·h² (a² − 1) + 1
        wgt = np.maximum(nl, 0.0) * dw / (dd * dd)  # D ∝ 1 / dd² (constants cancel)
        out[i : i + 512] = (wgt @ rad) / np.maximum(wgt.sum(axis=1), 1e-30)[:, None]
    return out.reshape(width // 2, width, 3)


# Cells of the upper hemisphere for sky shadows: (elevation band in degrees, azimuth cells).
_SKY_BANDS = {
    8: ((0.0, 30.0, 5), (30.0, 90.0, 3)),
    16: ((0.0, 20.0, 7), (20.0, 45.0, 6), (45.0, 90.0, 3)),
    32: ((0.0, 15.0, 12), (15.0, 35.0, 10), (35.0, 60.0, 7), (60.0, 90.0, 3)),
}


@lru_cache(maxsize=16)
def _sky_cells(path: str, count: int) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """The map's sky (the dominant light taken out) split into ``count`` cells of the upper
    hemisphere: each cell's radiance-weighted mean direction (file frame) and its luminous
    weight ∫ L dω; the lower hemisphere's weight (no caster hides it); each cell's solid
    angle."""
    rest, d, dw, _, _ = _analysis(path)
    Y = (rest @ np.array([0.2126, 0.7152, 0.0722])) * dw
    elev = np.degrees(np.arcsin(np.clip(d[..., 2], -1.0, 1.0)))
    az = np.arctan2(d[..., 1], d[..., 0]) % (2 * math.pi)
    dirs, weights, solid = [], [], []
    for lo, hi, n in _SKY_BANDS[count]:
        band = (elev >= lo) & (elev < hi) if hi < 90 else elev >= lo
        cell = np.minimum((az / (2 * math.pi) * n).astype(int), n - 1)
        for c in range(n):
            m = band & (cell == c)
            w = float(Y[m].sum())
            v = (d[m] * Y[m][:, None]).sum(0)
            if w <= 0 or np.linalg.norm(v) == 0:  # a black cell: its centre, no weight
                az_c, el_c = (c + 0.5) / n * 2 * math.pi, math.radians((lo + hi) / 2)
                v = np.array([np.cos(az_c), np.sin(az_c), np.tan(el_c)])
                w = 0.0
            dirs.append(v / np.linalg.norm(v))
            weights.append(w)
            solid.append(float(dw[m].sum()))
    return np.asarray(dirs), np.asarray(weights), float(Y[elev < 0].sum()), np.asarray(solid)


def sky_directions(path: str, rotation_deg: float, count: int):
    """Directions (world frame, rotation applied), luminous weights and solid angles of
    ``count`` sky cells of an HDRI, and the weight of the hemisphere below the horizon (see
    :func:`_sky_cells`)."""
    if count not in _SKY_BANDS:
        raise ValueError(f"sky shadows: {count} directions (one of {sorted(_SKY_BANDS)})")
    dirs, w, ground, solid = _sky_cells(path, count)
    return dirs @ rot_z(rotation_deg).T, w, ground, solid
