"""Cut-out mattes of card images without halos: soft keying, spill suppression, erosion,
feathering, and premultiplied texels for filtering.

A product photographed on white has anti-aliased edge pixels that are part object, part white.
A hard key (alpha 0 within ``key_threshold`` of the key colour, else 1) keeps them fully opaque,
so every keyed cut-out carries a one-pixel light ring. Here, along the edge of the keyed
background (within ``band`` pixels of it), each pixel is unmixed as ``C = a·F + (1 - a)·K``: ``F``
is the colour of the nearest fully-object pixel, ``a`` the projection of ``C - K`` on ``F - K``
(clipped to 0..1), and the colour kept is the unmixed ``F' = (C - (1 - a)·K) / a`` (spill
suppression: the key colour is taken out of the edge, not just made transparent). Pixels
farther inside keep alpha 1, so white details inside the object survive (as with the hard key,
only key-coloured regions connected to the image border are background).

``erode_px`` shrinks the matte (grey-scale erosion, fractional radii interpolated) and
``feather_px`` softens it (Gaussian, σ = feather / 2) — both in the image's pixels.

:func:`premultiply_srgb` turns straight-alpha sRGB texels into premultiplied ones in *linear*
light (re-encoded as sRGB, exact for opaque texels): the GPU decodes sRGB texels to linear before
it filters, so bilinear filtering and mipmaps then average ``colour × alpha``, and the shader's
division by the filtered alpha gives the alpha-weighted colour — no transparent texel's colour
ever leaks into an edge (the renderer sets ``premultiplied`` for card textures).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Matte:
    """Matte settings of a card set (see the module docstring). ``softness``: width, in key
    distance (0..1), over which alpha ramps from 0 at ``key_threshold`` up to 1 — pixels nearer
    the key than that are partly transparent even without a nearby object pixel; ``band``: px
    from the keyed background within which edge pixels are unmixed; ``spill``: unmix the key
    colour out of edge pixels."""

    softness: float = 0.15
    band: int = 2
    spill: bool = True
    erode_px: float = 0.0
    feather_px: float = 0.0


DEFAULT = Matte()


def key_matte(
    rgb: np.ndarray, key_color, threshold: float, m: Matte = DEFAULT
) -> tuple[np.ndarray, np.ndarray]:
    """(H, W, 3) uint8 colours (key spill removed at the edge) and (H, W) float32 alpha of a
    photo on a key colour."""
    key = np.asarray(key_color, np.float32) * 255.0
    f = rgb.astype(np.float32)
    dist = np.max(np.abs(f - key), axis=2) / 255.0
    close = dist <= threshold
    n, labels = cv2.connectedComponents(close.astype(np.uint8), connectivity=4)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    background = np.isin(labels, border[border > 0]) & close
    alpha = np.ones(rgb.shape[:2], np.float32)
    alpha[background] = 0.0
    if not background.any() or background.all():
        return rgb.copy(), alpha
    # distance (px) of every pixel to the keyed background: the edge band is unmixed
    d_bg = cv2.distanceTransform((~background).astype(np.uint8), cv2.DIST_L2, 3)
    band = (~background) & (d_bg <= m.band + 0.5)
    # the nearest pixel beyond the band: the object's own colour F there
    solid = (~background) & ~band
    out = rgb.copy()
    if solid.any():
        _, lab = cv2.distanceTransformWithLabels(
            (~solid).astype(np.uint8), cv2.DIST_L2, 3, labelType=cv2.DIST_LABEL_PIXEL
        )
        ys, xs = np.nonzero(solid)
        idx = lab[band] - 1
        F = f[ys[idx], xs[idx]]
    else:
        F = f[band]
    C = f[band]
    FK = F - key
    denom = (FK * FK).sum(1)
    a_proj = ((C - key) * FK).sum(1) / np.maximum(denom, 1.0)
    a_soft = np.clip((dist[band] - threshold) / max(m.softness, 1e-6), 0.0, 1.0)
    # unmixing needs an object colour F distinct from the key; else the ramp on key distance
    a = np.where((denom > 100.0) & m.spill, a_proj, a_soft)
    # an edge pixel the key did not remove keeps a trace of coverage (it is not key-coloured)
    a = np.clip(a, 1.0 / 255.0, 1.0).astype(np.float32)
    alpha[band] = a
    if m.spill:
        unmixed = (C - (1.0 - a)[:, None] * key) / np.maximum(a, 1e-3)[:, None]
        unmixed = np.where((a > 0.02)[:, None], unmixed, F)
        out[band] = np.clip(np.round(unmixed), 0, 255).astype(np.uint8)
    return out, alpha


def refine_alpha(alpha: np.ndarray, erode_px: float = 0.0, feather_px: float = 0.0) -> np.ndarray:
    """Alpha (H, W) float32 0..1 eroded by ``erode_px`` (grey-scale erosion with a disc;
    fractional radii interpolate between the two nearest whole ones) and feathered by
    ``feather_px`` (Gaussian blur, σ = feather / 2)."""
    a = alpha.astype(np.float32)
    if erode_px > 0:
        lo = int(np.floor(erode_px))
        t = erode_px - lo

        def erode(r):
            if r == 0:
                return a
            k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
            return cv2.erode(a, k, borderType=cv2.BORDER_REPLICATE)

        a = erode(lo) if t == 0 else (1 - t) * erode(lo) + t * erode(lo + 1)
    if feather_px > 0:
        a = cv2.GaussianBlur(a, (0, 0), feather_px / 2.0, borderType=cv2.BORDER_REPLICATE)
    return np.clip(a, 0.0, 1.0).astype(np.float32)


_DECODE = np.where(
    np.arange(256) / 255.0 <= 0.04045,
    np.arange(256) / 255.0 / 12.92,
    ((np.arange(256) / 255.0 + 0.055) / 1.055) ** 2.4,
)


def _encode(lin: np.ndarray) -> np.ndarray:
    """Linear 0..1 → sRGB uint8 (nearest code)."""
    lin = np.clip(lin, 0.0, 1.0)
    s = np.where(lin <= 0.0031308, lin * 12.92, 1.055 * np.power(lin, 1 / 2.4) - 0.055)
    return np.clip(np.round(s * 255.0), 0, 255).astype(np.uint8)


def premultiply_srgb(rgba: np.ndarray) -> np.ndarray:
    """Straight-alpha sRGB RGBA uint8 → colour × alpha in linear light, re-encoded as sRGB
    (alpha unchanged; opaque texels unchanged, transparent ones black)."""
    out = rgba.copy()
    a = rgba[..., 3]
    part = a < 255
    if part.any():
        lin = _DECODE[rgba[part, :3]] * (a[part].astype(np.float64) / 255.0)[:, None]
        out[part, :3] = _encode(lin)
    return out


__all__ = ["DEFAULT", "Matte", "key_matte", "premultiply_srgb", "refine_alpha"]
