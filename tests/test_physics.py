"""Physics: drop/settle placements checked for plausibility independently of the code that placed
the objects (trimesh signed distances on the written SceneSpecs and the render meshes; a fresh
MuJoCo re-simulation of the written poses), the failure policy, distractors, collision-shape
cache, determinism across worker counts, a real concave object library."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import trimesh
from conftest import REPO, SCENES, run_cli, shared

from synth3d.spec import SceneSpec

SIZE = (96, 72)
TOL_PEN = 0.002  # interpenetration allowed: max(2 mm, 2 % of the smaller object's size)
TOL_SUPPORT = 0.002


@pytest.fixture(scope="module", autouse=True)
def collision_cache(tmp_path_factory):
    """A collision-shape cache of this module (kept for all its tests, shared with workers)."""
    import os

    d = tmp_path_factory.mktemp("collision-cache")
    old = os.environ.get("SYNTH3D_COLLISION_CACHE")
    os.environ["SYNTH3D_COLLISION_CACHE"] = str(d)
    yield d
    if old is None:
        del os.environ["SYNTH3D_COLLISION_CACHE"]
    else:
        os.environ["SYNTH3D_COLLISION_CACHE"] = old


def _render(tmp_path, name, template=SCENES / "clutter.yaml", overrides=(), n=2, **kw):
    from synth3d.run.pipeline import render_dataset

    out = tmp_path / name
    summary = render_dataset(
        template, out, n=n, seed=kw.pop("seed", 0), size=SIZE, overrides=list(overrides), **kw
    )
    return out, summary


def _specs(out: Path) -> list[SceneSpec]:
    """The written SceneSpecs with their portable @ROOT asset paths resolved to files."""
    from synth3d.assets.roots import read_scene

    return [read_scene(p) for p in sorted((out / "scene").glob("*.json"))]


def _world_mesh(o) -> list[trimesh.Trimesh]:
    """The object's render mesh in world coordinates, one watertight part per component."""
    m = trimesh.load(o.asset, force="mesh").copy()
    m.apply_transform(o.T_array())
    parts = m.split(only_watertight=False)
    return list(parts) if len(parts) > 1 else [m]


def _size(parts) -> float:
    return float(max(np.ptp(np.vstack([p.vertices for p in parts]), axis=0)))


def _penetration(a_parts, b_parts) -> float:
    """Deepest point of A inside B (m; ≤ 0 when none): signed distances of A's vertices and
    surface samples to B's parts."""
    pts = np.vstack([np.vstack([p.vertices, p.sample(300, seed=1)]) for p in a_parts])
    deepest = -np.inf
    for b in b_parts:
        lo, hi = b.bounds
        near = np.all((pts > lo - 1e-3) & (pts < hi + 1e-3), axis=1)
        if not near.any():
            continue
        sd = trimesh.proximity.signed_distance(b, pts[near])  # > 0 inside
        deepest = max(deepest, float(sd.max()))
    return deepest


def _gap(a_parts, b_parts) -> float:
    """Smallest distance (m) from A's surface samples to B's surface."""
    pts = np.vstack([np.vstack([p.vertices, p.sample(2000, seed=2)]) for p in a_parts])
    best = np.inf
    for b in b_parts:
        lo, hi = b.bounds
        near = np.all((pts > lo - 0.01) & (pts < hi + 0.01), axis=1)
        if near.any():
            _, d, _ = trimesh.proximity.closest_point(b, pts[near])
            best = min(best, float(d.min()))
    return best


def check_plausible(spec: SceneSpec, support_z: dict[str, float] | None = None):
    """No interpenetration beyond tolerance; every dynamic object supported: its lowest point on
    a static support (the ground z = 0 or a static object) or touching another object."""
    meshes = [(o, _world_mesh(o)) for o in spec.objects]
    for i, (oa, a) in enumerate(meshes):
        for ob, b in meshes[i + 1 :]:
            tol = max(TOL_PEN, 0.02 * min(_size(a), _size(b)))
            pen = max(_penetration(a, b), _penetration(b, a))
            assert pen <= tol, f"objects {oa.id} and {ob.id} interpenetrate by {pen * 1000:.1f} mm"
    for o, parts in meshes:
        if o.physics is None or o.physics.role != "dynamic":
            continue
        low = min(p.vertices[:, 2].min() for p in parts)
        if abs(low) <= TOL_SUPPORT:
            continue  # on the ground
        touching = any(
            min(_gap(parts, q), _gap(q, parts)) <= TOL_SUPPORT for oq, q in meshes if oq.id != o.id
        )
        assert touching, f"object {o.id} floats: lowest point {low * 1000:.1f} mm, touches nothing"


