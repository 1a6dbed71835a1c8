"""The offscreen renderer: SceneSpec → Frame. The only module that talks to OpenGL.

One :class:`Renderer` per process is meant to live for the whole run: the GL context, shader
programs, mesh buffers (per asset file) and textures (per image / procedural recipe) are created
once and reused; only poses, materials and lights change per frame. Caches are bounded (LRU) so
resident memory stays flat over long runs.

Two passes per frame:

1. *colour*: 4× multisampled RGBA16F target, linear radiance with premultiplied alpha (opaque
   geometry first, then alpha-blended cards back to front), resolved to one sample per pixel.
2. *ids and depth*: a single-sampled target with an R32UI instance id and an R32F depth along the
   optical axis, so both are exact at pixel centres (a multisampled depth read-back would return
   one sample off the centre, wrong on sloped surfaces).
"""
from __future__ import annotations

import ctypes
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from ..errors import RenderError
from ..frame import Frame
from ..spec import ObjectSpec, SceneSpec
from ..template.schema import MAX_LIGHTS_PER_TYPE, MAX_SHADOWS
from . import limits as _limits
from . import platform as _platform

MESH_CACHE_SIZE = 128
TEXTURE_CACHE_SIZE = 96
STAGED_TEXTURES = 16  # pixels made ahead by prepare() and not uploaded yet


@dataclass
class _Part:
    """One GPU-resident primitive of an asset with its file material."""

    primitive: object
    layout: tuple  # (normal_loc, texcoord_loc, color_loc, inst_loc)
    base_color: np.ndarray
    metallic: float
    roughness: float
    emissive: np.ndarray
    alpha_mode: int
    alpha_cutoff: float
    textures: dict  # name -> GL texture id (owned by this part)


@dataclass
class _Item:
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


def projection_from_K(K: np.ndarray, width: int, height: int, znear: float, zfar: float,
                      top_row_first: bool = False) -> np.ndarray:
    """OpenGL projection matrix reproducing OpenCV intrinsics K exactly (pixel centres at integer
    coordinates). With ``top_row_first`` image row 0 lands in framebuffer row 0, so
    ``glReadPixels`` returns rows top-first and no flip is needed (triangle winding flips too)."""
    fx, fy, cx, cy = K[0, 0], K[1, 1], K[0, 2], K[1, 2]
    P = np.zeros((4, 4))
    P[0, 0] = 2 * fx / width
    P[0, 1] = -2 * K[0, 1] / width
    P[0, 2] = 1 - 2 * (cx + 0.5) / width
    P[1, 1] = 2 * fy / height
    P[1, 2] = 2 * (cy + 0.5) / height - 1
    P[2, 2] = -(zfar + znear) / (zfar - znear)
    P[2, 3] = -2 * zfar * znear / (zfar - znear)
    P[3, 2] = -1
    if top_row_first:
        P[1] *= -1
    return P


_CV_TO_GL = np.diag([1.0, -1.0, -1.0, 1.0])


class _Program:
    """A linked GLSL program with cached uniform locations."""

    def __init__(self, gl, vertex: str, fragment: str, defines: dict):
        from OpenGL.GL import shaders

        head = "#version 400 core\n" + "".join(f"#define {k} {v}\n" for k, v in defines.items())
        self.gl = gl
        vao = gl.glGenVertexArrays(1)
        gl.glBindVertexArray(vao)  # core profiles validate programs against a bound VAO
        try:
            self.id = shaders.compileProgram(
                shaders.compileShader(head + vertex, gl.GL_VERTEX_SHADER),
                shaders.compileShader(head + fragment, gl.GL_FRAGMENT_SHADER),
                validate=False)
        except Exception as e:
            raise RenderError("shaders", f"GLSL compile failed: {str(e)[:300]}") from None
        finally:
            gl.glBindVertexArray(0)
            gl.glDeleteVertexArrays(1, [vao])
        self._loc: dict[str, int] = {}
        self.frame_token = None

    def loc(self, name: str) -> int:
        loc = self._loc.get(name)
        if loc is None:
            loc = self.gl.glGetUniformLocation(self.id, name)
            self._loc[name] = loc
        return loc

    def mat4(self, name, m):
        self.gl.glUniformMatrix4fv(self.loc(name), 1, True, np.asarray(m, np.float32))

    def mat3(self, name, m):
        self.gl.glUniformMatrix3fv(self.loc(name), 1, True, np.asarray(m, np.float32))

    def vec3(self, name, v, count=1):
        if count:
            self.gl.glUniform3fv(self.loc(name), count, np.asarray(v, np.float32).ravel())

    def vec4(self, name, v):
        self.gl.glUniform4fv(self.loc(name), 1, np.asarray(v, np.float32))

    def f(self, name, v):
        self.gl.glUniform1f(self.loc(name), float(v))

    def fv(self, name, v, count):
        if count:
            self.gl.glUniform1fv(self.loc(name), count, np.asarray(v, np.float32))

    def i(self, name, v):
        self.gl.glUniform1i(self.loc(name), int(v))

    def u(self, name, v):
        self.gl.glUniform1ui(self.loc(name), int(v))


def _texture_array(src) -> np.ndarray:
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


def bleed_transparent(rgba: np.ndarray) -> np.ndarray:
    """Give fully transparent texels the colour of the nearest opaque texel, so filtering and
    mipmaps of a cut-out never pull in the (often black) colour hidden under alpha 0."""
    import cv2

    a = rgba[:, :, 3]
    solid = a > 0
    if solid.all() or not solid.any():
        return rgba
    _, labels = cv2.distanceTransformWithLabels((~solid).astype(np.uint8), cv2.DIST_L2, 3,
                                                labelType=cv2.DIST_LABEL_PIXEL)
    ys, xs = np.nonzero(solid)  # raster order, the order labels are assigned in
    out = rgba.copy()
    lab = labels[~solid] - 1
    out[~solid, :3] = rgba[ys[lab], xs[lab], :3]
    return out


