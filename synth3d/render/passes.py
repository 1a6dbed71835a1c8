"""The passes of a frame: how one part is drawn, the colour pass, the id/depth pass and the
amodal (each object alone) pass, each reading back what it rendered."""

from __future__ import annotations

import numpy as np

from ..assets.catalog import load_mesh
from ..spec import ObjectSpec, SceneSpec
from . import pyrender_adapter as adapter
from .gl_resources import projection_from_K, read_pixels
from .lighting import bind_lights
from .materials import part_transmission


class Draw:
    """Draws one part of an item with the program of its pass (``colour``, ``id``, ``depth``).

    Programs upload V, P and the lights once per *view*: :meth:`new_view` must be called whenever
    V or P change."""

    def __init__(self, gl, programs, shadows):
        self.gl = gl
        self.programs = programs
        self.shadows = shadows
        self.view = 0
        self.behind_tex = 0  # the colour pass's copy that transmissive parts sample

    def new_view(self) -> None:
        self.view += 1

    def __call__(self, kind: str, item, part, V, P, lights: dict, cam_pos) -> None:
        gl = self.gl
        # Blended items (cards, translucent materials) blend unless the part cuts out (MASK).
        alpha_mode = 2 if item.blend and part.alpha_mode != 1 else part.alpha_mode
        if kind == "colour":
            features = lights.get("features", ())
            if "normal" in part.textures:  # tangent-space normal map (glTF, OBJ norm/bump)
                features = features + ("HAS_NORMAL_MAP",)
            if "occlusion" in part.textures:  # glTF occlusionTexture
                features = features + ("HAS_OCCLUSION_MAP",)
            if self.behind_tex and part_transmission(item, part) > 0:
                features = features + ("HAS_TRANSMISSION",)
        else:  # id/depth variants: a software rasteriser runs every instruction of a shader
            features = (("ALPHA_TEST",) if alpha_mode != 0 else ()) + (
                ("ID_NORMALS",) if kind == "id" and lights.get("id_normals") else ()
            )
        prog = self.programs.get(kind, part.layout, features)
        gl.glUseProgram(prog.id)
        if prog.frame_token != (self.view, kind):
            prog.frame_token = (self.view, kind)
            prog.mat4("V", V)
            prog.mat4("P", P)
            if kind == "colour":
                bind_lights(prog, lights, cam_pos, self.shadows)
        prog.mat4("M", item.M)
        prog.mat3("N_world", np.linalg.inv(item.M[:3, :3]).T)
        self._material(prog, kind, item, part, alpha_mode)
        if kind == "id":
            prog.u("obj_id", item.obj_id)
        adapter.draw(gl, part.primitive)

    def _material(self, prog, kind: str, item, part, alpha_mode: int) -> None:
        gl = self.gl
        m = item.material
        base = np.asarray(
            m.base_color if (m is not None and m.base_color is not None) else part.base_color, float
        )
        if item.obj_id == 0 and item.material is None:  # backdrop: its texture × its tint
            base = item.tint if item.tint is not None else np.ones(4)
        prog.vec4("base_color_factor", base)
        overridden = m is not None and (m.base_color is not None or item.override_tex is not None)
        prog.i("use_vcolor", 0 if overridden else 1)
        tex = item.override_tex if item.override_tex is not None else part.textures.get("base")
        if (
            m is not None
            and m.base_color is not None
            and not m.keep_texture
            and item.override_tex is None
        ):
            tex = None  # a flat colour replaces the asset's own texture
        prog.texture("base_tex", gl.GL_TEXTURE_2D, tex)
        prog.i("has_base_tex", 1 if tex else 0)
        prog.i("premult_tex", 1 if (tex and item.premultiplied) else 0)
        prog.i("box_uv", 1 if (tex and part.layout[1] is None) else 0)
        prog.mat3("uv_xform", item.uv_xform)
        prog.i("alpha_mode", alpha_mode)
        # Labels of a blended mesh material cover every pixel the colour pass draws (alpha > 0);
        # cut-outs (MASK) and image cards keep their cutoff (docs: "Transparent objects").
        blended_mesh = alpha_mode == 2 and not item.premultiplied and item.obj_id != 0
        prog.f("alpha_cutoff", 1e-6 if blended_mesh and kind == "id" else part.alpha_cutoff)
        if kind != "colour":
            return
        rough = (
            item.roughness
            if item.roughness is not None
            else (m.roughness if m is not None and m.roughness is not None else part.roughness)
        )
        metal = (
            item.metallic
            if item.metallic is not None
            else (m.metallic if m is not None and m.metallic is not None else part.metallic)
        )
        prog.f("roughness_factor", rough)
        prog.f("metallic_factor", metal)
        prog.vec3("emissive_factor", part.emissive)
        prog.i("unlit", 1 if item.unlit else 0)
        prog.i("shadow_catcher", 1 if item.catcher else 0)
        if "normal" in part.textures:
            prog.texture("normal_tex", gl.GL_TEXTURE_2D, part.textures["normal"])
            prog.f("normal_scale", part.normal_scale)
        if "occlusion" in part.textures:
            prog.texture("occlusion_tex", gl.GL_TEXTURE_2D, part.textures["occlusion"])
            prog.f("occlusion_strength", part.occlusion_strength)
        t = part_transmission(item, part)
        if self.behind_tex and t > 0:
            prog.texture("behind_tex", gl.GL_TEXTURE_2D, self.behind_tex)
            prog.f("transmission", t)
            prog.f("ior", item.ior if item.ior is not None else part.ior)
            prog.f("thickness", item.thickness)
        for name in ("mr", "emissive"):
            t = part.textures.get(name)
            prog.texture(f"{name}_tex", gl.GL_TEXTURE_2D, t)
            prog.i(f"has_{name}_tex", 1 if t else 0)


