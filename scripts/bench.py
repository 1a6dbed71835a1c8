"""Benchmark synth3d's end-to-end dataset rendering against a bare pyrender loop.

For one template (default ``scenes/tabletop.yaml`` at 640×480) it measures

1. **end-to-end**: ``synth3d.run.pipeline.render_dataset`` writing a complete dataset (RGB, depth and
   instance PNGs, SceneSpec JSON, manifest, COCO) into a fresh temporary folder. One short warm-up
   call into another folder comes first (imports, asset files, lru caches), then the whole timed
   call is measured; it includes its own template load, renderer context creation and
   finalisation, like a user's run. The steady-state rate (first frames excluded) comes from the
   ``on_frame`` callback timestamps.
2. **synth3d Renderer.render only** (diagnostic): the same SceneSpecs through one long-lived
   :class:`synth3d.render.renderer.Renderer`, no post-processing or writing.
3. **bare pyrender loop**: the same SceneSpecs turned into plain ``pyrender.Scene`` objects (meshes
   loaded once per asset, textured backdrop quads, an IntrinsicsCamera from K, the spec's lights
   plus the HDRI's sun as a DirectionalLight), rendered by one ``pyrender.OffscreenRenderer`` with
   a colour+depth pass and a ``RenderFlags.SEG`` pass per frame. Scenes are built before timing
   and only the render calls are timed. All meshes and textures stay resident on the GPU across
   frames (as synth3d's own caches keep them); ``--bare-stock`` also times stock pyrender scene
   switching, which re-uploads meshes and textures that the previous frame did not use.

The end-to-end and bare rows also split their CPU time by thread (Linux): llvmpipe's rasteriser
threads, the GL thread, synth3d's writer threads and its look-ahead thread — where the time goes
that the end-to-end run spends beyond the bare loop.

Every measurement runs ``--repeat`` rounds (default 3), interleaved so that a disturbance hits all
of them; the table shows the median images/s with the range, wall ms per image and process CPU ms
per image (all threads: llvmpipe's rasteriser threads and synth3d's writer threads included). The
run ends with how many cores other processes kept busy meanwhile, and a warning if the numbers are
unreliable.

Usage::

    python scripts/bench.py [--template scenes/tabletop.yaml] [--size 640x480] [-n 100]
                            [--warmup 3] [--seed S] [--repeat 3] [--json out.json]
"""

from __future__ import annotations

import os

# PyOpenGL binds its platform on first import: choose EGL before anything imports OpenGL/pyrender.
os.environ["PYOPENGL_PLATFORM"] = "egl"

import argparse  # noqa: E402
import json  # noqa: E402
import platform as _pyplatform  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # a source checkout works without installing

# synth3d first, as the CLI does: its import sets thread defaults (OPENBLAS_NUM_THREADS) that
# must be in place before numpy loads. Both loops below run under the same settings.
import numpy as np  # noqa: E402

import synth3d  # noqa: E402,F401

CV_TO_GL = np.diag([1.0, -1.0, -1.0, 1.0])
OVERRIDES: list[str] = []  # --set values, used by every measurement


class BenchError(Exception):
    """A benchmark step failed; the message says which and why."""


# ------------------------------------------------------------------------------------------------
# helpers


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().replace("×", "x").split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--size must look like 640x480, got {text!r}") from None
    if w <= 0 or h <= 0:
        raise argparse.ArgumentTypeError("--size must be positive")
    return w, h


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return _pyplatform.processor() or "unknown"


def cores() -> dict:
    out = {"logical": os.cpu_count()}
    try:
        out["usable"] = len(os.sched_getaffinity(0))
    except AttributeError:
        pass
    return out


def fmt_rate(x) -> str:
    return "-" if x is None else f"{x:7.2f}"


def fmt_ms(rate) -> str:
    return "-" if not rate else f"{1000.0 / rate:8.1f}"


# ------------------------------------------------------------------------------------------------
# 1. end-to-end


def warm_up_end_to_end(template: str, size, n: int, warmup: int, seed: int) -> float:
    """The separate warm-up call: imports, asset files, module-level caches (frames n.. so none
    repeats a timed frame). Returns its duration."""
    from synth3d.run.pipeline import render_dataset

    if warmup <= 0:
        return 0.0
    with tempfile.TemporaryDirectory(prefix="synth3d-bench-warm-") as d:
        t = time.perf_counter()
        render_dataset(
            template, d, n=warmup, seed=seed, start=n, size=size, backend="egl", overrides=OVERRIDES
        )
        return time.perf_counter() - t


