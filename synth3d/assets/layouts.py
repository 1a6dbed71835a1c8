"""Library layouts: which files an asset set holds, what each asset is called, its category.

Folders are searched recursively; per-object layouts (GSO ``<id>/meshes/model.obj``, ShapeNet
``<id>/models/model_normalized.obj``) name the object after its folder; categories come from
a pattern over the path (``{parent}``, ``{dir0}``, ``{name}``, …) or a regular expression.
"""

from __future__ import annotations

import glob
import os
import re
from pathlib import Path

from ..errors import AssetError
from ..template.schema import AssetSetSpec
from .confine import check_confined

MESH_EXT = {".obj", ".glb", ".gltf", ".ply", ".stl", ".off", ".urdf"}
IMAGE_EXT = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"}
HDRI_EXT = {".hdr", ".exr"}


def kind_of(path: Path | str) -> str | None:
    ext = os.path.splitext(path)[1].lower()
    if ext in MESH_EXT:
        return "mesh"
    if ext in IMAGE_EXT:
        return "image"
    if ext in HDRI_EXT:
        return "hdri"
    return None


def _walk(folder: str) -> list[str]:
    """Supported files under ``folder`` and its subfolders, in a fixed (sorted) order; hidden
    files and folders are left out."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for f in filenames:
            if not f.startswith(".") and kind_of(f):
                out.append(os.path.join(dirpath, f))
    return sorted(out)


def _glob_base(pattern: Path) -> Path:
    parts = []
    for part in pattern.parts:
        if any(ch in part for ch in "*?["):
            break
        parts.append(part)
    return Path(*parts) if parts else Path(".")


def set_files(spec: AssetSetSpec, root: Path, where: str) -> list[tuple[str, str, bool]]:
    """``(file, the folder it was found in, found by scanning a folder)`` of one asset set, in
    order, de-duplicated, as absolute paths with links resolved; the folder is what ``{dir0}``,
    ``category_regex`` and sidecar paths are relative to."""
    patterns = [spec.path] if isinstance(spec.path, str) else list(spec.path)
    out: list[tuple[str, str, bool]] = []
    for pat in patterns:
        p = Path(os.path.expanduser(pat))
        if not p.is_absolute():
            p = root / p
        if any(ch in pat for ch in "*?["):
            hits = [Path(h) for h in sorted(glob.glob(str(p), recursive=True))]
            hits = [h for h in hits if h.is_file() and kind_of(h)]
            if not hits:
                raise AssetError(
                    f"{where}.path", f"glob '{pat}' matches no supported file (in {root})"
                )
            base = str(_glob_base(p).resolve())
            out.extend((str(h.resolve()), base, False) for h in hits)
        elif p.is_dir():
            # Resolve the folder once: a library of thousands of files is listed, not resolved.
            folder = os.path.realpath(p)
            hits = _walk(folder)
            if not hits:
                raise AssetError(
                    f"{where}.path",
                    f"folder '{p}' holds no supported file (in it or its subfolders)",
                )
            out.extend((h, folder, True) for h in hits)
        elif p.is_file():
            if kind_of(p) is None:
                raise AssetError(f"{where}.path", f"'{p}' is not a supported file type")
            rp = p.resolve()
            out.append((str(rp), str(rp.parent), False))
        else:
            raise AssetError(f"{where}.path", f"'{p}' not found")
    # A collision mesh shipped next to its asset (mug_col.obj, duck_vhacd.obj) is collision data,
    # not an object of its own, when a glob or folder picks it up with its asset.
    listed = {Path(f[0]) for f in out}
    seen: set[str] = set()
    unique = []
    for f in out:
        check_confined(Path(f[0]), f"{where}.path")
        if _is_collision_file(Path(f[0]), listed):
            continue
        if f[0] not in seen:
            seen.add(f[0])
            unique.append(f)
    return unique


COLLISION_SUFFIXES = ("_col", "_vhacd", "_collision")
"""File-name endings of collision meshes shipped next to their asset (``mug_col.obj``)."""


def _is_collision_file(p: Path, listed: set[Path]) -> bool:
    if p.suffix.lower() == ".urdf":  # a URDF is an object (it names its own collision meshes)
        return False
    for suffix in COLLISION_SUFFIXES:
        if p.stem.endswith(suffix) and len(p.stem) > len(suffix):
            base = p.stem[: -len(suffix)]
            if any(q.parent == p.parent and q.stem == base for q in listed):
                return True
    return False


def resolve_paths(spec: AssetSetSpec, root: Path, where: str) -> list[Path]:
    """Files of one asset set, in order, de-duplicated."""
    return [Path(p) for p, _, _ in set_files(spec, root, where)]


def _stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def object_name(path: str | Path) -> str:
    """An asset's name: the object folder of per-object layouts (GSO ``<id>/meshes/model.obj``,
    ShapeNet ``<id>/models/model_normalized.obj``), else the file stem."""
    path = str(path)
    stem = _stem(path)
    if stem in ("model", "model_normalized"):
        parent, _ = os.path.split(path)
        grand, pname = os.path.split(parent)
        if grand and (
            (stem == "model" and pname == "meshes")
            or (stem == "model_normalized" and pname == "models")
        ):
            return os.path.basename(grand)
    return stem


def category_of(spec: AssetSetSpec, set_name: str, path: str, base: str, name: str) -> str:
    """The category of a file from the set's ``category`` pattern or ``category_regex``.
    Raises AssetError when the regex does not match or a ``{dirN}`` folder does not exist."""
    if spec.category_regex is None and (spec.category is None or "{" not in spec.category):
        return spec.category or set_name
    if path.startswith(base.rstrip(os.sep) + os.sep):
        rel = path[len(base.rstrip(os.sep)) + 1 :].replace(os.sep, "/")
    else:
        rel = os.path.basename(path)
    if spec.category_regex:
        m = re.search(spec.category_regex, rel)
        if m is None:
            raise AssetError(path, f"category_regex {spec.category_regex!r} does not match '{rel}'")
        return m.group("category") if "category" in m.re.groupindex else m.group(1)
    pat = spec.category
    dirs = rel.split("/")[:-1]
    fields = {
        "stem": _stem(path),
        "name": name,
        "parent": os.path.basename(os.path.dirname(path)),
        "set": set_name,
    }
    fields.update({f"dir{i}": d for i, d in enumerate(dirs)})
    try:
        return pat.format_map(fields)
    except KeyError as e:
        raise AssetError(
            path,
            f"category {pat!r}: no folder {e.args[0]} (the file is "
            f"{len(dirs)} folder(s) below the set's folder)",
        ) from None
