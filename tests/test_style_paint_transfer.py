"""Stylisation passes paint and transfer: determinism, ranges, no content shift, strokes that stay
on their object, fidelity of the painting (PSNR), the Lab-histogram reduction of each transfer
method, the exported strokes (JSON, SVG, GIF), parameter validation and real images."""

from __future__ import annotations

import io
import json
import os
import xml.etree.ElementTree as ET

import cv2
import numpy as np
import pytest
from conftest import REPO, SCENES, shared
from PIL import Image
from pydantic import ValidationError

from synth3d.errors import AssetError
from synth3d.post.styles import paint, transfer
from synth3d.post.styles.base import GBuffers
from synth3d.post.styles.transfer import lab_hist_distance

BRUSHES = ["oil", "watercolour", "marker", "tape"]
METHODS = ["reinhard", "histogram", "sliced"]
TEXTURES = REPO / "textures"  # the project's own generated textures (always present)


def _frame(index: int, size: int = 256):
    from synth3d.render.renderer import Renderer
    from synth3d.run.pipeline import Scenes, process, render_frame

    sc = Scenes(SCENES / "tabletop.yaml", size=(size, size))
    with Renderer(size, size) as r:
        spec, frame = render_frame(r, sc, seed=0, index=index)
    img = process(frame, spec).rgb.astype(np.float32) / 255.0
    return img, GBuffers(frame.depth_m, frame.instance, spec.camera.K_array())


@pytest.fixture(scope="module")
def frame():
    """A tabletop frame at 256×256: a green vase, a chair, a cup and robots on a blue fabric."""
    return _frame(6)


def _flat(img: np.ndarray) -> GBuffers:
    H, W = img.shape[:2]
    return GBuffers(np.zeros((H, W), np.float32), np.zeros((H, W), np.uint16), np.eye(3))


