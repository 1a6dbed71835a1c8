"""Template + (seed, frame index) → SceneSpec.

Every random draw of a frame happens here, from the named streams of :mod:`synth3d.sampling.rng`:
``attributes/<name>``, ``camera``, ``objects/<name>``, ``materials/<name>``, ``lights``,
``environment``, ``backdrops/<i>``, ``post`` and ``styles/<i>`` (one per ``post.styles`` step).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..assets.catalog import AssetEntry, Catalog
from ..errors import PlacementError
from ..spec import (
    BackdropSpec, CameraSpec, EnvironmentSpec, ImageAlphaSpec, LightSpec, MaterialSpec, ObjectSpec,
    OutputSpec, PostSpec, SceneSpec, TextureSpec, TonemapSpec,
)
from ..template.loading import LoadedTemplate
from ..template import schema as S
from ..color import temperature_to_linear_rgb
from .optics import sample_distortion
from .rng import stream
from .styles import check_style_assets, sample_styles
from .values import sample_color, sample_float, sample_int, sample_rotation, sample_vec

# OpenCV camera axes → a card/plane facing the camera: local x → camera x, local y (up) → −camera y,
# local normal +z → −camera z (towards the camera).
_FACE_CAMERA = np.diag([1.0, -1.0, -1.0])
# Card standing upright on the floor: local y → world z, normal → world −y.
_STAND_UP = np.array([[1.0, 0, 0], [0, 0, -1.0], [0, 1.0, 0]])


def look_at(position: np.ndarray, target: np.ndarray, roll_deg: float = 0.0) -> np.ndarray:
    """``T_world_cam`` (4×4, OpenCV axes) of a camera at ``position`` looking at ``target``, world z
    up, rolled by ``roll_deg`` about its optical axis."""
    z = np.asarray(target, float) - np.asarray(position, float)
    n = np.linalg.norm(z)
    if n < 1e-9:
        raise PlacementError("camera", "camera position coincides with its target")
    z /= n
    up = np.array([0.0, 0.0, 1.0])
    if abs(z @ up) > 0.999:  # looking straight up/down: any horizontal right vector will do
        up = np.array([0.0, 1.0, 0.0])
    x = np.cross(z, up)
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    R = np.stack([x, y, z], axis=1)
    if roll_deg:
        a = math.radians(roll_deg)
        c, s = math.cos(a), math.sin(a)
        R = R @ np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
    T = np.eye(4)
    T[:3, :3] = R
    T[:3, 3] = position
    return T


def intrinsics_from_fov(fov_y_deg: float, width: int, height: int) -> np.ndarray:
    """3×3 K with square pixels and the principal point at the image centre."""
    fy = (height / 2.0) / math.tan(math.radians(fov_y_deg) / 2.0)
    return np.array([[fy, 0, (width - 1) / 2.0], [0, fy, (height - 1) / 2.0], [0, 0, 1.0]])


def project(K: np.ndarray, T_world_cam: np.ndarray, pts_world: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates (N, 2) and camera depths (N,) of world points."""
    T_cam_world = np.linalg.inv(T_world_cam)
    pc = pts_world @ T_cam_world[:3, :3].T + T_cam_world[:3, 3]
    z = pc[:, 2]
    uv = (pc @ K.T)[:, :2] / np.where(np.abs(z) < 1e-12, 1e-12, z)[:, None]
    return uv, z


def _rt(R: np.ndarray, t: np.ndarray) -> np.ndarray:
    T = np.eye(4)
    T[:3, :3] = R
    T[:3, 3] = t
    return T


def _choose_weighted(entries: list[AssetEntry], weights: list[float], rng) -> AssetEntry:
    w = np.asarray(weights, float)
    return entries[int(rng.choice(len(entries), p=w / w.sum()))]


@dataclass
class _Placed:
    group: str
    mode: str
    hull_world: np.ndarray
    box2d: np.ndarray | None  # [x0, y0, x1, y1] in pixels
    footprint: np.ndarray | None  # [x0, y0, x1, y1] on the floor
    non_overlap: bool
    spec: ObjectSpec


