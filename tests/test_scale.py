"""Scale-out and faults: worker processes, shards + merge, Ray, webdataset, kill -9, crashes,
disk errors. Every layout must write the very same bytes as one plain run."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
from conftest import REPO, run_cli

N = 12
ARGS = [
    "render",
    "scenes/tabletop.yaml",
    "-n",
    str(N),
    "--size",
    "128x96",
    "--seed",
    "5",
    "--format",
    "coco,yolo,bop,webdataset",
    "--set",
    "output.webdataset_samples=5",
    "--no-progress",
]


def tree(root: Path) -> dict[str, str]:
    """Every file (content hash) and link (target) under ``root``, by relative path."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = "link:" + os.readlink(p)
        elif p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def assert_same_dataset(ref: Path, other: Path) -> None:
    a, b = tree(ref), tree(other)
    assert sorted(a) == sorted(b), (sorted(set(a) ^ set(b)))[:10]
    diff = [k for k in a if a[k] != b[k]]
    assert not diff, diff[:10]


def _cli(*args, env=None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "synth3d", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, **(env or {})),
        **kw,
    )


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("scale") / "one_run"
    r = run_cli(*ARGS, "-o", out)
    assert r.returncode == 0, r.stderr
    return out


def test_reference_dataset_is_complete(reference):
    rows = [json.loads(line) for line in (reference / "manifest.jsonl").read_text().splitlines()]
    assert [r["index"] for r in rows] == list(range(N))
    assert not list(reference.rglob(".*tmp*"))
    # 12 frames, 5 per tar: shards 0, 1 and a partial 2.
    index = json.loads((reference / "webdataset" / "index.json").read_text())
    assert [s["file"] for s in index["shards"]] == [f"shard-{i:06d}.tar" for i in range(3)]
    assert [s["frames"] for s in index["shards"]] == [
        list(range(0, 5)),
        list(range(5, 10)),
        [10, 11],
    ]


def test_workers_write_the_same_bytes(reference, tmp_path):
    out = tmp_path / "w2"
    r = run_cli(*ARGS, "-o", out, "--workers", "2", "--chunk", "3")
    assert r.returncode == 0, r.stderr
    assert_same_dataset(reference, out)


def test_shards_merged_equal_one_run(reference, tmp_path):
    parts = []
    for k in range(3):
        part = tmp_path / f"part{k}"
        r = run_cli(*ARGS, "-o", part, "--shard", f"{k}/3", "--shard-layout", "interleaved")
        assert r.returncode == 0, r.stderr
        parts.append(part)
    rows = [json.loads(x) for x in (parts[1] / "manifest.jsonl").read_text().splitlines()]
    assert [x["index"] for x in rows] == [1, 4, 7, 10]
    assert json.loads((parts[1] / "dataset.json").read_text())["shard"]["index"] == 1

    r = run_cli("merge", parts[0], parts[1], "-o", tmp_path / "m")
    assert r.returncode != 0
    assert r.stderr.strip().splitlines()[-1] == (
        "error: merge: missing shard(s) 2/3 (or merge anyway with --partial)"
    )
    r = run_cli("merge", *parts, "-o", tmp_path / "merged")
    assert r.returncode == 0, r.stderr
    assert f"merged {N} frame(s) from 3 dataset(s)" in r.stdout
    assert_same_dataset(reference, tmp_path / "merged")
    # Contiguous shards too (two parts, blocks 0-5 and 6-11).
    for k in range(2):
        assert run_cli(*ARGS, "-o", tmp_path / f"c{k}", "--shard", f"{k}/2").returncode == 0
    rows = [json.loads(x) for x in (tmp_path / "c1" / "manifest.jsonl").read_text().splitlines()]
    assert [x["index"] for x in rows] == list(range(6, 12))
    assert run_cli("merge", tmp_path / "c0", tmp_path / "c1", "-o", tmp_path / "cm").returncode == 0
    assert_same_dataset(reference, tmp_path / "cm")


