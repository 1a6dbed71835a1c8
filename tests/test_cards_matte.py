"""Keyed card cut-outs without halos: soft, unmixed edges, premultiplied filtering, erosion,
feathering; the edge profile on black and on white backgrounds."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import SCENES

OBJECT = (40, 70, 170)  # a blue disc, photographed on white


def _disc_on_white(tmp_path, size=64):
    """A disc anti-aliased onto white (drawn at 8×, area-downsampled), as a JPEG-free PNG
    without alpha: a product photo on white."""
    big = np.full((size * 8, size * 8, 3), 255, np.uint8)
    cv2.circle(big, (size * 4, size * 4), size * 3, OBJECT[::-1], -1)
    img = cv2.resize(big, (size, size), interpolation=cv2.INTER_AREA)
    path = tmp_path / "disc_on_white.png"
    cv2.imwrite(str(path), img)
    return path


def _render(tmp_path, card, background: str, matte=None, name="o"):
    from synth3d.run.pipeline import render_dataset

    asset = {"path": str(card), "alpha": "key", "key_threshold": 0.06}
    if matte is not None:
        asset["matte"] = matte
    tpl = {
        "size": [128, 128],
        "assets": {"c": asset},
        "camera": {"target": [0, 0, 0], "offset": [0, -3, 0]},
        "environment": {"color": background},
        "objects": [
            {
                "name": "c",
                "assets": "c",
                "screen_height": 0.5,
                "placement": {"mode": "screen", "point": [0.5, 0.5], "distance": 2},
            }
        ],
    }
    out = tmp_path / name
    render_dataset(tpl, out, n=1)
    return cv2.cvtColor(cv2.imread(str(out / "rgb/000000.png")), cv2.COLOR_BGR2RGB).astype(int)


def _ring(rgb: np.ndarray, bg: np.ndarray) -> float:
    """Worst excursion (codes) of any pixel on the profiles across the disc's edge (the centre
    row and column, both sides) beyond the range spanned by the disc's inside and the
    background: > 0 means a ring lighter or darker than both."""
    H, W = rgb.shape[:2]
    c = H // 2
    profiles = [rgb[c, : c + 1], rgb[c, c:][::-1], rgb[: c + 1, c], rgb[c:, c][::-1]]
    worst = 0.0
    for prof in profiles:  # from the image border (background) to the disc's centre
        inside = prof[-1]
        lo, hi = np.minimum(inside, bg), np.maximum(inside, bg)
        worst = max(worst, float(np.max(np.maximum(prof - hi, lo - prof))))
    return worst


@pytest.mark.parametrize("background", ["#000000", "#ffffff"])
def test_keyed_card_has_no_halo_on_black_or_white(tmp_path, background):
    card = _disc_on_white(tmp_path)
    bg = np.array([int(background[i : i + 2], 16) for i in (1, 3, 5)])
    rgb = _render(tmp_path, card, background)
    assert np.abs(rgb[64, 64] - OBJECT).max() <= 2  # the disc's colour, exact inside
    assert np.all(rgb[2, 2] == bg)
    assert _ring(rgb, bg) <= 3  # no ring beyond rounding
    # the measure finds the ring of a hard key (the edge pixels kept opaque, white-mixed)
    hard = _render(tmp_path, card, background, matte={"band": 0, "spill": False}, name="hard")
    if background == "#000000":
        assert _ring(hard, bg) > 15


def test_matte_erosion_and_feathering_in_pixels(tmp_path):
    from synth3d.assets.catalog import load_card_rgba

    card = str(_disc_on_white(tmp_path))
    base = load_card_rgba(card, "key", (1.0, 1.0, 1.0), 0.06)[..., 3].astype(float) / 255
    er = (
        load_card_rgba(card, "key", (1.0, 1.0, 1.0), 0.06, (0.15, 2, True, 3.0, 0.0))[
            ..., 3
        ].astype(float)
        / 255
    )
    # the disc's radius is 24 px: its area shrinks to about (24-3)² π
    assert base.sum() == pytest.approx(np.pi * 24**2, rel=0.03)
    assert er.sum() == pytest.approx(np.pi * 21**2, rel=0.04)
    fe = (
        load_card_rgba(card, "key", (1.0, 1.0, 1.0), 0.06, (0.15, 2, True, 0.0, 4.0))[
            ..., 3
        ].astype(float)
        / 255
    )
    row = fe[32]
    ramp = np.flatnonzero((row > 0.05) & (row < 0.95))
    assert 5 <= ramp.size // 2 <= 10  # each side's 5–95 % ramp is ~3.3σ = 6.6 px wide
    assert fe.sum() == pytest.approx(base.sum(), rel=0.03)  # a blur keeps the coverage


def test_key_unmixes_edge_colours():
    from synth3d.assets.matting import key_matte, premultiply_srgb

    # an edge pixel that is 30 % object, 70 % white: alpha 0.3 and the object's colour
    img = np.full((9, 9, 3), 255, np.uint8)
    img[2:7, 2:7] = OBJECT
    mixed = np.round(0.3 * np.array(OBJECT) + 0.7 * 255).astype(np.uint8)
    img[4, 7] = mixed
    rgb, a = key_matte(img, (1.0, 1.0, 1.0), 0.06)
    assert a[4, 7] == pytest.approx(0.3, abs=0.01)
    assert np.abs(rgb[4, 7].astype(int) - OBJECT).max() <= 2
    assert a[0, 0] == 0 and a[4, 4] == 1
    rgba = np.dstack([rgb, np.round(a * 255).astype(np.uint8)])
    pm = premultiply_srgb(rgba)
    assert np.array_equal(pm[4, 4], rgba[4, 4])  # opaque texels unchanged
    assert np.all(pm[0, 0, :3] == 0)  # transparent texels carry no colour


def test_card_size_per_asset_from_pixel_size_on_the_article_sprites(tmp_path):
    from conftest import shared

    from synth3d.run.pipeline import render_dataset

    root = shared("sprites")
    out = tmp_path / "art"
    render_dataset(
        SCENES / "sprites-article.yaml",
        out,
        n=6,
        seed=1,
        size=(320, 180),
        overrides=[f"asset_root={root}"],
    )
    seen = set()
    for i in range(6):
        inst = cv2.imread(str(out / "instance" / f"{i:06d}.png"), cv2.IMREAD_UNCHANGED)
        import json

        from synth3d.assets.roots import read_scene

        # the written SceneSpec, its portable @ROOT asset paths resolved to files
        spec = json.loads(read_scene(out / "scene" / f"{i:06d}.json").to_json())
        for o in spec["objects"]:
            img = cv2.imread(o["asset"], cv2.IMREAD_UNCHANGED)
            # the quad's height on screen: native pixels / 1078 of the frame height
            want = img.shape[0] / 1078 * 180
            K = np.array(spec["camera"]["K"])
            T = np.linalg.inv(np.array(spec["camera"]["T_world_cam"]))
            corners = np.array(o["corners_world"])
            cam = corners @ T[:3, :3].T + T[:3, 3]
            px = (cam @ K.T)[:, 1] / cam[:, 2]
            assert px.max() - px.min() == pytest.approx(want, rel=1e-6)
            # and the mask (the sprite's opaque pixels) fits inside it
            rows = np.flatnonzero((inst == o["id"]).any(1))
            if rows.size:
                assert rows.max() - rows.min() + 1 <= want + 1
            seen.add(Path(o["asset"]).stem)
    assert len(seen) >= 3


def test_card_sizes_table_and_errors(tmp_path):
    from synth3d.errors import Synth3dError
    from synth3d.run.pipeline import Scenes

    card = _disc_on_white(tmp_path)
    (tmp_path / "sizes.csv").write_text("stem,height\ndisc_on_white,0.25\n")
    tpl = {
        "size": [64, 64],
        "asset_root": str(tmp_path),
        "assets": {"c": {"path": str(card), "sizes": "sizes.csv"}},
        "camera": {"target": [0, 0, 0], "offset": [0, -3, 0]},
        "objects": [
            {
                "name": "c",
                "assets": "c",
                "scale": 2.0,
                "placement": {"mode": "screen", "point": [0.5, 0.5], "distance": 2},
            }
        ],
    }
    spec = Scenes(tpl).sample(0, 0)
    K = np.array(spec.camera.K)
    h = spec.objects[0].card_size[1]
    assert h * K[1, 1] / 2.0 == pytest.approx(0.25 * 2.0 * 64, rel=1e-6)  # 2 × a quarter frame
    (tmp_path / "sizes.csv").write_text("stem,height\nother,0.25\n")
    with pytest.raises(
        Synth3dError,
        match=r"^assets.c.sizes: 'sizes.csv' has no height for "
        r"'disc_on_white'$",
    ):
        Scenes(tpl)
    tpl["objects"][0]["screen_height"] = 0.3
    with pytest.raises(Synth3dError, match=r"^objects\[0\].screen_height: asset set 'c' sizes"):
        Scenes(tpl)
