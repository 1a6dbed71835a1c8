"""BOP model sets: ``models/obj_000001.ply`` … with ``models_info.json`` (millimetres).

``models_info.json`` maps the object id (as a string) to ``diameter``, the bounding box
(``min_x``…``size_z``) and optionally ``symmetries_discrete`` (4×4 matrices, row-major, 16
numbers, translation in mm) and ``symmetries_continuous`` (``{axis, offset}``). A model drawn from
such a set keeps its id, diameter and symmetries in the BOP labels synth3d writes.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache

from ..errors import AssetError

_NAME = re.compile(r"^obj_(\d+)$")
UNITS = "mm"


@lru_cache(maxsize=64)
def _read_info(path: str, mtime_ns: int) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.loads(f.read())
    except (OSError, ValueError) as e:
        raise AssetError(path, f"cannot read models_info.json ({e.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise AssetError(path, "models_info.json: expected an object {id: info}")
    return data


def models_info_file(mesh_path: str) -> str | None:
    """The ``models_info.json`` next to a BOP model file, when the file is named obj_NNNNNN."""
    folder, name = os.path.split(os.path.abspath(mesh_path))
    if not name.startswith("obj_") or not _NAME.match(os.path.splitext(name)[0]):
        return None
    info = os.path.join(folder, "models_info.json")
    return info if os.path.isfile(info) else None


def bop_model(mesh_path: str) -> dict | None:
    """``{obj_id, diameter, symmetries_discrete?, symmetries_continuous?}`` of a BOP model file
    (None when it is not one)."""
    info_file = models_info_file(mesh_path)
    if info_file is None:
        return None
    obj_id = int(_NAME.match(os.path.splitext(os.path.basename(mesh_path))[0]).group(1))
    data = _read_info(info_file, os.stat(info_file).st_mtime_ns)
    rec = data.get(str(obj_id))
    if rec is None:
        raise AssetError(info_file, f"no entry for object {obj_id} ({os.path.basename(mesh_path)})")
    out = {"obj_id": obj_id}
    for k in ("diameter", "symmetries_discrete", "symmetries_continuous"):
        if k in rec:
            out[k] = rec[k]
    for k, m in enumerate(out.get("symmetries_discrete", [])):
        if len(m) != 16:
            raise AssetError(info_file, f"{obj_id}.symmetries_discrete[{k}]: expected 16 numbers")
    return out