def resimulate_shift(spec: SceneSpec, template=None) -> float:
    """Largest displacement (m) of any dynamic object when the written poses (SceneSpec) and
    recorded properties are simulated again for a full second, whatever their speeds."""
    from synth3d.assets.collision import CollisionParams, collision_pieces
    from synth3d.sampling.physics import Body, simulate
    from synth3d.sampling.settling import backdrop_boxes
    from synth3d.template.physics import PhysicsSpec

    bodies = []
    for o in spec.objects:
        if o.physics is None:
            continue
        T = o.T_array()
        s = float(np.cbrt(np.linalg.det(T[:3, :3])))
        Tb = np.eye(4)
        Tb[:3, :3], Tb[:3, 3] = T[:3, :3] / s, T[:3, 3]
        bodies.append(
            Body(
                name=str(o.id),
                pieces=[p * s for p in collision_pieces(o.asset, CollisionParams())],
                T_world_body=Tb,
                dynamic=o.physics.role == "dynamic",
                mass=o.physics.mass_kg,
                friction=o.physics.friction,
                restitution=o.physics.restitution,
            )
        )
    boxes, has_floor = backdrop_boxes(spec.backdrops)
    settings = PhysicsSpec(time_limit=1.0, rest_time=1.0, rest_speed=1e-9)
    res = simulate(bodies, boxes, settings, ground=not has_floor)
    assert res.sim_time_s >= 0.999
    return max(
        float(np.linalg.norm(T[:3, 3] - b.T_world_body[:3, 3]))
        for b, T in zip(bodies, res.poses)
        if b.dynamic
    )


# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bin_run(tmp_path_factory):
    """scenes/clutter.yaml with 10 objects: a bin (static tray) holding a pile."""
    from synth3d.run.pipeline import render_dataset

    out = tmp_path_factory.mktemp("clutter")
    summary = render_dataset(
        SCENES / "clutter.yaml",
        out,
        n=2,
        seed=0,
        size=SIZE,
        overrides=["objects[1].count=10"],
        formats=["coco", "bop"],
    )
    return out, summary


def test_bin_pile_is_plausible_and_at_rest(bin_run):
    out, summary = bin_run
    specs = _specs(out)
    assert specs, summary
    for spec in specs:
        assert spec.physics is not None and spec.physics.at_rest
        assert spec.physics.engine.startswith("mujoco ")
        check_plausible(spec)
        tray = spec.objects[0]
        lo, hi = np.asarray(trimesh.load(tray.asset, force="mesh").bounds)
        for o in spec.objects[1:]:  # every item came to rest inside the tray's walls
            c = o.T_array()[:3, 3]
            assert lo[0] < c[0] < hi[0] and lo[1] < c[1] < hi[1], o.id
        assert resimulate_shift(spec, None) <= 0.005


def test_distractor_tray_is_unlabelled_but_occludes(bin_run):
    out, _ = bin_run
    coco = json.loads((out / "annotations" / "coco.json").read_text())
    for spec in _specs(out):
        tray = spec.objects[0]
        assert not tray.labelled
        inst = cv2.imread(str(out / "instance" / f"{spec.index:06d}.png"), cv2.IMREAD_UNCHANGED)
        depth = cv2.imread(str(out / "depth" / f"{spec.index:06d}.png"), cv2.IMREAD_UNCHANGED)
        assert not (inst == tray.id).any()
        # The tray is in the depth image: pixels whose depth is the tray's (id 0 but nearer than
        # the floor plane behind them would be) exist — here simply: id-0 pixels with depth.
        assert ((inst == 0) & (depth > 0)).any()
        anns = [a for a in coco["annotations"] if a["image_id"] == spec.index]
        assert anns and all(a["category_id"] != tray.category_id for a in anns)
    gts = list((out / "bop").rglob("scene_gt.json"))
    assert gts
    gt = json.loads(gts[0].read_text())
    per_image = {}
    for a in coco["annotations"]:
        per_image[a["image_id"]] = per_image.get(a["image_id"], 0) + 1
    assert {int(k): len(v) for k, v in gt.items()} == per_image  # the tray is in neither


