"""Generate the bundled clutter meshes (``meshes/clutter/``): small everyday-like solids for
``scenes/clutter.yaml`` and a tray with its own collision mesh (``tray_col.obj``: five boxes, the
way asset libraries ship V-HACD pieces).

    python scripts/make_clutter_assets.py [--out meshes/clutter]

Deterministic (no randomness); small files (OBJ, metres, z up, a few hundred triangles each).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import trimesh
from trimesh.creation import annulus, box, capsule, cone, cylinder, icosphere


def _l_block(a=0.06, b=0.025, h=0.03) -> trimesh.Trimesh:
    """An L-shaped block (concave): the L outline extruded by ``h``."""
    pts = np.array([[0, 0], [a, 0], [a, b], [b, b], [b, a], [0, a]]) - a / 2
    tris = np.array([[0, 1, 2], [0, 2, 3], [0, 3, 4], [0, 4, 5]])
    return trimesh.creation.extrude_triangulation(pts, tris, h)


def _cup(r=0.03, h=0.07, wall=0.004, sections=20) -> trimesh.Trimesh:
    """An open cup: a lathe of the profile (concave)."""
    prof = np.array([[0, 0], [r, 0], [r, h], [r - wall, h], [r - wall, wall], [0, wall]])
    return trimesh.creation.revolve(prof, sections=sections)


def _bowl(r=0.045, h=0.03, wall=0.004, sections=24) -> trimesh.Trimesh:
    t = np.linspace(0, np.pi / 2, 7)
    outer = np.stack([r * np.sin(t), h * (1 - np.cos(t))], 1)
    inner = np.stack([(r - wall) * np.sin(t[::-1]), wall + (h - wall) * (1 - np.cos(t[::-1]))], 1)
    prof = np.vstack([[0, 0], outer[1:], inner[:-1], [0, wall]])
    return trimesh.creation.revolve(prof, sections=sections)


def shapes() -> dict[str, trimesh.Trimesh]:
    s = {
        "block": box([0.05, 0.035, 0.025]),
        "cube": box([0.04, 0.04, 0.04]),
        "can": cylinder(radius=0.022, height=0.07, sections=20),
        "puck": cylinder(radius=0.03, height=0.015, sections=24),
        "pill": capsule(radius=0.015, height=0.05, count=[12, 8]),
        "ball": icosphere(subdivisions=2, radius=0.025),
        "cone": cone(radius=0.025, height=0.05, sections=20),
        "ring": annulus(r_min=0.018, r_max=0.03, height=0.012, sections=24),
        "cup": _cup(),
        "bowl": _bowl(),
        "ell": _l_block(),
    }
    return s


def tray(inner=(0.40, 0.30), height=0.08, wall=0.01, base=0.01):
    """Visual tray (one mesh) and its collision mesh (five separate boxes)."""
    w, d = inner
    parts = [
        box(
            [w + 2 * wall, d + 2 * wall, base],
            trimesh.transformations.translation_matrix([0, 0, base / 2]),
        )
    ]
    for sx in (-1, 1):
        parts.append(
            box(
                [wall, d + 2 * wall, height],
                trimesh.transformations.translation_matrix(
                    [sx * (w / 2 + wall / 2), 0, height / 2]
                ),
            )
        )
    for sy in (-1, 1):
        parts.append(
            box(
                [w, wall, height],
                trimesh.transformations.translation_matrix(
                    [0, sy * (d / 2 + wall / 2), height / 2]
                ),
            )
        )
    col = trimesh.util.concatenate(parts)
    return col.copy(), col


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--out", default=str(Path(__file__).resolve().parents[1] / "meshes" / "clutter")
    )
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, m in shapes().items():
        m = m.copy()
        m.apply_translation([0, 0, -m.bounds[0][2]])  # stands on z = 0
        m.merge_vertices()
        (out / f"{name}.obj").write_text(
            trimesh.exchange.obj.export_obj(
                m, include_normals=False, include_texture=False, header=None
            )
        )
    vis, col = tray()
    (out.parent / "tray").mkdir(exist_ok=True)
    (out.parent / "tray" / "tray.obj").write_text(
        trimesh.exchange.obj.export_obj(
            vis, include_normals=False, include_texture=False, header=None
        )
    )
    (out.parent / "tray" / "tray_col.obj").write_text(
        trimesh.exchange.obj.export_obj(
            col, include_normals=False, include_texture=False, header=None
        )
    )
    print(f"wrote {len(shapes())} meshes to {out} and the tray to {out.parent / 'tray'}")


if __name__ == "__main__":
    main()
