"""The offscreen renderer: SceneSpec → Frame.

One :class:`Renderer` per process is meant to live for the whole run: the GL context, shader
programs, mesh buffers (per asset file) and textures (per image / procedural recipe) are created
once and reused; only poses, materials and lights change per frame. Caches are bounded (LRU) so
resident memory stays flat over long runs.

Two passes per frame (:mod:`synth3d.render.passes`):

1. *colour*: 4× multisampled RGBA16F target, linear radiance with premultiplied alpha (opaque
   geometry first, then — only in frames that have any — transmissive objects, which refract a
   copy of what is drawn so far, then alpha-blended cards and materials back to front),
   resolved to one sample per pixel.
2. *ids and depth*: a single-sampled target with an R32UI instance id and an R32F depth along the
   optical axis, so both are exact at pixel centres (a multisampled depth read-back would return
   one sample off the centre, wrong on sloped surfaces).

The pieces: :mod:`~synth3d.render.platform` (the GL context), :mod:`~synth3d.render.gl_resources`
(programs, textures, targets), :mod:`~synth3d.render.materials` (meshes, materials, textures on
the GPU), :mod:`~synth3d.render.lighting` (lights and image-based lighting),
:mod:`~synth3d.render.shadows`, :mod:`~synth3d.render.passes`, and
:mod:`~synth3d.render.pyrender_adapter` (the only code that touches pyrender's internals).
"""

from __future__ import annotations

import numpy as np

