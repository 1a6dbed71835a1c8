"""GL context resources: shader programs, textures, render targets, and the camera projection.

Nothing here knows about scenes; :mod:`synth3d.render.renderer` composes these pieces.
"""

from __future__ import annotations

import numpy as np

from ..errors import RenderError
from .limits import check_size

# OpenCV camera axes (x right, y down, z forward) → OpenGL's (x right, y up, z backward).
CV_TO_GL = np.diag([1.0, -1.0, -1.0, 1.0])


def projection_from_K(
    K: np.ndarray, width: int, height: int, znear: float, zfar: float, top_row_first: bool = False
) -> np.ndarray:
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


def gl_strings(gl, backend: str) -> dict:
    """GL vendor, renderer and version strings, and whether rendering is in software."""
    s = {
        k: gl.glGetString(getattr(gl, f"GL_{k.upper()}")).decode(errors="replace")
        for k in ("vendor", "renderer", "version")
    }
    low = (s["renderer"] + " " + s["vendor"]).lower()
    s["software"] = any(
        w in low for w in ("llvmpipe", "softpipe", "swrast", "software", "lavapipe")
    )
    s["backend"] = backend
    return s


# Texture unit of every sampler the colour, id and AO programs share, in one place so no two
# collide (a normal map and the environment cube once shared unit 3: a GL error).
TEXTURE_UNITS = {
    "base_tex": 0,
    "mr_tex": 1,
    "emissive_tex": 2,
    "env_spec": 3,
    "shadow_maps": 4,
    "ao_tex": 5,
    "shadow_depth": 6,
    "normal_tex": 7,
    "occlusion_tex": 8,
    "behind_tex": 9,
    "sky_maps": 10,
    "sky_raw": 11,
}


class Program:
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
                validate=False,
            )
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

    def texture(self, sampler: str, target, texture: int, sampler_object: int = 0) -> None:
        """Bind ``texture`` (0: none) to ``sampler``'s unit in :data:`TEXTURE_UNITS` (with a
        sampler object overriding its parameters) and point the uniform at it; leaves
        unit 0 active."""
        gl, unit = self.gl, TEXTURE_UNITS[sampler]
        gl.glActiveTexture(gl.GL_TEXTURE0 + unit)
        gl.glBindTexture(target, texture or 0)
        if sampler_object:  # whoever binds one unbinds it (units without one never get one)
            gl.glBindSampler(unit, sampler_object)
        self.i(sampler, unit)
        gl.glActiveTexture(gl.GL_TEXTURE0)

    def iv(self, name, v, count):
        if count:
            self.gl.glUniform1iv(self.loc(name), count, np.asarray(v, np.int32))

    def u(self, name, v):
        self.gl.glUniform1ui(self.loc(name), int(v))


class Programs:
    """Shader programs compiled on first use, one per (pass kind, vertex layout, features)."""

    def __init__(self, gl, max_lights: int, max_shadows: int):
        self.gl = gl
        self._max = {"MAX_LIGHTS": max_lights, "MAX_SHADOWS": max_shadows}
        self._programs: dict = {}

    def get(self, kind: str, layout: tuple, features: tuple = ()) -> Program:
        key = (kind, layout, features)
        prog = self._programs.get(key)
        if prog is None:
            from .shaders import COLOUR_FRAGMENT, DEPTH_FRAGMENT, ID_FRAGMENT, VERTEX

            normal, tex, color, inst, tangent = layout
            defines = {"INST_LOC": inst, **self._max}
            if tangent is not None:
                defines["TANGENT_LOC"] = tangent
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
            prog = Program(self.gl, VERTEX, frag, defines)
            self._programs[key] = prog
        return prog

    def close(self) -> None:
        for p in self._programs.values():
            self.gl.glDeleteProgram(p.id)
        self._programs = {}