def colour_pass(
    draw: Draw,
    targets,
    opaque: list,
    catcher,
    blended: list,
    transmissive: list,
    V,
    P,
    lights: dict,
    cam_pos,
    W: int,
    H: int,
) -> np.ndarray:
    """Pass 1: linear premultiplied colour, multisampled then resolved; (H, W, 4) float32.

    Order: opaque items, the shadow catcher, then — only when there are any — transmissive items
    (which sample a copy of what was drawn so far), then blended items back to front."""
    gl = draw.gl
    gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, targets.fbo("colour_ms"))
    gl.glDrawBuffers(1, [gl.GL_COLOR_ATTACHMENT0])
    gl.glEnable(gl.GL_MULTISAMPLE)
    gl.glClearColor(0.0, 0.0, 0.0, 0.0)
    gl.glClear(gl.GL_COLOR_BUFFER_BIT | gl.GL_DEPTH_BUFFER_BIT)
    gl.glEnable(gl.GL_BLEND)
    gl.glBlendFunc(gl.GL_ONE, gl.GL_ONE_MINUS_SRC_ALPHA)  # premultiplied alpha
    for it in opaque:
        for part in it.parts:
            draw("colour", it, part, V, P, lights, cam_pos)
    if catcher is not None:
        gl.glDepthMask(gl.GL_FALSE)  # invisible: it must not hide what is drawn after it
        draw("colour", catcher, catcher.parts[0], V, P, lights, cam_pos)
        gl.glDepthMask(gl.GL_TRUE)
    if transmissive:
        _transmissive(draw, targets, transmissive, V, P, lights, cam_pos, W, H)
    for it in blended:
        for part in it.parts:
            draw("colour", it, part, V, P, lights, cam_pos)
    gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, targets.fbo("colour_ms"))
    gl.glBindFramebuffer(gl.GL_DRAW_FRAMEBUFFER, targets.fbo("colour"))
    gl.glBlitFramebuffer(0, 0, W, H, 0, 0, W, H, gl.GL_COLOR_BUFFER_BIT, gl.GL_NEAREST)
    gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, targets.fbo("colour"))
    gl.glReadBuffer(gl.GL_COLOR_ATTACHMENT0)
    gl.glPixelStorei(gl.GL_PACK_ALIGNMENT, 1)
    # Read back as float32: the driver's conversion from half floats is faster than numpy's.
    return read_pixels(gl, 0, 0, W, H, gl.GL_RGBA, np.float32, 4)


def _transmissive(draw: Draw, targets, items: list, V, P, lights, cam_pos, W: int, H: int):
    """Resolve what is drawn so far into the ``behind`` texture, then draw the transmissive
    items into the multisampled target; their transmissive parts replace (no blending) what is
    behind them by what they refract of it."""
    gl = draw.gl
    fb, tex = targets.behind()
    gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, targets.fbo("colour_ms"))
    gl.glBindFramebuffer(gl.GL_DRAW_FRAMEBUFFER, fb)
    gl.glBlitFramebuffer(0, 0, W, H, 0, 0, W, H, gl.GL_COLOR_BUFFER_BIT, gl.GL_NEAREST)
    gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, targets.fbo("colour_ms"))
    draw.behind_tex = tex
    try:
        for it in items:
            for part in it.parts:
                if part_transmission(it, part) > 0:
                    gl.glDisable(gl.GL_BLEND)
                draw("colour", it, part, V, P, lights, cam_pos)
                gl.glEnable(gl.GL_BLEND)
    finally:
        draw.behind_tex = 0