def thread_cpu() -> dict:
    """CPU seconds of every live thread of this process, by role: ``gl`` (the thread that calls
    GL, here the main thread), ``rasteriser`` (llvmpipe's threads), ``writers``, ``look-ahead``,
    ``other``. Linux only (/proc); {} elsewhere."""
    import threading

    hz = os.sysconf("SC_CLK_TCK")
    roles = {t.native_id: t.name for t in threading.enumerate()}
    main = threading.main_thread().native_id
    out: dict = {}
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return {}
    for tid in tids:
        try:
            stat = Path(f"/proc/self/task/{tid}/stat").read_text()
            comm = Path(f"/proc/self/task/{tid}/comm").read_text().strip()
        except OSError:  # the thread ended
            continue
        f = stat[stat.rindex(")") + 2 :].split()
        cpu = (int(f[11]) + int(f[12])) / hz
        name = roles.get(int(tid), "")
        role = (
            "gl"
            if int(tid) == main
            else "rasteriser"
            if comm.startswith("llvmpipe")
            else "writers"
            if name.startswith("synth3d-writer")
            else "look-ahead"
            if name.startswith("synth3d-prepare")
            else "other"
        )
        out[(int(tid), role)] = cpu
    return out


def cpu_by_role(a: dict, b: dict, frames: int) -> dict:
    """CPU ms per frame by thread role between two :func:`thread_cpu` snapshots."""
    res: dict = {}
    for key, cpu in b.items():
        res[key[1]] = res.get(key[1], 0.0) + 1000 * (cpu - a.get(key, 0.0)) / max(frames, 1)
    return res


def _cpu_with_children() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def bench_end_to_end(
    template: str, size, n: int, seed: int, skip: int, check: bool, workers: int = 1
) -> dict:
    """One timed render_dataset call (frames 0..n-1) into a fresh temporary folder, rendering in
    this process (workers = 1) or in that many spawned worker processes."""
    from synth3d.run.pipeline import render_dataset

    marks: dict = {"frames": []}

    def on_start(todo, skipped):
        marks["start"] = time.perf_counter()
        marks["todo"] = todo
        marks["threads0"] = thread_cpu()

    def on_frame(idx):
        marks["frames"].append(time.perf_counter())
        if len(marks["frames"]) == n:  # the writer threads are still alive
            marks["threads1"] = thread_cpu()

    with tempfile.TemporaryDirectory(prefix="synth3d-bench-e2e-") as d:
        c0 = _cpu_with_children()
        t0 = time.perf_counter()
        summary = render_dataset(
            template,
            d,
            n=n,
            seed=seed,
            size=size,
            backend="egl",
            overrides=OVERRIDES,
            on_start=on_start,
            on_frame=on_frame,
            workers=workers,
        )
        t1 = time.perf_counter()
        cpu = _cpu_with_children() - c0  # worker processes are joined by now
        dataset = inspect_dataset(Path(d), n) if check else None

    total = t1 - t0
    fr = marks["frames"]
    res = {
        "call_s": total,
        "images_per_s": n / total if total > 0 else None,
        "cpu_ms_per_image": 1000 * cpu / n,
        "summary_images_per_s": summary.get("images_per_s"),
        "setup_s": marks["start"] - t0 if "start" in marks else None,
        "finalize_s": t1 - fr[-1] if fr else None,
        "steady_skip": None,
        "steady_images_per_s": None,
    }
    if dataset is not None:
        res["dataset"] = dataset
    if workers == 1 and marks.get("threads0") and marks.get("threads1"):
        res["cpu_ms_by_thread"] = cpu_by_role(marks["threads0"], marks["threads1"], n)
    if marks.get("todo") != n:
        raise BenchError(
            f"end-to-end: render_dataset planned {marks.get('todo')} frames, expected {n} "
            "(was the temporary folder not fresh?)"
        )
    if len(fr) != n:
        raise BenchError(f"end-to-end: on_frame fired {len(fr)} times for {n} frames")
    # on_frame fires when the main thread collects a finished frame: while rendering it keeps
    # `lag` frames in flight, then collects the last `lag` in one burst at the end. So the steady
    # rate uses the completions of frames k-1 .. n-1-lag (paced by the render loop and, if they are
    # slower, the writer threads), i.e. frames k .. n-1-lag.
    lag = _pipeline_depth()
    last = n - 1 - lag
    k = skip
    if k >= 1 and last - k >= 1:
        res["steady_skip"] = k
        res["steady_last"] = last
        res["steady_images_per_s"] = (last - k + 1) / (fr[last] - fr[k - 1])
    return res


def _pipeline_depth() -> int:
    """Frames render_dataset keeps in flight before collecting one (2 × its default writer_threads)."""
    import inspect

    from synth3d.run.pipeline import render_dataset

    try:
        wt = inspect.signature(render_dataset).parameters["writer_threads"].default
        return 2 * max(1, int(wt))
    except (KeyError, TypeError, ValueError):
        return 4