def _overlap(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


class Sampler:
    """Turns a loaded template into SceneSpecs.

    Parameters
    ----------
    loaded : LoadedTemplate
    catalog : Catalog
        From :func:`synth3d.assets.catalog.build_catalog` (with files opened).
    size : (width, height), optional
        Overrides the template's image size.
    """

    def __init__(self, loaded: LoadedTemplate, catalog: Catalog, size: tuple[int, int] | None = None):
        self.loaded = loaded
        self.t = loaded.template
        self.catalog = catalog
        self.width, self.height = size if size else tuple(self.t.size)
        if self.t.post.styles:
            check_style_assets(self.t.post.styles, loaded.asset_root)

    # -- attributes ---------------------------------------------------------------------------

    def n_combinations(self) -> int:
        """Size of the cartesian product of the attributes (1 when there are none)."""
        n = 1
        for a in self.t.attributes.values():
            n *= len(a.values)
        return n

    def attributes(self, seed: int, index: int) -> dict:
        out = {}
        if self.t.mode == "exhaustive":
            k = index % self.n_combinations()
            radices = [len(a.values) for a in self.t.attributes.values()]
            digits = []
            for r in reversed(radices):  # last attribute varies fastest
                digits.append(k % r)
                k //= r
            for (name, a), d in zip(self.t.attributes.items(), reversed(digits)):
                out[name] = a.values[d]
            return out
        for name, a in self.t.attributes.items():
            rng = stream(seed, index, f"attributes/{name}")
            p = None if a.p is None else np.asarray(a.p, float) / sum(a.p)
            out[name] = a.values[int(rng.choice(len(a.values), p=p))]
        return out

    # -- camera -------------------------------------------------------------------------------

    def _camera(self, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        c = self.t.camera
        if c.intrinsics is not None:
            i = c.intrinsics
            K = np.array([[i.fx, 0, i.cx], [0, i.fy, i.cy], [0, 0, 1.0]])
        else:
            K = intrinsics_from_fov(sample_float(c.fov_y_deg, rng), self.width, self.height)
        target = sample_vec(c.target, rng)
        offset = sample_vec(c.offset, rng)
        roll = sample_float(c.roll_deg, rng)
        return K, look_at(target + offset, target, roll), target

    # -- objects ------------------------------------------------------------------------------

    def _group_entries(self, o: S.ObjectSpec) -> tuple[list[AssetEntry], list[float]]:
        if isinstance(o.assets, str):
            set_w = {o.assets: 1.0}
        elif isinstance(o.assets, list):
            set_w = {n: 1.0 for n in o.assets}
        else:
            set_w = dict(o.assets)
        entries, weights = [], []
        for name, sw in set_w.items():
            es = self.catalog.sets[name]
            tot = sum(e.weight for e in es)
            for e in es:
                entries.append(e)
                weights.append(sw * e.weight / tot)
        return entries, weights

    def _place_objects(self, rs, K, T_wc, attrs, attempt: int = 0) -> list[_Placed]:
        placed: list[_Placed] = []
        next_id = 1
        T_cw = np.linalg.inv(T_wc)
        # A retry of the whole layout (require_all_in_frame) draws from fresh streams so it never
        # replays the layout that failed.
        retry = f"/retry{attempt}" if attempt else ""
        for gi, o in enumerate(self.t.objects):
            rng = rs(f"objects/{o.name}{retry}")
            mrng = rs(f"materials/{o.name}{retry}")
            entries, weights = self._group_entries(o)
            count = sample_int(o.count, rng)
            fixed: AssetEntry | None = None
            if o.attribute is not None:
                value = str(attrs[o.attribute])
                if value in o.absent_values:
                    count = 0
                else:
                    fixed = next(e for e in entries if e.stem == value)
            ref = None
            if o.placement.mode == "relative":
                ref = next((p for p in placed if p.group == o.placement.to), None)
                if ref is None:
                    count = 0  # documented: relative to an absent object means absent
            for k in range(count):
                entry = fixed or _choose_weighted(entries, weights, rng)
                obj = self._place_one(gi, o, k, entry, rng, mrng, K, T_wc, T_cw, placed, ref,
                                      next_id)
                placed.append(obj)
                next_id += 1
        return placed

    def _place_one(self, gi, o, k, entry, rng, mrng, K, T_wc, T_cw, placed, ref, oid) -> _Placed:
        pl = o.placement
        kind = o.kind or ("card" if entry.kind == "image" else "mesh")
        W, H = self.width, self.height
        set_spec = self.t.assets[entry.set]
        for attempt in range(pl.max_attempts):
            s = sample_float(o.scale, rng)
            # Local geometry (object frame) of this instance.
            if kind == "card":
                info = self.catalog.image_info[entry.path]
                aspect = info.width / info.height
                if o.screen_height is not None and pl.mode in ("screen", "relative"):
                    depth = sample_float(pl.distance, rng) if pl.mode == "screen" else float(
                        (ref.hull_world.mean(0) @ T_cw[:3, :3].T + T_cw[:3, 3])[2])
                    h = sample_float(o.screen_height, rng) * H * depth / K[1, 1]
                else:
                    depth = None
                    h = sample_float(o.height, rng) if o.height is not None else 1.0
                h *= s
                w = h * aspect
                hull = np.array([[-w / 2, h / 2, 0], [w / 2, h / 2, 0], [w / 2, -h / 2, 0],
                                 [-w / 2, -h / 2, 0]])
                T_obj_asset = np.eye(4)
                mirror = bool(rng.random() < o.mirror) if o.mirror > 0 else False
            else:
                info = self.catalog.mesh_info[(entry.set, entry.path)]
                hull = info.hull * s
                T_obj_asset = np.diag([s, s, s, 1.0]) @ info.T_obj_asset
                depth, mirror, w, h = None, False, None, None

            if pl.mode == "floor":
                if pl.rotation is not None:
                    R = sample_rotation(pl.rotation, rng)
                else:  # upright, turned uniformly about z
                    a = rng.uniform(0.0, 2 * math.pi)
                    R = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0],
                                  [0, 0, 1.0]])
                if kind == "card":
                    R = R @ _STAND_UP
                p = hull @ R.T
                x = rng.uniform(*pl.region["x"])
                y = rng.uniform(*pl.region["y"])
                t = np.array([x, y, -p[:, 2].min()])
                T_wo = _rt(R, t)
            elif pl.mode == "world":
                if pl.rotation is not None:
                    R = sample_rotation(pl.rotation, rng)
                elif kind == "card":
                    R = T_wc[:3, :3] @ _FACE_CAMERA
                else:
                    R = np.eye(3)
                T_wo = _rt(R, sample_vec(pl.position, rng))
            else:
                roll = math.radians(sample_float(pl.roll_deg, rng))
                Rroll = np.array([[math.cos(roll), -math.sin(roll), 0],
                                  [math.sin(roll), math.cos(roll), 0], [0, 0, 1]])
                if kind == "card":
                    R_co = _FACE_CAMERA @ Rroll
                else:
                    R_w = sample_rotation(pl.rotation, rng) if pl.rotation is not None else np.eye(3)
                    R_co = T_cw[:3, :3] @ R_w
                pc = hull @ R_co.T  # object points in camera axes, relative to the origin
                lo, hi = pc.min(0), pc.max(0)
                centre = (lo + hi) / 2
                if pl.mode == "screen":
                    u, v = sample_vec(pl.point, rng)
                    d = depth if depth is not None else sample_float(pl.distance, rng)
                    ray = np.linalg.inv(K) @ np.array([u * W - 0.5, v * H - 0.5, 1.0])
                    X = ray * d
                    anchor = {"center": centre,
                              "bottom": np.array([centre[0], hi[1], centre[2]]),
                              "top": np.array([centre[0], lo[1], centre[2]]),
                              "left": np.array([lo[0], centre[1], centre[2]]),
                              "right": np.array([hi[0], centre[1], centre[2]])}[pl.anchor]
                    t_c = X - anchor
                else:
                    gap = sample_float(pl.gap, rng)
                    rc = ref.hull_world @ T_cw[:3, :3].T + T_cw[:3, 3]
                    rlo, rhi = rc.min(0), rc.max(0)
                    rcen = (rlo + rhi) / 2
                    side = pl.side
                    t_c = rcen - centre
                    if side == "right":
                        t_c[0] = rhi[0] + gap - lo[0]
                        t_c[1] = rhi[1] - hi[1]
                    elif side == "left":
                        t_c[0] = rlo[0] - gap - hi[0]
                        t_c[1] = rhi[1] - hi[1]
                    elif side == "above":
                        t_c[1] = rlo[1] - gap - hi[1]
                    elif side == "below":
                        t_c[1] = rhi[1] + gap - lo[1]
                    elif side == "front":
                        t_c[2] = rlo[2] - gap - hi[2]
                    elif side == "behind":
                        t_c[2] = rhi[2] + gap - lo[2]
                    if side == "on_top":
                        pw = hull @ (T_wc[:3, :3] @ R_co).T
                        rw_lo, rw_hi = ref.hull_world.min(0), ref.hull_world.max(0)
                        wc = (pw.min(0) + pw.max(0)) / 2
                        tw = np.array([(rw_lo[0] + rw_hi[0]) / 2 - wc[0],
                                       (rw_lo[1] + rw_hi[1]) / 2 - wc[1],
                                       rw_hi[2] + gap - pw[:, 2].min()])
                        T_wo = _rt(T_wc[:3, :3] @ R_co, tw)
                    if side != "on_top":
                        T_wo = T_wc @ _rt(R_co, t_c)
                if pl.mode == "screen":
                    T_wo = T_wc @ _rt(R_co, t_c)

            hull_w = hull @ T_wo[:3, :3].T + T_wo[:3, 3]
            uv, z = project(K, T_wc, hull_w)
            box = None
            if np.all(z > 1e-6):
                box = np.array([uv[:, 0].min(), uv[:, 1].min(), uv[:, 0].max(), uv[:, 1].max()])
            foot = None
            if pl.mode == "floor":
                foot = np.array([hull_w[:, 0].min(), hull_w[:, 1].min(),
                                 hull_w[:, 0].max(), hull_w[:, 1].max()])
            if pl.non_overlap and self._collides(pl.mode, box, foot, placed):
                continue
            break
        else:
            raise PlacementError(
                f"objects[{gi}].placement",
                f"could not place '{o.name}' instance {k + 1} without overlapping other objects in "
                f"{pl.max_attempts} attempts (enlarge the region, or lower count/scale)")

        spec = ObjectSpec(
            id=oid, name=o.name, category=entry.category,
            category_id=self.catalog.categories[entry.category], kind=kind, asset=entry.path,
            T_world_asset=(T_wo @ T_obj_asset).tolist(),
            material=self._material(o, kind, mrng),
            card_size=[float(w), float(h)] if kind == "card" else None,
            mirror=mirror,
            alpha=self._alpha(entry, set_spec) if kind == "card" else None,
            corners_world=hull_w.tolist() if kind == "card" else None,
            bounds_asset=(hull[[3, 1]].tolist() if kind == "card"
                          else info.bounds_file.tolist()),
            keypoints={k: list(map(float, v)) for k, v in
                       set_spec.keypoints.get(entry.stem, {}).items()},
        )
        return _Placed(o.name, pl.mode, hull_w, box, foot, pl.non_overlap, spec)

    @staticmethod
    def _collides(mode, box, foot, placed: list[_Placed]) -> bool:
        for p in placed:
            if mode == "floor" and p.footprint is not None:
                if _overlap(foot, p.footprint):
                    return True
            elif mode != "floor" and box is not None and p.box2d is not None:
                if _overlap(box, p.box2d):
                    return True
        return False

    def _alpha(self, entry: AssetEntry, set_spec: S.AssetSetSpec) -> ImageAlphaSpec:
        mode = set_spec.alpha
        if mode == "auto":
            mode = "channel" if self.catalog.image_info[entry.path].has_alpha else "key"
        return ImageAlphaSpec(mode=mode, key_color=list(set_spec.key_color),
                              key_threshold=set_spec.key_threshold)

    def _material(self, o: S.ObjectSpec, kind: str, rng) -> MaterialSpec:
        m = o.material
        unlit = (o.shading or ("unlit" if kind == "card" else "lit")) == "unlit"
        if m is None:
            return MaterialSpec(unlit=unlit)
        base = sample_color(m.base_color, rng) + [1.0] if m.base_color is not None else None
        rough = sample_float(m.roughness, rng) if m.roughness is not None else None
        metal = sample_float(m.metallic, rng) if m.metallic is not None else None
        tex = None
        if m.texture is not None and rng.random() < m.texture_probability:
            es = self.catalog.sets[m.texture]
            tex = _choose_weighted(es, [e.weight for e in es], rng).path
        clip = (lambda v: None if v is None else float(min(max(v, 0.0), 1.0)))
        return MaterialSpec(base_color=base, roughness=clip(rough), metallic=clip(metal),
                            texture=tex, keep_texture=m.keep_texture, unlit=unlit)

    # -- lights, environment, backdrops, post ------------------------------------------------

    def _lights(self, rs) -> list[LightSpec]:
        rng = rs("lights")
        out = []
        for spec in self.t.lights:
            for _ in range(sample_int(spec.count, rng)):
                if spec.temperature_k is not None:
                    color = temperature_to_linear_rgb(sample_float(spec.temperature_k, rng))
                else:
                    color = sample_color(spec.color, rng)
                intensity = sample_float(spec.intensity, rng)
                kw = {}
                if spec.type == "directional":
                    d = sample_vec(spec.direction, rng)
                    kw["direction"] = (d / np.linalg.norm(d)).tolist()
                else:
                    pos = sample_vec(spec.position, rng)
                    kw["position"] = pos.tolist()
                    if spec.type == "spot":
                        d = sample_vec(spec.target, rng) - pos
                        kw["direction"] = (d / np.linalg.norm(d)).tolist()
                        kw["cone_deg"] = sample_float(spec.cone_deg, rng)
                out.append(LightSpec(type=spec.type, color=color, intensity=intensity,
                                     shadows=spec.shadows and spec.type != "point", **kw))
        return out

    def _environment(self, rs) -> EnvironmentSpec:
        e = self.t.environment
        rng = rs("environment")
        hdri = None
        if e.hdri:
            es = self.catalog.sets[e.hdri]
            hdri = _choose_weighted(es, [x.weight for x in es], rng).path
        plate = None
        if e.backplate:
            es = self.catalog.sets[e.backplate]
            plate = _choose_weighted(es, [x.weight for x in es], rng).path
        return EnvironmentSpec(
            hdri=hdri,
            rotation_deg=sample_float(e.rotation_deg, rng),
            exposure_ev=sample_float(e.exposure_ev, rng),
            background=e.background or ("backplate" if plate else "hdri" if hdri else "color"),
            backplate=plate,
            background_blur=max(0.0, sample_float(e.background_blur, rng)),
            color=sample_color(e.color, rng),
            lighting=bool(e.lighting and hdri),
            ambient=sample_color(e.ambient, rng),
            shadows=e.shadows,
            reflections=e.reflections,
            shadow_catcher=e.shadow_catcher,
        )

    def _backdrops(self, rs, K, T_wc, target, attrs) -> list[BackdropSpec]:
        out = []
        for i, b in enumerate(self.t.backdrops):
            rng = rs(f"backdrops/{i}")
            if isinstance(b.texture, list):
                w = [x.weight for x in b.texture]
                tx = b.texture[int(rng.choice(len(w), p=np.asarray(w) / sum(w)))]
            else:
                tx = b.texture
            image = None
            img_aspect = None
            if tx.type == "image":
                es = self.catalog.sets[tx.image]
                if tx.attribute:
                    image = next(e for e in es if e.stem == str(attrs[tx.attribute])).path
                else:
                    image = _choose_weighted(es, [e.weight for e in es], rng).path
                info = self.catalog.image_info[image]
                img_aspect = info.width / info.height
            if tx.type == "color":
                colors = [sample_color(tx.color, rng)]
            else:
                colors = [sample_color(c, rng) for c in tx.colors]
            squares = sample_int(tx.squares, rng)
            scale = sample_float(tx.scale, rng)
            tseed = int(rng.integers(0, 2**31 - 1))
            if tx.variants:
                tseed %= tx.variants  # a few cached patterns instead of a new one per frame
            rot = math.radians(sample_float(b.texture_rotation_deg, rng))
            sweep = None
            if b.type == "floor":
                size = list(b.size)
                T = _rt(np.eye(3), sample_vec(b.position, rng))
            elif b.type == "sweep":
                size = list(b.size)
                a = math.radians(sample_float(b.azimuth_deg, rng) - 90.0)
                Rz = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0],
                               [0, 0, 1.0]])
                T = _rt(Rz, sample_vec(b.position, rng))
                height = sample_float(b.sweep_height, rng)
                sweep = [min(sample_float(b.sweep_radius, rng), height), height]
            elif b.type == "wall":
                size = list(b.size)
                d = sample_float(b.distance, rng)
                az = math.radians(sample_float(b.azimuth_deg, rng))
                n = -np.array([math.cos(az), math.sin(az), 0.0])
                yl = np.array([0.0, 0.0, 1.0])
                xl = np.cross(yl, n)
                T = _rt(np.stack([xl, yl, n], axis=1),
                        np.array([-n[0] * d, -n[1] * d, size[1] / 2]))
            else:
                extra = sample_float(b.distance, rng)
                T_cw = np.linalg.inv(T_wc)
                W, H = self.width, self.height
                target_depth = float((target @ T_cw[:3, :3].T + T_cw[:3, 3])[2])
                D = max(target_depth, 0.0) + extra
                if D <= self.t.camera.znear or D >= self.t.camera.zfar:
                    raise PlacementError(f"backdrops[{i}].distance",
                                         f"background plane at {D:.3g} m is outside the camera's "
                                         "znear..zfar range")
                Kinv = np.linalg.inv(K)
                c0 = Kinv @ np.array([-0.5, -0.5, 1.0]) * D
                c1 = Kinv @ np.array([W - 0.5, H - 0.5, 1.0]) * D
                # 0.2% larger than the frame so no background pixel falls past its edge.
                size = [float(c1[0] - c0[0]) * 1.002, float(c1[1] - c0[1]) * 1.002]
                centre = np.array([(c0[0] + c1[0]) / 2, (c0[1] + c1[1]) / 2, D])
                T = T_wc @ _rt(_FACE_CAMERA, centre)
            repeat = 1.0 if b.type == "background" else sample_float(tx.repeat, rng)
            surface = size if sweep is None else [
                size[0], size[1] + math.pi / 2 * sweep[0] + sweep[1] - sweep[0]]
            uvt = _uv_transform(rot, surface[0] / surface[1], img_aspect, repeat)
            tint = sample_color(b.tint, rng)
            tex = TextureSpec(type=tx.type, colors=colors, squares=squares, scale=scale, seed=tseed,
                              image=image, resolution=tx.resolution, uv_transform=uvt)
            unlit = (b.shading or ("unlit" if b.type == "background" else "lit")) == "unlit"
            out.append(BackdropSpec(type=b.type, T_world_plane=T.tolist(), size=size, texture=tex,
                                    roughness=sample_float(b.roughness, rng),
                                    metallic=sample_float(b.metallic, rng), unlit=unlit,
                                    tint=tint, sweep=sweep))
        return out

    def _post(self, rs) -> PostSpec:
        rng = rs("post")
        tm = self.t.post.tonemap
        wb = sample_float(tm.white_balance_k, rng) if tm.white_balance_k is not None else None
        styles = sample_styles(self.t.post.styles, rs, self.loaded.asset_root) \
            if self.t.post.styles else []
        from .optics import sample_optics

        return PostSpec(tonemap=TonemapSpec(operator=tm.operator,
                                            exposure_ev=sample_float(tm.exposure_ev, rng),
                                            auto_exposure=tm.auto_exposure, white_balance_k=wb),
                        styles=styles, optics=sample_optics(self.t.post.optics, rs("optics")))

    # -- the frame ----------------------------------------------------------------------------

    def sample(self, seed: int, index: int, resample: int = 0) -> SceneSpec:
        """The SceneSpec of frame ``index`` under root seed ``seed``.

        ``resample`` > 0 draws everything but the attributes again from fresh streams (used when
        a rendered frame is rejected, e.g. an object ended up fully hidden).

        Raises
        ------
        PlacementError
            When a placement or the in-frame constraint cannot be met within its attempts.
        """
        attrs = self.attributes(seed, index)

        def rs(name: str):
            return stream(seed, index, f"{name}@{resample}" if resample else name)

        crng = rs("camera")
        cam = self.t.camera
        for attempt in range(cam.max_attempts):
            K, T_wc, target = self._camera(crng)
            placed = self._place_objects(rs, K, T_wc, attrs, attempt)
            if not cam.require_all_in_frame or self._all_in_frame(K, T_wc, placed):
                break
        else:
            raise PlacementError(
                "camera.require_all_in_frame",
                f"no camera/object layout kept every object inside the frame in {cam.max_attempts} "
                "attempts (move the camera back, widen fov_y_deg or shrink the placement region)")
        return SceneSpec(
            template=self.t.name, seed=int(seed), index=int(index), attributes=attrs,
            camera=CameraSpec(width=self.width, height=self.height, K=K.tolist(),
                              T_world_cam=T_wc.tolist(), znear=cam.znear, zfar=cam.zfar,
                              distortion=sample_distortion(cam.distortion, rs("distortion"))),
            objects=[p.spec for p in placed],
            lights=self._lights(rs),
            environment=self._environment(rs),
            backdrops=self._backdrops(rs, K, T_wc, target, attrs),
            post=self._post(rs),
            output=OutputSpec(depth_scale=self.t.output.depth_scale,
                              rgb_format=self.t.output.rgb_format,
                              jpeg_quality=self.t.output.jpeg_quality,
                              amodal=self.t.labels.amodal, normals=self.t.labels.normals,
                              contours=self.t.labels.contours,
                              crease_deg=self.t.labels.crease_deg,
                              semantic=self.t.labels.semantic),
        )

    def _all_in_frame(self, K, T_wc, placed: list[_Placed]) -> bool:
        for p in placed:
            uv, z = project(K, T_wc, p.hull_world)
            if np.any(z <= 0):
                return False
            if uv[:, 0].min() < -0.5 or uv[:, 1].min() < -0.5 or \
                    uv[:, 0].max() > self.width - 0.5 or uv[:, 1].max() > self.height - 0.5:
                return False
        return True


def _uv_transform(rot: float, plane_aspect: float, img_aspect: float | None,
                  repeat: float = 1.0) -> list[list[float]]:
    """2×3 map from plane UV to texture UV: rotate about the centre, keep the texture's aspect
    (an image is cropped to cover the plane; square procedural textures keep square texels) and
    repeat it ``repeat`` times across the plane's width."""
    tex_aspect = img_aspect if img_aspect is not None else 1.0
    if repeat == 1.0 and img_aspect is not None:
        sx, sy = (1.0, tex_aspect / plane_aspect) if plane_aspect > tex_aspect else \
            (plane_aspect / tex_aspect, 1.0)
    else:
        sx, sy = repeat, repeat * tex_aspect / plane_aspect
    c, s = math.cos(rot), math.sin(rot)
    A = np.array([[sx, 0], [0, sy]]) @ np.array([[c, -s], [s, c]])
    b = np.array([0.5, 0.5]) - A @ np.array([0.5, 0.5])
    return np.hstack([A, b[:, None]]).tolist()
