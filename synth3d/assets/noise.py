"""Procedural noise and tileable material textures, drawn from an explicit random generator.

Used at run time for the ``marble`` and ``wood`` backdrop textures (:mod:`synth3d.assets.textures`)
and by the bundled-asset generator (``tools/assetgen``) for its meshes, skies and backgrounds.
Every function takes a ``numpy.random.Generator``; nothing touches global random state.
"""

from __future__ import annotations

import numpy as np

# ---------------------------------------------------------------------------
# Noise
# ---------------------------------------------------------------------------


def smoothstep(t: np.ndarray) -> np.ndarray:
    """Cubic Hermite fade ``3t^2 - 2t^3`` (C1-continuous lattice blending)."""
    return t * t * (3.0 - 2.0 * t)


def value_noise_2d(
    rng: np.random.Generator, shape: tuple[int, int], cells: tuple[int, int], periodic: bool = True
) -> np.ndarray:
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
    fy = smoothstep(y - y0)[:, None]
    fx = smoothstep(x - x0)[None, :]
    g00 = grid[y0][:, x0]
    g01 = grid[y0][:, x0 + 1]
    g10 = grid[y0 + 1][:, x0]
    g11 = grid[y0 + 1][:, x0 + 1]
    top = g00 + (g01 - g00) * fx
    bottom = g10 + (g11 - g10) * fx
    return top + (bottom - top) * fy


def fbm_2d(
    rng: np.random.Generator,
    shape: tuple[int, int],
    cells: tuple[int, int],
    octaves: int = 4,
    gain: float = 0.5,
    periodic: bool = True,
) -> np.ndarray:
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
        c = (cells[0] * 2**o, cells[1] * 2**o)
        total += amp * value_noise_2d(rng, shape, c, periodic)
        amp *= gain
    return normalise(total)


def fbm_1d(
    rng: np.random.Generator, n: int, cells: int, octaves: int = 4, gain: float = 0.5
) -> np.ndarray:
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
        c = cells * 2**o
        grid = rng.random(c + 1)
        x = (np.arange(n) + 0.5) * (c / n)
        i = np.minimum(np.floor(x).astype(int), c - 1)
        f = smoothstep(x - i)
        total += amp * (grid[i] + (grid[i + 1] - grid[i]) * f)
        amp *= gain
    return normalise(total)


def normalise(a: np.ndarray) -> np.ndarray:
    """Rescale an array to span ``[0, 1]`` (constant arrays map to 0)."""
    lo, hi = float(a.min()), float(a.max())
    return (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)


def to_u8(rgb: np.ndarray) -> np.ndarray:
    """Float image in ``[0, 1]`` -> uint8 with rounding."""
    return np.clip(np.round(np.asarray(rgb) * 255.0), 0, 255).astype(np.uint8)


def mix(a, b, t):
    """Blend colours: ``a + (b - a) * t`` where ``t`` (any shape) gets a
    trailing colour axis, so ``mix(rgb0, rgb1, t)`` has shape ``t.shape + (3,)``."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    t = np.asarray(t, dtype=float)
    return a + (b - a) * t[..., None]


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
    late = smoothstep(np.clip((ring - 0.55) / 0.4, 0, 1)) * (
        1 - smoothstep(np.clip((ring - 0.93) / 0.07, 0, 1))
    )
    grain = value_noise_2d(rng, (size, size), (128, 4))  # streaks along x
    pores = value_noise_2d(rng, (size, size), (256, 32))
    light, dark = np.array([0.80, 0.58, 0.35]), np.array([0.50, 0.30, 0.15])
    img = mix(light, dark, 0.85 * late + 0.25 * (grain - 0.5))
    img *= (0.94 + 0.1 * pores)[..., None]
    return np.clip(img, 0, 1)


def make_marble(rng: np.random.Generator, size: int = 512) -> np.ndarray:
    """Tileable white marble with grey veins from turbulent sine bands."""
    y, x = np.mgrid[0:size, 0:size] / size
    # Perlin-style turbulence: sum of |signed noise| gives creased features.
    turb = np.zeros((size, size))
    for o in range(6):
        c = 2 * 2**o
        turb += np.abs(2 * value_noise_2d(rng, (size, size), (c, c)) - 1) / 1.8**o
    turb = normalise(turb)
    band = np.abs(np.sin(np.pi * (2 * x + 1 * y + 1.4 * turb)))
    veins = (1 - band) ** 8  # thin dark veins
    fine = (1 - np.abs(np.sin(np.pi * (3 * x - 2 * y + 2.5 * turb)))) ** 40
    cloud = fbm_2d(rng, (size, size), (4, 4), octaves=4)
    base = mix([0.95, 0.94, 0.91], [0.82, 0.82, 0.80], cloud)
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
    img[grout] = grout_tex[grout, None] * np.array([1.0, 0.98, 0.94])
    return np.clip(img, 0, 1)