def upload_texture(
    gl, rgba: np.ndarray, srgb: bool, clamp: bool = False, anisotropy: float = 1.0
) -> int:
    """A mipmapped 2D texture of (H, W, 4) uint8 pixels (row 0 = the image's top)."""
    tex = gl.glGenTextures(1)
    gl.glBindTexture(gl.GL_TEXTURE_2D, tex)
    gl.glPixelStorei(gl.GL_UNPACK_ALIGNMENT, 1)
    h, w = rgba.shape[:2]
    data = np.ascontiguousarray(rgba[::-1])  # bottom row first: v = 0 is the image bottom
    gl.glTexImage2D(
        gl.GL_TEXTURE_2D,
        0,
        gl.GL_SRGB8_ALPHA8 if srgb else gl.GL_RGBA8,
        w,
        h,
        0,
        gl.GL_RGBA,
        gl.GL_UNSIGNED_BYTE,
        data,
    )
    gl.glGenerateMipmap(gl.GL_TEXTURE_2D)
    gl.glTexParameteri(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_MIN_FILTER, gl.GL_LINEAR_MIPMAP_LINEAR)
    gl.glTexParameteri(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_MAG_FILTER, gl.GL_LINEAR)
    wrap = gl.GL_CLAMP_TO_EDGE if clamp else gl.GL_REPEAT
    gl.glTexParameteri(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_WRAP_S, wrap)
    gl.glTexParameteri(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_WRAP_T, wrap)
    if anisotropy > 1:  # core in GL 4.6, an extension before
        gl.glTexParameterf(gl.GL_TEXTURE_2D, 0x84FE, anisotropy)
    gl.glBindTexture(gl.GL_TEXTURE_2D, 0)
    return int(tex)