def inspect_dataset(out: Path, n: int) -> dict:
    """Check the timed call wrote a complete dataset and collect per-frame label statistics."""
    import cv2

    missing = []
    for sub, ext in (("rgb", "png"), ("depth", "png"), ("instance", "png"), ("scene", "json")):
        got = len(list((out / sub).glob(f"*.{ext}")))
        if got != n:
            missing.append(f"{sub}: {got}/{n}")
    for f in ("manifest.jsonl", "manifest.csv", "dataset.json", "annotations/coco.json"):
        if not (out / f).is_file():
            missing.append(f)
    if missing:
        raise BenchError(f"end-to-end: dataset incomplete ({', '.join(missing)})")
    coverage, visible, gl = [], [], None
    for p in sorted((out / "instance").glob("*.png")):
        ids = cv2.imread(str(p), cv2.IMREAD_UNCHANGED)
        coverage.append(float(np.count_nonzero(ids)) / ids.size)
        visible.append(len(np.unique(ids[ids > 0])))
    try:
        gl = json.loads((out / "dataset.json").read_text()).get("gl_renderer")
    except (OSError, ValueError):
        pass
    coco = json.loads((out / "annotations" / "coco.json").read_text())
    return {
        "object_pixel_fraction": float(np.mean(coverage)),
        "visible_objects_per_frame": float(np.mean(visible)),
        "coco_images": len(coco.get("images", [])),
        "coco_annotations": len(coco.get("annotations", [])),
        "gl_renderer": gl,
    }


# ------------------------------------------------------------------------------------------------
# 2. synth3d Renderer.render alone (diagnostic)


def bench_synth3d_render(specs, size, warmup: int) -> dict:
    """The same specs through one fresh synth3d Renderer: render calls only (textures made and
    uploaded on first use are included, as in a run)."""
    from synth3d.render.renderer import Renderer

    with Renderer(size[0], size[1], backend="egl") as r:
        info = r.gl_info()
        for s in specs[:warmup]:
            r.render(s)
        times, cpu = [], 0.0
        for s in specs:
            c = time.process_time()
            t = time.perf_counter()
            r.render(s)
            times.append(time.perf_counter() - t)
            cpu += time.process_time() - c
    tot = sum(times)
    return {
        "gl": info,
        "render_s": tot,
        "images_per_s": len(specs) / tot if tot > 0 else None,
        "cpu_ms_per_image": 1000 * cpu / len(specs),
        "ms_median": 1000 * float(np.median(times)),
        "ms_max": 1000 * float(np.max(times)),
    }


# ------------------------------------------------------------------------------------------------
# 3. bare pyrender


def _look_z(direction) -> np.ndarray:
    """Rotation whose +z axis is ``direction`` (pyrender lights shine along their node's −z)."""
    z = np.asarray(direction, float)
    z = z / np.linalg.norm(z)
    a = np.array([1.0, 0, 0]) if abs(z[0]) < 0.9 else np.array([0, 1.0, 0])
    x = np.cross(a, z)
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    R = np.eye(4)
    R[:3, 0], R[:3, 1], R[:3, 2] = x, y, z
    return R


def _color_intensity(rad):
    rad = np.asarray(rad, float)
    peak = float(rad.max())
    if peak <= 0:
        return np.ones(3), 0.0
    return rad / peak, peak


