"""Sequences: motion, exact optical flow (checked against trimesh ray casts), object coordinates,
videos, track labels, motion blur and determinism across worker layouts."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import trimesh
from conftest import run_cli, shared

from synth3d.assets.catalog import load_mesh
from synth3d.run.pipeline import Scenes
from synth3d.spec import SceneSpec

ROOT = Path(__file__).resolve().parent.parent

BASE = {
    "name": "seqtest",
    "size": [128, 96],
    "asset_root": str(ROOT),
    "assets": {"mug": {"path": "meshes/mug.glb"}, "toy": {"path": "meshes/toy.glb"}},
    "camera": {
        "fov_y_deg": 50,
        "target": [0, 0, 0.04],
        "offset": {
            "dist": "cone",
            "axis": [0, 0, 1],
            "angle_deg": 60,
            "min_angle_deg": 40,
            "radius": [0.6, 0.7],
        },
        "require_all_in_frame": True,
    },
    "environment": {"background": "color", "ambient": [0.6, 0.6, 0.6]},
    "lights": [{"type": "directional", "direction": [0.3, 0.2, 1.0], "intensity": 2.0}],
    "backdrops": [
        {
            "type": "floor",
            "size": [2, 2],
            "texture": {
                "type": "checker",
                "squares": 12,
                "colors": [[0.8, 0.8, 0.8], [0.2, 0.2, 0.2]],
            },
        }
    ],
    "objects": [
        {
            "name": "items",
            "assets": ["mug", "toy"],
            "count": 3,
            "placement": {
                "mode": "floor",
                "region": {"x": [-0.15, 0.15], "y": [-0.15, 0.15]},
                "non_overlap": True,
            },
            # thrown objects collide as convex hulls here (no decomposition to build)
            "physics": {"collision": {"method": "hull"}},
        }
    ],
    "labels": {"amodal": False},
}


def template(sequence: dict, **extra) -> dict:
    t = json.loads(json.dumps(BASE))
    t["sequence"] = sequence
    t.update(extra)
    return t


# -- independent geometry ---------------------------------------------------------------------


def _scene_mesh(spec: SceneSpec):
    parts, owner = [], []
    for o in spec.objects:
        m = load_mesh(o.asset).copy()
        m.apply_transform(o.T_array())
        parts.append(m)
        owner.append(np.full(len(m.faces), o.id))
    for b in spec.backdrops:
        w, h = b.size
        q = trimesh.Trimesh(
            [[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]],
            [[0, 1, 2], [0, 2, 3]],
            process=False,
        )
        q.apply_transform(np.asarray(b.T_world_plane))
        parts.append(q)
        owner.append(np.zeros(2, int))
    return trimesh.util.concatenate(parts), np.concatenate(owner)


def _first_hits(mesh, origin, dirs):
    """Distance along each (unit) direction to the first hit, inf on a miss; and the face."""
    tri = mesh.ray.intersects_first(np.repeat(origin[None], len(dirs), 0), dirs)
    dist = np.full(len(dirs), np.inf)
    hit = tri >= 0
    if hit.any():
        loc, ray, _ = mesh.ray.intersects_location(
            np.repeat(origin[None], hit.sum(), 0), dirs[hit], multiple_hits=False
        )
        d = np.full(hit.sum(), np.inf)
        d[ray] = np.linalg.norm(loc - origin, axis=1)
        dist[hit] = d
    return dist, tri


def reference_flow(spec_a: SceneSpec, spec_b: SceneSpec):
    """Flow a → b by ray casting: the surface point seen at each pixel centre of frame a, moved
    with its object's (or nothing's) motion, projected by camera b. Returns (flow (H, W, 2), ids
    of a (H, W), visible in both (H, W) bool, 3D motion of the points (H, W, 3) metres)."""
    mesh_a, owner_a = _scene_mesh(spec_a)
    mesh_b, _ = _scene_mesh(spec_b)
    cam = spec_a.camera
    K, T = cam.K_array(), cam.T_array()
    W, H = cam.width, cam.height
    us, vs = np.meshgrid(np.arange(W, dtype=float), np.arange(H, dtype=float))
    d = np.stack([us, vs, np.ones_like(us)], -1).reshape(-1, 3) @ np.linalg.inv(K).T @ T[:3, :3].T
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    dist, tri = _first_hits(mesh_a, T[:3, 3], d)
    hit = np.isfinite(dist)
    ids = np.where(hit, owner_a[np.maximum(tri, 0)], -1)
    P = T[:3, 3] + d * np.where(hit, dist, 0)[:, None]
    Q = P.copy()
    by_id_b = {o.id: o for o in spec_b.objects}
    for o in spec_a.objects:
        sel = ids == o.id
        M = by_id_b[o.id].T_array() @ np.linalg.inv(o.T_array())
        Q[sel] = P[sel] @ M[:3, :3].T + M[:3, 3]
    Kb, Tb = spec_b.camera.K_array(), spec_b.camera.T_array()
    Tcw = np.linalg.inv(Tb)
    pc = Q @ Tcw[:3, :3].T + Tcw[:3, 3]
    uv = (pc @ Kb.T)[:, :2] / np.where(hit, pc[:, 2], 1.0)[:, None]
    flow = uv - np.stack([us.ravel(), vs.ravel()], -1)
    # Visible in b: the first hit from camera b towards the moved point is the point itself.
    to = Q - Tb[:3, 3]
    n = np.linalg.norm(to, axis=1)
    db, _ = _first_hits(mesh_b, Tb[:3, 3], to / np.maximum(n, 1e-12)[:, None])
    inside = (uv[:, 0] > -0.5) & (uv[:, 0] < W - 0.5) & (uv[:, 1] > -0.5) & (uv[:, 1] < H - 0.5)
    vis = hit & inside & (pc[:, 2] > 0) & (np.abs(db - n) < 1e-4 + 1e-4 * n)
    return flow.reshape(H, W, 2), ids.reshape(H, W), vis.reshape(H, W), (Q - P).reshape(H, W, 3)


@pytest.fixture(scope="module")
def renderer():
    from synth3d.render.renderer import Renderer

    with Renderer(128, 96) as r:
        yield r


def _render_pair(renderer, tpl: dict, seed: int, t: int = 1):
    """Frames t and t+1 of sequence 0 and the pipeline's motion labels of frame t."""
    from synth3d.run.sequences import motion_labels

    sc = Scenes(tpl)
    specs = [sc.sample(seed, t), sc.sample(seed, t + 1)]
    frames = [renderer.render(s) for s in specs]
    (m,) = motion_labels(specs, frames, t=0, want_scene_flow=True)
    return specs, frames, m


