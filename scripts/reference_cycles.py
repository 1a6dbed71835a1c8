"""Reference renders of a synth3d dataset with Blender Cycles (a development tool).

Renders every SceneSpec of a dataset (``scene/NNNNNN.json``) with Cycles through ``bpy`` — the
same camera (intrinsics, principal point through shift_x/shift_y), meshes and poses, materials
(base colour × texture × vertex colour, roughness, metallic, metallic-roughness and emissive
textures, alpha), backdrops and their textures, HDRI (rotation, exposure), lights and shadow
catcher — and writes, per frame, into ``OUT``:

- ``NNNNNN.linear.npz``: Cycles' linear radiance, premultiplied RGBA over a transparent film
  (``rgba`` (H, W, 4) float32) and Cycles' instance ids at pixel centres (``ids`` (H, W) uint16).
  The background and the tonemap are synth3d's own, applied by :func:`finish_reference` (from
  the main venv): synth3d's background look-up composited under Cycles' film, then synth3d's
  exposure (automatic exposure metered on the Cycles image) and tonemap, so both images go
  through one post pipeline and differ only in how the scene is lit and shaded.
- ``NNNNNN.png``: that finished 8-bit image.
- ``alignment.json``: per object, the IoU of Cycles' silhouette and synth3d's instance mask.

It runs in two halves. In the main venv (which has synth3d) it exports each frame as a *bundle*
(triangles in the asset's own coordinates exactly as synth3d's renderer receives them from
pyrender's conversion, materials resolved the way the renderer resolves them, textures as PNG)
and then runs itself with ``bpy``'s Python (``--blender-python``, default ``.venv-ref``) on the
bundles. ``bpy`` is never imported by synth3d.

Set up once (bpy 5.0.1 is the newest build for Python 3.11 and wants numpy < 2)::

    python3.11 -m venv .venv-ref && .venv-ref/bin/pip install bpy==5.0.1 'numpy<2'
    nice -n 10 .venv/bin/python scripts/reference_cycles.py out/realism/tabletop -o ~/.cache/ref/tabletop

Cycles at 64–128 samples with OpenImageDenoise is a stable reference at 320 × 240 (about a
minute a frame on 2 cores).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------------------------
# Main-venv half: SceneSpec → bundle
# ---------------------------------------------------------------------------------------------


def _save_png(rgba: np.ndarray, folder: Path) -> str:
    import cv2

    rgba = np.ascontiguousarray(rgba)
    name = hashlib.sha1(rgba.tobytes()).hexdigest()[:16] + ".png"
    path = folder / name
    if not path.exists():
        if rgba.shape[2] == 4:
            cv2.imwrite(str(path), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
        else:
            cv2.imwrite(str(path), cv2.cvtColor(rgba, cv2.COLOR_RGB2BGR))
    return name


def _mesh_parts(path: str, tex_dir: Path, cache: dict) -> list[dict]:
    """The parts of a mesh asset as synth3d's renderer draws them (pyrender's conversion of
    trimesh's loading, the renderer's reading of the file's material)."""
    if path in cache:
        return cache[path]
    import pyrender

    from synth3d.assets.catalog import load_mesh_parts
    from synth3d.color import srgb_to_linear
    from synth3d.render import materials as R

    parts = []
    for geom in load_mesh_parts(path):
        pm = pyrender.Mesh.from_trimesh(geom, smooth=R.smooth_ok(geom))
        for prim in pm.primitives:
            mat = prim.material
            base, metallic, rough, mode = R.file_material(geom, mat)
            tex = {}
            for name, attr in (
                ("base", "baseColorTexture"),
                ("mr", "metallicRoughnessTexture"),
                ("emissive", "emissiveTexture"),
                ("normal", "normalTexture"),
                ("occlusion", "occlusionTexture"),
            ):
                t = getattr(mat, attr, None)
                if t is not None and t.source is not None and prim.texcoord_0 is not None:
                    tex[name] = str(tex_dir / _save_png(R.texture_array(t.source), tex_dir))
            idx = (
                np.asarray(prim.indices, np.int32).reshape(-1, 3)
                if prim.indices is not None
                else np.arange(len(prim.positions), dtype=np.int32).reshape(-1, 3)
            )
            arrays = {"positions": np.asarray(prim.positions, np.float32), "indices": idx}
            if prim.normals is not None:
                arrays["normals"] = np.asarray(prim.normals, np.float32)
            if prim.texcoord_0 is not None:
                arrays["uv"] = np.asarray(prim.texcoord_0, np.float32)
            if prim.color_0 is not None:
                c = np.asarray(prim.color_0, np.float64)
                if c.max() > 1.0:
                    c = c / 255.0
                if c.shape[1] == 3:
                    c = np.hstack([c, np.ones((len(c), 1))])
                c[:, :3] = srgb_to_linear(c[:, :3])
                arrays["colors"] = c.astype(np.float32)
            emissive = np.asarray(
                mat.emissiveFactor if mat.emissiveFactor is not None else np.zeros(3), float
            )
            parts.append(
                {
                    "arrays": arrays,
                    "base": [float(v) for v in base],
                    "metallic": float(metallic),
                    "roughness": float(rough),
                    "alpha_mode": int(mode),
                    "alpha_cutoff": float(mat.alphaCutoff or 0.5),
                    "emissive": emissive.tolist(),
                    "textures": tex,
                }
            )
    cache[path] = parts
    return parts


