"""Meshes, materials and textures on the GPU: the per-process caches of uploaded assets.

Meshes are cached per asset file and textures per image or procedural recipe (both LRU-bounded,
so resident memory stays flat); :meth:`GpuAssets.prepare` makes texture pixels ahead of time on
another thread, without GL, so that rendering only uploads them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from ..spec import SceneSpec
from . import pyrender_adapter as adapter
from .gl_resources import upload_texture

MESH_CACHE_SIZE = 128
TEXTURE_CACHE_SIZE = 96
STAGED_TEXTURES = 16  # pixels made ahead by prepare() and not uploaded yet


@dataclass
class Part:
    """One GPU-resident primitive of an asset with its file material."""

    primitive: object
    layout: tuple  # (normal_loc, texcoord_loc, color_loc, inst_loc, tangent_loc)
    base_color: np.ndarray
    metallic: float
    roughness: float
    emissive: np.ndarray
    alpha_mode: int
    alpha_cutoff: float
    textures: dict  # name -> GL texture id (owned by this part)
    normal_scale: float = 1.0  # glTF normalTexture.scale
    occlusion_strength: float = 1.0  # glTF occlusionTexture.strength
    transmission: float = 0.0  # glTF KHR_materials_transmission
    ior: float = 1.5  # glTF KHR_materials_ior


def plain_part(prim) -> Part:
    """A part with the default backdrop material (white, dielectric, roughness 0.8)."""
    return Part(prim, adapter.attribute_layout(prim), np.ones(4), 0.0, 0.8, np.zeros(3), 0, 0.5, {})


@dataclass
class Item:
    """One thing drawn this frame: an object or backdrop's parts, model matrix and material."""

    parts: list
    M: np.ndarray
    obj_id: int
    material: object  # spec.MaterialSpec or None
    override_tex: int | None
    uv_xform: np.ndarray
    unlit: bool
    blend: bool
    roughness: float | None = None
    metallic: float | None = None
    view_depth: float = 0.0
    catcher: bool = False
    tint: np.ndarray | None = None
    premultiplied: bool = False  # its texture holds colour × alpha (cards)
    transmission: float | None = None  # the material's override of its parts' transmission
    ior: float | None = None
    thickness: float = 0.0  # metres a refracted ray travels inside (transmissive items)


def part_transmission(item: Item, part: Part) -> float:
    """The transmission a part is drawn with: the object's material override, else its file's."""
    return float(item.transmission if item.transmission is not None else part.transmission)


def texture_array(src) -> np.ndarray:
    """A texture source (PIL image or array, uint8 or float 0..1) as (H, W, 4) uint8."""
    arr = np.asarray(src)
    if arr.dtype != np.uint8:
        arr = np.clip(np.round(arr.astype(np.float64) * 255.0), 0, 255).astype(np.uint8)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.shape[2] == 1:
        arr = np.repeat(arr, 3, axis=2)
    if arr.shape[2] == 2:
        arr = np.dstack([np.repeat(arr[:, :, :1], 3, axis=2), arr[:, :, 1:]])
    if arr.shape[2] == 3:
        arr = np.dstack([arr, np.full(arr.shape[:2], 255, np.uint8)])
    return np.ascontiguousarray(arr[:, :, :4])


def smooth_ok(geom) -> bool:
    """Whether a geometry may be smooth-shaded. pyrender's smooth shading shares vertices; with
    UVs trimesh already split seams, so it is safe. Flat-shaded files (many faces meeting at sharp
    angles, e.g. boxes) keep their face normals."""
    try:
        return bool(geom.visual.kind != "face")
    except Exception:
        return True