def id_pass(
    draw: Draw, targets, items: list, V, P, lights: dict, cam_pos, W: int, H: int, normals: bool
):
    """Pass 2: ids and depth at pixel centres, single-sampled, no blending. Returns ids (H, W)
    uint32, depth (H, W) float32 metres and camera-frame normals (H, W, 3) or None. Leaves the
    id target bound for the amodal pass."""
    gl = draw.gl
    lights["id_normals"] = normals
    gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, targets.fbo("ids"))
    attachments = [gl.GL_COLOR_ATTACHMENT0, gl.GL_COLOR_ATTACHMENT1, gl.GL_COLOR_ATTACHMENT2]
    gl.glDrawBuffers(3 if normals else 2, attachments[: 3 if normals else 2])
    gl.glDisable(gl.GL_BLEND)
    gl.glDisable(gl.GL_MULTISAMPLE)
    gl.glClearBufferuiv(gl.GL_COLOR, 0, np.zeros(4, np.uint32))
    gl.glClearBufferfv(gl.GL_COLOR, 1, np.zeros(4, np.float32))
    if normals:
        gl.glClearBufferfv(gl.GL_COLOR, 2, np.zeros(4, np.float32))
    gl.glClearBufferfv(gl.GL_DEPTH, 0, np.ones(1, np.float32))
    for it in items:  # the colour pass's order: the same surface wins depth ties
        for part in it.parts:
            draw("id", it, part, V, P, lights, cam_pos)
    gl.glReadBuffer(gl.GL_COLOR_ATTACHMENT0)
    ids = read_pixels(gl, 0, 0, W, H, gl.GL_RED_INTEGER, np.uint32)
    gl.glReadBuffer(gl.GL_COLOR_ATTACHMENT1)
    depth = read_pixels(gl, 0, 0, W, H, gl.GL_RED, np.float32)
    normals_cam = None
    if normals:
        gl.glReadBuffer(gl.GL_COLOR_ATTACHMENT2)
        normals_cam = read_pixels(gl, 0, 0, W, H, gl.GL_RGBA, np.float32, 4)[:, :, :3].copy()
    lights["id_normals"] = False
    gl.glDrawBuffers(1, attachments[:1])
    return ids, depth, normals_cam


def catcher_depth(draw: Draw, catcher, V, P, lights: dict, cam_pos) -> None:
    """After :func:`id_pass` has been read back: the shadow catcher's depth into the bound id
    target where nothing nearer is (for ambient occlusion only; the labels never see it)."""
    gl = draw.gl
    gl.glDrawBuffers(2, [gl.GL_COLOR_ATTACHMENT0, gl.GL_COLOR_ATTACHMENT1])
    draw("id", catcher, catcher.parts[0], V, P, lights, cam_pos)
    gl.glDrawBuffers(1, [gl.GL_COLOR_ATTACHMENT0])


def object_box(o: ObjectSpec, K: np.ndarray, T_cw: np.ndarray, W: int, H: int):
    """Pixel box (x0, y0, x1, y1), end-exclusive, that holds the object's projection, clamped
    to the image; and whether its unclamped projection lies entirely inside."""
    if o.kind == "card":
        pts = np.asarray(o.corners_world)
    else:
        lo, hi = load_mesh(o.asset).bounds
        c = np.array(
            [[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])]
        )
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


def _draw_alone(draw: Draw, items: list, V, P, lights, cam_pos) -> None:
    """Clear the (scissored) id target and draw only ``items``."""
    gl = draw.gl
    draw.new_view()  # P alternates between the image and the wide view: re-upload it
    gl.glClearBufferuiv(gl.GL_COLOR, 0, np.zeros(4, np.uint32))
    gl.glClearBufferfv(gl.GL_DEPTH, 0, np.ones(1, np.float32))
    for it in items:
        for part in it.parts:
            draw("id", it, part, V, P, lights, cam_pos)


def _disjoint_groups(placed: list) -> list[list[int]]:
    """Objects whose boxes do not overlap cannot hide each other: indices grouped so that the
    boxes within a group are mutually disjoint (empty boxes left out)."""
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
    return groups


def _wide_view(K: np.ndarray, W: int, H: int) -> np.ndarray:
    """Intrinsics of a view three times as wide and tall, centred on the image, at the same
    pixel count."""
    Kw = K.copy()
    Kw[0, 0] /= 3.0
    Kw[1, 1] /= 3.0
    Kw[0, 1] /= 3.0
    Kw[0, 2] = (K[0, 2] + 0.5 + W) / 3.0 - 0.5
    Kw[1, 2] = (K[1, 2] + 0.5 + H) / 3.0 - 0.5
    return Kw