def _check_flow(renderer, tpl, seed=3):
    specs, frames, m = _render_pair(renderer, tpl, seed)
    ref, ids, vis, sf_ref = reference_flow(*specs)
    sel = vis & (ids == frames[0].instance.astype(int))
    # scene flow: the same surface points' 3D motion, to a tenth of a millimetre
    assert np.percentile(np.linalg.norm(m.scene_flow - sf_ref, axis=-1)[sel], 99) < 1e-4
    assert sel.sum() > 0.5 * sel.size  # most of the image is checked
    epe = np.linalg.norm(m.flow_fw - ref, axis=-1)[sel]
    assert np.median(epe) <= 0.05, np.median(epe)
    assert np.percentile(epe, 99) <= 0.5, np.percentile(epe, 99)
    moved = np.linalg.norm(ref, axis=-1)[sel]
    assert (moved > 1.0).sum() > 300  # the motion is real, not a few hundredths of a pixel
    # the objects on their own (the floor would dominate the statistics)
    obj = sel & (ids > 0)
    assert obj.sum() > 300
    epe_obj = np.linalg.norm(m.flow_fw - ref, axis=-1)[obj]
    assert np.median(epe_obj) <= 0.05 and np.percentile(epe_obj, 99) <= 0.5, (
        np.median(epe_obj),
        np.percentile(epe_obj, 99),
    )
    # The validity mask agrees with the independent visibility.
    known = ids == frames[0].instance.astype(int)
    agree = (m.valid_fw == vis)[known].mean()
    assert agree > 0.97, agree
    # Backward flow from frame t+1 maps its visible pixels back onto frame t.
    return specs, frames, m, ref, sel


def test_flow_camera_only_matches_ray_casts(renderer):
    _check_flow(
        renderer,
        template(
            {"length": 4, "fps": 12, "camera": {"type": "orbit", "rate_deg": 40, "shake_deg": 0.5}}
        ),
    )


