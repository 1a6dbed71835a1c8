"""Independent geometry for tests: a trimesh ray cast of a SceneSpec through pixel centres."""

from __future__ import annotations

import numpy as np
import trimesh

from synth3d.assets.catalog import load_card_rgba, load_mesh
from synth3d.spec import SceneSpec


def _quad(w: float, h: float) -> trimesh.Trimesh:
    return trimesh.Trimesh(
        [[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]],
        [[0, 1, 2], [0, 2, 3]],
        process=False,
    )


def raycast(spec: SceneSpec) -> tuple[np.ndarray, np.ndarray]:
    """Instance ids (H, W) int and depth along the optical axis (H, W) metres (0 = miss) of the
    first surface hit by the ray through every pixel centre. Cards count only where their image's
    alpha is ≥ 0.5 at the hit point."""
    parts, owner = [], []
    for k, o in enumerate(spec.objects):
        m = _quad(*o.card_size) if o.kind == "card" else load_mesh(o.asset).copy()
        m.apply_transform(o.T_array())
        parts.append(m)
        owner.append(np.full(len(m.faces), k))
    for b in spec.backdrops:
        if b.type == "sweep":
            from synth3d.assets.geometry import sweep_mesh

            pos, _, _, tri = sweep_mesh(*b.size, *b.sweep)
            q = trimesh.Trimesh(pos, tri, process=False)
        else:
            q = _quad(*b.size)
        q.apply_transform(np.asarray(b.T_world_plane))
        parts.append(q)
        owner.append(np.full(2, -1))
    scene = trimesh.util.concatenate(parts)
    owner = np.concatenate(owner)
    cam = spec.camera
    K, T = cam.K_array(), cam.T_array()
    W, H = cam.width, cam.height
    us, vs = np.meshgrid(np.arange(W, dtype=float), np.arange(H, dtype=float))
    d_cam = np.stack([us, vs, np.ones_like(us)], -1).reshape(-1, 3) @ np.linalg.inv(K).T
    d_world = d_cam @ T[:3, :3].T
    origins = np.repeat(T[None, :3, 3], len(d_world), 0)
    loc, ray, tri = scene.ray.intersects_location(origins, d_world, multiple_hits=True)
    z = (loc - T[:3, 3]) @ T[:3, 2]
    order = np.lexsort((z, ray))
    ids = np.zeros(W * H, int)
    depth = np.zeros(W * H)
    filled = np.zeros(W * H, bool)
    for j in order:
        r = ray[j]
        if filled[r]:
            continue
        k = owner[tri[j]]
        if (
            k >= 0
            and spec.objects[k].kind == "card"
            and not _card_alpha_ok(spec.objects[k], loc[j])
        ):
            continue
        filled[r] = True
        ids[r] = spec.objects[k].id if k >= 0 else 0
        depth[r] = z[j]
    return ids.reshape(H, W), depth.reshape(H, W)


def _card_alpha_ok(o, p_world: np.ndarray) -> bool:
    a = o.alpha
    rgba = load_card_rgba(o.asset, a.mode, tuple(a.key_color), a.key_threshold)
    local = np.linalg.inv(o.T_array()) @ np.append(p_world, 1.0)
    w, h = o.card_size
    u, v = local[0] / w + 0.5, local[1] / h + 0.5
    if o.mirror:
        u = 1.0 - u
    hi, wi = rgba.shape[:2]
    col = int(np.clip(np.floor(u * wi), 0, wi - 1))
    row = int(np.clip(np.floor((1.0 - v) * hi), 0, hi - 1))
    return rgba[row, col, 3] >= 128


def boundary(a: np.ndarray, radius: int = 1) -> np.ndarray:
    """Pixels whose (2r+1)² neighbourhood holds more than one value (image edges included)."""
    b = np.zeros(a.shape, bool)
    p = np.pad(a, radius, mode="edge")
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            b |= (
                p[radius + dy : radius + dy + a.shape[0], radius + dx : radius + dx + a.shape[1]]
                != a
            )
    b[:radius] = b[-radius:] = True
    b[:, :radius] = b[:, -radius:] = True
    return b