def amodal_pass(draw: Draw, spec: SceneSpec, items: list, V, P, K, lights, cam_pos):
    """Each object alone: its mask at full resolution (scissored to its box) and, when it may
    leave the image, its in-frame fraction and box from a 3× wider view. Returns (masks,
    in-frame fractions, boxes [x, y, w, h]) in object order."""
    gl = draw.gl
    W, H = spec.camera.width, spec.camera.height
    T_cw = np.linalg.inv(spec.camera.T_array())
    by_id = {it.obj_id: it for it in items if it.obj_id}
    Pw = projection_from_K(
        _wide_view(K, W, H), W, H, spec.camera.znear, spec.camera.zfar, top_row_first=True
    )
    masks, fracs, boxes = [], [], []
    gl.glReadBuffer(gl.GL_COLOR_ATTACHMENT0)
    gl.glEnable(gl.GL_SCISSOR_TEST)
    try:
        placed = [object_box(o, K, T_cw, W, H) for o in spec.objects]
        alone = [np.zeros((H, W), bool) for _ in spec.objects]
        for g in _disjoint_groups(placed):
            ux0 = min(placed[j][0][0] for j in g)
            uy0 = min(placed[j][0][1] for j in g)
            ux1 = max(placed[j][0][2] for j in g)
            uy1 = max(placed[j][0][3] for j in g)
            gl.glScissor(ux0, uy0, ux1 - ux0, uy1 - uy0)
            _draw_alone(draw, [by_id[spec.objects[j].id] for j in g], V, P, lights, cam_pos)
            sub = read_pixels(gl, ux0, uy0, ux1 - ux0, uy1 - uy0, gl.GL_RED_INTEGER, np.uint32)
            for j in g:
                x0, y0, x1, y1 = placed[j][0]
                alone[j][y0:y1, x0:x1] = (
                    sub[y0 - uy0 : y1 - uy0, x0 - ux0 : x1 - ux0] == spec.objects[j].id
                )
        for o, mask, (_, inside) in zip(spec.objects, alone, placed):
            masks.append(mask)
            ys, xs = np.nonzero(mask)
            exact = [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1] if len(xs) else None
            if inside:
                fracs.append(1.0)
                boxes.append(_xywh(exact))
                continue
            gl.glScissor(0, 0, W, H)
            _draw_alone(draw, [by_id[o.id]], V, Pw, lights, cam_pos)
            wide = read_pixels(gl, 0, 0, W, H, gl.GL_RED_INTEGER, np.uint32) == o.id
            frac, box = _wide_fraction_and_box(wide, exact, W, H)
            fracs.append(frac)
            boxes.append(_xywh(box))
    finally:
        gl.glDisable(gl.GL_SCISSOR_TEST)
    return tuple(masks), tuple(fracs), tuple(boxes)


def _wide_fraction_and_box(wide: np.ndarray, exact, W: int, H: int):
    """In-frame fraction and full (x0, y0, x1, y1) box of an object from its mask in the 3×
    wider view and its exact in-image box (None when it has no pixel in the image)."""
    total = int(wide.sum())
    # Wide pixel (r, c) looks at original pixel coordinates (3c + 1 − W, 3r + 1 − H).
    cols = 3 * np.arange(W) + 1 - W
    rows = 3 * np.arange(H) + 1 - H
    central = wide[np.ix_((rows >= 0) & (rows < H), (cols >= 0) & (cols < W))]
    frac = float(central.sum()) / total if total else 0.0
    wy, wx = np.nonzero(wide)
    if len(wx) == 0:
        return frac, exact
    # Wide pixel c spans original pixel edges [3c − W, 3c − W + 3).
    coarse = [3 * wx.min() - W, 3 * wy.min() - H, 3 * wx.max() + 3 - W, 3 * wy.max() + 3 - H]
    if exact is None:
        return frac, coarse
    # Sides the mask does not touch are exact; sides cut by the image come from the wide view.
    return frac, [
        coarse[0] if exact[0] == 0 else exact[0],
        coarse[1] if exact[1] == 0 else exact[1],
        coarse[2] if exact[2] == W else exact[2],
        coarse[3] if exact[3] == H else exact[3],
    ]


def _boxes_overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _xywh(box) -> list[float]:
    if box is None:
        return [0.0, 0.0, 0.0, 0.0]
    x0, y0, x1, y1 = (float(v) for v in box)
    return [x0, y0, x1 - x0, y1 - y0]