def test_flow_object_motion_matches_ray_casts(renderer):
    specs, frames, m, ref, sel = _check_flow(
        renderer,
        template(
            {
                "length": 4,
                "fps": 12,
                "objects": {
                    "items": {
                        "type": "linear",
                        "velocity": [0.15, -0.1, 0.0],
                        "angular_velocity_deg": [0, 0, 120],
                    }
                },
            }
        ),
    )
    # the camera stands still: background pixels do not move, object pixels do
    bg = sel & (frames[0].instance == 0)
    assert np.abs(m.flow_fw[bg]).max() < 1e-3
    assert np.linalg.norm(m.flow_fw[sel & (frames[0].instance > 0)], axis=-1).min() > 0.5


def test_flow_objects_and_camera_spline(renderer):
    _check_flow(
        renderer,
        template(
            {
                "length": 6,
                "fps": 10,
                "objects": {
                    "*": {
                        "type": "spline",
                        "keys": 3,
                        "rotation_deg": 60,
                        "offset": {
                            "dist": "uniform",
                            "min": [-0.1, -0.1, 0.0],
                            "max": [0.1, 0.1, 0.05],
                        },
                    }
                },
                "camera": {
                    "type": "spline",
                    "keys": 3,
                    "aim": "pivot",
                    "pivot": [0, 0, 0.04],
                    "offset": {
                        "dist": "uniform",
                        "min": [-0.1, -0.1, -0.05],
                        "max": [0.1, 0.1, 0.05],
                    },
                },
            }
        ),
    )


THROWN = {
    "type": "thrown",
    "height": {"dist": "uniform", "min": 0.05, "max": 0.2},
    "velocity": {"dist": "uniform", "min": [-0.4, -0.4, 0.0], "max": [0.4, 0.4, 0.3]},
    "angular_velocity_deg": {"dist": "uniform", "min": [-150, -150, -150], "max": [150, 150, 150]},
}


def test_flow_thrown_objects_matches_ray_casts(renderer):
    # frames 2 → 3 at 12 fps: the objects are falling and tumbling
    _check_flow(renderer, template({"length": 8, "fps": 12, "objects": {"items": THROWN}}))


def test_thrown_objects_fall_and_rest_on_the_ground():
    sc = Scenes(template({"length": 30, "fps": 10, "objects": {"items": THROWN}}))
    first, last = sc.sample(4, 0), sc.sample(4, 29)
    assert (
        Scenes(template({"length": 30, "fps": 10, "objects": {"items": THROWN}}))
        .sample(4, 29)
        .to_json()
        == last.to_json()
    )  # deterministic
    # and in another process (workers and shards simulate their sequences themselves)
    import subprocess
    import sys

    code = (
        "import json, sys; sys.path.insert(0, 'tests'); from synth3d.run.pipeline import Scenes; "
        "t = json.loads(sys.stdin.read()); print(Scenes(t).sample(4, 29).to_json(), end='')"
    )
    tpl = template({"length": 30, "fps": 10, "objects": {"items": THROWN}})
    r = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(tpl),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout == last.to_json()
    for a, b in zip(first.objects, last.objects):
        v = load_mesh(a.asset).vertices
        za = (v @ a.T_array()[:3, :3].T + a.T_array()[:3, 3])[:, 2].min()
        zb = (v @ b.T_array()[:3, :3].T + b.T_array()[:3, 3])[:, 2].min()
        assert za > 0.04  # lifted before the throw
        assert -0.003 < zb < 0.003  # after 2.9 s: lying on the ground, not sunk into it
        assert np.linalg.norm(b.velocity.linear_m_s) < 0.05


