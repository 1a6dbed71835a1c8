"""Drawing labels over images: instance outlines, boxes and category names (pure functions)."""

from __future__ import annotations

import numpy as np


def instance_colour(i: int) -> tuple[int, int, int]:
    """A bright, stable RGB colour per instance id (golden-ratio hues)."""
    from ..color import hsv_to_rgb

    r, g, b = hsv_to_rgb((i * 137.508) % 360.0, 0.75, 1.0)
    return int(r * 255), int(g * 255), int(b * 255)


def draw_labels(
    rgb: np.ndarray,
    instance: np.ndarray,
    boxes: list[tuple[int, str, list[float]]],
    outline: bool = True,
) -> np.ndarray:
    """A copy of ``rgb`` (H, W, 3) uint8 with every instance's outline, its box [x, y, w, h] and
    its category name drawn in the instance's colour.

    ``boxes`` lists (instance id, name, bbox) for the labelled instances."""
    import cv2

    out = np.ascontiguousarray(rgb[:, :, :3]).copy()
    if outline:
        for i in np.unique(instance):
            if i == 0:
                continue
            m = (instance == i).astype(np.uint8)
            contours, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
            cv2.drawContours(out, contours, -1, instance_colour(int(i)), 1)
    scale = max(out.shape[0] / 480.0, 0.3)
    for i, name, (x, y, w, h) in boxes:
        c = instance_colour(i)
        p0, p1 = (int(round(x)), int(round(y))), (int(round(x + w)) - 1, int(round(y + h)) - 1)
        cv2.rectangle(out, p0, p1, c, 1)
        (tw, th), _ = cv2.getTextSize(name, cv2.FONT_HERSHEY_SIMPLEX, 0.5 * scale, 1)
        ty = max(p0[1] - 2, th + 2)
        cv2.rectangle(out, (p0[0], ty - th - 2), (p0[0] + tw + 2, ty + 1), c, -1)
        cv2.putText(
            out,
            name,
            (p0[0] + 1, ty - 1),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.5 * scale,
            (0, 0, 0),
            1,
            cv2.LINE_AA,
        )
    return out


def contact_sheet(images: list[np.ndarray], columns: int, gap: int = 2) -> np.ndarray:
    """Tile equally sized (H, W, 3) uint8 images into one sheet, row by row, on black."""
    h, w = images[0].shape[:2]
    rows = (len(images) + columns - 1) // columns
    sheet = np.zeros((rows * (h + gap) - gap, columns * (w + gap) - gap, 3), np.uint8)
    for k, img in enumerate(images):
        r, c = divmod(k, columns)
        sheet[r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w] = img[:, :, :3]
    return sheet