def _photo(*parts: str, size: int = 256) -> np.ndarray:
    """A shared photo, centre-cropped square and resized (skips when the assets are absent)."""
    im = cv2.cvtColor(cv2.imread(str(shared(*parts))), cv2.COLOR_BGR2RGB)
    h, w = im.shape[:2]
    s = min(h, w)
    im = im[(h - s) // 2 : (h - s) // 2 + s, (w - s) // 2 : (w - s) // 2 + s]
    return cv2.resize(im, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR of the 8-bit images (as written)."""
    a8 = np.round(np.clip(a, 0, 1) * 255.0)
    b8 = np.round(np.clip(b, 0, 1) * 255.0)
    return float(10.0 * np.log10(255.0**2 / max(np.mean((a8 - b8) ** 2), 1e-12)))


def _shift(a: np.ndarray, b: np.ndarray, sigma: float = 2.0) -> tuple[float, float]:
    """Translation of b relative to a (phase correlation of the blurred grey images)."""
    ga = cv2.GaussianBlur(cv2.cvtColor(a, cv2.COLOR_RGB2GRAY).astype(np.float64), (0, 0), sigma)
    gb = cv2.GaussianBlur(cv2.cvtColor(b, cv2.COLOR_RGB2GRAY).astype(np.float64), (0, 0), sigma)
    win = cv2.createHanningWindow(ga.shape[::-1], cv2.CV_64F)
    (sx, sy), _ = cv2.phaseCorrelate(ga, gb, win)
    return sx, sy


def _check_image(out: np.ndarray, img: np.ndarray) -> None:
    assert out.shape == img.shape and out.dtype == np.float32
    assert np.isfinite(out).all() and out.min() >= 0.0 and out.max() <= 1.0


# ------------------------------------------------------------------------------------------------
# paint


@pytest.mark.parametrize("brush", BRUSHES)
def test_paint_deterministic_in_range_and_not_shifted(frame, brush):
    img, g = frame
    p = paint.Params(brush=brush)
    a = paint.apply(img, g, p, np.random.default_rng(7)).image
    b = paint.apply(img, g, p, np.random.default_rng(7)).image
    c = paint.apply(img, g, p, np.random.default_rng(8)).image
    _check_image(a, img)
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != c.tobytes()
    # looked at on the brushes' scale (finer, single frames can give spurious peaks)
    sx, sy = _shift(img, a, sigma=4.0)
    assert abs(sx) < 0.5 and abs(sy) < 0.5


def test_paint_psnr_at_defaults_and_still_painted(frame):
    img, g = frame
    out = paint.apply(img, g, paint.Params(), np.random.default_rng(0)).image
    psnr = _psnr(out, img)
    assert psnr >= 20.0
    assert psnr < 35.0  # a painting, not a copy
    # strokes leave their texture: the painting differs from the frame at brush scale
    assert np.abs(out - img).mean() > 0.01


@pytest.mark.parametrize("brush", ["oil", "tape", "marker"])
def test_paint_strokes_stay_on_their_instance(frame, brush):
    img, g = frame
    res = paint.apply(
        img, g, paint.Params(brush=brush, export_strokes=True), np.random.default_rng(1)
    )
    strokes = json.loads(res.artifacts["strokes.json"])
    inst = g.instance
    H, W = inst.shape
    assert len(np.unique(inst)) > 3  # there are edges to cross
    crossing = 0
    for s in strokes:
        pts = np.asarray(s["points"], np.float64)
        assert (pts >= -0.5).all() and (pts[:, 0] <= W - 0.5).all() and (pts[:, 1] <= H - 0.5).all()
        xi = np.clip(np.rint(pts[:, 0]).astype(int), 0, W - 1)
        yi = np.clip(np.rint(pts[:, 1]).astype(int), 0, H - 1)
        own = inst[yi[0], xi[0]]
        for x, y, i in zip(xi, yi, inst[yi, xi]):
            if i != own and not (inst[max(y - 1, 0) : y + 2, max(x - 1, 0) : x + 2] == own).any():
                crossing += 1  # not even within 1 px of the stroke's own instance
    assert crossing == 0


@pytest.mark.parametrize("brush", ["oil", "marker", "tape"])
def test_paint_strokes_are_clipped_to_their_object(brush):
    """A red object on a blue background: no blue paint inside the object and no red paint
    outside it, beyond the 1-px anti-aliased boundary (without the instance map, strokes spill:
    0.5..0.75 of the other colour)."""
    H = W = 128
    img = np.zeros((H, W, 3), np.float32)
    img[:] = (0.1, 0.2, 0.9)
    inst = np.zeros((H, W), np.uint16)
    inst[44:84, 40:88] = 1
    img[inst == 1] = (0.9, 0.15, 0.1)
    depth = np.where(inst == 1, 1.5, 3.0).astype(np.float32)
    out = paint.apply(
        img, GBuffers(depth, inst, np.eye(3)), paint.Params(brush=brush), np.random.default_rng(0)
    ).image
    m = (inst == 1).astype(np.uint8)
    inner = cv2.erode(m, np.ones((3, 3), np.uint8)).astype(bool)
    outer = ~cv2.dilate(m, np.ones((3, 3), np.uint8)).astype(bool)
    assert out[inner][:, 2].max() < 0.35
    assert out[outer][:, 0].max() < 0.35


@pytest.mark.parametrize("brush", BRUSHES)
def test_paint_exports_json_svg_gif(frame, brush):
    img, g = frame
    small = np.ascontiguousarray(img[::2, ::2])
    gs = GBuffers(
        np.ascontiguousarray(g.depth_m[::2, ::2]), np.ascontiguousarray(g.instance[::2, ::2]), g.K
    )
    p = paint.Params(brush=brush, export_strokes=True, animate_frames=5, max_strokes=1500)
    res = paint.apply(small, gs, p, np.random.default_rng(3))
    plain = paint.apply(
        small, gs, paint.Params(brush=brush, max_strokes=1500), np.random.default_rng(3)
    )
    assert res.image.tobytes() == plain.image.tobytes()  # exporting changes nothing
    assert plain.artifacts == {}
    strokes = json.loads(res.artifacts["strokes.json"])
    assert 0 < len(strokes) <= 1500 + 1100
    s0 = strokes[0]
    assert set(s0) == {"layer", "radius", "color", "points", "brush"}
    assert s0["brush"] == brush and len(s0["color"]) == 3 and len(s0["points"][0]) == 2
    assert all(0.0 <= c <= 1.0 for s in strokes for c in s["color"])
    if brush == "tape":
        assert all(len(s["points"]) == 2 for s in strokes)
    root = ET.fromstring(res.artifacts["svg"])
    H, W = small.shape[:2]
    assert root.get("width") == str(W) and root.get("height") == str(H)
    assert root.get("viewBox") == f"0 0 {W} {H}"
    lines = root.findall(".//{http://www.w3.org/2000/svg}polyline")
    assert len(lines) == len(strokes)
    assert float(lines[0].get("stroke-width")) == pytest.approx(2 * s0["radius"], abs=0.01)
    gif = Image.open(io.BytesIO(res.artifacts["gif"]))
    assert gif.format == "GIF" and gif.n_frames == 5 and gif.size == (W, H)
    gif.seek(4)  # the last frame is the finished painting
    last = np.asarray(gif.convert("RGB"), np.float32) / 255.0
    assert _psnr(last, res.image) > 28.0


def test_paint_params_validation():
    with pytest.raises(ValidationError):
        paint.Params(brush="crayon")
    with pytest.raises(ValidationError):
        paint.Params(levels=0)
    with pytest.raises(ValidationError):
        paint.Params(max_strokes=10)
    with pytest.raises(ValidationError):
        paint.Params(curvature=1.5)
    with pytest.raises(ValidationError):
        paint.Params(animate_frames=-1)
    with pytest.raises(ValidationError):
        paint.Params(spacing=3)  # unknown field
    p = paint.Params()
    with pytest.raises(ValidationError):
        p.brush = "tape"  # frozen


def test_paint_without_geometry_and_tiny_images():
    """No instance/depth (an existing 2-D dataset) and images smaller than the brushes."""
    rng = np.random.default_rng(0)
    img = cv2.GaussianBlur(rng.random((40, 30, 3)).astype(np.float32), (0, 0), 3)
    for brush in BRUSHES:
        out = paint.apply(
            img, _flat(img), paint.Params(brush=brush), np.random.default_rng(0)
        ).image
        _check_image(out, img)


def test_paint_on_a_real_photo():
    img = _photo("cutouts", "backgrounds", "garden.jpg")
    g = _flat(img)
    out = paint.apply(img, g, paint.Params(), np.random.default_rng(0)).image
    _check_image(out, img)
    assert 20.0 <= _psnr(out, img) < 35.0
    sx, sy = _shift(img, out, sigma=4.0)
    assert abs(sx) < 0.5 and abs(sy) < 0.5


# ------------------------------------------------------------------------------------------------
# transfer


def test_lab_hist_distance():
    rng = np.random.default_rng(0)
    a = rng.random((64, 64, 3)).astype(np.float32)
    assert lab_hist_distance(a, a) == 0.0
    assert lab_hist_distance(a, a[::-1, ::-1]) == pytest.approx(0.0, abs=1e-9)  # order-free
    grey = np.full((32, 32, 3), 0.5, np.float32)
    darker = np.full((32, 32, 3), 0.3, np.float32)
    d = lab_hist_distance(grey, darker)
    assert d > 0 and d == pytest.approx(lab_hist_distance(darker, grey))
    # uint8 and float give the same answer
    a8 = np.round(a * 255).astype(np.uint8)
    assert lab_hist_distance(a8, grey) == pytest.approx(
        lab_hist_distance(a8.astype(np.float32) / 255, grey), abs=1e-6
    )


REFERENCES = ["wood.png", "fabric.png", "marble.png"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("ref_name", REFERENCES)
def test_transfer_reduces_lab_histogram_distance(frame, method, ref_name):
    img, g = frame
    path = str(TEXTURES / ref_name)
    ref = transfer._read(path)[0]
    out = transfer.apply(
        img, g, transfer.Params(reference=path, method=method), np.random.default_rng(0)
    ).image
    _check_image(out, img)
    before = lab_hist_distance(img, ref)
    after = lab_hist_distance(out, ref)
    assert after <= 0.5 * before, (before, after)


@pytest.mark.parametrize("method", METHODS)
def test_transfer_deterministic_not_shifted_and_blends(frame, method):
    img, g = frame
    path = str(TEXTURES / "wood.png")
    p = transfer.Params(reference=path, method=method, texture=0.5)
    a = transfer.apply(img, g, p, np.random.default_rng(4)).image
    b = transfer.apply(img, g, p, np.random.default_rng(4)).image
    assert a.tobytes() == b.tobytes()
    sx, sy = _shift(img, a)
    assert abs(sx) < 0.5 and abs(sy) < 0.5
    # strength 0 is the frame (up to the Lab round trip); strength 0.5 lies between
    none = transfer.apply(
        img,
        g,
        transfer.Params(reference=path, method=method, strength=0.0),
        np.random.default_rng(4),
    ).image
    assert np.abs(none - img).max() < 0.01
    full = transfer.apply(
        img, g, transfer.Params(reference=path, method=method), np.random.default_rng(4)
    ).image
    half = transfer.apply(
        img,
        g,
        transfer.Params(reference=path, method=method, strength=0.5),
        np.random.default_rng(4),
    ).image
    ref = transfer._read(path)[0]
    d0, d5, d1 = (lab_hist_distance(x, ref) for x in (img, half, full))
    assert d1 < d5 < d0


def test_transfer_preserve_luminance(frame):
    img, g = frame
    out = transfer.apply(
        img,
        g,
        transfer.Params(reference=str(TEXTURES / "fabric.png"), preserve_luminance=True),
        np.random.default_rng(0),
    ).image
    L0 = transfer.to_lab(img)[..., 0]
    L1 = transfer.to_lab(out)[..., 0]
    inside = (L0 > 5) & (L0 < 95)  # away from gamut clipping
    assert np.median(np.abs(L1 - L0)[inside]) < 1.0
    assert np.abs(out - img).mean() > 0.02  # the colours did change


def test_transfer_texture_adds_reference_grain(frame):
    img, g = frame
    path = str(TEXTURES / "fabric.png")
    flat = np.full_like(img, 0.5)
    a = transfer.apply(
        flat, g, transfer.Params(reference=path, texture=0.0), np.random.default_rng(0)
    ).image
    b = transfer.apply(
        flat, g, transfer.Params(reference=path, texture=1.0), np.random.default_rng(0)
    ).image
    c = transfer.apply(
        flat, g, transfer.Params(reference=path, texture=1.0), np.random.default_rng(1)
    ).image
    hp = lambda x: x - cv2.GaussianBlur(x, (0, 0), 3)  # noqa: E731
    assert hp(a).std() < 0.002 < 0.01 < hp(b).std()
    assert abs(b.mean() - a.mean()) < 0.02  # zero-mean texture
    assert b.tobytes() != c.tobytes()  # patches drawn from rng


def test_transfer_reference_cache_and_errors(tmp_path, frame):
    img, g = frame
    src = TEXTURES / "marble.png"
    path = tmp_path / "ref.png"
    path.write_bytes(src.read_bytes())
    r1 = transfer.load_reference(str(path))
    assert transfer.load_reference(str(path)) is r1  # cached
    # a changed file (new modification time) is read again
    cv2.imwrite(str(path), np.zeros((8, 8, 3), np.uint8))
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))
    r2 = transfer.load_reference(str(path))
    assert r2 is not r1 and abs(float(r2.mean[0])) < 1e-3
    # a reference with alpha: only its opaque pixels count
    rgba = np.zeros((16, 16, 4), np.uint8)
    rgba[..., 2] = 255  # red (BGR order) ...
    rgba[:8, :, 3] = 255  # ... opaque on the top half; the rest is transparent black
    cv2.imwrite(str(tmp_path / "cut.png"), rgba)
    r3 = transfer.load_reference(str(tmp_path / "cut.png"))
    assert r3.samples[:, 1].min() > 50  # all samples red (a* high), no black
    with pytest.raises(AssetError):
        transfer.apply(
            img,
            g,
            transfer.Params(reference=str(tmp_path / "missing.png")),
            np.random.default_rng(0),
        )
    with pytest.raises(AssetError):
        transfer.apply(img, g, transfer.Params(), np.random.default_rng(0))  # no reference


def test_transfer_params_validation():
    with pytest.raises(ValidationError):
        transfer.Params(reference="x.png", strength=2.0)
    with pytest.raises(ValidationError):
        transfer.Params(reference="x.png", strength=-0.1)
    with pytest.raises(ValidationError):
        transfer.Params(reference="x.png", method="neural")
    with pytest.raises(ValidationError):
        transfer.Params(reference="x.png", texture=1.5)
    with pytest.raises(ValidationError):
        transfer.Params(reference="x.png", colour="red")


@pytest.mark.parametrize("method", METHODS)
def test_transfer_real_images(method):
    """A real photo takes the colours of another real photo (and of a sprite with alpha)."""
    img = _photo("cutouts", "backgrounds", "beach.jpg")
    for ref_path in (
        shared("sprites", "backgrounds", "forest.png"),
        shared("hdri", "venice_sunset_1k.hdr"),
    ):
        ref = transfer._read(str(ref_path))[0]
        out = transfer.apply(
            img,
            _flat(img),
            transfer.Params(reference=str(ref_path), method=method),
            np.random.default_rng(0),
        ).image
        _check_image(out, img)
        assert lab_hist_distance(out, ref) <= 0.5 * lab_hist_distance(img, ref)
    sprite = shared("sprites", "characters")
    path = str(sorted(sprite.glob("*.png"))[0])
    out = transfer.apply(
        img, _flat(img), transfer.Params(reference=path, method=method), np.random.default_rng(0)
    ).image
    _check_image(out, img)
