"""Shadow maps for directional and spot lights: one depth layer per shadow-casting light, fitted
around the casters, with normal-offset bias and 4-tap PCF in the colour shader."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..template.schema import MAX_SHADOWS

# Clip space [-1, 1] → texture space [0, 1].
_BIAS = np.array([[0.5, 0, 0, 0.5], [0, 0.5, 0, 0.5], [0, 0, 0.5, 0.5], [0, 0, 0, 1]])


class ShadowMaps:
    """A depth texture array of ``MAX_SHADOWS`` layers and the framebuffer that renders into it.

    Parameters
    ----------
    gl : OpenGL.GL module
    size : int
        Texels per side of each layer.
    """

    def __init__(self, gl, size: int):
        self.gl = gl
        self.size = size
        self.texture, self.framebuffer, self.raw_sampler = depth_array(gl, size, MAX_SHADOWS)

    def render(self, items: list, lights: dict, draw: Callable, new_view: Callable) -> None:
        """Render a depth map for every shadow-casting directional and spot light; records their
        matrices and layer indices in ``lights`` (``shadows``, ``shadow_maps``).

        ``draw(item, part, V, P)`` draws one part with the depth program; ``new_view()`` tells
        the programs that V and P changed."""
        gl = self.gl
        casters = [it for it in items if it.obj_id]
        maps, index = [], {}
        jobs = [
            ("dir", i, d) for i, (d, c) in enumerate(zip(lights["dirs"], lights["dir_cast"])) if c
        ]
        jobs += [
            ("spot", i, s)
            for i, (s, c) in enumerate(zip(lights["spots"], lights["spot_cast"]))
            if c
        ]
        if not jobs or not casters:
            lights["shadows"], lights["shadow_maps"] = {}, []
            return
        pts = np.vstack([item_corners(it) for it in casters])
        S = self.size
        begin_depth_pass(gl, self.framebuffer, S)
        for layer, (kind, i, light) in enumerate(jobs):
            soft = search = 0.0
            if kind == "dir":
                Vl, Pl, offset, bias = directional_shadow(np.asarray(light[0], float), pts, S)
                origin, persp = np.zeros(3), 0
                tan_r = lights.get("dir_soft", [0.0] * (i + 1))[i]
                if tan_r > 0:
                    # Penumbra width (texels) per unit of shadow-map depth between blocker and
                    # receiver: depth range (m) × tan(angular radius) / texel (m); the
                    # blocker search looks as far as a blocker 0.3 m above the receiver reaches.
                    soft, search = penumbra_scale(offset, bias, tan_r, 0.3, 24.0)
            else:
                pos, direction, _, cone = light
                Vl, Pl, offset, bias = spot_shadow(
                    np.asarray(pos, float), np.asarray(direction, float), cone, pts, S
                )
                origin, persp = np.asarray(pos, float), 1
            depth_layer(gl, self.texture, layer, casters, draw, Vl, Pl, new_view)
            maps.append(
                {
                    "mat": _BIAS @ Pl @ Vl,
                    "offset": offset,
                    "bias": bias,
                    "persp": persp,
                    "origin": origin,
                    "soft": soft,
                    "search": search,
                }
            )
            index[(kind, i)] = layer
        new_view()
        lights["shadows"], lights["shadow_maps"] = index, maps

    def bind(self, prog, lights: dict) -> None:
        """Upload which light uses which layer, the layers' matrices, and the texture array."""
        gl = self.gl
        sh = lights.get("shadows") or {}
        dir_idx = [sh.get(("dir", i), -1) for i in range(len(lights["dirs"]))]
        spot_idx = [sh.get(("spot", i), -1) for i in range(len(lights["spots"]))]
        prog.iv("dir_shadow", dir_idx, len(dir_idx))
        prog.iv("spot_shadow", spot_idx, len(spot_idx))
        maps = lights.get("shadow_maps") or []
        if maps:
            gl.glUniformMatrix4fv(
                prog.loc("shadow_mat"),
                len(maps),
                True,
                np.asarray([m["mat"] for m in maps], np.float32),
            )
            prog.fv("shadow_offset", [m["offset"] for m in maps], len(maps))
            prog.fv("shadow_bias", [m["bias"] for m in maps], len(maps))
            prog.iv("shadow_persp", [m["persp"] for m in maps], len(maps))
            prog.vec3("shadow_origin", [m["origin"] for m in maps], len(maps))
            prog.f("shadow_texel", 1.0 / self.size)
            if any(m["soft"] > 0 for m in maps):
                prog.fv("shadow_soft", [m["soft"] for m in maps], len(maps))
                prog.fv("shadow_search", [m["search"] for m in maps], len(maps))
                prog.texture("shadow_depth", gl.GL_TEXTURE_2D_ARRAY, self.texture, self.raw_sampler)
        prog.texture("shadow_maps", gl.GL_TEXTURE_2D_ARRAY, self.texture)

    def close(self) -> None:
        self.gl.glDeleteSamplers(1, [self.raw_sampler])
        self.gl.glDeleteTextures(1, [self.texture])
        self.gl.glDeleteFramebuffers(1, [self.framebuffer])