def file_material(geom, mat) -> tuple[np.ndarray, float, float, int]:
    """Base colour, metallic, roughness and alpha mode of a part, from the trimesh material.

    pyrender marks every converted material as alpha-blended and turns trimesh's default
    SimpleMaterial into a fully metallic one, so the file's own material decides here: glTF PBR
    values are kept; other materials become dielectrics; files without colour get mid grey."""
    import trimesh

    tm = getattr(geom.visual, "material", None)
    base = np.asarray(mat.baseColorFactor if mat.baseColorFactor is not None else np.ones(4), float)
    if geom.visual.kind is None:
        base = np.array([0.5, 0.5, 0.5, 1.0])
    if isinstance(tm, trimesh.visual.material.PBRMaterial):
        metallic = 1.0 if tm.metallicFactor is None else float(tm.metallicFactor)
        rough = 1.0 if tm.roughnessFactor is None else float(tm.roughnessFactor)
        mode = {"OPAQUE": 0, "MASK": 1, "BLEND": 2}.get(str(tm.alphaMode or "OPAQUE").upper(), 0)
    else:
        metallic, rough = 0.0, 0.6
        mode = 2 if base[3] < 1.0 else 0
    return base, metallic, rough, mode


def texture_sources(spec: SceneSpec) -> list[tuple]:
    """``(key, make, srgb, clamp)`` of every texture ``spec`` draws with, besides the assets' own:
    card images and material texture overrides (in object order), then backdrop textures.
    ``make()`` gives the RGBA pixels (pure, no GL)."""
    from ..assets.catalog import load_card_rgba, load_image_rgb
    from ..assets.matting import premultiply_srgb
    from ..assets.textures import procedural_key, procedural_texture

    out = []
    for o in spec.objects:
        if o.kind == "card":
            a = o.alpha
            # premultiplied texels (synth3d.assets.matting): filtering never pulls in the
            # colour under transparent texels; the shader divides by the filtered alpha
            out.append(
                (
                    ("card", o.asset, a.mode, tuple(a.key_color), a.key_threshold, a.matte_tuple()),
                    lambda o=o, a=a: premultiply_srgb(
                        load_card_rgba(
                            o.asset, a.mode, tuple(a.key_color), a.key_threshold, a.matte_tuple()
                        )
                    ),
                    True,
                    True,
                )
            )
        elif o.material.texture:
            out.append(
                (
                    ("image", o.material.texture),
                    lambda t=o.material.texture: texture_array(load_image_rgb(t)),
                    True,
                    False,
                )
            )
    for b in spec.backdrops:
        t = b.texture
        if t.type == "image":
            out.append(
                (
                    ("image", t.image),
                    lambda t=t: texture_array(load_image_rgb(t.image)),
                    True,
                    b.type == "background",
                )
            )
        else:
            out.append((procedural_key(t), lambda t=t: procedural_texture(t), True, False))
    return out


