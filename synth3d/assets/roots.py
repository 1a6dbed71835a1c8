"""Named asset roots: what makes a dataset portable.

In memory, SceneSpecs hold absolute file paths (the renderer and the loaders open them as they
are). On disk, a path under one of the run's *asset roots* is written as ``@NAME/relative/path``
(``NAME`` is ``asset_root`` for the template's ``asset_root``, or the name of an asset set with
its own ``root``), and ``dataset.json`` records the roots as ``{NAME: absolute folder}``.
Reading a SceneSpec back resolves ``@NAME/...`` against the recorded roots, or against a
relocation (``--asset-root DIR`` for ``asset_root``, ``--asset-root NAME=DIR`` for any root).
Old datasets whose SceneSpecs hold absolute paths keep working where they are; a relocation
``--asset-root /old/folder=/new/folder`` rewrites their paths by prefix.

All functions here are pure: no process-wide state.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import AssetError, DatasetError
from ..spec import SceneSpec

PREFIX = "@"
TEMPLATE_ROOT = "asset_root"


def _norm(folder: str | os.PathLike) -> str:
    return os.path.normpath(os.path.abspath(os.fspath(folder)))


def portable_path(path: str, roots: dict[str, str]) -> str:
    """``@NAME/rel`` for an absolute ``path`` under one of ``roots`` (the deepest root wins, so
    a set's own root beats an enclosing template root); other strings unchanged."""
    if not path or path.startswith(PREFIX) or not os.path.isabs(path):
        return path
    best = None
    p = os.path.normpath(path)
    for name, folder in roots.items():
        f = _norm(folder)
        if p == f or p.startswith(f.rstrip(os.sep) + os.sep):
            if best is None or len(f) > len(best[1]):
                best = (name, f)
    if best is None:
        return path
    rel = os.path.relpath(p, best[1]).replace(os.sep, "/")
    return f"{PREFIX}{best[0]}/{rel}"


def resolve_path(path: str, roots: dict[str, str], where: str = "") -> str:
    """The absolute path of ``@NAME/rel`` (or of an absolute path under a relocated folder:
    ``roots`` may map an old absolute folder to a new one). Raises AssetError naming the root
    when ``NAME`` is not known."""
    if not path:
        return path
    if path.startswith(PREFIX):
        name, _, rel = path[1:].partition("/")
        if name not in roots:
            known = ", ".join(sorted(r for r in roots if not os.path.isabs(r))) or "none"
            raise AssetError(
                where or path,
                f"asset root '{name}' is not known (known: {known}); pass --asset-root {name}=DIR",
            )
        return os.path.normpath(os.path.join(_norm(roots[name]), rel))
    if os.path.isabs(path):
        p = os.path.normpath(path)
        for old, new in roots.items():
            if os.path.isabs(old):
                o = os.path.normpath(old)
                if p == o or p.startswith(o.rstrip(os.sep) + os.sep):
                    return os.path.normpath(os.path.join(_norm(new), os.path.relpath(p, o)))
    return path


def _map_spec(spec: SceneSpec, fn) -> SceneSpec:
    """A copy of ``spec`` with ``fn`` applied to every asset path it holds."""
    objects = []
    for o in spec.objects:
        upd = {"asset": fn(o.asset)}
        if o.material.texture:
            upd["material"] = o.material.model_copy(update={"texture": fn(o.material.texture)})
        objects.append(o.model_copy(update=upd))
    env = spec.environment
    env = env.model_copy(
        update={
            "hdri": fn(env.hdri) if env.hdri else env.hdri,
            "backplate": fn(env.backplate) if env.backplate else env.backplate,
        }
    )
    backdrops = []
    for b in spec.backdrops:
        if b.texture.type == "image" and b.texture.image:
            b = b.model_copy(
                update={"texture": b.texture.model_copy(update={"image": fn(b.texture.image)})}
            )
        backdrops.append(b)
    return spec.model_copy(update={"objects": objects, "environment": env, "backdrops": backdrops})


def portable_spec(spec: SceneSpec, roots: dict[str, str]) -> SceneSpec:
    """``spec`` with every asset path under a root written as ``@NAME/rel``."""
    if not roots:
        return spec
    return _map_spec(spec, lambda p: portable_path(p, roots))


def resolve_spec(spec: SceneSpec, roots: dict[str, str]) -> SceneSpec:
    """``spec`` with every ``@NAME/rel`` path made absolute (and relocated absolute paths
    rewritten), ready for the renderer."""
    return _map_spec(spec, lambda p: resolve_path(p, roots))


def parse_relocation(values: list[str] | tuple[str, ...] | None) -> dict[str, str]:
    """``--asset-root`` values → ``{NAME or old folder: new folder}``. ``DIR`` alone relocates
    the template's root (``asset_root``); ``NAME=DIR`` a named root; ``/old=/new`` an old
    dataset's absolute folder. Raises DatasetError for a folder that does not exist."""
    out: dict[str, str] = {}
    for v in values or ():
        if "=" in v:
            name, _, folder = v.partition("=")
            name = name.strip()
            if os.path.isabs(name):
                name = _norm(name)
        else:
            name, folder = TEMPLATE_ROOT, v
        if not name:
            raise DatasetError("--asset-root", f"expected DIR or NAME=DIR, got '{v}'")
        if not Path(folder).is_dir():
            raise DatasetError("--asset-root", f"'{folder}' is not a folder")
        out[name] = _norm(folder)
    return out


def relocation_map(recorded: dict[str, str], relocation: dict[str, str] | None) -> dict[str, str]:
    """The roots to resolve with: the ``recorded`` ones with ``relocation`` on top, plus
    ``{old folder: new folder}`` for every relocated root, so that absolute paths written
    under an old root (labels, old SceneSpecs) follow it too."""
    out = dict(recorded)
    for name, new in (relocation or {}).items():
        if name in recorded and not os.path.isabs(name):
            out[_norm(recorded[name])] = new
        out[name] = new
    return out


def dataset_roots(
    dataset: str | os.PathLike | None, relocation: dict[str, str] | None = None
) -> dict[str, str]:
    """The asset roots of a dataset folder (``dataset.json``'s ``asset_roots``, none for old
    datasets) with ``relocation`` applied on top (see :func:`relocation_map`)."""
    recorded: dict[str, str] = {}
    if dataset is not None:
        meta = Path(dataset) / "dataset.json"
        if meta.is_file():
            import json

            try:
                recorded.update(json.loads(meta.read_text()).get("asset_roots") or {})
            except (OSError, ValueError):
                pass
    return relocation_map(recorded, relocation)


def read_scene(path: str | os.PathLike, asset_roots: dict[str, str] | None = None) -> SceneSpec:
    """A saved SceneSpec (``OUT/scene/NNNNNN.json``) ready to render: its ``@NAME/…`` asset
    paths resolved against the roots its dataset records (``dataset.json`` two folders up),
    with ``asset_roots`` (a relocation, see :func:`parse_relocation`) on top."""
    p = Path(path)
    spec = SceneSpec.from_json(p.read_text())
    return resolve_spec(spec, dataset_roots(p.resolve().parent.parent, asset_roots))


__all__ = [
    "PREFIX",
    "TEMPLATE_ROOT",
    "dataset_roots",
    "parse_relocation",
    "portable_path",
    "portable_spec",
    "read_scene",
    "relocation_map",
    "resolve_path",
    "resolve_spec",
]
