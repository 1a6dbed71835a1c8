"""Wavefront ``.mtl`` materials: what trimesh's OBJ reader leaves out.

trimesh reads ``Kd`` and ``map_Kd`` (without options) and drops a texture it cannot find without a
word. Here the ``.mtl`` files an OBJ names are read again, so that:

- ``d`` / ``Tr`` (dissolve) and ``map_d`` (an alpha texture) make the part see-through
  (alpha-blended) with the alpha in the base-colour texture;
- ``map_Kd`` with options (``-s 1 1 1 tex.png``) still finds its file;
- a texture that is not there gives one :class:`AssetWarning` naming the file;
- bump and normal maps (``bump``, ``map_bump``, ``norm``) become the part's tangent-space normal
  map (a grey height map is turned into normals from its slopes, × ``-bm``).

Texture paths are relative to the ``.mtl`` file, as the format says.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..errors import AssetWarning

_MAP_KEYS = {
    "map_kd": "map_kd",
    "map_d": "map_d",
    "bump": "bump",
    "map_bump": "bump",
    "norm": "norm",
    "map_ka": "map_ka",
    "map_ks": "map_ks",
}
# Options of texture statements and how many values each takes.
_OPT_ARGS = {
    "-blendu": 1,
    "-blendv": 1,
    "-bm": 1,
    "-boost": 1,
    "-cc": 1,
    "-clamp": 1,
    "-imfchan": 1,
    "-mm": 2,
    "-o": 3,
    "-s": 3,
    "-t": 3,
    "-texres": 1,
    "-type": 1,
}

_warned: set[str] = set()


@dataclass
class MtlMaterial:
    name: str
    kd: tuple | None = None
    d: float = 1.0
    bump_scale: float = 1.0
    maps: dict = field(default_factory=dict)  # key → absolute path
    missing: list = field(default_factory=list)


def _texture_file(args: list[str]) -> str:
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i].lower() in _OPT_ARGS:
        n = _OPT_ARGS[args[i].lower()]
        i += 1
        # -o/-s/-t take 1..3 numbers
        taken = 0
        while taken < n and i < len(args) - 1 and re.match(r"^-?[\d.]+$", args[i]):
            i += 1
            taken += 1
    return " ".join(args[i:])


def parse_mtl(path: str) -> dict[str, MtlMaterial]:
    """Materials of one ``.mtl`` file by name (texture paths made absolute)."""
    base = os.path.dirname(os.path.abspath(path))
    out: dict[str, MtlMaterial] = {}
    cur = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.strip().split()
            if len(parts) < 2 or parts[0].startswith("#"):
                continue
            key = parts[0].lower()
            if key == "newmtl":
                cur = out.setdefault(" ".join(parts[1:]), MtlMaterial(" ".join(parts[1:])))
            elif cur is None:
                continue
            elif key == "kd":
                try:
                    cur.kd = tuple(float(v) for v in parts[1:4])
                except ValueError:
                    pass
            elif key in ("d", "tr"):
                try:
                    v = float(parts[-1])
                except ValueError:
                    continue
                cur.d = v if key == "d" else 1.0 - v
            elif key in _MAP_KEYS:
                if _MAP_KEYS[key] == "bump" and "-bm" in parts[1:-1]:
                    try:
                        cur.bump_scale = float(parts[parts.index("-bm") + 1])
                    except (ValueError, IndexError):
                        pass
                fn = _texture_file(parts[1:]).replace("\\", "/")
                if not fn:
                    continue
                full = os.path.normpath(os.path.join(base, fn))
                cur.maps[_MAP_KEYS[key]] = full
                if not os.path.isfile(full):
                    cur.missing.append(full)
    return out


def obj_mtl_files(obj_path: str) -> list[str]:
    """The ``.mtl`` files an OBJ names with ``mtllib`` (absolute; missing ones included)."""
    base = os.path.dirname(os.path.abspath(obj_path))
    out = []
    with open(obj_path, "rb") as f:
        for raw in f:
            if raw.startswith(b"mtllib"):
                name = raw[6:].decode("utf-8", "replace").strip()
                if name:
                    out.append(os.path.normpath(os.path.join(base, name)))
    return out


def obj_materials(obj_path: str) -> tuple[dict[str, MtlMaterial], list[str]]:
    """All materials of an OBJ's ``.mtl`` files, and the missing files (``.mtl`` files and
    textures), absolute."""
    mats: dict[str, MtlMaterial] = {}
    missing: list[str] = []
    for m in obj_mtl_files(obj_path):
        if not os.path.isfile(m):
            missing.append(m)
            continue
        for name, mat in parse_mtl(m).items():
            mats.setdefault(name, mat)
            missing.extend(mat.missing)
    return mats, sorted(set(missing))


def warn_missing(owner: str, missing: list[str]) -> None:
    """One warning per missing file and process, naming it and the asset that needs it."""
    for m in missing:
        if m not in _warned:
            _warned.add(m)
            warnings.warn(
                f"{owner}: texture or material file '{m}' not found (drawn without it)",
                AssetWarning,
                stacklevel=3,
            )


def _load_rgb(path: str):
    from PIL import Image

    with Image.open(path) as im:
        return im.convert("RGBA")


HEIGHT_STRENGTH = 8.0
"""A bump (height) map's slope scale: a full-range height step over one texel tilts the normal by
atan(8 × -bm) (heights 0..1)."""


def normal_map(path: str, bump_scale: float = 1.0) -> np.ndarray:
    """(H, W, 3) uint8 tangent-space normal map (OpenGL: +y is the texture's up) of a ``norm``
    or ``bump`` file: a colour image is taken as a normal map; a grey one as a height map, turned
    into normals from its slopes (× ``bump_scale``, the ``-bm`` option)."""
    from PIL import Image

    with Image.open(path) as im:
        rgb = np.asarray(im.convert("RGB")).astype(np.float32)
    if np.abs(rgb - rgb.mean(2, keepdims=True)).max() > 8.0:
        return rgb.astype(np.uint8)
    h = rgb.mean(2) / 255.0
    s = HEIGHT_STRENGTH * bump_scale
    dh_dcol = np.gradient(h, axis=1)
    dh_drow = np.gradient(h, axis=0)
    n = np.dstack([-s * dh_dcol, s * dh_drow, np.ones_like(h)])  # rows go down, +v goes up
    n /= np.linalg.norm(n, axis=2, keepdims=True)
    return np.round((n * 0.5 + 0.5) * 255.0).astype(np.uint8)


def apply_mtl(obj_path: str, parts: list) -> list:
    """Give the parts of a loaded OBJ what trimesh missed of their ``.mtl`` materials
    (see the module doc). Returns the same parts (modified in place where needed)."""
    import trimesh

    mats, missing = obj_materials(obj_path)
    warn_missing(obj_path, missing)
    if not mats:
        return parts
    for g in parts:
        vis = g.visual
        tm = getattr(vis, "material", None)
        if tm is None:
            continue
        mat = mats.get(getattr(tm, "name", None))
        if mat is None:
            continue
        image = getattr(tm, "image", None)
        if (
            image is None
            and "map_kd" in mat.maps
            and os.path.isfile(mat.maps["map_kd"])
            and getattr(vis, "uv", None) is not None
        ):
            image = _load_rgb(mat.maps["map_kd"])
            tm.image = image
        has_alpha_map = "map_d" in mat.maps and os.path.isfile(mat.maps["map_d"])
        bump = mat.maps.get("norm") or mat.maps.get("bump")
        has_normal = bool(bump) and os.path.isfile(bump)
        if getattr(vis, "uv", None) is None:
            has_alpha_map = has_normal = False
        blend = mat.d < 1.0 or has_alpha_map
        if not blend and not has_normal:
            continue
        from PIL import Image

        rgba = None
        if image is not None:
            rgba = np.asarray(image.convert("RGBA")).copy()
        if has_alpha_map:
            with Image.open(mat.maps["map_d"]) as am:
                a = am.convert("L") if am.mode not in ("RGBA", "LA") else am.getchannel("A")
                if rgba is None:
                    rgba = np.full((a.size[1], a.size[0], 4), 255, np.uint8)
                a = np.asarray(a.resize((rgba.shape[1], rgba.shape[0])))
            rgba[:, :, 3] = a
        kd = mat.kd if mat.kd is not None else (1.0, 1.0, 1.0)
        base = np.array([*kd, float(np.clip(mat.d, 0.0, 1.0))])
        g.visual = trimesh.visual.TextureVisuals(
            uv=vis.uv,
            material=trimesh.visual.material.PBRMaterial(
                name=mat.name,
                baseColorFactor=np.round(base * 255).astype(np.uint8),
                baseColorTexture=Image.fromarray(rgba, "RGBA") if rgba is not None else None,
                normalTexture=Image.fromarray(normal_map(bump, mat.bump_scale), "RGB")
                if has_normal
                else None,
                metallicFactor=0.0,
                roughnessFactor=0.6,
                alphaMode="BLEND" if blend else "OPAQUE",
            ),
        )
    return parts
