"""Sky shadows: occlusion of the HDRI's sky by the objects, from shadow maps of the sky itself.

Screen-space AO only sees what the camera sees within a small radius; it cannot tell that a
tray's walls hide the low, bright part of a sunset sky from everything inside the tray, nor that
an object hides the sky from the floor behind it. Here the sky (the map with its sun taken out) is
split into a fixed set of cells (:func:`synth3d.envmap.sky_directions`: 8, 16 or 32), each a
directional light at the cell's radiance-weighted mean direction with the cell's luminous
weight. Every cell gets a depth map of the shadow casters (the frame's objects), fitted around
them like the sun's. The colour shader then takes, for each fragment's normal N, the
cosine- and radiance-weighted share of the cells it can see,

    vis = (Σ w_i · max(N·d_i, 0) · visible_i + g) / (Σ w_i · max(N·d_i, 0) + g),

where g is the light from below the horizon (never hidden by a caster). A cell is an area light,
not a point: each look-up is a percentage-closer soft shadow whose penumbra grows with the
cell's angular radius and the distance to the blocker (a blocker search of two gathers, two
comparison taps), rotated per pixel on a 4 × 4 pattern. It runs in the half-resolution AO pass
(:mod:`synth3d.render.ambient_occlusion`), whose depth-aware blur averages the pattern, and is
combined there with GTAO as min(GTAO, vis) — contacts are not darkened twice — so the colour
pass darkens the ambient (SH) light and the shadow catcher's sky share by it.
"""

from __future__ import annotations

import numpy as np

from .gl_resources import TEXTURE_UNITS
from .shadows import (
    _BIAS,
    begin_depth_pass,
    depth_array,
    depth_layer,
    directional_shadow,
    item_corners,
    penumbra_scale,
)

MAX_SKY_DIRECTIONS = 32
BLOCKER_HEIGHT_M = 0.15  # the blocker search reaches blockers this far above a receiver

SKY_GLSL = """
uniform sampler2DArrayShadow sky_maps;
uniform sampler2DArray sky_raw;
uniform mat4 sky_mat[N_SKY];
uniform vec3 sky_dir[N_SKY];
uniform float sky_w[N_SKY];
uniform float sky_offset[N_SKY];   // normal offset (m)
uniform float sky_bias[N_SKY];     // depth bias (map depth units)
uniform float sky_pen[N_SKY];      // penumbra texels per unit of map depth
uniform float sky_search[N_SKY];   // blocker search radius (texels)
uniform float sky_ground;          // light from below the horizon (never hidden)
uniform float sky_texel;           // 1 / map size
uniform mat4 cam_to_world;         // OpenCV camera frame -> world

float sky_visibility(vec3 P, vec3 N, ivec2 q) {
    vec3 Pw = (cam_to_world * vec4(P, 1.0)).xyz;
    vec3 Nw = normalize(mat3(cam_to_world) * N);
    int b = (q.x & 3) * 4 + (q.y & 3);
    float a = (float(b) * 0.618034 + 0.1) * 6.2831853;
    vec2 e1 = vec2(cos(a), sin(a)), e2 = vec2(-e1.y, e1.x);
    float g = sky_ground * (1.0 - Nw.z) * 0.25;
    float num = g, den = g;
    for (int i = 0; i < N_SKY; ++i) {
        float c = sky_w[i] * max(dot(Nw, sky_dir[i]), 0.0);
        if (c <= 0.0) continue;
        vec4 s = sky_mat[i] * vec4(Pw + Nw * sky_offset[i], 1.0);
        vec3 m = s.xyz / s.w;
        float vis = 1.0;
        if (m.z < 1.0 && m.x > 0.0 && m.y > 0.0 && m.x < 1.0 && m.y < 1.0) {
            float ref = m.z - sky_bias[i];
            vec2 o = e1 * (0.5 * sky_search[i] * sky_texel);
            vec4 d0 = textureGather(sky_raw, vec3(m.xy + o, float(i)));
            vec4 d1 = textureGather(sky_raw, vec3(m.xy - o, float(i)));
            vec4 b0 = vec4(lessThan(d0, vec4(ref))), b1 = vec4(lessThan(d1, vec4(ref)));
            float nb = dot(b0, vec4(1.0)) + dot(b1, vec4(1.0));
            if (nb > 0.0) {
                float blk = (dot(b0, d0) + dot(b1, d1)) / nb;
                vec2 t = e2 * (0.5 * clamp((ref - blk) * sky_pen[i], 0.5, 32.0) * sky_texel);
                vis = 0.5 * (texture(sky_maps, vec4(m.xy + t, float(i), ref))
                             + texture(sky_maps, vec4(m.xy - t, float(i), ref)));
            }
        }
        num += c * vis;
        den += c;
    }
    return den > 0.0 ? num / den : 1.0;
}
"""