def _box_uv(pos: np.ndarray, tri: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-corner UVs of the renderer's box projection (meshes without UVs that get a texture):
    each triangle projected along the dominant axis of its normal, 8 tiles per unit."""
    p = pos[tri]  # (T, 3, 3)
    n = np.abs(np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]))
    axis = np.argmax(n, axis=1)  # 0 → yz, 1 → xz, 2 → xy
    keep = np.array([[1, 2], [0, 2], [0, 1]])[axis]  # (T, 2)
    uv = np.take_along_axis(p, keep[:, None, :].repeat(3, 1), axis=2) * 8.0
    return uv.reshape(-1, 2).astype(np.float32), np.arange(len(tri) * 3).reshape(-1, 3)


def export_bundle(spec, folder: Path, mesh_cache: dict) -> Path:
    """Write one SceneSpec's bundle (``bundle.json`` + arrays + textures) into ``folder``."""
    from synth3d.assets.geometry import sweep_mesh
    from synth3d.render import materials as R

    folder.mkdir(parents=True, exist_ok=True)
    tex_dir = folder.parent / "textures"
    tex_dir.mkdir(exist_ok=True)
    cam = spec.camera
    items = []
    # Textures in the renderer's order: cards and overridden materials, then backdrops.
    sources = iter(R.texture_sources(spec))

    def tex_of(src) -> str:
        _key, make, _srgb, _clamp = src
        return str(tex_dir / _save_png(make(), tex_dir))

    quad = {
        "positions": np.array(
            [[-0.5, -0.5, 0], [0.5, -0.5, 0], [0.5, 0.5, 0], [-0.5, 0.5, 0]], np.float32
        ),
        "normals": np.tile(np.array([0, 0, 1], np.float32), (4, 1)),
        "uv": np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32),
        "indices": np.array([[0, 1, 2], [0, 2, 3]], np.int32),
    }
    n_arr = 0

    def put(arrays: dict) -> str:
        nonlocal n_arr
        name = f"a{n_arr}.npz"
        n_arr += 1
        np.savez(folder / name, **arrays)
        return name

    for o in spec.objects:
        T = o.T_array()
        m = o.material
        if o.kind == "card":
            w, h = o.card_size
            M = T @ np.diag([w, h, 1.0, 1.0])
            arrays = dict(quad)
            if o.mirror:
                arrays["uv"] = np.array([[1, 0], [0, 0], [0, 1], [1, 1]], np.float32)
            base = m.base_color if m.base_color is not None else [1, 1, 1, 1]
            items.append(
                {
                    "id": o.id,
                    "matrix": M.tolist(),
                    "arrays": put(arrays),
                    "base": list(base),
                    "metallic": m.metallic or 0.0,
                    "roughness": m.roughness if m.roughness is not None else 0.8,
                    "alpha_mode": 2,
                    "alpha_cutoff": 0.5,
                    "emissive": [0, 0, 0],
                    "textures": {"base": tex_of(next(sources))},
                    "use_vcolor": False,
                    "unlit": m.unlit,
                    "clamp": True,
                }
            )
            continue
        override = tex_of(next(sources)) if m.texture else None
        for part in _mesh_parts(o.asset, tex_dir, mesh_cache):
            arrays = dict(part["arrays"])
            tex = dict(part["textures"])
            base = list(m.base_color) if m.base_color is not None else part["base"]
            overridden = m.base_color is not None or override is not None
            if override is not None:
                tex["base"] = override
            elif m.base_color is not None and not m.keep_texture:
                tex.pop("base", None)
            if "base" in tex and "uv" not in arrays:
                uv, tri = _box_uv(arrays["positions"], arrays["indices"])
                flat = arrays["indices"].ravel()
                arrays = {
                    "positions": arrays["positions"][flat],
                    "indices": tri,
                    "uv": uv,
                    **({"normals": arrays["normals"][flat]} if "normals" in arrays else {}),
                    **({"colors": arrays["colors"][flat]} if "colors" in arrays else {}),
                }
            blend = part["alpha_mode"] == 2 or (m.base_color is not None and m.base_color[3] < 1)
            items.append(
                {
                    "id": o.id,
                    "matrix": T.tolist(),
                    "arrays": put(arrays),
                    "base": base,
                    "metallic": m.metallic if m.metallic is not None else part["metallic"],
                    "roughness": m.roughness if m.roughness is not None else part["roughness"],
                    "alpha_mode": 2 if blend and part["alpha_mode"] != 1 else part["alpha_mode"],
                    "alpha_cutoff": part["alpha_cutoff"],
                    "emissive": part["emissive"],
                    "textures": tex,
                    "use_vcolor": not overridden,
                    "unlit": m.unlit,
                    "clamp": False,
                }
            )
    for b in spec.backdrops:
        w, h = b.size
        uvT = np.asarray(b.texture.uv_transform, float)
        if b.type == "sweep":
            pos, nrm, uv, tri = sweep_mesh(w, h, *b.sweep)
            arrays = {
                "positions": np.asarray(pos, np.float32),
                "normals": np.asarray(nrm, np.float32),
                "uv": np.asarray(uv, np.float32),
                "indices": np.asarray(tri, np.int32).reshape(-1, 3),
            }
            M = np.asarray(b.T_world_plane)
        else:
            arrays, M = dict(quad), np.asarray(b.T_world_plane) @ np.diag([w, h, 1.0, 1.0])
        arrays["uv"] = (arrays["uv"] @ uvT[:, :2].T + uvT[:, 2]).astype(np.float32)
        items.append(
            {
                "id": 0,
                "matrix": M.tolist(),
                "arrays": put(arrays),
                "base": list(b.tint) + [1.0],
                "metallic": b.metallic,
                "roughness": b.roughness,
                "alpha_mode": 0,
                "alpha_cutoff": 0.5,
                "emissive": [0, 0, 0],
                "textures": {"base": tex_of(next(sources))},
                "use_vcolor": False,
                "unlit": b.unlit,
                "clamp": b.type == "background",
            }
        )
    env = spec.environment
    lights = [L.model_dump() for L in spec.lights]
    bundle = {
        "width": cam.width,
        "height": cam.height,
        "K": cam.K,
        "T_world_cam": cam.T_world_cam,
        "znear": cam.znear,
        "zfar": cam.zfar,
        "items": items,
        "lights": lights,
        "env": {
            "hdri": str(Path(env.hdri).resolve()) if env.hdri else None,
            "rotation_deg": env.rotation_deg,
            "exposure_ev": env.exposure_ev,
            "lighting": env.lighting,
            "ambient": list(env.ambient),
            "shadow_catcher": env.shadow_catcher,
        },
    }
    (folder / "bundle.json").write_text(json.dumps(bundle))
    return folder


