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

Usage::

    python scripts/bench.py [--template scenes/tabletop.yaml] [--size 640x480] [-n 40]
                            [--warmup 3] [--seed S] [--json out.json]
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

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # a source checkout works without installing

CV_TO_GL = np.diag([1.0, -1.0, -1.0, 1.0])


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


def bench_end_to_end(template: str, size, n: int, warmup: int, seed: int, skip: int) -> dict:
    from synth3d.run.pipeline import render_dataset

    # Warm-up: imports, asset files, module-level caches. Frames n.. so none repeat the timed ones.
    if warmup > 0:
        with tempfile.TemporaryDirectory(prefix="synth3d-bench-warm-") as d:
            t = time.perf_counter()
            render_dataset(template, d, n=warmup, seed=seed, start=n, size=size, backend="egl")
            warm_s = time.perf_counter() - t
    else:
        warm_s = 0.0

    marks: dict = {"frames": []}

    def on_start(todo, skipped):
        marks["start"] = time.perf_counter()
        marks["todo"] = todo

    def on_frame(idx):
        marks["frames"].append(time.perf_counter())

    with tempfile.TemporaryDirectory(prefix="synth3d-bench-e2e-") as d:
        t0 = time.perf_counter()
        summary = render_dataset(template, d, n=n, seed=seed, size=size, backend="egl",
                                 on_start=on_start, on_frame=on_frame)
        t1 = time.perf_counter()
        check = inspect_dataset(Path(d), n)

    total = t1 - t0
    fr = marks["frames"]
    res = {
        "frames": n,
        "warmup_frames": warmup,
        "warmup_call_s": warm_s,
        "call_s": total,
        "images_per_s": n / total if total > 0 else None,
        "summary_images_per_s": summary.get("images_per_s"),
        "setup_s": marks["start"] - t0 if "start" in marks else None,
        "finalize_s": t1 - fr[-1] if fr else None,
        "steady_skip": None,
        "steady_images_per_s": None,
        "dataset": check,
    }
    if marks.get("todo") != n:
        raise BenchError(f"end-to-end: render_dataset planned {marks.get('todo')} frames, expected {n} "
                         "(was the temporary folder not fresh?)")
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
    return {"object_pixel_fraction": float(np.mean(coverage)),
            "visible_objects_per_frame": float(np.mean(visible)),
            "coco_images": len(coco.get("images", [])),
            "coco_annotations": len(coco.get("annotations", [])),
            "gl_renderer": gl}


# ------------------------------------------------------------------------------------------------
# 2. synth3d Renderer.render alone (diagnostic)


