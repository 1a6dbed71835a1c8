"""Drawing the concrete stylisation chain of one frame from ``post.styles`` steps.

Step ``i`` draws from its own stream ``<prefix>/<i>`` (prefix ``styles`` when rendering,
``stylize`` for ``synth3d stylize``): first whether it applies (uniform < ``p``), then a 63-bit
seed for the pass's generator, then each parameter in the order the pass declares them. Adding,
removing or changing a step never shifts the draws of another step or of the scene.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from ..errors import AssetError, TemplateError
from ..spec import StyleStepSpec
from ..template import distributions as D
from .values import draw_choice, sample_float, sample_int

PATH_PARAMS = ("reference",)
"""Parameter names holding a file path (resolved against the template's ``asset_root``)."""


def is_path_param(name: str, finfo) -> bool:
    extra = finfo.json_schema_extra if isinstance(finfo.json_schema_extra, dict) else {}
    return bool(extra.get("path")) or name in PATH_PARAMS


def _draw(value: Any, annotation, rng: np.random.Generator) -> Any:
    if value is None or not isinstance(value, D.Model):
        return value
    if isinstance(value, D.Choice):
        return draw_choice(value, rng)
    if annotation is int or (isinstance(value, D.RandInt) and annotation is not float):
        return sample_int(value, rng)
    return sample_float(value, rng)


def _resolve(path: str, root: Path) -> str:
    p = Path(os.path.expanduser(path))
    return str(p if p.is_absolute() else (root / p).resolve())


def style_paths(steps, root: Path, where: str = "post.styles") -> list[tuple[str, str, Any]]:
    """(YAML path, absolute file, pass module) of every file a chain's steps may read (each
    value of a ``choice`` included; '' where a path parameter is empty)."""
    from ..post.styles import get

    out = []
    for i, step in enumerate(steps):
        mod = get(step.pass_)
        for name, finfo in mod.Params.model_fields.items():
            if not is_path_param(name, finfo):
                continue
            v = getattr(step.params, name)
            values = v.values if isinstance(v, D.Choice) else [v]
            for j, x in enumerate(values):
                if isinstance(x, str):
                    at = f"{where}[{i}].params.{name}" + (
                        f".values[{j}]" if isinstance(v, D.Choice) else ""
                    )
                    out.append((at, _resolve(x, root) if x else "", mod))
    return out


def check_style_assets(steps, root: Path, where: str = "post.styles") -> None:
    """Open every file the steps may read (the preflight): AssetError naming the step. A pass
    module's ``load_reference(path)`` opens its files where it has one (its own formats and
    caches); otherwise the file is read as an image."""
    from ..assets.catalog import load_image_rgb
    from ..assets.confine import check_confined

    for at, path, mod in style_paths(steps, root, where):
        if not path:
            raise TemplateError(at, "required: the path of an image file")
        check_confined(path, at)
        if not Path(path).is_file():
            raise AssetError(at, f"'{path}' not found")
        opener = getattr(mod, "load_reference", None) or load_image_rgb
        try:
            opener(path)
        except AssetError as e:
            raise AssetError(at, f"'{path}': {e.message}") from None


def sample_styles(
    steps,
    rng_for: Callable[[str], np.random.Generator],
    root: Path,
    prefix: str = "styles",
    where: str = "post.styles",
) -> list[StyleStepSpec]:
    """The concrete chain of one frame.

    Parameters
    ----------
    steps : list of template step models (``post.styles``)
    rng_for : callable
        Stream name → generator (the frame's :func:`synth3d.sampling.rng.stream`).
    root : Path
        Folder relative file parameters resolve against.
    prefix, where : str
        Stream-name prefix and the YAML path for errors.
    """
    from ..post.styles import get

    out = []
    for i, step in enumerate(steps):
        rng = rng_for(f"{prefix}/{i}")
        applied = bool(rng.random() < step.p)
        seed = int(rng.integers(0, 2**63 - 1, dtype=np.int64))
        P = get(step.pass_).Params
        values = {}
        for name, finfo in P.model_fields.items():
            v = _draw(getattr(step.params, name), finfo.annotation, rng)
            if isinstance(v, str) and v and is_path_param(name, finfo):
                v = _resolve(v, root)
            values[name] = v
        try:
            params = P.model_validate(values).model_dump(mode="json")
        except ValidationError as e:
            err = e.errors()[0]
            at = ".".join(str(x) for x in err["loc"])
            raise TemplateError(
                f"{where}[{i}].params" + (f".{at}" if at else ""),
                f"{err['msg'].removeprefix('Value error, ')} (for drawn values {values})",
            ) from None
        out.append(StyleStepSpec(pass_=step.pass_, applied=applied, seed=seed, params=params))
    return out
