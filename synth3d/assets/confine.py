"""Confining asset paths to allowed roots, for services that render other people's templates.

A template may name any file its user can read (absolute paths, ``../``): right for a command
line tool. A service sets ``SYNTH3D_ASSET_ROOTS`` (folders separated by ``os.pathsep``; the CLI's
``--asset-roots``) and every file a template reads — asset sets, globs, folders, style
references — must then resolve (symbolic links and ``..`` followed) inside one of them, or
the template is refused in one line naming the field, before anything is rendered.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import AssetError

ENV_VAR = "SYNTH3D_ASSET_ROOTS"


def allowed_roots() -> list[Path] | None:
    """The resolved folders asset paths are confined to, or None when unconfined."""
    text = os.environ.get(ENV_VAR, "")
    roots = [Path(os.path.expanduser(p)).resolve() for p in text.split(os.pathsep) if p.strip()]
    return roots or None


def check_confined(path: str | os.PathLike, where: str) -> None:
    """Raise AssetError(where, …) when asset roots are set and ``path`` (resolved) is outside
    all of them."""
    roots = allowed_roots()
    if roots is None:
        return
    real = Path(path).resolve()
    if any(real == r or r in real.parents for r in roots):
        return
    raise AssetError(
        where,
        f"'{path}' is outside the allowed asset roots "
        f"({os.pathsep.join(map(str, roots))}; set by {ENV_VAR} / --asset-roots)",
    )