class BareBuilder:
    """Turns SceneSpecs into pyrender Scenes, sharing meshes and textures between frames."""

    def __init__(self, resident: bool):
        import pyrender

        self.pr = pyrender
        self.resident = resident
        self.meshes: dict = {}  # asset path -> pyrender.Mesh
        self.textures: dict = {}  # key -> pyrender.Texture
        self.quads: list = []  # every quad mesh made (backdrops, cards)
        self.stats = {"nodes": [], "objects": [], "triangles": []}

    # -- resources --------------------------------------------------------------------------

    def mesh(self, path: str):
        m = self.meshes.get(path)
        if m is None:
            import trimesh

            tm = trimesh.load(path, force="mesh")
            smooth = getattr(tm.visual, "kind", None) != "face"
            try:
                m = self.pr.Mesh.from_trimesh(tm, smooth=smooth)
            except Exception:
                m = self.pr.Mesh.from_trimesh(tm, smooth=False)
            m._bench_tris = int(len(tm.faces))
            self.meshes[path] = m
        return m

    def texture(self, key, make):
        t = self.textures.get(key)
        if t is None:
            rgba = np.ascontiguousarray(make())
            t = self.pr.Texture(
                source=rgba, source_channels="RGBA" if rgba.shape[2] == 4 else "RGB"
            )
            self.textures[key] = t
        return t

    def quad(self, texture, uv_xform=None, blend=False, roughness=0.8, metallic=0.0):
        pos = np.array([[-0.5, -0.5, 0], [0.5, -0.5, 0], [0.5, 0.5, 0], [-0.5, 0.5, 0]], np.float32)
        uv = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float64)
        if uv_xform is not None:
            uv = uv @ np.asarray(uv_xform)[:, :2].T + np.asarray(uv_xform)[:, 2]
        mat = self.pr.MetallicRoughnessMaterial(
            baseColorFactor=np.ones(4),
            baseColorTexture=texture,
            metallicFactor=metallic,
            roughnessFactor=roughness,
            alphaMode="BLEND" if blend else "OPAQUE",
            doubleSided=True,
        )
        prim = self.pr.Primitive(
            positions=pos,
            normals=np.tile([0, 0, 1.0], (4, 1)).astype(np.float32),
            texcoord_0=uv.astype(np.float32),
            indices=np.array([[0, 1, 2], [0, 2, 3]], np.uint32),
            material=mat,
            mode=4,
        )
        m = self.pr.Mesh([prim])
        m._bench_tris = 2
        self.quads.append(m)
        return m

    def backdrop_texture(self, t):
        from synth3d.assets.catalog import load_image_rgb
        from synth3d.assets.textures import procedural_texture

        if t.type == "image":
            return self.texture(("image", t.image), lambda: load_image_rgb(t.image))
        seed = t.seed if t.type == "noise" else None  # checker/color do not depend on the seed
        key = ("proc", t.type, tuple(map(tuple, t.colors)), t.squares, t.scale, seed, t.resolution)
        return self.texture(key, lambda: procedural_texture(t))

    def card_texture(self, o):
        from synth3d.assets.catalog import load_card_rgba

        a = o.alpha
        key = ("card", o.asset, a.mode, tuple(a.key_color), a.key_threshold)
        return self.texture(
            key, lambda: load_card_rgba(o.asset, a.mode, tuple(a.key_color), a.key_threshold)
        )

    # -- scenes -----------------------------------------------------------------------------

    def build(self, spec):
        pr = self.pr
        from synth3d.envmap import environment_lighting

        env = spec.environment
        ambient = np.asarray(env.ambient, float)
        sun = None
        if env.hdri and env.lighting:
            lit = environment_lighting(env.hdri, env.rotation_deg, env.exposure_ev)
            ambient = np.asarray(lit.sh[0], float) * 0.282095  # the SH's constant term
            if lit.sun_direction is not None:
                sun = (lit.sun_direction, lit.sun_intensity)
        scene = (ResidentScene if self.resident else pr.Scene)(
            bg_color=np.zeros(4), ambient_light=np.clip(ambient, 0, None)
        )
        seg = {}
        tris = 0
        for o in spec.objects:
            if o.kind == "card":
                w, h = o.card_size
                mesh = self.quad(self.card_texture(o), blend=True)
                pose = o.T_array() @ np.diag([-w if o.mirror else w, h, 1.0, 1.0])
            else:
                mesh = self.mesh(o.asset)
                pose = o.T_array()
            node = scene.add(mesh, pose=pose, name=f"obj{o.id}")
            seg[node] = int(o.id)
            tris += mesh._bench_tris
        for b in spec.backdrops:
            w, h = b.size
            mesh = self.quad(
                self.backdrop_texture(b.texture),
                uv_xform=b.texture.uv_transform,
                roughness=b.roughness,
                metallic=b.metallic,
            )
            scene.add(mesh, pose=np.asarray(b.T_world_plane) @ np.diag([w, h, 1.0, 1.0]))
            tris += 2
        cam = spec.camera
        K = cam.K_array()
        scene.add(
            pr.IntrinsicsCamera(K[0, 0], K[1, 1], K[0, 2], K[1, 2], znear=cam.znear, zfar=cam.zfar),
            pose=cam.T_array() @ CV_TO_GL,
        )
        if sun is not None:
            c, i = _color_intensity(sun[1])
            scene.add(pr.DirectionalLight(color=c, intensity=i), pose=_look_z(sun[0]))
        for L in spec.lights:
            c, i = _color_intensity(np.asarray(L.color) * L.intensity)
            if L.type == "directional":
                scene.add(pr.DirectionalLight(color=c, intensity=i), pose=_look_z(L.direction))
            elif L.type == "point":
                P = np.eye(4)
                P[:3, 3] = L.position
                scene.add(pr.PointLight(color=c, intensity=i), pose=P)
            else:
                P = _look_z(-np.asarray(L.direction, float))
                P[:3, 3] = L.position
                scene.add(
                    pr.SpotLight(
                        color=c, intensity=i, outer_cone_angle=np.radians(L.cone_deg or 45.0)
                    ),
                    pose=P,
                )
        self.stats["objects"].append(len(spec.objects))
        self.stats["nodes"].append(len(scene.mesh_nodes))
        self.stats["triangles"].append(tris)
        return scene, seg

    def finish(self, scenes):
        """Give every resident scene the full set of meshes to keep bound to the context."""
        if self.resident:
            every = set(self.meshes.values()) | set(self.quads)
            for s, _ in scenes:
                s.resident = every