def test_velocities_and_sampling(renderer):
    tpl = template(
        {
            "length": 5,
            "fps": 10,
            "objects": {
                "items": {
                    "type": "linear",
                    "velocity": [0.2, 0.0, 0.0],
                    "angular_velocity_deg": [0, 0, 90],
                }
            },
            "camera": {"type": "dolly", "speed": 0.05},
        }
    )
    sc = Scenes(tpl)
    s2, s3 = sc.sample(7, 2), sc.sample(7, 3)
    assert (s2.sequence.id, s2.sequence.t, s2.sequence.time_s) == (0, 2, pytest.approx(0.2))
    assert sc.sample(7, 6).sequence.id == 1 and sc.sample(7, 6).sequence.t == 1
    for a, b in zip(s2.objects, s3.objects):
        assert a.id == b.id and a.asset == b.asset
        w = np.asarray(a.velocity.angular_rad_s)
        assert np.allclose(w, [0, 0, np.pi / 2], atol=1e-6)
        # the asset origin turns about the object's centre: v = v_centre + w × (origin − centre)
        from synth3d.sampling.motion import object_centre

        c = object_centre(a)
        v = np.array([0.2, 0, 0]) + np.cross(w, a.T_array()[:3, 3] - c)
        assert np.allclose(a.velocity.linear_m_s, v, atol=1e-6)
        # one frame later the centre moved by velocity / fps
        assert np.allclose(object_centre(b) - c, [0.02, 0, 0], atol=1e-9)
    cv = s2.camera.velocity.linear_m_s
    assert np.allclose(cv, 0.05 * s2.camera.T_array()[:3, 2], atol=1e-7)
    # frame i depends only on (template, seed, i): a fresh sampler, asked for frame 8 alone
    assert Scenes(tpl).sample(7, 8).to_json() == sc.sample(7, 8).to_json()
    assert sc.sample(7, 8).to_json() != sc.sample(8, 8).to_json()


def test_motion_blur_keeps_labels(renderer):
    from synth3d.run.sequences import render_blurred

    moving = {
        "length": 3,
        "fps": 6,
        "objects": {"items": {"type": "linear", "velocity": [0.3, 0, 0]}},
    }
    sharp = Scenes(template(moving)).sample(1, 1)
    blurred = Scenes(template({**moving, "shutter": 0.5, "subframes": 4})).sample(1, 1)
    assert blurred.sequence.shutter_s == pytest.approx(0.5 / 6)
    fa = render_blurred(renderer, sharp)
    fb = render_blurred(renderer, blurred)
    assert np.array_equal(fa.instance, fb.instance) and np.array_equal(fa.depth_m, fb.depth_m)
    diff = np.abs(fa.rgb - fb.rgb).max(-1)
    assert diff.max() > 0.05  # the moving objects smear
    # the blur is the mean of renders at the documented sub-frame times, whose object poses
    # move at the recorded velocities
    from synth3d.sampling.motion import advance

    subs = [
        renderer.render(advance(blurred, blurred.sequence.shutter_s * ((k + 0.5) / 4 - 0.5)))
        for k in range(4)
    ]
    assert np.allclose(fb.rgb, np.mean([f.rgb for f in subs], axis=0), atol=1e-3)
    c0 = np.mean(np.nonzero(subs[0].instance == 1), axis=1)
    c3 = np.mean(np.nonzero(subs[3].instance == 1), axis=1)
    assert abs(c3[1] - c0[1]) + abs(c3[0] - c0[0]) > 1.0  # object 1 moved across the shutter


def test_object_coordinates_reproject(renderer):
    from synth3d.annotate.flow import object_coordinates

    tpl = template({"length": 2})
    spec = Scenes(tpl).sample(2, 0)
    fr = renderer.render(spec)
    oc = object_coordinates(fr.depth_m, fr.instance, spec)
    K, T = spec.camera.K_array(), spec.camera.T_array()
    Tcw = np.linalg.inv(T)
    checked = 0
    for o in spec.objects:
        sel = fr.instance == o.id
        lo, hi = np.asarray(o.bounds_asset)
        p = lo + oc[sel] / 65535.0 * (hi - lo)
        w = p @ o.T_array()[:3, :3].T + o.T_array()[:3, 3]
        pc = w @ Tcw[:3, :3].T + Tcw[:3, 3]
        uv = (pc @ K.T)[:, :2] / pc[:, 2:3]
        vs, us = np.nonzero(sel)
        err = np.hypot(uv[:, 0] - us, uv[:, 1] - vs)
        assert np.percentile(err, 99) < 0.05
        checked += sel.sum()
    assert checked > 300
    assert not oc[fr.instance == 0].any()


# -- the dataset on disk -----------------------------------------------------------------------


CLI_SEQ = (
    "sequence={length: 4, fps: 8, objects: {items: {type: linear, velocity: [0.1, 0.05, 0], "
    "angular_velocity_deg: [0, 0, 60]}}, camera: {type: orbit, rate_deg: 30}}"
)


