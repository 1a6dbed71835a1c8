"""2-D drawing helpers and the sprite set: characters and objects (RGBA)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw

from .common import star_points

OUTLINE = (38, 28, 40, 255)  # cartoon ink colour


class Pen:
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
        self.d.ellipse(
            self._box(box),
            fill=fill,
            outline=outline if width > 0 else None,
            width=self._wd(width) if outline is not None else 0,
        )

    def circle(self, cx, cy, r, fill=None, outline=OUTLINE, width=3.0):
        """Circle of radius ``r`` at ``(cx, cy)``."""
        self.ellipse((cx - r, cy - r, cx + r, cy + r), fill, outline, width)

    def rect(self, box, fill=None, outline=OUTLINE, width=3.0, radius=0.0):
        """(Rounded) rectangle."""
        self.d.rounded_rectangle(
            self._box(box),
            radius=radius * self.ss,
            fill=fill,
            outline=outline if width > 0 else None,
            width=self._wd(width) if outline is not None else 0,
        )

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
        self.d.chord(
            self._box(box),
            start,
            end,
            fill=fill,
            outline=outline if width > 0 else None,
            width=self._wd(width) if outline is not None else 0,
        )

    def erase_ellipse(self, box):
        """Make an elliptical hole (fully transparent pixels)."""
        self.d.ellipse(self._box(box), fill=(0, 0, 0, 0))

    def image(self) -> Image.Image:
        """Downsampled RGBA result (premultiplied to avoid dark fringes)."""
        return self.img.convert("RGBa").resize((self.w, self.h), Image.BOX).convert("RGBA")


def curve_points(p0, p1, p2, n: int = 16) -> list[tuple[float, float]]:
    """Points on the quadratic Bézier ``p0 -> p2`` with control ``p1``."""
    s = np.linspace(0, 1, n)[:, None]
    a, b, c = (np.asarray(p, dtype=float) for p in (p0, p1, p2))
    return [tuple(p) for p in (1 - s) ** 2 * a + 2 * (1 - s) * s * b + s**2 * c]


def _blade(p0, p1, p2, w0: float, w1: float, n: int = 20) -> list[tuple[float, float]]:
    """Polygon of a curved tapering band along a Bézier (blades, bananas)."""
    c = np.asarray(curve_points(p0, p1, p2, n))
    t = np.gradient(c, axis=0)
    t /= np.linalg.norm(t, axis=1, keepdims=True)
    nrm = np.stack([-t[:, 1], t[:, 0]], axis=1)
    w = np.linspace(w0, w1, n)[:, None] / 2
    left, right = c + nrm * w, c - nrm * w
    return [tuple(p) for p in np.vstack([left, right[::-1]])]


def shade_color(rgb, k: float) -> tuple:
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
    p = Pen(300, 400)
    purple, dpurple = (96, 60, 168, 255), (66, 40, 120, 255)
    for r, a in ((40, 50), (30, 90), (22, 140)):  # orb glow (translucent)
        p.circle(232, 58, r, fill=(140, 230, 255, a), outline=None)
    p.stroke([(233, 70), (247, 392)], BROWN, 9)
    p.ellipse((106, 378, 142, 396), fill=(90, 55, 30, 255))  # shoes
    p.ellipse((158, 378, 194, 396), fill=(90, 55, 30, 255))

    def xl(y):
        return 112 - (y - 175) * 40 / 213

    robe = [(112, 175), (188, 175), (228, 388), (72, 388)]
    p.polygon(robe, fill=purple)
    p.polygon([(xl(368), 368), (300 - xl(368), 368), (228, 388), (72, 388)], fill=GOLD)
    p.polygon(
        [(xl(236), 236), (300 - xl(236), 236), (300 - xl(250), 250), (xl(250), 250)], fill=GOLD
    )
    for cx, cy, r in ((130, 290, 9), (172, 322, 11), (118, 342, 7), (176, 272, 7), (150, 352, 8)):
        p.polygon(star_points(cx, cy, r, r * 0.45), fill=GOLD, width=1.5)
    # Arms: left hangs, right holds the staff.
    p.polygon([(116, 183), (90, 258), (114, 268), (132, 200)], fill=dpurple)
    p.circle(102, 270, 10, fill=SKIN)
    p.polygon([(178, 182), (232, 222), (224, 244), (168, 212)], fill=dpurple)
    p.circle(237, 232, 11, fill=SKIN)
    p.circle(232, 58, 16, fill=(120, 225, 255, 255))  # orb
    p.circle(227, 52, 5, fill=(235, 252, 255, 255), outline=None)
    # Head, beard, face.
    p.circle(150, 140, 34, fill=SKIN)
    p.polygon([(116, 146), (184, 146), (176, 196), (150, 240), (124, 196)], fill=WHITE)
    p.ellipse((128, 150, 152, 164), fill=WHITE, width=2)
    p.ellipse((148, 150, 172, 164), fill=WHITE, width=2)
    p.circle(150, 146, 6, fill=shade_color(SKIN, 0.9), width=2)
    for ex in (136, 164):
        p.circle(ex, 132, 4, fill=BLACK, outline=None)
        p.line([(ex - 8, 122), (ex + 8, 124)], WHITE, 4)
    # Hat: brim, bent cone, band and a star.
    p.polygon([(114, 112), (186, 112), (170, 62), (206, 24), (150, 44)], fill=purple)
    p.ellipse((84, 98, 216, 126), fill=dpurple)
    p.polygon([(118, 104), (182, 104), (178, 90), (122, 90)], fill=GOLD, width=2)
    p.polygon(star_points(150, 70, 11, 5), fill=GOLD, width=1.5)
    return p.image()


def draw_warrior(rng: np.random.Generator) -> Image.Image:
    """Armoured knight with plumed helmet, sword, shield and red cape."""
    p = Pen(300, 400)
    red, blue = (182, 40, 40, 255), (40, 72, 162, 255)
    dsteel = shade_color(STEEL, 0.7)
    p.polygon([(108, 165), (192, 165), (222, 372), (78, 372)], fill=red)  # cape
    for x0 in (116, 154):
        p.rect((x0, 268, x0 + 30, 372), fill=STEEL)
        p.ellipse((x0 - 2, 300, x0 + 32, 326), fill=dsteel)
        p.rect((x0 - 6, 360, x0 + 36, 393), fill=(96, 60, 34, 255), radius=8)
    p.polygon([(104, 262), (196, 262), (206, 302), (94, 302)], fill=dsteel)  # tassets
    p.rect((104, 160, 196, 272), fill=STEEL, radius=22)  # breastplate
    p.line([(150, 172), (150, 250)], shade_color(STEEL, 1.2), 4)
    p.rect((102, 250, 198, 266), fill=(96, 60, 34, 255))  # belt
    p.rect((142, 249, 158, 267), fill=GOLD, width=2)
    # Sword arm and sword held upright.
    p.rect((188, 178, 214, 250), fill=STEEL, radius=8)
    p.polygon([(201, 242), (215, 242), (215, 62), (208, 40), (201, 62)], fill=(214, 220, 230, 255))
    p.line([(208, 60), (208, 236)], shade_color(STEEL, 0.85), 2)
    p.rect((186, 236, 230, 248), fill=GOLD, radius=4)
    p.rect((202, 248, 214, 280), fill=BROWN)
    p.circle(208, 285, 7, fill=GOLD)
    p.circle(208, 260, 13, fill=dsteel)
    p.ellipse((170, 152, 222, 196), fill=dsteel)  # pauldrons
    p.ellipse((78, 152, 130, 196), fill=dsteel)
    # Heater shield on the other arm.
    shield = (
        [(38, 178), (132, 178), (132, 238)]
        + curve_points((132, 238), (130, 282), (85, 308))
        + curve_points((85, 308), (40, 282), (38, 238))
    )
    p.polygon(shield, fill=blue, width=3.5)
    inner = (
        [(50, 190), (120, 190), (120, 236)]
        + curve_points((120, 236), (118, 272), (85, 294))
        + curve_points((85, 294), (52, 272), (50, 236))
    )
    p.polygon(inner, fill=None, outline=GOLD, width=4)
    p.rect((79, 196, 91, 288), fill=GOLD, width=2)
    p.rect((56, 224, 114, 236), fill=GOLD, width=2)
    # Helmet with visor slits and a plume.
    p.rect((128, 146, 172, 170), fill=dsteel)
    plume = (
        [(150, 84)]
        + curve_points((150, 84), (140, 30), (196, 30))
        + curve_points((196, 30), (186, 60), (170, 86))
    )
    p.polygon(plume, fill=red)
    p.circle(150, 118, 40, fill=STEEL, width=3.5)
    p.rect((116, 110, 184, 121), fill=BLACK, radius=4, outline=None)
    p.rect((146, 121, 154, 150), fill=BLACK, radius=3, outline=None)
    for hx in (128, 136, 164, 172):
        p.circle(hx, 136, 2.5, fill=BLACK, outline=None)
    p.line([(150, 80), (150, 108)], shade_color(STEEL, 1.2), 4)
    return p.image()


def draw_pirate(rng: np.random.Generator) -> Image.Image:
    """Pirate with tricorne hat, eyepatch, beard, red coat, cutlass, hook and parrot."""
    p = Pen(300, 400)
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
    p.circle(149, 138, 5, fill=shade_color(SKIN, 0.9), width=2)
    # Tricorne hat with skull and crossbones.
    p.chord((112, 60, 188, 124), 180, 360, fill=BLACK)
    p.polygon(
        [(84, 108), (118, 88), (150, 98), (182, 88), (216, 108), (150, 122)],
        fill=BLACK,
        outline=GOLD,
        width=3,
    )
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
    p = Pen(300, 400)
    green, dgreen = (92, 172, 82, 255), (52, 112, 52, 255)
    horn = (240, 230, 200, 255)
    # Club (behind the raised arm).
    p.polygon([(226, 236), (240, 238), (282, 74), (262, 62)], fill=(132, 86, 46, 255))
    for sx, sy, dx, dy in (
        (268, 90, 14, -4),
        (258, 120, -14, -2),
        (274, 130, 14, 4),
        (266, 64, 4, -14),
    ):
        p.polygon([(sx, sy - 5), (sx + dx, sy + dy), (sx, sy + 5)], fill=STEEL, width=2)
    for fx in (80, 160):  # feet + claws
        p.ellipse((fx, 352, fx + 60, 392), fill=dgreen)
        for k in range(3):
            x = fx + 12 + 16 * k
            p.polygon([(x, 388), (x + 8, 388), (x + 4, 398)], fill=horn, width=1.5)
    p.polygon([(98, 150), (74, 80), (122, 134)], fill=horn)  # horns
    p.polygon([(202, 150), (226, 80), (178, 134)], fill=horn)
    p.ellipse((55, 118, 245, 376), fill=green, width=3.5)  # body
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
    p = Pen(300, 400)
    green, dgreen = (112, 162, 72, 255), (66, 112, 46, 255)
    belly = (228, 216, 142, 255)
    cape = (162, 30, 52, 255)
    p.polygon([(80, 170), (220, 170), (256, 386), (44, 386)], fill=cape)
    for fx in (56, 174):  # webbed feet
        p.ellipse((fx, 358, fx + 72, 392), fill=dgreen)
    p.ellipse((68, 172, 232, 378), fill=green, width=3.5)  # body
    p.ellipse((100, 214, 200, 366), fill=belly, outline=None)
    for y in range(240, 360, 22):
        p.arc((110, y - 14, 190, y + 14), 30, 150, shade_color(belly, 0.85), 2)
    p.ellipse((84, 160, 216, 202), fill=WHITE)  # ermine collar
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
    p = Pen(200, 200)
    ys = np.linspace(28, 184, 40)
    hw = 50 + 10 * np.sin(np.pi * (ys - 28) / 156)
    body = [(100 - w, y) for y, w in zip(ys, hw)] + [
        (100 + w, y) for y, w in zip(ys[::-1], hw[::-1])
    ]
    p.polygon(body, fill=(160, 102, 54, 255), width=3.5)
    for f in (-0.66, -0.33, 0.0, 0.33, 0.66):
        p.line([(100 + f * w, y) for y, w in zip(ys[1:-1], hw[1:-1])], (112, 68, 34, 255), 2.5)
    for y0, y1 in ((52, 66), (146, 160)):
        yb = np.linspace(y0, y1, 6)
        wb = np.interp(yb, ys, hw) + 1.5
        band = [(100 - w, y) for y, w in zip(yb, wb)] + [
            (100 + w, y) for y, w in zip(yb[::-1], wb[::-1])
        ]
        p.polygon(band, fill=(112, 114, 124, 255), width=2.5)
        for x in (72, 100, 128):
            p.circle(x, (y0 + y1) / 2, 2.2, fill=(200, 200, 210, 255), outline=None)
    p.ellipse((50, 17, 150, 39), fill=(196, 142, 86, 255), width=3.5)
    p.ellipse((62, 21, 138, 35), fill=None, outline=(150, 100, 56, 255), width=2)
    return p.image()


def draw_anchor(rng: np.random.Generator) -> Image.Image:
    """Ship's anchor: ring, stock, shank, curved arms and flukes."""
    p = Pen(200, 200)
    steel, dark = (92, 104, 122, 255), OUTLINE
    p.arc((78, 8, 122, 52), 0, 360, dark, 13)  # ring (outline + body)
    p.arc((80, 10, 120, 50), 0, 360, steel, 8)
    p.arc((32, 76, 168, 186), 15, 165, dark, 17)  # arms
    p.arc((32, 76, 168, 186), 15, 165, steel, 11)
    for s in (-1, 1):  # flukes
        x = 100 + s * 68 * math.cos(math.radians(15))
        y = 131 + 55 * math.sin(math.radians(15))
        p.polygon([(x - s * 10, y + 6), (x + s * 14, y + 4), (x + s * 4, y - 30)], fill=steel)
    p.rect((92, 44, 108, 172), fill=steel, radius=3)  # shank
    p.rect((58, 54, 142, 68), fill=steel, radius=6)  # stock
    p.circle(100, 174, 9, fill=steel)
    p.line([(97, 72), (97, 164)], shade_color(steel, 1.35), 3)
    return p.image()


