"""GLSL sources of synth3d's two passes.

``colour``: linear HDR radiance (no clamp, no gamma) with premultiplied alpha — Lambert diffuse plus
GGX specular from directional/point/spot lights, diffuse ambient from 9 spherical-harmonic
coefficients (or a flat ambient colour) and a rough ambient specular term from the same SH.
Feature variants add tangent-space normal maps (stored or derived tangents), glTF occlusion maps
and transmission (glass: a screen-space refraction of the opaque frame drawn before).

``id``: instance id (uint) and depth along the optical axis (float, metres) at pixel centres, into a
single-sampled target, with the same alpha cut-out as the colour pass uses for its coverage.

Vertex attribute locations follow the layout pyrender gives a primitive's VAO; they are passed in as
``#define``s per primitive layout.
"""

VERTEX = """
layout(location = 0) in vec3 position;
#ifdef NORMAL_LOC
layout(location = NORMAL_LOC) in vec3 normal;
#endif
#ifdef TEXCOORD_LOC
layout(location = TEXCOORD_LOC) in vec2 texcoord;
#endif
#ifdef COLOR_LOC
layout(location = COLOR_LOC) in vec4 color_attr;
#endif
#ifdef TANGENT_LOC
layout(location = TANGENT_LOC) in vec4 tangent;
out vec4 v_tangent;
#endif
layout(location = INST_LOC) in mat4 inst_m;

uniform mat4 M;
uniform mat4 V;
uniform mat4 P;
uniform mat3 N_world;
#ifdef N_SHADOWS
// Light-space positions are affine in the vertex (homogeneous for spot lights), so they are
// computed here once per vertex instead of once per fragment.
uniform mat4 shadow_mat[N_SHADOWS];
uniform float shadow_offset[N_SHADOWS];
uniform int shadow_persp[N_SHADOWS];
uniform vec3 shadow_origin[N_SHADOWS];
out vec4 v_shadow[N_SHADOWS];
#endif

out vec3 v_world;
out vec3 v_normal;
out vec2 v_uv;
out vec4 v_color;
out vec3 v_local;
out vec3 v_local_n;
out float v_zcam;

void main() {
    vec4 local = inst_m * vec4(position, 1.0);
    vec4 world = M * local;
    vec4 cam = V * world;
    v_world = world.xyz;
    v_local = local.xyz;
    v_zcam = -cam.z;
#ifdef N_SHADOWS
#ifdef NORMAL_LOC
    vec3 wn = normalize(N_world * mat3(inst_m) * normal);
#else
    vec3 wn = vec3(0.0);
#endif
    for (int k = 0; k < N_SHADOWS; ++k) {
        float off = shadow_offset[k];
        if (shadow_persp[k] == 1) off *= length(world.xyz - shadow_origin[k]);
        v_shadow[k] = shadow_mat[k] * vec4(world.xyz + wn * off, 1.0);
    }
#endif
#ifdef NORMAL_LOC
    v_normal = N_world * mat3(inst_m) * normal;
    v_local_n = mat3(inst_m) * normal;
#else
    v_normal = vec3(0.0, 0.0, 1.0);
    v_local_n = vec3(0.0, 0.0, 1.0);
#endif
#ifdef TANGENT_LOC
    // Tangents turn with the model (they are directions on the surface, not normals).
    v_tangent = vec4(mat3(M) * mat3(inst_m) * tangent.xyz, tangent.w);
#endif
#ifdef TEXCOORD_LOC
    v_uv = texcoord;
#else
    v_uv = vec2(0.0);
#endif
#ifdef COLOR_LOC
    v_color = color_attr;
#else
    v_color = vec4(1.0);
#endif
    gl_Position = P * cam;
}
"""

