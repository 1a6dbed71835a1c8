"""Asset paths as SceneSpecs on disk write them: ``@NAME/relative/path`` under a named root.

Datasets record their roots (``dataset.json`` → ``asset_roots``) and
:func:`synth3d.assets.roots.read_scene` resolves a saved SceneSpec against them (or against a
relocation). For code that reads a SceneSpec with plain ``SceneSpec.from_json`` in the process
that rendered it, the file loaders also resolve ``@NAME/…`` against the roots of the templates
this process has opened (:func:`register_roots`, called by the catalog). A name registered with
several folders resolves to the one folder that holds the file; if several do, it is an error
(never a silent guess).
"""

from __future__ import annotations

import os
import threading

from .errors import AssetError

PREFIX = "@"

_lock = threading.Lock()
_roots: dict[str, list[str]] = {}  # name → folders, most recent first


def register_roots(roots: dict[str, str]) -> None:
    """Make ``@NAME/…`` paths of these roots loadable in this process."""
    with _lock:
        for name, folder in roots.items():
            folder = os.path.normpath(os.path.abspath(folder))
            lst = _roots.setdefault(name, [])
            if folder in lst:
                lst.remove(folder)
            lst.insert(0, folder)


def resolve_asset(path: str) -> str:
    """The file of an asset path: ``@NAME/rel`` through the registered roots; any other path
    unchanged. Raises AssetError when the root is unknown or ambiguous."""
    if not path or not path.startswith(PREFIX):
        return path
    name, _, rel = path[1:].partition("/")
    with _lock:
        folders = list(_roots.get(name, ()))
    if not folders:
        raise AssetError(
            path,
            f"asset root '{name}' is not known in this process: read saved "
            "SceneSpecs with synth3d.read_scene(path) (it uses the dataset's "
            "asset_roots), or pass --asset-root",
        )
    if len(folders) == 1:
        return os.path.join(folders[0], rel)
    have = [f for f in folders if os.path.exists(os.path.join(f, rel))]
    if len(have) > 1:
        raise AssetError(
            path,
            f"asset root '{name}' is ambiguous in this process ({have[0]}, "
            f"{have[1]}): read the SceneSpec with synth3d.read_scene(path)",
        )
    return os.path.join((have or folders)[0], rel)
