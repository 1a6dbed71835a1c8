"""Sampling: the only place randomness is drawn."""
from .scene import Sampler, intrinsics_from_fov, look_at, project

__all__ = ["Sampler", "intrinsics_from_fov", "look_at", "project"]
