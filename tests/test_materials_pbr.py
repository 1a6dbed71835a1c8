"""Materials rendered and measured: normal maps (derived and stored tangents), metallic-roughness,
emissive and occlusion textures, OBJ bump and dissolve, alpha MASK/BLEND, glass (transmission),
and the labels of transparent objects (docs/template-reference.md, "Transparent objects").

Assets are written on the fly (tests/materials_scenes.py); scenes are seen straight from above
by a narrow camera, so the view direction is almost +z everywhere."""

from __future__ import annotations

import numpy as np
import pytest
from materials_scenes import (
    checker_obj,
    ggx_radiance,
    image,
    normal_texel,
    obj,
    rotate_uv,
    scene,
    sun,
    top_camera,
    translate,
    write_glb,
    write_quad_obj,
)

from synth3d.spec import MaterialSpec

S = 64
VIEW = np.array([0.0, 0.0, 1.0])
L = np.array([0.7, -0.5, 0.6])


@pytest.fixture(scope="module")
def renderer():
    from synth3d.render.renderer import Renderer

    with Renderer(S, S) as r:
        yield r


def _inner(mask: np.ndarray, margin: int = 3) -> np.ndarray:
    """The mask eroded by ``margin`` pixels (away from anti-aliased edges)."""
    import cv2

    return cv2.erode(mask.astype(np.uint8), np.ones((2 * margin + 1,) * 2, np.uint8)) > 0


def _halves(mask: np.ndarray):
    """The left and right halves (image columns; image x = world x = +u) of a mask, each kept
    four pixels away from the middle column."""
    cols = np.arange(mask.shape[1])[None, :]
    mid = S / 2 - 0.5
    return mask & (cols < mid - 4), mask & (cols > mid + 4)


# ---------------------------------------------------------------------------------- normal maps

TILT = np.radians(40.0)
TN = np.array([np.sin(TILT), 0.0, np.cos(TILT)])  # tangent-space normal leaning towards +u


@pytest.mark.parametrize(
    "uv_turns, tangent, sign, world_normal",
    [
        # derived frame (no stored tangents): +u is world +x, or world −y with the UVs turned
        (0, None, 1, (np.sin(TILT), 0.0, np.cos(TILT))),
        (0, None, -1, (-np.sin(TILT), 0.0, np.cos(TILT))),
        (1, None, 1, (0.0, -np.sin(TILT), np.cos(TILT))),
        (1, None, -1, (0.0, np.sin(TILT), np.cos(TILT))),
        # stored tangents that agree with the turned UVs (T = +u = −y, B = N × T = +x = +v)
        (1, (0.0, -1.0, 0.0, 1.0), 1, (0.0, -np.sin(TILT), np.cos(TILT))),
        # stored tangents that disagree with the UVs win: T = +y although +u is +x
        (0, (0.0, 1.0, 0.0, 1.0), 1, (0.0, np.sin(TILT), np.cos(TILT))),
        # handedness w = −1 mirrors the bitangent only: the u-tilt keeps following T
        (0, (0.0, 1.0, 0.0, -1.0), 1, (0.0, np.sin(TILT), np.cos(TILT))),
    ],
)
def test_normal_map_shading_follows_the_tangent_space_normal(
    tmp_path, renderer, uv_turns, tangent, sign, world_normal
):
    """A flat quad whose normal map encodes one tilted tangent-space normal is shaded as the
    analytic BRDF of the world normal that the tangent frame (from the UVs, or stored glTF
    tangents) makes of it; the unperturbed normal and the mirrored tilt give other values."""
    n_t = TN * [sign, 1, 1]
    asset = write_glb(
        tmp_path / "q.glb",
        uv=rotate_uv(np.array([[0.0, 0], [1, 0], [1, 1], [0, 1]]), uv_turns),
        tangent=tangent,
        material={"normalTexture": image(normal_texel(n_t))},
    )
    frame = renderer.render(scene([obj(1, asset)], [sun(L)]))
    m = _inner(frame.instance == 1)
    assert m.sum() > 900
    got = frame.rgb[m].mean(0)
    want = ggx_radiance(world_normal, L, VIEW)
    assert np.allclose(got, want, rtol=0.02, atol=0.005), (got, want)
    assert frame.rgb[m].std(0).max() < 0.01  # one normal everywhere
    mirrored = np.asarray(world_normal) * [-1, -1, 1]
    for other in ((0.0, 0.0, 1.0), mirrored):
        assert abs(ggx_radiance(other, L, VIEW) - got[0]) > 0.05
    # brighter exactly when the perturbed normal leans towards the light
    flat = ggx_radiance((0, 0, 1), L, VIEW)
    assert (got[0] > flat) == (np.dot(world_normal, L) > np.dot((0, 0, 1), L))


