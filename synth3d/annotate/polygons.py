"""Polygon outlines that keep a mask's holes and separate parts.

COCO and YOLO-seg store a mask as polygons. A mug's handle or a chair's back makes a *hole*, an
occluder cut an object into several *parts*; the outer outline of the largest part alone fills
the holes and drops the other parts (IoU against the mask down to 0.74 on bundled scenes).

* :func:`mask_topology` counts parts and holes, so the COCO writer keeps the exact RLE for masks
  that are not one part without holes.
* :func:`bridged_polygon` joins every part and hole into ONE polygon — what YOLO-seg's one-line
  format can hold — with zero-width bridges: from a point of the outline so far to the nearest
  point of the next ring, around that ring, and back along the same segment. The two passes of
  a bridge cancel in any fill rule, and holes keep the orientation OpenCV traces them with
  (opposite to outer outlines), so the polygon fills exactly the parts minus the holes.

Coordinates are pixel edges (pixel (x, y) covers [x, x+1] × [y, y+1]); outlines are traced on the
mask upsampled 4× and so run within 1/8 px inside the mask's pixel edges.
"""

from __future__ import annotations

import numpy as np

UPSAMPLE = 4


def _rings(mask: np.ndarray, min_area: float) -> tuple[list[np.ndarray], list[bool]]:
    """Closed outlines of a mask in pixel-edge coordinates: (rings, is_hole), largest outer
    first; rings enclosing less than ``min_area`` px are left out."""
    import cv2

    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return [], []
    x0, y0 = xs.min(), ys.min()
    crop = (mask[y0 : ys.max() + 1, x0 : xs.max() + 1] > 0).astype(np.uint8)
    up = np.kron(crop, np.ones((UPSAMPLE, UPSAMPLE), np.uint8))
    contours, hierarchy = cv2.findContours(up, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    rings, holes, areas = [], [], []
    for c, h in zip(contours, hierarchy[0] if hierarchy is not None else []):
        area = cv2.contourArea(c)
        if len(c) < 3 or area < min_area * UPSAMPLE**2:
            continue
        rings.append((c.reshape(-1, 2) + 0.5) / UPSAMPLE + np.array([x0, y0], float))
        holes.append(bool(h[3] >= 0))  # a parent: the ring is a hole's outline
        areas.append(area)
    order = sorted(range(len(rings)), key=lambda i: (holes[i], -areas[i]))
    return [rings[i] for i in order], [holes[i] for i in order]


def mask_topology(mask: np.ndarray, min_area: float = 1.0) -> tuple[int, int]:
    """(parts, holes) of a binary mask (8-connected parts; pieces under ``min_area`` px
    ignored)."""
    _rings_, is_hole = _rings(mask, min_area)
    return sum(1 for h in is_hole if not h), sum(1 for h in is_hole if h)


def bridged_polygon(mask: np.ndarray, min_area: float = 1.0) -> list[float]:
    """One polygon ``[x1, y1, x2, y2, …]`` (pixel edges) covering every part of ``mask`` and
    leaving out its holes, the rings joined by zero-width bridges (see the module doc);
    [] for an empty mask."""
    rings, _holes = _rings(mask, min_area)
    if not rings:
        return []
    path = rings[0]
    rest = list(rings[1:])
    while rest:
        # The ring nearest to the outline so far, and the nearest pair of points.
        best = None
        for k, ring in enumerate(rest):
            d = ((path[:, None, :] - ring[None, :, :]) ** 2).sum(-1)
            i, j = np.unravel_index(int(np.argmin(d)), d.shape)
            if best is None or d[i, j] < best[0]:
                best = (d[i, j], k, i, j)
        _d, k, i, j = best
        ring = rest.pop(k)
        detour = np.concatenate([ring[j:], ring[: j + 1]])  # around the ring, back to its start
        path = np.concatenate([path[: i + 1], detour, path[i:]])
    return [round(float(v), 3) for v in path.ravel()]


def polygon_mask(
    polygon: list[float], height: int, width: int, rule: str = "centres"
) -> np.ndarray:
    """Rasterise a pixel-edge polygon to an (H, W) uint8 mask — to measure outlines against
    their masks.

    ``rule="centres"``: a pixel is in when its centre is inside the polygon (nonzero winding;
    exact: zero-width bridges cover nothing). ``rule="fillpoly"``: OpenCV's ``fillPoly``, as
    Ultralytics rasterises YOLO-seg polygons (it also sets the pixels a bridge runs through)."""
    pts = np.asarray(polygon, float).reshape(-1, 2)
    if rule == "fillpoly":
        import cv2

        out = np.zeros((height, width), np.uint8)
        cv2.fillPoly(out, [np.round((pts - 0.5) * 256).astype(np.int32)], 1, shift=8)
        return out
    from matplotlib.path import Path as MplPath

    yy, xx = np.mgrid[0:height, 0:width]
    centres = np.column_stack([xx.ravel() + 0.5, yy.ravel() + 0.5])
    inside = MplPath(pts, closed=False).contains_points(centres)
    return inside.reshape(height, width).astype(np.uint8)