def test_merge_refuses_other_runs_and_bad_shards(tmp_path, reference):
    other = tmp_path / "other"
    assert run_cli(*[a if a != "5" else "6" for a in ARGS], "-n", "1", "-o", other).returncode == 0
    r = run_cli("merge", reference, other, "-o", tmp_path / "m")
    assert r.returncode != 0
    assert (
        r.stderr.strip() == f"error: {other}: has a different seed than {reference}; only "
        "shards of one run can be merged"
    )
    r = run_cli("merge", reference, "-o", reference)
    assert "the output folder is one of the inputs" in r.stderr
    for bad, msg in (
        ("3/2", "K/N needs 0 ≤ K < N, got '3/2' (K counts from 0)"),
        ("a/2", "must look like K/N (e.g. 0/4), got 'a/2'"),
    ):
        r = run_cli(*ARGS, "-o", tmp_path / "x", "--shard", bad)
        assert r.returncode != 0 and r.stderr.strip() == f"error: --shard: {msg}"
    r = run_cli(*ARGS, "-o", tmp_path / "x", "--gpus", "0,a")
    assert r.stderr.strip() == "error: --gpus: must be comma-separated device numbers, got '0,a'"
    assert not (tmp_path / "x").exists()


def _spawned_workers() -> set[int]:
    r = subprocess.run(["pgrep", "-f", "multiprocessing.spawn"], capture_output=True, text=True)
    return {int(p) for p in r.stdout.split()}


def kill_after(cmd: list[str], out: Path, frames: int, timeout: float) -> int:
    """Start ``cmd``, SIGKILL it once ``frames`` manifest lines exist; returns the lines at the
    kill (asserted to be ≥ ``frames`` and < N, or the kill tested nothing)."""
    p = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifest = out / "manifest.jsonl"
    deadline = time.time() + timeout
    while time.time() < deadline:
        if manifest.exists() and manifest.read_bytes().count(b"\n") >= frames:
            break
        time.sleep(0.02)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    done = manifest.read_bytes().count(b"\n")
    assert frames <= done < N, "the kill came too late (or too early) to test anything"
    return done


@pytest.mark.parametrize("workers", [1, 2])
def test_kill_9_and_resume_is_byte_identical(reference, tmp_path, workers):
    out = tmp_path / "killed"
    before = _spawned_workers()
    done_at_kill = kill_after(
        [
            sys.executable,
            "-m",
            "synth3d",
            *ARGS,
            "-o",
            str(out),
            "--workers",
            str(workers),
            "--chunk",
            "2",
        ],
        out,
        4,
        120,
    )
    time.sleep(1.0)
    assert _spawned_workers() - before == set(), "workers outlived the killed run"
    # Nothing half-written under a final name: every PNG listed or not decodes completely.
    import cv2

    for png in out.rglob("*.png"):
        if not png.is_symlink():
            assert cv2.imread(str(png), cv2.IMREAD_UNCHANGED) is not None, png
    r = run_cli(*ARGS, "-o", out, "--workers", str(workers))
    assert r.returncode == 0, r.stderr
    assert f"resuming: {done_at_kill} frame(s) already done" in r.stderr, r.stderr
    assert_same_dataset(reference, out)


def test_crashed_worker_is_retried(reference, tmp_path):
    out = tmp_path / "crash"
    r = _cli(
        *ARGS,
        "-o",
        out,
        "--workers",
        "2",
        "--chunk",
        "4",
        env={"SYNTH3D_TEST_FAULT": f"exit:6:{tmp_path / 'marker'}"},
    )
    assert r.returncode == 0, r.stderr
    assert (
        "frame 6: worker 0 failed (exited with code 70); retrying frames 4–7 on a new worker"
        in r.stderr
        or "frame 6: worker 1 failed (exited" in r.stderr
    ), r.stderr
    assert_same_dataset(reference, out)


def test_crash_beyond_retries_stops_keeping_finished_frames(reference, tmp_path):
    out = tmp_path / "stop"
    r = _cli(
        *ARGS,
        "-o",
        out,
        "--workers",
        "2",
        "--chunk",
        "4",
        "--retries",
        "0",
        env={"SYNTH3D_TEST_FAULT": f"raise:9:{tmp_path / 'marker'}"},
    )
    assert r.returncode == 2
    last = r.stderr.strip().splitlines()[-1]
    assert (
        last.startswith("error: frame 9: worker ")
        and "failed 1 time(s): RuntimeError: "
        "injected fault at frame 9; stopping (finished frames are kept"
        in last
    ), last
    assert "Traceback" not in r.stderr
    # The frames before the failure and the other worker's chunk are kept.
    rows = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    assert {x["index"] for x in rows} == set(range(9))
    r = run_cli(*ARGS, "-o", out, "--workers", "2")
    assert r.returncode == 0, r.stderr
    assert_same_dataset(reference, out)