def draw_axe(rng: np.random.Generator) -> Image.Image:
    """Woodcutter's axe: long wooden handle and a steel head."""
    p = Pen(200, 200)
    p.stroke([(58, 184), (138, 24)], (150, 98, 52, 255), 13)
    for k in range(4):  # grip wrap
        t = 0.08 + 0.05 * k
        x, y = 58 + 80 * t, 184 - 160 * t
        p.line([(x - 8, y - 3), (x + 8, y + 3)], (92, 56, 30, 255), 3)
    head = [(112, 40), (150, 20)] + curve_points((150, 20), (186, 50), (164, 102)) + [(124, 84)]
    p.polygon(head, fill=(170, 178, 190, 255), width=3.5)
    edge = curve_points((152, 26), (180, 52), (162, 94), 12)
    p.line(edge, (232, 236, 242, 255), 5)
    p.polygon([(114, 46), (90, 52), (112, 72)], fill=(130, 136, 148, 255))
    p.circle(128, 58, 4, fill=(90, 94, 104, 255), outline=None)
    return p.image()


def draw_bomb(rng: np.random.Generator) -> Image.Image:
    """Round cartoon bomb with a burning fuse."""
    p = Pen(200, 200)
    p.polygon([(114, 56), (138, 40), (152, 62), (128, 78)], fill=(110, 112, 122, 255))
    p.circle(95, 118, 62, fill=(44, 44, 56, 255), width=3.5)
    p.ellipse((60, 80, 88, 104), fill=(150, 152, 170, 255), outline=None)
    p.line(curve_points((144, 50), (150, 26), (170, 28)), (150, 110, 60, 255), 5)
    p.polygon(star_points(174, 26, 20, 8, 8), fill=(255, 150, 30, 255), width=2)
    p.polygon(star_points(174, 26, 10, 4, 8), fill=(255, 238, 90, 255), outline=None)
    return p.image()


