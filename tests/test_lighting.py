"""HDRI lighting: the environment lights objects plausibly, its background is the documented
equirect look-up, and the sun's shadow points away from the sun."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from conftest import REPO, shared

from synth3d.envmap import environment_lighting


@pytest.fixture(scope="module")
def renderer():
    from synth3d.render.renderer import Renderer

    with Renderer(160, 120) as r:
        yield r


def _sphere_obj(tmp_path_factory):
    import trimesh

    p = tmp_path_factory.mktemp("sphere") / "sphere.obj"
    trimesh.creation.icosphere(subdivisions=4, radius=0.1).export(p)
    return p


@pytest.fixture(scope="module")
def sphere(tmp_path_factory):
    return _sphere_obj(tmp_path_factory)


def _sphere_frame(renderer, sphere, hdri, rotation=0.0, view_dir=None):
    """A white diffuse sphere at the origin, seen from ``view_dir`` (unit, from the origin)."""
    from synth3d.run.pipeline import Scenes

    view_dir = np.asarray(view_dir if view_dir is not None else [1.0, 0, 0.3])
    view_dir = view_dir / np.linalg.norm(view_dir)
    tpl = {
        "size": [160, 120],
        "assets": {"s": {"path": str(sphere), "origin": "center"}, "h": {"path": str(hdri)}},
        "camera": {"fov_y_deg": 30, "target": [0, 0, 0], "offset": (view_dir * 0.6).tolist()},
        "environment": {
            "hdri": "h",
            "rotation_deg": rotation,
            "background": "color",
            "reflections": True,
        },
        "objects": [
            {
                "name": "s",
                "assets": "s",
                "material": {"base_color": [1, 1, 1], "roughness": 1.0, "metallic": 0.0},
                "placement": {"mode": "world", "position": [0, 0, 0]},
            }
        ],
    }
    spec = Scenes(tpl).sample(0, 0)
    frame = renderer.render(spec, normals=True)
    mask = (frame.instance == 1) & (frame.alpha > 0.999)
    n_world = (
        frame.normals_cam[mask] @ np.linalg.inv(np.linalg.inv(spec.camera.T_array())[:3, :3]).T
    )
    return frame.rgb[mask], n_world


def _brightest_normal(rgb, normals):
    lum = rgb @ np.array([0.2126, 0.7152, 0.0722])
    top = lum >= np.quantile(lum, 0.95)
    n = normals[top].mean(0)
    return n / np.linalg.norm(n)


def test_sunset_sphere_is_warm_and_lit_from_the_sun(renderer, sphere):
    hdri = shared("hdri", "venice_sunset_1k.hdr")
    sun = environment_lighting(str(hdri), 0.0, 0.0).sun_direction
    assert sun is not None
    # Look at the sphere from the side so both its lit and its shaded halves show.
    side = np.cross(sun, [0, 0, 1.0])
    rgb, n = _sphere_frame(renderer, sphere, hdri, 0.0, side / np.linalg.norm(side) + [0, 0, 0.2])
    assert len(rgb) > 500
    facing = rgb[n @ sun > 0.85].mean(0)
    away = rgb[n @ sun < -0.5].mean(0)
    assert facing[0] > 1.15 * facing[2], f"the sun-facing side should be warm, got {facing}"
    assert facing[0] / facing[2] > 1.3 * away[0] / away[2], (facing, away)
    b = _brightest_normal(rgb, n)
    assert b @ sun > 0.6, f"brightest side {b} should face the sun {sun}"
    # Rotating the HDRI by 180° about z turns the sun, and the lit side, around.
    rgb2, n2 = _sphere_frame(
        renderer, sphere, hdri, 180.0, side / np.linalg.norm(side) + [0, 0, 0.2]
    )
    b2 = _brightest_normal(rgb2, n2)
    sun2 = np.array([-sun[0], -sun[1], sun[2]])
    assert b2 @ sun2 > 0.6 and b2 @ sun < 0.2, (b2, sun2)


def test_night_sphere_is_dark(renderer, sphere):
    """Under the night HDRI the sphere is several times darker than under the sunset. (Its tint
    follows the file: this copy of moonless_golf carries warm light pollution near the horizon,
    so a physically lit white sphere comes out slightly warm, not blue; its brute-force
    irradiance integral, checked below, agrees.)"""
    night, _ = _sphere_frame(renderer, sphere, shared("hdri", "moonless_golf_1k.hdr"))
    day, _ = _sphere_frame(renderer, sphere, shared("hdri", "venice_sunset_1k.hdr"))
    lum = lambda x: float((x @ np.array([0.2126, 0.7152, 0.0722])).mean())  # noqa: E731
    assert lum(night) < lum(day) / 3


def _independent_lookup(hdr: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Bilinear equirect look-up written from the documented mapping, independently of synth3d."""
    H, W = hdr.shape[:2]
    u = (0.5 - np.arctan2(d[:, 1], d[:, 0]) / (2 * np.pi)) % 1.0
    t = 0.5 - np.arcsin(np.clip(d[:, 2], -1, 1)) / np.pi
    x, y = u * W - 0.5, t * H - 0.5
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = (x - x0)[:, None], (y - y0)[:, None]

    def px(yy, xx):
        return hdr[np.clip(yy, 0, H - 1), xx % W]

    return (1 - fy) * ((1 - fx) * px(y0, x0) + fx * px(y0, x0 + 1)) + fy * (
        (1 - fx) * px(y0 + 1, x0) + fx * px(y0 + 1, x0 + 1)
    )


