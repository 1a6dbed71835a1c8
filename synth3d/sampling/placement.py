"""Object placement: which assets, how many, and where — floor, world, screen and relative
layouts, with non-overlap by rejection. Physics-based placement goes here too (it starts from
these poses)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..assets.catalog import AssetEntry, Catalog
from ..errors import LayoutFailed
from ..spec import ObjectSpec
from ..template import schema as S
from .camera import project
from .materials import sample_card_alpha, sample_material
from .settling import drop_start
from .values import (
    choose_weighted,
    rotation_z,
    rt,
    sample_float,
    sample_int,
    sample_rotation,
    sample_vec,
)

# OpenCV camera axes → a card/plane facing the camera: local x → camera x, local y (up) → −camera y,
# local normal +z → −camera z (towards the camera).
FACE_CAMERA = np.diag([1.0, -1.0, -1.0])
# Card standing upright on the floor: local y → world z, normal → world −y.
_STAND_UP = np.array([[1.0, 0, 0], [0, 0, -1.0], [0, 1.0, 0]])


@dataclass
class Placed:
    """One placed instance: its world hull, image box and floor footprint (for overlap tests)."""

    group: str
    mode: str
    hull_world: np.ndarray
    box2d: np.ndarray | None  # [x0, y0, x1, y1] in pixels
    footprint: np.ndarray | None  # [x0, y0, x1, y1] on the floor
    non_overlap: bool
    spec: ObjectSpec
    T_wo: np.ndarray | None = None  # object frame → world (rigid)
    hull_obj: np.ndarray | None = None  # hull points in the object frame
    T_obj_asset: np.ndarray | None = None

    def moved(self, T_wo: np.ndarray, physics=None) -> Placed:
        """This object at a new object pose (settled by physics), with its physics record."""
        hull_w = self.hull_obj @ T_wo[:3, :3].T + T_wo[:3, 3]
        upd = {"T_world_asset": (T_wo @ self.T_obj_asset).tolist(), "physics": physics}
        if self.spec.kind == "card":
            upd["corners_world"] = hull_w.tolist()
        return Placed(
            self.group,
            self.mode,
            hull_w,
            self.box2d,
            self.footprint,
            self.non_overlap,
            self.spec.model_copy(update=upd),
            T_wo,
            self.hull_obj,
            self.T_obj_asset,
        )


@dataclass
class _Shape:
    """Local geometry of one instance (object frame), before it is posed."""

    kind: str
    hull: np.ndarray  # (N, 3) points of the convex hull (a card's 4 corners)
    T_obj_asset: np.ndarray
    depth: float | None = None  # a screen-sized card's distance, drawn with its size
    mirror: bool = False
    size: tuple | None = None  # a card's (w, h)
    info: object = None  # the catalog's mesh info


@dataclass
class _View:
    """The camera a layout is placed for."""

    K: np.ndarray
    T_wc: np.ndarray
    T_cw: np.ndarray
    width: int
    height: int


def _overlap(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


def _collides(mode, box, foot, placed: list[Placed]) -> bool:
    for p in placed:
        if mode == "floor" and p.footprint is not None:
            if _overlap(foot, p.footprint):
                return True
        elif mode != "floor" and box is not None and p.box2d is not None:
            if _overlap(box, p.box2d):
                return True
    return False


class Placer:
    """Places a template's object groups for one camera.

    Parameters
    ----------
    template : Template
    catalog : Catalog
    width, height : int
        Image size in pixels.
    """

    def __init__(self, template, catalog: Catalog, width: int, height: int):
        self.t = template
        self.catalog = catalog
        self.width, self.height = width, height

    def group_entries(self, o: S.ObjectSpec) -> tuple[list[AssetEntry], list[float]]:
        """The assets a group draws from and their probabilities (set weight × file weight)."""
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

    def place_objects(self, rs, K, T_wc, attrs, attempt: int = 0) -> list[Placed]:
        """Every group's instances, in template order; ids 1..N in that order."""
        placed: list[Placed] = []
        view = _View(K, T_wc, np.linalg.inv(T_wc), self.width, self.height)
        # A retry of the whole layout (require_all_in_frame) draws from fresh streams so it never
        # replays the layout that failed.
        retry = f"/retry{attempt}" if attempt else ""
        for gi, o in enumerate(self.t.objects):
            rng = rs(f"objects/{o.name}{retry}")
            mrng = rs(f"materials/{o.name}{retry}")
            entries, weights = self.group_entries(o)
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
                entry = fixed or choose_weighted(entries, weights, rng)
                placed.append(
                    self._place_one(gi, o, k, entry, rng, mrng, view, placed, ref, len(placed) + 1)
                )
        return placed

    def _place_one(self, gi, o, k, entry, rng, mrng, view: _View, placed, ref, oid) -> Placed:
        pl = o.placement
        kind = o.kind or ("card" if entry.kind == "image" else "mesh")
        for _ in range(pl.max_attempts):
            shape = self._shape(o, kind, entry, rng, view, ref)
            T_wo = self._pose(pl, shape, rng, view, ref, placed)
            hull_w = shape.hull @ T_wo[:3, :3].T + T_wo[:3, 3]
            uv, z = project(view.K, view.T_wc, hull_w)
            box = None
            if np.all(z > 1e-6):
                box = np.array([uv[:, 0].min(), uv[:, 1].min(), uv[:, 0].max(), uv[:, 1].max()])
            foot = None
            if pl.mode == "floor":
                foot = np.array(
                    [hull_w[:, 0].min(), hull_w[:, 1].min(), hull_w[:, 0].max(), hull_w[:, 1].max()]
                )
            if not (pl.non_overlap and _collides(pl.mode, box, foot, placed)):
                break
        else:
            raise LayoutFailed(
                f"objects[{gi}].placement",
                f"could not place '{o.name}' instance {k + 1} without overlapping other objects in "
                f"{pl.max_attempts} attempts (enlarge the region, or lower count/scale)",
            )
        spec = self._object_spec(o, entry, shape, T_wo, hull_w, mrng, oid)
        return Placed(
            o.name,
            pl.mode,
            hull_w,
            box,
            foot,
            pl.non_overlap,
            spec,
            T_wo,
            shape.hull,
            shape.T_obj_asset,
        )

    def _shape(self, o, kind: str, entry: AssetEntry, rng, view: _View, ref) -> _Shape:
        """Draw the instance's scale (and a card's size and mirroring): its local geometry."""
        pl = o.placement
        s = sample_float(o.scale, rng)
        if kind != "card":
            info = self.catalog.mesh_info[(entry.set, entry.path)]
            return _Shape(
                kind, info.hull * s, np.diag([s, s, s, 1.0]) @ info.T_obj_asset, info=info
            )
        img = self.catalog.image_info[entry.path]
        aspect = img.width / img.height
        depth = None
        own = self.catalog.card_heights.get((entry.set, entry.path))  # a self-sizing set
        if (o.screen_height is not None or own is not None) and pl.mode in ("screen", "relative"):
            depth = (
                sample_float(pl.distance, rng)
                if pl.mode == "screen"
                else float((ref.hull_world.mean(0) @ view.T_cw[:3, :3].T + view.T_cw[:3, 3])[2])
            )
            frac = own if own is not None else sample_float(o.screen_height, rng)
            h = frac * view.height * depth / view.K[1, 1]
        elif own is not None:
            h = own
        else:
            h = sample_float(o.height, rng) if o.height is not None else 1.0
        h *= s
        w = h * aspect
        hull = np.array(
            [[-w / 2, h / 2, 0], [w / 2, h / 2, 0], [w / 2, -h / 2, 0], [-w / 2, -h / 2, 0]]
        )
        mirror = bool(rng.random() < o.mirror) if o.mirror > 0 else False
        return _Shape(kind, hull, np.eye(4), depth=depth, mirror=mirror, size=(w, h))

    def _pose(self, pl, shape: _Shape, rng, view: _View, ref, placed=()) -> np.ndarray:
        """``T_world_obj`` of the instance under its placement mode."""
        card = shape.kind == "card"
        if pl.mode == "drop":
            return drop_start(pl, shape.hull, rng, placed, _STAND_UP if card else None)
        if pl.mode == "floor":
            if pl.rotation is not None:
                R = sample_rotation(pl.rotation, rng)
            else:  # upright, turned uniformly about z
                R = rotation_z(rng.uniform(0.0, 2 * math.pi))
            if card:
                R = R @ _STAND_UP
            p = shape.hull @ R.T
            x = rng.uniform(*pl.region["x"])
            y = rng.uniform(*pl.region["y"])
            return rt(R, np.array([x, y, -p[:, 2].min()]))
        if pl.mode == "world":
            if pl.rotation is not None:
                R = sample_rotation(pl.rotation, rng)
            elif card:
                R = view.T_wc[:3, :3] @ FACE_CAMERA
            else:
                R = np.eye(3)
            return rt(R, sample_vec(pl.position, rng))
        roll = rotation_z(math.radians(sample_float(pl.roll_deg, rng)))
        if card:
            R_co = FACE_CAMERA @ roll
        else:
            R_w = sample_rotation(pl.rotation, rng) if pl.rotation is not None else np.eye(3)
            R_co = view.T_cw[:3, :3] @ R_w
        pc = shape.hull @ R_co.T  # object points in camera axes, relative to the origin
        if pl.mode == "screen":
            return view.T_wc @ rt(R_co, self._screen_offset(pl, pc, shape.depth, rng, view))
        gap = sample_float(pl.gap, rng)
        if pl.side == "on_top":
            return _on_top(shape.hull, view.T_wc[:3, :3] @ R_co, ref.hull_world, gap)
        return view.T_wc @ rt(R_co, _beside(pl.side, pc, ref.hull_world, view.T_cw, gap))

    @staticmethod
    def _screen_offset(pl, pc: np.ndarray, depth, rng, view: _View) -> np.ndarray:
        """Camera-frame translation putting the object's anchor on the drawn image point."""
        lo, hi = pc.min(0), pc.max(0)
        centre = (lo + hi) / 2
        u, v = sample_vec(pl.point, rng)
        d = depth if depth is not None else sample_float(pl.distance, rng)
        ray = np.linalg.inv(view.K) @ np.array([u * view.width - 0.5, v * view.height - 0.5, 1.0])
        anchor = {
            "center": centre,
            "bottom": np.array([centre[0], hi[1], centre[2]]),
            "top": np.array([centre[0], lo[1], centre[2]]),
            "left": np.array([lo[0], centre[1], centre[2]]),
            "right": np.array([hi[0], centre[1], centre[2]]),
        }[pl.anchor]
        return ray * d - anchor

    def _object_spec(
        self, o, entry: AssetEntry, shape: _Shape, T_wo, hull_w, mrng, oid: int
    ) -> ObjectSpec:
        card = shape.kind == "card"
        set_spec = self.t.assets[entry.set]
        return ObjectSpec(
            id=oid,
            name=o.name,
            category=entry.category,
            category_id=self.catalog.categories[entry.category],
            kind=shape.kind,
            asset=entry.path,
            T_world_asset=(T_wo @ shape.T_obj_asset).tolist(),
            material=sample_material(o, shape.kind, mrng, self.catalog),
            card_size=[float(v) for v in shape.size] if card else None,
            mirror=shape.mirror,
            alpha=sample_card_alpha(entry, set_spec, self.catalog) if card else None,
            corners_world=hull_w.tolist() if card else None,
            bounds_asset=(shape.hull[[3, 1]].tolist() if card else shape.info.bounds_file.tolist()),
            keypoints={
                k: list(map(float, v))
                for k, v in (entry.keypoints or set_spec.keypoints.get(entry.stem, {})).items()
            },
            labelled=o.labelled,
        )