class Renderer:
    """Long-lived offscreen renderer.

    Parameters
    ----------
    width, height : int
        Initial target size (targets are resized to each spec's camera size on demand).
    backend : {'egl', 'osmesa'}, optional
        Headless GL platform (default ``$SYNTH3D_GL`` or ``egl``).
    gpu : int, optional
        EGL device index (``--gpu``).
    msaa : int
        Samples per pixel of the colour pass.
    """

    def __init__(self, width: int = 640, height: int = 480, backend: str | None = None,
                 gpu: int | None = None, msaa: int = 4):
        self.backend = _platform.configure(backend, gpu)
        self._platform = _platform.create_context(width, height, self.backend, gpu)
        from OpenGL import GL as gl

        self.gl = gl
        self.msaa = int(msaa)
        self._size = None
        self._fbos: dict = {}
        self._programs: dict = {}
        self._meshes: OrderedDict = OrderedDict()
        self._textures: OrderedDict = OrderedDict()
        # Texture pixels made ahead of render() by prepare() (another thread), by cache key.
        self._staged: OrderedDict = OrderedDict()
        self._staged_lock = threading.Lock()
        self._view = 0  # bumped whenever V or P change: programs re-upload them once per view
        # 8× anisotropic filtering keeps grazing floor textures sharp on GPUs; a software
        # rasteriser pays several times the frame cost for it, so it is off there.
        info = self.gl_info()
        self._anisotropy = 1.0 if info["software"] else 8.0
        if self._anisotropy > 1:
            try:
                self._anisotropy = float(min(self._anisotropy, gl.glGetFloatv(0x84FF)))
            except Exception:
                self._anisotropy = 1.0
        self._quad = self._make_quad()
        self._env_textures: OrderedDict = OrderedDict()
        # Shadow maps: one depth layer per shadow-casting light. A software rasteriser pays for
        # every texel, so it gets half the resolution.
        self._shadow_size = 512 if info["software"] else 2048
        self._shadow_tex, self._shadow_fb = self._make_shadow_maps()
        self._resize(width, height)

    # -- info -----------------------------------------------------------------------------

    def gl_info(self) -> dict:
        """GL vendor, renderer and version strings, and whether rendering is in software."""
        gl = self.gl
        s = {k: gl.glGetString(getattr(gl, f"GL_{k.upper()}")).decode(errors="replace")
             for k in ("vendor", "renderer", "version")}
        low = (s["renderer"] + " " + s["vendor"]).lower()
        s["software"] = any(w in low for w in ("llvmpipe", "softpipe", "swrast", "software", "lavapipe"))
        s["backend"] = self.backend
        return s

    # -- resources ------------------------------------------------------------------------

    def _make_quad(self):
        import pyrender

        pos = np.array([[-0.5, -0.5, 0], [0.5, -0.5, 0], [0.5, 0.5, 0], [-0.5, 0.5, 0]], np.float32)
        prim = pyrender.Primitive(
            positions=pos, normals=np.tile([0, 0, 1.0], (4, 1)).astype(np.float32),
            texcoord_0=np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32),
            indices=np.array([[0, 1, 2], [0, 2, 3]], np.uint32), mode=4)
        prim._add_to_context()
        return _Part(prim, self._layout(prim), np.ones(4), 0.0, 0.8, np.zeros(3), 0, 0.5, {})

    def _make_shadow_maps(self):
        gl = self.gl
        tex = gl.glGenTextures(1)
        gl.glBindTexture(gl.GL_TEXTURE_2D_ARRAY, tex)
        gl.glTexImage3D(gl.GL_TEXTURE_2D_ARRAY, 0, gl.GL_DEPTH_COMPONENT32F, self._shadow_size,
                        self._shadow_size, MAX_SHADOWS, 0, gl.GL_DEPTH_COMPONENT, gl.GL_FLOAT, None)
        for p, v in ((gl.GL_TEXTURE_MIN_FILTER, gl.GL_LINEAR), (gl.GL_TEXTURE_MAG_FILTER, gl.GL_LINEAR),
                     (gl.GL_TEXTURE_WRAP_S, gl.GL_CLAMP_TO_EDGE),
                     (gl.GL_TEXTURE_WRAP_T, gl.GL_CLAMP_TO_EDGE),
                     (gl.GL_TEXTURE_COMPARE_MODE, gl.GL_COMPARE_REF_TO_TEXTURE),
                     (gl.GL_TEXTURE_COMPARE_FUNC, gl.GL_LEQUAL)):
            gl.glTexParameteri(gl.GL_TEXTURE_2D_ARRAY, p, v)
        gl.glBindTexture(gl.GL_TEXTURE_2D_ARRAY, 0)
        return int(tex), int(gl.glGenFramebuffers(1))

    def _env_texture(self, path: str) -> int:
        """The prefiltered environment of an HDRI as one texture, roughness level k at mip k."""
        tex = self._env_textures.get(path)
        if tex is not None:
            self._env_textures.move_to_end(path)
            return tex
        from ..envmap import prefiltered_environment

        from ..envmap import equirect_to_cube

        gl = self.gl
        levels = prefiltered_environment(path)
        # A cube map: the shader then needs no trigonometry per fragment to find a direction.
        tex = int(gl.glGenTextures(1))
        gl.glBindTexture(gl.GL_TEXTURE_CUBE_MAP, tex)
        gl.glPixelStorei(gl.GL_UNPACK_ALIGNMENT, 4)
        base = max(levels[0].shape[1] // 4, 8)
        for k, lv in enumerate(levels):
            size = max(base >> k, 1)
            for f, face in enumerate(equirect_to_cube(lv, size)):
                gl.glTexImage2D(gl.GL_TEXTURE_CUBE_MAP_POSITIVE_X + f, k, gl.GL_RGB16F, size, size,
                                0, gl.GL_RGB, gl.GL_FLOAT, np.ascontiguousarray(face, np.float32))
        gl.glTexParameteri(gl.GL_TEXTURE_CUBE_MAP, gl.GL_TEXTURE_MAX_LEVEL, len(levels) - 1)
        # Roughness picks a level; blending two levels (trilinear) doubles the fetches and barely
        # shows, since a material's roughness is mostly one value.
        gl.glTexParameteri(gl.GL_TEXTURE_CUBE_MAP, gl.GL_TEXTURE_MIN_FILTER,
                           gl.GL_LINEAR_MIPMAP_NEAREST)
        gl.glTexParameteri(gl.GL_TEXTURE_CUBE_MAP, gl.GL_TEXTURE_MAG_FILTER, gl.GL_LINEAR)
        for wrap in (gl.GL_TEXTURE_WRAP_S, gl.GL_TEXTURE_WRAP_T, gl.GL_TEXTURE_WRAP_R):
            gl.glTexParameteri(gl.GL_TEXTURE_CUBE_MAP, wrap, gl.GL_CLAMP_TO_EDGE)
        gl.glEnable(gl.GL_TEXTURE_CUBE_MAP_SEAMLESS)
        gl.glBindTexture(gl.GL_TEXTURE_CUBE_MAP, 0)
        self._env_textures[path] = tex
        while len(self._env_textures) > 4:
            _, old = self._env_textures.popitem(last=False)
            gl.glDeleteTextures(1, [old])
        return tex

    def _shadow_pass(self, spec: SceneSpec, items: list, lights: dict) -> None:
        """Render a depth map for every shadow-casting directional and spot light; records
        their matrices and layer indices in ``lights``."""
        gl = self.gl
        casters = [it for it in items if it.obj_id]
        maps, index = [], {}
        jobs = [("dir", i, d) for i, (d, c) in enumerate(zip(lights["dirs"], lights["dir_cast"])) if c]
        jobs += [("spot", i, s) for i, (s, c) in enumerate(zip(lights["spots"], lights["spot_cast"]))
                 if c]
        if not jobs or not casters:
            lights["shadows"], lights["shadow_maps"] = {}, []
            return
        pts = np.vstack([_item_corners(it) for it in casters])
        S = self._shadow_size
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self._shadow_fb)
        gl.glDrawBuffer(gl.GL_NONE)
        gl.glReadBuffer(gl.GL_NONE)
        gl.glViewport(0, 0, S, S)
        gl.glDisable(gl.GL_BLEND)
        gl.glDisable(gl.GL_CULL_FACE)
        gl.glEnable(gl.GL_DEPTH_TEST)
        gl.glDepthFunc(gl.GL_LESS)
        gl.glDepthMask(gl.GL_TRUE)
        for layer, (kind, i, light) in enumerate(jobs):
            if kind == "dir":
                Vl, Pl, offset, bias = _directional_shadow(np.asarray(light[0], float), pts, S)
                origin, persp = np.zeros(3), 0
            else:
                pos, direction, _, cone = light
                Vl, Pl, offset, bias = _spot_shadow(np.asarray(pos, float),
                                                    np.asarray(direction, float), cone, pts, S)
                origin, persp = np.asarray(pos, float), 1
            gl.glFramebufferTextureLayer(gl.GL_FRAMEBUFFER, gl.GL_DEPTH_ATTACHMENT,
                                         self._shadow_tex, 0, layer)
            gl.glClear(gl.GL_DEPTH_BUFFER_BIT)
            self._view += 1
            for it in casters:
                for part in it.parts:
                    self._draw("depth", it, part, Vl, Pl, lights, None)
            bias_mat = np.array([[0.5, 0, 0, 0.5], [0, 0.5, 0, 0.5], [0, 0, 0.5, 0.5], [0, 0, 0, 1]])
            maps.append({"mat": bias_mat @ Pl @ Vl, "offset": offset, "bias": bias,
                         "persp": persp, "origin": origin})
            index[(kind, i)] = layer
        self._view += 1
        lights["shadows"], lights["shadow_maps"] = index, maps

    @staticmethod
    def _layout(prim) -> tuple:
        # Same order pyrender's Primitive._add_to_context uses for its attribute buffer.
        loc = 1
        layout = {}
        for name, present in (("normal", prim.normals is not None),
                              ("tangent", prim.tangents is not None),
                              ("texcoord", prim.texcoord_0 is not None),
                              ("texcoord1", prim.texcoord_1 is not None),
                              ("color", prim.color_0 is not None)):
            if present:
                layout[name] = loc
                loc += 1
        return (layout.get("normal"), layout.get("texcoord"), layout.get("color"), loc)

    def _program(self, kind: str, layout: tuple, features: tuple = ()) -> _Program:
        key = (kind, layout, features)
        prog = self._programs.get(key)
        if prog is None:
            from .shaders import COLOUR_FRAGMENT, DEPTH_FRAGMENT, ID_FRAGMENT, VERTEX

            normal, tex, color, inst = layout
            defines = {"INST_LOC": inst, "MAX_LIGHTS": MAX_LIGHTS_PER_TYPE,
                       "MAX_SHADOWS": MAX_SHADOWS}
            if normal is not None:
                defines["NORMAL_LOC"] = normal
            if tex is not None:
                defines["TEXCOORD_LOC"] = tex
            if color is not None:
                defines["COLOR_LOC"] = color
            for f in features:
                name, value = f if isinstance(f, tuple) else (f, 1)
                defines[name] = value
            frag = {"colour": COLOUR_FRAGMENT, "id": ID_FRAGMENT, "depth": DEPTH_FRAGMENT}[kind]
            prog = _Program(self.gl, VERTEX, frag, defines)
            self._programs[key] = prog
        return prog

    def _upload_texture(self, rgba: np.ndarray, srgb: bool, clamp: bool = False) -> int:
        gl = self.gl
        tex = gl.glGenTextures(1)
        gl.glBindTexture(gl.GL_TEXTURE_2D, tex)
        gl.glPixelStorei(gl.GL_UNPACK_ALIGNMENT, 1)
        h, w = rgba.shape[:2]
        data = np.ascontiguousarray(rgba[::-1])  # bottom row first: v = 0 is the image bottom
        gl.glTexImage2D(gl.GL_TEXTURE_2D, 0, gl.GL_SRGB8_ALPHA8 if srgb else gl.GL_RGBA8, w, h, 0,
                        gl.GL_RGBA, gl.GL_UNSIGNED_BYTE, data)
        gl.glGenerateMipmap(gl.GL_TEXTURE_2D)
        gl.glTexParameteri(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_MIN_FILTER, gl.GL_LINEAR_MIPMAP_LINEAR)
        gl.glTexParameteri(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_MAG_FILTER, gl.GL_LINEAR)
        wrap = gl.GL_CLAMP_TO_EDGE if clamp else gl.GL_REPEAT
        gl.glTexParameteri(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_WRAP_S, wrap)
        gl.glTexParameteri(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_WRAP_T, wrap)
        if self._anisotropy > 1:  # core in GL 4.6, an extension before
            gl.glTexParameterf(gl.GL_TEXTURE_2D, 0x84FE, self._anisotropy)
        gl.glBindTexture(gl.GL_TEXTURE_2D, 0)
        return int(tex)

    def _cached_texture(self, key, make, srgb=True, clamp=False) -> int:
        # The sampler state is part of the texture object: the same image used clamped (a
        # background) and repeated (a tiled floor) must be two textures, or the first use would
        # decide for both and frames would depend on what the process drew before.
        key = (key, srgb, clamp)
        with self._staged_lock:
            staged = self._staged.pop(key, None)
        tex = self._textures.get(key)
        if tex is not None:
            self._textures.move_to_end(key)
            return tex
        tex = self._upload_texture(make() if staged is None else staged, srgb, clamp)
        self._textures[key] = tex
        while len(self._textures) > TEXTURE_CACHE_SIZE:
            _, old = self._textures.popitem(last=False)
            self.gl.glDeleteTextures(1, [old])
        return tex

    def _texture_sources(self, spec: SceneSpec) -> list[tuple]:
        """``(key, make, srgb, clamp)`` of every texture ``spec`` draws with, besides the assets'
        own: backdrop textures, card images and material texture overrides. ``make()`` gives
        the RGBA pixels (pure, no GL)."""
        from ..assets.catalog import load_card_rgba, load_image_rgb
        from ..assets.textures import procedural_key, procedural_texture

        out = []
        for o in spec.objects:
            if o.kind == "card":
                a = o.alpha
                out.append((("card", o.asset, a.mode, tuple(a.key_color), a.key_threshold),
                            lambda o=o, a=a: bleed_transparent(load_card_rgba(
                                o.asset, a.mode, tuple(a.key_color), a.key_threshold)),
                            True, True))
            elif o.material.texture:
                out.append((("image", o.material.texture),
                            lambda t=o.material.texture: _texture_array(load_image_rgb(t)),
                            True, False))
        for b in spec.backdrops:
            t = b.texture
            if t.type == "image":
                out.append((("image", t.image), lambda t=t: _texture_array(load_image_rgb(t.image)),
                            True, b.type == "background"))
            else:
                out.append((procedural_key(t), lambda t=t: procedural_texture(t), True, False))
        return out

    def prepare(self, spec: SceneSpec) -> None:
        """Make the pixels of the textures ``spec`` will need that are not on the GPU yet, so that
        :meth:`render` only uploads them. Uses no GL: meant for a helper thread that runs a
        frame ahead of the rendering thread (see :func:`synth3d.run.pipeline.render_indices`)."""
        for key, make, srgb, clamp in self._texture_sources(spec):
            full = (key, srgb, clamp)
            with self._staged_lock:
                if full in self._staged or full in self._textures:
                    continue
            pixels = make()
            with self._staged_lock:
                self._staged[full] = pixels
                while len(self._staged) > STAGED_TEXTURES:  # never used: forget the oldest
                    self._staged.popitem(last=False)

    def _mesh(self, path: str) -> list[_Part]:
        parts = self._meshes.get(path)
        if parts is not None:
            self._meshes.move_to_end(path)
            return parts
        import pyrender

        from ..assets.catalog import load_mesh_parts

        parts = []
        for geom in load_mesh_parts(path):
            pm = pyrender.Mesh.from_trimesh(geom, smooth=_smooth_ok(geom))
            for prim in pm.primitives:
                prim._add_to_context()
                mat = prim.material
                textures = {}
                for name, attr, srgb in (("base", "baseColorTexture", True),
                                         ("mr", "metallicRoughnessTexture", False),
                                         ("emissive", "emissiveTexture", True)):
                    t = getattr(mat, attr, None)
                    if t is not None and t.source is not None and prim.texcoord_0 is not None:
                        textures[name] = self._upload_texture(_texture_array(t.source), srgb)
                base, metallic, rough, mode = _file_material(geom, mat)
                emissive = np.asarray(mat.emissiveFactor if mat.emissiveFactor is not None
                                      else np.zeros(3), float)
                parts.append(_Part(prim, self._layout(prim), base, metallic, rough, emissive, mode,
                                   float(mat.alphaCutoff or 0.5), textures))
        self._meshes[path] = parts
        while len(self._meshes) > MESH_CACHE_SIZE:
            _, old = self._meshes.popitem(last=False)
            for p in old:
                p.primitive._remove_from_context()
                for t in p.textures.values():
                    self.gl.glDeleteTextures(1, [t])
        return parts

    def _sweep(self, width: float, depth: float, radius: float, height: float) -> _Part:
        """The cyclorama mesh for these dimensions (cached like an asset)."""
        key = ("sweep", round(width, 6), round(depth, 6), round(radius, 6), round(height, 6))
        part = self._meshes.get(key)
        if part is None:
            import pyrender

            from ..assets.geometry import sweep_mesh

            pos, nrm, uv, tri = sweep_mesh(width, depth, radius, height)
            prim = pyrender.Primitive(positions=pos, normals=nrm, texcoord_0=uv, indices=tri,
                                      mode=4)
            prim._add_to_context()
            part = [_Part(prim, self._layout(prim), np.ones(4), 0.0, 0.8, np.zeros(3), 0, 0.5, {})]
            self._meshes[key] = part
        self._meshes.move_to_end(key)
        return part[0]

    # -- targets --------------------------------------------------------------------------

    def _resize(self, width: int, height: int):
        if self._size == (width, height):
            return
        gl = self.gl
        _limits.check_size(gl, width, height, self.msaa)  # one line instead of a raw FBO error
        for fb, rbs in self._fbos.values():
            gl.glDeleteFramebuffers(1, [fb])
            gl.glDeleteRenderbuffers(len(rbs), rbs)
        self._fbos = {}

        def rb(fmt, samples=0):
            r = gl.glGenRenderbuffers(1)
            gl.glBindRenderbuffer(gl.GL_RENDERBUFFER, r)
            if samples:
                gl.glRenderbufferStorageMultisample(gl.GL_RENDERBUFFER, samples, fmt, width, height)
            else:
                gl.glRenderbufferStorage(gl.GL_RENDERBUFFER, fmt, width, height)
            return int(r)

        def fbo(name, colours, depth):
            fb = gl.glGenFramebuffers(1)
            gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, fb)
            for i, c in enumerate(colours):
                gl.glFramebufferRenderbuffer(gl.GL_FRAMEBUFFER, gl.GL_COLOR_ATTACHMENT0 + i,
                                             gl.GL_RENDERBUFFER, c)
            if depth is not None:
                gl.glFramebufferRenderbuffer(gl.GL_FRAMEBUFFER, gl.GL_DEPTH_ATTACHMENT,
                                             gl.GL_RENDERBUFFER, depth)
            status = gl.glCheckFramebufferStatus(gl.GL_FRAMEBUFFER)
            if status != gl.GL_FRAMEBUFFER_COMPLETE:
                raise RenderError("GL", f"framebuffer '{name}' incomplete (status {status:#x})")
            self._fbos[name] = (int(fb), colours + ([depth] if depth is not None else []))

        # Half floats: 11-bit mantissas keep 8-bit sRGB texels exact through the linear pipeline
        # (the nearest decision boundary is > 10× farther than the rounding error) and reach 65504.
        fbo("colour_ms", [rb(gl.GL_RGBA16F, self.msaa)], rb(gl.GL_DEPTH_COMPONENT24, self.msaa))
        fbo("colour", [rb(gl.GL_RGBA16F)], None)
        fbo("ids", [rb(gl.GL_R32UI), rb(gl.GL_R32F), rb(gl.GL_RGBA16F)],
            rb(gl.GL_DEPTH_COMPONENT32F))
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)
        self._size = (width, height)

    # -- frame ----------------------------------------------------------------------------

    def _items(self, spec: SceneSpec, V: np.ndarray) -> list[_Item]:
        items = []
        ident_uv = np.eye(3)
        # Textures in _texture_sources' order: cards and overridden materials, then backdrops.
        textures = iter([self._cached_texture(*src) for src in self._texture_sources(spec)])
        for o in spec.objects:
            T = o.T_array()
            m = o.material
            override = None
            if o.kind == "card":
                w, h = o.card_size
                M = T @ np.diag([w, h, 1.0, 1.0])
                uv = np.array([[-1.0, 0, 1], [0, 1, 0], [0, 0, 1]]) if o.mirror else ident_uv
                items.append(_Item([self._quad], M, o.id, m, next(textures), uv, m.unlit, True))
            else:
                if m.texture:
                    override = next(textures)
                parts = self._mesh(o.asset)
                blend = any(p.alpha_mode == 2 for p in parts) or (
                    m.base_color is not None and m.base_color[3] < 1)
                items.append(_Item(parts, T, o.id, m, override, ident_uv, m.unlit, blend))
        for b in spec.backdrops:
            w, h = b.size
            uv = np.vstack([np.asarray(b.texture.uv_transform), [0, 0, 1]])
            if b.type == "sweep":
                parts, M = [self._sweep(w, h, *b.sweep)], np.asarray(b.T_world_plane)
            else:
                parts, M = [self._quad], np.asarray(b.T_world_plane) @ np.diag([w, h, 1.0, 1.0])
            items.append(_Item(parts, M, 0, None, next(textures), uv, b.unlit,
                               False, roughness=b.roughness, metallic=b.metallic,
                               tint=np.append(np.asarray(b.tint, float), 1.0)))
        for it in items:
            it.view_depth = -(V @ it.M[:, 3])[2]
        return items

    def _lights(self, spec: SceneSpec) -> dict:
        from ..envmap import environment_lighting

        dirs, points, spots = [], [], []
        dir_cast, spot_cast = [], []  # whether each light casts a shadow
        sh = np.zeros((9, 3), np.float32)
        env = spec.environment
        if env.hdri and env.lighting:
            lit = environment_lighting(env.hdri, env.rotation_deg, env.exposure_ev)
            sh = lit.sh
            if lit.sun_direction is not None:
                dirs.append((lit.sun_direction, lit.sun_intensity))
                dir_cast.append(env.shadows)
        else:
            sh[0] = np.asarray(env.ambient) / 0.282095
        for L in spec.lights:
            rad = np.asarray(L.color) * L.intensity
            if L.type == "directional":
                dirs.append((np.asarray(L.direction), rad))
                dir_cast.append(L.shadows)
            elif L.type == "point":
                points.append((np.asarray(L.position), rad))
            else:
                spots.append((np.asarray(L.position), np.asarray(L.direction), rad, L.cone_deg))
                spot_cast.append(L.shadows)
        for name, lst in (("directional", dirs), ("point", points), ("spot", spots)):
            if len(lst) > MAX_LIGHTS_PER_TYPE:
                raise RenderError("lights", f"{len(lst)} {name} lights (the HDRI's sun counts as "
                                  f"one directional light); at most {MAX_LIGHTS_PER_TYPE}")
        if sum(dir_cast) + sum(spot_cast) > MAX_SHADOWS:
            raise RenderError("lights", f"more than {MAX_SHADOWS} shadow-casting lights")
        return {"dirs": dirs, "points": points, "spots": spots, "sh": sh,
                "dir_cast": dir_cast, "spot_cast": spot_cast, "env": env}

    def _bind_lights(self, prog: _Program, lights: dict, cam_pos: np.ndarray):
        prog.vec3("cam_pos", cam_pos)
        prog.i("n_dir", len(lights["dirs"]))
        if lights["dirs"]:
            prog.vec3("dir_dir", [d for d, _ in lights["dirs"]], len(lights["dirs"]))
            prog.vec3("dir_rad", [r for _, r in lights["dirs"]], len(lights["dirs"]))
        prog.i("n_point", len(lights["points"]))
        if lights["points"]:
            prog.vec3("point_pos", [p for p, _ in lights["points"]], len(lights["points"]))
            prog.vec3("point_rad", [r for _, r in lights["points"]], len(lights["points"]))
        n = len(lights["spots"])
        prog.i("n_spot", n)
        if n:
            prog.vec3("spot_pos", [s[0] for s in lights["spots"]], n)
            prog.vec3("spot_dir", [s[1] for s in lights["spots"]], n)
            prog.vec3("spot_rad", [s[2] for s in lights["spots"]], n)
            outer = [math.cos(math.radians(s[3])) for s in lights["spots"]]
            inner = [math.cos(math.radians(s[3] * 0.8)) for s in lights["spots"]]
            prog.fv("spot_cos_outer", outer, n)
            prog.fv("spot_cos_inner", inner, n)
        prog.vec3("sh", lights["sh"], 9)
        sh = lights.get("shadows") or {}
        gl = self.gl
        dir_idx = [sh.get(("dir", i), -1) for i in range(len(lights["dirs"]))]
        spot_idx = [sh.get(("spot", i), -1) for i in range(len(lights["spots"]))]
        if dir_idx:
            gl.glUniform1iv(prog.loc("dir_shadow"), len(dir_idx), np.asarray(dir_idx, np.int32))
        if spot_idx:
            gl.glUniform1iv(prog.loc("spot_shadow"), len(spot_idx), np.asarray(spot_idx, np.int32))
        maps = lights.get("shadow_maps") or []
        if maps:
            gl.glUniformMatrix4fv(prog.loc("shadow_mat"), len(maps), True,
                                  np.asarray([m["mat"] for m in maps], np.float32))
            prog.fv("shadow_offset", [m["offset"] for m in maps], len(maps))
            prog.fv("shadow_bias", [m["bias"] for m in maps], len(maps))
            gl.glUniform1iv(prog.loc("shadow_persp"), len(maps),
                            np.asarray([m["persp"] for m in maps], np.int32))
            prog.vec3("shadow_origin", [m["origin"] for m in maps], len(maps))
            prog.f("shadow_texel", 1.0 / self._shadow_size)
        gl.glActiveTexture(gl.GL_TEXTURE4)
        gl.glBindTexture(gl.GL_TEXTURE_2D_ARRAY, self._shadow_tex)
        prog.i("shadow_maps", 4)
        env_tex = lights.get("env_tex")
        gl.glActiveTexture(gl.GL_TEXTURE3)
        gl.glBindTexture(gl.GL_TEXTURE_CUBE_MAP, env_tex or 0)
        prog.i("env_spec", 3)
        if env_tex:
            env = lights["env"]
            from ..envmap import SPECULAR_LEVELS, rot_z

            prog.mat3("env_rot", rot_z(-env.rotation_deg))
            prog.f("env_scale", 2.0 ** env.exposure_ev)
            prog.f("env_max_lod", SPECULAR_LEVELS - 1)

    def _draw(self, kind: str, item: _Item, part: _Part, V, P, lights, cam_pos):
        gl = self.gl
        # Blended items (cards, translucent materials) blend unless the part cuts out (MASK).
        alpha_mode = 2 if item.blend and part.alpha_mode != 1 else part.alpha_mode
        if kind == "colour":
            features = lights.get("features", ())
        else:  # id/depth variants: a software rasteriser runs every instruction of a shader
            features = (("ALPHA_TEST",) if alpha_mode != 0 else ()) + (
                ("ID_NORMALS",) if kind == "id" and lights.get("id_normals") else ())
        prog = self._program(kind, part.layout, features)
        gl.glUseProgram(prog.id)
        if prog.frame_token != (self._view, kind):
            prog.frame_token = (self._view, kind)
            prog.mat4("V", V)
            prog.mat4("P", P)
            if kind == "colour":
                self._bind_lights(prog, lights, cam_pos)
        prog.mat4("M", item.M)
        prog.mat3("N_world", np.linalg.inv(item.M[:3, :3]).T)
        m = item.material
        base = np.asarray(m.base_color if (m is not None and m.base_color is not None)
                          else part.base_color, float)
        if item.obj_id == 0 and item.material is None:  # backdrop: its texture × its tint
            base = item.tint if item.tint is not None else np.ones(4)
        prog.vec4("base_color_factor", base)
        overridden = m is not None and (m.base_color is not None or item.override_tex is not None)
        prog.i("use_vcolor", 0 if overridden else 1)
        tex = item.override_tex if item.override_tex is not None else part.textures.get("base")
        if m is not None and m.base_color is not None and not m.keep_texture and \
                item.override_tex is None:
            tex = None  # a flat colour replaces the asset's own texture
        gl.glActiveTexture(gl.GL_TEXTURE0)
        gl.glBindTexture(gl.GL_TEXTURE_2D, tex or 0)
        prog.i("base_tex", 0)
        prog.i("has_base_tex", 1 if tex else 0)
        prog.i("box_uv", 1 if (tex and part.layout[1] is None) else 0)
        prog.mat3("uv_xform", item.uv_xform)
        prog.i("alpha_mode", alpha_mode)
        prog.f("alpha_cutoff", part.alpha_cutoff)
        if kind == "colour":
            rough = item.roughness if item.roughness is not None else (
                m.roughness if m is not None and m.roughness is not None else part.roughness)
            metal = item.metallic if item.metallic is not None else (
                m.metallic if m is not None and m.metallic is not None else part.metallic)
            prog.f("roughness_factor", rough)
            prog.f("metallic_factor", metal)
            prog.vec3("emissive_factor", part.emissive)
            prog.i("unlit", 1 if item.unlit else 0)
            prog.i("shadow_catcher", 1 if item.catcher else 0)
            for unit, name in ((1, "mr"), (2, "emissive")):
                t = part.textures.get(name)
                gl.glActiveTexture(gl.GL_TEXTURE0 + unit)
                gl.glBindTexture(gl.GL_TEXTURE_2D, t or 0)
                prog.i(f"{name}_tex", unit)
                prog.i(f"has_{name}_tex", 1 if t else 0)
        elif kind == "id":
            prog.u("obj_id", item.obj_id)
        prim = part.primitive
        prim._bind()
        if prim.indices is not None:
            gl.glDrawElementsInstanced(prim.mode, prim.indices.size, gl.GL_UNSIGNED_INT,
                                       ctypes.c_void_p(0), 1)
        else:
            gl.glDrawArraysInstanced(prim.mode, 0, len(prim.positions), 1)
        prim._unbind()

    def render(self, spec: SceneSpec, amodal: bool = False, normals: bool = False) -> Frame:
        """Render the colour, id and depth buffers of one SceneSpec.

        Parameters
        ----------
        spec : SceneSpec
        amodal : bool
            Also render every object alone: amodal masks and in-frame fractions.
        normals : bool
            Also read back camera-frame normals.

        Returns
        -------
        Frame
            Linear premultiplied RGB, alpha, depth (m), instance ids (and the requested extras);
            see :class:`Frame`.
        """
        gl = self.gl
        cam = spec.camera
        W, H = cam.width, cam.height
        if len(spec.objects) > 65535:
            raise RenderError("objects", "more than 65535 instances in one frame")
        self._platform.make_current()
        self._resize(W, H)
        self._view += 1
        K = cam.K_array()
        T_wc = cam.T_array()
        V = _CV_TO_GL @ np.linalg.inv(T_wc)
        P = projection_from_K(K, W, H, cam.znear, cam.zfar, top_row_first=True)
        lights = self._lights(spec)
        items = self._items(spec, V)
        # Opaque objects front to back, then the backdrops: fragments hidden behind nearer ones
        # fail the early depth test instead of being shaded.
        opaque = sorted((it for it in items if not it.blend),
                        key=lambda it: (it.obj_id == 0, it.view_depth))
        blended = sorted((it for it in items if it.blend), key=lambda it: -it.view_depth)
        env = spec.environment
        lights["env_tex"] = (self._env_texture(env.hdri)
                             if env.hdri and env.lighting and env.reflections else None)
        self._shadow_pass(spec, items, lights)
        lights["features"] = tuple(f for f, on in (("HAS_ENV_SPEC", lights["env_tex"]),
                                                   ("HAS_CATCHER", env.shadow_catcher)) if on)
        if lights["shadow_maps"]:
            lights["features"] += (("N_SHADOWS", len(lights["shadow_maps"])),)
        catcher = []
        if env.shadow_catcher:
            catcher = [_Item([self._quad], np.diag([200.0, 200.0, 1.0, 1.0]), 0, None, None,
                             np.eye(3), False, True, catcher=True)]

        gl.glViewport(0, 0, W, H)
        gl.glDisable(gl.GL_CULL_FACE)  # open meshes and cards are seen from both sides
        gl.glFrontFace(gl.GL_CW)  # the y-flipped projection mirrors winding; keep gl_FrontFacing
        gl.glEnable(gl.GL_DEPTH_TEST)
        gl.glDepthFunc(gl.GL_LESS)
        gl.glDepthMask(gl.GL_TRUE)

        # Pass 1: colour, multisampled.
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self._fbos["colour_ms"][0])
        gl.glDrawBuffers(1, [gl.GL_COLOR_ATTACHMENT0])
        gl.glEnable(gl.GL_MULTISAMPLE)
        gl.glClearColor(0.0, 0.0, 0.0, 0.0)
        gl.glClear(gl.GL_COLOR_BUFFER_BIT | gl.GL_DEPTH_BUFFER_BIT)
        gl.glEnable(gl.GL_BLEND)
        gl.glBlendFunc(gl.GL_ONE, gl.GL_ONE_MINUS_SRC_ALPHA)  # premultiplied alpha
        cam_pos = T_wc[:3, 3]
        for it in opaque:
            for part in it.parts:
                self._draw("colour", it, part, V, P, lights, cam_pos)
        if catcher:
            gl.glDepthMask(gl.GL_FALSE)  # invisible: it must not hide what is drawn after it
            self._draw("colour", catcher[0], self._quad, V, P, lights, cam_pos)
            gl.glDepthMask(gl.GL_TRUE)
        for it in blended:
            for part in it.parts:
                self._draw("colour", it, part, V, P, lights, cam_pos)
        gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, self._fbos["colour_ms"][0])
        gl.glBindFramebuffer(gl.GL_DRAW_FRAMEBUFFER, self._fbos["colour"][0])
        gl.glBlitFramebuffer(0, 0, W, H, 0, 0, W, H, gl.GL_COLOR_BUFFER_BIT, gl.GL_NEAREST)
        gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, self._fbos["colour"][0])
        gl.glReadBuffer(gl.GL_COLOR_ATTACHMENT0)
        gl.glPixelStorei(gl.GL_PACK_ALIGNMENT, 1)
        # Read back as float32: the driver's conversion from half floats is faster than numpy's.
        rgba = np.frombuffer(gl.glReadPixels(0, 0, W, H, gl.GL_RGBA, gl.GL_FLOAT),
                             np.float32).reshape(H, W, 4)

        # Pass 2: ids and depth at pixel centres, single-sampled, no blending.
        lights["id_normals"] = normals
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self._fbos["ids"][0])
        attachments = [gl.GL_COLOR_ATTACHMENT0, gl.GL_COLOR_ATTACHMENT1, gl.GL_COLOR_ATTACHMENT2]
        gl.glDrawBuffers(3 if normals else 2, attachments[:3 if normals else 2])
        gl.glDisable(gl.GL_BLEND)
        gl.glDisable(gl.GL_MULTISAMPLE)
        gl.glClearBufferuiv(gl.GL_COLOR, 0, np.zeros(4, np.uint32))
        gl.glClearBufferfv(gl.GL_COLOR, 1, np.zeros(4, np.float32))
        if normals:
            gl.glClearBufferfv(gl.GL_COLOR, 2, np.zeros(4, np.float32))
        gl.glClearBufferfv(gl.GL_DEPTH, 0, np.ones(1, np.float32))
        for it in opaque + blended:  # the colour pass's order: the same surface wins depth ties
            for part in it.parts:
                self._draw("id", it, part, V, P, lights, cam_pos)
        gl.glReadBuffer(gl.GL_COLOR_ATTACHMENT0)
        ids = np.frombuffer(gl.glReadPixels(0, 0, W, H, gl.GL_RED_INTEGER, gl.GL_UNSIGNED_INT),
                            np.uint32).reshape(H, W)
        gl.glReadBuffer(gl.GL_COLOR_ATTACHMENT1)
        depth = np.frombuffer(gl.glReadPixels(0, 0, W, H, gl.GL_RED, gl.GL_FLOAT),
                              np.float32).reshape(H, W)
        normals_cam = None
        if normals:
            gl.glReadBuffer(gl.GL_COLOR_ATTACHMENT2)
            normals_cam = np.frombuffer(gl.glReadPixels(0, 0, W, H, gl.GL_RGBA, gl.GL_FLOAT),
                                        np.float32).reshape(H, W, 4)[:, :, :3].copy()
        amodal_masks = in_frame = bbox_obj = None
        if amodal:
            lights["id_normals"] = False
            gl.glDrawBuffers(1, attachments[:1])
            amodal_masks, in_frame, bbox_obj = self._amodal(spec, items, V, P, K, lights, cam_pos)
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)
        gl.glUseProgram(0)
        err = gl.glGetError()
        if err != gl.GL_NO_ERROR:
            raise RenderError(f"frame {spec.index}", f"GL error {err:#x}")
        return Frame(rgb=np.ascontiguousarray(rgba[:, :, :3]), alpha=rgba[:, :, 3].copy(),
                     depth_m=depth.copy(), instance=ids.astype(np.uint16), normals_cam=normals_cam,
                     amodal=amodal_masks, in_frame=in_frame, bbox_obj=bbox_obj)

    def _object_box(self, o: ObjectSpec, K: np.ndarray, T_cw: np.ndarray, W: int, H: int):
        """Pixel box (x0, y0, x1, y1), end-exclusive, that holds the object's projection, clamped
        to the image; and whether its unclamped projection lies entirely inside."""
        from ..assets.catalog import load_mesh

        if o.kind == "card":
            pts = np.asarray(o.corners_world)
        else:
            lo, hi = load_mesh(o.asset).bounds
            c = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1])
                          for z in (lo[2], hi[2])])
            T = o.T_array()
            pts = c @ T[:3, :3].T + T[:3, 3]
        pc = pts @ T_cw[:3, :3].T + T_cw[:3, 3]
        if np.any(pc[:, 2] <= 1e-6):
            return (0, 0, W, H), False
        uv = (pc @ K.T)[:, :2] / pc[:, 2:3]
        x0, y0 = np.floor(uv.min(0) - 1).astype(int)
        x1, y1 = np.ceil(uv.max(0) + 2).astype(int)
        inside = x0 >= 0 and y0 >= 0 and x1 <= W and y1 <= H
        return (max(x0, 0), max(y0, 0), min(x1, W), min(y1, H)), bool(inside)

    def _amodal(self, spec, items, V, P, K, lights, cam_pos):
        """Each object alone: its mask at full resolution (scissored to its box) and, when it
        may leave the image, its in-frame fraction from a 3× wider view."""
        gl = self.gl
        W, H = spec.camera.width, spec.camera.height
        T_cw = np.linalg.inv(spec.camera.T_array())
        by_id = {it.obj_id: it for it in items if it.obj_id}
        # A view three times as wide and tall, centred on the image, at the same pixel count.
        Kw = K.copy()
        Kw[0, 0] /= 3.0
        Kw[1, 1] /= 3.0
        Kw[0, 1] /= 3.0
        Kw[0, 2] = (K[0, 2] + 0.5 + W) / 3.0 - 0.5
        Kw[1, 2] = (K[1, 2] + 0.5 + H) / 3.0 - 0.5
        Pw = projection_from_K(Kw, W, H, spec.camera.znear, spec.camera.zfar, top_row_first=True)
        masks, fracs, boxes = [], [], []
        gl.glReadBuffer(gl.GL_COLOR_ATTACHMENT0)
        gl.glEnable(gl.GL_SCISSOR_TEST)
        try:
            # Objects whose boxes do not overlap cannot hide each other: render them alone
            # together, one pass per group of mutually disjoint boxes.
            placed = [self._object_box(o, K, T_cw, W, H) for o in spec.objects]
            groups: list[list[int]] = []
            for k, ((x0, y0, x1, y1), _) in enumerate(placed):
                if x1 <= x0 or y1 <= y0:
                    continue
                for g in groups:
                    if all(not _boxes_overlap(placed[j][0], placed[k][0]) for j in g):
                        g.append(k)
                        break
                else:
                    groups.append([k])
            alone = [np.zeros((H, W), bool) for _ in spec.objects]
            for g in groups:
                ux0 = min(placed[j][0][0] for j in g)
                uy0 = min(placed[j][0][1] for j in g)
                ux1 = max(placed[j][0][2] for j in g)
                uy1 = max(placed[j][0][3] for j in g)
                gl.glScissor(ux0, uy0, ux1 - ux0, uy1 - uy0)
                self._draw_alone([by_id[spec.objects[j].id] for j in g], V, P, lights, cam_pos)
                sub = np.frombuffer(gl.glReadPixels(ux0, uy0, ux1 - ux0, uy1 - uy0,
                                                    gl.GL_RED_INTEGER, gl.GL_UNSIGNED_INT),
                                    np.uint32).reshape(uy1 - uy0, ux1 - ux0)
                for j in g:
                    x0, y0, x1, y1 = placed[j][0]
                    alone[j][y0:y1, x0:x1] = sub[y0 - uy0:y1 - uy0, x0 - ux0:x1 - ux0] == \
                        spec.objects[j].id
            for o, mask, (_, inside) in zip(spec.objects, alone, placed):
                it = by_id[o.id]
                masks.append(mask)
                ys, xs = np.nonzero(mask)
                exact = [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1] if len(xs) else None
                if inside:
                    fracs.append(1.0)
                    boxes.append(_xywh(exact))
                    continue
                gl.glScissor(0, 0, W, H)
                self._draw_alone([it], V, Pw, lights, cam_pos)
                wide = np.frombuffer(gl.glReadPixels(0, 0, W, H, gl.GL_RED_INTEGER,
                                                     gl.GL_UNSIGNED_INT), np.uint32).reshape(H, W) == o.id
                total = int(wide.sum())
                # Wide pixel (r, c) looks at original pixel coordinates (3c + 1 − W, 3r + 1 − H).
                cols = 3 * np.arange(W) + 1 - W
                rows = 3 * np.arange(H) + 1 - H
                central = wide[np.ix_((rows >= 0) & (rows < H), (cols >= 0) & (cols < W))]
                fracs.append(float(central.sum()) / total if total else 0.0)
                wy, wx = np.nonzero(wide)
                if len(wx) == 0:
                    boxes.append(_xywh(exact))
                    continue
                # Wide pixel c spans original pixel edges [3c − W, 3c − W + 3).
                coarse = [3 * wx.min() - W, 3 * wy.min() - H, 3 * wx.max() + 3 - W,
                          3 * wy.max() + 3 - H]
                if exact is None:
                    boxes.append(_xywh(coarse))
                    continue
                # Sides the mask does not touch are exact; sides cut by the image come from the
                # wide view.
                box = [coarse[0] if exact[0] == 0 else exact[0],
                       coarse[1] if exact[1] == 0 else exact[1],
                       coarse[2] if exact[2] == W else exact[2],
                       coarse[3] if exact[3] == H else exact[3]]
                boxes.append(_xywh(box))
        finally:
            gl.glDisable(gl.GL_SCISSOR_TEST)
        return tuple(masks), tuple(fracs), tuple(boxes)

    def _draw_alone(self, items: list[_Item], V, P, lights, cam_pos):
        """Clear the (scissored) id target and draw only ``items``."""
        gl = self.gl
        self._view += 1  # P alternates between the image and the wide view: re-upload it
        gl.glClearBufferuiv(gl.GL_COLOR, 0, np.zeros(4, np.uint32))
        gl.glClearBufferfv(gl.GL_DEPTH, 0, np.ones(1, np.float32))
        for it in items:
            for part in it.parts:
                self._draw("id", it, part, V, P, lights, cam_pos)

    def close(self):
        """Free GL resources and the context."""
        if getattr(self, "_platform", None) is None:
            return
        try:
            self._platform.make_current()
            for parts in self._meshes.values():
                for p in parts:
                    p.primitive._remove_from_context()
            self._quad.primitive._remove_from_context()
            for t in self._textures.values():
                self.gl.glDeleteTextures(1, [t])
            for fb, rbs in self._fbos.values():
                self.gl.glDeleteFramebuffers(1, [fb])
                self.gl.glDeleteRenderbuffers(len(rbs), rbs)
            for p in self._programs.values():
                self.gl.glDeleteProgram(p.id)
            for t in list(self._env_textures.values()) + [self._shadow_tex]:
                self.gl.glDeleteTextures(1, [t])
            self.gl.glDeleteFramebuffers(1, [self._shadow_fb])
        finally:
            _platform.release_context(self._platform)
            self._platform = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _item_corners(it: _Item) -> np.ndarray:
    """(8·parts, 3) world corners of an item's bounding boxes (shadow frustum fitting)."""
    out = []
    for p in it.parts:
        lo, hi = p.primitive.positions.min(0), p.primitive.positions.max(0)
        c = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1])
                      for z in (lo[2], hi[2])], float)
        out.append(c @ it.M[:3, :3].T + it.M[:3, 3])
    return np.vstack(out)