def test_normal_texture_scale_from_gltf(tmp_path, renderer):
    """glTF normalTexture.scale scales the tangent-space x and y (scale 0: the flat normal)."""
    asset = write_glb(
        tmp_path / "q.glb",
        material={"normalTexture": image(normal_texel(TN))},
        normal_scale=0.0,
    )
    frame = renderer.render(scene([obj(1, asset)], [sun(L)]))
    got = frame.rgb[_inner(frame.instance == 1)].mean(0)
    assert np.allclose(got, ggx_radiance((0, 0, 1), L, VIEW), rtol=0.02)


def test_duck_with_generated_normal_map_renders(tmp_path, renderer):
    """A real glTF file (no stored tangents) with a normal map added renders with the derived
    frame; its shading changes and stays finite."""
    import trimesh
    from conftest import shared

    duck = trimesh.load(shared("meshes", "Duck.glb"), force="mesh")
    duck.apply_scale(0.15 / duck.extents.max())
    duck.apply_translation(-duck.bounds.mean(0))
    ripples = np.indices((32, 32))[1] / 32.0 * 4 * np.pi
    n = np.dstack([0.5 * np.sin(ripples), np.zeros_like(ripples), np.ones_like(ripples)])
    n /= np.linalg.norm(n, axis=2, keepdims=True)
    tex = np.round((n * 0.5 + 0.5) * 255).astype(np.uint8)
    plain = write_glb(tmp_path / "plain.glb", mesh=duck)
    bumpy = write_glb(tmp_path / "bumpy.glb", mesh=duck, material={"normalTexture": image(tex)})
    a = renderer.render(scene([obj(1, plain)], [sun(L)], ambient=(0.2,) * 3))
    b = renderer.render(scene([obj(1, bumpy)], [sun(L)], ambient=(0.2,) * 3))
    m = (a.instance == 1) & (b.instance == 1)
    assert m.sum() > 300 and np.isfinite(b.rgb).all()
    assert np.abs(a.rgb[m] - b.rgb[m]).mean() > 0.02


# ------------------------------------------------------- metallic-roughness, emissive, occlusion