def _beside(
    side: str, pc: np.ndarray, ref_hull_world: np.ndarray, T_cw: np.ndarray, gap: float
) -> np.ndarray:
    """Camera-frame translation of an object (points ``pc`` in camera axes) next to a reference
    object on ``side``, ``gap`` metres apart, its bottom (or depth centre) aligned."""
    lo, hi = pc.min(0), pc.max(0)
    centre = (lo + hi) / 2
    rc = ref_hull_world @ T_cw[:3, :3].T + T_cw[:3, 3]
    rlo, rhi = rc.min(0), rc.max(0)
    t_c = (rlo + rhi) / 2 - centre
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
    return t_c


def _on_top(
    hull: np.ndarray, R_wo: np.ndarray, ref_hull_world: np.ndarray, gap: float
) -> np.ndarray:
    """``T_world_obj`` centring the object over the reference object's box, ``gap`` above it."""
    pw = hull @ R_wo.T
    rw_lo, rw_hi = ref_hull_world.min(0), ref_hull_world.max(0)
    wc = (pw.min(0) + pw.max(0)) / 2
    tw = np.array(
        [
            (rw_lo[0] + rw_hi[0]) / 2 - wc[0],
            (rw_lo[1] + rw_hi[1]) / 2 - wc[1],
            rw_hi[2] + gap - pw[:, 2].min(),
        ]
    )
    return rt(R_wo, tw)
