"""Backdrop draws: floors, walls, studio sweeps and full-frame background planes, with their
textures (image or procedural), tint, roughness and texture placement."""

from __future__ import annotations

import math

import numpy as np

from ..assets.catalog import Catalog
from ..errors import PlacementError
from ..spec import BackdropSpec, TextureSpec
from .placement import FACE_CAMERA
from .values import (
    choose_weighted,
    rotation_z,
    rt,
    sample_color,
    sample_float,
    sample_int,
    sample_vec,
)


def _texture_choice(b, rng):
    if isinstance(b.texture, list):
        w = [x.weight for x in b.texture]
        return b.texture[int(rng.choice(len(w), p=np.asarray(w) / sum(w)))]
    return b.texture


def _background_plane(b, i: int, camera, K, T_wc, target, width: int, height: int, rng):
    """Size and pose of a full-frame plane behind the target, facing the camera."""
    extra = sample_float(b.distance, rng)
    T_cw = np.linalg.inv(T_wc)
    target_depth = float((target @ T_cw[:3, :3].T + T_cw[:3, 3])[2])
    D = max(target_depth, 0.0) + extra
    if D <= camera.znear or D >= camera.zfar:
        raise PlacementError(
            f"backdrops[{i}].distance",
            f"background plane at {D:.3g} m is outside the camera's znear..zfar range",
        )
    Kinv = np.linalg.inv(K)
    c0 = Kinv @ np.array([-0.5, -0.5, 1.0]) * D
    c1 = Kinv @ np.array([width - 0.5, height - 0.5, 1.0]) * D
    # 0.2% larger than the frame so no background pixel falls past its edge.
    size = [float(c1[0] - c0[0]) * 1.002, float(c1[1] - c0[1]) * 1.002]
    centre = np.array([(c0[0] + c1[0]) / 2, (c0[1] + c1[1]) / 2, D])
    return size, T_wc @ rt(FACE_CAMERA, centre)


def _plane_pose(b, i: int, camera, K, T_wc, target, width: int, height: int, rng):
    """``(size, T_world_plane, sweep)`` of one backdrop by its type."""
    sweep = None
    if b.type == "floor":
        return list(b.size), rt(np.eye(3), sample_vec(b.position, rng)), None
    if b.type == "sweep":
        size = list(b.size)
        a = math.radians(sample_float(b.azimuth_deg, rng) - 90.0)
        T = rt(rotation_z(a), sample_vec(b.position, rng))
        height_m = sample_float(b.sweep_height, rng)
        sweep = [min(sample_float(b.sweep_radius, rng), height_m), height_m]
        return size, T, sweep
    if b.type == "wall":
        size = list(b.size)
        d = sample_float(b.distance, rng)
        az = math.radians(sample_float(b.azimuth_deg, rng))
        n = -np.array([math.cos(az), math.sin(az), 0.0])
        yl = np.array([0.0, 0.0, 1.0])
        xl = np.cross(yl, n)
        return (
            size,
            rt(np.stack([xl, yl, n], axis=1), np.array([-n[0] * d, -n[1] * d, size[1] / 2])),
            None,
        )
    size, T = _background_plane(b, i, camera, K, T_wc, target, width, height, rng)
    return size, T, None


def sample_backdrops(
    backdrops: list, rs, camera, K, T_wc, target, attrs, catalog: Catalog, width: int, height: int
) -> list[BackdropSpec]:
    """Every backdrop of the template, each from its own stream ``backdrops/<i>``."""
    out = []
    for i, b in enumerate(backdrops):
        rng = rs(f"backdrops/{i}")
        tx = _texture_choice(b, rng)
        image = None
        img_aspect = None
        if tx.type == "image":
            es = catalog.sets[tx.image]
            if tx.attribute:
                image = next(e for e in es if e.stem == str(attrs[tx.attribute])).path
            else:
                image = choose_weighted(es, [e.weight for e in es], rng).path
            info = catalog.image_info[image]
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
        size, T, sweep = _plane_pose(b, i, camera, K, T_wc, target, width, height, rng)
        repeat = 1.0 if b.type == "background" else sample_float(tx.repeat, rng)
        surface = (
            size
            if sweep is None
            else [size[0], size[1] + math.pi / 2 * sweep[0] + sweep[1] - sweep[0]]
        )
        uvt = uv_transform(rot, surface[0] / surface[1], img_aspect, repeat)
        tint = sample_color(b.tint, rng)
        tex = TextureSpec(
            type=tx.type,
            colors=colors,
            squares=squares,
            scale=scale,
            seed=tseed,
            image=image,
            resolution=tx.resolution,
            uv_transform=uvt,
        )
        unlit = (b.shading or ("unlit" if b.type == "background" else "lit")) == "unlit"
        out.append(
            BackdropSpec(
                type=b.type,
                T_world_plane=T.tolist(),
                size=size,
                texture=tex,
                roughness=sample_float(b.roughness, rng),
                metallic=sample_float(b.metallic, rng),
                unlit=unlit,
                tint=tint,
                sweep=sweep,
            )
        )
    return out


def uv_transform(
    rot: float, plane_aspect: float, img_aspect: float | None, repeat: float = 1.0
) -> list[list[float]]:
    """2×3 map from plane UV to texture UV: rotate about the centre, keep the texture's aspect
    (an image is cropped to cover the plane; square procedural textures keep square texels) and
    repeat it ``repeat`` times across the plane's width."""
    tex_aspect = img_aspect if img_aspect is not None else 1.0
    if repeat == 1.0 and img_aspect is not None:
        sx, sy = (
            (1.0, tex_aspect / plane_aspect)
            if plane_aspect > tex_aspect
            else (plane_aspect / tex_aspect, 1.0)
        )
    else:
        sx, sy = repeat, repeat * tex_aspect / plane_aspect
    c, s = math.cos(rot), math.sin(rot)
    A = np.array([[sx, 0], [0, sy]]) @ np.array([[c, -s], [s, c]])
    b = np.array([0.5, 0.5]) - A @ np.array([0.5, 0.5])
    return np.hstack([A, b[:, None]]).tolist()
