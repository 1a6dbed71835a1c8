"""The real command line: outputs, determinism, rerender, resume, and one-line errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, SCENES, run_cli, shared

FRAME_FILES = ("rgb", "depth", "instance", "scene")


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_render_writes_the_dataset_contract(tmp_path):
    out = tmp_path / "out"
    r = run_cli(
        "render",
        SCENES / "tabletop.yaml",
        "-n",
        "3",
        "-o",
        out,
        "--seed",
        "5",
        "--size",
        "96x72",
        "--no-progress",
    )
    assert r.returncode == 0, r.stderr
    assert "wrote 3 frame(s)" in r.stdout
    for i in range(3):
        for sub, ext in (("rgb", "png"), ("depth", "png"), ("instance", "png"), ("scene", "json")):
            assert (out / sub / f"{i:06d}.{ext}").is_file()
    info = json.loads((out / "dataset.json").read_text())
    assert info["seed"] == 5 and info["width"] == 96 and info["height"] == 72
    assert info["frames"] == 3 and info["depth_scale"] == 1.0
    assert info["categories"] == {"1": "mug", "2": "bottle", "3": "toy", "4": "vase", "5": "chair"}
    assert "llvmpipe" in info["gl_renderer"] or info["gl_renderer"]
    assert info["template"]["name"] == "tabletop"
    rows = [json.loads(l) for l in (out / "manifest.jsonl").read_text().splitlines()]
    assert [r["index"] for r in rows] == [0, 1, 2]
    assert rows[0]["files"]["rgb"] == "rgb/000000.png" and rows[0]["seed"] == 5
    csv = (out / "manifest.csv").read_text().splitlines()
    assert csv[0] == "index,seed,rgb,depth,instance,scene" and len(csv) == 4
    scene = json.loads((out / "scene" / "000001.json").read_text())
    assert len(scene["camera"]["K"]) == 3 and len(scene["camera"]["T_world_cam"]) == 4
    assert all(o["kind"] == "mesh" and len(o["T_world_asset"]) == 4 for o in scene["objects"])
    assert not list(out.rglob(".*tmp*")), "no temporary files are left behind"


def test_frames_do_not_depend_on_count_or_start(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert (
        run_cli(
            "render", SCENES / "cards.yaml", "-n", "4", "-o", a, "--size", "80x60", "--no-progress"
        ).returncode
        == 0
    )
    assert (
        run_cli(
            "render",
            SCENES / "cards.yaml",
            "--start",
            "2",
            "-n",
            "2",
            "-o",
            b,
            "--size",
            "80x60",
            "--no-progress",
        ).returncode
        == 0
    )
    for i in (2, 3):
        for sub, ext in (("rgb", "png"), ("depth", "png"), ("instance", "png"), ("scene", "json")):
            f = f"{sub}/{i:06d}.{ext}"
            assert (a / f).read_bytes() == (b / f).read_bytes(), f
    assert not (b / "rgb" / "000000.png").exists()


def test_rerender_reproduces_files_byte_for_byte(tabletop_small, tmp_path):
    for i in range(5):  # every frame: each one alone in a fresh process
        r = run_cli("rerender", tabletop_small / "scene" / f"{i:06d}.json", "-o", tmp_path / "re")
        assert r.returncode == 0, r.stderr
        for sub, ext in (("rgb", "png"), ("depth", "png"), ("instance", "png"), ("scene", "json")):
            f = f"{sub}/{i:06d}.{ext}"
            assert (tmp_path / "re" / f).read_bytes() == (tabletop_small / f).read_bytes(), f


def test_frames_do_not_depend_on_what_the_process_drew_before(tmp_path):
    """Frame i rendered in a long run equals frame i rendered first in another process (caches
    — textures, sampler state, shaders — must not leak between frames)."""
    from synth3d.run.pipeline import render_dataset

    render_dataset(SCENES / "tabletop.yaml", tmp_path / "all", n=12, seed=6, size=(96, 72))
    for start in (4, 9):
        render_dataset(
            SCENES / "tabletop.yaml",
            tmp_path / f"s{start}",
            n=3,
            seed=6,
            size=(96, 72),
            start=start,
        )
        for i in range(start, start + 3):
            f = f"rgb/{i:06d}.png"
            assert (tmp_path / "all" / f).read_bytes() == (
                tmp_path / f"s{start}" / f
            ).read_bytes(), f


def test_killed_run_resumes_to_identical_dataset(tmp_path):
    args = [
        "render",
        SCENES / "tabletop.yaml",
        "-n",
        "12",
        "--size",
        "96x72",
        "--seed",
        "2",
        "--no-progress",
    ]
    clean = tmp_path / "clean"
    assert run_cli(*args, "-o", clean).returncode == 0
    killed = tmp_path / "killed"
    p = subprocess.Popen(
        [sys.executable, "-m", "synth3d", *map(str, args), "-o", str(killed)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    manifest = killed / "manifest.jsonl"
    while time.time() < deadline:
        if manifest.exists() and manifest.read_text().count("\n") >= 3:
            break
        time.sleep(0.02)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    done_before = manifest.read_text().count("\n")
    assert 3 <= done_before < 12, "the kill should land mid-run"
    r = run_cli(*args, "-o", killed)
    assert r.returncode == 0, r.stderr
    assert "already done" in r.stdout
    a, b = _files(clean), _files(killed)
    assert sorted(a) == sorted(b)
    for k in a:
        assert a[k] == b[k], k


@pytest.mark.parametrize(
    "yaml_text,expected",
    [
        ("name: [unclosed\n", "invalid YAML: line"),
        (
            "objects:\n  - {name: a, assets: m, scale: {dist: uniform, min: 2, max: 1}}\n"
            "assets: {m: {path: meshes/mug.glb}}\nasset_root: REPO\n",
            "objects[0].scale.max: must be ≥ min",
        ),
        (
            "assets: {m: {path: meshes/nothere.glb}}\nasset_root: REPO\nobjects: [{name: a, assets: m}]\n",
            "assets.m.path: '",
        ),
        ("assets: {m: {path: CORRUPT}}\nobjects: [{name: a, assets: m}]\n", "cannot read mesh"),
        (
            "assets: {m: {path: meshes/mug.glb}}\nasset_root: REPO\n"
            "objects: [{name: a, assets: m, count: 30, placement: {region: {x: [0, 0.01], y: [0, 0.01]},"
            " non_overlap: true, max_attempts: 5}}]\n",
            "objects[0].placement: could not place 'a'",
        ),
        ("assets: {h: {path: BADHDR}}\nenvironment: {hdri: h}\n", "cannot read HDRI"),
        ("assets: {c: {path: BADPNG}}\nobjects: [{name: c, assets: c}]\n", "cannot read image"),
        (
            "assets: {m: {path: meshes/mug.glb}}\nasset_root: REPO\nobjects: [{name: a, assets: m, "
            "scale: 0}]\n",
            "objects[0].scale: value must be > 0, got 0",
        ),
        (
            "camera: {fov_y_deg: {dist: uniform, min: 30, max: 190}}\n",
            "camera.fov_y_deg: values must be < 180",
        ),
        (
            "assets: {m: {path: meshes/mug.glb}}\nasset_root: REPO\nobjects: [{name: a, assets: m, "
            "screen_height: 0.3}]\n",
            "objects[0].screen_height: only cards have this size",
        ),
        ("", "the template is empty"),
        ("mode: exhaustive\n", "mode: 'exhaustive' enumerates attributes, and none are defined"),
        (
            "assets: {c: {path: REPO/sprites/objects}}\nobjects: [{name: c, assets: c, placement: "
            "{mode: relative}}]\n",
            "objects[0].placement: mode 'relative' needs `to:",
        ),
    ],
)
def test_bad_input_one_line_error_nothing_written(tmp_path, yaml_text, expected):
    corrupt = tmp_path / "broken.glb"
    corrupt.write_bytes(b"glTF\x02\x00\x00\x00garbage" * 3)
    bad_hdr = tmp_path / "bad.hdr"
    bad_hdr.write_bytes(b"#?RADIANCE\nnot really\n")
    bad_png = tmp_path / "bad.png"
    bad_png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    tpl = tmp_path / "t.yaml"
    tpl.write_text(
        yaml_text.replace("REPO", str(REPO))
        .replace("CORRUPT", str(corrupt))
        .replace("BADHDR", str(bad_hdr))
        .replace("BADPNG", str(bad_png))
    )
    out = tmp_path / "out"
    r = run_cli("render", tpl, "-n", "2", "-o", out, "--no-progress")
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error: ") and expected in lines[0], lines[0]
    assert not out.exists(), "nothing is rendered or written before the input is known good"
    v = run_cli("validate", tpl)
    assert v.returncode != 0 and expected in v.stderr


def test_bop_without_amodal_masks_is_refused_before_rendering(tmp_path):
    r = run_cli(
        "render",
        SCENES / "cards.yaml",
        "-n",
        "2",
        "-o",
        tmp_path / "o",
        "--format",
        "bop",
        "--set",
        "labels.amodal=false",
        "--no-progress",
    )
    assert r.returncode == 2 and "labels.amodal: the bop format needs amodal masks" in r.stderr
    assert not (tmp_path / "o").exists()


def test_no_frames_and_foreign_folders_are_refused(tmp_path):
    r = run_cli("render", SCENES / "cards.yaml", "-n", "0", "-o", tmp_path / "o")
    assert r.returncode == 2 and "-n: must be ≥ 1" in r.stderr and not (tmp_path / "o").exists()
    other = tmp_path / "notes"
    other.mkdir()
    (other / "todo.txt").write_text("mine")
    r = run_cli("render", SCENES / "cards.yaml", "-n", "1", "-o", other, "--no-progress")
    assert r.returncode == 2 and "is not empty (todo.txt" in r.stderr
    assert sorted(p.name for p in other.iterdir()) == ["todo.txt"]


def test_existing_dataset_of_another_template_is_not_mixed(tabletop_small):
    before = (tabletop_small / "manifest.jsonl").read_bytes()
    r = run_cli("render", SCENES / "cards.yaml", "-n", "1", "-o", tabletop_small, "--no-progress")
    assert r.returncode != 0 and "different" in r.stderr
    assert (tabletop_small / "manifest.jsonl").read_bytes() == before


def test_bad_cli_values():
    r = run_cli("render", SCENES / "cards.yaml", "-o", "/tmp/x", "--size", "big")
    assert r.returncode != 0 and "--size: expected WIDTHxHEIGHT" in r.stderr
    r = run_cli("render", SCENES / "cards.yaml", "-o", "/tmp/x", "--set", "camera.fov_y_deg")
    assert r.returncode != 0 and "--set: expected key=value" in r.stderr
    r = run_cli("render", SCENES / "nothere.yaml", "-o", "/tmp/x")
    assert r.returncode != 0 and "template file not found" in r.stderr


def test_validate_schema_doctor_help():
    for name in ("tabletop", "cards", "sprites"):
        r = run_cli("validate", SCENES / f"{name}.yaml", "--frames", "3")
        assert r.returncode == 0 and r.stdout.startswith("ok: "), r.stderr
    r = run_cli("schema")
    assert r.returncode == 0 and json.loads(r.stdout)["title"] == "synth3d scene template"
    r = run_cli("doctor")
    assert r.returncode == 0, r.stderr
    assert "renderer:" in r.stdout and "rendering: software" in r.stdout  # CI has no GPU
    for cmd in ("render", "validate", "schema", "doctor", "rerender"):
        h = run_cli(cmd, "--help")
        assert h.returncode == 0 and "Usage" in h.stdout


def test_exhaustive_sprites_on_shared_set_gives_220_distinct_rows(tmp_path):
    root = shared("sprites")
    out = tmp_path / "sprites"
    r = run_cli(
        "render",
        SCENES / "sprites.yaml",
        "-o",
        out,
        "--set",
        "mode=exhaustive",
        "--set",
        f"asset_root={root}",
        "--size",
        "64x36",
        "--no-progress",
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    rows = (out / "manifest.csv").read_text().splitlines()
    header, body = rows[0].split(","), [r.split(",") for r in rows[1:]]
    assert header[-3:] == ["background", "character", "object"]
    combos = {tuple(r[-3:]) for r in body}
    assert len(body) == 220 and len(combos) == 220
    coco = json.loads((out / "annotations" / "coco.json").read_text())
    assert len(coco["images"]) == 220
    # One character per image, plus an object unless the attribute says none.
    n_objects = sum(1 for r in body if r[-1] != "none")
    assert len(coco["annotations"]) == 220 + n_objects
    names = {c["id"]: c["name"] for c in coco["categories"]}
    by_image = {}
    for a in coco["annotations"]:
        by_image.setdefault(a["image_id"], set()).add(names[a["category_id"]])
    for r in body:
        assert r[-2] in by_image[int(r[0])]


def test_osmesa_backend_renders_the_same_frames(tmp_path):
    import ctypes.util

    if not ctypes.util.find_library("OSMesa"):
        pytest.skip("libOSMesa not installed (apt-get install libosmesa6)")
    a, b = tmp_path / "egl", tmp_path / "osmesa"
    for out, gl in ((a, "egl"), (b, "osmesa")):
        r = run_cli(
            "render",
            SCENES / "cards.yaml",
            "-n",
            "2",
            "-o",
            out,
            "--size",
            "80x60",
            "--gl",
            gl,
            "--no-progress",
        )
        assert r.returncode == 0, r.stderr
    assert json.loads((b / "dataset.json").read_text())["gl_renderer"]
    for f in ("instance/000001.png", "depth/000001.png"):
        assert (a / f).read_bytes() == (b / f).read_bytes()