def _look(eye: np.ndarray, forward: np.ndarray) -> np.ndarray:
    """OpenGL view matrix of a camera at ``eye`` looking along ``forward``."""
    f = forward / np.linalg.norm(forward)
    up = np.array([0.0, 0.0, 1.0]) if abs(f[2]) < 0.99 else np.array([0.0, 1.0, 0.0])
    x = np.cross(f, up)
    x /= np.linalg.norm(x)
    y = np.cross(x, f)
    V = np.eye(4)
    V[0, :3], V[1, :3], V[2, :3] = x, y, -f
    V[:3, 3] = -V[:3, :3] @ eye
    return V


def _directional_shadow(L: np.ndarray, pts: np.ndarray, size: int):
    """View and orthographic projection of a directional light fitted around the casters
    (receivers beyond them along the light keep their depth range), plus the normal offset
    (world units) and depth bias that avoid acne without peter-panning."""
    centre = (pts.min(0) + pts.max(0)) / 2
    radius = float(np.linalg.norm(pts.max(0) - pts.min(0))) / 2 + 1e-3
    V = _look(centre + L / np.linalg.norm(L) * 2 * radius, -L)
    q = pts @ V[:3, :3].T + V[:3, 3]
    lo, hi = q.min(0), q.max(0)
    pad = 0.02 * (hi[:2] - lo[:2]).max() + 1e-3
    l, r, b, t = lo[0] - pad, hi[0] + pad, lo[1] - pad, hi[1] + pad
    n = max(-hi[2] - radius * 0.1, 1e-3)
    f = -lo[2] + 4 * radius + 5.0
    P = np.array([[2 / (r - l), 0, 0, -(r + l) / (r - l)], [0, 2 / (t - b), 0, -(t + b) / (t - b)],
                  [0, 0, -2 / (f - n), -(f + n) / (f - n)], [0, 0, 0, 1.0]])
    texel = max(r - l, t - b) / size
    return V, P, 1.5 * texel, 1.5 * texel / (f - n)


