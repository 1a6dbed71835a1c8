"""Painted landscape backgrounds, and the "photographed" cut-out and backdrops."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageFilter
from scipy.ndimage import gaussian_filter, gaussian_filter1d

from synth3d.assets.noise import fbm_1d, fbm_2d, mix, smoothstep, to_u8, value_noise_2d

from .sprites import WHITE, Pen, curve_points, shade_color


def _sky(h: int, w: int, top, horizon, y_horizon: float) -> np.ndarray:
    """Vertical sky gradient, ``(h, w, 3)`` float; eased so the horizon glows."""
    t = np.clip(np.arange(h) / y_horizon, 0, 1) ** 1.6
    return np.broadcast_to(
        mix(np.asarray(top) / 255, np.asarray(horizon) / 255, t)[:, None, :], (h, w, 3)
    ).copy()


def _paint_layer(
    canvas: np.ndarray,
    ridge: np.ndarray,
    top,
    bottom,
    rng: np.random.Generator,
    texture: float = 0.05,
    shade: np.ndarray | None = None,
) -> None:
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
    col = mix(np.asarray(top) / 255, np.asarray(bottom) / 255, t)
    col = np.broadcast_to(col, (h, w, 3)).copy() if col.shape[1] == 1 else col
    # Brush-like blotches, elongated 3:1 along x like horizontal strokes.
    strokes = fbm_2d(rng, (h, w), (max(h // 40, 1), max(w // 120, 1)), octaves=3, periodic=False)
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
    canvas += strength * np.exp(-(d**2))[..., None] * (np.asarray(rgb) / 255)


def _clouds(p: Pen, rng: np.random.Generator, n: int, y_range, w: int, col=(255, 255, 255, 235)):
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
    p = Pen(w, h, ss=2)
    p.circle(790, 96, 34, fill=(255, 246, 200, 255), outline=None)
    _clouds(p, rng, 6, (50, 200), w)
    _composite(c, p.image())
    far = 320 - 70 * fbm_1d(rng, w, 4)
    _paint_layer(c, far, (128, 168, 178), (150, 186, 170), rng, 0.03)
    mid = 378 - 90 * fbm_1d(rng, w, 3)
    _paint_layer(c, mid, (104, 170, 72), (70, 132, 48), rng)
    near = 458 - 60 * fbm_1d(rng, w, 2)
    _paint_layer(c, near, (128, 188, 74), (84, 150, 46), rng)
    p = Pen(w, h, ss=2)
    hx = 300
    hy = float(mid[hx]) + 8
    p.rect((hx - 34, hy - 40, hx + 34, hy), fill=(186, 52, 44, 255), width=2)
    p.polygon(
        [(hx - 42, hy - 38), (hx, hy - 70), (hx + 42, hy - 38)], fill=(90, 60, 52, 255), width=2
    )
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
    for x in (70, 160, 820, 900):  # big foreground trees
        base = float(near[x]) + 10
        p.rect((x - 7, base - 60, x + 7, base), fill=(96, 64, 36, 255), outline=None)
        for dx, dy, r in ((0, -96, 40), (-26, -72, 30), (26, -72, 30), (0, -70, 30)):
            p.circle(x + dx, base + dy, r, fill=(56, 124, 46, 255), outline=None)
    for _ in range(220):  # flowers
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
    p = Pen(w, h, ss=2)
    p.circle(210, 250, 42, fill=(255, 244, 214, 255), outline=None)
    _composite(c, p.image())
    # Mesas: flat tops with steep sides (clipped noise).
    m = fbm_1d(rng, w, 5)
    mesa = 305 - 70 * smoothstep(np.clip((m - 0.45) / 0.12, 0, 1)) - 6 * fbm_1d(rng, w, 20)
    _paint_layer(c, mesa, (206, 132, 102), (220, 160, 126), rng, 0.04)
    for k, (base, amp, top, bot) in enumerate(
        [
            (360, 40, (238, 196, 132), (226, 176, 110)),
            (420, 55, (236, 186, 116), (214, 156, 90)),
            (490, 60, (230, 172, 98), (200, 136, 72)),
        ]
    ):
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
    p = Pen(w, h, ss=2)
    cactus = (70, 130, 70, 255)
    for x, s in ((640, 1.0), (800, 0.7), (120, 0.8), (420, 0.45)):
        base = float((dunes_near if s > 0.6 else dunes_mid)[x]) + 12 * s
        hgt, tw = 120 * s, 14 * s
        p.rect((x - tw, base - hgt, x + tw, base), fill=cactus, radius=tw, width=2)
        for side, y0, ah in ((-1, 0.55, 0.35), (1, 0.4, 0.3)):
            ax = x + side * 30 * s
            ay = base - hgt * y0
            p.rect(
                (min(x, ax) - 2, ay - 10 * s, max(x, ax) + 2, ay + 10 * s),
                fill=cactus,
                outline=None,
            )
            p.rect(
                (ax - 10 * s, ay - hgt * ah, ax + 10 * s, ay + 10 * s),
                fill=cactus,
                radius=10 * s,
                width=2,
            )
        p.line([(x - 4 * s, base - hgt + 8), (x - 4 * s, base - 6)], (110, 170, 100, 255), 2)
    for _ in range(12):  # pebbles
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
    layers = [
        (300, 0.55, (112, 150, 134)),
        (350, 0.7, (78, 122, 96)),
        (410, 0.85, (50, 94, 64)),
        (480, 1.0, (30, 64, 40)),
    ]
    for k, (base, s, col) in enumerate(layers):
        ground = base + 10 * fbm_1d(rng, w, 3)
        # Dark undergrowth behind the trunks so gaps never show the fog.
        _paint_layer(c, ground - 30 * s, shade_color(col, 0.85), shade_color(col, 0.7), rng, 0.03)
        p = Pen(w, h, ss=2)
        xs = np.sort(rng.uniform(-20, w + 20, int(70 / s)))
        for x in xs:
            gy = float(ground[int(np.clip(x, 0, w - 1))])
            th = rng.uniform(110, 190) * s
            tw = th * rng.uniform(0.26, 0.34)
            shade = shade_color(col + (255,), rng.uniform(0.9, 1.1))
            if k == len(layers) - 1:
                p.rect((x - 5, gy - 24, x + 5, gy + 4), fill=(70, 48, 32, 255), outline=None)
            for tier in range(4):  # stacked triangles
                # The lowest tier reaches below the ground line so no gap
                # shows the fogged layer behind.
                ty = gy + 6 - (12 * s if k == len(layers) - 1 else 0) - tier * th * 0.22
                tw_t = tw * (1 - tier * 0.2)
                p.polygon(
                    [(x - tw_t, ty), (x + tw_t, ty), (x, ty - th * 0.38)], fill=shade, outline=None
                )
        _composite(c, p.image())
        _paint_layer(c, ground, col, shade_color(col, 0.8), rng, 0.04)
        if k < len(layers) - 1:
            # Fog between layers: stronger low down, thinner with height.
            yy = np.arange(h)[:, None, None]
            mist = 0.28 * np.clip((yy - (base - 160)) / 200, 0, 1)
            c[:] = c * (1 - mist) + fog * mist
    p = Pen(w, h, ss=2)
    for _ in range(60):  # grass tufts
        x, y = rng.uniform(0, w), rng.uniform(492, h)
        for dx in (-3, 0, 3):
            p.line([(x, y), (x + dx * 2, y - rng.uniform(8, 16))], (60, 110, 56, 255), 1.5)
    for x in (210, 760):  # mushrooms
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
    p = Pen(w, h, ss=2)
    _clouds(p, rng, 3, (40, 120), w, col=(250, 252, 255, 200))
    _composite(c, p.image())
    # Ridged noise makes sharp peaks.
    n = fbm_1d(rng, w, 4, octaves=5)
    ridged = 1 - np.abs(2 * n - 1)
    peaks = 330 - 200 * ridged**1.5
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
    p = Pen(w, h, ss=2)
    for _ in range(40):  # reflections
        x, y = rng.uniform(0, w), rng.uniform(410, h)
        ln = rng.uniform(20, 90)
        p.line([(x, y), (x + ln, y)], (120, 170, 200, 120), 1.5)
    for x, y, s in ((180, 440, 1.0), (560, 418, 0.6), (780, 470, 1.3)):  # icebergs
        top = [
            (x - 60 * s, y),
            (x - 40 * s, y - 40 * s),
            (x - 10 * s, y - 52 * s),
            (x + 10 * s, y - 80 * s),
            (x + 30 * s, y - 46 * s),
            (x + 64 * s, y),
        ]
        p.polygon([(a, y + (y - b) * 0.5) for a, b in top], fill=(70, 130, 170, 200), outline=None)
        p.polygon(top, fill=(236, 246, 252, 255), outline=(120, 160, 190, 255), width=1.5)
        p.polygon(
            [(x + 10 * s, y - 80 * s), (x + 30 * s, y - 46 * s), (x + 64 * s, y), (x + 16 * s, y)],
            fill=(178, 214, 234, 255),
            outline=None,
        )
    for _ in range(14):  # ice floes
        x, y = rng.uniform(0, w), rng.uniform(430, h - 10)
        r = rng.uniform(10, 30)
        p.ellipse((x - r, y - r * 0.2, x + r, y + r * 0.2), fill=(226, 240, 248, 255), outline=None)
    _composite(c, p.image())
    return c


BACKGROUNDS: dict[str, Callable[[np.random.Generator], np.ndarray]] = {
    "countryside": paint_countryside,
    "desert": paint_desert,
    "forest": paint_forest,
    "glacial": paint_glacial,
}


# ---------------------------------------------------------------------------
# "Photographed" cut-out and backdrops (JPEG)
# ---------------------------------------------------------------------------


def _photo_finish(
    img: np.ndarray, rng: np.random.Generator, grain: float = 0.012, vignette: float = 0.25
) -> Image.Image:
    """Make a clean painting look more like a photo: blur, vignette, grain."""
    h, w = img.shape[:2]
    pil = Image.fromarray(to_u8(img)).filter(ImageFilter.GaussianBlur(0.7))
    a = np.asarray(pil).astype(float) / 255
    yy, xx = np.mgrid[0:h, 0:w]
    r2 = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
    a *= (1 - vignette * np.clip(r2 / 2, 0, 1))[..., None]
    a += rng.normal(0, grain, a.shape)
    return Image.fromarray(to_u8(a))


def draw_toy_on_white(rng: np.random.Generator, size: int = 480) -> Image.Image:
    """Red toy car on a pure white (255, 255, 255) backdrop, no alpha.

    The car is shaded with vertical gradients and a highlight; the backdrop
    is exactly white everywhere outside the object (no shadow), the typical
    input for white-background keying.
    """
    p = Pen(size, size, ss=4)
    body_col = (206, 36, 40, 255)
    body = (
        [(52, 300)]
        + curve_points((52, 300), (50, 246), (110, 240))
        + [(158, 238)]
        + curve_points((158, 238), (196, 170), (260, 168))
        + curve_points((260, 168), (324, 170), (352, 236))
        + [(400, 244)]
        + curve_points((400, 244), (436, 252), (430, 300))
        + [(430, 318), (52, 318)]
    )
    p.polygon(body, fill=body_col, outline=(120, 16, 20, 255), width=3)
    p.polygon(
        [(176, 236)] + curve_points((176, 236), (204, 186), (254, 184)) + [(254, 236)],
        fill=(150, 206, 236, 255),
        outline=(60, 60, 70, 255),
        width=3,
    )
    p.polygon(
        [(266, 236), (266, 184)] + curve_points((266, 184), (312, 188), (334, 236)),
        fill=(150, 206, 236, 255),
        outline=(60, 60, 70, 255),
        width=3,
    )
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
            p.circle(
                wx + 11 * math.cos(a),
                320 + 11 * math.sin(a),
                2.5,
                fill=(90, 90, 96, 255),
                outline=None,
            )
    car = np.asarray(p.image()).astype(float) / 255
    alpha = car[..., 3:]
    # Studio-light shading: brighter top, darker bottom, one soft highlight.
    yy, xx = np.mgrid[0:size, 0:size]
    light = 1.18 - 0.45 * np.clip((yy - 168) / 190, 0, 1)
    light += 0.35 * np.exp(-(((xx - 250) / 90) ** 2 + ((yy - 205) / 14) ** 2))
    rgb = np.clip(car[..., :3] * light[..., None], 0, 1)
    rgb += rng.normal(0, 0.008, rgb.shape) * alpha  # sensor noise on the object only
    out = rgb * alpha + 1.0 * (1 - alpha)
    return Image.fromarray(to_u8(out))


def draw_room(rng: np.random.Generator, w: int = 640, h: int = 480) -> Image.Image:
    """One-point-perspective living room: window, picture, sofa, plank floor.

    The back wall is the image frame scaled by 0.5 about the vanishing point,
    so every receding edge (wall corners, floor planks) meets at that point.
    """
    vx, vy, s = 320.0, 228.0, 0.5
    bx0, by0 = vx - s * vx, vy - s * vy
    bx1, by1 = vx + s * (w - vx), vy + s * (h - vy)
    c = np.zeros((h, w, 3))
    p = Pen(w, h, ss=2, background=(0, 0, 0, 255))
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
    p.line([(bx0, by1), (bx1, by1)], (245, 240, 230, 255), 4)  # skirting

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
    p.polygon(
        [(280, 206), (302, 178), (320, 192), (342, 168), (360, 194), (360, 206)],
        fill=(90, 150, 80, 255),
        outline=None,
    )
    sofa = (76, 124, 130, 255)
    p.rect((214, 270, 426, 330), fill=sofa, radius=10, outline=None)
    p.rect((204, 294, 436, 352), fill=shade_color(sofa, 0.85), radius=8, outline=None)
    p.rect((196, 282, 228, 358), fill=shade_color(sofa, 0.95), radius=10, outline=None)
    p.rect((412, 282, 444, 358), fill=shade_color(sofa, 0.95), radius=10, outline=None)
    p.rect((234, 278, 316, 308), fill=shade_color(sofa, 1.1), radius=8, outline=None)
    p.rect((324, 278, 406, 308), fill=shade_color(sofa, 1.1), radius=8, outline=None)
    p.ellipse((230, 392, 410, 460), fill=(170, 60, 56, 255), outline=None)
    p.ellipse((248, 400, 392, 452), fill=None, outline=(220, 180, 120, 255), width=3)
    _composite(c, p.image())
    # Daylight from the window: brighter towards the left.
    yy, xx = np.mgrid[0:h, 0:w]
    c *= (0.8 + 0.35 * np.exp(-(((xx - 60) / 320) ** 2) - ((yy - 200) / 300) ** 2))[..., None]
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
    p = Pen(w, h, ss=2)
    _clouds(p, rng, 3, (30, 110), w, col=(255, 255, 255, 220))
    far = 400.0
    p.polygon(
        [proj(-9, 0, 1.0), proj(-9, 0, far), proj(9, 0, far), proj(9, 0, 1.0)],
        fill=(88, 88, 92, 255),
        outline=None,
    )
    for sx in (-1, 1):  # pavements + kerbs
        p.polygon(
            [
                proj(sx * 4, 0.12, 1.0),
                proj(sx * 4, 0.12, far),
                proj(sx * 7, 0.12, far),
                proj(sx * 7, 0.12, 1.0),
            ],
            fill=(168, 162, 154, 255),
            outline=None,
        )
        p.line([proj(sx * 4, 0.12, 1.2), proj(sx * 4, 0.12, far)], (210, 206, 200, 255), 2)
        p.line([proj(sx * 3.8, 0.0, 1.2), proj(sx * 3.8, 0.0, far)], (235, 235, 230, 255), 2)
    for z0 in np.arange(2.0, 120.0, 6.0):  # centre dashes
        p.polygon(
            [proj(-0.08, 0, z0), proj(0.08, 0, z0), proj(0.08, 0, z0 + 3), proj(-0.08, 0, z0 + 3)],
            fill=(240, 236, 220, 255),
            outline=None,
        )
    palette = [(186, 120, 96), (210, 196, 170), (150, 110, 90), (196, 170, 140), (170, 150, 160)]
    for sx in (-1, 1):
        z = 1.5
        while z < 160:
            depth = rng.uniform(10, 22)
            height = rng.uniform(9, 22)
            col = palette[rng.integers(len(palette))]
            shade = 0.9 if sx < 0 else 0.75  # sun from the left
            X = sx * 7.0
            facade = [
                proj(X, 0, z),
                proj(X, height, z),
                proj(X, height, z + depth),
                proj(X, 0, z + depth),
            ]
            p.polygon(facade, fill=shade_color(col + (255,), shade), outline=None)
            p.line([proj(X, 0, z), proj(X, height, z)], shade_color(col + (255,), 0.6), 1.5)
            for fl in np.arange(3.2, height - 1.5, 3.2):  # windows
                for wz in np.arange(z + 1.5, z + depth - 1.2, 2.8):
                    q = [
                        proj(X, fl, wz),
                        proj(X, fl + 1.6, wz),
                        proj(X, fl + 1.6, wz + 1.3),
                        proj(X, fl, wz + 1.3),
                    ]
                    p.polygon(q, fill=(70, 90, 110, 255), outline=None)
            z += depth
    _composite(c, p.image())
    return _photo_finish(c, rng, grain=0.015, vignette=0.3)