def test_distractor_counts_as_occluder(tmp_path):
    """A labelled cube behind an unlabelled wall of a cube: visib_fract < 1, the distractor's
    pixels are 0 in the instance image but have depth."""
    from synth3d.render.renderer import Renderer
    from synth3d.run.pipeline import Scenes, process, render_frame

    tpl = {
        "asset_root": str(REPO),
        "size": list(SIZE),
        "assets": {"cube": {"path": "meshes/clutter/cube.obj"}},
        "camera": {"target": [0, 0, 0.02], "offset": [0.5, 0, 0.1], "fov_y_deg": 30},
        "objects": [
            {
                "name": "hidden",
                "assets": "cube",
                "placement": {"mode": "world", "position": [-0.03, 0.0, 0]},
            },
            {
                "name": "blocker",
                "assets": "cube",
                "labelled": False,
                "placement": {"mode": "world", "position": [0.1, 0.015, 0]},
            },
        ],
    }
    s = Scenes(tpl)
    with Renderer(*SIZE) as r:
        spec, frame = render_frame(r, s, 0, 0)
        o = process(frame, spec, s.template.labels)
    assert [lab["id"] for lab in o.labels] == [1]
    assert 0.05 < o.labels[0]["visib_fract"] < 0.95
    assert not (o.instance16 == 2).any()
    assert (frame.instance == 2).any()
    assert ((o.instance16 == 0) & (o.depth16 > 0)).sum() >= (frame.instance == 2).sum()


def test_stack_settles_on_top(tmp_path):
    """Two blocks stacked with `relative on_top` and a gap settle onto each other."""
    tpl = {
        "asset_root": str(REPO),
        "size": list(SIZE),
        "assets": {
            "block": {"path": "meshes/clutter/block.obj"},
            "cube": {"path": "meshes/clutter/cube.obj"},
        },
        "camera": {"target": [0, 0, 0.05], "offset": [0.5, 0.2, 0.3]},
        "backdrops": [{"type": "floor", "size": [1, 1]}],
        "objects": [
            {
                "name": "base",
                "assets": "cube",
                "placement": {
                    "mode": "floor",
                    "settle": True,
                    "region": {"x": [0, 0], "y": [0, 0]},
                },
            },
            {
                "name": "mid",
                "assets": "block",
                "placement": {
                    "mode": "relative",
                    "to": "base",
                    "side": "on_top",
                    "gap": 0.01,
                    "settle": True,
                },
            },
            {
                "name": "top",
                "assets": "cube",
                "scale": 0.6,
                "placement": {
                    "mode": "relative",
                    "to": "mid",
                    "side": "on_top",
                    "gap": 0.01,
                    "settle": True,
                },
            },
        ],
    }
    out, summary = _render(tmp_path, "stack", template=tpl, n=2)
    for spec in _specs(out):
        check_plausible(spec)
        m = [_world_mesh(o) for o in spec.objects]
        tops = [max(p.vertices[:, 2].max() for p in parts) for parts in m]
        lows = [min(p.vertices[:, 2].min() for p in parts) for parts in m]
        assert abs(lows[0]) < TOL_SUPPORT
        assert abs(lows[1] - tops[0]) < TOL_SUPPORT and abs(lows[2] - tops[1]) < TOL_SUPPORT
        assert resimulate_shift(spec, None) <= 0.005