def _half_texture(left, right, size=8) -> np.ndarray:
    """(size, size, 3) uint8: ``left`` on columns u < 0.5, ``right`` on the others."""
    t = np.empty((size, size, 3), np.uint8)
    t[:, : size // 2], t[:, size // 2 :] = left, right
    return t


def test_metallic_roughness_texture_channels(tmp_path, renderer):
    """glTF metallicRoughnessTexture: G scales roughness, B metalness. Light and view along +z
    (a mirror highlight): a smooth dielectric half is far brighter than a rough one, as the
    analytic GGX says; a metal half has no diffuse term."""
    rough = write_glb(
        tmp_path / "rough.glb",
        material={
            "metallicFactor": 1.0,
            "roughnessFactor": 1.0,
            "metallicRoughnessTexture": image(_half_texture((0, 77, 0), (0, 255, 0))),
        },
    )
    frame = renderer.render(scene([obj(1, rough)], [sun((0, 0, 1))]))
    left, right = _halves(_inner(frame.instance == 1))
    want_smooth = ggx_radiance((0, 0, 1), (0, 0, 1), VIEW, rough=77 / 255)
    want_rough = ggx_radiance((0, 0, 1), (0, 0, 1), VIEW, rough=1.0)
    # the highlight's centre is where the half-vector meets the normal: compare near it
    assert frame.rgb[left].max() == pytest.approx(want_smooth, rel=0.05)
    assert frame.rgb[right].mean() == pytest.approx(want_rough, rel=0.02)
    assert want_smooth > 2 * want_rough

    metal = write_glb(
        tmp_path / "metal.glb",
        material={
            "baseColorFactor": [255, 255, 255, 255],
            "metallicFactor": 1.0,
            "roughnessFactor": 1.0,
            "metallicRoughnessTexture": image(_half_texture((0, 255, 255), (0, 255, 0))),
        },
    )
    frame = renderer.render(scene([obj(1, metal)], [sun(L)]))
    left, right = _halves(_inner(frame.instance == 1))
    assert frame.rgb[right].mean() == pytest.approx(ggx_radiance((0, 0, 1), L, VIEW), rel=0.02)
    # a rough white metal reflects only its (GGX) specular lobe: F0 = 1, no diffuse
    assert frame.rgb[left].mean() < 0.6 * frame.rgb[right].mean()


def test_emissive_texture_lights_exactly_its_half(tmp_path, renderer):
    """No light at all: only the emissive half of the quad has radiance, emissiveFactor × the
    (sRGB) texel."""
    asset = write_glb(
        tmp_path / "e.glb",
        material={
            "baseColorFactor": [0, 0, 0, 255],
            "emissiveFactor": [1.0, 0.5, 0.25],
            "emissiveTexture": image(_half_texture((255, 255, 255), (0, 0, 0))),
        },
    )
    frame = renderer.render(scene([obj(1, asset)]))
    left, right = _halves(_inner(frame.instance == 1))
    assert np.allclose(frame.rgb[left], [1.0, 0.5, 0.25], atol=0.005)
    assert np.abs(frame.rgb[right]).max() < 1e-3


@pytest.mark.parametrize("strength", [1.0, 0.5])
def test_occlusion_texture_darkens_indirect_light_only(tmp_path, renderer, strength):
    """glTF occlusionTexture (R, × strength) multiplies the ambient light and leaves a
    directional light alone."""
    occ = 1.0 + strength * (128 / 255 - 1.0)
    asset = write_glb(
        tmp_path / "o.glb",
        material={"occlusionTexture": image(_half_texture((128, 255, 255), (255, 0, 0)))},
        occlusion_strength=strength,
    )
    ambient = renderer.render(scene([obj(1, asset)], ambient=(0.5, 0.5, 0.5)))
    left, right = _halves(_inner(ambient.instance == 1))
    ratio = ambient.rgb[left].mean(0) / ambient.rgb[right].mean(0)
    assert np.allclose(ratio, occ, atol=0.01), (ratio, occ)
    direct = renderer.render(scene([obj(1, asset)], [sun(L)]))
    left, right = _halves(_inner(direct.instance == 1))
    assert np.allclose(direct.rgb[left].mean(0), direct.rgb[right].mean(0), rtol=0.005)


# ------------------------------------------------------------------------------------ OBJ .mtl


def test_obj_bump_map_shades_its_slopes(tmp_path, renderer):
    """An OBJ with a ``bump`` height map (a ridge: rising on the left half, falling on the
    right) is shaded by the normals of its slopes (synth3d.assets.mtl.normal_map, which has its
    own test): each half matches the analytic BRDF of its normal; without the map it is flat."""
    from PIL import Image

    from synth3d.assets.mtl import normal_map

    u = np.linspace(0.0, 1.0, 64)
    ridge = np.tile(np.round(255 * (1 - 2 * np.abs(u - 0.5))), (64, 1)).astype(np.uint8)
    Image.fromarray(ridge, "L").save(tmp_path / "h.png")
    bumpy = write_quad_obj(tmp_path, "bumpy", "bump -bm 2 h.png\n")
    flat = write_quad_obj(tmp_path, "flat", "")
    light = (1.0, 0.0, 1.0)
    frame = renderer.render(scene([obj(1, bumpy, roughness=1.0)], [sun(light)]))
    left, right = _halves(_inner(frame.instance == 1, 4))
    nm = normal_map(str(tmp_path / "h.png"), 2.0).astype(float) / 255 * 2 - 1
    for half, cols in ((left, range(6, 26)), (right, range(38, 58))):
        want = np.mean([ggx_radiance(nm[32, c], light, VIEW) for c in cols])  # 8-bit steps
        assert frame.rgb[half].mean() == pytest.approx(want, rel=0.03)
    assert frame.rgb[left].mean() < frame.rgb[right].mean() - 0.1  # left faces away from +x
    plain = renderer.render(scene([obj(1, flat, roughness=1.0)], [sun(light)]))
    assert plain.rgb[_inner(plain.instance == 1)].std() < 0.005


def test_obj_dissolve_blends_and_is_labelled_whole(tmp_path, renderer):
    """``d 0.5`` (and ``d 0.2``, below the MASK cutoff): the quad's colour blends with what is
    behind by exactly d, and its label is its full silhouette with its own depth."""
    back = write_quad_obj(tmp_path, "back", "", size=0.3)
    for d in (0.5, 0.2):
        front = write_quad_obj(tmp_path, f"d{d}", f"Kd 1 0 0\nd {d}\n")
        objs = [obj(1, front, translate(z=0.1), unlit=True), obj(2, back, unlit=True)]
        alone = renderer.render(scene(objs[1:]))
        frame = renderer.render(scene(objs, camera=top_camera(S)), amodal=True)
        m = _inner(frame.amodal[0])
        want = d * np.array([1.0, 0.0, 0.0]) + (1 - d) * alone.rgb[m]
        assert np.allclose(frame.rgb[m], want, atol=0.01)
        assert np.array_equal(frame.instance == 1, frame.amodal[0])  # the whole silhouette
        assert np.allclose(frame.depth_m[frame.instance == 1], 0.9, atol=1e-4)
        assert (frame.instance == 2).sum() == frame.amodal[1].sum() - frame.amodal[0].sum()


def test_obj_alpha_map_cuts_and_labels_only_what_is_drawn(tmp_path, renderer):
    """``map_d`` 0 on the left half, 255 on the right: the left half is not drawn and not
    labelled (background shows, depth 0); the right half is opaque and labelled."""
    from PIL import Image

    a = np.zeros((16, 16), np.uint8)
    a[:, 8:] = 255
    Image.fromarray(a, "L").save(tmp_path / "a.png")
    quad = write_quad_obj(tmp_path, "cut", "Kd 0 1 0\nmap_d a.png\n")
    frame = renderer.render(scene([obj(1, quad, unlit=True)]))
    inside = np.zeros((S, S), bool)
    inside[12:-12, 12:-12] = True  # (texture wrap blends the edge texels with the other side)
    left, right = _halves(inside)
    assert (frame.instance[left] == 0).all() and (frame.depth_m[left] == 0).all()
    assert (frame.alpha[left] == 0).all()
    # labelled exactly where it is drawn at all (a blended material: alpha > 0)
    assert np.array_equal((frame.instance == 1)[left | right], (frame.alpha > 0)[left | right])
    assert (frame.instance[right] == 1).all()
    assert np.allclose(frame.rgb[right], [0, 1, 0], atol=0.005)
    assert np.allclose(frame.alpha[right], 1.0, atol=1e-3)


# --------------------------------------------------------------------------- alpha MASK / BLEND


def _alpha_halves(a_left: int, a_right: int) -> np.ndarray:
    t = np.empty((8, 8, 4), np.uint8)
    t[..., :3] = 255
    t[:, :4, 3], t[:, 4:, 3] = a_left, a_right
    return t


def test_gltf_alpha_mask_cuts_at_the_cutoff(tmp_path, renderer):
    """MASK: texels below alphaCutoff are neither drawn nor labelled; those above are opaque."""
    asset = write_glb(
        tmp_path / "m.glb",
        material={
            "baseColorTexture": image(_alpha_halves(100, 200)),
            "alphaMode": "MASK",
            "alphaCutoff": 0.5,
        },
    )
    frame = renderer.render(scene([obj(1, asset, unlit=True)]))
    inside = np.zeros((S, S), bool)
    inside[10:-10, 10:-10] = True
    left, right = _halves(inside)
    assert (frame.instance[left] == 0).all() and (frame.alpha[left] == 0).all()
    assert (frame.instance[right] == 1).all()
    assert np.allclose(frame.alpha[right], 1.0, atol=1e-3)
    assert np.allclose(frame.depth_m[right], 1.0, atol=1e-4)


def test_gltf_alpha_blend_is_see_through_and_labelled_whole(tmp_path, renderer):
    """BLEND: coverage = texel alpha (0.39 and 0.78 here), and both halves are labelled — the
    mask is the object's full silhouette, as documented."""
    asset = write_glb(
        tmp_path / "b.glb",
        material={"baseColorTexture": image(_alpha_halves(100, 200)), "alphaMode": "BLEND"},
    )
    frame = renderer.render(scene([obj(1, asset, unlit=True)]), amodal=True)
    left, right = _halves(_inner(frame.amodal[0]))
    assert np.allclose(frame.alpha[left], 100 / 255, atol=0.005)
    assert np.allclose(frame.alpha[right], 200 / 255, atol=0.005)
    assert np.allclose(frame.rgb[left], 100 / 255, atol=0.005)  # premultiplied white
    assert np.array_equal(frame.instance == 1, frame.amodal[0])


# --------------------------------------------------------------------------- glass / transmission


def _grey_backdrop(tmp_path):
    return write_quad_obj(tmp_path, "grey", "Kd 0.5 0.5 0.5\n", size=0.3)


@pytest.mark.parametrize("source", ["template", "gltf"])
def test_glass_pane_transmits_tinted_light(tmp_path, renderer, source):
    """A flat glass pane (transmission 1) over an evenly lit grey plane, seen head-on: each
    pixel is the plane's radiance × the base colour × (1 − Fresnel), F0 = ((ior − 1)/(ior + 1))²
    — from the template's material fields, or from the glTF's KHR_materials_transmission and
    KHR_materials_ior."""
    tint, ior = np.array([1.0, 0.6, 0.3]), 1.8
    back = _grey_backdrop(tmp_path)
    c8 = list(np.round(np.array([1.0, 0.6, 0.3]) ** (1 / 2.2) * 255).astype(int))
    if source == "gltf":
        pane = write_glb(
            tmp_path / "glass.glb",
            material={"baseColorFactor": [*c8, 255], "roughnessFactor": 0.3},
            extensions={
                "KHR_materials_transmission": {"transmissionFactor": 1.0},
                "KHR_materials_ior": {"ior": ior},
            },
        )
        mat = MaterialSpec(base_color=None)
    else:
        pane = write_glb(tmp_path / "pane.glb", material={"roughnessFactor": 0.3})
        mat = MaterialSpec(base_color=[*tint, 1.0], transmission=1.0, ior=ior)
    glass = obj(1, pane, translate(z=0.1), material=mat)
    plane = obj(2, back, unlit=True)
    frame = renderer.render(scene([glass, plane]), amodal=True)
    alone = renderer.render(scene([plane]))
    m = _inner(frame.amodal[0])
    base = tint if source == "template" else np.array(c8) / 255.0  # glTF factors are linear
    f0 = ((ior - 1) / (ior + 1)) ** 2
    got = frame.rgb[m] / alone.rgb[m]
    # head-on within the narrow view: 1 − F is (1 − F0) to better than 0.1 %
    assert np.allclose(got, base * (1 - f0), atol=0.01), (got.mean(0), base * (1 - f0))
    assert np.allclose(frame.alpha[m], 1.0, atol=1e-3)
    # transmission 0 overrides the file: an opaque dielectric (no light in the scene: black)
    opaque = renderer.render(scene([obj(1, pane, translate(z=0.1), transmission=0.0), plane]))
    assert opaque.rgb[m].max() < 0.01


def test_glass_over_nothing_lets_the_background_through(tmp_path, renderer):
    """With nothing drawn behind it, clear glass leaves transparency (alpha 1 − T·(1 − F)), so
    compositing shows the background through it."""
    pane = write_glb(tmp_path / "pane.glb")
    frame = renderer.render(scene([obj(1, pane, transmission=1.0, ior=1.5)]))
    m = _inner(frame.instance == 1)
    assert np.allclose(frame.alpha[m], 0.04, atol=0.005)
    assert frame.rgb[m].max() < 0.01


def test_glass_sphere_refracts_and_labels_follow_the_documented_semantics(tmp_path, renderer):
    """A glass sphere in front of an opaque checker plane. Pixels: inside the sphere the checker
    is seen, displaced (refracted) — different from both the plane alone and an opaque sphere.
    Labels: the sphere's instance mask is its full silhouette (= its amodal mask), its depth is
    its front surface (ray-sphere intersection), the plane behind it is occluded there
    (visib_fract = visible / amodal < 1), and boxes follow the masks."""
    import trimesh

    from synth3d.annotate.labels import object_labels

    sph = trimesh.creation.icosphere(subdivisions=4, radius=0.06)
    sph.visual = trimesh.visual.TextureVisuals(uv=np.zeros((len(sph.vertices), 2)))
    ball = write_glb(tmp_path / "ball.glb", mesh=sph)
    plane = obj(2, checker_obj(tmp_path), unlit=True)
    glass = obj(1, ball, translate(z=0.1), transmission=1.0, ior=1.5, roughness=0.1)
    cam = top_camera(96, 1.0, 20.0)
    amb = (0.3, 0.3, 0.3)
    spec = scene([glass, plane], [sun(L, 0.5)], ambient=amb, camera=cam)
    r = renderer
    frame = r.render(spec, amodal=True)
    alone = r.render(scene([plane], camera=cam))
    solid = r.render(
        scene([obj(1, ball, translate(z=0.1)), plane], [sun(L, 0.5)], ambient=amb, camera=cam)
    )
    m = _inner(frame.instance == 1, 2)
    lum = frame.rgb[..., 1]
    # the checker's dark and light squares are seen through the glass, not on the solid ball
    assert (lum[m] < 0.05).mean() > 0.1 and (lum[m] > 0.3).mean() > 0.1
    assert (solid.rgb[m][..., 1] < 0.05).mean() == 0
    assert np.abs(lum[m] - alone.rgb[..., 1][m]).mean() > 0.05  # displaced by refraction
    outside = _inner(~frame.amodal[0], 2)  # (its anti-aliased edge left out)
    assert np.allclose(frame.rgb[outside], alone.rgb[outside], atol=0.01)

    # labels
    assert np.array_equal(frame.instance == 1, frame.amodal[0])
    K, T = spec.camera.K_array(), spec.camera.T_array()
    ys, xs = np.nonzero(frame.instance == 1)
    rays = np.linalg.inv(K) @ np.vstack([xs, ys, np.ones_like(xs)])  # camera frame, z = 1
    d = T[:3, :3] @ rays
    o = T[:3, 3] - [0, 0, 0.1]
    b, c = (d * o[:, None]).sum(0), o @ o - 0.06**2
    a = (d * d).sum(0)
    t = (-b - np.sqrt(np.maximum(b * b - a * c, 0))) / a  # z along the optical axis (rays z=1)
    assert np.allclose(frame.depth_m[ys, xs], t, atol=2e-3)  # icosphere facets vs a sphere
    labels, _ = object_labels(frame, spec)
    by = {lab["id"]: lab for lab in labels}
    assert by[1]["visib_fract"] == 1.0
    assert by[1]["area"] == frame.amodal[0].sum()
    assert by[2]["visib_fract"] == pytest.approx(
        (frame.amodal[1].sum() - frame.amodal[0].sum()) / frame.amodal[1].sum()
    )
    x0, y0, w, h = by[1]["bbox"]
    assert (x0, y0, x0 + w, y0 + h) == (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)


def test_no_transmissive_object_costs_nothing(tmp_path, renderer):
    """Frames without transmission never make the copy target that glass samples."""
    from synth3d.render.renderer import Renderer

    pane = write_glb(tmp_path / "pane.glb")
    with Renderer(S, S) as r:
        r.render(scene([obj(1, pane)], [sun(L)]))
        assert "behind" not in r._targets._fbos
        r.render(scene([obj(1, pane, transmission=0.5)], [sun(L)]))
        assert "behind" in r._targets._fbos


def test_template_transmission_fields_sample_and_validate():
    """material.transmission and material.ior take constants or distributions, are range
    checked (the message names the YAML path), and reach the SceneSpec only when set: other
    objects' JSON keeps no transmission key, and the other draws do not move."""
    from conftest import SCENES

    from synth3d.errors import TemplateError
    from synth3d.run.frames import Scenes

    with pytest.raises(TemplateError, match=r"objects\[0\]\.material\.ior"):
        Scenes(SCENES / "tabletop.yaml", ["objects[0].material.ior=0.5"])
    glass = "objects[0].material={transmission: {dist: uniform, min: 0.5, max: 1.0}, ior: 1.45}"
    made = Scenes(SCENES / "tabletop.yaml", [glass])
    plain = Scenes(SCENES / "tabletop.yaml")
    for i in range(3):
        a, b = made.sampler.sample(7, i), plain.sampler.sample(7, i)
        items = [o for o in a.objects if o.name.startswith("items")]
        assert items and all(0.5 <= o.material.transmission <= 1.0 for o in items)
        assert all(o.material.ior == 1.45 for o in items)
        assert [o.T_world_asset for o in a.objects] == [o.T_world_asset for o in b.objects]
        assert '"transmission"' not in b.to_json() and '"ior"' not in b.to_json()


def test_glass_labels_in_every_format(tmp_path):
    """A tabletop whose items are glass, written as COCO, YOLO and BOP with depth and instance
    PNGs. Glass is labelled as the visible object: instance ids and depth agree with a ray cast
    of the SceneSpec that treats glass as opaque (first surface); COCO's mask, BOP's mask_visib
    and YOLO's box of a glass object are its instance-PNG pixels; BOP's visib_fract is visible /
    amodal, as for opaque objects."""
    import json

    import cv2
    from conftest import SCENES
    from geometry import boundary, raycast
    from pycocotools import mask as mask_util

    from synth3d.run.pipeline import render_dataset
    from synth3d.spec import SceneSpec

    out = tmp_path / "glass"
    W, H = 96, 72
    render_dataset(
        SCENES / "tabletop.yaml",
        out,
        n=2,
        seed=5,
        size=(W, H),
        overrides=["objects[0].material={transmission: 1.0, ior: 1.5}"],
        formats=["coco", "bop", "yolo"],
    )

    def decode(rle):
        return mask_util.decode({"size": rle["size"], "counts": rle["counts"].encode()}) > 0

    rows = [
        json.loads(x) for x in (out / "annotations" / "instances.jsonl").read_text().splitlines()
    ]
    coco = json.loads((out / "annotations" / "coco.json").read_text())
    bop = out / "bop" / "train_synth3d" / "000000"
    gt_info = json.loads((bop / "scene_gt_info.json").read_text())
    seen = 0
    for r in rows:
        i = r["index"]
        spec = SceneSpec.from_json((out / "scene" / f"{i:06d}.json").read_text())
        glass = {o.id for o in spec.objects if o.material.transmission == 1.0}
        inst = cv2.imread(str(out / "instance" / f"{i:06d}.png"), cv2.IMREAD_UNCHANGED)
        depth = cv2.imread(str(out / "depth" / f"{i:06d}.png"), cv2.IMREAD_UNCHANGED)
        depth_m = depth.astype(float) * spec.output.depth_scale / 1000.0
        rid, rdepth = raycast(spec)
        inner = ~(boundary(inst) | boundary(rid)) & np.isin(rid, list(glass))
        assert (inst == rid)[inner].mean() > 0.99
        assert (np.abs(depth_m - rdepth)[inner] < 0.002 + 0.001 * rdepth[inner]).mean() > 0.99
        yolo = (out / "yolo" / "labels" / f"{i:06d}.txt").read_text().splitlines()
        image_id = next(
            im["id"] for im in coco["images"] if im["file_name"].endswith(f"{i:06d}.png")
        )
        coco_anns = [c for c in coco["annotations"] if c["image_id"] == image_id]
        for k, a in enumerate(r["annotations"]):
            if a["id"] not in glass:
                continue
            seen += 1
            mine = inst == a["id"]
            ys, xs = np.nonzero(mine)
            box = [xs.min(), ys.min(), xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min()]
            c = next(c for c in coco_anns if c["bbox"] == a["bbox"])
            assert np.array_equal(decode(c["segmentation"]), mine) and c["bbox"] == box
            visib = cv2.imread(str(bop / "mask_visib" / f"{i:06d}_{k:06d}.png"), 0) > 0
            amodal = cv2.imread(str(bop / "mask" / f"{i:06d}_{k:06d}.png"), 0) > 0
            assert np.array_equal(visib, mine) and not (mine & ~amodal).any()
            info = gt_info[str(i)][k]
            assert info["visib_fract"] == pytest.approx(mine.sum() / amodal.sum())
            cx, cy, w, h = (float(v) for v in yolo[k].split()[1:])
            want = [(box[0] + box[2] / 2) / W, (box[1] + box[3] / 2) / H, box[2] / W, box[3] / H]
            assert np.allclose([cx, cy, w, h], want, atol=1e-4)
            assert (depth[mine] > 0).all()
    assert seen >= 2


def test_normal_map_under_an_hdri(tmp_path, renderer):
    """A normal-mapped part lit by an HDRI (reflections on) renders: before, the normal map and
    the environment cube shared a texture unit, a GL error. Under the HDRI the map still
    changes the shading."""
    from conftest import shared

    from synth3d.spec import EnvironmentSpec

    hdri = shared("hdri", "venice_sunset_1k.hdr")
    mapped = write_glb(tmp_path / "n.glb", material={"normalTexture": image(normal_texel(TN))})
    plain = write_glb(tmp_path / "p.glb")
    env = EnvironmentSpec(hdri=str(hdri), background="hdri")
    got = []
    for asset in (mapped, plain):
        spec = scene([obj(1, asset)]).model_copy(update={"environment": env})
        frame = renderer.render(spec)
        got.append(frame.rgb[_inner(frame.instance == 1)].mean(0))
    assert np.isfinite(got[0]).all() and np.abs(got[0] - got[1]).max() > 0.02