@pytest.fixture(scope="module")
def seq_template(tmp_path_factory) -> Path:
    import yaml

    p = tmp_path_factory.mktemp("tpl") / "seq.yaml"
    t = template(
        {
            "length": 4,
            "fps": 8,
            "objects": {
                "items": {
                    "type": "linear",
                    "velocity": [0.1, 0.05, 0],
                    "angular_velocity_deg": [0, 0, 60],
                }
            },
            "camera": {"type": "orbit", "rate_deg": 30},
            "scene_flow": True,
        },
        labels={"amodal": True},
    )
    t["size"] = [64, 48]
    p.write_text(yaml.safe_dump(t))
    return p


@pytest.fixture(scope="module")
def seq_dataset(seq_template, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("seq") / "out"
    r = run_cli("render", str(seq_template), "-n", "8", "-o", str(out), "--seed", "5")
    assert r.returncode == 0, r.stderr
    return out


def test_dataset_files(seq_dataset):
    import av

    out = seq_dataset
    rows = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    assert [r["index"] for r in rows] == list(range(8))
    for r in rows:
        for k in ("flow_fw", "flow_bw", "flow_valid", "objcoord", "sceneflow"):
            assert (out / r["files"][k]).exists()
        sf = np.load(out / r["files"]["sceneflow"])
        assert sf.shape == (48, 64, 3) and sf.dtype == np.float32
    assert rows[3]["files"]["video_rgb"] == "sequences/000000/rgb.mp4"
    for s in ("000000", "000001"):
        for name in ("rgb.mp4", "flow.mp4"):
            with av.open(str(out / "sequences" / s / name)) as box:
                st = box.streams.video[0]
                assert st.codec_context.name == "h264"
                assert float(st.average_rate) == 8.0
                frames = list(box.decode(st))
                assert len(frames) == 4
                assert (frames[0].width, frames[0].height) == (64, 48)
    # rgb video frames are the rgb PNGs (up to H.264 loss)
    with av.open(str(out / "sequences/000001/rgb.mp4")) as box:
        first = next(box.decode(video=0)).to_ndarray(format="rgb24")
    png = cv2.cvtColor(cv2.imread(str(out / "rgb/000004.png")), cv2.COLOR_BGR2RGB)
    assert np.abs(first.astype(int) - png).mean() < 6
    # .flo readable by OpenCV, boundary frames invalid, interior mostly valid
    for i in range(8):
        fw = cv2.readOpticalFlow(str(out / f"flow_fw/{i:06d}.flo"))
        bw = cv2.readOpticalFlow(str(out / f"flow_bw/{i:06d}.flo"))
        assert fw.shape == (48, 64, 2) and bw.shape == (48, 64, 2)
        valid = cv2.imread(str(out / f"flow_valid/{i:06d}.png"), cv2.IMREAD_UNCHANGED)
        assert set(np.unique(valid)) <= {0, 1, 2, 3}
        t = i % 4
        assert ((valid & 1) > 0).any() == (t != 3)
        assert ((valid & 2) > 0).any() == (t != 0)
        if 0 < t < 3:
            assert ((valid & 1) > 0).mean() > 0.8
        # forward flow of t and backward flow of t+1 are inverse on pixels valid both ways
        if t < 3:
            nxt = cv2.readOpticalFlow(str(out / f"flow_bw/{i + 1:06d}.flo"))
            ys, xs = np.nonzero(valid & 1)
            x2 = np.rint(xs + fw[ys, xs, 0]).astype(int)
            y2 = np.rint(ys + fw[ys, xs, 1]).astype(int)
            round_trip = fw[ys, xs] + nxt[y2, x2]
            assert np.median(np.abs(round_trip)) < 0.6  # nearest-pixel sampling: ≤ half a px


def test_ytvis_and_mot_match_frame_labels(seq_dataset):
    from pycocotools import mask as mask_util

    out = seq_dataset
    yt = json.loads((out / "annotations/ytvis.json").read_text())
    coco = json.loads((out / "annotations/coco.json").read_text())
    assert [v["id"] for v in yt["videos"]] == [1, 2]
    assert yt["videos"][1]["file_names"] == [f"rgb/{i:06d}.png" for i in range(4, 8)]
    checked = 0
    for a in yt["annotations"]:
        s = a["video_id"] - 1
        for t, seg in enumerate(a["segmentations"]):
            inst = cv2.imread(str(out / f"instance/{s * 4 + t:06d}.png"), cv2.IMREAD_UNCHANGED)
            truth = inst == a["instance_id"]
            if seg is None:
                assert not truth.any()
                continue
            assert np.array_equal(mask_util.decode(seg).astype(bool), truth)
            checked += 1
    assert checked >= 8
    coco_boxes = {(c["image_id"], c["instance_id"]): c["bbox"] for c in coco["annotations"]}
    mot = []
    for s in (0, 1):
        lines = (out / f"mot/{s:06d}/gt/gt.txt").read_text().splitlines()
        ini = (out / f"mot/{s:06d}/seqinfo.ini").read_text()
        assert "seqLength=4" in ini and "frameRate=8" in ini
        assert (out / f"mot/{s:06d}/img1/000004.png").read_bytes() == (
            out / f"rgb/{s * 4 + 3:06d}.png"
        ).read_bytes()
        for line in lines:
            f, oid, x, y, w, h, conf, cls, vis = line.split(",")
            mot.append(((s * 4 + int(f) - 1, int(oid)), [float(x), float(y), float(w), float(h)]))
    assert dict(mot) == coco_boxes and len(mot) == len(coco_boxes)


def test_same_bytes_for_any_layout(seq_template, seq_dataset, tmp_path):
    """Workers and shards render whole sequences: the files are the same bytes."""
    w2 = tmp_path / "w2"
    r = run_cli(
        "render", str(seq_template), "-n", "8", "-o", str(w2), "--seed", "5", "--workers", "2"
    )
    assert r.returncode == 0, r.stderr
    sh = tmp_path / "shard1"
    r = run_cli(
        "render", str(seq_template), "-n", "8", "-o", str(sh), "--seed", "5", "--shard", "1/2"
    )
    assert r.returncode == 0, r.stderr
    ref = {
        p.relative_to(seq_dataset): p.read_bytes()
        for p in seq_dataset.rglob("*")
        if p.is_file()
        and p.suffix in (".png", ".flo", ".mp4", ".json", ".txt", ".npy")
        and p.name != "dataset.json"
    }
    assert len(ref) > 60
    for rel, data in ref.items():
        assert (w2 / rel).read_bytes() == data, rel
    shard_files = [
        p
        for p in sh.rglob("*")
        if p.is_file() and p.relative_to(sh).parts[0] in ("rgb", "flow_fw", "objcoord", "sequences")
    ]
    assert len(shard_files) == 14  # 4 rgb + 4 flow + 4 objcoord + 2 videos of sequence 1
    for p in shard_files:
        assert p.read_bytes() == (seq_dataset / p.relative_to(sh)).read_bytes()
    # the other shard, then `synth3d merge`: the whole dataset's bytes, track labels included
    sh0 = tmp_path / "shard0"
    r = run_cli(
        "render", str(seq_template), "-n", "8", "-o", str(sh0), "--seed", "5", "--shard", "0/2"
    )
    assert r.returncode == 0, r.stderr
    merged = tmp_path / "merged"
    r = run_cli("merge", str(sh0), str(sh), "-o", str(merged))
    assert r.returncode == 0, r.stderr
    for rel, data in ref.items():
        assert (merged / rel).read_bytes() == data, rel


def test_resume_redoes_a_sequence_whole(seq_template, seq_dataset, tmp_path):
    import shutil

    out = tmp_path / "resume"
    shutil.copytree(seq_dataset, out)
    (out / "sequences/000001/flow.mp4").unlink()
    lines = (out / "manifest.jsonl").read_text().splitlines()
    (out / "manifest.jsonl").write_text("\n".join(lines[:6]) + "\n")
    r = run_cli("render", str(seq_template), "-n", "8", "-o", str(out), "--seed", "5")
    assert r.returncode == 0, r.stderr
    assert "4 frame(s)" in r.stdout  # sequence 1, whole
    assert (out / "sequences/000001/flow.mp4").read_bytes() == (
        seq_dataset / "sequences/000001/flow.mp4"
    ).read_bytes()
    assert len((out / "manifest.jsonl").read_text().splitlines()) == 8


def test_bad_input_fails_before_rendering(seq_template, tmp_path):
    r = run_cli("render", str(seq_template), "-n", "6", "-o", str(tmp_path / "a"))
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "error: -n: a sequence template renders whole sequences of 4 frames: --start and -n must "
        "be multiples of 4 (got --start 0 -n 6; e.g. -n 8 for 2 sequence(s))"
    ]
    assert not (tmp_path / "a").exists()
    r = run_cli(
        "render",
        str(seq_template),
        "-n",
        "4",
        "-o",
        str(tmp_path / "b"),
        "--set",
        "sequence.objects={chairs: {type: linear}}",
    )
    assert r.returncode == 2
    assert "sequence.objects.chairs: no object group of that name (known: items)" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_report_and_preview_show_sequences(seq_template, seq_dataset, tmp_path):
    import re

    from PIL import Image

    r = run_cli("report", str(seq_dataset), "-o", str(tmp_path / "report"))
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "report" / "index.html").read_text()
    srcs = re.findall(r'<video src="([^"]+)"', page)
    assert len(srcs) == 4  # two sequences × (rgb, flow)
    for s in srcs:
        assert (tmp_path / "report" / s).resolve().exists()
    r = run_cli(
        "preview", str(seq_template), "-n", "2", "--width", "48", "-o", str(tmp_path / "pv.png")
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(tmp_path / "pv.gif")
    im = Image.open(tmp_path / "pv.gif")
    assert (
        im.n_frames == 4 and abs(im.info["duration"] - 125) <= 10
    )  # 4 frames at 8 fps (GIF: 10 ms steps)


def test_environment_flow_follows_the_hdri_and_the_camera(renderer):
    """Pixels that see the HDRI: frame t+1's background, looked up where the flow says, is
    frame t's background (an image-based check of the rotation conventions)."""
    from synth3d.post import finish
    from synth3d.run.sequences import motion_labels

    t = template(
        {
            "length": 3,
            "fps": 10,
            "lighting": {"environment_rotation_deg": 40},
            "camera": {"type": "orbit", "rate_deg": -25, "pivot": [0, 0, 0.04]},
        }
    )
    # a real panorama: buildings and trees to line up (skipped when the shared assets are absent)
    t["assets"]["skies"] = {"path": str(shared("hdri", "royal_esplanade_1k.hdr"))}
    t["environment"] = {"hdri": "skies", "background": "hdri", "lighting": False}
    t["camera"]["offset"] = {
        "dist": "cone",
        "axis": [0, 0, 1],
        "angle_deg": 85,
        "min_angle_deg": 80,
        "radius": [0.6, 0.7],
    }
    t["backdrops"] = []
    t["post"] = {"tonemap": {"operator": "aces", "exposure_ev": -1.0}}
    sc = Scenes(t)
    specs = [sc.sample(0, 0), sc.sample(0, 1)]
    frames = [renderer.render(s) for s in specs]
    imgs = [finish(f, s).astype(np.float32) for f, s in zip(frames, specs)]
    (m,) = motion_labels(specs, frames, t=0)
    sky = (frames[0].depth_m == 0) & m.valid_fw
    sky &= cv2.erode(sky.astype(np.uint8), np.ones((5, 5))) > 0  # away from objects
    assert sky.sum() > 2000
    assert np.median(np.linalg.norm(m.flow_fw[sky], axis=-1)) > 2.0  # the sky moved
    H, W = sky.shape
    u, v = np.meshgrid(np.arange(W, dtype=np.float32), np.arange(H, dtype=np.float32))
    warped = cv2.remap(
        imgs[1],
        u + m.flow_fw[..., 0],
        v + m.flow_fw[..., 1],
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    err = np.abs(warped - imgs[0]).mean(-1)[sky]
    still = np.abs(imgs[1] - imgs[0]).mean(-1)[sky]
    assert err.mean() < 0.1 * still.mean(), (err.mean(), still.mean())
    # the wrong sense of the HDRI's rotation would not line up
    from synth3d.annotate.flow import rigid_flow

    wrong = specs[1].model_copy(
        update={
            "environment": specs[1].environment.model_copy(
                update={
                    "rotation_deg": 2 * specs[0].environment.rotation_deg
                    - specs[1].environment.rotation_deg
                }
            )
        }
    )
    fl, _ = rigid_flow(frames[0].depth_m, frames[0].instance, specs[0], wrong)
    bad = cv2.remap(
        imgs[1], u + fl[..., 0], v + fl[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    assert np.abs(bad - imgs[0]).mean(-1)[sky].mean() > 5 * err.mean()