def draw_key(rng: np.random.Generator) -> Image.Image:
    """Old-fashioned golden key with a round bow and two bit teeth."""
    p = Pen(200, 200)
    gold, dgold = GOLD, (176, 124, 24, 255)
    p.rect((80, 90, 182, 108), fill=gold, radius=4)
    p.rect((142, 104, 156, 134), fill=gold)
    p.rect((162, 104, 176, 124), fill=gold)
    p.circle(54, 99, 36, fill=gold, width=3.5)
    p.erase_ellipse((38, 83, 70, 115))
    p.circle(54, 99, 16, fill=None, width=3)
    p.arc((26, 71, 82, 127), 200, 280, (255, 240, 170, 255), 4)
    p.line([(92, 95), (176, 95)], shade_color(gold, 1.12), 2.5)
    p.rect((88, 88, 96, 110), fill=dgold, width=2)
    return p.image()


def draw_chest(rng: np.random.Generator) -> Image.Image:
    """Treasure chest: planked base, rounded lid, gold bands and lock."""
    p = Pen(200, 200)
    wood, dwood = (146, 88, 42, 255), (104, 60, 28, 255)
    p.rect((24, 96, 176, 178), fill=wood, width=3.5)
    for y in (118, 138, 158):
        p.line([(27, y), (173, y)], dwood, 2.5)
    p.chord((24, 36, 176, 156), 180, 360, fill=shade_color(wood, 1.12), width=3.5)
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
    p = Pen(200, 200)
    yellow, tip = (246, 214, 62, 255), (96, 64, 30, 255)
    stem = (60, 36)
    for end, ctrl, w in (
        ((176, 120), (110, 150), 30),
        ((150, 172), (60, 160), 32),
        ((40, 166), (20, 100), 28),
    ):
        band = _blade(stem, ctrl, end, 10, 6, 24)
        # Fatten the middle of the fruit: scale widths by a sine profile.
        c = np.asarray(curve_points(stem, ctrl, end, 24))
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
    p = Pen(200, 200)
    case = (228, 96, 118, 255)
    p.polygon([(50, 112), (150, 112), (136, 186), (64, 186)], fill=case, width=3.5)
    for k in range(1, 7):
        xt, xb = 50 + k * 100 / 7, 64 + k * 72 / 7
        p.line([(xt, 116), (xb, 182)], shade_color(case, 0.8), 2.5)
    icing = (250, 196, 214, 255)
    for box in ((40, 88, 160, 128), (54, 64, 146, 104), (70, 44, 130, 80)):
        p.ellipse(box, fill=icing, width=3)
    p.polygon([(88, 50), (112, 50), (102, 30)], fill=icing, width=3)
    for _ in range(18):
        x, y = rng.uniform(54, 146), rng.uniform(70, 118)
        a = rng.uniform(0, np.pi)
        col = [(60, 160, 230), (250, 230, 60), (120, 200, 90), (255, 255, 255)][rng.integers(4)]
        p.line(
            [
                (x - 4 * math.cos(a), y - 4 * math.sin(a)),
                (x + 4 * math.cos(a), y + 4 * math.sin(a)),
            ],
            col + (255,),
            3,
        )
    p.line(curve_points((104, 22), (108, 8), (120, 4)), (80, 130, 50, 255), 3)
    p.circle(102, 26, 11, fill=(214, 24, 40, 255))
    p.circle(98, 22, 3, fill=(255, 190, 190, 255), outline=None)
    return p.image()


