"""The renderer's output: G-buffers of one frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Frame:
    """G-buffers of one rendered frame (row 0 is the top of the image).

    Attributes
    ----------
    rgb : (H, W, 3) float32
        Linear radiance, premultiplied by ``alpha`` (no background, no exposure, no tonemap).
    alpha : (H, W) float32
        Coverage of rendered geometry in 0..1 (antialiased).
    depth_m : (H, W) float32
        Depth along the optical axis at the pixel centre, metres; 0 where nothing was hit.
    instance : (H, W) uint16
        Instance id at the pixel centre; 0 is background (and backdrops), objects are 1..N.
    normals_cam : (H, W, 3) float32 or None
        Unit shading normal in the camera frame (OpenCV axes), facing the camera; 0 where nothing
        was hit. Only when requested.
    amodal : tuple of (H, W) bool, or None
        Per object (SceneSpec order): the pixels it covers when rendered alone (its amodal mask,
        clipped to the image). Only when requested.
    in_frame : tuple of float, or None
        Per object: fraction of its full silhouette that lies inside the image (measured in a
        3× wider view at a third of the resolution; 1.0 when its box projects inside).
    bbox_obj : tuple of [x, y, w, h], or None
        Per object: box of its full silhouette in pixel-edge coordinates, not clipped to the
        image (sides beyond the image from the wider view, to about 3 px).
    """

    rgb: np.ndarray
    alpha: np.ndarray
    depth_m: np.ndarray
    instance: np.ndarray
    normals_cam: np.ndarray | None = None
    amodal: tuple | None = None
    in_frame: tuple | None = None
    bbox_obj: tuple | None = None

    @property
    def height(self) -> int:
        return self.depth_m.shape[0]

    @property
    def width(self) -> int:
        return self.depth_m.shape[1]


@dataclass(frozen=True)
class FrameOutput:
    """What gets written for one frame, after post and annotate.

    Attributes
    ----------
    rgb : (H, W, 3) uint8
        sRGB image as written (style chain applied).
    depth16 : (H, W) uint16
        Depth PNG values (millimetres × ``depth_scale``; 0 = no hit).
    instance16 : (H, W) uint16
        Instance ids.
    labels : list of dict
        Labels of the objects that pass the filters (see :func:`synth3d.annotate.object_labels`).
    dropped : list of int
        Ids of the objects that do not.
    extras : dict
        Optional images (``normals``, ``contours``, ``semantic``); ``styles`` holds the style
        passes' artifacts, ``"<pass>.<suffix>"`` → bytes.
    """

    rgb: np.ndarray
    depth16: np.ndarray
    instance16: np.ndarray
    labels: list
    dropped: list
    extras: dict
