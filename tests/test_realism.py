"""Rendering realism: ground-truth ambient occlusion of the indirect light."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from synth3d.color import srgb_to_linear
from synth3d.render.renderer import Renderer
from synth3d.run.frames import Scenes


def _crease_template(ao_radius: float = 0.2) -> dict:
    grey = {"type": "color", "color": [0.6, 0.6, 0.6]}
    return {
        "name": "crease",
        "size": [160, 120],
        "camera": {"fov_y_deg": 50, "target": [0.0, 0.2, 0.0], "offset": [0.0, -0.35, 0.35]},
        "environment": {"ambient": [0.5, 0.5, 0.5]},
        "backdrops": [
            {"type": "floor", "size": [3, 3], "texture": grey, "roughness": 1.0},
            # A wall at y = 0.3 facing the origin: a 90° crease with the floor along y = 0.3.
            {
                "type": "wall",
                "size": [3, 1.5],
                "distance": 0.3,
                "azimuth_deg": 90,
                "texture": grey,
                "roughness": 1.0,
            },
        ],
        "realism": {"ao": True, "ao_radius_m": ao_radius},
    }


def _world_points(spec, depth):
    K, T = spec.camera.K_array(), spec.camera.T_array()
    h, w = depth.shape
    v, u = np.mgrid[0:h, 0:w]
    rays = np.stack([(u - K[0, 2]) / K[0, 0], (v - K[1, 2]) / K[1, 1], np.ones((h, w))], -1)
    return (rays * depth[..., None]) @ T[:3, :3].T + T[:3, 3]


def _hidden_fraction(d: float, radius: float) -> float:
    """Share of a floor point's cosine-weighted sky hidden by a wall at distance d when only
    occluders within ``radius`` count: directions reach the wall within the radius iff their
    horizontal component towards it is ≥ d / radius; cosine-weighted directions project
    uniformly onto the unit disc (Malley), so the share is a disc segment's area over π."""
    c = min(d / radius, 1.0)
    return (math.acos(c) - c * math.sqrt(1 - c * c)) / math.pi


def _multi_bounce(v: float, albedo: float) -> float:
    """Jimenez et al. 2016's fit of light returning from inside the occluded region."""
    a, b, c = 2.0404 * albedo - 0.3324, -4.7951 * albedo + 0.6417, 2.7552 * albedo + 0.6903
    return max(v, ((a * v + b) * v + c) * v)


@pytest.fixture(scope="module")
def renderer():
    r = Renderer(160, 120)
    yield r
    r.close()


def test_ao_darkens_a_crease_and_leaves_an_open_plane_unchanged(renderer):
    spec = Scenes(_crease_template()).sample(0, 0)
    assert spec.realism.ao and spec.realism.ao_radius_m == 0.2
    on = renderer.render(spec)
    off = renderer.render(
        spec.model_copy(update={"realism": spec.realism.model_copy(update={"ao": False})})
    )
    assert np.array_equal(on.depth_m, off.depth_m)
    pts = _world_points(spec, on.depth_m)
    lum_on = on.rgb @ np.array([0.2126, 0.7152, 0.0722])
    lum_off = off.rgb @ np.array([0.2126, 0.7152, 0.0722])
    ratio = lum_on / np.maximum(lum_off, 1e-6)
    floor = (on.depth_m > 0) & (np.abs(pts[..., 2]) < 1e-3)
    d_wall = 0.3 - pts[..., 1]
    # Open floor, farther from the wall than the AO radius (plus the half-resolution blur's
    # reach): exactly the light it had.
    open_floor = floor & (d_wall > 0.3)
    assert open_floor.sum() > 1000
    assert np.abs(ratio[open_floor] - 1).max() < 0.01
    # In the crease the floor loses about the share of sky the wall hides within the radius.
    # (GTAO with 3 slices × 4 steps finds slightly less of the wall near the radius's edge.)
    for lo, hi, tol in ((0.008, 0.03, 0.08), (0.03, 0.06, 0.08), (0.06, 0.1, 0.14)):
        band = floor & (d_wall > lo) & (d_wall < hi)
        assert band.sum() > 30
        albedo = float(srgb_to_linear(np.array([0.6]))[0])  # the template's grey
        expect = _multi_bounce(
            1 - np.mean([_hidden_fraction(d, 0.2) for d in d_wall[band]]), albedo
        )
        got = float(np.median(ratio[band]))
        assert abs(got - expect) < tol, (lo, hi, got, expect)
    # Darker nearer the crease.
    near = floor & (d_wall > 0.008) & (d_wall < 0.03)
    mid = floor & (d_wall > 0.06) & (d_wall < 0.1)
    assert np.median(ratio[near]) < 0.8
    assert np.median(ratio[near]) < np.median(ratio[mid]) - 0.05


def test_ao_off_by_template_and_spec_json_unchanged_by_default():
    t = _crease_template()
    t["realism"] = {"ao": False}
    spec = Scenes(t).sample(0, 0)
    assert not spec.realism.ao
    assert '"realism"' in spec.to_json()
    del t["realism"]
    assert '"realism"' not in Scenes(t).sample(0, 0).to_json()  # defaults are left out