def draw_donut(rng: np.random.Generator) -> Image.Image:
    """Ring donut with wavy pink icing and sprinkles (transparent hole)."""
    p = Pen(200, 200)
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
        p.line(
            [
                (x - 4 * math.cos(t), y - 4 * math.sin(t)),
                (x + 4 * math.cos(t), y + 4 * math.sin(t)),
            ],
            col + (255,),
            3,
        )
    p.ellipse((70, 76, 130, 124), fill=dough, width=2.5)
    p.erase_ellipse((80, 85, 120, 115))
    p.ellipse((80, 85, 120, 115), fill=None, width=3)
    return p.image()


def draw_heart(rng: np.random.Generator) -> Image.Image:
    """Glossy red heart."""
    p = Pen(200, 200)
    t = np.linspace(0, 2 * np.pi, 120, endpoint=False)
    x = 16 * np.sin(t) ** 3
    y = 13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t)
    pts = [(100 + 5.2 * a, 92 - 5.2 * b) for a, b in zip(x, y)]
    p.polygon(pts, fill=(222, 38, 62, 255), width=4)
    p.ellipse((46, 48, 78, 70), fill=(255, 160, 170, 255), outline=None)
    p.circle(88, 56, 4, fill=(255, 200, 205, 255), outline=None)
    return p.image()


CHARACTERS: dict[str, Callable[[np.random.Generator], Image.Image]] = {
    "mage": draw_mage,
    "warrior": draw_warrior,
    "pirate": draw_pirate,
    "monster": draw_monster,
    "toadking": draw_toadking,
}
OBJECTS: dict[str, Callable[[np.random.Generator], Image.Image]] = {
    "barrel": draw_barrel,
    "anchor": draw_anchor,
    "axe": draw_axe,
    "bomb": draw_bomb,
    "key": draw_key,
    "chest": draw_chest,
    "bananas": draw_bananas,
    "cupcake": draw_cupcake,
    "donut": draw_donut,
    "heart": draw_heart,
}