def _resident_scene_class():
    import pyrender

    class _ResidentScene(pyrender.Scene):
        """A pyrender.Scene whose ``meshes`` (what the renderer keeps bound to its context, with
        their textures) is every mesh of the benchmark; only its own nodes are drawn. Without it
        pyrender deletes the buffers and textures of meshes the previous frame used and this one
        does not, and uploads them again later."""

        resident: set = set()

        @property
        def meshes(self):
            return super().meshes | self.resident

    return _ResidentScene


ResidentScene = None


def build_bare(specs, resident: bool):
    """pyrender Scenes (and seg node maps) of every spec, plus the builder with its statistics."""
    global ResidentScene

    if ResidentScene is None:
        ResidentScene = _resident_scene_class()
    b = BareBuilder(resident)
    t = time.perf_counter()
    scenes = [b.build(s) for s in specs]
    b.finish(scenes)
    b.build_s = time.perf_counter() - t
    return b, scenes


def bench_bare(built, size, warmup: int, stats: bool) -> dict:
    """One timed pass of the bare loop over prebuilt scenes, with a fresh OffscreenRenderer."""
    import pyrender

    b, scenes = built
    r = pyrender.OffscreenRenderer(size[0], size[1])
    try:
        seg_flags = pyrender.RenderFlags.SEG
        for scene, seg in scenes[:warmup]:
            r.render(scene)
            r.render(scene, flags=seg_flags, seg_node_map=seg)
        t_col, t_seg, cpu, cover, vis, depth_ok = [], [], 0.0, [], [], []
        threads0 = thread_cpu()
        for scene, seg in scenes:
            c0 = time.process_time()
            t0 = time.perf_counter()
            color, depth = r.render(scene)
            t1 = time.perf_counter()
            segimg, _ = r.render(scene, flags=seg_flags, seg_node_map=seg)
            t2 = time.perf_counter()
            cpu += time.process_time() - c0
            t_col.append(t1 - t0)
            t_seg.append(t2 - t1)
            if stats:  # untimed plausibility numbers
                ids = segimg[:, :, 0]
                cover.append(float(np.count_nonzero(ids)) / ids.size)
                vis.append(len(np.unique(ids[ids > 0])))
                depth_ok.append(float(np.count_nonzero(depth)) / depth.size)
        by_thread = cpu_by_role(threads0, thread_cpu(), len(scenes))
    finally:
        r.delete()
    tot = sum(t_col) + sum(t_seg)
    n = len(scenes)
    out = {
        "render_s": tot,
        "images_per_s": n / tot if tot > 0 else None,
        "cpu_ms_per_image": 1000 * cpu / n,
        "colour_depth_ms": 1000 * float(np.mean(t_col)),
        "seg_ms": 1000 * float(np.mean(t_seg)),
        "cpu_ms_by_thread": by_thread,
    }
    if stats:
        out.update(
            {
                "resident": b.resident,
                "build_s": b.build_s,
                "objects_per_frame": float(np.mean(b.stats["objects"])),
                "mesh_nodes_per_frame": float(np.mean(b.stats["nodes"])),
                "triangles_per_frame": float(np.mean(b.stats["triangles"])),
                "object_pixel_fraction": float(np.mean(cover)),
                "visible_objects_per_frame": float(np.mean(vis)),
                "depth_hit_fraction": float(np.mean(depth_ok)),
                "distinct_meshes": len(b.meshes),
                "distinct_textures": len(b.textures),
            }
        )
    return out


# ------------------------------------------------------------------------------------------------
# main


def cpu_snapshot() -> tuple | None:
    """(wall s, whole-machine busy CPU s from /proc/stat, CPU s of this process and of its
    finished worker processes)."""
    try:
        f = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        hz = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    idle = f[3] + (f[4] if len(f) > 4 else 0)  # idle + iowait
    busy = sum(f[:8]) - idle  # user nice system idle iowait irq softirq steal
    t = os.times()
    return time.perf_counter(), busy / hz, t.user + t.system + t.children_user + t.children_system


def other_load(a, b) -> float | None:
    """Mean number of cores other processes kept busy between two snapshots."""
    if not a or not b or b[0] <= a[0]:
        return None
    return max(0.0, ((b[1] - a[1]) - (b[2] - a[2])) / (b[0] - a[0]))


