"""Hardening (issue 20): bad input refused in one line before any frame, output folders that
cannot lose data (lock, foreign files, links, torn files), bounded memory for hostile images."""

from __future__ import annotations

import json
import os
import resource
import signal
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, SCENES, run_cli

SMALL = (
    "name: h\nsize: [64, 48]\nasset_root: {repo}\nassets: {{m: {{path: meshes/mug.glb}}}}\n"
    "objects: [{{name: a, assets: m}}]\n"
)


def _small(tmp_path: Path, extra: str = "") -> Path:
    tpl = tmp_path / "small.yaml"
    tpl.write_text(SMALL.format(repo=REPO) + extra)
    return tpl


def _one_line_error(r, *expected: str) -> str:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error: "), lines[0]
    for e in expected:
        assert e in lines[0], lines[0]
    return lines[0]


def _bomb_png(path: Path, w: int = 30000, h: int = 30000) -> Path:
    """A valid single-colour 1-bit PNG declaring w × h pixels (a few hundred kB)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    row = b"\0" + b"\xff" * ((w + 7) // 8)
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(h)) + comp.flush()
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0))
        + chunk(b"IDAT", idat)
        + chunk(b"IEND", b"")
    )
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    return _bomb_png(tmp_path_factory.mktemp("bomb") / "bomb.png")


# -- numbers, YAML, CLI values ---------------------------------------------------------------


@pytest.mark.parametrize(
    "override, where",
    [
        ("camera.fov_y_deg=.nan", "camera.fov_y_deg: must be a finite number (got nan)"),
        ("objects[0].scale=.inf", "objects[0].scale: must be a finite number (got inf)"),
        (
            "objects[0].scale={dist: uniform, min: 0.5, max: .inf}",
            "objects[0].scale.max: must be a finite number",
        ),
        ("lights=[{type: point, intensity: .nan}]", "lights[0].intensity: must be a finite number"),
        (
            "post.styles=[{pass: toon, params: {outline_px: -.inf}}]",
            "post.styles[0].params.outline_px: must be a finite number",
        ),
    ],
)
def test_non_finite_numbers_are_refused_at_load(tmp_path, override, where):
    tpl = _small(tmp_path)
    out = tmp_path / "out"
    _one_line_error(
        run_cli("render", tpl, "-n", "1", "-o", out, "--set", override, "--no-progress"), where
    )
    assert not out.exists()
    _one_line_error(run_cli("validate", tpl, "--set", override), where)


def test_preview_refuses_nan_fov_in_one_line(tmp_path):
    r = run_cli(
        "preview",
        _small(tmp_path),
        "-n",
        "1",
        "--width",
        "32",
        "-o",
        tmp_path / "p.png",
        "--set",
        "camera.fov_y_deg=.nan",
    )
    _one_line_error(r, "camera.fov_y_deg: must be a finite number")


def test_duplicate_yaml_keys_are_refused(tmp_path):
    tpl = _small(tmp_path, "camera: {fov_y_deg: 40}\nseed: 3\ncamera: {fov_y_deg: 50}\n")
    line = _one_line_error(run_cli("validate", tpl), "duplicate key 'camera'", "line 8")
    assert "first at line 6" in line
    nested = _small(tmp_path, "camera: {fov_y_deg: 40, fov_y_deg: 50}\n")
    _one_line_error(run_cli("validate", nested), "duplicate key 'fov_y_deg'")


def test_negative_seed_is_refused(tmp_path):
    tpl = _small(tmp_path)
    out = tmp_path / "out"
    _one_line_error(
        run_cli("render", tpl, "-n", "1", "-o", out, "--seed", "-1", "--no-progress"),
        "--seed: must be ≥ 0, got -1",
    )
    assert not out.exists()
    _one_line_error(
        run_cli("preview", tpl, "-n", "1", "--seed", "-5", "-o", tmp_path / "p.png"),
        "--seed: must be ≥ 0",
    )


def test_huge_frame_count_is_never_materialised(tmp_path):
    """-n 10¹²: the frames to do are a lazy range, so the run starts at once; here it is
    stopped after two frames (as Ctrl-C would) and keeps them."""
    from synth3d.run.pipeline import render_dataset

    seen = {}

    def on_start(todo, skipped):
        seen["todo"], seen["skipped"] = todo, skipped

    def on_frame(i):
        seen.setdefault("frames", []).append(i)
        if len(seen["frames"]) == 2:
            raise KeyboardInterrupt

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(KeyboardInterrupt):
        render_dataset(
            _small(tmp_path), tmp_path / "out", n=10**12, on_start=on_start, on_frame=on_frame
        )
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
    assert seen["todo"] == 10**12 and seen["skipped"] == 0
    assert seen["frames"] == [0, 1]
    assert grown_mb < 300, grown_mb  # a list of 10¹² ints would need 8 TB
    rows = [json.loads(x) for x in (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()]
    assert [r["index"] for r in rows] == [0, 1]


def test_pending_frames_and_chunk_queue_are_lazy():
    from synth3d.run.lazy import ChunkQueue, PendingFrames

    big = PendingFrames(range(5, 5 + 10**15), done={5, 7, 10**16})
    assert len(big) == 10**15 - 2
    it = iter(big)
    assert [next(it) for _ in range(3)] == [6, 8, 9]
    q = ChunkQueue(big, 4)
    assert len(q) == -(-(10**15 - 2) // 4)
    assert q.popleft() == ([6, 8, 9, 10], 0)
    q.appendleft(([8, 9], 1))  # a retry comes first
    assert q.popleft() == ([8, 9], 1) and q.popleft() == ([11, 12, 13, 14], 0)
    q.clear()
    assert not q and len(q) == 0
    small = ChunkQueue(range(10), 4)
    assert [small.popleft()[0] for _ in range(3)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert not small


# -- images: the pixel limit ------------------------------------------------------------------


def test_image_size_is_read_from_headers(tmp_path):
    import cv2

    from synth3d.assets.images import image_size

    png = tmp_path / "a.png"
    cv2.imwrite(str(png), np.zeros((17, 33, 3), np.uint8))
    hdr = tmp_path / "a.hdr"
    cv2.imwrite(str(hdr), np.ones((20, 40, 3), np.float32))
    exr = tmp_path / "a.exr"
    cv2.imwrite(str(exr), np.ones((9, 18, 3), np.float32))
    jpg = tmp_path / "a.jpg"
    cv2.imwrite(str(jpg), np.zeros((11, 7, 3), np.uint8))
    for p in (png, hdr, exr, jpg):
        img = cv2.imread(str(p), cv2.IMREAD_ANYDEPTH | cv2.IMREAD_COLOR)
        assert image_size(p) == (img.shape[1], img.shape[0]), p
    assert image_size(tmp_path / "missing.png") is None


@pytest.mark.parametrize("use", ["texture", "card", "reference"])
def test_decompression_bomb_is_refused_in_one_line(tmp_path, bomb, use):
    head = f"name: t\nsize: [64, 48]\nasset_root: {REPO}\n"
    mug = "m: {path: meshes/mug.glb}"
    text, where = {
        "texture": (
            f"assets: {{{mug}, b: {{path: {bomb}}}}}\n"
            "objects: [{name: a, assets: m}]\n"
            "backdrops: [{type: floor, texture: {type: image, image: b}}]\n",
            str(bomb),
        ),
        "card": (
            f"assets: {{b: {{path: {bomb}}}}}\nobjects: [{{name: a, assets: b}}]\n",
            str(bomb),
        ),
        "reference": (
            f"assets: {{{mug}}}\nobjects: [{{name: a, assets: m}}]\n"
            f"post: {{styles: [{{pass: transfer, params: {{reference: {bomb}}}}}]}}\n",
            "post.styles[0].params.reference",
        ),
    }[use]
    tpl = tmp_path / "t.yaml"
    tpl.write_text(head + text)
    out = tmp_path / "out"
    r = run_cli("render", tpl, "-n", "1", "-o", out, "--no-progress")
    line = _one_line_error(r, where, "30000×30000", "over the limit of 134,217,728 pixels")
    assert "SYNTH3D_MAX_IMAGE_PIXELS" in line
    assert not out.exists()


def test_bomb_refused_fast_and_small(bomb):
    """The refusal itself: < 1 s and < 200 MB peak memory, in a fresh process."""
    # VmHWM, not ru_maxrss: the latter survives execve, so a child of a big pytest reports
    # pytest's peak.
    code = (
        "import sys, time\n"
        "from synth3d.assets.catalog import load_image_rgb\n"
        "from synth3d.errors import AssetError\n"
        "t0 = time.perf_counter()\n"
        "try:\n    load_image_rgb(sys.argv[1])\nexcept AssetError as e:\n    msg = str(e)\n"
        "dt = time.perf_counter() - t0\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(dt, hwm.split()[1], msg)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code, str(bomb)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    dt, rss_kb, msg = r.stdout.split(" ", 2)
    assert "over the limit" in msg
    assert float(dt) < 1.0, dt
    assert int(rss_kb) / 1024 < 200, rss_kb


def test_pixel_limit_is_overridable(tmp_path, monkeypatch):
    from synth3d.assets.images import check_image_pixels
    from synth3d.errors import AssetError, Synth3dError

    sprite = REPO / "sprites" / "objects" / "donut.png"  # 200 × 200
    check_image_pixels(sprite)
    monkeypatch.setenv("SYNTH3D_MAX_IMAGE_PIXELS", "39999")
    with pytest.raises(AssetError, match="200×200"):
        check_image_pixels(sprite)
    monkeypatch.setenv("SYNTH3D_MAX_IMAGE_PIXELS", "40000")
    check_image_pixels(sprite)
    monkeypatch.setenv("SYNTH3D_MAX_IMAGE_PIXELS", "many")
    with pytest.raises(Synth3dError, match="SYNTH3D_MAX_IMAGE_PIXELS"):
        check_image_pixels(sprite)
    monkeypatch.delenv("SYNTH3D_MAX_IMAGE_PIXELS")
    tpl = tmp_path / "t.yaml"
    tpl.write_text(
        f"name: t\nsize: [64, 48]\nassets: {{s: {{path: {sprite}}}}}\n"
        "objects: [{name: a, assets: s}]\n"
    )
    _one_line_error(
        run_cli("--max-image-pixels", "1000", "validate", tpl),
        str(sprite),
        "over the limit of 1,000 pixels",
    )
    assert run_cli("--max-image-pixels", "0", "validate", tpl).returncode == 0


# -- assets with broken numbers -----------------------------------------------------------------


def test_nan_hdri_is_refused(tmp_path):
    import cv2

    exr = tmp_path / "nan.exr"
    assert cv2.imwrite(str(exr), np.full((16, 32, 3), np.nan, np.float32))
    tpl = _small(tmp_path, "")
    tpl.write_text(
        tpl.read_text().replace(
            "assets: {m: {path: meshes/mug.glb}}",
            f"assets: {{m: {{path: meshes/mug.glb}}, h: {{path: {exr}}}}}",
        )
        + "environment: {hdri: h}\n"
    )
    out = tmp_path / "out"
    _one_line_error(
        run_cli("render", tpl, "-n", "1", "-o", out, "--no-progress"),
        str(exr),
        "512 pixel(s) that are not finite",
    )
    assert not out.exists()


@pytest.mark.parametrize(
    "bad, expected", [("nan", "non-finite coordinates"), ("1e38", "coordinates up to 1e+38")]
)
def test_broken_mesh_vertices_are_refused_at_preflight(tmp_path, bad, expected):
    obj = tmp_path / "bad.obj"
    obj.write_text(f"v 0 0 0\nv 0.1 0 0\nv 0 0.1 0\nv 0 0 {bad}\nf 1 2 3\nf 1 2 4\nf 1 3 4\n")
    tpl = tmp_path / "t.yaml"
    tpl.write_text(
        f"name: t\nsize: [64, 48]\nassets: {{m: {{path: {obj}}}}}\n"
        "objects: [{name: a, assets: m}]\n"
    )
    out = tmp_path / "out"
    _one_line_error(
        run_cli("render", tpl, "-n", "1", "-o", out, "--no-progress"), str(obj), expected
    )
    assert not out.exists()


# -- image size vs the GL context --------------------------------------------------------------


def test_size_beyond_the_gl_limits_names_the_largest(tmp_path):
    out = tmp_path / "out"
    r = run_cli(
        "render", _small(tmp_path), "-n", "1", "-o", out, "--size", "16384x16384", "--no-progress"
    )
    line = _one_line_error(r, "--size: 16384x16384 is too large for this GL stack")
    import re

    m = re.search(r"the largest size of this aspect it renders is (\d+)x(\d+)$", line)
    assert m, line
    w, h = int(m[1]), int(m[2])
    assert w == h and 1024 <= w < 16384
    assert not out.exists()


def test_largest_size_fits_and_is_tight():
    from synth3d.render.limits import fits, largest_size

    soft = {
        "max_renderbuffer": 16384,
        "max_viewport": (16384, 16384),
        "max_samples": 4,
        "max_buffer_bytes": 1 << 31,
        "renderer": "llvmpipe",
    }
    gpu = dict(soft, max_renderbuffer=32768, max_viewport=(32768, 32768), max_buffer_bytes=None)
    assert fits(soft, 8192, 8192, 4) is None and fits(soft, 8193, 8192, 4)
    for limits, (W, H) in ((soft, (16000, 9000)), (soft, (16384, 16384)), (gpu, (40000, 1000))):
        w, h = largest_size(limits, W, H, 4)
        assert fits(limits, w, h, 4) is None
        assert fits(limits, w + 2, round((w + 2) * H / W), 4) is not None
        assert abs(w / h - W / H) < 0.01 * W / H + 1 / h
    assert "GL_MAX_SAMPLES" in fits(soft, 64, 64, 8)


# -- stylize ------------------------------------------------------------------------------------


def test_stylize_into_its_own_source_is_refused(tmp_path):
    from synth3d.run.pipeline import render_dataset

    src = tmp_path / "src"
    render_dataset(_small(tmp_path), src, n=1)
    before = sorted(p.relative_to(src) for p in src.rglob("*"))
    for target in (src / "sub", src / "a" / "b", src):
        _one_line_error(
            run_cli("stylize", src, "--style", "toon", "-o", target, "--no-progress"), "-o:"
        )
    _one_line_error(
        run_cli("stylize", src, "--style", "toon", "-o", tmp_path, "--no-progress"),
        "holds the source dataset",
    )
    chain = tmp_path / "chain.yaml"
    chain.write_text("styles:\n  - {pass: toon, pass: sketch}\n")
    _one_line_error(
        run_cli("stylize", src, "--style", chain, "-o", tmp_path / "styled", "--no-progress"),
        "duplicate key 'pass'",
    )
    assert not (tmp_path / "styled").exists()
    assert sorted(p.relative_to(src) for p in src.rglob("*")) == before


# -- output folders -----------------------------------------------------------------------------


@pytest.mark.parametrize("sub", ["rgb", "depth", "scene", "annotations"])
def test_folder_with_only_user_files_in_a_data_folder_is_refused(tmp_path, sub):
    out = tmp_path / "out"
    (out / sub).mkdir(parents=True)
    mine = out / sub / ("instances.jsonl" if sub == "annotations" else "000000.png")
    mine.write_bytes(b"my own file")
    r = run_cli("render", _small(tmp_path), "-n", "1", "-o", out, "--no-progress")
    _one_line_error(r, f"holds {sub}/{mine.name} but no synth3d dataset")
    assert mine.read_bytes() == b"my own file"
    assert sorted(p.name for p in out.iterdir()) == [sub]


def test_folder_of_a_run_that_failed_before_any_frame_takes_the_corrected_template(tmp_path):
    from synth3d.run.pipeline import render_dataset

    out = tmp_path / "out"
    tpl = _small(tmp_path)
    render_dataset(tpl, out, n=1, seed=1)
    (out / "manifest.jsonl").write_bytes(b"")  # as a run that died before finishing frame 0
    r = run_cli("render", tpl, "-n", "1", "-o", out, "--seed", "2", "--no-progress")
    assert r.returncode == 0, r.stderr
    assert json.loads((out / "dataset.json").read_text())["seed"] == 2
    # with a finished frame the folder is kept for its own template
    _one_line_error(
        run_cli("render", tpl, "-n", "1", "-o", out, "--seed", "3", "--no-progress"),
        "holds a dataset with a different seed",
    )


def test_foreign_label_lines_in_a_dataset_are_refused(tmp_path):
    from synth3d.run.pipeline import render_dataset

    out = tmp_path / "out"
    tpl = _small(tmp_path)
    render_dataset(tpl, out, n=2)
    inst = out / "annotations" / "instances.jsonl"
    lines = inst.read_bytes().splitlines(keepends=True)
    inst.write_bytes(lines[0] + b'{"image": "cat.png", "label": 3}\n' + lines[1])
    r = run_cli("render", tpl, "-n", "3", "-o", out, "--no-progress")
    _one_line_error(r, "instances.jsonl: line 2 is not a synth3d labels row")


def test_symlinked_data_folder_is_not_followed(tmp_path):
    elsewhere = tmp_path / "photos"
    elsewhere.mkdir()
    (elsewhere / "000000.png").write_bytes(b"holiday")
    out = tmp_path / "out"
    out.mkdir()
    (out / "rgb").symlink_to(elsewhere, target_is_directory=True)
    r = run_cli("render", _small(tmp_path), "-n", "1", "-o", out, "--no-progress")
    _one_line_error(r, "rgb: is a symbolic link")
    assert sorted(p.name for p in elsewhere.iterdir()) == ["000000.png"]
    assert (elsewhere / "000000.png").read_bytes() == b"holiday"


@pytest.mark.parametrize("victim", ["annotations/instances.jsonl", "manifest.jsonl"])
def test_torn_last_line_is_dropped_and_its_frame_rendered_again(tmp_path, victim):
    from synth3d.run.pipeline import render_dataset

    tpl = _small(tmp_path)
    clean, torn = tmp_path / "clean", tmp_path / "torn"
    render_dataset(tpl, clean, n=3)
    render_dataset(tpl, torn, n=3)
    # A crash while appending frame 2's line: the file ends mid-line (finalize had not run).
    path = torn / victim
    data = path.read_bytes()
    last = data[:-1].rfind(b"\n") + 1
    path.write_bytes(data[: last + (len(data) - last) // 2])
    r = run_cli("render", tpl, "-n", "3", "-o", torn, "--no-progress")
    assert r.returncode == 0, r.stderr
    assert (
        "dropped a torn last line" in r.stderr and "resuming: 2 frame(s) already done" in r.stderr
    )
    assert "wrote 1 frame(s)" in r.stdout
    for f in ("annotations/coco.json", "annotations/instances.jsonl", "manifest.jsonl"):
        assert (torn / f).read_bytes() == (clean / f).read_bytes(), f
    assert len(json.loads((torn / "annotations/coco.json").read_text())["images"]) == 3


def test_second_run_into_a_locked_folder_is_refused_naming_the_pid(tmp_path):
    out = tmp_path / "out"
    tpl = _small(tmp_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom pathlib import Path\n"
            "from synth3d.writers.folder import FolderLock\n"
            "Path(sys.argv[1]).mkdir()\nlock = FolderLock(Path(sys.argv[1])).acquire()\n"
            "print('locked', flush=True)\ntime.sleep(600)\n",
            str(out),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        r = run_cli("render", tpl, "-n", "1", "-o", out, "--no-progress")
        _one_line_error(r, f"is in use by another synth3d run (PID {holder.pid})")
        assert not (out / "manifest.jsonl").exists()
    finally:
        holder.send_signal(signal.SIGKILL)  # kill -9: the kernel drops the lock
        holder.wait()
    r = run_cli("render", tpl, "-n", "1", "-o", out, "--no-progress")
    assert r.returncode == 0, r.stderr
    # released on exit: a third run resumes at once
    r = run_cli("render", tpl, "-n", "1", "-o", out, "--no-progress")
    assert r.returncode == 0 and "wrote 0 frame(s)" in r.stdout


def test_lock_is_released_by_the_python_api(tmp_path):
    from synth3d.errors import DatasetError
    from synth3d.run.pipeline import render_dataset
    from synth3d.writers.folder import FolderLock

    tpl = _small(tmp_path)
    render_dataset(tpl, tmp_path / "out", n=1)
    with FolderLock(tmp_path / "out"):
        with pytest.raises(DatasetError, match=f"PID {os.getpid()}"):
            render_dataset(tpl, tmp_path / "out", n=2)
    assert render_dataset(tpl, tmp_path / "out", n=2)["rendered"] == 1


# -- confining asset paths ----------------------------------------------------------------------


def test_asset_roots_confine_every_path(tmp_path):
    outside = tmp_path / "outside.png"
    outside.write_bytes((REPO / "sprites" / "objects" / "donut.png").read_bytes())
    tpl = tmp_path / "t.yaml"
    tpl.write_text(
        f"name: t\nsize: [64, 48]\nasset_root: {REPO}\n"
        "assets: {m: {path: meshes/mug.glb}, s: {path: ../../../../../"
        + str(outside).lstrip("/")
        + "}}\n"
        "objects: [{name: a, assets: m}, {name: b, assets: s}]\n"
    )
    assert run_cli("validate", tpl).returncode == 0  # a CLI user may name any readable file
    _one_line_error(
        run_cli("--asset-roots", str(REPO), "validate", tpl),
        "assets.s.path:",
        "is outside the allowed asset roots",
    )
    ok = tmp_path / "ok.yaml"
    ok.write_text(
        SMALL.format(repo=REPO) + "post: {styles: [{pass: transfer, params: "
        f"{{reference: {outside}}}}}]}}\n"
    )
    _one_line_error(
        run_cli("--asset-roots", str(REPO), "validate", ok),
        "post.styles[0].params.reference:",
        "outside the allowed asset roots",
    )
    assert run_cli("--asset-roots", f"{REPO}{os.pathsep}{tmp_path}", "validate", ok).returncode == 0
    # a link inside a root that points outside it does not get through
    root = tmp_path / "root"
    root.mkdir()
    (root / "sneaky.png").symlink_to(outside)
    linked = tmp_path / "linked.yaml"
    linked.write_text(
        f"name: t\nsize: [64, 48]\nassets: {{s: {{path: {root}/*.png}}}}\n"
        "objects: [{name: b, assets: s}]\n"
    )
    assert run_cli("validate", linked).returncode == 0
    _one_line_error(
        run_cli("--asset-roots", str(root), "validate", linked),
        "assets.s.path:",
        "outside.png' is outside the allowed asset roots",
    )  # the link's target
    env = dict(os.environ, SYNTH3D_ASSET_ROOTS=str(tmp_path / "nowhere"))
    r = subprocess.run(
        [sys.executable, "-m", "synth3d", "validate", str(SCENES / "cards.yaml")],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
    )
    _one_line_error(r, "outside the allowed asset roots")
