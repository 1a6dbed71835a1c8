"""Annotators: pure functions from a Frame and its SceneSpec to labels."""

from .contours import contour_map
from .depth import depth_to_png16
from .labels import BOX_KEYPOINTS, object_labels, pose_m2c, semantic_mask

__all__ = [
    "BOX_KEYPOINTS",
    "contour_map",
    "depth_to_png16",
    "object_labels",
    "pose_m2c",
    "semantic_mask",
]