class Targets:
    """The frame's render targets, remade when the image size changes.

    ``colour_ms``: multisampled RGBA16F colour + depth; ``colour``: its single-sample resolve;
    ``ids``: R32UI instance ids, R32F depth along the optical axis, RGBA16F normals + depth.
    """

    def __init__(self, gl, msaa: int):
        self.gl = gl
        self.msaa = int(msaa)
        self.size = None
        self._fbos: dict = {}
        self.textures: dict = {}  # name → texture id of the attachments that are textures

    def fbo(self, name: str) -> int:
        return self._fbos[name][0]

    def resize(self, width: int, height: int) -> None:
        if self.size == (width, height):
            return
        gl = self.gl
        check_size(gl, width, height, self.msaa)  # one line instead of a raw FBO error
        self.close()

        def rb(fmt, samples=0):
            r = gl.glGenRenderbuffers(1)
            gl.glBindRenderbuffer(gl.GL_RENDERBUFFER, r)
            if samples:
                gl.glRenderbufferStorageMultisample(gl.GL_RENDERBUFFER, samples, fmt, width, height)
            else:
                gl.glRenderbufferStorage(gl.GL_RENDERBUFFER, fmt, width, height)
            return int(r)

        def tex(fmt, name):
            # A texture instead of a renderbuffer: later passes (ambient occlusion) sample it.
            t = int(gl.glGenTextures(1))
            gl.glBindTexture(gl.GL_TEXTURE_2D, t)
            gl.glTexImage2D(
                gl.GL_TEXTURE_2D, 0, fmt, width, height, 0, gl.GL_RED, gl.GL_FLOAT, None
            )
            for k in (gl.GL_TEXTURE_MIN_FILTER, gl.GL_TEXTURE_MAG_FILTER):
                gl.glTexParameteri(gl.GL_TEXTURE_2D, k, gl.GL_NEAREST)
            gl.glBindTexture(gl.GL_TEXTURE_2D, 0)
            self.textures[name] = t
            return ("tex", t)

        def fbo(name, colours, depth):
            fb = gl.glGenFramebuffers(1)
            gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, fb)
            for i, c in enumerate(colours):
                if isinstance(c, tuple):
                    gl.glFramebufferTexture2D(
                        gl.GL_FRAMEBUFFER, gl.GL_COLOR_ATTACHMENT0 + i, gl.GL_TEXTURE_2D, c[1], 0
                    )
                    continue
                gl.glFramebufferRenderbuffer(
                    gl.GL_FRAMEBUFFER, gl.GL_COLOR_ATTACHMENT0 + i, gl.GL_RENDERBUFFER, c
                )
            if depth is not None:
                gl.glFramebufferRenderbuffer(
                    gl.GL_FRAMEBUFFER, gl.GL_DEPTH_ATTACHMENT, gl.GL_RENDERBUFFER, depth
                )
            status = gl.glCheckFramebufferStatus(gl.GL_FRAMEBUFFER)
            if status != gl.GL_FRAMEBUFFER_COMPLETE:
                raise RenderError("GL", f"framebuffer '{name}' incomplete (status {status:#x})")
            self._fbos[name] = (
                int(fb),
                [c for c in colours if not isinstance(c, tuple)]
                + ([depth] if depth is not None else []),
            )

        # Half floats: 11-bit mantissas keep 8-bit sRGB texels exact through the linear pipeline
        # (the nearest decision boundary is > 10× farther than the rounding error) and reach 65504.
        fbo("colour_ms", [rb(gl.GL_RGBA16F, self.msaa)], rb(gl.GL_DEPTH_COMPONENT24, self.msaa))
        fbo("colour", [rb(gl.GL_RGBA16F)], None)
        fbo(
            "ids",
            [rb(gl.GL_R32UI), tex(gl.GL_R32F, "depth_z"), rb(gl.GL_RGBA16F)],
            rb(gl.GL_DEPTH_COMPONENT32F),
        )
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)
        self.size = (width, height)

    def behind(self) -> tuple[int, int]:
        """``(framebuffer, texture)`` of the single-sample RGBA16F copy of the colour pass that
        transmissive materials sample (made on first use, so frames without them never pay)."""
        if "behind" not in self._fbos:
            gl = self.gl
            width, height = self.size
            t = int(gl.glGenTextures(1))
            gl.glBindTexture(gl.GL_TEXTURE_2D, t)
            gl.glTexImage2D(
                gl.GL_TEXTURE_2D, 0, gl.GL_RGBA16F, width, height, 0, gl.GL_RGBA, gl.GL_FLOAT, None
            )
            for k in (gl.GL_TEXTURE_MIN_FILTER, gl.GL_TEXTURE_MAG_FILTER):
                gl.glTexParameteri(gl.GL_TEXTURE_2D, k, gl.GL_LINEAR)
            for k in (gl.GL_TEXTURE_WRAP_S, gl.GL_TEXTURE_WRAP_T):
                gl.glTexParameteri(gl.GL_TEXTURE_2D, k, gl.GL_CLAMP_TO_EDGE)
            gl.glBindTexture(gl.GL_TEXTURE_2D, 0)
            self.textures["behind"] = t
            fb = int(gl.glGenFramebuffers(1))
            gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, fb)
            gl.glFramebufferTexture2D(
                gl.GL_FRAMEBUFFER, gl.GL_COLOR_ATTACHMENT0, gl.GL_TEXTURE_2D, t, 0
            )
            status = gl.glCheckFramebufferStatus(gl.GL_FRAMEBUFFER)
            if status != gl.GL_FRAMEBUFFER_COMPLETE:
                raise RenderError("GL", f"framebuffer 'behind' incomplete (status {status:#x})")
            self._fbos["behind"] = (fb, [])
        return self._fbos["behind"][0], self.textures["behind"]

    def close(self) -> None:
        for fb, rbs in self._fbos.values():
            self.gl.glDeleteFramebuffers(1, [fb])
            if rbs:
                self.gl.glDeleteRenderbuffers(len(rbs), rbs)
        for t in self.textures.values():
            self.gl.glDeleteTextures(1, [t])
        self._fbos = {}
        self.textures = {}
        self.size = None


def read_pixels(gl, x: int, y: int, w: int, h: int, fmt, dtype, channels: int = 1) -> np.ndarray:
    """``glReadPixels`` of the bound read buffer as an (h, w[, channels]) array (a view)."""
    gl_type = {np.uint32: gl.GL_UNSIGNED_INT, np.float32: gl.GL_FLOAT}[dtype]
    data = np.frombuffer(gl.glReadPixels(x, y, w, h, fmt, gl_type), dtype)
    return data.reshape((h, w, channels) if channels > 1 else (h, w))
