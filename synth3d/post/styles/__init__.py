"""Stylisation passes: drawn, painted, stylised and degraded looks of a rendered frame.

Every module of this package that defines ``NAME``, ``Params`` and ``apply`` (see :mod:`.base`)
is a pass; this module finds them and applies a chain of them to a finished frame.

A chain is the ``post.styles`` list of a SceneSpec: concrete steps ``{pass, applied, seed,
params}`` drawn by the sampler (or by ``synth3d stylize``). :func:`apply_chain` runs the applied
steps in order on the 8-bit frame as written, each with ``np.random.default_rng(seed)`` as its only
source of randomness, so a frame's look is reproducible from its SceneSpec.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable
from types import ModuleType

import numpy as np

from ...template.style_params import ORDER
from ...template.style_params import names as param_names
from .base import GBuffers, PassParams, StyleResult

_REGISTRY: dict[str, ModuleType] | None = None


def _is_pass(mod: ModuleType) -> bool:
    params = getattr(mod, "Params", None)
    return (
        isinstance(getattr(mod, "NAME", None), str)
        and callable(getattr(mod, "apply", None))
        and isinstance(params, type)
        and issubclass(params, PassParams)
    )


def passes() -> dict[str, ModuleType]:
    """Pass modules by name, in :data:`ORDER` (then any others, sorted): for every pass whose
    parameters :mod:`synth3d.template.style_params` declares, the module of the same name here
    that applies it."""
    global _REGISTRY
    if _REGISTRY is None:
        found: dict[str, ModuleType] = {}
        for name in param_names():
            mod = importlib.import_module(f"{__name__}.{name}")
            if _is_pass(mod):
                found[mod.NAME] = mod
        _REGISTRY = found
    return _REGISTRY


def names() -> list[str]:
    """Names of the available passes."""
    return list(passes())


def get(name: str) -> ModuleType:
    """The pass module called ``name``; :class:`~synth3d.errors.Synth3dError` naming the known
    passes otherwise (e.g. a SceneSpec written by an installation with more passes)."""
    reg = passes()
    if name not in reg:
        from ...errors import Synth3dError

        raise Synth3dError("post.styles", f"unknown pass '{name}' (known: {', '.join(reg)})")
    return reg[name]


def uses_normals(steps: Iterable) -> bool:
    """Whether any applied step of a chain reads normals (the renderer then renders them
    exactly instead of the pass estimating them from depth). A pass module may say
    ``USES_NORMALS = False``; otherwise it is assumed to."""
    return any(s.applied and getattr(passes().get(s.pass_), "USES_NORMALS", True) for s in steps)


def artifact_stems(steps: Iterable) -> list[str]:
    """File-name stem of each step's artifacts: the pass name, then ``name2``, ``name3`` … for
    later steps of the same pass (``styles/NNNNNN.<stem>.<suffix>``)."""
    seen: dict[str, int] = {}
    out = []
    for s in steps:
        seen[s.pass_] = seen.get(s.pass_, 0) + 1
        out.append(s.pass_ if seen[s.pass_] == 1 else f"{s.pass_}{seen[s.pass_]}")
    return out


def _artifact_bytes(data) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return data.encode("utf-8")
    return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode("utf-8")


def to_float(rgb8: np.ndarray) -> np.ndarray:
    """(H, W, 3|4) uint8 → (H, W, 3) float32 display values in 0..1 (alpha dropped)."""
    return rgb8[..., :3].astype(np.float32) * np.float32(1.0 / 255.0)


def to_uint8(img: np.ndarray) -> np.ndarray:
    """(H, W, 3) float 0..1 → uint8, rounded."""
    return np.round(np.clip(img, 0.0, 1.0) * 255.0).astype(np.uint8)


def apply_step(img: np.ndarray, g: GBuffers, step) -> StyleResult:
    """Run one concrete step (``step.pass_``, ``step.params``, ``step.seed``) on a float image."""
    from pydantic import ValidationError

    mod = get(step.pass_)
    try:
        params = mod.Params.model_validate(step.params)
    except ValidationError as e:
        from ...errors import Synth3dError

        err = e.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise Synth3dError(
            f"post.styles ({step.pass_}) params" + (f".{where}" if where else ""), err["msg"]
        ) from None
    rng = np.random.default_rng(int(step.seed))
    res = mod.apply(img, g, params, rng)
    out = np.asarray(res.image)
    if out.shape != img.shape:
        raise RuntimeError(
            f"style pass '{step.pass_}' returned an image of shape {out.shape}, "
            f"expected {img.shape}"
        )
    return StyleResult(
        image=np.clip(out, 0.0, 1.0).astype(np.float32, copy=False), artifacts=res.artifacts
    )


def apply_chain(
    rgb8: np.ndarray, steps: list, g: GBuffers, first: int = 0
) -> tuple[np.ndarray, dict[str, bytes]]:
    """Apply the applied steps ``steps[first:]`` in order to a finished 8-bit frame.

    Parameters
    ----------
    rgb8 : (H, W, 3) or (H, W, 4) uint8
        The frame as written (sRGB; straight alpha in channel 3, kept as it is).
    steps : list of synth3d.spec.StyleStepSpec
        The frame's whole chain (earlier steps name the artifacts of later ones).
    g : GBuffers
        The frame's geometry.
    first : int
        Index of the first step to apply (``synth3d stylize`` appends to a chain already applied).

    Returns
    -------
    rgb8 : uint8 array of the input's shape
    artifacts : dict
        ``"<stem>.<suffix>"`` (see :func:`artifact_stems`) → file bytes.
    """
    todo = [i for i in range(first, len(steps)) if steps[i].applied]
    if not todo:
        return rgb8, {}
    stems = artifact_stems(steps)
    img = to_float(rgb8)
    artifacts: dict[str, bytes] = {}
    for i in todo:
        res = apply_step(img, g, steps[i])
        img = res.image
        for suffix, data in (res.artifacts or {}).items():
            artifacts[f"{stems[i]}.{suffix}"] = _artifact_bytes(data)
    out = to_uint8(img)
    if rgb8.ndim == 3 and rgb8.shape[2] == 4:
        out = np.dstack([out, rgb8[..., 3]])
    return out, artifacts


__all__ = [
    "GBuffers",
    "ORDER",
    "PassParams",
    "StyleResult",
    "apply_chain",
    "apply_step",
    "artifact_stems",
    "get",
    "names",
    "passes",
    "to_float",
    "to_uint8",
    "uses_normals",
]
