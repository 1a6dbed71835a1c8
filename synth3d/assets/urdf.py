"""URDF robot-description files as single objects.

A URDF's asset coordinates are those of its first link that has visual geometry (metres):
every ``<visual>`` mesh of that link is placed by its ``<origin xyz rpy>`` and ``<mesh
scale>``. Mass (``<inertial><mass>``) and friction (``<contact><lateral_friction>``, else a
Gazebo-style ``<collision>…<friction><mu>``) are read for physics, as is the collision mesh.
Multi-link robots are out of scope: the other links are ignored (objects are rigid).
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import numpy as np

from ..errors import AssetError


@dataclass(frozen=True)
class UrdfVisual:
    """One mesh of a link: ``path`` (absolute) and ``T_link_mesh`` (4×4; origin and scale)."""

    path: str
    T_link_mesh: tuple
    rgba: tuple | None = None


@dataclass(frozen=True)
class UrdfInfo:
    """What synth3d takes from a URDF file."""

    path: str
    link: str
    visuals: tuple[UrdfVisual, ...]
    collisions: tuple[UrdfVisual, ...] = ()
    mass: float | None = None
    friction: float | None = None
    extra: dict = field(default_factory=dict)

    def mesh_files(self) -> list[str]:
        return [v.path for v in self.visuals] + [c.path for c in self.collisions]


def rpy_matrix(r: float, p: float, y: float) -> np.ndarray:
    """URDF fixed-axis roll-pitch-yaw: R = Rz(yaw) · Ry(pitch) · Rx(roll)."""
    cr, sr, cp, sp, cy, sy = np.cos(r), np.sin(r), np.cos(p), np.sin(p), np.cos(y), np.sin(y)
    rx = np.array([[1, 0, 0], [0, cr, -sr], [0, sr, cr]])
    ry = np.array([[cp, 0, sp], [0, 1, 0], [-sp, 0, cp]])
    rz = np.array([[cy, -sy, 0], [sy, cy, 0], [0, 0, 1]])
    return rz @ ry @ rx


def _floats(text: str | None, n: int, default: float, path: str, what: str) -> list[float]:
    if text is None or not text.strip():
        return [default] * n
    try:
        vals = [float(v) for v in text.split()]
    except ValueError:
        raise AssetError(path, f"{what}: not numbers ('{text}')") from None
    if len(vals) == 1 and n == 3 and what.endswith("scale"):
        vals = vals * 3
    if len(vals) != n:
        raise AssetError(path, f"{what}: expected {n} numbers, got '{text}'")
    return vals


def _mesh_file(fn: str, base: str) -> str:
    for pre in ("file://",):
        fn = fn.removeprefix(pre)
    if fn.startswith("package://"):
        # package://pkg/rest: look for rest next to the URDF, then pkg/rest above it.
        rest = fn[len("package://") :]
        cands = [
            os.path.join(base, rest.split("/", 1)[-1]),
            os.path.join(os.path.dirname(base), rest),
        ]
        return next((c for c in cands if os.path.isfile(c)), cands[0])
    return os.path.normpath(os.path.join(base, fn))


def _geoms(link, tag: str, path: str, base: str) -> list[UrdfVisual]:
    out = []
    for k, el in enumerate(link.findall(tag)):
        mesh = el.find("geometry/mesh")
        if mesh is None:
            continue  # primitives (box, cylinder, sphere) are not meshes; not rendered
        fn = mesh.get("filename")
        if not fn:
            raise AssetError(path, f"<{tag}> {k}: <mesh> without filename")
        where = f"{tag}[{k}]"
        scale = _floats(mesh.get("scale"), 3, 1.0, path, f"{where} mesh scale")
        org = el.find("origin")
        xyz = _floats(
            org.get("xyz") if org is not None else None, 3, 0.0, path, f"{where} origin xyz"
        )
        rpy = _floats(
            org.get("rpy") if org is not None else None, 3, 0.0, path, f"{where} origin rpy"
        )
        T = np.eye(4)
        T[:3, :3] = rpy_matrix(*rpy) @ np.diag(scale)
        T[:3, 3] = xyz
        rgba = None
        col = el.find("material/color")
        if col is not None and col.get("rgba"):
            rgba = tuple(_floats(col.get("rgba"), 4, 1.0, path, f"{where} material rgba"))
        out.append(UrdfVisual(_mesh_file(fn, base), tuple(map(tuple, T)), rgba))
    return out


def read_urdf(path: str) -> UrdfInfo:
    """Parse a URDF file (no meshes are opened). Raises AssetError naming the file."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        raise AssetError(
            path, f"cannot read URDF ({e.__class__.__name__}: {str(e)[:120]})"
        ) from None
    if root.tag != "robot":
        raise AssetError(path, f"not a URDF (top element <{root.tag}>, expected <robot>)")
    base = os.path.dirname(os.path.abspath(path))
    for link in root.findall("link"):
        visuals = _geoms(link, "visual", path, base)
        if not visuals:
            continue
        mass = friction = None
        m = link.find("inertial/mass")
        if m is not None and m.get("value") is not None:
            mass = _floats(m.get("value"), 1, 0.0, path, "inertial mass")[0]
            if mass < 0:
                raise AssetError(path, f"inertial mass: must be ≥ 0, got {mass}")
        fr = link.find("contact/lateral_friction")
        if fr is None:
            fr = link.find("collision/surface/friction/ode/mu")
        if fr is not None:
            friction = _floats(fr.get("value", fr.text), 1, 0.0, path, "friction")[0]
        extra = {}
        for key in ("rolling_friction", "spinning_friction", "restitution"):
            el = link.find(f"contact/{key}")
            if el is not None and el.get("value") is not None:
                extra[key] = float(el.get("value"))
        return UrdfInfo(
            os.path.abspath(path),
            link.get("name", ""),
            tuple(visuals),
            tuple(_geoms(link, "collision", path, base)),
            mass,
            friction,
            extra,
        )
    raise AssetError(path, "URDF has no link with a visual <mesh>")


def load_urdf_parts(path: str, load_parts) -> list:
    """The visual meshes of a URDF's link as trimesh parts in link coordinates (each keeping
    its materials); ``load_parts(file)`` loads one mesh file's parts."""
    info = read_urdf(path)
    out = []
    for v in info.visuals:
        if not os.path.isfile(v.path):
            raise AssetError(path, f"visual mesh '{v.path}' not found")
        T = np.asarray(v.T_link_mesh, float)
        for g in load_parts(v.path):
            g = g.copy()
            g.apply_transform(T)
            if v.rgba is not None and getattr(g.visual, "kind", None) is None:
                g.visual.face_colors = np.round(np.asarray(v.rgba) * 255).astype(np.uint8)
            out.append(g)
    return out