from ..assets.catalog import load_mesh
from ..errors import RenderError
from ..frame import Frame
from ..spec import SceneSpec
from ..template.schema import MAX_LIGHTS_PER_TYPE, MAX_SHADOWS
from . import platform as _platform
from .gl_resources import CV_TO_GL, Programs, Targets, gl_strings, projection_from_K
from .lighting import EnvironmentMaps, scene_lights
from .materials import GpuAssets, Item, part_transmission, texture_sources
from .passes import Draw, amodal_pass, catcher_depth, colour_pass, id_pass
from .shadows import ShadowMaps
from .sky_shadows import SkyShadows


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

    def __init__(
        self,
        width: int = 640,
        height: int = 480,
        backend: str | None = None,
        gpu: int | None = None,
        msaa: int = 4,
    ):
        self.backend = _platform.configure(backend, gpu)
        self._platform = _platform.create_context(width, height, self.backend, gpu)
        from OpenGL import GL as gl

        self.gl = gl
        self.msaa = int(msaa)
        info = self.gl_info()
        # 8× anisotropic filtering keeps grazing floor textures sharp on GPUs; a software
        # rasteriser pays several times the frame cost for it, so it is off there.
        anisotropy = 1.0 if info["software"] else 8.0
        if anisotropy > 1:
            try:
                anisotropy = float(min(anisotropy, gl.glGetFloatv(0x84FF)))
            except Exception:
                anisotropy = 1.0
        self._assets = GpuAssets(gl, anisotropy)
        self._env = EnvironmentMaps(gl)
        # A software rasteriser pays for every shadow texel, so it gets half the resolution.
        self._shadows = ShadowMaps(gl, 512 if info["software"] else 2048)
        self._programs = Programs(gl, MAX_LIGHTS_PER_TYPE, MAX_SHADOWS)
        self._draw = Draw(gl, self._programs, self._shadows)
        self._targets = Targets(gl, self.msaa)
        self._targets.resize(width, height)
        self._ao = None  # ambient occlusion, made on first use
        self._sky = None  # sky shadows, made on first use

    @property
    def _staged(self):
        """Texture pixels made ahead by :meth:`prepare` and not uploaded yet (by cache key)."""
        return self._assets.staged

    def gl_info(self) -> dict:
        """GL vendor, renderer and version strings, and whether rendering is in software."""
        return gl_strings(self.gl, self.backend)

    def prepare(self, spec: SceneSpec) -> None:
        """Make the pixels of the textures ``spec`` will need that are not on the GPU yet, so that
        :meth:`render` only uploads them. Uses no GL: meant for a helper thread that runs a
        frame ahead of the rendering thread (see :func:`synth3d.run.pipeline.render_indices`)."""
        self._assets.prepare(spec)

    def _items(self, spec: SceneSpec, V: np.ndarray) -> list[Item]:
        assets = self._assets
        ident_uv = np.eye(3)
        # Textures in texture_sources' order: cards and overridden materials, then backdrops.
        textures = iter([assets.texture(*src) for src in texture_sources(spec)])
        items = []
        for o in spec.objects:
            T = o.T_array()
            m = o.material
            if o.kind == "card":
                w, h = o.card_size
                M = T @ np.diag([w, h, 1.0, 1.0])
                uv = np.array([[-1.0, 0, 1], [0, 1, 0], [0, 0, 1]]) if o.mirror else ident_uv
                items.append(
                    Item(
                        [assets.quad],
                        M,
                        o.id,
                        m,
                        next(textures),
                        uv,
                        m.unlit,
                        True,
                        premultiplied=True,
                    )
                )
                continue
            override = next(textures) if m.texture else None
            parts = assets.mesh(o.asset)
            blend = any(p.alpha_mode == 2 for p in parts) or (
                m.base_color is not None and m.base_color[3] < 1
            )
            it = Item(parts, T, o.id, m, override, ident_uv, m.unlit, blend)
            it.transmission, it.ior = m.transmission, m.ior
            if any(part_transmission(it, p) > 0 for p in parts):
                # How far a refracted ray travels inside: the object's mean size (glTF's
                # KHR_materials_volume thickness, which files rarely give).
                lo, hi = load_mesh(o.asset).bounds
                it.thickness = float(np.mean((hi - lo) * np.linalg.norm(T[:3, :3], axis=0)))
            items.append(it)
        for b in spec.backdrops:
            w, h = b.size
            uv = np.vstack([np.asarray(b.texture.uv_transform), [0, 0, 1]])
            if b.type == "sweep":
                parts, M = [assets.sweep(w, h, *b.sweep)], np.asarray(b.T_world_plane)
            else:
                parts, M = [assets.quad], np.asarray(b.T_world_plane) @ np.diag([w, h, 1.0, 1.0])
            items.append(
                Item(
                    parts,
                    M,
                    0,
                    None,
                    next(textures),
                    uv,
                    b.unlit,
                    False,
                    roughness=b.roughness,
                    metallic=b.metallic,
                    tint=np.append(np.asarray(b.tint, float), 1.0),
                )
            )
        for it in items:
            it.view_depth = -(V @ it.M[:, 3])[2]
        return items

    def _frame_lights(self, spec: SceneSpec, items: list[Item]) -> dict:
        """Lights, shadow maps (rendered now) and the shader features they switch on."""
        env = spec.environment
        lights = scene_lights(spec)
        lights["env_tex"] = (
            self._env.get(env.hdri) if env.hdri and env.lighting and env.reflections else None
        )

        def draw_depth(it, part, V, P):
            self._draw("depth", it, part, V, P, lights, None)

        self._shadows.render(items, lights, draw_depth, self._draw.new_view)
        if spec.realism.sky_shadows and env.hdri and env.lighting:
            if self._sky is None:
                self._sky = SkyShadows(self.gl, self._shadows.size // 2)
            self._sky.render(items, spec, lights, draw_depth, self._draw.new_view)
        lights["features"] = tuple(
            f
            for f, on in (("HAS_ENV_SPEC", lights["env_tex"]), ("HAS_CATCHER", env.shadow_catcher))
            if on
        )
        if lights["shadow_maps"]:
            lights["features"] += (("N_SHADOWS", len(lights["shadow_maps"])),)
            if any(m["soft"] > 0 for m in lights["shadow_maps"]):
                lights["features"] += ("SOFT_SHADOWS",)
        return lights

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
        self._targets.resize(W, H)
        self._draw.new_view()
        K, T_wc = cam.K_array(), cam.T_array()
        V = CV_TO_GL @ np.linalg.inv(T_wc)
        P = projection_from_K(K, W, H, cam.znear, cam.zfar, top_row_first=True)
        items = self._items(spec, V)
        opaque, blended, glass = _draw_lists(items)
        lights = self._frame_lights(spec, items)
        catcher = None
        if spec.environment.shadow_catcher:
            catcher = Item(
                [self._assets.quad],
                np.diag([200.0, 200.0, 1.0, 1.0]),
                0,
                None,
                None,
                np.eye(3),
                False,
                True,
                catcher=True,
            )

        gl.glViewport(0, 0, W, H)
        gl.glDisable(gl.GL_CULL_FACE)  # open meshes and cards are seen from both sides
        gl.glFrontFace(gl.GL_CW)  # the y-flipped projection mirrors winding; keep gl_FrontFacing
        gl.glEnable(gl.GL_DEPTH_TEST)
        gl.glDepthFunc(gl.GL_LESS)
        gl.glDepthMask(gl.GL_TRUE)
        cam_pos = T_wc[:3, 3]
        drawn = opaque + glass + blended

        def ids_and_depth():
            return id_pass(self._draw, self._targets, drawn, V, P, lights, cam_pos, W, H, normals)

        ao = (spec.realism.ao and spec.realism.ao_radius_m > 0) or bool(lights.get("sky"))
        if ao:  # ids and depth first: ambient occlusion (and sky shadows) read the depth
            ids, depth, normals_cam = ids_and_depth()
            if catcher is not None:  # the invisible ground is occluded too: AO needs its depth
                catcher_depth(self._draw, catcher, V, P, lights, cam_pos)
            self._ambient_occlusion(spec, lights, K, W, H)
        rgba = colour_pass(
            self._draw, self._targets, opaque, catcher, blended, glass, V, P, lights, cam_pos, W, H
        )
        if ao:
            gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self._targets.fbo("ids"))  # for amodal
            gl.glDisable(gl.GL_BLEND)
            gl.glDisable(gl.GL_MULTISAMPLE)
        else:
            ids, depth, normals_cam = ids_and_depth()
        amodal_masks = in_frame = bbox_obj = None
        if amodal:
            amodal_masks, in_frame, bbox_obj = amodal_pass(
                self._draw, spec, items, V, P, K, lights, cam_pos
            )
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)
        gl.glUseProgram(0)
        err = gl.glGetError()
        if err != gl.GL_NO_ERROR:
            raise RenderError(f"frame {spec.index}", f"GL error {err:#x}")
        return Frame(
            rgb=np.ascontiguousarray(rgba[:, :, :3]),
            alpha=rgba[:, :, 3].copy(),
            depth_m=depth.copy(),
            instance=ids.astype(np.uint16),
            normals_cam=normals_cam,
            amodal=amodal_masks,
            in_frame=in_frame,
            bbox_obj=bbox_obj,
        )

    def _ambient_occlusion(self, spec: SceneSpec, lights: dict, K, W: int, H: int) -> None:
        """GTAO of the id pass's depth; the colour pass then reads it (feature HAS_AO)."""
        gl = self.gl
        if self._ao is None:
            from .ambient_occlusion import AmbientOcclusion

            self._ao = AmbientOcclusion(gl)
        w2, h2 = (W + 1) // 2, (H + 1) // 2
        radius = spec.realism.ao_radius_m if spec.realism.ao else 0.0
        lights["ao_tex"] = self._ao.run(
            self._targets.textures["depth_z"],
            K,
            W,
            H,
            radius,
            lights.get("sky"),
            spec.camera.T_array(),
        )
        lights["ao_inv_size"] = (1.0 / (2 * w2), 1.0 / (2 * h2))
        lights["features"] += ("HAS_AO",)
        self._draw.new_view()  # the colour programs must bind the AO texture
        gl.glViewport(0, 0, W, H)
        gl.glEnable(gl.GL_DEPTH_TEST)

    def close(self):
        """Free GL resources and the context."""
        if getattr(self, "_platform", None) is None:
            return
        try:
            self._platform.make_current()
            self._assets.close()
            self._targets.close()
            self._programs.close()
            self._env.close()
            self._shadows.close()
            if self._sky is not None:
                self._sky.close()
            if self._ao is not None:
                self._ao.close()
        finally:
            _platform.release_context(self._platform)
            self._platform = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _draw_lists(items: list[Item]) -> tuple[list, list, list]:
    """The colour pass's three lists: opaque, blended and transmissive items, in drawing order."""
    # Opaque objects front to back, then the backdrops: fragments hidden behind nearer ones
    # fail the early depth test instead of being shaded.
    # Transmissive items are drawn after both: they refract what is drawn before them.
    glass = [it for it in items if it.thickness > 0]
    opaque = sorted(
        (it for it in items if not it.blend and it.thickness == 0),
        key=lambda it: (it.obj_id == 0, it.view_depth),
    )
    blended = sorted(
        (it for it in items if it.blend and it.thickness == 0), key=lambda it: -it.view_depth
    )
    glass.sort(key=lambda it: it.view_depth)
    return opaque, blended, glass