def test_auto_exposure_key_and_range_keep_a_night_map_night():
    from conftest import shared

    from synth3d.envmap import load_hdri
    from synth3d.post.tonemap import auto_exposure_ev
    from synth3d.template.schema import Template

    night = load_hdri(str(shared("hdri", "moonless_golf_1k.hdr")))[::2, ::2]
    lum = night @ np.array([0.2126, 0.7152, 0.0722])
    avg = float(np.exp(np.mean(np.log(np.maximum(lum[::4, ::4], 1e-4)))))
    # Middle grey would brighten the night map to daylight's average …
    assert auto_exposure_ev(night) == pytest.approx(math.log2(0.18 / avg))
    assert auto_exposure_ev(night) > 0.5
    # … a night key keeps it dark, a clamped range never brightens it.
    assert auto_exposure_ev(night, key=0.04) == pytest.approx(math.log2(0.04 / avg))
    assert auto_exposure_ev(night, key=0.04) < auto_exposure_ev(night) - 2.0  # 2.2 stops darker
    assert auto_exposure_ev(night, range_ev=(-12.0, 0.0)) == 0.0
    t = Template.model_validate(
        {
            "post": {
                "tonemap": {
                    "auto_exposure": True,
                    "auto_exposure_key": 0.04,
                    "auto_exposure_range_ev": [-12, 0],
                }
            }
        }
    )
    assert t.post.tonemap.auto_exposure_key == 0.04
    with pytest.raises(Exception, match="min ≤ max"):
        Template.model_validate({"post": {"tonemap": {"auto_exposure_range_ev": [2, 0]}}})


def test_sky_shadows_hide_the_sky_a_wall_hides(tmp_path):
    """Under a uniform sky, a long wall (an object, 2 m × 2 cm × 10 cm) hides from a floor point at
    distance d the share ½(1 − d / √(d² + h²)) of its cosine-weighted sky (the view factor of an
    infinite strip) — at any distance, with no screen-space radius. Sky shadows (32 cells, GTAO
    off) must darken the floor by that share (through the multi-bounce fit, as AO does), and
    leave floor beyond the wall's reach and the wall's far side's open floor untouched."""
    import cv2
    import trimesh

    sky = np.ones((64, 128, 3), np.float32)
    cv2.imwrite(str(tmp_path / "uniform.exr"), sky)
    h = 0.1
    trimesh.creation.box((2.0, 0.02, h)).apply_translation((0, 0, h / 2)).export(
        tmp_path / "wall.obj"
    )
    grey = {"type": "color", "color": [0.2, 0.2, 0.2]}
    t = {
        "name": "wall",
        "size": [200, 150],
        "camera": {"fov_y_deg": 50, "target": [0.0, 0.15, 0.0], "offset": [0.0, 0.25, 0.6]},
        "environment": {"hdri": "sky", "background": "color"},
        "backdrops": [{"type": "floor", "size": [4, 4], "texture": grey, "roughness": 1.0}],
        "assets": {
            "wall": {"path": str(tmp_path / "wall.obj")},
            "sky": {"path": str(tmp_path / "uniform.exr")},
        },
        "objects": [
            {
                "name": "wall",
                "assets": "wall",
                "placement": {"mode": "world", "position": [0, 0, 0], "rotation": [0, 0, 0]},
                "material": {"base_color": [0.5, 0.5, 0.5], "roughness": 1.0},
            }
        ],
        "realism": {"ao": False, "sky_shadows": 32},
    }
    spec = Scenes(t).sample(0, 0)
    assert spec.realism.sky_shadows == 32 and not spec.realism.ao
    with Renderer(200, 150) as r:
        on = r.render(spec)
        off = r.render(
            spec.model_copy(update={"realism": spec.realism.model_copy(update={"sky_shadows": 0})})
        )
    Y = np.array([0.2126, 0.7152, 0.0722])
    ratio = (on.rgb @ Y) / np.maximum(off.rgb @ Y, 1e-6)
    pts = _world_points(spec, on.depth_m)
    floor = (on.instance == 0) & (on.depth_m > 0) & (np.abs(pts[..., 2]) < 1e-3)
    floor &= np.abs(pts[..., 0]) < 0.3  # the wall's middle: it looks infinite from here
    d = pts[..., 1] - 0.01  # distance from the wall's face (y = 0.01)
    albedo = float(srgb_to_linear(np.array([0.2]))[0])
    # (Nearest the wall the half-resolution pass and its blur lighten the contact a little; far
    # away, 32 cells each seen as one soft-edged disc find a little less of a low wall.)
    for lo, hi, tol in (
        (0.01, 0.03, 0.1),
        (0.03, 0.07, 0.04),
        (0.07, 0.15, 0.04),
        (0.15, 0.3, 0.03),
    ):
        band = floor & (d > lo) & (d < hi)
        assert band.sum() > 30, (lo, hi)
        vis = 1 - np.mean(0.5 * (1 - d[band] / np.sqrt(d[band] ** 2 + h**2)))
        expect = _multi_bounce(vis, albedo)
        got = float(np.median(ratio[band]))
        assert abs(got - expect) < tol, (lo, hi, got, expect)
    near = floor & (d > 0.01) & (d < 0.03)
    assert np.median(ratio[near]) < 0.72  # a visible darkening
    # Beyond any AO radius the wall still hides sky: 15–30 cm away, 10 cm AO sees nothing.
    far = floor & (d > 0.15) & (d < 0.3)
    assert np.median(ratio[far]) < 0.99
    gtao = dict(ao=True, ao_radius_m=0.1, sky_shadows=0)
    with Renderer(200, 150) as r:
        ao = r.render(spec.model_copy(update={"realism": spec.realism.model_copy(update=gtao)}))
    assert np.median(((ao.rgb @ Y) / np.maximum(off.rgb @ Y, 1e-6))[far]) > 0.995


