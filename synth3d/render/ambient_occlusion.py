"""Screen-space ambient occlusion of the indirect (HDRI / ambient) light: GTAO.

Ground-truth ambient occlusion (Jimenez et al. 2016, "Practical Real-Time Strategies for Accurate
Indirect Occlusion") on the id pass's depth buffer (z along the optical axis, metres): for a few
screen-space slices through each pixel it finds the horizon on both sides within ``radius_m``
metres and integrates the cosine-weighted visible arc analytically. Normals come from the depth
buffer (the smaller of the two one-sided differences on each axis, so object edges do not bend
them). The result is the *fraction* of the unoccluded cosine-weighted integral, so an open plane
gets exactly 1 (samples closer than a small tangent bias to the pixel's own plane never occlude).

Cost control for software rasterisers: AO is computed at half resolution (2 × 2 pixels per AO
texel), 2 slices × 2 sides × 4 steps, with the slice angle and step offsets jittered on a 4 × 4
pattern that a depth-aware 4 × 4 blur then averages out. The colour pass reads the blurred AO
bilinearly at each pixel and multiplies the ambient diffuse (SH) term by it and the ambient
specular term by Lagarde's specular occlusion; the shadow catcher's ambient share too, so the
HDRI's own ground darkens near objects.
"""

from __future__ import annotations

import numpy as np

from .sky_shadows import SKY_GLSL, bind_sky, unbind_sky

FULLSCREEN_VERTEX = """
void main() {
    // One triangle that covers the viewport.
    vec2 p = vec2((gl_VertexID << 1) & 2, gl_VertexID & 2);
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
"""

GTAO_FRAGMENT = """
uniform sampler2D depth_tex;   // full-resolution z along the optical axis (m), 0 = nothing
uniform vec4 intr;             // fx, fy, cx, cy (full-resolution pixels, OpenCV)
uniform ivec2 full_size;
uniform float radius;          // metres
uniform float max_radius_px;
layout(location = 0) out float ao_out;
const float PI = 3.14159265358979;

vec3 view_pos(ivec2 p, float z) {
    return vec3((float(p.x) - intr.z) / intr.x * z, (float(p.y) - intr.w) / intr.y * z, z);
}

float depth_at(ivec2 p) {
    return texelFetch(depth_tex, clamp(p, ivec2(0), full_size - 1), 0).r;
}

float horizon_ao(ivec2 q, ivec2 p, float z, vec3 P, vec3 N, vec3 Vv);
#ifdef N_SKY
SKY_GLSL
#endif

void main() {
    ivec2 q = ivec2(gl_FragCoord.xy);
    ivec2 p = min(q * 2, full_size - 1);
    float z = depth_at(p);
    if (z <= 0.0) { ao_out = 1.0; return; }
    vec3 P = view_pos(p, z);
    // Normal from depth: on each axis the one-sided difference with the smaller depth step.
    float zr = depth_at(p + ivec2(1, 0)), zl = depth_at(p - ivec2(1, 0));
    float zd = depth_at(p + ivec2(0, 1)), zu = depth_at(p - ivec2(0, 1));
    bool use_r = zr > 0.0 && (zl <= 0.0 || abs(zr - z) < abs(z - zl));
    bool use_d = zd > 0.0 && (zu <= 0.0 || abs(zd - z) < abs(z - zu));
    vec3 dx = use_r ? view_pos(p + ivec2(1, 0), zr) - P : P - view_pos(p - ivec2(1, 0), zl);
    vec3 dy = use_d ? view_pos(p + ivec2(0, 1), zd) - P : P - view_pos(p - ivec2(0, 1), zu);
    vec3 Vv = normalize(-P);
    vec3 N = normalize(cross(dx, dy));
    if (dot(N, Vv) < 0.0) N = -N;
    float ao = horizon_ao(q, p, z, P, N, Vv);
#ifdef N_SKY
    ao = min(ao, sky_visibility(P, N, q));
#endif
    ao_out = ao;
}

// GTAO proper: the cosine-weighted visible share of the hemisphere within `radius` metres.
float horizon_ao(ivec2 q, ivec2 p, float z, vec3 P, vec3 N, vec3 Vv) {
    float r_px = min(radius * intr.x / z, max_radius_px);
    if (r_px < 1.5) return 1.0;
    // 4 x 4 ordered jitter, averaged out by the blur.
    int b = (q.x & 3) * 4 + (q.y & 3);
    const float bayer[16] = float[16](0.0, 8.0, 2.0, 10.0, 12.0, 4.0, 14.0, 6.0,
                                      3.0, 11.0, 1.0, 9.0, 15.0, 7.0, 13.0, 5.0);
    float jitter = (bayer[b] + 0.5) / 16.0;
    float step_jitter = fract(jitter * 2.618 + 0.31);
    float vis = 0.0, vis_open = 0.0;
    for (int s = 0; s < SLICES; ++s) {
        float phi = (float(s) + jitter) * PI / float(SLICES);
        vec2 dir = vec2(cos(phi), sin(phi));
        vec3 dir3 = vec3(dir, 0.0);
        vec3 ortho = normalize(dir3 - dot(dir3, Vv) * Vv);
        vec3 axis = normalize(cross(ortho, Vv));
        vec3 projN = N - axis * dot(N, axis);
        float lenN = length(projN);
        if (lenN < 1e-4) continue;
        float cosn = clamp(dot(projN, Vv) / lenN, -1.0, 1.0);
        float n = sign(dot(ortho, projN)) * acos(cosn);
        float low0 = cos(n + 0.5 * PI), low1 = cos(n - 0.5 * PI);
        float hc0 = low0, hc1 = low1;
        for (int k = 0; k < STEPS; ++k) {
            float t = (float(k) + step_jitter) / float(STEPS);
            vec2 off = dir * max(t * r_px, float(k) + 1.0);
            for (int side = 0; side < 2; ++side) {
                ivec2 sp = ivec2(floor(vec2(p) + (side == 0 ? off : -off) + 0.5));
                if (any(lessThan(sp, ivec2(0))) || any(greaterThanEqual(sp, full_size))) continue;
                float sz = depth_at(sp);
                if (sz <= 0.0) continue;
                vec3 d = view_pos(sp, sz) - P;
                float len = length(d);
                // Tangent bias: points (nearly) on this pixel's own plane never occlude it.
                if (dot(N, d) < 0.02 * len + 0.0005) continue;
                float w = clamp((radius - len) / (0.15 * radius), 0.0, 1.0);
                float c = dot(d / len, Vv);
                if (side == 0) hc0 = max(hc0, mix(low0, c, w));
                else hc1 = max(hc1, mix(low1, c, w));
            }
        }
        float h0 = -acos(clamp(hc1, -1.0, 1.0));
        float h1 = acos(clamp(hc0, -1.0, 1.0));
        h0 = n + clamp(h0 - n, -0.5 * PI, 0.5 * PI);
        h1 = n + clamp(h1 - n, -0.5 * PI, 0.5 * PI);
        float sn = sin(n);
        float a = 0.25 * (cosn + 2.0 * h0 * sn - cos(2.0 * h0 - n))
                + 0.25 * (cosn + 2.0 * h1 * sn - cos(2.0 * h1 - n));
        vis += lenN * a;
        vis_open += lenN * (cosn + n * sn);  // the same slice with nothing above the plane
    }
    return vis_open > 0.0 ? clamp(vis / vis_open, 0.0, 1.0) : 1.0;
}
"""

