"""Real asset libraries: layouts, categories, sizes and axes per asset, URDF and BOP model sets,
materials from .mtl files, the index cache, bad assets, and datasets that survive being moved.

Uses ../shared/assets/pybullet when present (skips cleanly when not)."""

from __future__ import annotations

import json
import shutil
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import trimesh
from conftest import run_cli, shared

from synth3d.assets.catalog import build_catalog, load_mesh, load_mesh_parts
from synth3d.errors import AssetError, AssetWarning
from synth3d.template.loading import load_template


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("SYNTH3D_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "index-cache"))


def _template(assets: dict, root, **extra) -> dict:
    t = {
        "asset_root": str(root),
        "assets": assets,
        "size": [96, 72],
        "objects": [{"name": "o", "assets": list(assets)[0]}],
    }
    t.update(extra)
    return t


def _catalog(assets: dict, root, **kw):
    return build_catalog(load_template(_template(assets, root)), **kw)


def _obj_box(path: Path, size=(1.0, 2.0, 3.0), mtl: str | None = None) -> None:
    m = trimesh.creation.box(extents=size)
    text = trimesh.exchange.obj.export_obj(m, include_normals=False, include_texture=False)
    if mtl:
        text = f"mtllib {mtl}\nusemtl mat\n" + text
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


# ---------------------------------------------------------------------------------- layouts


def test_categories_from_folders_depth_and_regex():
    objects = shared("pybullet", "objects").resolve()
    folders = sorted(p.name for p in objects.iterdir() if p.is_dir())
    cat = _catalog(
        {"objs": {"path": "objects", "category": "{parent}", "on_bad_asset": "skip"}},
        objects.parent,
    )
    assert sorted({e.category for e in cat.sets["objs"]}) == folders
    # A URDF stands for the meshes it names: the duck is one asset, its URDF.
    duck = [e for e in cat.sets["objs"] if e.category == "duck"]
    assert [Path(e.path).name for e in duck] == ["duck_vhacd.urdf"]
    used = set()
    for u in objects.rglob("*.urdf"):
        for m in ET.parse(u).getroot().iter("mesh"):
            used.add((u.parent / m.get("filename")).resolve())

    # Collision meshes shipped next to an asset (lego_vhacd.obj beside lego.obj) are not
    # objects of their own either.
    def collision_mesh(p):
        return p.suffix == ".obj" and any(
            p.stem.endswith(s) and any(q.stem == p.stem[: -len(s)] for q in p.parent.iterdir())
            for s in ("_col", "_vhacd", "_collision")
        )

    expect = sorted(
        p
        for p in objects.rglob("*")
        if p.suffix.lower() in (".obj", ".urdf")
        and (p.suffix == ".urdf" or (p.resolve() not in used and not collision_mesh(p)))
    )
    assert sorted(Path(e.path) for e in cat.sets["objs"]) == expect

    # Category by depth below the set's folder, and by a regular expression.
    lib = objects.parent
    cat = _catalog({"all": {"path": ".", "category": "{dir0}", "on_bad_asset": "skip"}}, lib)
    counts = {}
    for e in cat.sets["all"]:
        counts[e.category] = counts.get(e.category, 0) + 1
    assert set(counts) == {"objects", "random"}
    assert counts["random"] == len(list((lib / "random").glob("*/*.urdf")))
    cat = _catalog({"r": {"path": "random", "category_regex": r"^\d(?P<category>\d)\d/"}}, lib)
    for e in cat.sets["r"]:
        assert e.category == Path(e.path).parent.name[1]
        assert e.stem == Path(e.path).parent.name


def test_per_object_layouts_gso_and_shapenet(tmp_path):
    for oid in ("mug_a", "mug_b"):
        _obj_box(tmp_path / "gso" / oid / "meshes" / "model.obj")
        (tmp_path / "gso" / oid / "thumbnails").mkdir()
        (tmp_path / "gso" / oid / "thumbnails" / "0.jpg").write_bytes(b"not used")
    for syn, oid in (("03797390", "aa1"), ("02876657", "bb2")):
        _obj_box(tmp_path / "shapenet" / syn / oid / "models" / "model_normalized.obj")
    cat = _catalog(
        {
            "gso": {"path": "gso", "category": "{name}", "weights": {"mug_b": 3}},
            "sn": {"path": "shapenet", "category": "{dir0}"},
        },
        tmp_path,
    )
    assert [(e.stem, e.category, e.weight) for e in cat.sets["gso"]] == [
        ("mug_a", "mug_a", 1.0),
        ("mug_b", "mug_b", 3.0),
    ]
    assert sorted((e.stem, e.category) for e in cat.sets["sn"]) == [
        ("aa1", "03797390"),
        ("bb2", "02876657"),
    ]


def test_gltf_with_several_meshes_is_one_object_with_node_transforms(tmp_path):
    scene = trimesh.Scene()
    a, b = trimesh.creation.box(extents=(1, 1, 1)), trimesh.creation.box(extents=(0.5, 0.5, 2))
    Ta = trimesh.transformations.translation_matrix([2.0, 0, 0])
    Tb = trimesh.transformations.rotation_matrix(np.pi / 2, [1, 0, 0])
    Tb[:3, 3] = [0, 0, 5]
    scene.add_geometry(a, node_name="a", transform=Ta)
    scene.add_geometry(b, node_name="b", transform=Tb)
    p = tmp_path / "two.glb"
    p.write_bytes(trimesh.exchange.gltf.export_glb(scene))
    pts = np.vstack(
        [trimesh.transform_points(a.vertices, Ta), trimesh.transform_points(b.vertices, Tb)]
    )
    assert np.allclose(load_mesh(str(p)).bounds, [pts.min(0), pts.max(0)], atol=1e-6)
    assert len(load_mesh_parts(str(p))) == 2
    cat = _catalog({"m": {"path": "two.glb", "up_axis": "y"}}, tmp_path)
    assert len(cat.sets["m"]) == 1


# ---------------------------------------------------------------------------------- sizes, axes


def test_per_asset_up_axis_units_and_true_size_from_sidecar(tmp_path):
    duck_dir = shared("pybullet", "objects", "duck")
    lib = tmp_path / "lib"
    shutil.copytree(duck_dir, lib / "duck")
    _obj_box(lib / "box" / "box.obj", size=(10.0, 20.0, 30.0))  # centimetres, z up
    _obj_box(lib / "tall" / "tall.obj", size=(1.0, 1.0, 4.0))  # size known: 0.2 m
    (lib / "meta.csv").write_text(
        "file,up_axis,units,size,mass,friction,keypoints,category\n"
        "duck/duck.obj,y,,,0.2,0.8,,bird\n"
        'box,,cm,,,,"{""top"": [0, 0, 15]}",\n'
        "tall,,,0.2,,,,\n"
    )
    spec = {
        "path": ["duck/duck.obj", "box/box.obj", "tall/tall.obj"],
        "sidecar": "meta.csv",
        "up_axis": "x",
        "normalize": {"size": 0.1},
    }
    cat = _catalog({"s": spec}, lib)
    e = {x.stem: x for x in cat.sets["s"]}
    info = {k: cat.mesh_info[("s", v.path)] for k, v in e.items()}
    # The duck is y-up (sidecar wins over the set's x): its height is the file's y extent,
    # then normalised (its size is not known) to 0.1 m.
    duck = load_mesh(e["duck"].path)
    ext = duck.bounds[1] - duck.bounds[0]
    hull_ext = info["duck"].bounds[1] - info["duck"].bounds[0]
    assert hull_ext.max() == pytest.approx(0.1)
    assert hull_ext[2] == pytest.approx(0.1 * ext[1] / ext.max())
    assert e["duck"].category == "bird" and e["duck"].mass == 0.2 and e["duck"].friction == 0.8
    # The box: cm → m, true size kept (not normalised); set's x axis turned up.
    assert np.allclose(info["box"].bounds[1] - info["box"].bounds[0], [0.3, 0.2, 0.1])
    assert e["box"].keypoints == {"top": [0.0, 0.0, 15.0]}
    # True size from the sidecar: largest extent 0.2 m (the x-up file is lying).
    assert np.allclose(info["tall"].bounds[1] - info["tall"].bounds[0], [0.2, 0.05, 0.05])


def test_sidecar_errors_name_file_and_row(tmp_path):
    _obj_box(tmp_path / "a.obj")
    (tmp_path / "t.csv").write_text("file,units\na.obj,furlong\n")
    with pytest.raises(AssetError, match=r"t\.csv: a\.obj\.units: must be one of m, cm, mm, in"):
        _catalog({"s": {"path": "a.obj", "sidecar": "t.csv"}}, tmp_path)


# ---------------------------------------------------------------------------------- URDF


def test_urdf_mass_friction_and_visual_transform():
    lib = shared("pybullet", "random").resolve()
    cat = _catalog({"r": {"path": "."}}, lib)
    assert len(cat.sets["r"]) == len(list(lib.glob("*/*.urdf")))
    for e in cat.sets["r"]:
        root = ET.parse(e.path).getroot()
        assert e.mass == float(root.find("link/inertial/mass").get("value"))
        assert e.friction == float(root.find("link/contact/lateral_friction").get("value"))
    e = cat.sets["r"][0]
    root = ET.parse(e.path).getroot()
    scale = float(root.find("link/visual/geometry/mesh").get("scale").split()[0])
    obj = trimesh.load(Path(e.path).with_suffix(".obj"), force="mesh")
    assert np.allclose(load_mesh(e.path).bounds, obj.bounds * scale)
    assert e.size_known and e.collision.endswith(".obj")


def test_urdf_origin_rpy_and_scale(tmp_path):
    from scipy.spatial.transform import Rotation

    _obj_box(tmp_path / "m.obj", size=(0.1, 0.2, 0.3))
    xyz, rpy, scale = [0.1, -0.2, 0.3], [0.3, -0.5, 1.1], [2.0, 1.0, 0.5]
    (tmp_path / "r.urdf").write_text(f"""<robot name="r"><link name="base">
      <inertial><mass value="0.7"/></inertial>
      <visual><origin xyz="{" ".join(map(str, xyz))}" rpy="{" ".join(map(str, rpy))}"/>
        <geometry><mesh filename="m.obj" scale="{" ".join(map(str, scale))}"/></geometry></visual>
      <collision><surface><friction><ode><mu>0.35</mu></ode></friction></surface>
        <geometry><mesh filename="m.obj"/></geometry></collision>
    </link></robot>""")
    box = trimesh.load(tmp_path / "m.obj", force="mesh")
    expect = Rotation.from_euler("xyz", rpy).apply(box.vertices * scale) + xyz
    got = load_mesh(str(tmp_path / "r.urdf"))
    assert np.allclose(np.sort(got.vertices, axis=0), np.sort(expect, axis=0), atol=1e-9)
    e = _catalog({"u": {"path": "r.urdf"}}, tmp_path).sets["u"][0]
    assert (e.mass, e.friction) == (0.7, 0.35)


# ---------------------------------------------------------------------------------- materials


def _duck_unlit_frame(duck_path: str, size: int = 96):
    from synth3d.post import finish
    from synth3d.render.renderer import Renderer
    from synth3d.run.assets_report import thumbnail_spec

    lib = Path(duck_path).parent
    cat = _catalog(
        {"d": {"path": Path(duck_path).name, "up_axis": "y", "normalize": {"size": 0.2}}}, lib
    )
    e = cat.sets["d"][0]
    info = cat.mesh_info[("d", e.path)]
    spec = thumbnail_spec(info.T_obj_asset, info.bounds, e.path, size, unlit=True)
    with Renderer(size, size) as r:
        frame = r.render(spec)
    return spec, frame, finish(frame, spec)


def test_duck_mtl_texture_is_visible():
    """The mean colour of the duck's mask is that of duckCM.png where the duck is seen (found by
    ray casting the mesh, UVs looked up in the texture, × the .mtl's Kd), and far from the
    untextured colour."""
    import cv2

    from synth3d.color import encode_srgb8, srgb_to_linear

    duck = shared("pybullet", "objects", "duck", "duck.obj").resolve()
    spec, frame, rgb = _duck_unlit_frame(str(duck))
    mask = frame.instance == 1
    assert mask.sum() > 500
    tex = cv2.cvtColor(cv2.imread(str(duck.parent / "duckCM.png")), cv2.COLOR_BGR2RGB)
    # Independent: cast each mask pixel's ray at the mesh, interpolate the UV at the hit.
    geom = load_mesh_parts(str(duck))[0]
    T = np.asarray(spec.objects[0].T_world_asset)
    K, Tc = np.asarray(spec.camera.K), np.asarray(spec.camera.T_world_cam)
    ys, xs = np.nonzero(mask)
    d_cam = np.linalg.solve(K, np.stack([xs, ys, np.ones_like(xs)]).astype(float))
    Ti = np.linalg.inv(T)
    origin = (Ti @ np.append(Tc[:3, 3], 1.0))[:3]
    dirs = (Ti[:3, :3] @ Tc[:3, :3] @ d_cam).T
    tri, ray, loc = geom.ray.intersects_id(
        np.tile(origin, (len(dirs), 1)), dirs, multiple_hits=False, return_locations=True
    )
    bary = trimesh.triangles.points_to_barycentric(geom.triangles[tri], loc)
    uv = np.einsum("ij,ijk->ik", bary, geom.visual.uv[geom.faces[tri]])
    h, w = tex.shape[:2]
    px = np.clip((uv[:, 0] % 1.0) * w, 0, w - 1).astype(int)
    py = np.clip((1.0 - uv[:, 1] % 1.0) * h, 0, h - 1).astype(int)
    expect = encode_srgb8(srgb_to_linear(tex[py, px].astype(np.float32) / 255.0) * 0.64)
    got = rgb[ys[ray], xs[ray]]
    assert len(ray) > 0.9 * mask.sum()
    assert np.abs(got.mean(0) - expect.mean(0)).max() < 6.0
    # And not a flat colour: the texture's variation shows.
    assert got.std(0).max() > 0.5 * expect.std(0).max()
    # Against duckCM.png's own mean (× Kd): much closer than to the untextured Kd grey (the
    # atlas also holds parts not seen from here, so not equal).
    tex_mean = encode_srgb8(
        srgb_to_linear(tex.reshape(-1, 3).astype(np.float32) / 255.0).mean(0) * 0.64
    ).astype(float)
    grey = encode_srgb8(np.full(3, 0.64)).astype(float)
    m = got.mean(0)
    assert np.linalg.norm(m - tex_mean) < 0.35 * np.linalg.norm(m - grey)


def test_missing_texture_warns_once_naming_the_file(tmp_path):
    from synth3d.assets import mtl

    shutil.copytree(shared("pybullet", "objects", "duck"), tmp_path / "duck")
    (tmp_path / "duck" / "duckCM.png").unlink()
    mtl._warned.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _catalog({"d": {"path": "duck/duck.obj"}}, tmp_path)
        load_mesh_parts.cache_clear()
        load_mesh_parts(str(tmp_path / "duck" / "duck.obj"))
    msgs = [str(w.message) for w in caught if issubclass(w.category, AssetWarning)]
    assert len(msgs) == 1 and str(tmp_path / "duck" / "duckCM.png") in msgs[0]


def test_mtl_dissolve_and_alpha_map(tmp_path):
    from PIL import Image

    m = trimesh.creation.box(extents=(1, 1, 1))
    m.visual = trimesh.visual.TextureVisuals(
        uv=np.random.default_rng(0).random((len(m.vertices), 2))
    )
    text = trimesh.exchange.obj.export_obj(m, include_texture=True).split("\n")
    text = [ln for ln in text if not ln.startswith(("mtllib", "usemtl"))]
    (tmp_path / "tex").mkdir()
    Image.new("RGB", (4, 4), (200, 10, 10)).save(tmp_path / "tex" / "c.png")
    Image.new("L", (4, 4), 77).save(tmp_path / "tex" / "a.png")
    for name, body in (
        ("half", "d 0.5\n"),
        ("mapped", "map_Kd -s 1 1 1 tex/c.png\nmap_d tex/a.png\n"),
    ):
        (tmp_path / f"{name}.mtl").write_text(f"newmtl mat\nKd 1 1 1\n{body}")
        (tmp_path / f"{name}.obj").write_text(f"mtllib {name}.mtl\nusemtl mat\n" + "\n".join(text))
    half = load_mesh_parts(str(tmp_path / "half.obj"))[0].visual.material
    assert half.alphaMode == "BLEND" and half.baseColorFactor[3] == 128
    mapped = load_mesh_parts(str(tmp_path / "mapped.obj"))[0].visual.material
    px = np.asarray(mapped.baseColorTexture)
    assert mapped.alphaMode == "BLEND" and px.shape[2] == 4
    assert (px[..., :3] == (200, 10, 10)).all() and (px[..., 3] == 77).all()


# ---------------------------------------------------------------------------------- BOP


def _bop_set(folder: Path) -> np.ndarray:
    """models/obj_000007.ply (mm) + models_info.json with a discrete symmetry."""
    box = trimesh.creation.box(extents=(60.0, 40.0, 20.0))  # millimetres
    (folder / "models").mkdir(parents=True)
    box.export(folder / "models" / "obj_000007.ply")
    sym = [[-1, 0, 0, 0], [0, -1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
    (folder / "models" / "models_info.json").write_text(
        json.dumps(
            {
                "7": {
                    "diameter": 74.833,
                    "min_x": -30,
                    "min_y": -20,
                    "min_z": -10,
                    "size_x": 60,
                    "size_y": 40,
                    "size_z": 20,
                    "symmetries_discrete": [sum(sym, [])],
                }
            }
        )
    )
    return trimesh.load(folder / "models" / "obj_000007.ply").vertices


def test_bop_model_set_ids_and_symmetries_reach_the_bop_output(tmp_path):
    from synth3d.run.pipeline import render_dataset

    verts = _bop_set(tmp_path / "lib")
    t = _template(
        {"parts": {"path": "models", "category": "{stem}"}},
        tmp_path / "lib",
        camera={
            "fov_y_deg": 40,
            "target": [0, 0, 0.01],
            "offset": {"dist": "cone", "axis": [0, 0, 1], "angle_deg": 30, "radius": [0.3, 0.35]},
        },
        objects=[
            {
                "name": "p",
                "assets": "parts",
                "count": 2,
                "placement": {"mode": "floor", "region": {"x": [-0.05, 0.05], "y": [-0.05, 0.05]}},
            }
        ],
        lights=[{"type": "directional"}],
    )
    cat = build_catalog(load_template(t))
    e = cat.sets["parts"][0]
    assert e.units == 0.001 and e.bop["obj_id"] == 7
    info = cat.mesh_info[("parts", e.path)]
    assert np.allclose(info.bounds[1] - info.bounds[0], [0.06, 0.04, 0.02])  # true size, metres
    out = tmp_path / "ds"
    render_dataset(t, out, n=2, formats=["bop"])
    models = json.loads((out / "bop" / "models" / "models_info.json").read_text())
    assert list(models) == ["7"]
    assert models["7"]["symmetries_discrete"] == [
        [-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]
    ]
    assert models["7"]["diameter"] == 74.833
    gt = json.loads((out / "bop" / "train_synth3d" / "000000" / "scene_gt.json").read_text())
    assert {g["obj_id"] for f in gt.values() for g in f} == {7}
    ply = trimesh.load(out / "bop" / "models" / "obj_000007.ply")
    assert np.allclose(np.sort(ply.vertices, 0), np.sort(verts, 0), atol=1e-4)  # mm, unchanged


# ---------------------------------------------------------------------------------- cache, bad


def test_index_cache_hits_and_same_specs(tmp_path):
    from synth3d.assets.index_cache import IndexCache

    for i in range(5):
        _obj_box(tmp_path / "lib" / f"{i}" / f"m{i}.obj", size=(1 + i, 1, 1))
    db = str(tmp_path / "c.sqlite")
    spec = {"m": {"path": "lib", "normalize": {"size": 0.1}}}
    first = _catalog(spec, tmp_path, cache=IndexCache(db))
    assert first.index["misses"] == 5
    again = _catalog(spec, tmp_path, cache=IndexCache(db))
    assert (again.index["hits"], again.index["misses"]) == (5, 0)
    for k, v in first.mesh_info.items():
        assert np.array_equal(v.T_obj_asset, again.mesh_info[k].T_obj_asset)
        assert np.array_equal(v.hull, again.mesh_info[k].hull)
    _obj_box(tmp_path / "lib" / "2" / "m2.obj", size=(9, 1, 1))  # changed: indexed again
    changed = _catalog(spec, tmp_path, cache=IndexCache(db))
    assert changed.index["misses"] == 1
    # A copied library is found again by content (no file opened).
    shutil.copytree(tmp_path / "lib", tmp_path / "copy")
    from unittest import mock

    with mock.patch("synth3d.assets.catalog.load_mesh", side_effect=AssertionError("opened")):
        moved = _catalog(
            {"m": {"path": "copy", "normalize": {"size": 0.1}}}, tmp_path, cache=IndexCache(db)
        )
    assert len(moved.sets["m"]) == 5


def test_bad_asset_stops_by_default_and_is_skipped_when_asked(tmp_path):
    _obj_box(tmp_path / "lib" / "good.obj")
    (tmp_path / "lib" / "bad.obj").write_text("v 0 0 0\nv 1 0 0\n")  # no faces
    t = {"m": {"path": "lib"}}
    with pytest.raises(AssetError, match=r"bad\.obj: mesh has no triangles"):
        _catalog(t, tmp_path)
    r = run_cli("validate", _write_yaml(tmp_path / "t.yaml", _template(t, tmp_path / "")))
    assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1
    assert "bad.obj: mesh has no triangles" in r.stderr
    with pytest.warns(
        AssetWarning, match=r"assets\.m: skipped 1 asset\(s\).*bad\.obj \(mesh has no"
    ):
        cat = _catalog({"m": {"path": "lib", "on_bad_asset": "skip"}}, tmp_path)
    assert [Path(e.path).name for e in cat.sets["m"]] == ["good.obj"]
    assert [(s, Path(p).name) for s, p, _ in cat.skipped] == [("m", "bad.obj")]
    from synth3d.run.pipeline import render_dataset

    summary = render_dataset(
        _template({"m": {"path": "lib", "on_bad_asset": "skip"}}, tmp_path, size=[32, 24]),
        tmp_path / "ds",
        n=1,
        formats=[],
    )
    assert summary["assets_skipped"] == 1 and summary["rendered"] == 1


def _write_yaml(path: Path, data: dict) -> Path:
    import yaml

    path.write_text(yaml.safe_dump(data))
    return path


# ---------------------------------------------------------------------------------- portable


def _move_template(lib: Path) -> dict:
    return {
        "name": "move",
        "size": [80, 64],
        "asset_root": "lib",
        "assets": {
            "objs": {
                "path": "objs",
                "category": "{parent}",
                "up_axis": "y",
                "normalize": {"size": 0.12},
            },
            "floors": {"path": "floors"},
        },
        "camera": {
            "fov_y_deg": 45,
            "target": [0, 0, 0.04],
            "offset": {"dist": "cone", "axis": [0, 0, 1], "angle_deg": 40, "radius": [0.45, 0.5]},
        },
        "backdrops": [
            {"type": "floor", "size": [1, 1], "texture": {"type": "image", "image": "floors"}}
        ],
        "lights": [{"type": "directional"}],
        "objects": [
            {
                "name": "o",
                "assets": "objs",
                "count": 2,
                "placement": {"mode": "floor", "region": {"x": [-0.1, 0.1], "y": [-0.1, 0.1]}},
            }
        ],
    }


def test_moved_dataset_and_assets_rerender_identically(tmp_path):
    src = shared("pybullet", "objects")
    a = tmp_path / "a"
    for name in ("duck", "domino", "jenga"):
        shutil.copytree(src / name, a / "lib" / "objs" / name)
    (a / "lib" / "floors").mkdir()
    shutil.copy(src / "table" / "table.png", a / "lib" / "floors" / "wood.png")
    _write_yaml(a / "t.yaml", _move_template(a / "lib"))
    r = run_cli(
        "render", a / "t.yaml", "-n", "2", "-o", a / "ds", "--format", "coco,bop", "--no-progress"
    )
    assert r.returncode == 0, r.stderr
    scene = json.loads((a / "ds" / "scene" / "000001.json").read_text())
    assert all(o["asset"].startswith("@asset_root/objs/") for o in scene["objects"])
    assert scene["backdrops"][0]["texture"]["image"] == "@asset_root/floors/wood.png"
    roots = json.loads((a / "ds" / "dataset.json").read_text())["asset_roots"]
    assert roots == {"asset_root": str((a / "lib").resolve())}
    before = {
        p.relative_to(a / "ds"): p.read_bytes()
        for p in (a / "ds").rglob("*")
        if p.is_file() and p.parts[-2] in ("rgb", "depth", "instance", "scene")
    }

    b = tmp_path / "elsewhere"
    shutil.copytree(a, b, symlinks=True)
    shutil.rmtree(a)
    out = tmp_path / "re"
    r = run_cli("rerender", b / "ds" / "scene" / "000001.json", "-o", out)
    assert r.returncode != 0 and "wood.png" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = run_cli(
        "rerender", b / "ds" / "scene" / "000001.json", "-o", out, "--asset-root", b / "lib"
    )
    assert r.returncode == 0, r.stderr
    again = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert again and all(again[k] == before[k] for k in again)
    assert {k.parts[0] for k in again} >= {"rgb", "depth", "instance", "scene"}
    # BOP export there too (it reads the meshes), by root name.
    r = run_cli("export", b / "ds", "--format", "bop", "--asset-root", f"asset_root={b / 'lib'}")
    assert r.returncode == 0, r.stderr
    src_models = json.loads((b / "ds" / "bop" / "models" / "models_source.json").read_text())
    assert all(m["asset"].startswith("@asset_root/objs/") for m in src_models.values())
    # A stylised copy records the new root, so its frames re-render there without --asset-root.
    r = run_cli(
        "stylize",
        b / "ds",
        "--style",
        "toon",
        "-o",
        b / "toon",
        "--asset-root",
        b / "lib",
        "--no-progress",
    )
    assert r.returncode == 0, r.stderr
    info = json.loads((b / "toon" / "dataset.json").read_text())
    assert info["asset_roots"]["asset_root"] == str((b / "lib").resolve())
    r = run_cli("rerender", b / "toon" / "scene" / "000001.json", "-o", tmp_path / "re2")
    assert r.returncode == 0, r.stderr
    for sub in ("depth", "instance"):  # (its rgb is restyled from rendered, not estimated, normals)
        assert (tmp_path / "re2" / sub / "000001.png").read_bytes() == (
            b / "toon" / sub / "000001.png"
        ).read_bytes()


def test_old_absolute_paths_relocate_by_prefix():
    from synth3d.assets.roots import portable_path, relocation_map, resolve_path

    roots = {"asset_root": "/data/lib", "gso": "/data/lib/gso"}
    assert portable_path("/data/lib/gso/x/meshes/model.obj", roots) == "@gso/x/meshes/model.obj"
    assert portable_path("/data/lib/a.obj", roots) == "@asset_root/a.obj"
    assert portable_path("/other/a.obj", roots) == "/other/a.obj"
    moved = relocation_map(roots, {"asset_root": "/new"})
    assert resolve_path("@asset_root/a.obj", moved) == "/new/a.obj"
    assert resolve_path("/data/lib/a.obj", moved) == "/new/a.obj"  # old absolute label
    assert resolve_path("@gso/x.obj", moved) == "/data/lib/gso/x.obj"
    with pytest.raises(AssetError, match=r"asset root 'nope' is not known.*--asset-root nope=DIR"):
        resolve_path("@nope/a.obj", moved)


def test_assets_command_reports_a_library(tmp_path):
    lib = shared("pybullet", "objects").resolve()
    r = run_cli("assets", lib, "-o", tmp_path / "rep", "--thumb-size", "48", "--thumbnails", "2")
    assert r.returncode == 0, r.stderr
    rep = json.loads((tmp_path / "rep" / "report.json").read_text())
    s = rep["sets"]["library"]
    assert set(s["categories"]) == {p.name for p in lib.iterdir() if p.is_dir()}
    assert str(lib / "jenga" / "jenga.tga") in s["missing_textures"]
    assert "duck: 1" in r.stdout and "missing texture:" in r.stdout
    assert (tmp_path / "rep" / "sizes.png").stat().st_size > 1000
    import cv2

    sheet = cv2.imread(str(tmp_path / "rep" / "sheet_duck.png"))
    assert sheet.shape[:2] == (48, 48) and sheet.std() > 10


def _quad_obj(folder: Path, name: str, mtl_body: str | None) -> Path:
    """A 0.2 m quad in the xy-plane facing +z, u along +x, v along +y."""
    from materials_scenes import write_quad_obj

    return write_quad_obj(folder, name, mtl_body, size=0.1)


@pytest.mark.parametrize("axis", ["v", "u"])
def test_normal_map_shades_like_the_tilted_surface_it_encodes(tmp_path, axis):
    """A flat quad whose .mtl normal map tilts every normal by 50° about the v (or u) axis is
    shaded as the same quad tilted by 50° in geometry (same normal, light and view)."""
    from PIL import Image

    from synth3d.post import finish
    from synth3d.render.renderer import Renderer
    from synth3d.run.assets_report import thumbnail_spec
    from synth3d.spec import LightSpec, MaterialSpec

    th = np.radians(50.0)
    c, si = np.cos(th), np.sin(th)
    if axis == "v":  # normal leans towards +u (+x)
        n, R = np.array([si, 0.0, c]), [[c, 0, si], [0, 1, 0], [-si, 0, c]]
    else:  # normal leans towards +v (+y)
        n, R = np.array([0.0, si, c]), [[1, 0, 0], [0, c, si], [0, -si, c]]
    Image.fromarray(np.full((8, 8, 3), np.round((n * 0.5 + 0.5) * 255), np.uint8)).save(
        tmp_path / "n.png"
    )
    flat = _quad_obj(tmp_path, "flat", "")
    mapped = _quad_obj(tmp_path, "mapped", "norm n.png\n")
    geom = load_mesh_parts(str(mapped))[0]
    assert geom.visual.material.normalTexture is not None
    box = np.array([[-0.1, -0.1, 0.0], [0.1, 0.1, 0.0]])
    light = LightSpec(
        type="directional",
        color=[1.0, 1.0, 1.0],
        intensity=0.6,
        direction=[-0.5, -0.5, 1.0],
        shadows=False,
    )

    def shade(path, T):
        spec = thumbnail_spec(T, box, str(path), 64, fov_y_deg=10.0, view=(0.0, -0.001, 1.0))
        o = spec.objects[0].model_copy(update={"material": MaterialSpec(roughness=1.0)})
        spec = spec.model_copy(
            update={
                "objects": [o],
                "lights": [light],
                "environment": spec.environment.model_copy(update={"ambient": [0, 0, 0]}),
            }
        )
        with Renderer(64, 64) as r:
            frame = r.render(spec)
        rgb = finish(frame, spec).astype(float)
        return rgb[frame.instance == 1].mean(0), (frame.instance == 1).sum()

    tilt = np.eye(4)
    tilt[:3, :3] = R
    got, npx = shade(mapped, np.eye(4))
    want, _ = shade(flat, tilt)
    plain, _ = shade(flat, np.eye(4))
    assert npx > 500
    assert np.abs(got - want).max() < 4.0, (got, want, plain)
    assert np.abs(plain - want).max() > 20.0  # the map matters


def test_bump_height_map_becomes_normals(tmp_path):
    from PIL import Image

    from synth3d.assets.mtl import HEIGHT_STRENGTH, normal_map

    ramp = np.tile(np.linspace(0, 255, 64), (16, 1)).astype(np.uint8)  # height rises along +u
    Image.fromarray(ramp, "L").save(tmp_path / "h.png")
    nm = normal_map(str(tmp_path / "h.png"), bump_scale=0.5).astype(float) / 255.0 * 2 - 1
    slope = HEIGHT_STRENGTH * 0.5 * (1.0 / 63.0)
    expect = np.array([-slope, 0.0, 1.0]) / np.linalg.norm([-slope, 0.0, 1.0])
    assert np.allclose(nm[4:-4, 4:-4].reshape(-1, 3), expect, atol=0.01)