# Shared by both fragment shaders: texture coordinates and base-colour alpha.
_SURFACE = """
in vec3 v_world;
in vec3 v_normal;
in vec2 v_uv;
in vec4 v_color;
in vec3 v_local;
in vec3 v_local_n;
in float v_zcam;

uniform vec4 base_color_factor;
uniform sampler2D base_tex;
uniform int has_base_tex;
uniform int box_uv;         // no UVs on the mesh: project the texture along the dominant axis
uniform mat3 uv_xform;      // plane/texture UV transform (rows 0-1 used)
uniform int alpha_mode;     // 0 opaque, 1 mask, 2 blend
uniform float alpha_cutoff;
uniform int use_vcolor;     // vertex colours multiply the base colour unless it is overridden
uniform int premult_tex;    // the texture holds colour × alpha (cards): divide after filtering

vec2 surface_uv() {
    vec2 uv = v_uv;
    if (box_uv == 1) {
        vec3 n = abs(v_local_n);
        if (n.x >= n.y && n.x >= n.z) uv = v_local.yz;
        else if (n.y >= n.z) uv = v_local.xz;
        else uv = v_local.xy;
        uv *= 8.0;  // about one texture tile per 12.5 cm
    }
    return (uv_xform * vec3(uv, 1.0)).xy;
}

vec3 srgb_to_linear(vec3 c) {
    return mix(c / 12.92, pow((c + 0.055) / 1.055, vec3(2.4)), step(vec3(0.04045), c));
}

vec4 base_color() {
    vec4 c = base_color_factor;
    // Vertex colours in PLY/OBJ files are display (sRGB) values.
    if (use_vcolor == 1) c *= vec4(srgb_to_linear(v_color.rgb), v_color.a);
    if (has_base_tex == 1) {
        // Textures are uploaded bottom row first: v = 0 is the image's bottom (trimesh/OpenGL).
        vec4 t = texture(base_tex, surface_uv());
        if (premult_tex == 1 && t.a > 0.0) t.rgb /= t.a;
        c *= t;
    }
    return c;
}
"""