class SkyShadows:
    """A depth texture array of up to ``MAX_SKY_DIRECTIONS`` layers of ``size`` texels."""

    def __init__(self, gl, size: int):
        self.gl = gl
        self.size = size
        self.texture, self.framebuffer, self.raw_sampler = depth_array(gl, size, MAX_SKY_DIRECTIONS)

    def render(self, items: list, spec, lights: dict, draw, new_view) -> None:
        """Depth maps of the casters seen from each sky cell of the frame's HDRI; records the
        cells' directions, weights and matrices in ``lights["sky"]`` (absent when nothing casts
        or the sky is black)."""
        from ..envmap import sky_directions

        env = spec.environment
        casters = [it for it in items if it.obj_id]
        if not casters:
            return
        dirs, weights, ground, solid = sky_directions(
            env.hdri, env.rotation_deg, spec.realism.sky_shadows
        )
        if weights.sum() <= 0:
            return
        # Each cell as a disc of its solid angle: tan of its angular radius.
        tan_r = np.tan(np.arccos(np.clip(1.0 - solid / (2 * np.pi), -1.0, 1.0)))
        gl = self.gl
        pts = np.vstack([item_corners(it) for it in casters])
        S = self.size
        begin_depth_pass(gl, self.framebuffer, S)
        mats, offsets, biases, pen, search = [], [], [], [], []
        for layer, d in enumerate(dirs):
            Vl, Pl, offset, bias = directional_shadow(d, pts, S)
            p, r = penumbra_scale(offset, bias, float(tan_r[layer]), BLOCKER_HEIGHT_M, 32.0)
            pen.append(p)
            search.append(r)
            depth_layer(gl, self.texture, layer, casters, draw, Vl, Pl, new_view)
            mats.append(_BIAS @ Pl @ Vl)
            offsets.append(offset)
            biases.append(bias)
        new_view()
        scale = 1.0 / float(weights.sum() + ground)  # keep the uniforms near 1
        lights["sky"] = {
            "n": len(dirs),
            "dirs": dirs,
            "weights": weights * scale,
            "ground": ground * scale,
            "mats": np.asarray(mats, np.float32),
            "offsets": offsets,
            "biases": biases,
            "pen": pen,
            "search": search,
            "texel": 1.0 / S,
            "texture": self.texture,
            "raw_sampler": self.raw_sampler,
        }

    def close(self) -> None:
        self.gl.glDeleteSamplers(1, [self.raw_sampler])
        self.gl.glDeleteTextures(1, [self.texture])
        self.gl.glDeleteFramebuffers(1, [self.framebuffer])


def bind_sky(prog, sky: dict, T_wc: np.ndarray) -> None:
    """Upload the sky cells and their depth maps to the AO program (feature N_SKY)."""
    gl = prog.gl
    n = sky["n"]
    gl.glUniformMatrix4fv(prog.loc("sky_mat"), n, True, sky["mats"])
    gl.glUniformMatrix4fv(prog.loc("cam_to_world"), 1, True, np.asarray(T_wc, np.float32))
    prog.vec3("sky_dir", sky["dirs"], n)
    prog.fv("sky_w", list(sky["weights"]), n)
    prog.fv("sky_offset", sky["offsets"], n)
    prog.fv("sky_bias", sky["biases"], n)
    prog.fv("sky_pen", sky["pen"], n)
    prog.fv("sky_search", sky["search"], n)
    prog.f("sky_ground", float(sky["ground"]))
    prog.f("sky_texel", sky["texel"])
    prog.texture("sky_maps", gl.GL_TEXTURE_2D_ARRAY, sky["texture"])
    prog.texture("sky_raw", gl.GL_TEXTURE_2D_ARRAY, sky["texture"], sky["raw_sampler"])


def unbind_sky(gl) -> None:
    gl.glBindSampler(TEXTURE_UNITS["sky_raw"], 0)
