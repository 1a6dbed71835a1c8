"""Lights of a frame and image-based lighting: the light lists handed to the colour shader, the
HDRI's prefiltered cube maps, and the uniforms that bind both to a program."""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np

from ..errors import RenderError
from ..spec import SceneSpec
from ..template.schema import MAX_LIGHTS_PER_TYPE, MAX_SHADOWS

ENV_CACHE_SIZE = 4


def scene_lights(spec: SceneSpec) -> dict:
    """The frame's lights as shader inputs: directional (the HDRI's sun first), point and spot
    lights with radiance, whether each casts a shadow, and the 9 SH coefficients of the ambient."""
    from ..envmap import environment_lighting

    dirs, points, spots = [], [], []
    dir_cast, spot_cast = [], []  # whether each light casts a shadow
    dir_soft = []  # tan of each directional light's angular radius (0: a hard shadow)
    sh = np.zeros((9, 3), np.float32)
    env = spec.environment
    if env.hdri and env.lighting:
        lit = environment_lighting(env.hdri, env.rotation_deg, env.exposure_ev)
        sh = lit.sh
        if lit.sun_direction is not None:
            dirs.append((lit.sun_direction, lit.sun_intensity))
            dir_cast.append(env.shadows)
            dir_soft.append(math.tan(lit.sun_radius_rad) if spec.realism.soft_shadows else 0.0)
    else:
        sh[0] = np.asarray(env.ambient) / 0.282095
    for L in spec.lights:
        rad = np.asarray(L.color) * L.intensity
        if L.type == "directional":
            dirs.append((np.asarray(L.direction), rad))
            dir_cast.append(L.shadows)
            dir_soft.append(0.0)
        elif L.type == "point":
            points.append((np.asarray(L.position), rad))
        else:
            spots.append((np.asarray(L.position), np.asarray(L.direction), rad, L.cone_deg))
            spot_cast.append(L.shadows)
    for name, lst in (("directional", dirs), ("point", points), ("spot", spots)):
        if len(lst) > MAX_LIGHTS_PER_TYPE:
            raise RenderError(
                "lights",
                f"{len(lst)} {name} lights (the HDRI's sun counts as "
                f"one directional light); at most {MAX_LIGHTS_PER_TYPE}",
            )
    if sum(dir_cast) + sum(spot_cast) > MAX_SHADOWS:
        raise RenderError("lights", f"more than {MAX_SHADOWS} shadow-casting lights")
    return {
        "dirs": dirs,
        "points": points,
        "spots": spots,
        "sh": sh,
        "dir_cast": dir_cast,
        "spot_cast": spot_cast,
        "dir_soft": dir_soft,
        "env": env,
    }


def bind_lights(prog, lights: dict, cam_pos: np.ndarray, shadows) -> None:
    """Upload the light lists, shadow-map matrices and the environment cube map to ``prog``."""
    gl = prog.gl
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
    shadows.bind(prog, lights)
    ao_tex = lights.get("ao_tex")
    if ao_tex:  # ambient occlusion (render/ambient_occlusion.py)
        prog.texture("ao_tex", gl.GL_TEXTURE_2D, ao_tex)
        gl.glUniform2f(prog.loc("ao_inv_size"), *lights["ao_inv_size"])
    env_tex = lights.get("env_tex")
    prog.texture("env_spec", gl.GL_TEXTURE_CUBE_MAP, env_tex)
    if env_tex:
        env = lights["env"]
        from ..envmap import SPECULAR_LEVELS, rot_z

        prog.mat3("env_rot", rot_z(-env.rotation_deg))
        prog.f("env_scale", 2.0**env.exposure_ev)
        prog.f("env_max_lod", SPECULAR_LEVELS - 1)


class EnvironmentMaps:
    """Prefiltered environment cube maps of HDRIs (roughness level k at mip k), LRU-bounded."""

    def __init__(self, gl):
        self.gl = gl
        self._textures: OrderedDict = OrderedDict()

    def get(self, path: str) -> int:
        tex = self._textures.get(path)
        if tex is not None:
            self._textures.move_to_end(path)
            return tex
        from ..envmap import equirect_to_cube, prefiltered_environment

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
                gl.glTexImage2D(
                    gl.GL_TEXTURE_CUBE_MAP_POSITIVE_X + f,
                    k,
                    gl.GL_RGB16F,
                    size,
                    size,
                    0,
                    gl.GL_RGB,
                    gl.GL_FLOAT,
                    np.ascontiguousarray(face, np.float32),
                )
        gl.glTexParameteri(gl.GL_TEXTURE_CUBE_MAP, gl.GL_TEXTURE_MAX_LEVEL, len(levels) - 1)
        # Roughness picks a level; blending two levels (trilinear) doubles the fetches and barely
        # shows, since a material's roughness is mostly one value.
        gl.glTexParameteri(
            gl.GL_TEXTURE_CUBE_MAP, gl.GL_TEXTURE_MIN_FILTER, gl.GL_LINEAR_MIPMAP_NEAREST
        )
        gl.glTexParameteri(gl.GL_TEXTURE_CUBE_MAP, gl.GL_TEXTURE_MAG_FILTER, gl.GL_LINEAR)
        for wrap in (gl.GL_TEXTURE_WRAP_S, gl.GL_TEXTURE_WRAP_T, gl.GL_TEXTURE_WRAP_R):
            gl.glTexParameteri(gl.GL_TEXTURE_CUBE_MAP, wrap, gl.GL_CLAMP_TO_EDGE)
        gl.glEnable(gl.GL_TEXTURE_CUBE_MAP_SEAMLESS)
        gl.glBindTexture(gl.GL_TEXTURE_CUBE_MAP, 0)
        self._textures[path] = tex
        while len(self._textures) > ENV_CACHE_SIZE:
            _, old = self._textures.popitem(last=False)
            gl.glDeleteTextures(1, [old])
        return tex

    def close(self) -> None:
        for t in self._textures.values():
            self.gl.glDeleteTextures(1, [t])
        self._textures = OrderedDict()