COLOUR_FRAGMENT = (
    _SURFACE
    + """
uniform float metallic_factor;
uniform float roughness_factor;
uniform vec3 emissive_factor;
uniform sampler2D mr_tex;
uniform int has_mr_tex;
uniform sampler2D emissive_tex;
uniform int has_emissive_tex;
uniform int unlit;
uniform vec3 cam_pos;

uniform int n_dir;
uniform vec3 dir_dir[MAX_LIGHTS];
uniform vec3 dir_rad[MAX_LIGHTS];
uniform int n_point;
uniform vec3 point_pos[MAX_LIGHTS];
uniform vec3 point_rad[MAX_LIGHTS];
uniform int n_spot;
uniform vec3 spot_pos[MAX_LIGHTS];
uniform vec3 spot_dir[MAX_LIGHTS];
uniform vec3 spot_rad[MAX_LIGHTS];
uniform float spot_cos_outer[MAX_LIGHTS];
uniform float spot_cos_inner[MAX_LIGHTS];
uniform vec3 sh[9];

// Specular image-based lighting: the environment prefiltered by roughness, one level per mip.
uniform samplerCube env_spec;
uniform mat3 env_rot;       // world direction -> direction in the HDRI file (rotation about z)
uniform float env_scale;    // 2^exposure_ev
uniform float env_max_lod;

// Shadow maps (directional and spot lights): hardware depth comparisons, 4-tap PCF.
uniform sampler2DArrayShadow shadow_maps;
uniform float shadow_bias[MAX_SHADOWS];
uniform float shadow_texel;
#ifdef N_SHADOWS
in vec4 v_shadow[N_SHADOWS];
#endif
uniform int dir_shadow[MAX_LIGHTS];
uniform int spot_shadow[MAX_LIGHTS];
uniform int shadow_catcher;  // this draw is the invisible shadow-catching ground

#ifdef HAS_AO
// Ambient occlusion of the indirect light (synth3d.render.ambient_occlusion), half resolution.
uniform sampler2D ao_tex;
uniform vec2 ao_inv_size;   // 1 / (2 × the AO texture's size)
float ambient_occlusion() { return texture(ao_tex, gl_FragCoord.xy * ao_inv_size).r; }
#else
float ambient_occlusion() { return 1.0; }
#endif

layout(location = 0) out vec4 frag;

const float PI = 3.14159265358979;

// Variants are compiled per feature (HAS_SHADOWS, HAS_ENV_SPEC): a software rasteriser runs
// every instruction of a shader, taken branch or not.
// Visibility of every shadow-casting light at this fragment, computed once.
float shadow_of[MAX_SHADOWS + 1];

#ifdef SOFT_SHADOWS
// Soft shadows of lights with an angular size (the HDRI's sun): percentage-closer soft shadows
// (Fernando 2005). A blocker search (4 gathers of raw depths) finds the mean blocker depth;
// the penumbra is (receiver − blocker depth) × shadow_soft texels; 8 gathered comparison taps
// on a disc of that radius, rotated per pixel on a 4 × 4 pattern, filter it.
uniform sampler2DArray shadow_depth;
uniform float shadow_soft[N_SHADOWS];    // penumbra texels per unit of depth (0: 4-tap PCF)
uniform float shadow_search[N_SHADOWS];  // blocker search radius (texels)
const vec2 DISC8[8] = vec2[8](vec2(-0.326, -0.406), vec2(-0.840, -0.074), vec2(-0.696, 0.457),
                              vec2(-0.203, 0.621), vec2(0.962, -0.195), vec2(0.473, -0.480),
                              vec2(0.519, 0.767), vec2(0.185, -0.893));
const vec2 DISC4[4] = vec2[4](vec2(-0.5, -0.5), vec2(0.5, -0.5), vec2(-0.5, 0.5), vec2(0.5, 0.5));

float soft_shadow(int k, vec3 c) {
    float ref = c.z - shadow_bias[k];
    ivec2 q = ivec2(gl_FragCoord.xy) & 3;
    float a = (float(q.x * 4 + q.y) * 0.618034) * 6.2831853;
    mat2 rot = mat2(cos(a), sin(a), -sin(a), cos(a));
    float sum = 0.0, n = 0.0;
    for (int i = 0; i < 4; ++i) {
        vec2 o = rot * DISC4[i] * (shadow_search[k] * shadow_texel);
        vec4 d = textureGather(shadow_depth, vec3(c.xy + o, float(k)));
        vec4 blk = vec4(lessThan(d, vec4(ref)));
        sum += dot(blk, d);
        n += dot(blk, vec4(1.0));
    }
    if (n == 0.0) return 1.0;   // no blocker near: lit
    if (n == 16.0 && shadow_search[k] > 2.0 * clamp((ref - sum / n) * shadow_soft[k], 0.5, 24.0))
        return 0.0;             // blockers all around, farther than the penumbra: umbra
    float pen = clamp((ref - sum / n) * shadow_soft[k], 0.5, 24.0);
    float vis = 0.0;
    for (int i = 0; i < 8; ++i) {
        vec2 o = rot * DISC8[i] * (pen * shadow_texel);
        vis += dot(textureGather(shadow_maps, vec3(c.xy + o, float(k)), ref), vec4(0.25));
    }
    return vis / 8.0;
}
#endif

void compute_shadows() {
#ifdef N_SHADOWS
    for (int k = 0; k < N_SHADOWS; ++k) {
        vec3 c = v_shadow[k].xyz / v_shadow[k].w;
        float vis = 1.0;
#ifdef SOFT_SHADOWS
        if (shadow_soft[k] > 0.0 && c.z < 1.0 && c.x > 0.0 && c.y > 0.0 && c.x < 1.0 && c.y < 1.0) {
            shadow_of[k] = soft_shadow(k, c);
            continue;
        }
#endif
        if (c.z < 1.0 && c.x > 0.0 && c.y > 0.0 && c.x < 1.0 && c.y < 1.0) {
            // One gather: four depth comparisons (2x2 texels) averaged, a one-texel soft edge
            // (shadow maps are fitted to the objects, so a texel is about a millimetre on a
            // tabletop).
            vis = dot(textureGather(shadow_maps, vec3(c.xy, float(k)), c.z - shadow_bias[k]),
                      vec4(0.25));
        }
        shadow_of[k] = vis;
    }
#endif
    shadow_of[MAX_SHADOWS] = 1.0;
}

float shadow_vis(int s, vec3 pos, vec3 N) {
    return shadow_of[s < 0 ? MAX_SHADOWS : s];
}

vec3 env_lookup(vec3 d, float lod) {
    // The cube's faces are laid out in the HDRI file's own frame (z up).
    return textureLod(env_spec, env_rot * d, lod).rgb * env_scale;
}

vec3 sh_eval(vec3 n) {
    return sh[0] * 0.282095
         + sh[1] * 0.488603 * n.y + sh[2] * 0.488603 * n.z + sh[3] * 0.488603 * n.x
         + sh[4] * 1.092548 * n.x * n.y + sh[5] * 1.092548 * n.y * n.z
         + sh[6] * 0.315392 * (3.0 * n.z * n.z - 1.0)
         + sh[7] * 1.092548 * n.x * n.z + sh[8] * 0.546274 * (n.x * n.x - n.y * n.y);
}

#ifdef HAS_NORMAL_MAP
// Tangent-space normal map (+y is the texture's up, OpenGL/glTF convention), its xy scaled by
// the glTF normalTexture.scale.
uniform sampler2D normal_tex;
uniform float normal_scale;

vec3 tangent_normal() {
    vec3 t = texture(normal_tex, v_uv).xyz * 2.0 - 1.0;
    return vec3(t.xy * normal_scale, t.z);
}

#ifdef TANGENT_LOC
// Stored tangents (glTF TANGENT): T along +u, bitangent B = w · N × T along +v.
in vec4 v_tangent;

vec3 mapped_normal(vec3 N) {
    vec3 T = v_tangent.xyz - N * dot(N, v_tangent.xyz);
    if (dot(T, T) <= 1e-20) return N;
    T = normalize(T);
    vec3 B = cross(N, T) * (v_tangent.w < 0.0 ? -1.0 : 1.0);
    return normalize(mat3(T, B, N) * tangent_normal());
}
#else
// No stored tangents: the tangent frame comes from the screen-space derivatives of position and
// UV (Schüler's cotangent frame), so it follows the UVs however they are laid out.
vec3 mapped_normal(vec3 N) {
    vec3 dp1 = dFdx(v_world), dp2 = dFdy(v_world);
    vec2 duv1 = dFdx(v_uv), duv2 = dFdy(v_uv);
    vec3 dp2perp = cross(dp2, N), dp1perp = cross(N, dp1);
    vec3 T = dp2perp * duv1.x + dp1perp * duv2.x;
    vec3 B = dp2perp * duv1.y + dp1perp * duv2.y;
    float m = max(dot(T, T), dot(B, B));
    if (m <= 1e-20) return N;
    // The projection flips y (OpenCV camera), which mirrors screen space: T and B come out
    // negated.
    float s = -inversesqrt(m);
    return normalize(mat3(T * s, B * s, N) * tangent_normal());
}
#endif
#endif

#ifdef HAS_OCCLUSION_MAP
// glTF occlusionTexture (R channel) × strength: darkens the indirect (ambient and IBL) light only.
uniform sampler2D occlusion_tex;
uniform float occlusion_strength;
float material_occlusion() {
    return 1.0 + occlusion_strength * (texture(occlusion_tex, v_uv).r - 1.0);
}
#else
float material_occlusion() { return 1.0; }
#endif

#ifdef HAS_TRANSMISSION
// Screen-space refraction: the colour of the opaque frame drawn before (premultiplied, resolved)
// is looked up where the refracted view ray, continued `thickness` metres into the object,
// lands on the screen.
uniform sampler2D behind_tex;
uniform float transmission;
uniform float ior;
uniform float thickness;
uniform mat4 V;
uniform mat4 P;
#endif

// Fresnel reflectance at cos(angle) c: the exact unpolarised dielectric curve of IOR 1.5 (the
// F0 = 0.04 every non-metal gets), stretched to reach 1 from f0 as Schlick's form does. At the
// angles of a low sun's sheen it is ~9 % above Schlick's (1 − c)⁵, as a path tracer has it.
vec3 fresnel(vec3 f0, float c) {
    c = clamp(c, 0.0, 1.0);
    float g = sqrt(1.25 + c * c);  // n² − 1 + c², n = 1.5
    float a = (g - c) / (g + c), b = (c * (g + c) - 1.0) / (c * (g - c) + 1.0);
    float w = (0.5 * a * a * (1.0 + b * b) - 0.04) / 0.96;
    return f0 + (1.0 - f0) * w;
}

// Radiance reflected towards the viewer from a light of intensity `rad` in direction L, scaled so
// that a white Lambertian surface facing a light of intensity 1 has radiance 1.
vec3 shade(vec3 N, vec3 Vd, vec3 L, vec3 rad, vec3 diff, vec3 f0, float rough) {
    float nl = max(dot(N, L), 0.0);
    if (nl <= 0.0) return vec3(0.0);
    vec3 H = normalize(L + Vd);
    float nv = max(dot(N, Vd), 1e-4);
    float nh = max(dot(N, H), 0.0);
    float a = max(rough * rough, 1e-3);
    float a2 = a * a;
    float dd = nh * nh * (a2 - 1.0) + 1.0;
    float D = a2 / (PI * dd * dd);
    // Height-correlated Smith visibility G / (4 nl nv) (Heitz 2014), as a path tracer has it.
    float Vis = 0.5 / (nl * sqrt(nv * nv * (1.0 - a2) + a2) + nv * sqrt(nl * nl * (1.0 - a2) + a2));
    vec3 F = fresnel(f0, max(dot(H, Vd), 0.0));
    vec3 spec = D * Vis * F;
    return ((1.0 - F) * diff + PI * spec) * rad * nl;
}

void catcher() {
    compute_shadows();
    // Share of the ground's irradiance that reaches it past the objects' shadows; drawn as
    // premultiplied black so compositing darkens the background by exactly that share.
    vec3 N = vec3(0.0, 0.0, 1.0);
    vec3 full = max(sh_eval(N), 0.0);
    vec3 lit = full * ambient_occlusion();
    for (int i = 0; i < n_dir; ++i) {
        vec3 c = dir_rad[i] * max(dot(N, normalize(dir_dir[i])), 0.0);
        full += c;
        lit += c * shadow_vis(dir_shadow[i], v_world, N);
    }
    for (int i = 0; i < n_spot; ++i) {
        vec3 d = spot_pos[i] - v_world;
        float r2 = max(dot(d, d), 1e-6);
        vec3 L = d / sqrt(r2);
        float cone = smoothstep(spot_cos_outer[i], spot_cos_inner[i], dot(-L, spot_dir[i]));
        vec3 c = spot_rad[i] * cone / r2 * max(dot(N, L), 0.0);
        full += c;
        lit += c * shadow_vis(spot_shadow[i], v_world, N);
    }
    const vec3 Y = vec3(0.2126, 0.7152, 0.0722);
    float f = dot(lit, Y) / max(dot(full, Y), 1e-8);
    frag = vec4(0.0, 0.0, 0.0, clamp(1.0 - f, 0.0, 1.0));
}

void main() {
#ifdef HAS_CATCHER
    if (shadow_catcher == 1) {
        catcher();
        return;
    }
#endif
    vec4 base = base_color();
    float alpha = base.a;
    if (alpha_mode == 1) {
        if (alpha < alpha_cutoff) discard;
        alpha = 1.0;
    } else if (alpha_mode == 0) {
        alpha = 1.0;
    } else if (alpha <= 0.0) {
        discard;
    }
    vec3 emissive = emissive_factor;
    if (has_emissive_tex == 1) emissive *= texture(emissive_tex, v_uv).rgb;
    vec3 color;
    compute_shadows();
    if (unlit == 1) {
        color = base.rgb + emissive;
    } else {
        float metallic = metallic_factor;
        float rough = roughness_factor;
        if (has_mr_tex == 1) {
            vec4 mr = texture(mr_tex, v_uv);
            rough *= mr.g;
            metallic *= mr.b;
        }
        rough = clamp(rough, 0.04, 1.0);
        metallic = clamp(metallic, 0.0, 1.0);
        vec3 N = normalize(v_normal);
        if (!gl_FrontFacing) N = -N;
#ifdef HAS_NORMAL_MAP
        N = mapped_normal(N);
#endif
        vec3 Vd = normalize(cam_pos - v_world);
        vec3 diff = base.rgb * (1.0 - metallic);
        vec3 f0 = mix(vec3(0.04), base.rgb, metallic);
#ifdef HAS_TRANSMISSION
        // Transmission replaces the diffuse lobe (glTF); the dielectric F0 follows the IOR.
        diff *= 1.0 - transmission;
        float r0 = (ior - 1.0) / (ior + 1.0);
        f0 = mix(vec3(r0 * r0), base.rgb, metallic);
#endif
        color = emissive;
        for (int i = 0; i < n_dir; ++i)
            color += shade(N, Vd, normalize(dir_dir[i]), dir_rad[i], diff, f0, rough)
                     * shadow_vis(dir_shadow[i], v_world, N);
        for (int i = 0; i < n_point; ++i) {
            vec3 d = point_pos[i] - v_world;
            float r2 = max(dot(d, d), 1e-6);
            color += shade(N, Vd, d / sqrt(r2), point_rad[i] / r2, diff, f0, rough);
        }
        for (int i = 0; i < n_spot; ++i) {
            vec3 d = spot_pos[i] - v_world;
            float r2 = max(dot(d, d), 1e-6);
            vec3 L = d / sqrt(r2);
            float cone = smoothstep(spot_cos_outer[i], spot_cos_inner[i], dot(-L, spot_dir[i]));
            color += shade(N, Vd, L, spot_rad[i] * cone / r2, diff, f0, rough)
                     * shadow_vis(spot_shadow[i], v_world, N);
        }
        // Ambient diffuse from the SH irradiance; ambient specular from the prefiltered
        // environment with the split-sum's DFG term (Karis' analytic fit), or, without an HDRI,
        // from the SH along the mirror direction.
        float nv = max(dot(N, Vd), 1e-4);
        vec4 r = rough * vec4(-1.0, -0.0275, -0.572, 0.022) + vec4(1.0, 0.0425, 1.04, -0.04);
        float a004 = min(r.x * r.x, exp2(-9.28 * nv)) * r.x + r.y;
        vec2 ab = vec2(-1.04, 1.04) * a004 + r.zw;
        vec3 spec_w = f0 * ab.x + ab.y;
        // The lobe's dominant direction leans from the mirror direction towards the normal as
        // roughness grows (Lagarde & de Rousiers 2014): at grazing angles a rough floor then
        // reflects the sky above the horizon, not the map's ground below it.
        float ra = rough * rough;
        vec3 R = normalize(mix(N, reflect(-Vd, N), (1.0 - ra) * (sqrt(1.0 - ra) + ra)));
#ifdef HAS_ENV_SPEC
        vec3 prefiltered = env_lookup(R, rough * env_max_lod);
#else
        vec3 prefiltered = max(sh_eval(R), 0.0);
#endif
        float ao = ambient_occlusion();
        // Specular occlusion from AO (Lagarde & de Rousiers 2014).
        float so = clamp(pow(nv + ao, exp2(-16.0 * rough - 1.0)) - 1.0 + ao, 0.0, 1.0);
        // Multi-bounce: light reflected inside the occluded region returns, the more so the
        // brighter the albedo (Jimenez et al. 2016's fit), per channel.
        vec3 ga = 2.0404 * diff - 0.3324, gb = -4.7951 * diff + 0.6417, gc = 2.7552 * diff + 0.6903;
        vec3 ao3 = max(vec3(ao), ((ga * ao + gb) * ao + gc) * ao);
        // The material's own occlusion (glTF) multiplies the indirect light as it is.
        float occ = material_occlusion();
        color += diff * (1.0 - spec_w) * max(sh_eval(N), 0.0) * ao3 * occ;
        color += spec_w * prefiltered * so * occ;
#ifdef HAS_TRANSMISSION
        // Light from behind, refracted at this surface, tinted by the base colour and less what
        // the surface reflects. Drawn without blending: where nothing opaque lies behind (alpha
        // 0), the share that would show the background is left as transparency, so compositing
        // adds the (unrefracted) background through the glass.
        vec3 Rt = refract(-Vd, N, 1.0 / ior);
        vec4 clip = P * V * vec4(v_world + Rt * thickness, 1.0);
        vec4 behind = texture(behind_tex, clamp(clip.xy / clip.w * 0.5 + 0.5, 0.0, 1.0));
        vec3 tw = transmission * (1.0 - metallic) * (1.0 - fresnel(f0, nv)) * base.rgb;
        color += tw * behind.rgb;
        frag = vec4(color, 1.0 - dot(tw, vec3(1.0 / 3.0)) * (1.0 - behind.a));
        return;
#endif
    }
    frag = vec4(color * alpha, alpha);
}
"""
)