def depth_array(gl, size: int, layers: int) -> tuple[int, int, int]:
    """A ``layers``-deep array of ``size``² float depth textures compared on look-up (PCF), a
    framebuffer to render into its layers, and a sampler that reads the same texels raw (for
    blocker searches)."""
    tex = gl.glGenTextures(1)
    gl.glBindTexture(gl.GL_TEXTURE_2D_ARRAY, tex)
    gl.glTexImage3D(
        gl.GL_TEXTURE_2D_ARRAY,
        0,
        gl.GL_DEPTH_COMPONENT32F,
        size,
        size,
        layers,
        0,
        gl.GL_DEPTH_COMPONENT,
        gl.GL_FLOAT,
        None,
    )
    edges = (
        (gl.GL_TEXTURE_WRAP_S, gl.GL_CLAMP_TO_EDGE),
        (gl.GL_TEXTURE_WRAP_T, gl.GL_CLAMP_TO_EDGE),
    )
    for p, v in (
        (gl.GL_TEXTURE_MIN_FILTER, gl.GL_LINEAR),
        (gl.GL_TEXTURE_MAG_FILTER, gl.GL_LINEAR),
        *edges,
        (gl.GL_TEXTURE_COMPARE_MODE, gl.GL_COMPARE_REF_TO_TEXTURE),
        (gl.GL_TEXTURE_COMPARE_FUNC, gl.GL_LEQUAL),
    ):
        gl.glTexParameteri(gl.GL_TEXTURE_2D_ARRAY, p, v)
    gl.glBindTexture(gl.GL_TEXTURE_2D_ARRAY, 0)
    raw = int(gl.glGenSamplers(1))
    for p, v in (
        (gl.GL_TEXTURE_COMPARE_MODE, gl.GL_NONE),
        (gl.GL_TEXTURE_MIN_FILTER, gl.GL_NEAREST),
        (gl.GL_TEXTURE_MAG_FILTER, gl.GL_NEAREST),
        *edges,
    ):
        gl.glSamplerParameteri(raw, p, v)
    return int(tex), int(gl.glGenFramebuffers(1)), raw


def begin_depth_pass(gl, framebuffer: int, size: int) -> None:
    """Bind a depth-only framebuffer and the state its layers are rendered with."""
    gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, framebuffer)
    gl.glDrawBuffer(gl.GL_NONE)
    gl.glReadBuffer(gl.GL_NONE)
    gl.glViewport(0, 0, size, size)
    gl.glDisable(gl.GL_BLEND)
    gl.glDisable(gl.GL_CULL_FACE)
    gl.glEnable(gl.GL_DEPTH_TEST)
    gl.glDepthFunc(gl.GL_LESS)
    gl.glDepthMask(gl.GL_TRUE)