def summarize(rounds: list[dict], key: str = "images_per_s") -> dict | None:
    vals = [r[key] for r in rounds if r and r.get(key)]
    if not vals:
        return None
    cpu = [r["cpu_ms_per_image"] for r in rounds if r and r.get("cpu_ms_per_image")]
    return {
        "images_per_s": float(np.median(vals)),
        "min": float(min(vals)),
        "max": float(max(vals)),
        "rounds": len(vals),
        "cpu_ms_per_image": float(np.median(cpu)) if cpu else None,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--template", default=str(ROOT / "scenes" / "tabletop.yaml"))
    ap.add_argument("--size", type=parse_size, default=(640, 480), metavar="WxH")
    ap.add_argument("-n", type=int, default=100, help="timed frames (default 100)")
    ap.add_argument("--warmup", type=int, default=3, help="warm-up frames (default 3)")
    ap.add_argument("--seed", type=int, default=None, help="default: the template's seed")
    ap.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds of every measurement, interleaved; medians are reported (default 3)",
    )
    ap.add_argument(
        "--skip",
        type=int,
        default=5,
        help="first frames left out of the steady-state rate (default 5)",
    )
    ap.add_argument("--json", metavar="PATH", help="also save the numbers as JSON")
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="template override, as for `synth3d render --set` (repeatable); e.g. "
        "environment.shadows=false environment.reflections=false for the same "
        "lighting features as the bare loop",
    )
    ap.add_argument(
        "--workers",
        default="1,2",
        metavar="N[,N...]",
        help="end-to-end with these numbers of worker processes (default 1,2; "
        "1 renders in the benchmark's own process)",
    )
    ap.add_argument(
        "--no-render-only",
        action="store_true",
        help="skip the synth3d Renderer.render-only diagnostic row",
    )
    ap.add_argument(
        "--bare-stock",
        action="store_true",
        help="also time stock pyrender scene switching (re-uploads per frame)",
    )
    args = ap.parse_args(argv)
    if args.n < 2:
        ap.error("-n must be ≥ 2")
    if args.warmup < 0 or args.skip < 0:
        ap.error("--warmup and --skip must be ≥ 0")
    if args.repeat < 1:
        ap.error("--repeat must be ≥ 1")
    OVERRIDES[:] = args.set
    try:
        workers = [int(w) for w in args.workers.split(",")]
        assert workers and all(w >= 1 for w in workers)
    except (ValueError, AssertionError):
        ap.error(f"--workers must be positive numbers like 1,2, got {args.workers!r}")
    if not Path(args.template).is_file():
        ap.error(f"--template: no such file: {args.template}")

    try:
        from synth3d.errors import Synth3dError
        from synth3d.run.pipeline import Scenes
    except Exception as e:
        print(f"error: cannot import synth3d ({e.__class__.__name__}: {e})", file=sys.stderr)
        return 2

    W, H = args.size
    res: dict = {
        "template": str(args.template),
        "size": [W, H],
        "n": args.n,
        "warmup": args.warmup,
        "repeat": args.repeat,
        "errors": {},
    }
    machine = {
        "cpu": cpu_model(),
        "cores": cores(),
        "python": _pyplatform.python_version(),
        "LP_NUM_THREADS": os.environ.get("LP_NUM_THREADS"),
    }
    res["machine"] = machine

    def step(name, fn):
        print(f"… {name}", file=sys.stderr, flush=True)
        try:
            return fn()
        except (Synth3dError, BenchError) as e:
            msg = str(e)
        except Exception as e:  # report it and go on with the other measurements
            msg = f"{e.__class__.__name__}: {e}"
            traceback.print_exc(file=sys.stderr)
        print(f"error in {name}: {msg}", file=sys.stderr)
        res["errors"].setdefault(name, msg)
        return None

    # The specs of the render-only and bare rows: exactly those render_dataset samples.
    def sample():
        sc = Scenes(args.template, OVERRIDES, size=(W, H))
        seed = sc.template.seed if args.seed is None else args.seed
        return seed, [sc.sample(seed, i) for i in range(args.n)]

    got = step("sampling", sample)
    if got is None:
        print("cannot sample the template; nothing measured", file=sys.stderr)
        return 1
    seed, specs = got
    res["seed"] = seed
    res["objects_per_frame"] = float(np.mean([len(s.objects) for s in specs]))

    res["warmup_call_s"] = step(
        "end-to-end warm-up call",
        lambda: warm_up_end_to_end(args.template, (W, H), args.n, args.warmup, seed),
    )
    built = step("building bare pyrender scenes", lambda: build_bare(specs, resident=True))
    built_stock = (
        step("building stock pyrender scenes", lambda: build_bare(specs, resident=False))
        if args.bare_stock
        else None
    )

    rows: dict[str, list] = {"end_to_end": [], "synth3d_render": [], "bare": [], "bare_stock": []}
    for w in workers:
        if w != 1:
            rows[f"end_to_end_w{w}"] = []
    snap0 = cpu_snapshot()
    for r in range(args.repeat):
        tag = f" (round {r + 1}/{args.repeat})"
        if res["warmup_call_s"] is not None:
            for w in workers:
                key = "end_to_end" if w == 1 else f"end_to_end_w{w}"
                rows[key].append(
                    step(
                        f"end-to-end render_dataset, workers={w}" + tag,
                        lambda: bench_end_to_end(
                            args.template,
                            (W, H),
                            args.n,
                            seed,
                            args.skip,
                            check=(r == 0),
                            workers=w,
                        ),
                    )
                )
        if not args.no_render_only:
            rows["synth3d_render"].append(
                step(
                    "synth3d Renderer.render only" + tag,
                    lambda: bench_synth3d_render(specs, (W, H), args.warmup),
                )
            )
        if built is not None:
            rows["bare"].append(
                step(
                    "bare pyrender loop" + tag,
                    lambda: bench_bare(built, (W, H), args.warmup, stats=(r == 0)),
                )
            )
        if built_stock is not None:
            rows["bare_stock"].append(
                step(
                    "bare pyrender loop, stock scenes" + tag,
                    lambda: bench_bare(built_stock, (W, H), args.warmup, stats=(r == 0)),
                )
            )
    machine["other_processes_cores"] = other_load(snap0, cpu_snapshot())
    res["rounds"] = rows

    gl = next((x.pop("gl") for x in rows["synth3d_render"] if x and "gl" in x), None)
    if gl is None:

        def gl_info():
            from synth3d.render.renderer import Renderer

            with Renderer(W, H, backend="egl") as rr:
                return rr.gl_info()

        gl = step("GL info", gl_info)
    for x in rows["synth3d_render"]:
        if x:
            x.pop("gl", None)
    machine["gl"] = gl

    summary = {k: summarize(v) for k, v in rows.items()}
    summary["end_to_end_steady"] = summarize(rows["end_to_end"], "steady_images_per_s")
    res["summary"] = summary
    e2e, bare = summary.get("end_to_end"), summary.get("bare")
    if e2e and bare:
        res["ratio_end_to_end_over_bare"] = e2e["images_per_s"] / bare["images_per_s"]
        for w in workers:
            if w != 1 and summary.get(f"end_to_end_w{w}"):
                res[f"ratio_end_to_end_w{w}_over_bare"] = (
                    summary[f"end_to_end_w{w}"]["images_per_s"] / bare["images_per_s"]
                )
        if summary["end_to_end_steady"]:
            res["ratio_steady_over_bare"] = (
                summary["end_to_end_steady"]["images_per_s"] / bare["images_per_s"]
            )
        if e2e["cpu_ms_per_image"] and bare["cpu_ms_per_image"]:
            res["cpu_ratio_end_to_end_over_bare"] = (
                e2e["cpu_ms_per_image"] / bare["cpu_ms_per_image"]
            )

    report(res)
    if args.json:
        try:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(json.dumps(res, indent=2, default=str) + "\n")
            print(f"saved {args.json}")
        except OSError as e:
            print(f"error: cannot write --json {args.json}: {e.strerror or e}", file=sys.stderr)
            return 1
    return 1 if res["errors"] else 0