BLUR_FRAGMENT = """
uniform sampler2D ao_raw;      // bilinear
uniform sampler2D depth_tex;
uniform ivec2 full_size;
uniform ivec2 ao_size;
layout(location = 0) out float ao_out;

void main() {
    ivec2 q = ivec2(gl_FragCoord.xy);
    float zc = texelFetch(depth_tex, min(q * 2, full_size - 1), 0).r;
    float sum = 0.0, wsum = 0.0;
    // A 4 × 4 box as four bilinear taps, each the mean of a 2 × 2 quad, weighted by how close
    // the quad's depth is to this texel's (a 5 % depth jump barely counts): the 4 × 4 jitter of
    // the AO pass averages out and the blur does not cross object edges.
    for (int j = -1; j <= 1; j += 2)
        for (int i = -1; i <= 1; i += 2) {
            ivec2 e = q + ivec2(i, j);  // the corner shared by the quad's four texels
            float zt = texelFetch(depth_tex, clamp(e * 2 - 1, ivec2(0), full_size - 1), 0).r;
            float w = zc > 0.0 ? exp(-abs(zt - zc) / (0.05 * zc)) : 1.0;
            sum += w * texture(ao_raw, vec2(e) / vec2(ao_size)).r;
            wsum += w;
        }
    ao_out = sum / max(wsum, 1e-6);
}
"""

SLICES = 2
STEPS = 4