def test_write_errors_are_one_line_and_resumable(reference, tmp_path):
    """A full disk (simulated with a file-size limit: writes fail with EFBIG) stops the run with
    one line; frames written before stay; the same command finishes the dataset."""
    out = tmp_path / "full"
    assert run_cli(*ARGS[:3], "3", *ARGS[4:], "-o", out).returncode == 0
    limit = (
        "import resource, signal, runpy, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4000, 4000)); "
        "sys.argv = ['synth3d'] + sys.argv[1:]; runpy.run_module('synth3d', run_name='__main__')"
    )
    r = subprocess.run(
        [sys.executable, "-c", limit, *ARGS, "-o", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 2
    err = r.stderr.strip().splitlines()[-1]
    assert err.startswith(f"error: {out}/") and "cannot write (File too large)" in err, err
    assert "Traceback" not in r.stderr
    assert not list(out.rglob(".*tmp*"))
    r = run_cli(*ARGS, "-o", out)
    assert r.returncode == 0, r.stderr
    assert_same_dataset(reference, out)


def test_webdataset_shards_load_with_webdataset(reference):
    wds = pytest.importorskip("webdataset")
    coco = json.loads((reference / "annotations" / "coco.json").read_text())
    urls = [str(p) for p in sorted((reference / "webdataset").glob("shard-*.tar"))]
    samples = list(wds.WebDataset(urls, shardshuffle=False).decode("rgb8"))
    assert [s["__key__"] for s in samples] == [f"{i:06d}" for i in range(N)]
    s = samples[3]
    assert set(s) >= {"rgb.png", "depth.png", "instance.png", "scene.json", "json"}
    assert s["rgb.png"].shape == (96, 128, 3)
    n_ann = sum(1 for a in coco["annotations"] if a["image_id"] == 3)
    assert len(s["json"]["annotations"]) == n_ann
    assert s["json"]["index"] == 3 and s["scene.json"]["index"] == 3
    # Deterministic headers: no time, no owner.
    with tarfile.open(urls[0]) as tar:
        names = tar.getnames()
        assert all(m.mtime == 0 and m.uid == 0 and m.uname == "" for m in tar.getmembers())
    assert names[:6] == [
        "000000.rgb.png",
        "000000.depth.png",
        "000000.instance.png",
        "000000.scene.json",
        "000000.json",
        "000001.rgb.png",
    ]


def test_ray_local_cluster_writes_the_same_dataset(reference, tmp_path):
    pytest.importorskip("ray")
    out = tmp_path / "ray"
    r = _cli(
        *ARGS,
        "-o",
        out,
        "--executor",
        "ray",
        "--workers",
        "2",
        "--chunk",
        "3",
        env={"SYNTH3D_TEST_FAULT": f"exit:7:{tmp_path / 'marker'}", "RAY_DEDUP_LOGS": "0"},
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert "frames 6–8: Ray actor" in r.stderr and "retrying frames 6–8 on a new actor" in r.stderr
    assert_same_dataset(reference, out)


def test_ray_driver_killed_and_resumed(reference, tmp_path):
    pytest.importorskip("ray")
    out = tmp_path / "ray_killed"
    cmd = [
        sys.executable,
        "-m",
        "synth3d",
        *ARGS,
        "-o",
        str(out),
        "--executor",
        "ray",
        "--workers",
        "2",
        "--chunk",
        "2",
    ]
    try:
        kill_after(cmd, out, 4, 180)
        r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr[-2000:]
        assert "resuming:" in r.stderr
        assert_same_dataset(reference, out)
    finally:
        # The killed driver's local Ray instance outlives it (Ray's own processes); end it.
        ray_bin = Path(sys.executable).with_name("ray")
        subprocess.run([str(ray_bin), "stop", "--force"], capture_output=True, timeout=60)
