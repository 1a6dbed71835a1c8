"""Rendered buffers checked against independent geometry and pixel invariants."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from conftest import SCENES, shared
from geometry import boundary, raycast

from synth3d.spec import SceneSpec


def _load(out, i):
    spec = SceneSpec.from_json((out / "scene" / f"{i:06d}.json").read_text())
    inst = cv2.imread(str(out / "instance" / f"{i:06d}.png"), cv2.IMREAD_UNCHANGED)
    depth_mm = cv2.imread(str(out / "depth" / f"{i:06d}.png"), cv2.IMREAD_UNCHANGED).astype(float)
    return spec, inst, depth_mm * spec.output.depth_scale / 1000.0


def _agreement(spec, inst, depth_m):
    rid, rdepth = raycast(spec)
    inner = ~(boundary(inst) | boundary(rid))
    id_ok = (inst == rid)[inner].mean()
    both = inner & (rdepth > 0) & (depth_m > 0)
    tol = 0.001 + 0.001 * rdepth[both] + 0.5e-3 * spec.output.depth_scale  # + PNG quantisation
    depth_ok = (np.abs(depth_m[both] - rdepth[both]) <= tol).mean()
    return id_ok, depth_ok, inner.mean()


def test_buffers_types_and_invariants(tabletop_small):
    for i in range(5):
        spec, inst, depth = _load(tabletop_small, i)
        assert inst.dtype == np.uint16 and inst.shape == (120, 160)
        ids = {o.id for o in spec.objects}
        assert [o.id for o in spec.objects] == list(range(1, len(spec.objects) + 1))
        assert set(np.unique(inst)) <= ids | {0}
        assert np.all(depth[inst > 0] > 0), "instance mask must lie inside depth > 0"
        rgb = cv2.imread(str(tabletop_small / "rgb" / f"{i:06d}.png"), cv2.IMREAD_UNCHANGED)
        assert rgb.shape == (120, 160, 3) and rgb.dtype == np.uint8
        assert rgb.std() > 5  # not a blank frame


def test_ids_and_depth_match_ray_cast_tabletop(tabletop_small):
    for i in range(5):
        spec, inst, depth = _load(tabletop_small, i)
        id_ok, depth_ok, frac = _agreement(spec, inst, depth)
        assert frac > 0.8
        assert id_ok >= 0.995, f"frame {i}: ids agree on {id_ok:.4f}"
        assert depth_ok >= 0.995, f"frame {i}: depth agrees on {depth_ok:.4f}"


def test_ids_and_depth_match_ray_cast_cards(cards_small):
    for i in range(4):
        spec, inst, depth = _load(cards_small, i)
        assert any(o.kind == "card" for o in spec.objects)
        id_ok, depth_ok, _ = _agreement(spec, inst, depth)
        assert id_ok >= 0.995 and depth_ok >= 0.995, (i, id_ok, depth_ok)


def _real_mesh_template(tmp_path):
    root = shared("meshes")
    return {
        "name": "real-meshes",
        "size": [160, 120],
        "asset_root": str(root.parent),
        "assets": {
            "duck": {
                "path": "meshes/Duck.glb",
                "up_axis": "y",
                "normalize": {"size": 0.15, "measure": "height"},
            },
            "bunny": {"path": "meshes/stanford-bunny.obj", "normalize": {"size": 0.15}},
            "spot": {
                "path": "meshes/spot/spot_triangulated.obj",
                "up_axis": "y",
                "normalize": {"size": 0.18},
            },
            "spot_tex": {"path": "meshes/spot/spot_texture.png"},
        },
        "camera": {
            "target": [0, 0, 0.05],
            "offset": {"dist": "cone", "angle_deg": 60, "min_angle_deg": 20, "radius": [0.55, 0.7]},
        },
        "backdrops": [{"type": "floor", "size": [2, 2], "texture": {"type": "checker"}}],
        "lights": [{"type": "directional", "intensity": 2.0}],
        "objects": [
            {
                "name": "duck",
                "assets": "duck",
                "placement": {"non_overlap": True, "region": {"x": [-0.2, 0.2], "y": [-0.2, 0.2]}},
            },
            {
                "name": "bunny",
                "assets": "bunny",
                "placement": {"non_overlap": True, "region": {"x": [-0.2, 0.2], "y": [-0.2, 0.2]}},
            },
            {
                "name": "spot",
                "assets": "spot",
                "material": {"texture": "spot_tex"},
                "placement": {
                    "mode": "world",
                    "position": [0.0, 0.0, 0.25],
                    "rotation": {"dist": "so3"},
                },
            },
        ],
    }


def test_real_shared_meshes_match_ray_cast(tmp_path):
    from synth3d.run.pipeline import render_dataset

    out = tmp_path / "real"
    render_dataset(_real_mesh_template(tmp_path), out, n=3, seed=5)
    for i in range(3):
        spec, inst, depth = _load(out, i)
        assert {o.name for o in spec.objects} == {"duck", "bunny", "spot"}
        id_ok, depth_ok, _ = _agreement(spec, inst, depth)
        assert id_ok >= 0.995 and depth_ok >= 0.995, (i, id_ok, depth_ok)
        # The Duck is ~160 units tall and y-up in its file; normalisation makes it 15 cm tall.
        duck = next(o for o in spec.objects if o.name == "duck")
        from synth3d.assets.catalog import load_mesh

        verts = load_mesh(duck.asset).vertices
        world = verts @ duck.T_array()[:3, :3].T + duck.T_array()[:3, 3]
        ext = world.max(0) - world.min(0)
        assert ext[2] == pytest.approx(0.15, rel=1e-6)
        assert world[:, 2].min() == pytest.approx(0.0, abs=1e-9)  # stands on the floor
        # The glTF's embedded texture survives: the duck is not one flat colour.
        rgb = cv2.imread(str(out / "rgb" / f"{i:06d}.png"))
        px = rgb[inst == duck.id]
        assert len(px) > 50 and px.std(axis=0).max() > 8


def _solid_card(tmp_path, rgb, alpha=True):
    img = np.zeros((64, 48, 4), np.uint8)
    img[:, :, :3] = rgb
    img[:, :, 3] = 255
    path = tmp_path / ("solid.png" if alpha else "solid.jpg")
    cv2.imwrite(
        str(path),
        cv2.cvtColor(img, cv2.COLOR_RGBA2BGRA)
        if alpha
        else cv2.cvtColor(img[:, :, :3], cv2.COLOR_RGB2BGR),
    )
    return path


def test_unlit_card_reproduces_texture_colour_exactly(tmp_path):
    from synth3d.run.pipeline import render_dataset

    colour = (200, 101, 37)
    card = _solid_card(tmp_path, colour)
    tpl = {
        "size": [96, 96],
        "assets": {"c": {"path": str(card)}},
        "camera": {"target": [0, 0, 0], "offset": [0, -3, 0]},
        "environment": {"color": "#102030"},
        "objects": [
            {
                "name": "c",
                "assets": "c",
                "screen_height": 0.5,
                "placement": {"mode": "screen", "point": [0.5, 0.5], "distance": 2},
            }
        ],
    }
    render_dataset(tpl, tmp_path / "o", n=1)
    rgb = cv2.cvtColor(cv2.imread(str(tmp_path / "o/rgb/000000.png")), cv2.COLOR_BGR2RGB)
    inst = cv2.imread(str(tmp_path / "o/instance/000000.png"), cv2.IMREAD_UNCHANGED)
    inner = (inst == 1) & ~boundary(inst, 2)
    assert inner.sum() > 500
    assert np.all(rgb[inner] == colour)
    assert np.all(rgb[(inst == 0) & ~boundary(inst, 2)] == (0x10, 0x20, 0x30))
    # Height: half the image (48 px) within a pixel; width from the 48:64 aspect.
    rows, cols = np.nonzero(inst == 1)
    assert abs((rows.max() - rows.min() + 1) - 48) <= 1
    assert abs((cols.max() - cols.min() + 1) - 36) <= 1


def test_chroma_key_cutout_from_photo_on_white():
    from synth3d.assets.catalog import load_card_rgba

    rgba = load_card_rgba(
        str(SCENES.parent / "cutouts" / "toy_on_white.jpg"), "key", (1.0, 1.0, 1.0), 0.06
    )
    a = rgba[:, :, 3]
    assert a[0, 0] == 0 and a[-1, -1] == 0  # white surroundings are cut away
    assert 0.05 < (a > 0).mean() < 0.5  # the toy stays
    white = np.all(rgba[:, :, :3] >= 255 - 0.06 * 255, axis=2)  # within the key threshold
    assert not np.any(a[~white] == 0)  # nothing but near-white is removed


def test_dog_photo_chroma_key():
    from synth3d.assets.catalog import load_card_rgba

    rgba = load_card_rgba(str(shared("cutouts", "dogSeg.jpg")), "key", (1.0, 1.0, 1.0), 0.08)
    a = rgba[:, :, 3]
    assert a[0, 0] == 0 and 0.1 < (a > 0).mean() < 0.9


def test_closing_one_renderer_leaves_another_working():
    """EGL shares one display per device: closing a renderer must not terminate it for others."""
    from synth3d.render.renderer import Renderer
    from synth3d.run.pipeline import Scenes

    spec = Scenes(SCENES / "cards.yaml", size=(64, 48)).sample(0, 0)
    with Renderer(64, 48) as r1:
        a = r1.render(spec)
        with Renderer(64, 48) as r2:
            r2.render(spec)
        import gc

        gc.collect()
        b = r1.render(spec)
        assert np.array_equal(a.instance, b.instance) and np.array_equal(a.rgb, b.rgb)


def test_base_color_replaces_a_textured_assets_colour(tmp_path):
    from synth3d.run.pipeline import render_dataset

    tpl = {
        "size": [96, 72],
        "asset_root": str(SCENES.parent),
        "assets": {"b": {"path": "meshes/bottle.glb"}},
        "camera": {"target": [0, 0, 0.12], "offset": [0.45, -0.2, 0.15]},
        "environment": {"ambient": [0.6, 0.6, 0.6]},
        "objects": [
            {
                "name": "b",
                "assets": "b",
                "material": {"base_color": "#2040e0"},
                "placement": {"mode": "world", "position": [0, 0, 0]},
            }
        ],
    }
    render_dataset(tpl, tmp_path / "flat", n=1)
    tpl["objects"][0]["material"]["keep_texture"] = True
    render_dataset(tpl, tmp_path / "tinted", n=1)
    inst = cv2.imread(str(tmp_path / "flat/instance/000000.png"), cv2.IMREAD_UNCHANGED)
    inner = (inst == 1) & ~boundary(inst, 1)
    flat = cv2.imread(str(tmp_path / "flat/rgb/000000.png"))[inner].astype(float)
    tinted = cv2.imread(str(tmp_path / "tinted/rgb/000000.png"))[inner].astype(float)
    assert (flat[:, 0] > flat[:, 2]).mean() > 0.95  # BGR: blue everywhere on the flat bottle
    assert np.std(flat[:, 0] / flat.sum(1).clip(1)) < np.std(tinted[:, 0] / tinted.sum(1).clip(1))


def test_textures_prepared_ahead_render_the_same_frame():
    """Renderer.prepare (the look-ahead thread's half) makes a frame's new textures without GL;
    render() then uploads exactly those pixels: the frame equals one rendered without it, and
    nothing stays staged."""
    import yaml

    from synth3d.render.renderer import Renderer
    from synth3d.run.pipeline import Scenes

    tpl = yaml.safe_load((SCENES / "tabletop.yaml").read_text())
    tpl["asset_root"] = str(SCENES.parent)
    tpl["backdrops"][0]["texture"] = tpl["backdrops"][0]["texture"][2]  # the random noise
    assert tpl["backdrops"][0]["texture"]["type"] == "noise"
    sc = Scenes(tpl, size=(96, 72))
    specs = [sc.sample(0, i) for i in range(3)]
    with Renderer(96, 72) as plain:
        want = [plain.render(s) for s in specs]
    with Renderer(96, 72) as r:
        for s, w in zip(specs, want):
            r.prepare(s)
            assert r._staged, "the noise floor's pixels were not made ahead"
            got = r.render(s)
            assert not r._staged
            assert np.array_equal(got.rgb, w.rgb) and np.array_equal(got.instance, w.instance)
