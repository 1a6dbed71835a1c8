"""ONNX: a user-supplied style network (any image-to-image ONNX model), run with onnxruntime.

For fast-style-transfer style networks (Johnson et al.), CycleGAN/pix2pix generators or any model
that maps one image to another of the same layout: the frame goes in as a float32 NCHW (or NHWC,
``layout``) tensor of RGB values in ``input_range``, resized to ``size`` if given (multiples the
network needs), and the output is read in ``output_range``, resized back to the frame's size and
blended with the frame by ``strength``. Geometry does not move if the network does not move it —
measure a new model's content shift with ``scripts/style_quality.py`` (labels stay valid only
then). Needs ``pip install 'synth3d[onnx]'`` (onnxruntime); sessions are kept per model file.
"""

from __future__ import annotations

import os
from functools import lru_cache

import cv2
import numpy as np

from ...template.style_params.onnx import NAME, USES_NORMALS, Params  # noqa: F401
from .base import GBuffers, StyleResult

_RANGES = {"unit": (0.0, 1.0), "byte": (0.0, 255.0), "signed": (-1.0, 1.0)}


def _ort():
    try:
        import onnxruntime as ort
    except ImportError:
        from ...errors import Synth3dError

        raise Synth3dError("onnx", "needs onnxruntime: pip install 'synth3d[onnx]'") from None
    return ort


@lru_cache(maxsize=4)
def _session(path: str, mtime_ns: int, threads: int):
    ort = _ort()
    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = threads
    try:
        return ort.InferenceSession(path, sess_options=opts, providers=["CPUExecutionProvider"])
    except Exception as e:  # onnxruntime raises its own exception types
        from ...errors import AssetError

        raise AssetError(path, f"not a usable ONNX model ({e.__class__.__name__})") from None


def session(path: str, threads: int = 0):
    """The cached onnxruntime session of a model file (AssetError if missing/unreadable)."""
    from ...errors import AssetError

    if not path:
        raise AssetError("onnx.model", "no model file given")
    try:
        st = os.stat(path)
    except OSError:
        raise AssetError(path, "model file not found") from None
    return _session(os.path.abspath(path), st.st_mtime_ns, threads)


def apply(img: np.ndarray, g: GBuffers, p: Params, rng: np.random.Generator) -> StyleResult:
    src = np.ascontiguousarray(np.clip(img[..., :3], 0.0, 1.0), np.float32)
    H, W = src.shape[:2]
    x = src
    if p.size:
        s = p.size / min(H, W)
        w = max(4, int(round(W * s / 4)) * 4) if W >= H else p.size
        h = max(4, int(round(H * s / 4)) * 4) if H > W else p.size
        x = cv2.resize(src, (w, h), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)
    lo, hi = _RANGES[p.input_range]
    x = x * np.float32(hi - lo) + np.float32(lo)
    t = x.transpose(2, 0, 1)[None] if p.layout == "nchw" else x[None]
    sess = session(p.model, p.threads)
    inp = sess.get_inputs()[0].name
    y = np.asarray(sess.run(None, {inp: np.ascontiguousarray(t, np.float32)})[0], np.float32)
    if y.ndim != 4 or y.shape[0] != 1:
        from ...errors import Synth3dError

        raise Synth3dError("onnx", f"{p.model}: expected a 1×C×H×W output, got {y.shape}")
    y = y[0].transpose(1, 2, 0) if p.layout == "nchw" else y[0]
    if y.shape[2] == 1:
        y = np.repeat(y, 3, axis=2)
    lo, hi = _RANGES[p.output_range]
    y = (np.clip(y[..., :3], lo, hi) - np.float32(lo)) / np.float32(hi - lo)
    if y.shape[:2] != (H, W):
        y = cv2.resize(
            np.ascontiguousarray(y),
            (W, H),
            interpolation=cv2.INTER_AREA if y.shape[0] > H else cv2.INTER_CUBIC,
        )
    out = src + np.float32(p.strength) * (np.clip(y, 0.0, 1.0) - src)
    return StyleResult(image=out)


def load_reference(path: str):
    """The preflight's opener for ``model`` (see synth3d.sampling.styles.check_style_assets):
    loads the model's session."""
    return session(path)