def report(res: dict) -> None:
    m = res["machine"]
    gl = m.get("gl") or {}
    c = m["cores"]
    S = res.get("summary", {})
    rounds = res.get("rounds", {})
    first = {k: next((x for x in v if x), None) for k, v in rounds.items()}
    print()
    print(
        f"synth3d benchmark — {Path(res['template']).name} at {res['size'][0]}×{res['size'][1]}, "
        f"seed {res.get('seed')}, n={res['n']} frames, warm-up {res['warmup']}, "
        f"{res['repeat']} round(s) (medians)"
    )
    print(
        f"machine: {m['cpu']}, {c.get('usable', c['logical'])} cores; GL: {gl.get('renderer', '?')}"
        f"{' (software)' if gl.get('software') else ''}, {gl.get('version', '')}"
    )
    print(f"objects/frame (SceneSpec mean): {res.get('objects_per_frame', float('nan')):.2f}")
    print()
    print(
        f"{'measurement':44s} {'img/s':>7s} {'(min–max)':>15s} {'ms/img':>7s} {'CPU ms/img':>10s}"
    )
    print("-" * 87)
    e = first.get("end_to_end")
    labels = [("end_to_end", "end-to-end, workers=1 (whole call)")]
    if e and e.get("steady_skip") is not None:
        labels.append(
            ("end_to_end_steady", f"  steady state (frames {e['steady_skip']}..{e['steady_last']})")
        )
    labels += [
        (k, f"end-to-end, workers={k[len('end_to_end_w') :]} (whole call)")
        for k in rounds
        if k.startswith("end_to_end_w")
    ]
    labels += [
        ("synth3d_render", "synth3d Renderer.render only (no post/write)"),
        ("bare", "bare pyrender: colour+depth, seg passes"),
        ("bare_stock", "bare pyrender, stock scene switching"),
    ]
    for key, label in labels:
        s = S.get(key)
        if not s:
            continue
        rng = f"({s['min']:.2f}–{s['max']:.2f})" if s["rounds"] > 1 else ""
        cpu = (
            f"{s['cpu_ms_per_image']:10.1f}"
            if s.get("cpu_ms_per_image") and key != "end_to_end_steady"
            else ""
        )
        print(
            f"{label:44s} {s['images_per_s']:7.2f} {rng:>15s} {1000 / s['images_per_s']:7.1f} {cpu}"
        )
    print("-" * 87)
    if "ratio_end_to_end_over_bare" in res:
        r = res["ratio_end_to_end_over_bare"]
        line = f"ratio end-to-end / bare (img/s): {r:.3f} (bare {1 / r:.2f}× faster)"
        if "ratio_steady_over_bare" in res:
            line += f"; steady / bare: {res['ratio_steady_over_bare']:.3f}"
        print(line)
        for k in sorted(res):
            if k.startswith("ratio_end_to_end_w"):
                w = k[len("ratio_end_to_end_w") :].split("_")[0]
                print(f"ratio end-to-end with {w} workers / bare: {res[k]:.3f}")
        if "cpu_ratio_end_to_end_over_bare" in res:
            print(
                f"CPU time per image, end-to-end / bare: {res['cpu_ratio_end_to_end_over_bare']:.2f}×"
            )
    if e:
        print(
            f"end-to-end call (round 1): {e['call_s']:.2f} s = setup {e['setup_s']:.2f} s (template, "
            f"GL context, writer) + frames + {e['finalize_s']:.2f} s after the last frame "
            f"(finalize, close); warm-up call {res.get('warmup_call_s') or 0:.2f} s"
        )
        by = e.get("cpu_ms_by_thread")
        if by:
            order = ["rasteriser", "gl", "writers", "look-ahead", "other"]
            print(
                "  CPU ms per image by thread (round 1): "
                + ", ".join(f"{k} {by[k]:.1f}" for k in order if k in by and by[k] >= 0.05)
            )
        d = e.get("dataset")
        if d:
            print(
                f"  dataset: {d['coco_images']} images, {d['coco_annotations']} COCO annotations, "
                f"{d['visible_objects_per_frame']:.2f} visible objects/frame, "
                f"object pixels {100 * d['object_pixel_fraction']:.1f}%"
            )
    s = first.get("synth3d_render")
    if s:
        print(
            f"synth3d render (round 1): median {s['ms_median']:.1f} ms, max {s['ms_max']:.1f} ms per frame"
        )
    b = first.get("bare")
    if b:
        print(
            f"bare: {b['objects_per_frame']:.2f} objects/frame ({b['mesh_nodes_per_frame']:.2f} mesh "
            f"nodes with backdrops, {b['triangles_per_frame']:.0f} triangles), "
            f"{b['visible_objects_per_frame']:.2f} visible, object pixels "
            f"{100 * b['object_pixel_fraction']:.1f}%, depth hits {100 * b['depth_hit_fraction']:.1f}%"
        )
        print(
            f"  per frame (round 1): colour+depth {b['colour_depth_ms']:.1f} ms + seg "
            f"{b['seg_ms']:.1f} ms; {b['distinct_meshes']} meshes, {b['distinct_textures']} "
            f"textures, resident; scenes built in {b['build_s']:.2f} s (untimed)"
        )
        by = b.get("cpu_ms_by_thread") or {}
        if by:
            print(
                "  CPU ms per image by thread (round 1): "
                + ", ".join(
                    f"{k} {v:.1f}"
                    for k, v in sorted(by.items(), key=lambda kv: -kv[1])
                    if v >= 0.05
                )
            )
    other = m.get("other_processes_cores")
    spread = max(
        (s["max"] / s["min"] for s in S.values() if s and s["rounds"] > 1 and s["min"] > 0),
        default=1.0,
    )
    if other is not None:
        print(
            f"other processes kept {other:.2f} of {c.get('usable', c['logical'])} cores busy "
            f"during the measurements"
        )
    if (other is not None and other > 0.2) or spread > 1.3:
        print(
            f"warning: noisy measurement (other processes used {other if other is None else round(other, 2)} "
            f"cores; rounds differ up to {spread:.2f}×); rerun on a quiet machine"
        )
    if res["errors"]:
        print("errors:")
        for k, v in res["errors"].items():
            print(f"  {k}: {v}")


if __name__ == "__main__":
    sys.exit(main())
