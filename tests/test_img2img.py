"""Image-to-image datasets: photos in (no G-buffers), A|B pairs out, paint export, texture pass."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import run_cli, shared


def _small_photos(tmp_path: Path, n: int | None = None) -> Path:
    """The shared background photos, downscaled to 96 px wide (tests stay fast)."""
    src = shared("cutouts", "backgrounds")
    out = tmp_path / "photos"
    out.mkdir()
    for f in sorted(src.glob("*.jpg"))[:n]:
        img = cv2.imread(str(f))
        h, w = img.shape[:2]
        cv2.imwrite(
            str(out / f.name),
            cv2.resize(img, (96, round(96 * h / w)), interpolation=cv2.INTER_AREA),
        )
    return out


def test_stylised_photo_folder_every_image_out_labels_absent(tmp_path):
    photos = _small_photos(tmp_path)
    names = sorted(p.name for p in photos.glob("*.jpg"))
    out = tmp_path / "out"
    r = run_cli("stylize", photos, "--style", "sketch", "-o", out, "--no-progress")
    assert r.returncode == 0, r.stderr
    info = json.loads((out / "dataset.json").read_text())
    assert info["kind"] == "photos" and info["labels"] is None
    assert "no geometry" in info["labels_note"]
    assert "colour segments" in info["gbuffers"]["instance"]
    rows = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    assert [r_["source"] for r_ in rows] == names  # every image, in sorted order
    for i, (row, name) in enumerate(zip(rows, names)):
        assert row["index"] == i and row["labels"] is None
        assert "sketch" in row["estimated"]  # the fallback is said per image
        styled = cv2.imread(str(out / row["files"]["rgb"]))
        src = cv2.imread(str(photos / name))
        assert styled.shape == src.shape
        assert np.abs(styled.astype(int) - src).mean() > 5  # actually stylised
    assert not (out / "annotations").exists() and not (out / "instance").exists()
    # same command again: nothing to do, same bytes
    before = {p: p.read_bytes() for p in (out / "rgb").iterdir()}
    r = run_cli("stylize", photos, "--style", "sketch", "-o", out, "--no-progress")
    assert r.returncode == 0 and "wrote 0 frame(s)" in r.stdout
    assert before == {p: p.read_bytes() for p in (out / "rgb").iterdir()}


def test_photo_glob_and_bad_inputs_fail_with_one_line(tmp_path):
    photos = _small_photos(tmp_path, 2)
    out = tmp_path / "g"
    r = run_cli("stylize", f"{photos}/*.jpg", "--style", "toon", "-o", out, "--no-progress")
    assert r.returncode == 0, r.stderr
    assert len(list((out / "rgb").glob("*.png"))) == 2
    r = run_cli("stylize", f"{tmp_path}/nothing/*.jpg", "--style", "toon", "-o", tmp_path / "x")
    assert r.returncode == 2 and r.stderr.strip().endswith(
        "no images (.jpg, .jpeg, .png, .bmp, .webp, .tif, .tiff) found"
    )
    (photos / "broken.png").write_bytes(b"not a png")
    r = run_cli("stylize", photos, "--style", "toon", "-o", tmp_path / "y")
    assert r.returncode == 2
    assert (
        r.stderr.strip() == f"error: {photos / 'broken.png'}: cannot read image (corrupt or "
        "unsupported)"
    )
    assert not (tmp_path / "y").exists()
    r = run_cli(
        "stylize",
        photos,
        "--style",
        "toon",
        "-o",
        tmp_path / "z",
        "--pairs",
        "aligned",
        "--a",
        "instance",
        "--b",
        "styled",
    )
    assert r.returncode == 2 and "error: --a: 'instance' needs a synth3d dataset" in r.stderr
    r = run_cli(
        "stylize",
        photos,
        "--style",
        "toon",
        "-o",
        tmp_path / "z",
        "--pairs",
        "aligned",
        "--split",
        "0.5,0.2",
    )
    assert r.returncode == 2 and "error: --split: expected three fractions" in r.stderr


def _load_aligned(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """As pix2pix's AlignedDataset: read A|B, split the width in two."""
    ab = cv2.imread(str(path))
    w2 = ab.shape[1] // 2
    return ab[:, :w2], ab[:, w2:]