def bench_synth3d_render(specs, size, warmup: int) -> dict:
    from synth3d.render.renderer import Renderer

    with Renderer(size[0], size[1], backend="egl") as r:
        info = r.gl_info()
        for s in specs[:warmup]:
            r.render(s)
        times = []
        for s in specs:
            t = time.perf_counter()
            r.render(s)
            times.append(time.perf_counter() - t)
    tot = sum(times)
    return {"gl": info, "render_s": tot, "images_per_s": len(specs) / tot if tot > 0 else None,
            "ms_median": 1000 * float(np.median(times)), "ms_max": 1000 * float(np.max(times))}


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
        self.meshes: dict = {}       # asset path -> pyrender.Mesh
        self.textures: dict = {}     # key -> pyrender.Texture
        self.quads: list = []        # every quad mesh made (backdrops, cards)
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
            t = self.pr.Texture(source=rgba, source_channels="RGBA" if rgba.shape[2] == 4 else "RGB")
            self.textures[key] = t
        return t

    def quad(self, texture, uv_xform=None, blend=False, roughness=0.8, metallic=0.0):
        pos = np.array([[-0.5, -0.5, 0], [0.5, -0.5, 0], [0.5, 0.5, 0], [-0.5, 0.5, 0]], np.float32)
        uv = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float64)
        if uv_xform is not None:
            uv = uv @ np.asarray(uv_xform)[:, :2].T + np.asarray(uv_xform)[:, 2]
        mat = self.pr.MetallicRoughnessMaterial(
            baseColorFactor=np.ones(4), baseColorTexture=texture, metallicFactor=metallic,
            roughnessFactor=roughness, alphaMode="BLEND" if blend else "OPAQUE", doubleSided=True)
        prim = self.pr.Primitive(positions=pos, normals=np.tile([0, 0, 1.0], (4, 1)).astype(np.float32),
                                 texcoord_0=uv.astype(np.float32),
                                 indices=np.array([[0, 1, 2], [0, 2, 3]], np.uint32),
                                 material=mat, mode=4)
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
        return self.texture(key, lambda: load_card_rgba(o.asset, a.mode, tuple(a.key_color),
                                                        a.key_threshold))

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
            bg_color=np.zeros(4), ambient_light=np.clip(ambient, 0, None))
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
            mesh = self.quad(self.backdrop_texture(b.texture), uv_xform=b.texture.uv_transform,
                             roughness=b.roughness, metallic=b.metallic)
            scene.add(mesh, pose=np.asarray(b.T_world_plane) @ np.diag([w, h, 1.0, 1.0]))
            tris += 2
        cam = spec.camera
        K = cam.K_array()
        scene.add(pr.IntrinsicsCamera(K[0, 0], K[1, 1], K[0, 2], K[1, 2], znear=cam.znear,
                                      zfar=cam.zfar), pose=cam.T_array() @ CV_TO_GL)
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
                scene.add(pr.SpotLight(color=c, intensity=i,
                                       outer_cone_angle=np.radians(L.cone_deg or 45.0)), pose=P)
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


def bench_bare(specs, size, warmup: int, resident: bool) -> dict:
    global ResidentScene
    import pyrender

    if ResidentScene is None:
        ResidentScene = _resident_scene_class()
    b = BareBuilder(resident)
    t = time.perf_counter()
    scenes = [b.build(s) for s in specs]
    b.finish(scenes)
    build_s = time.perf_counter() - t

    r = pyrender.OffscreenRenderer(size[0], size[1])
    try:
        seg_flags = pyrender.RenderFlags.SEG
        for scene, seg in scenes[:warmup]:
            r.render(scene)
            r.render(scene, flags=seg_flags, seg_node_map=seg)
        t_col, t_seg, cover, vis, depth_ok = [], [], [], [], []
        for scene, seg in scenes:
            t0 = time.perf_counter()
            color, depth = r.render(scene)
            t1 = time.perf_counter()
            segimg, _ = r.render(scene, flags=seg_flags, seg_node_map=seg)
            t2 = time.perf_counter()
            t_col.append(t1 - t0)
            t_seg.append(t2 - t1)
            ids = segimg[:, :, 0]
            cover.append(float(np.count_nonzero(ids)) / ids.size)
            vis.append(len(np.unique(ids[ids > 0])))
            depth_ok.append(float(np.count_nonzero(depth)) / depth.size)
    finally:
        r.delete()
    tot = sum(t_col) + sum(t_seg)
    n = len(specs)
    return {"resident": resident, "build_s": build_s, "render_s": tot,
            "images_per_s": n / tot if tot > 0 else None,
            "colour_depth_ms": 1000 * float(np.mean(t_col)), "seg_ms": 1000 * float(np.mean(t_seg)),
            "objects_per_frame": float(np.mean(b.stats["objects"])),
            "mesh_nodes_per_frame": float(np.mean(b.stats["nodes"])),
            "triangles_per_frame": float(np.mean(b.stats["triangles"])),
            "object_pixel_fraction": float(np.mean(cover)),
            "visible_objects_per_frame": float(np.mean(vis)),
            "depth_hit_fraction": float(np.mean(depth_ok)),
            "distinct_meshes": len(b.meshes), "distinct_textures": len(b.textures)}


