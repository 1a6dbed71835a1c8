"""Sampling: the only place randomness is drawn."""

from .camera import intrinsics_from_fov, look_at, project
from .scene import Sampler

__all__ = ["Sampler", "intrinsics_from_fov", "look_at", "project"]