def test_pairs_aligned_load_like_pix2pix(tmp_path):
    photos = _small_photos(tmp_path)
    out = tmp_path / "pairs"
    r = run_cli(
        "stylize",
        photos,
        "--style",
        "paint",
        "--set",
        "max_strokes=400",
        "-o",
        out,
        "--variants",
        "3",
        "--pairs",
        "aligned",
        "--split",
        "0.5,0.25,0.25",
        "--seed",
        "4",
        "--no-progress",
    )
    assert r.returncode == 0, r.stderr
    from synth3d.run.pairs import split_of

    rows = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    expect = {"train": 0, "val": 0, "test": 0}
    for row in rows:
        i = row["index"]
        split = split_of(4, i, (0.5, 0.25, 0.25))
        expect[split] += 3
        src = cv2.imread(str(photos / row["source"]))
        for k in range(3):
            path = out / "pairs" / split / f"{i:06d}_{k}.png"
            a, b = _load_aligned(path)
            assert a.shape == b.shape == src.shape  # sizes
            assert np.array_equal(a, src) or np.abs(a.astype(int) - src).max() <= 2  # A = photo
            styled = cv2.imread(
                str(out / (row["files"]["rgb"] if k == 0 else f"variants/{i:06d}.{k}.png"))
            )
            assert np.array_equal(b, styled)  # B = that variant, pixel-aligned with A
        # the three variants drew different strokes
        v = [_load_aligned(out / "pairs" / split / f"{i:06d}_{k}.png")[1] for k in range(3)]
        assert not np.array_equal(v[0], v[1]) and not np.array_equal(v[1], v[2])
    counts = {
        s: len(list((out / "pairs" / s).glob("*.png"))) if (out / "pairs" / s).exists() else 0
        for s in ("train", "val", "test")
    }
    assert counts == expect and sum(counts.values()) == 3 * len(rows)


def test_pairs_from_dataset_label_to_image_and_unaligned(tabletop_small, tmp_path):
    out = tmp_path / "lab2img"
    r = run_cli(
        "stylize",
        tabletop_small,
        "--style",
        "toon",
        "-o",
        out,
        "--pairs",
        "unaligned",
        "--a",
        "instance",
        "--b",
        "source",
        "--split",
        "1,0,0",
        "--no-progress",
    )
    assert r.returncode == 0, r.stderr
    from synth3d.run.pairs import palette

    for i in range(5):
        a = cv2.imread(str(out / "pairs" / "trainA" / f"{i:06d}.png"))[..., ::-1]
        b = cv2.imread(str(out / "pairs" / "trainB" / f"{i:06d}.png"))
        inst = cv2.imread(str(tabletop_small / "instance" / f"{i:06d}.png"), cv2.IMREAD_UNCHANGED)
        assert np.array_equal(a, palette(int(inst.max()) + 1)[inst])  # exact id colours
        assert np.array_equal(b, cv2.imread(str(tabletop_small / "rgb" / f"{i:06d}.png")))
    assert not (out / "pairs" / "testA").exists()
    # the dataset itself is the stylised copy with its labels, as before
    assert (out / "annotations" / "coco.json").exists()


def test_marker_strokes_are_flat_ended_and_snp_export_reproduces_them():
    from synth3d.post.styles.paint import _ONE, _marker, _ribbons, bezier_fit

    def draw(points, r, n=None, shape=(40, 60)):
        buf = np.zeros(shape, np.uint8)
        pts = np.asarray(points, np.float32)[None]
        n = len(points) if n is None else n
        _marker(
            [buf],
            [255],
            _ribbons(pts, np.array([n]), r)[0],
            np.rint(pts[0] * _ONE).astype(np.int32),
            n,
            int(round(2 * r)),
        )
        return buf

    buf = draw([[10, 20], [30, 20], [50, 20]], 5.0)
    rows = np.flatnonzero(buf[:, 30] > 127)
    cols = np.flatnonzero(buf[20] > 127)
    assert rows.min() == 15 and rows.max() == 25  # constant width 2r
    assert cols.min() == 5 and cols.max() == 55  # square caps: ends pushed out by r
    # flat ends: the end column is fully covered across the width (a round cap would not be)
    assert (buf[16:25, 6] > 127).all()
    # a bent stroke keeps its width round the joint: every pixel within r - 0.5 of the
    # centreline is covered, none beyond r + 1.5 (away from the square caps)
    buf = draw([[10, 30], [25, 15], [40, 30]], 3.0)
    yy, xx = np.mgrid[0:40, 0:60]
    d = np.minimum(_seg_dist(xx, yy, (10, 30), (25, 15)), _seg_dist(xx, yy, (25, 15), (40, 30)))
    assert (buf[d <= 2.5] > 127).all()
    assert not (buf[(d > 4.5) & (xx > 15) & (xx < 35)] > 0).any()
    one = draw([[20, 20], [20, 20]], 4.0, n=1)  # the painter's tails repeat the last point
    # an 8 × 8 square; OpenCV draws anti-aliased fills half a pixel wider on every side (as the
    # 2r = 10 strip above covers 11 rows)
    assert abs(one.sum() / 255 - 81) <= 8
    # Bézier fit of points on a known quadratic
    P = np.array([[0.0, 0.0], [10.0, 20.0], [20.0, 0.0]])
    t = np.linspace(0, 1, 9)
    curve = (
        ((1 - t) ** 2)[:, None] * P[0] + (2 * t * (1 - t))[:, None] * P[1] + (t * t)[:, None] * P[2]
    )
    Q = bezier_fit(curve)
    assert np.array_equal(Q[0], P[0]) and np.array_equal(Q[2], P[2])  # through the ends
    u = np.linspace(0, 1, 2001)[:, None]
    dense = (1 - u) ** 2 * Q[0] + 2 * u * (1 - u) * Q[1] + u * u * Q[2]
    gap = np.linalg.norm(curve[:, None] - dense[None], axis=2).min(1)
    assert gap.max() < 0.5  # the fitted curve passes within half a pixel of every point


