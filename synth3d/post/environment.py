"""Environment compositing: what shows behind the rendered geometry."""
from __future__ import annotations

import numpy as np

from ..envmap import lookup_background
from ..frame import Frame
from ..spec import SceneSpec


def background_radiance(spec: SceneSpec) -> np.ndarray | None:
    """(H, W, 3) float32 linear radiance behind the scene, or None for a transparent background."""
    env = spec.environment
    cam = spec.camera
    if env.background == "transparent":
        return None
    if env.background == "hdri" and env.hdri:
        return lookup_background(env.hdri, cam.K_array(), cam.T_array(), cam.width, cam.height,
                                 env.rotation_deg, env.exposure_ev)
    return np.broadcast_to(np.asarray(env.color, np.float32), (cam.height, cam.width, 3))


def composite(frame: Frame, spec: SceneSpec) -> tuple[np.ndarray, np.ndarray | None]:
    """Linear image over its background: returns (rgb (H, W, 3) float32, alpha or None).

    With a transparent background the colour stays premultiplied by the returned alpha."""
    bg = background_radiance(spec)
    if bg is None:
        return frame.rgb, frame.alpha
    return frame.rgb + (1.0 - frame.alpha)[..., None] * bg, None