def test_a_5cm_cube_shades_the_floor_where_ray_casting_says(tmp_path):
    """A 5 cm cube on a floor under the bundled 45° sun: the floor pixels whose ray towards the
    extracted sun hits the cube (a slab test, independent of the renderer) are the dark ones —
    the shadow's silhouette agrees with the ray cast (IoU ≥ 0.9) and is at most 60 % as bright
    as lit floor beside it; under the bundled overcast sky (no sun) the floor touching the
    cube is visibly darker than open floor (AO)."""
    import trimesh

    from synth3d.envmap import environment_lighting

    s = 0.05
    trimesh.creation.box((s, s, s)).apply_translation((0, 0, s / 2)).export(tmp_path / "cube.obj")
    grey = {"type": "color", "color": [0.6, 0.6, 0.6]}

    def template(sky: str) -> dict:
        return {
            "name": "cube",
            "size": [240, 180],
            "assets": {
                "cube": {"path": str(tmp_path / "cube.obj")},
                "sky": {"path": str(Path(__file__).resolve().parents[1] / "hdri" / sky)},
            },
            "camera": {"fov_y_deg": 40, "target": [0.0, 0.0, 0.0], "offset": [0.0, -0.25, 0.35]},
            "environment": {"hdri": "sky", "rotation_deg": 30, "background": "color"},
            "backdrops": [{"type": "floor", "size": [3, 3], "texture": grey, "roughness": 0.9}],
            "objects": [
                {
                    "name": "cube",
                    "assets": "cube",
                    "placement": {"mode": "world", "position": [0, 0, 0], "rotation": [0, 0, 0]},
                }
            ],
        }

    Y = np.array([0.2126, 0.7152, 0.0722])
    spec = Scenes(template("sky_sun_45.hdr")).sample(0, 0)
    sun = environment_lighting(spec.environment.hdri, 30, 0.0).sun_direction
    with Renderer(240, 180) as r:
        f = r.render(spec)
        g = r.render(Scenes(template("overcast.hdr")).sample(0, 0))
    pts = _world_points(spec, f.depth_m)
    floor = (f.instance == 0) & (f.depth_m > 0) & (np.abs(pts[..., 2]) < 1e-3)
    # Slab test: does the ray p + t·sun (t > 0) pass through the box [−s/2, s/2]² × [0, s]?
    lo, hi = np.array([-s / 2, -s / 2, 0.0]), np.array([s / 2, s / 2, s])
    with np.errstate(divide="ignore", invalid="ignore"):
        t1, t2 = (lo - pts) / sun, (hi - pts) / sun
    tmin = np.nanmax(np.minimum(t1, t2), axis=-1)
    tmax = np.nanmin(np.maximum(t1, t2), axis=-1)
    shadow = floor & (tmax >= np.maximum(tmin, 0.0))
    assert shadow.sum() > 200
    lum = f.rgb @ Y
    lit_ring = floor & ~shadow & (np.hypot(pts[..., 0], pts[..., 1]) < 0.15)
    dark = floor & (lum < 0.5 * (np.median(lum[shadow]) + np.median(lum[lit_ring])))
    iou = (dark & shadow).sum() / (dark | shadow).sum()
    assert iou >= 0.9, iou
    assert np.median(lum[shadow]) < 0.6 * np.median(lum[lit_ring])
    # Overcast: the floor within 1 cm of the cube's sides vs open floor 20–40 cm away.
    gp = _world_points(spec, g.depth_m)
    gfloor = (g.instance == 0) & (g.depth_m > 0) & (np.abs(gp[..., 2]) < 1e-3)
    dist = np.maximum(np.abs(gp[..., 0]), np.abs(gp[..., 1])) - s / 2
    glum = g.rgb @ Y
    near, far = gfloor & (dist > 0.002) & (dist < 0.01), gfloor & (dist > 0.2) & (dist < 0.4)
    assert near.sum() > 30 and far.sum() > 100
    assert np.median(glum[near]) < 0.85 * np.median(glum[far])