class GpuAssets:
    """Uploaded meshes and textures of one GL context, LRU-bounded."""

    def __init__(self, gl, anisotropy: float):
        self.gl = gl
        self.anisotropy = anisotropy
        self.meshes: OrderedDict = OrderedDict()
        self.textures: OrderedDict = OrderedDict()
        # Texture pixels made ahead of render() by prepare() (another thread), by cache key.
        self.staged: OrderedDict = OrderedDict()
        self._staged_lock = threading.Lock()
        self.quad = plain_part(adapter.quad_primitive())

    def upload(self, rgba: np.ndarray, srgb: bool, clamp: bool = False) -> int:
        return upload_texture(self.gl, rgba, srgb, clamp, self.anisotropy)

    def texture(self, key, make, srgb=True, clamp=False) -> int:
        """The GL texture of ``key``, uploaded from staged pixels or ``make()`` when missing."""
        # The sampler state is part of the texture object: the same image used clamped (a
        # background) and repeated (a tiled floor) must be two textures, or the first use would
        # decide for both and frames would depend on what the process drew before.
        key = (key, srgb, clamp)
        with self._staged_lock:
            staged = self.staged.pop(key, None)
        tex = self.textures.get(key)
        if tex is not None:
            self.textures.move_to_end(key)
            return tex
        tex = self.upload(make() if staged is None else staged, srgb, clamp)
        self.textures[key] = tex
        while len(self.textures) > TEXTURE_CACHE_SIZE:
            _, old = self.textures.popitem(last=False)
            self.gl.glDeleteTextures(1, [old])
        return tex

    def prepare(self, spec: SceneSpec) -> None:
        """Make the pixels of the textures ``spec`` will need that are not on the GPU yet (no GL;
        safe on another thread)."""
        for key, make, srgb, clamp in texture_sources(spec):
            full = (key, srgb, clamp)
            with self._staged_lock:
                if full in self.staged or full in self.textures:
                    continue
            pixels = make()
            with self._staged_lock:
                self.staged[full] = pixels
                while len(self.staged) > STAGED_TEXTURES:  # never used: forget the oldest
                    self.staged.popitem(last=False)

    def mesh(self, path: str) -> list[Part]:
        """The parts of an asset file, uploaded on first use."""
        parts = self.meshes.get(path)
        if parts is not None:
            self.meshes.move_to_end(path)
            return parts
        from ..assets.catalog import load_mesh_parts

        parts = []
        for geom in load_mesh_parts(path):
            parts.extend(self._geometry_parts(geom))
        self.meshes[path] = parts
        while len(self.meshes) > MESH_CACHE_SIZE:
            _, old = self.meshes.popitem(last=False)
            self._free(old)
        return parts

    def _geometry_parts(self, geom) -> list[Part]:
        """The uploaded parts of one geometry of an asset file, with their file materials."""
        from ..assets.gltf import GltfMaterialExtras

        extras = geom.metadata.get("gltf_material") or GltfMaterialExtras()
        # Stored tangents (glTF TANGENT) only matter with a normal map; without them the shader
        # derives the tangent frame from the UVs' screen-space derivatives.
        tm = getattr(geom.visual, "material", None)
        tangents = geom.vertex_attributes.get("tangent")
        if getattr(tm, "normalTexture", None) is None:
            tangents = None
        out = []
        for prim in adapter.mesh_primitives(geom, smooth_ok(geom), tangents):
            mat = prim.material
            textures = {}
            for name, attr, srgb in (
                ("base", "baseColorTexture", True),
                ("mr", "metallicRoughnessTexture", False),
                ("emissive", "emissiveTexture", True),
                ("normal", "normalTexture", False),
                ("occlusion", "occlusionTexture", False),
            ):
                t = getattr(mat, attr, None)
                if t is not None and t.source is not None and prim.texcoord_0 is not None:
                    src = np.asarray(t.source)
                    if name == "mr" and src.ndim == 3 and src.shape[2] == 2:
                        # pyrender keeps only (G, B) of it: put them back where glTF has them
                        zero = np.zeros(src.shape[:2], np.uint8)
                        src = np.dstack([zero, src[..., 0], src[..., 1], zero + 255])
                    textures[name] = self.upload(texture_array(src), srgb)
            base, metallic, rough, mode = file_material(geom, mat)
            emissive = np.asarray(
                mat.emissiveFactor if mat.emissiveFactor is not None else np.zeros(3), float
            )
            out.append(
                Part(
                    prim,
                    adapter.attribute_layout(prim),
                    base,
                    metallic,
                    rough,
                    emissive,
                    mode,
                    float(mat.alphaCutoff or 0.5),
                    textures,
                    normal_scale=extras.normal_scale,
                    occlusion_strength=extras.occlusion_strength,
                    transmission=extras.transmission,
                    ior=extras.ior,
                )
            )
        return out

    def sweep(self, width: float, depth: float, radius: float, height: float) -> Part:
        """The cyclorama mesh for these dimensions (cached like an asset)."""
        key = ("sweep", round(width, 6), round(depth, 6), round(radius, 6), round(height, 6))
        part = self.meshes.get(key)
        if part is None:
            from ..assets.geometry import sweep_mesh

            pos, nrm, uv, tri = sweep_mesh(width, depth, radius, height)
            part = [plain_part(adapter.make_primitive(pos, nrm, uv, tri))]
            self.meshes[key] = part
        self.meshes.move_to_end(key)
        return part[0]

    def _free(self, parts: list[Part]) -> None:
        for p in parts:
            adapter.release(p.primitive)
            for t in p.textures.values():
                self.gl.glDeleteTextures(1, [t])

    def close(self) -> None:
        for parts in self.meshes.values():
            for p in parts:
                adapter.release(p.primitive)
        adapter.release(self.quad.primitive)
        for t in self.textures.values():
            self.gl.glDeleteTextures(1, [t])
        self.meshes, self.textures = OrderedDict(), OrderedDict()