class AmbientOcclusion:
    """Half-resolution GTAO + blur into a texture the colour pass samples (``run``)."""

    def __init__(self, gl):
        from .gl_resources import Program

        self.gl = gl
        self._programs: dict[int, object] = {}  # GTAO (+ sky shadows of N cells) by N
        self.blur = Program(gl, FULLSCREEN_VERTEX, BLUR_FRAGMENT, {})
        self.vao = int(gl.glGenVertexArrays(1))
        self.size = None
        self.tex = [0, 0]
        self.fbo = [0, 0]

    def _resize(self, w: int, h: int) -> None:
        if self.size == (w, h):
            return
        gl = self.gl
        self._free()
        for k in range(2):
            t = int(gl.glGenTextures(1))
            gl.glBindTexture(gl.GL_TEXTURE_2D, t)
            gl.glTexImage2D(gl.GL_TEXTURE_2D, 0, gl.GL_R16F, w, h, 0, gl.GL_RED, gl.GL_FLOAT, None)
            filt = gl.GL_LINEAR  # the blur and the colour pass read them bilinearly
            gl.glTexParameteri(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_MIN_FILTER, filt)
            gl.glTexParameteri(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_MAG_FILTER, filt)
            gl.glTexParameteri(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_WRAP_S, gl.GL_CLAMP_TO_EDGE)
            gl.glTexParameteri(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_WRAP_T, gl.GL_CLAMP_TO_EDGE)
            fb = int(gl.glGenFramebuffers(1))
            gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, fb)
            gl.glFramebufferTexture2D(
                gl.GL_FRAMEBUFFER, gl.GL_COLOR_ATTACHMENT0, gl.GL_TEXTURE_2D, t, 0
            )
            self.tex[k], self.fbo[k] = t, fb
        gl.glBindTexture(gl.GL_TEXTURE_2D, 0)
        self.size = (w, h)

    def _gtao(self, n_sky: int):
        prog = self._programs.get(n_sky)
        if prog is None:
            from .gl_resources import Program

            defines = {"SLICES": SLICES, "STEPS": STEPS}
            if n_sky:
                defines["N_SKY"] = n_sky
            source = GTAO_FRAGMENT.replace("SKY_GLSL", SKY_GLSL if n_sky else "")
            prog = self._programs[n_sky] = Program(self.gl, FULLSCREEN_VERTEX, source, defines)
        return prog

    def run(
        self,
        depth_tex: int,
        K: np.ndarray,
        W: int,
        H: int,
        radius_m: float,
        sky: dict | None = None,
        T_wc: np.ndarray | None = None,
    ) -> int:
        """AO of the depth texture (W × H) → the blurred half-resolution AO texture's id; with
        ``sky`` (:class:`synth3d.render.sky_shadows.SkyShadows`' record) the sky's visibility too,
        min(GTAO, sky). Leaves the viewport at the AO size and no framebuffer bound."""
        gl = self.gl
        w, h = (W + 1) // 2, (H + 1) // 2
        self._resize(w, h)
        p = self._gtao(sky["n"] if sky else 0)  # compiled first: compiling unbinds the VAO
        gl.glDisable(gl.GL_DEPTH_TEST)
        gl.glDisable(gl.GL_BLEND)
        gl.glDisable(gl.GL_MULTISAMPLE)
        gl.glViewport(0, 0, w, h)
        gl.glBindVertexArray(self.vao)
        gl.glActiveTexture(gl.GL_TEXTURE0)
        gl.glBindTexture(gl.GL_TEXTURE_2D, depth_tex)
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self.fbo[0])
        gl.glDrawBuffers(1, [gl.GL_COLOR_ATTACHMENT0])
        gl.glUseProgram(p.id)
        if sky:
            bind_sky(p, sky, T_wc)
        p.i("depth_tex", 0)
        gl.glUniform4f(
            p.loc("intr"), float(K[0, 0]), float(K[1, 1]), float(K[0, 2]), float(K[1, 2])
        )
        gl.glUniform2i(p.loc("full_size"), W, H)
        p.f("radius", float(radius_m))
        p.f("max_radius_px", 0.2 * max(W, H))
        gl.glDrawArrays(gl.GL_TRIANGLES, 0, 3)
        if sky:
            unbind_sky(gl)
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self.fbo[1])
        b = self.blur
        gl.glUseProgram(b.id)
        gl.glActiveTexture(gl.GL_TEXTURE1)
        gl.glBindTexture(gl.GL_TEXTURE_2D, self.tex[0])
        b.i("ao_raw", 1)
        b.i("depth_tex", 0)
        gl.glUniform2i(b.loc("full_size"), W, H)
        gl.glUniform2i(b.loc("ao_size"), w, h)
        gl.glDrawArrays(gl.GL_TRIANGLES, 0, 3)
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)
        gl.glBindTexture(gl.GL_TEXTURE_2D, 0)
        gl.glActiveTexture(gl.GL_TEXTURE0)
        gl.glBindTexture(gl.GL_TEXTURE_2D, 0)
        gl.glUseProgram(0)
        return self.tex[1]

    def read(self) -> np.ndarray:
        """The last blurred AO as (h, w) float32 (for tests and debugging)."""
        gl = self.gl
        from .gl_resources import read_pixels

        gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, self.fbo[1])
        gl.glReadBuffer(gl.GL_COLOR_ATTACHMENT0)
        out = read_pixels(gl, 0, 0, self.size[0], self.size[1], gl.GL_RED, np.float32).copy()
        gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, 0)
        return out

    def _free(self) -> None:
        gl = self.gl
        for k in range(2):
            if self.fbo[k]:
                gl.glDeleteFramebuffers(1, [self.fbo[k]])
                gl.glDeleteTextures(1, [self.tex[k]])
        self.tex, self.fbo, self.size = [0, 0], [0, 0], None

    def close(self) -> None:
        self._free()
        for prog in self._programs.values():
            self.gl.glDeleteProgram(prog.id)
        self.gl.glDeleteProgram(self.blur.id)
        self.gl.glDeleteVertexArrays(1, [self.vao])