def finish_reference(rgba: np.ndarray, spec) -> np.ndarray:
    """Cycles' premultiplied linear RGBA (transparent film) → the 8-bit image synth3d's post
    pipeline makes of it: synth3d's background under it, then exposure and tonemap."""
    from synth3d.frame import Frame
    from synth3d.post.tonemap import finish

    h, w = rgba.shape[:2]
    frame = Frame(
        rgb=np.ascontiguousarray(rgba[..., :3], np.float32),
        alpha=np.ascontiguousarray(np.clip(rgba[..., 3], 0, 1), np.float32),
        depth_m=np.zeros((h, w), np.float32),
        instance=np.zeros((h, w), np.uint16),
    )
    return finish(frame, spec)


def iou_table(ids_ref: np.ndarray, ids_ours: np.ndarray, spec) -> dict:
    out = {}
    for o in spec.objects:
        if not getattr(o, "labelled", True):  # a distractor: id 0 in synth3d's instance PNG
            continue
        a, b = ids_ref == o.id, ids_ours == o.id
        union = int((a | b).sum())
        if union:
            out[str(o.id)] = round(float((a & b).sum()) / union, 4)
    return out


def main_side(args) -> int:
    import cv2

    from synth3d import read_scene

    data = Path(args.dataset)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    scenes = sorted((data / "scene").glob("*.json"))
    if args.frames:
        want = {int(v) for v in args.frames.split(",")}
        scenes = [p for p in scenes if int(p.stem) in want]
    todo, cache = [], {}
    for p in scenes:
        if (out / f"{p.stem}.linear.npz").exists() and not args.force:
            continue
        spec = read_scene(p)
        todo.append(str(export_bundle(spec, out / "bundles" / p.stem, cache)))
    if todo:
        cmd = [
            args.blender_python,
            str(Path(__file__).resolve()),
            "--render-bundles",
            *todo,
            "--samples",
            str(args.samples),
            "--threads",
            str(args.threads),
        ]
        print("cycles:", len(todo), "frames", flush=True)
        rc = subprocess.call(cmd)
        if rc:
            return rc
    align = {}
    for p in scenes:
        spec = read_scene(p)
        z = np.load(out / f"{p.stem}.linear.npz")
        img = finish_reference(z["rgba"], spec)
        cv2.imwrite(str(out / f"{p.stem}.png"), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
        ours = cv2.imread(str(data / "instance" / f"{p.stem}.png"), cv2.IMREAD_UNCHANGED)
        if ours is not None:
            align[p.stem] = iou_table(z["ids"], ours, spec)
    (out / "alignment.json").write_text(json.dumps(align, indent=1))
    ious = [v for d in align.values() for v in d.values()]
    if ious:
        print(
            f"alignment: {len(ious)} objects, IoU min {min(ious):.4f} mean "
            f"{float(np.mean(ious)):.4f}"
        )
    return 0


# ---------------------------------------------------------------------------------------------
# bpy half: bundle → Cycles render
# ---------------------------------------------------------------------------------------------


def _bpy_material(bpy, item: dict, name: str):
    mat = bpy.data.materials.new(name)
    mat.use_nodes = True
    nt = mat.node_tree
    nodes, links = nt.nodes, nt.links
    bsdf = nodes.get("Principled BSDF")
    out = nodes.get("Material Output")
    base_rgb = [float(v) for v in item["base"][:3]]
    base_a = float(item["base"][3]) if len(item["base"]) > 3 else 1.0
    colour = nodes.new("ShaderNodeRGB")
    colour.outputs[0].default_value = (*base_rgb, 1.0)
    col_socket, alpha_socket = colour.outputs[0], None
    tex = item["textures"]
    ext = "EXTEND" if item.get("clamp") else "REPEAT"
    uvmap = nodes.new("ShaderNodeUVMap")
    uvmap.uv_map = "UVMap"

    def image(path: str, colorspace: str):
        node = nodes.new("ShaderNodeTexImage")
        node.image = bpy.data.images.load(path, check_existing=True)
        node.image.colorspace_settings.name = colorspace
        node.image.alpha_mode = "STRAIGHT"
        node.extension = ext
        node.interpolation = "Linear"
        links.new(uvmap.outputs[0], node.inputs["Vector"])
        return node

    def multiply(a, b):
        mix = nodes.new("ShaderNodeMix")
        mix.data_type = "RGBA"
        mix.blend_type = "MULTIPLY"
        mix.inputs["Factor"].default_value = 1.0
        links.new(a, mix.inputs[6])
        links.new(b, mix.inputs[7])
        return mix.outputs[2]

    def mathop(op, a, b):
        n = nodes.new("ShaderNodeMath")
        n.operation = op
        for i, v in enumerate((a, b)):
            if isinstance(v, float):
                n.inputs[i].default_value = v
            else:
                links.new(v, n.inputs[i])
        return n.outputs[0]

    if "base" in tex:
        t = image(tex["base"], "sRGB")
        col_socket = multiply(col_socket, t.outputs["Color"])
        alpha_socket = mathop("MULTIPLY", t.outputs["Alpha"], base_a)
    if item.get("use_vcolor") and item.get("has_colors"):
        attr = nodes.new("ShaderNodeVertexColor")
        attr.layer_name = "Col"
        col_socket = multiply(col_socket, attr.outputs["Color"])
        va = attr.outputs["Alpha"]
        alpha_socket = (
            mathop("MULTIPLY", va, base_a)
            if alpha_socket is None
            else mathop("MULTIPLY", alpha_socket, va)
        )
    if item.get("unlit"):
        emit = nodes.new("ShaderNodeEmission")
        links.new(col_socket, emit.inputs["Color"])
        emit.inputs["Strength"].default_value = 1.0
        nodes.remove(bsdf)
        links.new(emit.outputs[0], out.inputs["Surface"])
        return mat
    links.new(col_socket, bsdf.inputs["Base Color"])
    rough = max(0.04, min(1.0, float(item["roughness"])))
    metal = max(0.0, min(1.0, float(item["metallic"])))
    if "mr" in tex:
        t = image(tex["mr"], "Non-Color")
        sep = nodes.new("ShaderNodeSeparateColor")
        links.new(t.outputs["Color"], sep.inputs[0])
        links.new(mathop("MULTIPLY", sep.outputs[1], rough), bsdf.inputs["Roughness"])
        links.new(mathop("MULTIPLY", sep.outputs[2], metal), bsdf.inputs["Metallic"])
    else:
        bsdf.inputs["Roughness"].default_value = rough
        bsdf.inputs["Metallic"].default_value = metal
    em = [float(v) for v in item["emissive"]]
    if "emissive" in tex or any(em):
        bsdf.inputs["Emission Strength"].default_value = 1.0
        if "emissive" in tex:
            t = image(tex["emissive"], "sRGB")
            rgb = nodes.new("ShaderNodeRGB")
            rgb.outputs[0].default_value = (*em, 1.0)
            links.new(multiply(rgb.outputs[0], t.outputs["Color"]), bsdf.inputs["Emission Color"])
        else:
            bsdf.inputs["Emission Color"].default_value = (*em, 1.0)
    if "normal" in tex and item.get("normal_maps", True):
        t = image(tex["normal"], "Non-Color")
        nm = nodes.new("ShaderNodeNormalMap")
        nm.uv_map = "UVMap"
        links.new(t.outputs["Color"], nm.inputs["Color"])
        links.new(nm.outputs[0], bsdf.inputs["Normal"])
    mode = item["alpha_mode"]
    if mode == 0:
        bsdf.inputs["Alpha"].default_value = 1.0
    elif alpha_socket is None:
        a = base_a if mode == 2 else (1.0 if base_a >= item["alpha_cutoff"] else 0.0)
        bsdf.inputs["Alpha"].default_value = a
    elif mode == 1:
        cut = mathop("GREATER_THAN", alpha_socket, float(item["alpha_cutoff"]) - 1e-6)
        links.new(cut, bsdf.inputs["Alpha"])
    else:
        links.new(alpha_socket, bsdf.inputs["Alpha"])
    return mat


def _bpy_mesh(bpy, arrays: dict, name: str, smooth: bool):
    pos = arrays["positions"].astype(np.float64)
    tri = arrays["indices"].astype(np.int64)
    me = bpy.data.meshes.new(name)
    me.from_pydata(pos.tolist(), [], tri.tolist())
    me.update(calc_edges=True)
    if "uv" in arrays:
        uv = arrays["uv"]
        layer = me.uv_layers.new(name="UVMap")
        # v = 0 is the image's bottom row in synth3d's renderer and in Blender alike.
        corners = uv[tri.ravel()]
        layer.data.foreach_set("uv", corners.astype(np.float32).ravel())
    if "colors" in arrays:
        attr = me.color_attributes.new("Col", "FLOAT_COLOR", "POINT")
        attr.data.foreach_set("color", arrays["colors"].astype(np.float32).ravel())
    if "normals" in arrays and smooth:
        me.shade_smooth()
        n = arrays["normals"].astype(np.float64)
        n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
        me.normals_split_custom_set_from_vertices(n.tolist())
    else:
        me.shade_flat()
    me.validate(clean_customdata=False)
    return me


def render_bundles(paths: list[str], samples: int, threads: int) -> int:
    import bpy

    for path in paths:
        folder = Path(path)
        b = json.loads((folder / "bundle.json").read_text())
        bpy.ops.wm.read_factory_settings(use_empty=True)
        scene = bpy.context.scene
        W, H = b["width"], b["height"]
        scene.render.engine = "CYCLES"
        scene.cycles.device = "CPU"
        scene.cycles.samples = samples
        scene.cycles.use_denoising = True
        scene.cycles.denoiser = "OPENIMAGEDENOISE"
        scene.cycles.seed = 0
        scene.render.threads_mode = "FIXED"
        scene.render.threads = threads
        scene.render.resolution_x, scene.render.resolution_y = W, H
        scene.render.resolution_percentage = 100
        scene.render.film_transparent = True
        scene.view_settings.view_transform = "Standard"
        scene.render.image_settings.file_format = "OPEN_EXR"
        scene.render.image_settings.color_depth = "32"
        scene.render.image_settings.color_mode = "RGBA"
        # Camera: OpenCV K and pose. Sensor fitted horizontally: lens = fx · sensor / W; the
        # principal point through shift (units of the larger image side; pixel centres at
        # integer coordinates in synth3d, at +0.5 in Blender).
        K = np.asarray(b["K"], float)
        cam_data = bpy.data.cameras.new("cam")
        cam_data.sensor_fit = "HORIZONTAL"
        cam_data.sensor_width = 36.0
        cam_data.lens = K[0, 0] * 36.0 / W
        scene.render.pixel_aspect_x = 1.0
        scene.render.pixel_aspect_y = K[0, 0] / K[1, 1] if K[1, 1] > 0 else 1.0
        s = float(max(W, H))
        cam_data.shift_x = (W / 2.0 - (K[0, 2] + 0.5)) / s
        cam_data.shift_y = ((K[1, 2] + 0.5) - H / 2.0) / s
        cam_data.clip_start = b["znear"]
        cam_data.clip_end = b["zfar"]
        cam = bpy.data.objects.new("cam", cam_data)
        scene.collection.objects.link(cam)
        cam.matrix_world = _matrix(np.asarray(b["T_world_cam"]) @ np.diag([1.0, -1.0, -1.0, 1.0]))
        scene.camera = cam
        # World: the HDRI, turned about z by −rotation_deg, scaled by 2^exposure_ev.
        world = bpy.data.worlds.new("world")
        scene.world = world
        world.use_nodes = True
        wn = world.node_tree.nodes
        bg = wn.get("Background")
        env = b["env"]
        if env["hdri"] and env["lighting"]:
            tex = wn.new("ShaderNodeTexEnvironment")
            tex.image = bpy.data.images.load(env["hdri"], check_existing=True)
            tex.image.colorspace_settings.name = "Linear Rec.709"
            mapping = wn.new("ShaderNodeMapping")
            coord = wn.new("ShaderNodeTexCoord")
            mapping.inputs["Rotation"].default_value = (
                0.0,
                0.0,
                -math.radians(env["rotation_deg"]),
            )
            world.node_tree.links.new(coord.outputs["Generated"], mapping.inputs["Vector"])
            world.node_tree.links.new(mapping.outputs[0], tex.inputs["Vector"])
            world.node_tree.links.new(tex.outputs["Color"], bg.inputs["Color"])
            bg.inputs["Strength"].default_value = 2.0 ** env["exposure_ev"]
        else:
            bg.inputs["Color"].default_value = (*env["ambient"], 1.0)
            bg.inputs["Strength"].default_value = 1.0
        objs = []
        for k, item in enumerate(b["items"]):
            arrays = dict(np.load(folder / item["arrays"]))
            item["has_colors"] = "colors" in arrays
            me = _bpy_mesh(bpy, arrays, f"m{k}", smooth="normals" in arrays)
            me.materials.append(_bpy_material(bpy, item, f"mat{k}"))
            ob = bpy.data.objects.new(f"o{k}", me)
            ob.matrix_world = _matrix(item["matrix"])
            ob["synth3d_id"] = int(item["id"])
            scene.collection.objects.link(ob)
            objs.append((ob, item))
        if env["shadow_catcher"]:
            me = bpy.data.meshes.new("catcher")
            me.from_pydata(
                [(-100, -100, 0), (100, -100, 0), (100, 100, 0), (-100, 100, 0)], [], [(0, 1, 2, 3)]
            )
            ob = bpy.data.objects.new("catcher", me)
            ob.is_shadow_catcher = True
            # synth3d's catcher only darkens the background: objects still see the HDRI's own
            # ground through it, so it reflects nothing onto them.
            ob.visible_diffuse = False
            ob.visible_glossy = False
            ob.visible_transmission = False
            ob["synth3d_id"] = 0
            scene.collection.objects.link(ob)
            objs.append((ob, None))
        for L in b["lights"]:
            rad = np.asarray(L["color"], float) * L["intensity"]
            power = float(rad.max()) if rad.max() > 0 else 0.0
            col = tuple(rad / power) if power else (1.0, 1.0, 1.0)
            if L["type"] == "directional":
                # synth3d: a white Lambertian surface facing a light of intensity 1 has radiance
                # 1; Blender's sun of strength S gives that surface radiance S/π.
                ld = bpy.data.lights.new("sun", "SUN")
                ld.energy = power * math.pi
                ld.angle = math.radians(0.53)
                d = np.asarray(L["direction"], float)
            elif L["type"] == "point":
                # Blender's point light of power P (W) → radiant intensity P/(4π²) W/sr·π …
                # synth3d's point radiance is I/r² on a white Lambertian facing it.
                ld = bpy.data.lights.new("point", "POINT")
                ld.energy = power * 4.0 * math.pi * math.pi
                ld.shadow_soft_size = 0.0
                d = None
            else:
                ld = bpy.data.lights.new("spot", "SPOT")
                ld.energy = power * 4.0 * math.pi * math.pi
                ld.spot_size = math.radians(2 * L["cone_deg"])
                ld.spot_blend = 0.2
                ld.shadow_soft_size = 0.0
                d = -np.asarray(L["direction"], float)
            ld.color = col
            ld.use_shadow = bool(L.get("shadows", True))
            lo = bpy.data.objects.new("light", ld)
            if L["type"] != "directional":
                lo.location = L["position"]
            if d is not None:
                # A Blender light shines along its local −z: turn −z onto −d (towards the scene).
                z = d / np.linalg.norm(d)
                x = np.cross([0.0, 0.0, 1.0], z)
                if np.linalg.norm(x) < 1e-6:
                    x = np.array([1.0, 0.0, 0.0])
                x /= np.linalg.norm(x)
                y = np.cross(z, x)
                M = np.eye(4)
                M[:3, 0], M[:3, 1], M[:3, 2] = x, y, z
                if L["type"] != "directional":
                    M[:3, 3] = L["position"]
                lo.matrix_world = _matrix(M)
            scene.collection.objects.link(lo)
        scene.render.filepath = str(folder / "beauty.exr")
        bpy.ops.render.render(write_still=True)
        rgba = _read_exr(bpy, str(folder / "beauty.exr"))
        # Instance ids at pixel centres: one sample, a (near) zero-width pixel filter, every
        # object an emitter of its id, backdrops, catcher and lights out of the picture.
        scene.cycles.samples = 1
        scene.cycles.use_denoising = False
        scene.cycles.filter_width = 0.01
        scene.cycles.pixel_filter_type = "BOX"
        bg.inputs["Strength"].default_value = 0.0
        for ob in scene.objects:
            if ob.type == "LIGHT":
                ob.hide_render = True
        for ob, item in objs:
            if item is None or item["id"] == 0:
                ob.hide_render = True
                continue
            m = bpy.data.materials.new(f"id{item['id']}")
            m.use_nodes = True
            nodes = m.node_tree.nodes
            nodes.remove(nodes.get("Principled BSDF"))
            e = nodes.new("ShaderNodeEmission")
            e.inputs["Color"].default_value = (item["id"] / 255.0, 0.0, 0.0, 1.0)
            m.node_tree.links.new(e.outputs[0], nodes.get("Material Output").inputs["Surface"])
            ob.data.materials.clear()
            ob.data.materials.append(m)
        scene.render.filepath = str(folder / "ids.exr")
        bpy.ops.render.render(write_still=True)
        ids = np.round(_read_exr(bpy, str(folder / "ids.exr"))[..., 0] * 255.0)
        np.savez_compressed(
            folder.parent.parent / f"{folder.name}.linear.npz",
            rgba=rgba.astype(np.float32),
            ids=ids.astype(np.uint16),
        )
        print("rendered", folder.name, flush=True)
    return 0


def _matrix(m):
    import mathutils

    return mathutils.Matrix([[float(v) for v in row] for row in np.asarray(m, float)])


def _read_exr(bpy, path: str) -> np.ndarray:
    img = bpy.data.images.load(path)
    w, h = img.size
    px = np.empty(w * h * 4, np.float32)
    img.pixels.foreach_get(px)
    bpy.data.images.remove(img)
    return px.reshape(h, w, 4)[::-1].copy()  # Blender's rows start at the bottom


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dataset", nargs="?", help="a synth3d dataset folder (with scene/*.json)")
    ap.add_argument(
        "-o", "--out", help="folder for the reference renders (keep it outside the repo)"
    )
    ap.add_argument("--frames", help="comma-separated frame indices (default: all)")
    ap.add_argument("--samples", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--force", action="store_true", help="render again frames already done")
    ap.add_argument("--blender-python", default=str(ROOT / ".venv-ref" / "bin" / "python"))
    ap.add_argument("--render-bundles", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.render_bundles:
        return render_bundles(args.render_bundles, args.samples, args.threads)
    if not args.dataset or not args.out:
        ap.error("give a dataset folder and -o OUT")
    return main_side(args)


if __name__ == "__main__":
    sys.exit(main())
