"""Post passes: pure functions from a rendered Frame (+ its SceneSpec) to new images."""

from ..color import encode_srgb8
from .environment import background_radiance, composite
from .tonemap import finish, tonemap

__all__ = ["background_radiance", "composite", "encode_srgb8", "finish", "tonemap"]