def _seg_dist(x, y, a, b):
    """Distance of points (x, y) to the segment a–b."""
    ax, ay = a
    bx, by = b
    t = np.clip(
        ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2), 0, 1
    )
    return np.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay)))


def test_snp_export_layout():
    from synth3d.post.styles import apply_step
    from synth3d.post.styles.base import GBuffers
    from synth3d.spec import StyleStepSpec

    rng = np.random.default_rng(0)
    img = cv2.GaussianBlur(rng.random((64, 80, 3)).astype(np.float32), (0, 0), 4)
    g = GBuffers(
        depth_m=np.ones((64, 80), np.float32), instance=np.zeros((64, 80), np.uint16), K=np.eye(3)
    )
    for brush, name, n in (
        ("marker", "markerpen", 12),
        ("watercolour", "watercolor", 15),
        ("oil", "oilpaintbrush", 12),
        ("tape", "rectangle", 9),
    ):
        res = apply_step(
            img,
            g,
            StyleStepSpec(
                pass_="paint",
                applied=True,
                seed=1,
                params={
                    "brush": brush,
                    "export_snp": True,
                    "export_strokes": True,
                    "max_strokes": 200,
                },
            ),
        )
        snp = json.loads(res.artifacts["strokes.snp.json"])
        plain = json.loads(res.artifacts["strokes.json"])
        assert snp["renderer"] == name and len(snp["layout"]) == n
        assert len(snp["strokes"]) == len(plain)
        for s, p in zip(snp["strokes"], plain):
            assert len(s) == n and all(0.0 <= c <= 1.0 for c in s[-4:-1])
            if name in ("markerpen", "watercolor"):  # start point = the stroke's first point
                assert abs(s[0] * 79 - p["points"][0][0]) < 0.01
                assert abs(s[1] * 63 - p["points"][0][1]) < 0.01


