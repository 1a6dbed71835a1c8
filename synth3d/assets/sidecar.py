"""Sidecar tables: per-file facts a library keeps next to its meshes.

A CSV (header row) or JSON file (a list of rows, or ``{file: row}``) whose rows have a ``file``
column — a path relative to the table's folder, or an asset's name (its file stem, or its folder
for per-object layouts) — and any of:

=============  =====================================================================
category       category name
scale          factor from file units to metres (wins over ``units``)
size           true size in metres of the set's ``normalize.measure`` (default: largest extent)
units          ``m``, ``cm``, ``mm`` or ``in``
up_axis        ``z``, ``y``, ``x``, ``-x``, ``-y``, ``-z``
keypoints      ``{name: [x, y, z]}`` in the file's coordinates (a JSON string in a CSV cell)
mass           kilograms (for physics)
friction       Coulomb friction coefficient (for physics)
weight         sampling weight
=============  =====================================================================
"""

from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import dataclass, field

from ..errors import AssetError

UNITS = {"m": 1.0, "cm": 0.01, "mm": 0.001, "in": 0.0254}
UP_AXES = ("z", "y", "x", "-x", "-y", "-z")
FIELDS = (
    "file",
    "category",
    "scale",
    "size",
    "units",
    "up_axis",
    "keypoints",
    "mass",
    "friction",
    "weight",
)


@dataclass(frozen=True)
class SidecarRow:
    category: str | None = None
    scale: float | None = None
    size: float | None = None
    units: str | None = None
    up_axis: str | None = None
    keypoints: dict | None = None
    mass: float | None = None
    friction: float | None = None
    weight: float | None = None
    extra: dict = field(default_factory=dict)


def _num(v, where: str, lo: float = 0.0, strict: bool = False) -> float | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise AssetError(where, f"not a number: {v!r}") from None
    if not math.isfinite(x) or x < lo or (strict and x == lo):
        raise AssetError(where, f"must be {'>' if strict else '≥'} {lo:g}, got {v!r}")
    return x


def _row(raw: dict, where: str) -> SidecarRow:
    unknown = [k for k in raw if k not in FIELDS]
    units = raw.get("units") or None
    if units is not None and units not in UNITS:
        raise AssetError(f"{where}.units", f"must be one of {', '.join(UNITS)}, got {units!r}")
    up = raw.get("up_axis") or None
    if up is not None and up not in UP_AXES:
        raise AssetError(f"{where}.up_axis", f"must be one of {', '.join(UP_AXES)}, got {up!r}")
    kp = raw.get("keypoints")
    if isinstance(kp, str):
        kp = json.loads(kp) if kp.strip() else None
    if kp is not None:
        if not isinstance(kp, dict):
            raise AssetError(f"{where}.keypoints", "expected {name: [x, y, z]}")
        for k, v in kp.items():
            if not (isinstance(v, (list, tuple)) and len(v) == 3):
                raise AssetError(f"{where}.keypoints.{k}", "expected [x, y, z]")
        kp = {k: [float(x) for x in v] for k, v in kp.items()}
    cat = raw.get("category")
    return SidecarRow(
        category=str(cat) if cat not in (None, "") else None,
        scale=_num(raw.get("scale"), f"{where}.scale", strict=True),
        size=_num(raw.get("size"), f"{where}.size", strict=True),
        units=units,
        up_axis=up,
        keypoints=kp,
        mass=_num(raw.get("mass"), f"{where}.mass"),
        friction=_num(raw.get("friction"), f"{where}.friction"),
        weight=_num(raw.get("weight"), f"{where}.weight"),
        extra={k: raw[k] for k in unknown},
    )


def read_sidecar(path: str) -> dict[str, SidecarRow]:
    """Rows by key: ``file`` as written (forward slashes). Raises AssetError naming the file and
    row of a bad value."""
    if not os.path.isfile(path):
        raise AssetError(path, "sidecar table not found")
    rows: list[tuple[str, dict]] = []
    try:
        if path.lower().endswith(".json"):
            with open(path, encoding="utf-8") as f:
                data = json.loads(f.read())
            if isinstance(data, dict):
                rows = [(str(k), dict(v, file=k)) for k, v in data.items()]
            elif isinstance(data, list):
                rows = [(str(i), dict(r)) for i, r in enumerate(data)]
            else:
                raise AssetError(path, "expected a list of rows or {file: row}")
        else:
            with open(path, newline="", encoding="utf-8") as f:
                reader = csv.DictReader(f)
                if not reader.fieldnames or "file" not in reader.fieldnames:
                    raise AssetError(path, "the CSV needs a header row with a 'file' column")
                rows = [(f"row {i + 2}", dict(r)) for i, r in enumerate(reader)]
    except (OSError, ValueError) as e:
        raise AssetError(
            path, f"cannot read sidecar ({e.__class__.__name__}: {str(e)[:100]})"
        ) from None
    out: dict[str, SidecarRow] = {}
    for label, raw in rows:
        key = str(raw.get("file") or "").strip().replace("\\", "/")
        if not key:
            raise AssetError(f"{path}: {label}", "empty 'file'")
        out[key] = _row({k: v for k, v in raw.items() if k is not None}, f"{path}: {key}")
    return out


def lookup(table: dict[str, SidecarRow], table_dir: str, path: str, name: str) -> SidecarRow | None:
    """The row of a file: by its path relative to the table's folder, else by its name."""
    rel = os.path.relpath(path, table_dir).replace(os.sep, "/")
    return table.get(rel) or table.get(name) or table.get(os.path.basename(path))