def depth_layer(gl, texture: int, layer: int, casters, draw, V, P, new_view) -> None:
    """Render the casters' depth into one layer of ``texture`` seen through V and P."""
    gl.glFramebufferTextureLayer(gl.GL_FRAMEBUFFER, gl.GL_DEPTH_ATTACHMENT, texture, 0, layer)
    gl.glClear(gl.GL_DEPTH_BUFFER_BIT)
    new_view()
    for it in casters:
        for part in it.parts:
            draw(it, part, V, P)


def penumbra_scale(
    offset: float, bias: float, tan_r: float, reach_m: float, max_search: float
) -> tuple[float, float]:
    """For a light of angular radius atan(``tan_r``) and a map from :func:`directional_shadow`
    (``offset`` = 1.5 texels, ``bias`` = 1.5 texels / depth range): the penumbra in texels per
    unit of map depth between blocker and receiver (depth range × tan_r / texel), and the blocker
    search radius in texels that reaches blockers ``reach_m`` above a receiver."""
    texel_m = offset / 1.5
    search = float(np.clip(reach_m * tan_r / texel_m, 1.0, max_search))
    return 1.5 / bias * tan_r, search


def item_corners(it) -> np.ndarray:
    """(8·parts, 3) world corners of an item's bounding boxes (shadow frustum fitting)."""
    out = []
    for p in it.parts:
        lo, hi = p.primitive.positions.min(0), p.primitive.positions.max(0)
        c = np.array(
            [[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])],
            float,
        )
        out.append(c @ it.M[:3, :3].T + it.M[:3, 3])
    return np.vstack(out)


def look(eye: np.ndarray, forward: np.ndarray) -> np.ndarray:
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


def directional_shadow(L: np.ndarray, pts: np.ndarray, size: int):
    """View and orthographic projection of a directional light fitted around the casters
    (receivers beyond them along the light keep their depth range), plus the normal offset
    (world units) and depth bias that avoid acne without peter-panning."""
    centre = (pts.min(0) + pts.max(0)) / 2
    radius = float(np.linalg.norm(pts.max(0) - pts.min(0))) / 2 + 1e-3
    V = look(centre + L / np.linalg.norm(L) * 2 * radius, -L)
    q = pts @ V[:3, :3].T + V[:3, 3]
    lo, hi = q.min(0), q.max(0)
    pad = 0.02 * (hi[:2] - lo[:2]).max() + 1e-3
    l, r, b, t = lo[0] - pad, hi[0] + pad, lo[1] - pad, hi[1] + pad
    n = max(-hi[2] - radius * 0.1, 1e-3)
    f = -lo[2] + 4 * radius + 5.0
    P = np.array(
        [
            [2 / (r - l), 0, 0, -(r + l) / (r - l)],
            [0, 2 / (t - b), 0, -(t + b) / (t - b)],
            [0, 0, -2 / (f - n), -(f + n) / (f - n)],
            [0, 0, 0, 1.0],
        ]
    )
    texel = max(r - l, t - b) / size
    return V, P, 1.5 * texel, 1.5 * texel / (f - n)


def spot_shadow(
    pos: np.ndarray, direction: np.ndarray, cone_deg: float, pts: np.ndarray, size: int
):
    """View and perspective projection of a spot light; the normal offset is per metre of
    distance from the light."""
    V = look(pos, direction)
    fov = np.radians(min(2 * cone_deg + 4.0, 170.0))
    q = pts @ V[:3, :3].T + V[:3, 3]
    far = max(3.0 * float(np.abs(q).max()), 1.0)  # casters and the ground behind them
    near = 0.02
    fy = 1.0 / np.tan(fov / 2)
    P = np.array(
        [
            [fy, 0, 0, 0],
            [0, fy, 0, 0],
            [0, 0, -(far + near) / (far - near), -2 * far * near / (far - near)],
            [0, 0, -1.0, 0],
        ]
    )
    texel_per_m = 2 * np.tan(fov / 2) / size
    return V, P, 1.5 * texel_per_m, 2e-5
