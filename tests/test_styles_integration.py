"""Stylisation passes wired into synth3d: template validation, sampling into the SceneSpec,
rerender, determinism, probabilities, chain order, ``synth3d stylize``, and label validity."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import REPO, SCENES, run_cli

from synth3d.post.styles import apply_step, names, to_float, to_uint8
from synth3d.spec import StyleStepSpec

W, H = 128, 96


def _tabletop(styles: list | None = None, **labels) -> dict:
    data = yaml.safe_load((SCENES / "tabletop.yaml").read_text())
    data["asset_root"] = str(REPO)
    if styles is not None:
        data["post"]["styles"] = styles
    data["labels"] = {"amodal": False, **labels}
    return data


def _need(*passes: str) -> None:
    missing = [p for p in passes if p not in names()]
    if missing:
        pytest.skip(f"style pass(es) {missing} not installed")


def _frames(template, indices, seed=0, size=(W, H)):
    """(spec, FrameOutput) of frames rendered in memory."""
    from synth3d.render.renderer import Renderer
    from synth3d.run.pipeline import Scenes, process, render_frame

    scenes = Scenes(template, size=size)
    out = []
    with Renderer(*size) as r:
        for i in indices:
            spec, frame = render_frame(r, scenes, seed, i)
            out.append((spec, process(frame, spec)))
    return out


# ---------------------------------------------------------------------------------------------
# Template validation, through the real CLI


def _validate_error(styles: str) -> str:
    r = run_cli("validate", "scenes/tabletop.yaml", "--set", f"post.styles={styles}")
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stdout == ""
    return r.stderr


def test_template_errors_name_the_step_and_parameter():
    _need("sketch", "toon", "paint")
    known = ", ".join(names())
    assert _validate_error("[{pass: sketch}, {pass: sktch}]") == (
        f"error: scenes/tabletop.yaml: post.styles[1].pass: unknown pass 'sktch' (known: {known})\n"
    )
    assert _validate_error("[{pass: toon, params: {levels: 1}}]") == (
        "error: scenes/tabletop.yaml: post.styles[0].params.levels: value must be ≥ 2, got 1\n"
    )
    assert _validate_error("[{pass: toon, params: {colour: red}}]") == (
        "error: scenes/tabletop.yaml: post.styles[0].params.colour: unknown field\n"
    )
    # Every value a distribution can draw must be valid.
    assert _validate_error(
        "[{pass: toon}, {pass: paint, params: {threshold: {dist: uniform, min: 0.5, max: 1.5}}}]"
    ) == (
        "error: scenes/tabletop.yaml: post.styles[1].params.threshold: values must be ≤ 1, "
        "got 1.5\n"
    )
    assert _validate_error(
        "[{pass: paint, params: {brush: {dist: choice, values: [oil, crayon]}}}]"
    ) == (
        "error: scenes/tabletop.yaml: post.styles[0].params.brush: values[1]: expected one of "
        "'oil', 'watercolour', 'marker', 'tape', got 'crayon'\n"
    )
    assert _validate_error("[{pass: toon, p: 1.5}]") == (
        "error: scenes/tabletop.yaml: post.styles[0].p: Input should be less than or equal to 1\n"
    )


def test_missing_reference_image_fails_before_rendering(tmp_path):
    _need("transfer")
    r = run_cli(
        "render",
        "scenes/tabletop.yaml",
        "-n",
        "1",
        "-o",
        tmp_path / "out",
        "--set",
        "post.styles=[{pass: transfer, params: {reference: photos/nothere.jpg}}]",
    )
    assert r.returncode == 2
    assert r.stderr == (
        f"error: post.styles[0].params.reference: '{REPO / 'photos' / 'nothere.jpg'}' not found\n"
    )
    assert not (tmp_path / "out").exists()
    r = run_cli("validate", "scenes/tabletop.yaml", "--set", "post.styles=[{pass: transfer}]")
    assert (r.returncode, r.stderr) == (
        2,
        "error: post.styles[0].params.reference: required: the path of an image file\n",
    )
    r = run_cli(
        "validate",
        "scenes/tabletop.yaml",
        "--set",
        "post.styles=[{pass: transfer, "
        "params: {reference: {dist: choice, values: [cutouts/toy_on_white.jpg, "
        "README.md]}}}]",
    )
    assert (r.returncode, r.stderr) == (
        2,
        f"error: post.styles[0].params.reference.values[1]: '{REPO / 'README.md'}': cannot "
        "read image (missing, corrupt or unsupported)\n",
    )


def test_valid_chain_loads_with_distributions():
    _need("sketch", "paint", "augment")
    from synth3d.template import load_template

    t = load_template(
        _tabletop(
            [
                "sketch",  # short for {pass: sketch}
                {
                    "pass": "paint",
                    "p": 0.3,
                    "params": {
                        "brush": {"dist": "choice", "values": ["oil", "marker"], "weights": [3, 1]},
                        "levels": {"dist": "randint", "min": 2, "max": 3},
                    },
                },
                {"pass": "augment", "params": {"severity": {"dist": "choice", "values": [1, 2]}}},
            ]
        )
    ).template
    assert [s.pass_ for s in t.post.styles] == ["sketch", "paint", "augment"]
    assert t.post.styles[1].p == 0.3


def test_readme_and_bundled_chains_validate():
    import re

    from synth3d.run.pipeline import Scenes

    blocks = re.findall(r"```yaml\n(.*?)```", (REPO / "README.md").read_text(), re.S)
    snippets = [yaml.safe_load(b) for b in blocks if "styles:" in b]
    assert snippets, "the README shows a post.styles snippet"
    for snip in snippets:
        needed = [s["pass"] for s in snip["post"]["styles"]]
        _need(*needed)
        data = _tabletop(snip["post"]["styles"])
        Scenes(data).sample(0, 0)
    data = yaml.safe_load((SCENES / "stylised.yaml").read_text())
    _need(*[s["pass"] for s in data["post"]["styles"]])
    spec = Scenes(SCENES / "stylised.yaml").sample(0, 0)
    assert [s.pass_ for s in spec.post.styles] == [s["pass"] for s in data["post"]["styles"]]


# ---------------------------------------------------------------------------------------------
# Sampling, the SceneSpec, rerender


CHAIN = [
    {
        "pass": "sketch",
        "params": {"jitter": {"dist": "uniform", "min": 0.2, "max": 0.8}, "export_svg": True},
    },
    {"pass": "toon", "p": 0.5},
    {"pass": "augment", "params": {"severity": {"dist": "randint", "min": 1, "max": 2}}},
]


@pytest.fixture(scope="module")
def styled(tmp_path_factory) -> Path:
    """tabletop with CHAIN, 3 frames at 128×96, rendered by the real pipeline."""
    _need("sketch", "toon", "augment")
    from synth3d.run.pipeline import render_dataset

    out = tmp_path_factory.mktemp("styled")
    render_dataset(_tabletop(CHAIN), out, n=3, seed=2, size=(W, H))
    return out


def test_scenespec_records_the_drawn_chain(styled):
    seeds = set()
    for i in range(3):
        steps = json.loads((styled / "scene" / f"{i:06d}.json").read_text())["post"]["styles"]
        assert [s["pass"] for s in steps] == ["sketch", "toon", "augment"]
        for s in steps:
            assert set(s) == {"pass", "applied", "seed", "params"}
            assert 0 <= s["seed"] < 2**63
            seeds.add(s["seed"])
        sk = steps[0]
        assert sk["applied"] is True and sk["params"]["export_svg"] is True
        assert 0.2 <= sk["params"]["jitter"] <= 0.8 and sk["params"]["look"] == "pencil"
        assert steps[2]["params"]["severity"] in (1, 2)
        # Artifacts are files of the frame, listed in the manifest.
        svg = styled / "styles" / f"{i:06d}.sketch.svg"
        assert svg.read_text().lstrip().startswith(("<svg", "<?xml"))
    assert len(seeds) == 9
    rows = [json.loads(l) for l in (styled / "manifest.jsonl").read_text().splitlines()]
    assert rows[0]["files"]["styles:sketch.svg"] == "styles/000000.sketch.svg"


def test_rerender_reproduces_the_styled_frame(styled, tmp_path):
    from synth3d.run.pipeline import rerender

    files = rerender(styled / "scene" / "000001.json", tmp_path)
    assert {"rgb", "styles:sketch.svg"} <= set(files)
    for key, path in files.items():
        rel = Path(path).relative_to(tmp_path)
        assert Path(path).read_bytes() == (styled / rel).read_bytes(), key


def test_no_styles_leaves_scene_json_and_frames_as_before():
    from synth3d.run.pipeline import Scenes

    spec = Scenes(_tabletop()).sample(0, 0)
    assert spec.post.styles == [] and '"styles"' not in spec.to_json()


def test_p0_never_applies_and_leaves_rgb_identical():
    _need("paint")
    from synth3d.run.pipeline import Scenes

    never = Scenes(_tabletop([{"pass": "paint", "p": 0}]))
    assert not any(never.sample(0, i).post.styles[0].applied for i in range(300))
    plain = _frames(_tabletop(), [0, 1])
    off = _frames(_tabletop([{"pass": "paint", "p": 0}]), [0, 1])
    for (s0, o0), (s1, o1) in zip(plain, off):
        assert np.array_equal(o0.rgb, o1.rgb)
        assert s1.post.styles[0].applied is False
        # Only the chain differs: the scene's other draws are untouched by the extra stream.
        assert s0.model_copy(update={"post": s1.post}) == s1


def test_probability_is_honoured():
    _need("toon")
    from synth3d.sampling.rng import stream
    from synth3d.sampling.styles import sample_styles
    from synth3d.template import load_template

    steps = load_template(_tabletop([{"pass": "toon", "p": 0.3}])).template.post.styles
    n = 3000
    k = sum(
        sample_styles(steps, lambda name, i=i: stream(1, i, name), REPO)[0].applied
        for i in range(n)
    )
    assert abs(k / n - 0.3) < 4.5 * np.sqrt(0.3 * 0.7 / n)


def test_same_seed_same_styled_frame_other_frames_differ():
    _need("sketch", "toon", "augment")
    a = _frames(_tabletop(CHAIN), [0, 1], seed=4)
    b = _frames(_tabletop(CHAIN), [0, 1], seed=4)
    for (sa, oa), (sb, ob) in zip(a, b):
        assert sa.to_json() == sb.to_json()
        assert np.array_equal(oa.rgb, ob.rgb)
    assert a[0][0].post.styles[2].seed != a[1][0].post.styles[2].seed


def test_chain_is_applied_in_the_given_order():
    _need("toon", "pixel")
    from synth3d.render.renderer import Renderer
    from synth3d.run.pipeline import Scenes, gbuffers, process, render_frame

    toon = {"pass": "toon", "params": {"levels": 3}}
    pixel = {"pass": "pixel", "params": {"pixel_size": 4, "colors": 8}}
    outs = {}
    for key, chain in (("tp", [toon, pixel]), ("pt", [pixel, toon])):
        scenes = Scenes(_tabletop(chain), size=(W, H))
        with Renderer(W, H) as r:
            spec, frame = render_frame(r, scenes, 0, 0)
            outs[key] = process(frame, spec).rgb
            plain = process(
                frame, spec.model_copy(update={"post": spec.post.model_copy(update={"styles": []})})
            ).rgb
            img = to_float(plain)
            for step in spec.post.styles:  # by hand, in order
                img = apply_step(img, gbuffers(frame, spec), step).image
            assert np.array_equal(outs[key], to_uint8(img))
    assert not np.array_equal(outs["tp"], outs["pt"])


def test_rgba_frames_keep_their_alpha():
    _need("toon")
    from synth3d.post.styles import GBuffers, apply_chain

    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, (32, 40, 4), dtype=np.uint8)
    g = GBuffers(
        depth_m=np.ones((32, 40), np.float32),
        instance=np.zeros((32, 40), np.uint16),
        K=np.array([[40.0, 0, 19.5], [0, 40.0, 15.5], [0, 0, 1]]),
    )
    step = StyleStepSpec(pass_="toon", applied=True, seed=3, params={})
    out, _ = apply_chain(rgba, [step], g)
    assert out.shape == rgba.shape and np.array_equal(out[..., 3], rgba[..., 3])
    assert not np.array_equal(out[..., :3], rgba[..., :3])


# ---------------------------------------------------------------------------------------------
# synth3d stylize


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """tabletop, 3 frames at 192×144 with normals and contour labels, COCO + YOLO."""
    from synth3d.run.pipeline import render_dataset

    out = tmp_path_factory.mktemp("source")
    data = _tabletop(normals=True, contours=True)
    data["output"] = {"formats": ["coco", "yolo"]}
    render_dataset(data, out, n=3, seed=5, size=(192, 144))
    return out


def _sketch(source, out):
    """The sketch run these tests make (and resume): ink look, a jitter distribution, seed 7."""
    return run_cli(
        "stylize",
        source,
        "--style",
        "sketch",
        "--set",
        "look=ink",
        "--set",
        "jitter={dist: uniform, min: 0.3, max: 0.6}",
        "--seed",
        "7",
        "-o",
        out,
        "--no-progress",
    )


@pytest.fixture(scope="module")
def sketched(source, tmp_path_factory) -> Path:
    _need("sketch")
    out = tmp_path_factory.mktemp("sketched") / "out"
    r = _sketch(source, out)
    assert r.returncode == 0, r.stderr
    assert "wrote 3 frame(s)" in r.stdout
    return out


def test_stylize_keeps_labels_and_changes_rgb(source, sketched):
    for sub in ("depth", "instance", "normals", "contours"):
        for i in range(3):
            f = f"{sub}/{i:06d}.png"
            assert (sketched / f).read_bytes() == (source / f).read_bytes(), f
    assert (sketched / "annotations" / "instances.jsonl").read_bytes() == (
        source / "annotations" / "instances.jsonl"
    ).read_bytes()
    for f in ("yolo/labels/000001.txt", "yolo-seg/labels/000001.txt"):
        assert (sketched / f).read_bytes() == (source / f).read_bytes(), f
    src_coco = json.loads((source / "annotations" / "coco.json").read_text())
    out_coco = json.loads((sketched / "annotations" / "coco.json").read_text())
    assert out_coco["annotations"] == src_coco["annotations"]
    assert out_coco["images"] == src_coco["images"]
    for i in range(3):
        assert (sketched / f"rgb/{i:06d}.png").read_bytes() != (
            source / f"rgb/{i:06d}.png"
        ).read_bytes()
        spec = json.loads((sketched / f"scene/{i:06d}.json").read_text())
        src = json.loads((source / f"scene/{i:06d}.json").read_text())
        (step,) = spec["post"]["styles"]
        assert step["pass"] == "sketch" and step["params"]["look"] == "ink"
        assert 0.3 <= step["params"]["jitter"] <= 0.6
        del spec["post"]["styles"]
        assert spec == src
    info = json.loads((sketched / "dataset.json").read_text())
    assert info["stylize"][0]["seed"] == 7 and info["frames"] == 3
    assert not list(sketched.rglob(".*tmp*"))


def test_stylize_is_deterministic_and_resumes(source, sketched, tmp_path):
    out = tmp_path / "again"
    shutil.copytree(sketched, out, symlinks=True)
    # Forget the last frame, as if the run had been killed before its manifest line.
    lines = (out / "manifest.jsonl").read_text().splitlines(keepends=True)
    (out / "manifest.jsonl").write_text("".join(lines[:-1]))
    (out / "rgb" / "000002.png").unlink()
    r = _sketch(source, out)
    assert r.returncode == 0, r.stderr
    assert "wrote 1 frame(s)" in r.stdout and "2 already done" in r.stdout
    for i in range(3):
        for sub, ext in (("rgb", "png"), ("scene", "json")):
            f = f"{sub}/{i:06d}.{ext}"
            assert (out / f).read_bytes() == (sketched / f).read_bytes(), f
    # Another chain into the same folder is refused rather than mixed.
    r = run_cli("stylize", source, "--style", "sketch", "--seed", "8", "-o", out, "--no-progress")
    assert r.returncode == 2 and "stylised from another source, chain or seed" in r.stderr


def test_stylize_errors_before_writing(source, tmp_path):
    _need("paint")
    out = tmp_path / "out"
    known = ", ".join(names())
    cases = [
        (
            ["--style", "sktch"],
            f"error: --style: unknown style 'sktch' (known: {known}; or a YAML "
            "file with a styles: list)\n",
        ),
        (
            ["--style", "paint", "--set", "levels=0"],
            "error: --set levels: value must be ≥ 1, got 0\n",
        ),
        (
            ["--style", "paint", "--set", "brush={dist: choice, values: [oil, crayon]}"],
            "error: --set brush: values[1]: expected one of 'oil', 'watercolour', 'marker', 'tape', "
            "got 'crayon'\n",
        ),
        (
            ["--style", "paint", "--p", "1.5"],
            "error: --p: Input should be less than or equal to 1\n",
        ),
    ]
    for args, err in cases:
        r = run_cli("stylize", source, *args, "-o", out)
        assert (r.returncode, r.stderr) == (2, err), args
        assert not out.exists()
    r = run_cli("stylize", source, "--style", "paint", "-o", source)
    assert r.returncode == 2 and r.stderr.startswith("error: -o: must be a new folder")
    r = run_cli("stylize", tmp_path / "nothing", "--style", "paint", "-o", out)
    assert r.returncode == 2 and r.stderr == (
        f"error: {tmp_path / 'nothing'}: not found (expected a synth3d dataset, a folder of "
        "images or a glob such as 'photos/*.jpg')\n"
    )
    assert not out.exists()


def test_stylize_preset_chain_file(source, tmp_path):
    _need("toon", "pixel")
    preset = tmp_path / "look.yaml"
    preset.write_text(
        "styles:\n  - {pass: toon, params: {levels: 3}}\n"
        "  - {pass: pixel, p: 0.5, params: {pixel_size: {dist: randint, min: 2, max: 4}}}\n"
    )
    out = tmp_path / "out"
    r = run_cli(
        "stylize", source, "--style", preset, "--set", "styles[0].params.levels=9", "-o", out
    )
    assert (r.returncode, r.stderr) == (
        2,
        f"error: {preset}: styles[0].params.levels: value must be ≤ 8, got 9\n",
    )
    r = run_cli("stylize", source, "--style", preset, "-o", out, "--no-progress")
    assert r.returncode == 0, r.stderr
    steps = json.loads((out / "scene" / "000000.json").read_text())["post"]["styles"]
    assert [s["pass"] for s in steps] == ["toon", "pixel"]


def test_stylize_transfer_resolves_the_reference_against_the_current_folder(source, tmp_path):
    _need("transfer")
    out = tmp_path / "out"
    r = run_cli(
        "stylize",
        source,
        "--style",
        "transfer",
        "--set",
        "reference=cutouts/backgrounds/street.jpg",
        "-o",
        out,
        "--no-progress",
        cwd=REPO,
    )
    assert r.returncode == 0, r.stderr
    (step,) = json.loads((out / "scene" / "000001.json").read_text())["post"]["styles"]
    assert step["params"]["reference"] == str(REPO / "cutouts" / "backgrounds" / "street.jpg")
    r = run_cli(
        "stylize",
        source,
        "--style",
        "transfer",
        "--set",
        "reference=nothere.jpg",
        "-o",
        tmp_path / "out2",
        cwd=tmp_path,
    )
    assert (r.returncode, r.stderr) == (
        2,
        f"error: --set reference: '{tmp_path / 'nothere.jpg'}' not found\n",
    )


# ---------------------------------------------------------------------------------------------
# Labels stay valid


def _instance_outline(inst: np.ndarray) -> np.ndarray:
    b = np.zeros(inst.shape, bool)
    b[:, 1:] |= inst[:, 1:] != inst[:, :-1]
    b[1:] |= inst[1:] != inst[:-1]
    return b


def test_sketch_lines_lie_on_the_stylised_datasets_label_outlines(sketched):
    """The drawing's lines and the dataset's labels agree within the usual boundary tolerance
    (0.75 % of the diagonal): every instance-mask outline is drawn, and the lines match the
    contour labels (occluding contours — the mask outlines among them — and creases)."""
    import cv2

    from synth3d.post.styles.sketch import boundary_f_score, darkness

    for i in range(3):
        rgb = cv2.imread(str(sketched / f"rgb/{i:06d}.png"))[..., ::-1]
        inst = cv2.imread(str(sketched / f"instance/{i:06d}.png"), cv2.IMREAD_UNCHANGED)
        contours = cv2.imread(str(sketched / f"contours/{i:06d}.png"), cv2.IMREAD_UNCHANGED)
        h, w = inst.shape
        tol = 0.0075 * np.hypot(w, h)
        lines = darkness(rgb.astype(np.float32) / 255.0) > 0.3
        _, _, recall = boundary_f_score(lines, _instance_outline(inst), tol)
        f, _, _ = boundary_f_score(lines, contours > 0, tol)
        assert recall >= 0.95, (i, recall)
        assert f >= 0.9, (i, f)
        # Shifted by 3 px the outlines are no longer found: the agreement is not luck.
        _, _, shifted = boundary_f_score(lines, np.roll(_instance_outline(inst), 3, axis=1), tol)
        assert shifted < recall - 0.2, (i, shifted)
