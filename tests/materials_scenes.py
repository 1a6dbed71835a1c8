"""Small scenes for the material tests: assets written on the fly (glTF quads with any material,
OBJ quads with .mtl files, spheres) and SceneSpecs seen straight from above."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import trimesh
from PIL import Image

from synth3d.assets.gltf import _join_glb, _split_glb
from synth3d.spec import (
    CameraSpec,
    EnvironmentSpec,
    LightSpec,
    MaterialSpec,
    ObjectSpec,
    PostSpec,
    SceneSpec,
)

QUAD = np.array([[-0.1, -0.1, 0.0], [0.1, -0.1, 0.0], [0.1, 0.1, 0.0], [-0.1, 0.1, 0.0]])
QUAD_UV = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])


def rotate_uv(uv: np.ndarray, quarter_turns: int) -> np.ndarray:
    """UVs turned by 90° steps about (0.5, 0.5): once maps +u on the surface to +v."""
    for _ in range(quarter_turns):
        uv = np.column_stack([1.0 - uv[:, 1], uv[:, 0]])
    return uv


def image(rgb, size=8) -> Image.Image:
    """A constant image, or the (H, W, C) uint8 array given."""
    a = np.asarray(rgb)
    if a.ndim == 1:
        a = np.full((size, size, len(a)), a, np.uint8)
    return Image.fromarray(a.astype(np.uint8))


def normal_texel(n) -> list[int]:
    """A tangent-space unit normal as the RGB texel that encodes it."""
    n = np.asarray(n, float) / np.linalg.norm(n)
    return list(np.round((n * 0.5 + 0.5) * 255).astype(int))


def write_glb(
    path: Path,
    mesh: trimesh.Trimesh | None = None,
    uv=QUAD_UV,
    tangent=None,
    extensions: dict | None = None,
    material: dict | None = None,
    normal_scale: float | None = None,
    occlusion_strength: float | None = None,
) -> Path:
    """A glTF binary of ``mesh`` (default: the 0.2 m quad facing +z with ``uv``) with a PBR
    material (``material``: PBRMaterial keyword arguments, textures as PIL images), optionally
    a constant per-vertex TANGENT (xyzw), material extensions and texture scale/strength."""
    kw = {"baseColorFactor": [255, 255, 255, 255], "metallicFactor": 0.0, "roughnessFactor": 1.0}
    kw.update(material or {})
    if mesh is None:
        mesh = trimesh.Trimesh(QUAD, [[0, 1, 2], [0, 2, 3]], process=False)
        mesh.visual = trimesh.visual.TextureVisuals(uv=np.asarray(uv, float))
    visual = trimesh.visual.TextureVisuals(
        uv=mesh.visual.uv, material=trimesh.visual.material.PBRMaterial(**kw)
    )
    mesh = trimesh.Trimesh(mesh.vertices, mesh.faces, visual=visual, process=False)
    header, binary = _split_glb(trimesh.exchange.gltf.export_glb(trimesh.Scene(mesh)))
    mat = header["materials"][0]
    if tangent is not None:
        t = np.tile(np.asarray(tangent, np.float32), (len(mesh.vertices), 1))
        off = len(binary) + (-len(binary) % 4)
        binary = binary + b"\0" * (off - len(binary)) + t.tobytes()
        header["bufferViews"].append({"buffer": 0, "byteOffset": off, "byteLength": t.nbytes})
        header["accessors"].append(
            {"bufferView": len(header["bufferViews"]) - 1, "componentType": 5126,
             "count": len(t), "type": "VEC4"}
        )  # fmt: skip
        header["buffers"][0]["byteLength"] = len(binary)
        header["meshes"][0]["primitives"][0]["attributes"]["TANGENT"] = len(header["accessors"]) - 1
    if extensions:
        mat.setdefault("extensions", {}).update(extensions)
        header.setdefault("extensionsUsed", []).extend(extensions)
    if normal_scale is not None:
        mat["normalTexture"]["scale"] = normal_scale
    if occlusion_strength is not None:
        mat["occlusionTexture"]["strength"] = occlusion_strength
    path.write_bytes(_join_glb(header, binary))
    return path


def write_quad_obj(folder: Path, name: str, mtl_body: str | None, size: float = 0.1) -> Path:
    """A quad of half-size ``size`` in the xy-plane facing +z, u along +x, v along +y, with a
    ``.mtl`` (``Kd 1 1 1`` then ``mtl_body``) when given."""
    s = size
    lines = [f"v {-s} {-s} 0", f"v {s} {-s} 0", f"v {s} {s} 0", f"v {-s} {s} 0"]
    lines += ["vt 0 0", "vt 1 0", "vt 1 1", "vt 0 1", "vn 0 0 1"]
    head = []
    if mtl_body is not None:
        (folder / f"{name}.mtl").write_text(f"newmtl m\nKd 1 1 1\n{mtl_body}")
        head = [f"mtllib {name}.mtl", "usemtl m"]
    p = folder / f"{name}.obj"
    p.write_text("\n".join(head + lines + ["f 1/1/1 2/2/1 3/3/1", "f 1/1/1 3/3/1 4/4/1"]) + "\n")
    return p


def top_camera(size: int = 64, height: float = 1.0, fov_y_deg: float = 15.0) -> CameraSpec:
    """A camera at (0, 0, height) looking straight down (image x = world +x, image down =
    world −y)."""
    f = size / 2 / np.tan(np.radians(fov_y_deg) / 2)
    T = np.eye(4)
    T[:3, :3] = np.diag([1.0, -1.0, -1.0])
    T[2, 3] = height
    c = (size - 1) / 2
    K = [[f, 0.0, c], [0.0, f, c], [0.0, 0.0, 1.0]]
    return CameraSpec(width=size, height=size, K=K, T_world_cam=T.tolist(), znear=0.05, zfar=10.0)


def obj(i: int, asset, T=None, material: MaterialSpec | None = None, **mat) -> ObjectSpec:
    return ObjectSpec(
        id=i,
        name=f"o{i}",
        category="thing",
        category_id=1,
        kind="mesh",
        asset=str(asset),
        T_world_asset=(np.eye(4) if T is None else np.asarray(T, float)).tolist(),
        material=material or MaterialSpec(**mat),
    )


def sun(direction=(0.0, 0.0, 1.0), intensity=1.0) -> LightSpec:
    return LightSpec(
        type="directional",
        color=[1.0, 1.0, 1.0],
        intensity=intensity,
        direction=list(direction),
        shadows=False,
    )


def scene(objects, lights=(), ambient=(0.0, 0.0, 0.0), camera=None, background="color"):
    return SceneSpec(
        template="materials-test",
        seed=0,
        index=0,
        camera=camera or top_camera(),
        objects=list(objects),
        lights=list(lights),
        environment=EnvironmentSpec(
            background=background, color=[0.0, 0.0, 0.0], ambient=list(ambient)
        ),
        post=PostSpec(),
    )


def translate(x=0.0, y=0.0, z=0.0, s=1.0) -> np.ndarray:
    T = np.diag([s, s, s, 1.0])
    T[:3, 3] = (x, y, z)
    return T


def checker_obj(folder: Path, name: str = "checker", size: float = 0.3, n: int = 8) -> Path:
    """A textured quad (half-size ``size``) with an n × n black/white checker."""
    px = 64
    ij = np.indices((px, px)) * n // px
    tex = np.where(((ij[0] + ij[1]) % 2)[:, :, None] == 0, 230, 20).astype(np.uint8)
    Image.fromarray(np.repeat(tex, 3, axis=2)).save(folder / f"{name}.png")
    return write_quad_obj(folder, name, f"map_Kd {name}.png\n", size=size)


def ggx_radiance(N, L, Vd, rad=1.0, base=1.0, rough=1.0, f0=0.04) -> float:
    """The colour shader's direct term (synth3d.render.shaders ``shade``) for a dielectric of
    base colour ``base``: Lambert plus GGX, scaled so a white Lambertian facing a light of 1
    gives 1."""
    N, L, Vd = (np.asarray(v, float) / np.linalg.norm(v) for v in (N, L, Vd))
    nl = max(N @ L, 0.0)
    if nl <= 0:
        return 0.0
    H = (L + Vd) / np.linalg.norm(L + Vd)
    nv, nh = max(N @ Vd, 1e-4), max(N @ H, 0.0)
    a = max(rough * rough, 1e-3)
    dd = nh * nh * (a * a - 1) + 1
    D = a * a / (np.pi * dd * dd)
    a2 = a * a
    vis = 0.5 / (nl * np.sqrt(nv * nv * (1 - a2) + a2) + nv * np.sqrt(nl * nl * (1 - a2) + a2))
    F = fresnel(f0, max(H @ Vd, 0.0))
    spec = D * vis * F
    return float(((1 - F) * base + np.pi * spec) * rad * nl)


def fresnel(f0: float, c: float) -> float:
    """The shader's Fresnel: the exact unpolarised reflectance of a dielectric of IOR 1.5 at
    cos(angle) c, stretched from F0 = 0.04 to ``f0``."""
    c = min(max(c, 0.0), 1.0)
    g = np.sqrt(1.25 + c * c)
    a, b = (g - c) / (g + c), (c * (g + c) - 1) / (c * (g - c) + 1)
    return f0 + (1 - f0) * (0.5 * a * a * (1 + b * b) - 0.04) / 0.96