@pytest.mark.parametrize(
    "name,rotation", [("venice_sunset_1k.hdr", 0.0), ("royal_esplanade_1k.hdr", 75.0)]
)
def test_background_is_the_documented_equirect_lookup(tmp_path, name, rotation):
    from synth3d.run.pipeline import render_dataset
    from synth3d.spec import SceneSpec

    hdri = shared("hdri", name)
    tpl = {
        "size": [160, 120],
        "assets": {"h": {"path": str(hdri)}},
        "camera": {
            "fov_y_deg": 40,
            "target": [0, 0, 1.0],
            "offset": {"dist": "sphere", "radius": 1.0},
            "roll_deg": 10,
        },
        "environment": {"hdri": "h", "rotation_deg": rotation, "exposure_ev": -1.0},
        "post": {"tonemap": {"operator": "reinhard", "exposure_ev": 0.5}},
    }
    render_dataset(tpl, tmp_path / "bg", n=3)
    hdr = cv2.cvtColor(
        cv2.imread(str(hdri), cv2.IMREAD_ANYDEPTH | cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB
    )
    for i in range(3):
        spec = SceneSpec.from_json((tmp_path / "bg" / "scene" / f"{i:06d}.json").read_text())
        K, T = spec.camera.K_array(), spec.camera.T_array()
        us, vs = np.meshgrid(np.arange(160.0), np.arange(120.0))
        rays = np.stack([us, vs, np.ones_like(us)], -1).reshape(-1, 3) @ np.linalg.inv(K).T
        a = math.radians(-rotation)
        Rz = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
        d = rays @ (Rz @ T[:3, :3]).T
        d /= np.linalg.norm(d, axis=1, keepdims=True)
        radiance = _independent_lookup(hdr, d) * 2.0 ** (-1.0) * 2.0**0.5
        mapped = radiance / (1 + radiance)  # Reinhard
        srgb = np.where(mapped <= 0.0031308, 12.92 * mapped, 1.055 * mapped ** (1 / 2.4) - 0.055)
        expected = np.round(np.clip(srgb, 0, 1) * 255).reshape(120, 160, 3)
        got = cv2.cvtColor(
            cv2.imread(str(tmp_path / "bg" / "rgb" / f"{i:06d}.png")), cv2.COLOR_BGR2RGB
        )
        diff = np.abs(got.astype(int) - expected.astype(int)).max(axis=2)
        assert (diff <= 2).mean() > 0.99, f"frame {i}: {(diff <= 2).mean():.4f} of pixels agree"


def test_sun_shadow_falls_away_from_the_sun(tmp_path):
    """On a shadow catcher under the project's clear-sky HDRI, the box's shadow lies on the
    side opposite the sun's azimuth, and the sun is where the background shows it."""
    import trimesh

    from synth3d.frame import Frame  # noqa: F401
    from synth3d.run.pipeline import render_dataset
    from synth3d.spec import SceneSpec

    box = tmp_path / "post.obj"
    trimesh.creation.box(extents=[0.05, 0.05, 0.3]).export(box)
    hdri = REPO / "hdri" / "sky_sun_45.hdr"
    for rotation in (0.0, 120.0):
        tpl = {
            "size": [160, 120],
            "assets": {"b": {"path": str(box)}, "h": {"path": str(hdri)}},
            "camera": {
                "fov_y_deg": 60,
                "target": [0, 0, 0],
                "offset": [0.0, 0.0, 1.6],
                "roll_deg": 0,
            },
            "environment": {"hdri": "h", "rotation_deg": rotation, "shadow_catcher": True},
            "objects": [
                {"name": "b", "assets": "b", "placement": {"mode": "world", "position": [0, 0, 0]}}
            ],
        }
        out = tmp_path / f"r{int(rotation)}"
        render_dataset(tpl, out, n=1)
        spec = SceneSpec.from_json((out / "scene" / "000000.json").read_text())
        sun = environment_lighting(str(hdri), rotation, 0.0).sun_direction
        # Where the shadow is: darkened ground pixels (background, not the box) → ground points.
        from synth3d.render.renderer import Renderer

        with Renderer(160, 120) as r:
            frame = r.render(spec)
        shade = (frame.instance == 0) & (frame.alpha > 0.3)
        assert shade.sum() > 30, "the box should cast a visible shadow on the catcher"
        K, T = spec.camera.K_array(), spec.camera.T_array()
        vs, us = np.nonzero(shade)
        rays = np.stack([us, vs, np.ones_like(us)], -1).astype(float) @ np.linalg.inv(K).T
        d = rays @ T[:3, :3].T
        ground = T[:3, 3] + d * (-T[2, 3] / d[:, 2])[:, None]
        offset = ground[:, :2].mean(0)
        azimuth_sun = math.atan2(sun[1], sun[0])
        azimuth_shadow = math.atan2(offset[1], offset[0])
        diff = abs((azimuth_shadow - azimuth_sun + math.pi) % (2 * math.pi) - math.pi)
        assert diff > math.radians(160), (math.degrees(azimuth_sun), math.degrees(azimuth_shadow))
        # The sun disc's azimuth in the rotated HDRI is the light's azimuth.
        expected = math.radians(135.0 + rotation)
        assert abs((azimuth_sun - expected + math.pi) % (2 * math.pi) - math.pi) < math.radians(3)


@pytest.mark.parametrize(
    "name", ["venice_sunset_1k.hdr", "royal_esplanade_1k.hdr", "moonless_golf_1k.hdr"]
)
def test_ambient_plus_sun_match_brute_force_irradiance(name):
    """SH9 ambient + extracted sun reproduce the irradiance integral of the full-resolution map
    (the radiance of a white diffuse surface) for normals all around."""
    from synth3d.envmap import pixel_directions, sh9_basis

    path = str(shared("hdri", name))
    hdr = cv2.cvtColor(
        cv2.imread(path, cv2.IMREAD_ANYDEPTH | cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB
    ).astype(np.float64)
    d, dw = pixel_directions(hdr.shape[1], hdr.shape[0])
    lit = environment_lighting(path, 30.0, 0.5)
    rng = np.random.Generator(np.random.PCG64(3))
    a = np.radians(-30.0)
    Rz = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    normals = rng.normal(size=(12, 3))
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    exact, ours = [], []
    for n in normals:
        m = Rz @ n  # the file's direction that rotation by 30° brings to n
        exact.append((hdr * (np.maximum(d @ m, 0) * dw)[..., None]).sum((0, 1)) / np.pi * 2**0.5)
        o = sh9_basis(n) @ lit.sh
        if lit.sun_direction is not None:
            o = o + lit.sun_intensity * max(float(n @ lit.sun_direction), 0.0)
        ours.append(o)
    exact, ours = np.array(exact), np.array(ours)
    # Nine SH coefficients cannot follow every bump of the irradiance: within 5 % of its range.
    assert np.abs(ours - exact).max() <= 0.05 * exact.max(), (
        np.abs(ours - exact).max() / exact.max()
    )


def test_exr_environment_and_backplate(tmp_path):
    """An OpenEXR map loads (OpenCV's EXR support is switched on by synth3d) and a uniform map
    gives a uniform background of its exact colour; a backplate shows its photo, centre-cropped."""
    from synth3d.run.pipeline import render_dataset

    env = np.zeros((32, 64, 3), np.float32)
    env[:] = (0.25, 0.5, 0.125)  # linear RGB
    cv2.imwrite(str(tmp_path / "flat.exr"), cv2.cvtColor(env, cv2.COLOR_RGB2BGR))
    tpl = {
        "size": [64, 48],
        "assets": {"h": {"path": str(tmp_path / "flat.exr")}},
        "environment": {"hdri": "h"},
    }
    render_dataset(tpl, tmp_path / "exr", n=1)
    rgb = cv2.cvtColor(cv2.imread(str(tmp_path / "exr/rgb/000000.png")), cv2.COLOR_BGR2RGB)
    srgb = [round((1.055 * c ** (1 / 2.4) - 0.055) * 255) for c in (0.25, 0.5, 0.125)]
    assert np.all(np.abs(rgb.astype(int) - srgb) <= 1)

    photo = REPO / "cutouts" / "backgrounds" / "street.jpg"
    tpl = {
        "size": [64, 48],
        "assets": {"h": {"path": str(tmp_path / "flat.exr")}, "p": {"path": str(photo)}},
        "environment": {"hdri": "h", "backplate": "p"},
    }
    render_dataset(tpl, tmp_path / "plate", n=1)
    got = cv2.imread(str(tmp_path / "plate/rgb/000000.png")).astype(int)
    want = cv2.resize(cv2.imread(str(photo)), (64, 48), interpolation=cv2.INTER_AREA).astype(int)
    assert np.abs(got - want).mean() < 3  # 640×480 photo → 64×48 frame: same aspect, no crop


@pytest.mark.parametrize("rough_level", [2, 4])
def test_rough_specular_level_is_the_ggx_lobe_mean(tmp_path, rough_level):
    """A rough level of the specular map equals the GGX-lobe mean of the map (n = v = R), checked
    by importance sampling the lobe (half vectors drawn from D, reflected), an estimator
    independent of the exact texel sum the prefilter uses. The map: dim sky, a bright 20°
    patch; the directions: at the patch, beside it (the lobe's tails) and far away."""
    from synth3d.envmap import SPECULAR_LEVELS, pixel_directions, prefiltered_environment

    w, h = 256, 128
    d, _ = pixel_directions(w, h)
    patch_dir = np.array([0.6, 0.0, 0.8])
    env = np.full((h, w, 3), 0.5, np.float32)
    env[(d @ patch_dir) > math.cos(math.radians(10))] = 20.0
    env[..., 2] *= 0.5  # colours stay apart
    path = tmp_path / "patch.exr"
    cv2.imwrite(str(path), env[..., ::-1])
    rough = rough_level / (SPECULAR_LEVELS - 1)
    level = prefiltered_environment(str(path))[rough_level]
    lh, lw = level.shape[:2]
    rng = np.random.default_rng(0)
    a2 = rough**4
    for R in (patch_dir, np.array([0.0, 0.6, 0.8]), np.array([-0.8, 0.0, -0.6])):
        R = R / np.linalg.norm(R)
        # GGX half vectors about R: cos²θ = (1 − u) / (1 + (a² − 1) u); L = reflect(−R, H).
        u1, u2 = rng.random(200_000), rng.random(200_000)
        c2 = (1 - u1) / (1 + (a2 - 1) * u1)
        ct, st, ph = np.sqrt(c2), np.sqrt(1 - c2), 2 * np.pi * u2
        t1 = np.cross(R, [0.0, 0.0, 1.0] if abs(R[2]) < 0.9 else [1.0, 0.0, 0.0])
        t1 /= np.linalg.norm(t1)
        t2 = np.cross(R, t1)
        H = (st * np.cos(ph))[:, None] * t1 + (st * np.sin(ph))[:, None] * t2 + ct[:, None] * R
        L = 2 * (H @ R)[:, None] * H - R
        nl = L @ R
        uu = ((0.5 - np.arctan2(L[:, 1], L[:, 0]) / (2 * np.pi)) * w).astype(int) % w
        tt = np.clip(((0.5 - np.arcsin(np.clip(L[:, 2], -1, 1)) / np.pi) * h).astype(int), 0, h - 1)
        ok = nl > 0
        expected = (env[tt[ok], uu[ok]] * nl[ok, None]).sum(0) / nl[ok].sum()
        ru = (0.5 - math.atan2(R[1], R[0]) / (2 * math.pi)) * lw - 0.5
        rt = (0.5 - math.asin(R[2]) / math.pi) * lh - 0.5
        got = cv2.getRectSubPix(level, (1, 1), (ru, rt))[0, 0]
        np.testing.assert_allclose(got, expected, rtol=0.06, atol=0.02)
