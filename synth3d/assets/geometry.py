"""Procedural backdrop geometry (pure functions)."""

from __future__ import annotations

import numpy as np


def sweep_mesh(
    width: float, depth: float, radius: float, height: float, segments: int = 16
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A photo-studio cyclorama in its local frame: a floor (z = 0) over x ∈ [−w/2, w/2],
    y ∈ [−d/2, d/2], a quarter-circle of ``radius`` rising from y = d/2, and a wall at
    y = d/2 + radius up to z = ``height`` (≥ radius), all facing the inside.

    Returns positions (N, 3), normals (N, 3), texture coordinates (N, 2) — u across the width,
    v along the profile from the front edge — and triangles (M, 3) uint32.
    """
    radius = float(min(max(radius, 1e-3), height))
    # Profile in the (y, z) plane with inward normals, front edge first.
    prof, norm = [(-depth / 2, 0.0), (depth / 2, 0.0)], [(0.0, 1.0), (0.0, 1.0)]
    for k in range(1, segments):
        a = 0.5 * np.pi * k / segments
        prof.append((depth / 2 + radius * np.sin(a), radius * (1 - np.cos(a))))
        norm.append((-np.sin(a), np.cos(a)))
    prof += [(depth / 2 + radius, radius), (depth / 2 + radius, height)]
    norm += [(-1.0, 0.0), (-1.0, 0.0)]
    prof, norm = np.asarray(prof), np.asarray(norm)
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(prof, axis=0), axis=1))])
    n = len(prof)
    pos, nrm, uv = [], [], []
    for x, u in ((-width / 2, 0.0), (width / 2, 1.0)):
        pos.append(np.column_stack([np.full(n, x), prof]))
        nrm.append(np.column_stack([np.zeros(n), norm]))
        uv.append(np.column_stack([np.full(n, u), arc / arc[-1]]))
    tris = []
    for i in range(n - 1):
        a, b, c, d = i, i + 1, n + i, n + i + 1
        tris += [(a, c, b), (b, c, d)]
    return (
        np.vstack(pos).astype(np.float32),
        np.vstack(nrm).astype(np.float32),
        np.vstack(uv).astype(np.float32),
        np.asarray(tris, np.uint32),
    )