def test_floor_drop_upright_and_so3(tmp_path):
    tpl = {
        "asset_root": str(REPO),
        "size": list(SIZE),
        "assets": {"c": {"path": "meshes/clutter", "category": "{stem}"}},
        "camera": {"target": [0, 0, 0], "offset": [0.8, 0.2, 0.6]},
        "backdrops": [{"type": "floor", "size": [3, 3]}],
        "objects": [
            {
                "name": "a",
                "assets": "c",
                "count": 4,
                "placement": {
                    "mode": "drop",
                    "region": {"x": [-0.2, 0.2], "y": [-0.2, 0.2]},
                    "orientation": "upright",
                },
            },
            {
                "name": "b",
                "assets": "c",
                "count": 3,
                "placement": {"mode": "drop", "region": {"x": [-0.2, 0.2], "y": [-0.2, 0.2]}},
            },
        ],
        "failure": {"policy": "resample", "max_attempts": 20},
    }
    out, summary = _render(tmp_path, "floor", template=tpl, n=2)
    specs = _specs(out)
    assert len(specs) + len(summary["skipped_frames"]) == 2 and specs
    for spec in specs:
        check_plausible(spec)
        assert {o.physics.role for o in spec.objects} == {"dynamic"}
        assert all(o.physics.mass_kg > 0 for o in spec.objects)


def test_failure_policy_skip_stop_and_manifest(tmp_path):
    from synth3d.errors import PlacementError
    from synth3d.run.pipeline import Scenes

    dense = [
        "objects[0].count=30",
        "objects[0].placement.region={x: [0, 0.05], y: [0, 0.05]}",
        "objects[0].placement.max_attempts=5",
        "camera.require_all_in_frame=false",
    ]
    # Frame-by-frame: a dense floor layout fails; `stop` raises naming the place …
    with pytest.raises(PlacementError, match=r"objects\[0\]\.placement: could not place 'items'"):
        Scenes(
            SCENES / "tabletop.yaml", dense + ["failure.policy=stop", "failure.max_attempts=2"]
        ).sample(0, 0)
    # … and when every frame fails, the run refuses before writing anything (preflight).
    r = run_cli(
        "render",
        SCENES / "tabletop.yaml",
        "-n",
        "3",
        "-o",
        tmp_path / "none",
        "--size",
        "64x48",
        *sum([["--set", x] for x in dense], []),
    )
    assert r.returncode != 0 and "could not place 'items'" in r.stderr
    assert not (tmp_path / "none" / "manifest.jsonl").exists()
    # Some frames fail every layout: they are skipped with their reason, the run finishes, the
    # manifest and the summary say so (and which frames needed more than one layout).
    some = [
        "objects[0].count=4",
        "objects[0].placement.region={x: [0, 0.25], y: [0, 0.25]}",
        "objects[0].placement.max_attempts=2",
        "camera.require_all_in_frame=false",
        "objects[1].count=0",
        "objects[2].count=0",
        "failure.max_attempts=3",
    ]
    out, summary = _render(
        tmp_path, "skips", template=SCENES / "tabletop.yaml", overrides=some, n=6
    )
    assert [s["index"] for s in summary["skipped_frames"]] == [2, 5]
    assert all(
        "could not place 'items'" in s["reason"] and s["attempts"] == 3
        for s in summary["skipped_frames"]
    )
    assert summary["layout_attempts"] == {4: 2} and summary["rendered"] == 4
    rows = {
        r["index"]: r for r in map(json.loads, (out / "manifest.jsonl").read_text().splitlines())
    }
    assert (
        rows[2]["files"] == {}
        and rows[2]["attempts"] == 3
        and "could not place" in rows[2]["skipped"]
    )
    assert rows[4]["attempts"] == 2 and "skipped" not in rows[4]
    assert json.loads((out / "scene" / "000004.json").read_text())["layout_attempts"] == 2
    assert not (out / "rgb" / "000002.png").exists()
    csv_lines = (out / "manifest.csv").read_text().splitlines()
    assert len(csv_lines) == 1 + 4
    # Resuming does not redo a skipped frame; the CLI prints the skips.
    r = run_cli(
        "render",
        SCENES / "tabletop.yaml",
        "-n",
        "6",
        "-o",
        out,
        "--size",
        "96x72",
        *sum([["--set", x] for x in some], []),
    )
    assert r.returncode == 0, r.stderr
    assert "6 already done" in r.stdout


