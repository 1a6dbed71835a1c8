"""Equirectangular HDRIs: Preetham clear skies, a CIE overcast sky, a softbox studio."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from synth3d.assets.noise import smoothstep

from .common import SUN_AZIMUTH_DEG, SUN_DIAMETER_DEG, TURBIDITY


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
    azim = 2.0 * np.pi * (0.5 - u)  # = atan2(y, x)
    elev = np.pi * (0.5 - t)  # = asin(z)
    ce = np.cos(elev)[:, None]
    return np.stack(
        [
            ce * np.cos(azim)[None, :],
            ce * np.sin(azim)[None, :],
            np.broadcast_to(np.sin(elev)[:, None], (height, width)),
        ],
        axis=-1,
    )


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
    m = np.array(
        [
            [3.2404542, -1.5371385, -0.4985314],
            [-0.9692660, 1.8760108, 0.0415560],
            [0.0556434, -0.2040259, 1.0572252],
        ]
    )
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
    coef_Y = (
        0.1787 * T - 1.4630,
        -0.3554 * T + 0.4275,
        -0.0227 * T + 5.3251,
        0.1206 * T - 2.5771,
        -0.0670 * T + 0.3703,
    )
    coef_x = (
        -0.0193 * T - 0.2592,
        -0.0665 * T + 0.0008,
        -0.0004 * T + 0.2125,
        -0.0641 * T - 0.8989,
        -0.0033 * T + 0.0452,
    )
    coef_y = (
        -0.0167 * T - 0.2608,
        -0.0950 * T + 0.0092,
        -0.0079 * T + 0.2102,
        -0.0441 * T - 1.6537,
        -0.0109 * T + 0.0529,
    )
    # Zenith values (Preetham 1999, appendix A.2).
    chi = (4.0 / 9.0 - T / 120.0) * (np.pi - 2.0 * theta_s)
    Yz = (4.0453 * T - 4.9710) * math.tan(chi) - 0.2155 * T + 2.4192
    ts = np.array([theta_s**3, theta_s**2, theta_s, 1.0])
    tt = np.array([T * T, T, 1.0])
    mx = np.array(
        [
            [0.00166, -0.00375, 0.00209, 0.0],
            [-0.02903, 0.06377, -0.03202, 0.00394],
            [0.11693, -0.21196, 0.06052, 0.25886],
        ]
    )
    my = np.array(
        [
            [0.00275, -0.00610, 0.00317, 0.0],
            [-0.04214, 0.08970, -0.04153, 0.00516],
            [0.15346, -0.26756, 0.06670, 0.26688],
        ]
    )
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
    tau = 0.008735 * lam**-4.08 + beta * lam**-1.3
    return np.exp(-airmass * tau)


def _sun_direction(elevation_deg: float, azimuth_deg: float) -> np.ndarray:
    """Unit vector for elevation above the horizon and azimuth atan2(y, x)."""
    e, a = math.radians(elevation_deg), math.radians(azimuth_deg)
    return np.array([math.cos(e) * math.cos(a), math.cos(e) * math.sin(a), math.sin(e)])


def _add_disc(
    img: np.ndarray, center: np.ndarray, radius_rad: float, rgb: np.ndarray, ss: int = 16
) -> None:
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
    d = np.stack(
        [
            np.cos(elev)[:, None] * np.cos(azim)[None, :],
            np.cos(elev)[:, None] * np.sin(azim)[None, :],
            np.broadcast_to(np.sin(elev)[:, None], (len(tt), len(uu))),
        ],
        axis=-1,
    )
    inside = (d @ center) >= math.cos(radius_rad)
    cover = inside.reshape(len(rows), ss, len(cols), ss).mean(axis=(1, 3))
    img[rows[:, None], np.mod(cols, w)[None, :]] += cover[..., None] * rgb


def _horizon_blend(z: np.ndarray) -> np.ndarray:
    """Weight of the sky (vs ground) over a +-0.3 deg band around the horizon."""
    s = math.sin(math.radians(0.3))
    return smoothstep(np.clip((z + s) / (2 * s), 0.0, 1.0))


#: Radiance units per kcd/m^2 for the outdoor skies (zenith ~1-2).
SKY_SCALE = 1.0 / 3.0
#: Extraterrestrial solar illuminance in klx (= kcd sr / m^2).
SOLAR_ILLUMINANCE_KLX = 128.0


def make_clear_sky(
    elevation_deg: float,
    width: int = 1024,
    height: int = 512,
    turbidity: float = TURBIDITY,
    azimuth_deg: float = SUN_AZIMUTH_DEG,
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
    sun_rgb = (
        SOLAR_ILLUMINANCE_KLX / omega_sun * SKY_SCALE * sun_transmittance(elevation_deg, turbidity)
    )
    e_sun = sun_rgb * omega_sun * sun[2]
    albedo = np.array([0.22, 0.19, 0.15])
    ground = albedo / np.pi * (e_sky + e_sun)

    w_sky = _horizon_blend(z)[..., None]
    img = sky * w_sky + ground * (1.0 - w_sky)
    _add_disc(img, sun, radius, sun_rgb)
    img = np.maximum(img, 1e-4).astype(np.float32)
    info = dict(
        sun_dir=sun,
        sun_radiance=sun_rgb,
        sky_irradiance=e_sky,
        sun_irradiance=e_sun,
        ground_radiance=ground,
    )
    return img, info


def make_overcast_sky(width: int = 1024, height: int = 512, zenith: float = 1.5) -> np.ndarray:
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
    if np.linalg.norm(e1) < 1e-6:  # straight overhead: pick x as "width"
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
        p = d[down] * (cam_h / -z[down])[:, None]  # floor points
        e_floor = np.full(len(p), np.pi * wall)  # ambient from walls
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
            falloff = smoothstep(np.clip((1 - a) / 0.1, 0, 1)) * smoothstep(
                np.clip((1 - b) / 0.1, 0, 1)
            )
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
    return (
        math.degrees(math.asin(c[2])),
        math.degrees(math.atan2(c[1], c[0])),
        (int(peak[0]), int(peak[1])),
    )