# ------------------------------------------------------------------------------------------------
# main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--template", default=str(ROOT / "scenes" / "tabletop.yaml"))
    ap.add_argument("--size", type=parse_size, default=(640, 480), metavar="WxH")
    ap.add_argument("-n", type=int, default=40, help="timed frames (default 40)")
    ap.add_argument("--warmup", type=int, default=3, help="warm-up frames (default 3)")
    ap.add_argument("--seed", type=int, default=None, help="default: the template's seed")
    ap.add_argument("--skip", type=int, default=5,
                    help="first frames left out of the steady-state rate (default 5)")
    ap.add_argument("--json", metavar="PATH", help="also save the numbers as JSON")
    ap.add_argument("--no-render-only", action="store_true",
                    help="skip the synth3d Renderer.render-only diagnostic row")
    ap.add_argument("--bare-stock", action="store_true",
                    help="also time stock pyrender scene switching (re-uploads per frame)")
    args = ap.parse_args(argv)
    if args.n < 2:
        ap.error("-n must be ≥ 2")
    if args.warmup < 0:
        ap.error("--warmup must be ≥ 0")
    if not Path(args.template).is_file():
        ap.error(f"--template: no such file: {args.template}")

    try:
        from synth3d.errors import Synth3dError
        from synth3d.run.pipeline import Scenes
    except Exception as e:
        print(f"error: cannot import synth3d ({e.__class__.__name__}: {e})", file=sys.stderr)
        return 2

    W, H = args.size
    res: dict = {"template": str(args.template), "size": [W, H], "n": args.n,
                 "warmup": args.warmup, "errors": {}}
    machine = {"cpu": cpu_model(), "cores": cores(), "python": _pyplatform.python_version(),
               "llvmpipe_threads": os.environ.get("LP_NUM_THREADS")}
    res["machine"] = machine

    def step(name, fn):
        print(f"… {name}", file=sys.stderr, flush=True)
        try:
            return fn()
        except (Synth3dError, BenchError) as e:
            msg = str(e)
        except Exception as e:  # report and go on with the other measurements
            msg = f"{e.__class__.__name__}: {e}"
            traceback.print_exc(file=sys.stderr)
        print(f"error in {name}: {msg}", file=sys.stderr)
        res["errors"][name] = msg
        return None

    # Specs for the render-only and bare rows: exactly what render_dataset samples.
    def sample():
        sc = Scenes(args.template, size=(W, H))
        seed = sc.template.seed if args.seed is None else args.seed
        return seed, [sc.sample(seed, i) for i in range(args.n)]

    got = step("sampling", sample)
    if got is None:
        print("cannot sample the template; nothing measured", file=sys.stderr)
        return 1
    seed, specs = got
    res["seed"] = seed
    res["objects_per_frame"] = float(np.mean([len(s.objects) for s in specs]))

    res["end_to_end"] = step("end-to-end render_dataset",
                             lambda: bench_end_to_end(args.template, (W, H), args.n, args.warmup,
                                                      seed, args.skip))
    if not args.no_render_only:
        res["synth3d_render"] = step("synth3d Renderer.render only",
                                     lambda: bench_synth3d_render(specs, (W, H), args.warmup))
    if "synth3d_render" in res and res["synth3d_render"]:
        machine["gl"] = res["synth3d_render"].pop("gl")
    else:
        def gl_info():
            from synth3d.render.renderer import Renderer

            with Renderer(W, H, backend="egl") as r:
                return r.gl_info()
        machine["gl"] = step("GL info", gl_info)
    res["bare"] = step("bare pyrender loop",
                       lambda: bench_bare(specs, (W, H), args.warmup, resident=True))
    if args.bare_stock:
        res["bare_stock"] = step("bare pyrender loop (stock scene switching)",
                                 lambda: bench_bare(specs, (W, H), args.warmup, resident=False))

    e2e, bare = res.get("end_to_end"), res.get("bare")
    if e2e and bare and bare["images_per_s"]:
        res["ratio_end_to_end_over_bare"] = e2e["images_per_s"] / bare["images_per_s"]
        if e2e["steady_images_per_s"]:
            res["ratio_steady_over_bare"] = e2e["steady_images_per_s"] / bare["images_per_s"]

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
    print()
    print(f"synth3d benchmark — {Path(res['template']).name} at {res['size'][0]}×{res['size'][1]}, "
          f"seed {res.get('seed')}, n={res['n']}, warm-up {res['warmup']}")
    print(f"machine: {m['cpu']}, {c.get('usable', c['logical'])} cores"
          f" ({c['logical']} logical); GL: {gl.get('renderer', '?')}"
          f"{' (software)' if gl.get('software') else ''}, {gl.get('version', '')}")
    print(f"objects/frame (SceneSpec mean): {res.get('objects_per_frame', float('nan')):.2f}")
    print()
    print(f"{'measurement':46s} {'img/s':>7s} {'ms/img':>8s}")
    print("-" * 63)
    e = res.get("end_to_end")
    if e:
        print(f"{'end-to-end render_dataset (whole call)':46s} {fmt_rate(e['images_per_s'])} "
              f"{fmt_ms(e['images_per_s'])}")
        if e["steady_images_per_s"]:
            label = f"  steady state (frames {e['steady_skip']}..{e['steady_last']})"
            print(f"{label:46s} {fmt_rate(e['steady_images_per_s'])} {fmt_ms(e['steady_images_per_s'])}")
    s = res.get("synth3d_render")
    if s:
        print(f"{'synth3d Renderer.render only (no post/write)':46s} {fmt_rate(s['images_per_s'])} "
              f"{fmt_ms(s['images_per_s'])}")
    for key, label in (("bare", "bare pyrender (colour+depth, seg)"),
                       ("bare_stock", "bare pyrender, stock scene switching")):
        b = res.get(key)
        if b:
            print(f"{label:46s} {fmt_rate(b['images_per_s'])} {fmt_ms(b['images_per_s'])}")
    print("-" * 63)
    if "ratio_end_to_end_over_bare" in res:
        r = res["ratio_end_to_end_over_bare"]
        line = f"ratio end-to-end / bare: {r:.3f} (bare is {1 / r:.2f}× faster)"
        if "ratio_steady_over_bare" in res:
            line += f"; steady / bare: {res['ratio_steady_over_bare']:.3f}"
        print(line)
    if e:
        d = e["dataset"]
        print(f"end-to-end: call {e['call_s']:.2f} s = setup {e['setup_s']:.2f} s (template, context, "
              f"writer) + frames + finalize {e['finalize_s']:.2f} s (last frame → return); "
              f"warm-up call {e['warmup_call_s']:.2f} s")
        print(f"  dataset: {d['coco_images']} images, {d['coco_annotations']} COCO annotations, "
              f"{d['visible_objects_per_frame']:.2f} visible objects/frame, "
              f"object pixels {100 * d['object_pixel_fraction']:.1f}%")
    if s:
        print(f"synth3d render: median {s['ms_median']:.1f} ms, max {s['ms_max']:.1f} ms per frame")
    b = res.get("bare")
    if b:
        print(f"bare: {b['objects_per_frame']:.2f} objects/frame ({b['mesh_nodes_per_frame']:.2f} mesh "
              f"nodes incl. backdrops, {b['triangles_per_frame']:.0f} triangles), "
              f"{b['visible_objects_per_frame']:.2f} visible, object pixels "
              f"{100 * b['object_pixel_fraction']:.1f}%, depth hits {100 * b['depth_hit_fraction']:.1f}%")
        print(f"  per frame: colour+depth {b['colour_depth_ms']:.1f} ms + seg {b['seg_ms']:.1f} ms; "
              f"{b['distinct_meshes']} meshes, {b['distinct_textures']} textures; "
              f"scenes built in {b['build_s']:.2f} s (untimed)")
    if res["errors"]:
        print("errors:")
        for k, v in res["errors"].items():
            print(f"  {k}: {v}")


if __name__ == "__main__":
    sys.exit(main())
