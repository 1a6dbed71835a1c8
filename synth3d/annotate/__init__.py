"""Annotators: pure functions from a Frame and its SceneSpec to labels."""
from .coco import depth_to_png16, instance_annotations

__all__ = ["depth_to_png16", "instance_annotations"]