def test_skip_policy_is_one_attempt_and_resample_counts_attempts():
    from synth3d.errors import FrameSkipped
    from synth3d.run.pipeline import Scenes

    s = Scenes(
        SCENES / "clutter.yaml",
        [
            "objects[1].count=10",
            "failure.policy=skip",
            "physics.time_limit=0.01",
            "physics.rest_time=0.0",
        ],
        size=SIZE,
    )
    with pytest.raises(FrameSkipped) as e:
        s.sample(0, 0)
    assert e.value.attempts == 1
    dense = [
        "objects[0].count=4",
        "objects[0].placement.region={x: [0, 0.25], y: [0, 0.25]}",
        "objects[0].placement.max_attempts=2",
        "camera.require_all_in_frame=false",
        "objects[1].count=0",
        "objects[2].count=0",
        "failure.max_attempts=50",
    ]
    s = Scenes(SCENES / "tabletop.yaml", dense, size=SIZE)
    specs = [s.sample(0, i) for i in range(8)]
    assert any(sp.layout_attempts > 1 for sp in specs)
    again = Scenes(SCENES / "tabletop.yaml", dense, size=SIZE)
    assert [sp.to_json() for sp in specs] == [again.sample(0, i).to_json() for i in range(8)]


def test_collision_shapes_methods_and_cache(tmp_path):
    from synth3d.assets import collision as C

    p = C.CollisionParams()
    tray = str(REPO / "meshes" / "tray" / "tray.obj")
    assert C.collision_file(tray).endswith("tray_col.obj")
    assert len(C.build_pieces(tray, p)[0]) == 5 and C.build_pieces(tray, p)[1] == "file"
    can = str(REPO / "meshes" / "clutter" / "can.obj")
    assert C.build_pieces(can, p)[1] == "hull"
    cup = str(REPO / "meshes" / "clutter" / "cup.obj")
    pieces, method = C.build_pieces(cup, C.CollisionParams(max_pieces=6))
    assert method == "coacd" and 2 <= len(pieces) <= 6
    # The cup's pieces leave its inside open: its centre, 3 cm up, is in no piece's hull.
    from scipy.spatial import Delaunay

    assert not any(Delaunay(q).find_simplex([[0, 0, 0.04]])[0] >= 0 for q in pieces)
    cache = tmp_path / "cache"
    before = (C.STATS.hits, C.STATS.built)
    a = C.collision_pieces(cup, C.CollisionParams(max_pieces=6), cache)
    C._MEMO.clear()
    b = C.collision_pieces(cup, C.CollisionParams(max_pieces=6), cache)
    assert (C.STATS.hits - before[0], C.STATS.built - before[1]) == (1, 1)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert len(list(cache.glob("*.npz"))) == 1
    # The catalog does not take tray_col.obj for an object of its own.
    from synth3d.assets.catalog import resolve_paths
    from synth3d.template.schema import AssetSetSpec

    files = resolve_paths(AssetSetSpec(path="meshes/tray"), REPO, "assets.t")
    assert [f.name for f in files] == ["tray.obj"]


def test_box_pieces_become_mujoco_boxes_with_the_same_mass():
    """A convex piece whose 8 vertices are a box's corners (any orientation) is simulated as a
    MuJoCo box; masses come from MuJoCo (density × volume) whatever the piece's shape."""
    from scipy.spatial.transform import Rotation

    from synth3d.sampling.physics import Body, box_of, simulate
    from synth3d.template.physics import PhysicsSpec

    corners = np.array([[x, y, z] for x in (-1, 1) for y in (-2, 2) for z in (-0.5, 0.5)]) * 0.01
    R = Rotation.from_euler("xyz", [20, -35, 70], degrees=True).as_matrix()
    c, Rb, half = box_of(corners @ R.T + [0.1, 0.2, 0.3])
    assert np.allclose(c, [0.1, 0.2, 0.3]) and np.allclose(sorted(half), [0.005, 0.01, 0.02])
    assert np.allclose(Rb @ Rb.T, np.eye(3)) and np.linalg.det(Rb) > 0
    assert box_of(corners + np.r_[np.zeros((7, 3)), [[0.001, 0, 0]]]) is None  # a skewed corner
    assert box_of(corners[:7]) is None
    T1, T2 = np.eye(4), np.eye(4)
    T1[:3, 3], T2[:3, 3] = [0, 0, 0.05], [0.2, 0, 0.05]
    wedge = np.r_[corners[:4], corners[4:] * [1, 0.5, 1]]  # not a box: a mesh geom
    res = simulate(
        [Body("box", [corners], T1, density=800.0), Body("wedge", [wedge], T2, density=800.0)],
        [],
        PhysicsSpec(time_limit=0.05, rest_time=0.0),
    )
    vol_box = 0.02 * 0.04 * 0.01
    assert res.masses[0] == pytest.approx(800.0 * vol_box, rel=1e-9)
    assert res.masses[1] == pytest.approx(800.0 * vol_box * 0.75, rel=1e-6)