ID_FRAGMENT = (
    _SURFACE
    + """
uniform uint obj_id;
uniform mat4 V;

layout(location = 0) out uint out_id;
layout(location = 1) out float out_z;
layout(location = 2) out vec4 out_normal;

// Variants: ALPHA_TEST for cut-outs and blended materials, ID_NORMALS when normals are read back.
void main() {
#ifdef ALPHA_TEST
    if (base_color().a < alpha_cutoff) discard;
#endif
    out_id = obj_id;
    out_z = v_zcam;
#ifdef ID_NORMALS
    // Shading normal in the OpenCV camera frame (x right, y down, z forward), turned to face the
    // camera (the back of an open or double-sided surface shows its other side).
    vec3 n = normalize(mat3(V) * v_normal);
    vec3 p = (V * vec4(v_world, 1.0)).xyz;
    if (dot(n, p) > 0.0) n = -n;
    out_normal = vec4(n.x, -n.y, -n.z, 1.0);
#endif
}
"""
)

DEPTH_FRAGMENT = (
    _SURFACE
    + """
// Shadow maps: depth only; cut-outs (cards, alpha-masked materials) still cut their shape.
void main() {
#ifdef ALPHA_TEST
    if (base_color().a < alpha_cutoff) discard;
#endif
}
"""
)
