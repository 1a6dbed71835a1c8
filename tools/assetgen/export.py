"""Export, verification and the entry point: writes every bundled asset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import trimesh

from synth3d.assets.noise import make_fabric, make_marble, make_tiles, make_wood

from .backgrounds import BACKGROUNDS, draw_room, draw_street, draw_toy_on_white
from .common import HDRI_SIZE, REPO_ROOT, SEEDS, SUN_AZIMUTH_DEG, save_png
from .meshes import make_bottle, make_chair, make_mug, make_toy, make_vase, vertex_color_copy
from .skies import locate_sun, make_clear_sky, make_overcast_sky, make_studio, read_hdr, write_hdr
from .sprites import CHARACTERS, OBJECTS

#: Mesh builders, output file and whether the file must keep a UV texture.
MESH_FILES = (
    ("mug", "meshes/mug.glb", False),
    ("bottle", "meshes/bottle.glb", True),
    ("toy", "meshes/toy.glb", True),
    ("chair", "meshes/chair.ply", False),
    ("vase", "meshes/vase.stl", False),
    ("bottle", "meshes/bottle.obj", True),
)

#: Expected overall height (m) of each mesh, checked after reloading.
MESH_HEIGHTS = {"mug": 0.100, "bottle": 0.250, "toy": 0.121, "chair": 0.900, "vase": 0.200}


def build_meshes() -> dict[str, trimesh.Trimesh]:
    """Build all bundled meshes (z up, metres, standing on z = 0).

    Returns
    -------
    dict
        ``{'mug', 'bottle', 'chair', 'toy', 'vase'}`` -> ``trimesh.Trimesh``,
        each with a ``PBRMaterial`` on ``mesh.visual.material``.
    """
    return {
        "mug": make_mug(),
        "bottle": make_bottle(np.random.default_rng(SEEDS["bottle"])),
        "chair": make_chair(np.random.default_rng(SEEDS["chair"])),
        "toy": make_toy(np.random.default_rng(SEEDS["toy"])),
        "vase": make_vase(),
    }


def export_mesh(mesh: trimesh.Trimesh, path: Path) -> list[Path]:
    """Write a mesh in the format given by ``path``'s suffix.

    GLB keeps coordinates as-is (z up, see the module docstring) with
    normals, UVs and the PBR material/texture; PLY gets vertex colours;
    STL geometry only; OBJ writes ``<stem>.mtl`` and the texture PNG
    (named after the material) next to it.

    Returns
    -------
    list of pathlib.Path
        Every file written.
    """
    suffix = path.suffix.lower()
    if suffix == ".glb":
        mesh.export(path, include_normals=True)
        return [path]
    if suffix == ".ply":
        vertex_color_copy(mesh).export(path, encoding="binary")
        return [path]
    if suffix == ".stl":
        mesh.export(path)
        return [path]
    if suffix == ".obj":
        mtl = path.with_suffix(".mtl").name
        mesh.export(path, mtl_name=mtl, header=None)
        tex = path.parent / f"{mesh.visual.material.name}.png"
        return [path, path.parent / mtl] + ([tex] if tex.exists() else [])
    raise ValueError(f"unsupported mesh format: {path}")


def verify_mesh_file(
    path: Path, reference: trimesh.Trimesh, textured: bool, height: float
) -> trimesh.Trimesh:
    """Reload an exported mesh and check size, placement and texture.

    Raises
    ------
    AssertionError
        If bounds differ from ``reference`` by more than 0.1 mm, the base is
        not at z = 0, the height is off by more than 2 mm, or a textured
        file lost its texture.
    """
    loaded = trimesh.load(path, force="mesh")
    assert np.allclose(loaded.bounds, reference.bounds, atol=1e-4), (
        f"{path}: bounds {loaded.bounds.tolist()} != {reference.bounds.tolist()}"
    )
    assert abs(loaded.bounds[0, 2]) < 1e-6, f"{path}: base not at z=0"
    assert abs(loaded.extents[2] - height) < 2e-3, f"{path}: height {loaded.extents[2]}"
    centre = reference.bounds.mean(axis=0)
    assert abs(centre[1]) < 1e-6, f"{path}: not centred in y"
    if textured:
        assert loaded.visual.kind == "texture", f"{path}: texture lost"
        assert getattr(loaded.visual, "uv", None) is not None, f"{path}: no UVs"
        mat = loaded.visual.material
        img = getattr(mat, "baseColorTexture", None) or getattr(mat, "image", None)
        assert img is not None, f"{path}: texture image lost"
    if path.suffix.lower() == ".ply":
        assert loaded.visual.kind == "vertex", f"{path}: vertex colours lost"
    return loaded


def _mb(nbytes: int) -> str:
    return f"{nbytes / 1e6:.2f} MB" if nbytes >= 1e5 else f"{nbytes / 1e3:.1f} kB"


def main(root: Path | str | None = None) -> list[Path]:
    """(Re)generate every bundled asset under ``root`` (default: repo root).

    Prints each file written, verifies reloaded meshes, checks the sun
    position of the clear-sky HDRIs and that the total stays under 12 MB.

    Parameters
    ----------
    root : path-like, optional
        Output root; the files go to ``meshes/``, ``hdri/``, ``textures/``,
        ``sprites/`` and ``cutouts/`` below it.

    Returns
    -------
    list of pathlib.Path
        All files written.
    """
    root = Path(root) if root is not None else REPO_ROOT
    written: list[Path] = []

    def emit(path: Path) -> None:
        written.append(path)
        print(f"wrote {path.relative_to(root)}  ({_mb(path.stat().st_size)})")

    def out(rel: str) -> Path:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    # Meshes.
    meshes = build_meshes()
    for name, rel, textured in MESH_FILES:
        for path in export_mesh(meshes[name], out(rel)):
            emit(path)
        verify_mesh_file(root / rel, meshes[name], textured, MESH_HEIGHTS[name])
    for name, m in meshes.items():
        print(f"  {name}: {len(m.faces)} triangles, size {np.round(m.extents, 4).tolist()} m")

    # HDRIs.
    w, h = HDRI_SIZE
    for elev in (15, 45, 70):
        img, info = make_clear_sky(elev, w, h)
        path = out(f"hdri/sky_sun_{elev}.hdr")
        write_hdr(path, img)
        emit(path)
        e_el, e_az, peak = locate_sun(read_hdr(path))
        ratio = float(np.mean(info["sun_irradiance"]) / np.mean(info["sky_irradiance"]))
        print(
            f"  sun check: expected elev {elev:.2f} az {SUN_AZIMUTH_DEG:.2f}; "
            f"found elev {e_el:.3f} az {e_az:.3f} (peak pixel row {peak[0]}, col {peak[1]}); "
            f"sun/sky horizontal irradiance {ratio:.2f}"
        )
        assert abs(e_el - elev) < 0.2 and abs(e_az - SUN_AZIMUTH_DEG) < 0.2, "sun misplaced"
    for name, fn in (("overcast", make_overcast_sky), ("studio", make_studio)):
        path = out(f"hdri/{name}.hdr")
        write_hdr(path, fn(w, h))
        emit(path)

    # Material textures.
    for name, fn in (
        ("wood", make_wood),
        ("marble", make_marble),
        ("fabric", make_fabric),
        ("tiles", make_tiles),
    ):
        path = out(f"textures/{name}.png")
        save_png(path, fn(np.random.default_rng(SEEDS[name])))
        emit(path)

    # Sprites.
    for name, fn in BACKGROUNDS.items():
        path = out(f"sprites/backgrounds/{name}.png")
        save_png(path, fn(np.random.default_rng(SEEDS[name])))
        emit(path)
    for group, table in (("characters", CHARACTERS), ("objects", OBJECTS)):
        for name, fn in table.items():
            path = out(f"sprites/{group}/{name}.png")
            save_png(path, fn(np.random.default_rng(SEEDS[name])))
            emit(path)

    # Cut-out photo and backdrops.
    path = out("cutouts/toy_on_white.jpg")
    draw_toy_on_white(np.random.default_rng(SEEDS["toy_on_white"])).save(
        path, format="JPEG", quality=95, subsampling=0
    )
    emit(path)
    for name, fn in (("room", draw_room), ("street", draw_street)):
        path = out(f"cutouts/backgrounds/{name}.jpg")
        fn(np.random.default_rng(SEEDS[name])).save(path, format="JPEG", quality=92)
        emit(path)

    total = sum(p.stat().st_size for p in set(written))
    print(f"total {len(set(written))} files, {_mb(total)}")
    assert total < 12e6, "bundled assets exceed 12 MB"
    return written


if __name__ == "__main__":
    main()