def test_determinism_across_workers_and_rerender(tmp_path):
    from synth3d.run.pipeline import rerender

    over = ["objects[1].count=10"]
    a, _ = _render(tmp_path, "w1", overrides=over, n=3, workers=1)
    b, _ = _render(tmp_path, "w2", overrides=over, n=3, workers=2)
    fa = sorted(
        p.relative_to(a) for p in a.rglob("*") if p.is_file() and p.suffix in (".png", ".json")
    )
    fb = sorted(
        p.relative_to(b) for p in b.rglob("*") if p.is_file() and p.suffix in (".png", ".json")
    )
    skip = {Path("dataset.json")}
    assert fa == fb
    for rel in fa:
        if rel not in skip:
            assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    # rerender never simulates: same bytes with the physics engine made unusable.
    import synth3d.sampling.physics as P

    orig = P.simulate
    P.simulate = None
    try:
        files = rerender(a / "scene" / "000001.json", tmp_path / "re")
    finally:
        P.simulate = orig
    assert Path(files["rgb"]).read_bytes() == (a / "rgb" / "000001.png").read_bytes()


def test_template_errors_name_the_place(tmp_path):
    from synth3d.errors import TemplateError
    from synth3d.template.loading import load_template

    base = {"asset_root": str(REPO), "assets": {"c": {"path": "meshes/clutter/cube.obj"}}}
    with pytest.raises(TemplateError, match=r"objects\[0\].*static support cannot be dropped"):
        load_template(
            {
                **base,
                "objects": [
                    {
                        "name": "a",
                        "assets": "c",
                        "physics": {"static": True},
                        "placement": {"mode": "drop"},
                    }
                ],
            }
        )
    with pytest.raises(TemplateError, match=r"objects\[0\]\.physics\.friction"):
        load_template(
            {**base, "objects": [{"name": "a", "assets": "c", "physics": {"friction": -1}}]}
        )
    with pytest.raises(TemplateError, match=r"failure\.policy"):
        load_template({**base, "failure": {"policy": "retry"}})
    with pytest.raises(TemplateError, match=r"physics\.timestep"):
        load_template({**base, "physics": {"timestep": 0}})


def test_real_concave_library_drop(tmp_path):
    """Three concave objects of the real library (CoACD pieces) dropped into the real tray."""
    lib = shared("pybullet", "random")
    shared("pybullet", "objects", "tray")
    tpl = {
        "asset_root": str(lib.parent),
        "size": list(SIZE),
        "assets": {
            "blobs": {
                "path": "random/00[0-2]/*.obj",
                "normalize": {"size": 0.08},
                "category": "{stem}",
            }
        },
        "camera": {"target": [0, 0, 0], "offset": [0.5, 0.1, 0.6]},
        "backdrops": [{"type": "floor", "size": [2, 2]}],
        "objects": [
            {
                "name": "b",
                "assets": "blobs",
                "count": 5,
                "placement": {"mode": "drop", "region": {"x": [-0.1, 0.1], "y": [-0.1, 0.1]}},
            }
        ],
    }
    out, summary = _render(tmp_path, "real", template=tpl, n=1)
    specs = _specs(out)
    assert len(specs) == 1, summary
    # Concave shapes are checked against their render meshes (the blobs are closed surfaces).
    check_plausible(specs[0])


