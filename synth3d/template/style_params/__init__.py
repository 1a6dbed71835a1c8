"""What a template (or a SceneSpec) may say about each stylisation pass: one module per pass with
``NAME``, ``Params`` (a :class:`PassParams` model: the parameters, their defaults, ranges and
descriptions) and optionally ``USES_NORMALS``. The passes themselves live in
:mod:`synth3d.post.styles`, one module of the same name each, which applies them; a new pass is a
module here (its parameters) and one there (its ``apply``).
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from ...errors import Synth3dError
from .base import PassParams

# Order of the passes in docs and listings (others found in the package follow, sorted).
ORDER = ("sketch", "paint", "transfer", "toon", "pixel", "halftone", "augment")
_MODULES: dict[str, ModuleType] | None = None


def modules() -> dict[str, ModuleType]:
    """The parameter modules by pass name, in :data:`ORDER` (then any others, sorted)."""
    global _MODULES
    if _MODULES is None:
        found: dict[str, ModuleType] = {}
        for info in pkgutil.iter_modules(__path__):
            if info.name.startswith("_") or info.name == "base":
                continue
            mod = importlib.import_module(f"{__name__}.{info.name}")
            params = getattr(mod, "Params", None)
            if (
                isinstance(getattr(mod, "NAME", None), str)
                and isinstance(params, type)
                and issubclass(params, PassParams)
            ):
                found[mod.NAME] = mod
        names = [n for n in ORDER if n in found] + sorted(n for n in found if n not in ORDER)
        _MODULES = {n: found[n] for n in names}
    return _MODULES


def names() -> list[str]:
    """Names of the passes a template may use."""
    return list(modules())


def get(name: str) -> ModuleType:
    """The parameter module of pass ``name``; Synth3dError naming the known passes otherwise."""
    mods = modules()
    if name not in mods:
        raise Synth3dError("post.styles", f"unknown pass '{name}' (known: {', '.join(mods)})")
    return mods[name]


__all__ = ["ORDER", "PassParams", "get", "modules", "names"]