def _spot_shadow(pos: np.ndarray, direction: np.ndarray, cone_deg: float, pts: np.ndarray,
                 size: int):
    """View and perspective projection of a spot light; the normal offset is per metre of
    distance from the light."""
    V = _look(pos, direction)
    fov = np.radians(min(2 * cone_deg + 4.0, 170.0))
    q = pts @ V[:3, :3].T + V[:3, 3]
    far = max(3.0 * float(np.abs(q).max()), 1.0)  # casters and the ground behind them
    near = 0.02
    fy = 1.0 / np.tan(fov / 2)
    P = np.array([[fy, 0, 0, 0], [0, fy, 0, 0],
                  [0, 0, -(far + near) / (far - near), -2 * far * near / (far - near)],
                  [0, 0, -1.0, 0]])
    texel_per_m = 2 * np.tan(fov / 2) / size
    return V, P, 1.5 * texel_per_m, 2e-5


def _boxes_overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _xywh(box) -> list[float]:
    if box is None:
        return [0.0, 0.0, 0.0, 0.0]
    x0, y0, x1, y1 = (float(v) for v in box)
    return [x0, y0, x1 - x0, y1 - y0]


def _smooth_ok(geom) -> bool:
    # pyrender's smooth shading shares vertices; with UVs trimesh already split seams, so it's safe.
    # Flat-shaded files (many faces meeting at sharp angles, e.g. boxes) keep their face normals.
    try:
        return bool(geom.visual.kind != "face")
    except Exception:
        return True


def _file_material(geom, mat) -> tuple[np.ndarray, float, float, int]:
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