def test_settled_frames_ids_depth_and_poses_are_exact(bin_run):
    """Arbitrary settled orientations keep the labels exact: ids and depth agree with a trimesh
    ray cast of the SceneSpec (the distractor tray as id 0), and every label's pose maps the
    asset's points into its full-silhouette box."""
    from geometry import boundary, raycast

    out, _ = bin_run
    rows = {
        r["index"]: r
        for r in map(json.loads, (out / "annotations" / "instances.jsonl").read_text().splitlines())
    }
    for spec in _specs(out):
        inst = cv2.imread(str(out / "instance" / f"{spec.index:06d}.png"), cv2.IMREAD_UNCHANGED)
        depth = (
            cv2.imread(str(out / "depth" / f"{spec.index:06d}.png"), cv2.IMREAD_UNCHANGED).astype(
                float
            )
            * spec.output.depth_scale
            / 1000
        )
        rid, rdepth = raycast(spec)
        rid[np.isin(rid, [o.id for o in spec.objects if not o.labelled])] = 0
        inner = ~(boundary(inst) | boundary(rid))
        assert (inst == rid)[inner].mean() > 0.97
        both = inner & (rdepth > 0) & (depth > 0)
        assert (np.abs(depth[both] - rdepth[both]) <= 0.002 + 0.001 * rdepth[both]).mean() > 0.97
        K = spec.camera.K_array()
        labels = rows[spec.index]["annotations"]
        assert labels
        for a in labels:
            o = next(ob for ob in spec.objects if ob.id == a["id"])
            R, t = np.asarray(a["R_m2c"]), np.asarray(a["t_m2c"])
            pc = trimesh.load(o.asset, force="mesh").vertices * a["scale"] @ R.T + t
            uv = pc[:, :2] / pc[:, 2:] * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]
            x0, y0, w, h = a["bbox_obj"]  # the full silhouette's box, beyond the image too
            inside = (
                (uv[:, 0] >= x0 - 3)
                & (uv[:, 0] <= x0 + w + 3)
                & (uv[:, 1] >= y0 - 3)
                & (uv[:, 1] <= y0 + h + 3)
            )
            assert inside.all(), a["id"]


def test_urdf_mass_and_friction_reach_physics(tmp_path):
    """An asset's own physics (a URDF's inertial mass and contact friction) is what the
    simulation uses when the group sets none; a group's explicit friction wins."""
    lib = tmp_path / "lib"
    lib.mkdir()
    trimesh.creation.box(extents=(0.04, 0.04, 0.04)).export(lib / "cube.obj")
    (lib / "cube.urdf").write_text(
        '<robot name="c"><link name="base"><contact><lateral_friction value="0.35"/></contact>'
        '<inertial><mass value="0.7"/></inertial>'
        '<visual><geometry><mesh filename="cube.obj"/></geometry></visual>'
        '<collision><geometry><mesh filename="cube.obj"/></geometry></collision>'
        "</link></robot>"
    )
    drop = {
        "mode": "drop",
        "region": {"x": [-0.05, 0.05], "y": [-0.05, 0.05]},
        "height": {"dist": "uniform", "min": 0.02, "max": 0.05},
    }
    tpl = {
        "asset_root": str(lib),
        "size": [64, 48],
        "assets": {"cubes": {"path": "cube.urdf"}},
        "camera": {"target": [0, 0, 0.02], "offset": [0.4, 0.1, 0.3]},
        "backdrops": [{"type": "floor", "size": [1, 1]}],
        "objects": [
            {"name": "own", "assets": "cubes", "placement": drop},
            {"name": "set", "assets": "cubes", "placement": drop, "physics": {"friction": 0.9}},
        ],
    }
    out, _ = _render(tmp_path, "urdf", template=tpl, n=1)
    own, explicit = _specs(out)[0].objects
    assert own.physics.mass_kg == pytest.approx(0.7) and own.physics.friction == 0.35
    assert explicit.physics.mass_kg == pytest.approx(0.7) and explicit.physics.friction == 0.9