def test_texture_pass_keeps_geometry_and_takes_reference_detail(tmp_path):
    from synth3d.post.styles import apply_step, to_float, to_uint8
    from synth3d.post.styles.base import GBuffers
    from synth3d.spec import StyleStepSpec

    # reference: fine diagonal stripes; frame: a flat disc on flat ground
    yy, xx = np.mgrid[0:96, 0:96]
    ref = np.where(((xx + yy) // 3) % 2 == 0, 200, 60).astype(np.uint8)
    cv2.imwrite(str(tmp_path / "ref.png"), np.dstack([ref, ref, ref]))
    frame = np.full((80, 80, 3), 90, np.uint8)
    cv2.circle(frame, (40, 40), 20, (220, 220, 220), -1)
    g = GBuffers(
        depth_m=np.ones((80, 80), np.float32), instance=np.zeros((80, 80), np.uint16), K=np.eye(3)
    )
    step = StyleStepSpec(
        pass_="texture",
        applied=True,
        seed=2,
        params={"reference": str(tmp_path / "ref.png"), "colour": False},
    )
    out = to_uint8(apply_step(to_float(frame), g, step).image)
    assert np.array_equal(out, to_uint8(apply_step(to_float(frame), g, step).image))
    grey = out.mean(2)
    # texture added inside the flat regions (the frame had none)
    assert grey[5:25, 5:25].std() > 5
    # the disc is still where it was: mean inside vs outside
    inside = np.hypot(xx[:80, :80] - 40, yy[:80, :80] - 40) < 16
    outside = np.hypot(xx[:80, :80] - 40, yy[:80, :80] - 40) > 24
    assert grey[inside].mean() - grey[outside].mean() > 60


def _invert_model(path: Path, nhwc: bool = False) -> None:
    """A 1×1 convolution computing 1 - x per channel (an ONNX style network with a known
    output)."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array((-np.eye(3, dtype=np.float32)).reshape(3, 3, 1, 1), "w")
    b = numpy_helper.from_array(np.ones(3, np.float32), "b")
    node = helper.make_node("Conv", ["x", "w", "b"], ["y"])
    graph = helper.make_graph(
        [node],
        "invert",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, None, None])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, None, None])],
        [w, b],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))


def test_onnx_style_network_hook(tmp_path):
    pytest.importorskip("onnxruntime")
    from synth3d.post.styles import apply_step, to_float, to_uint8
    from synth3d.post.styles.base import GBuffers
    from synth3d.spec import StyleStepSpec

    model = tmp_path / "invert.onnx"
    _invert_model(model)
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 256, (40, 56, 3), dtype=np.uint8)
    g = GBuffers(
        depth_m=np.ones((40, 56), np.float32), instance=np.zeros((40, 56), np.uint16), K=np.eye(3)
    )
    out = to_uint8(
        apply_step(
            to_float(frame),
            g,
            StyleStepSpec(pass_="onnx", applied=True, seed=0, params={"model": str(model)}),
        ).image
    )
    assert np.abs(out.astype(int) - (255 - frame.astype(int))).max() <= 1
    half = to_uint8(
        apply_step(
            to_float(frame),
            g,
            StyleStepSpec(
                pass_="onnx", applied=True, seed=0, params={"model": str(model), "strength": 0.5}
            ),
        ).image
    )
    assert np.abs(half.astype(int) - 128).max() <= 1  # x + 0.5 (1 - x - x) = 0.5
    # run at another size and resized back: same shape
    small = apply_step(
        to_float(frame),
        g,
        StyleStepSpec(pass_="onnx", applied=True, seed=0, params={"model": str(model), "size": 20}),
    ).image
    assert small.shape == frame.shape
    # through the CLI on a photo folder, and a missing model fails before anything is written
    photos = _small_photos(tmp_path, 1)
    r = run_cli(
        "stylize",
        photos,
        "--style",
        "onnx",
        "--set",
        f"model={model}",
        "-o",
        tmp_path / "o",
        "--no-progress",
    )
    assert r.returncode == 0, r.stderr
    r = run_cli(
        "stylize", photos, "--style", "onnx", "--set", "model=nope.onnx", "-o", tmp_path / "o2"
    )
    assert r.returncode == 2 and not (tmp_path / "o2").exists()
    assert "nope.onnx" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_harmonize_changes_objects_only(tmp_path):
    from synth3d.post.styles import apply_step, to_float, to_uint8
    from synth3d.post.styles.base import GBuffers
    from synth3d.spec import StyleStepSpec

    # a white card (id 1) on a dark blue-grey background
    frame = np.zeros((64, 64, 3), np.uint8)
    frame[:] = (30, 40, 80)
    frame[20:44, 20:44] = (250, 250, 250)
    inst = np.zeros((64, 64), np.uint16)
    inst[20:44, 20:44] = 1
    g = GBuffers(depth_m=np.ones((64, 64), np.float32), instance=inst, K=np.eye(3))
    for params in (
        {"light": 1.0, "colour": 1.0},
        {"poisson": "normal", "light": 0.0, "colour": 0.0},
    ):
        out = to_uint8(
            apply_step(
                to_float(frame),
                g,
                StyleStepSpec(pass_="harmonize", applied=True, seed=0, params=params),
            ).image
        )
        near = cv2.dilate((inst > 0).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        assert np.array_equal(out[~near], frame[~near])  # the background is untouched
        assert out[inst == 1].mean() < 200  # the card moved towards the dark surroundings
        if "poisson" not in params:  # full matching: the card takes the ring's mean colour
            assert np.abs(out[inst == 1].mean(0) - (30, 40, 80)).max() < 6


def test_unaligned_pairs_with_variants_write_the_fixed_side_once():
    from synth3d.run.pairs import PairOptions, encode_pairs, split_of

    opts = PairOptions.parse("unaligned", "source", "styled", "0.6,0.2,0.2")
    src = np.zeros((8, 10, 3), np.uint8)
    names = set()
    for k in range(3):
        styled = np.full((8, 10, 3), 10 * k, np.uint8)
        names |= set(encode_pairs(opts, 7, 5, k, 3, {"source": src, "styled": styled}))
    s = split_of(7, 5, (0.6, 0.2, 0.2))
    assert names == {f"pairs/{s}A/000005.png"} | {f"pairs/{s}B/000005_{k}.png" for k in range(3)}
    # the split is a seeded draw: about the asked shares over many images
    got = [split_of(7, i, (0.6, 0.2, 0.2)) for i in range(3000)]
    assert (
        abs(got.count("train") / 3000 - 0.6) < 0.03 and abs(got.count("test") / 3000 - 0.2) < 0.03
    )
