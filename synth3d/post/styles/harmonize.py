"""Harmonize: pasted objects (cards, cut-outs) blended into their background — colour
harmonisation and optional seamless (Poisson) blending.

Every object (instance id > 0) is adjusted to the background *around it* (the ring of
background pixels within ``ring`` × the object's size of its outline):

* **colour**: its CIE Lab statistics move towards the ring's — lightness mean and contrast by
  ``light``, the chroma (a, b) mean by ``colour`` (a red car on grass stays red; it takes on the
  scene's cast and exposure);
* **poisson**: gradient-domain blending (Pérez et al. 2003, via ``cv2.seamlessClone``) as if the
  object had been photographed on ``key_color`` and cloned onto this background: the object's own
  gradients are kept and its colours shift by a smooth membrane that meets the background at the
  outline. ``mixed`` keeps the stronger of the object's and the background's gradients.

The destination of a clone is the background with the object inpainted away (Telea), since
OpenCV's solver reads the destination inside the region too. Geometry never moves — only pixel
values inside each object's mask (dilated by 2 px for the Poisson boundary) change — so masks,
boxes and depth stay exact.
"""

from __future__ import annotations

import cv2
import numpy as np

from ...template.style_params.harmonize import NAME, USES_NORMALS, Params  # noqa: F401
from .base import GBuffers, StyleResult


def _ring(mask: np.ndarray, bg: np.ndarray, width: int) -> np.ndarray:
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1, 2 * width + 1))
    return (cv2.dilate(mask.astype(np.uint8), k) > 0) & bg


def apply(img: np.ndarray, g: GBuffers, p: Params, rng: np.random.Generator) -> StyleResult:
    from .transfer import to_lab, to_srgb

    out = np.ascontiguousarray(np.clip(img[..., :3], 0.0, 1.0), np.float32)
    inst = g.instance
    ids = [int(i) for i in np.unique(inst) if i != 0]
    if not ids:
        return StyleResult(image=out)
    bg = inst == 0
    H, W = inst.shape
    if p.light > 0 or p.colour > 0:
        lab = to_lab(out)
        for i in ids:
            m = inst == i
            ys, xs = np.nonzero(m)
            size = float(np.hypot(np.ptp(ys) + 1, np.ptp(xs) + 1))
            ring = _ring(m, bg, max(2, int(round(p.ring * size))))
            if ring.sum() < 16 or m.sum() < 4:
                continue
            f, b = lab[m], lab[ring]
            mf, mb = f.mean(0), b.mean(0)
            sf, sb = f[:, 0].std() + 1e-3, b[:, 0].std() + 1e-3
            new = f.copy()
            gain = (sb / sf) ** p.light
            new[:, 0] = (f[:, 0] - mf[0]) * gain + mf[0] + p.light * (mb[0] - mf[0])
            new[:, 1:] = f[:, 1:] + p.colour * (mb[1:] - mf[1:])
            lab[m] = new
        back = to_srgb(lab)
        fg = inst > 0  # only object pixels are written (the Lab round trip is not exact)
        out[fg] = back[fg]
    if p.poisson != "none":
        flag = cv2.NORMAL_CLONE if p.poisson == "normal" else cv2.MIXED_CLONE
        key = np.round(np.asarray(p.key_color, np.float32) * 255).astype(np.uint8)
        dst = np.round(out * 255).astype(np.uint8)
        k3 = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
        for i in ids:
            m = (inst == i).astype(np.uint8)
            mask = cv2.dilate(m, k3)  # the boundary lies in the background
            mask[:2], mask[-2:], mask[:, :2], mask[:, -2:] = 0, 0, 0, 0  # clone needs a margin
            ys, xs = np.nonzero(mask)
            if ys.size < 16:
                continue
            # a margin of unmasked pixels round the mask (the clone's boundary is read there)
            y0, y1 = max(0, ys.min() - 2), min(H, ys.max() + 3)
            x0, x1 = max(0, xs.min() - 2), min(W, xs.max() + 3)
            # the object as if on its key colour: its own pixels, the key around them
            src = np.empty((y1 - y0, x1 - x0, 3), np.uint8)
            src[:] = key
            inside = m[y0:y1, x0:x1] > 0
            src[inside] = dst[y0:y1, x0:x1][inside]
            centre = ((x0 + x1) // 2, (y0 + y1) // 2)
            # the background without the object (OpenCV's clone reads the destination inside
            # the region too): inpainted from around it
            under = cv2.inpaint(
                np.ascontiguousarray(dst[..., ::-1]), mask * 255, 3, cv2.INPAINT_TELEA
            )
            cloned = cv2.seamlessClone(
                np.ascontiguousarray(src[..., ::-1]), under, mask[y0:y1, x0:x1] * 255, centre, flag
            )[..., ::-1]
            sel = mask > 0
            dst[sel] = cloned[sel]
        out = dst.astype(np.float32) / 255.0
    return StyleResult(image=out)
