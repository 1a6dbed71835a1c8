"""Environment compositing: what shows behind the rendered geometry."""

from __future__ import annotations

import numpy as np

from ..envmap import lookup_background
from ..frame import Frame
from ..spec import SceneSpec


def background_radiance(spec: SceneSpec, where: np.ndarray | None = None) -> np.ndarray | None:
    """(H, W, 3) float32 linear radiance behind the scene, or None for a transparent background.

    ``where`` (H, W) bool: only these pixels are needed (others may be 0)."""
    import cv2

    env = spec.environment
    cam = spec.camera
    if env.background == "transparent":
        return None
    blur = env.background_blur > 0
    if env.background == "hdri" and env.hdri:
        bg = lookup_background(
            env.hdri,
            cam.K_array(),
            cam.T_array(),
            cam.width,
            cam.height,
            env.rotation_deg,
            env.exposure_ev,
            None if blur else where,
        )
    elif env.background == "backplate" and env.backplate:
        bg = backplate(env.backplate, cam.width, cam.height)
    else:
        return np.broadcast_to(np.asarray(env.color, np.float32), (cam.height, cam.width, 3))
    if blur:
        bg = cv2.GaussianBlur(bg, (0, 0), sigmaX=env.background_blur, borderType=cv2.BORDER_REFLECT)
    return bg


def backplate(path: str, width: int, height: int) -> np.ndarray:
    """(H, W, 3) float32 linear colour of a photo scaled and centre-cropped to cover the frame."""
    import cv2

    from ..assets.catalog import load_image_rgb
    from ..color import srgb_to_linear

    img = load_image_rgb(path)
    h, w = img.shape[:2]
    s = max(width / w, height / h)
    sw, sh = max(width, int(round(w * s))), max(height, int(round(h * s)))
    img = cv2.resize(img, (sw, sh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    x0, y0 = (sw - width) // 2, (sh - height) // 2
    return srgb_to_linear(img[y0 : y0 + height, x0 : x0 + width] / 255.0).astype(np.float32)


def composite(frame: Frame, spec: SceneSpec) -> tuple[np.ndarray, np.ndarray | None]:
    """Linear image over its background: returns (rgb (H, W, 3) float32, alpha or None).

    With a transparent background the colour stays premultiplied by the returned alpha."""
    if spec.environment.background == "transparent":
        return frame.rgb, frame.alpha
    see_through = frame.alpha < 1.0
    out = frame.rgb.copy()
    if not see_through.any():
        return out, None
    bg = background_radiance(spec, see_through)
    out[see_through] += (1.0 - frame.alpha[see_through])[:, None] * bg[see_through]
    return out, None
