"""Environment compositing: what shows behind the rendered geometry."""
from __future__ import annotations

import numpy as np

from ..envmap import lookup_background
from ..frame import Frame
from ..spec import SceneSpec


def background_radiance(spec: SceneSpec, where: np.ndarray | None = None) -> np.ndarray | None:
    """(H, W, 3) float32 linear radiance behind the scene, or None for a transparent background.

    ``where`` (H, W) bool: only these pixels are needed (others may be 0)."""
    env = spec.environment
    cam = spec.camera
    if env.background == "transparent":
        return None
    if env.background == "hdri" and env.hdri:
        return lookup_background(env.hdri, cam.K_array(), cam.T_array(), cam.width, cam.height,
                                 env.rotation_deg, env.exposure_ev, where)
    return np.broadcast_to(np.asarray(env.color, np.float32), (cam.height, cam.width, 3))


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
