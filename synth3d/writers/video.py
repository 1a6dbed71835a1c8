"""H.264 MP4 files of a sequence's frames (through PyAV, ``pip install av``).

Encoded in one thread with fixed settings and no creation time, so the same frames give the same
bytes whatever the machine's load or the worker layout. Odd widths or heights are padded by
repeating the last column/row (yuv420p needs even sizes).
"""

from __future__ import annotations

import io
import itertools
from fractions import Fraction

import numpy as np

from ..errors import DatasetError


def encode_mp4(frames, fps: float, crf: int = 18) -> bytes:
    """MP4 bytes (H.264, yuv420p, one frame per image at ``fps``) of (H, W, 3) uint8 RGB frames
    (any iterable: a generator keeps one frame in memory at a time)."""
    try:
        import av
    except ImportError:
        raise DatasetError(
            "sequence.video",
            "writing MP4 needs PyAV: pip install av (or set sequence.video: false)",
        ) from None
    frames = iter(frames)
    first = next(frames, None)
    if first is None:
        raise DatasetError("video", "no frames to encode")
    H, W = first.shape[:2]
    H2, W2 = H + H % 2, W + W % 2
    rate = Fraction(fps).limit_denominator(1001)
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp4") as box:
        st = box.add_stream("libx264", rate=rate)
        st.width, st.height = W2, H2
        st.pix_fmt = "yuv420p"
        st.codec_context.thread_count = 1
        st.codec_context.time_base = 1 / rate
        st.options = {"crf": str(int(crf)), "preset": "veryfast", "threads": "1"}
        for img in itertools.chain([first], frames):
            img = np.ascontiguousarray(img[:, :, :3])
            if (H2, W2) != (H, W):
                img = np.pad(img, ((0, H2 - H), (0, W2 - W), (0, 0)), mode="edge")
            for packet in st.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                box.mux(packet)
        for packet in st.encode():
            box.mux(packet)
    return buf.getvalue()


def probe_mp4(path) -> dict:
    """Frame count, rate, size and codec of an MP4 (decoded, not read from the header)."""
    import av

    with av.open(str(path)) as box:
        st = box.streams.video[0]
        n = sum(1 for _ in box.decode(st))
        return {
            "frames": n,
            "fps": float(st.average_rate),
            "width": st.codec_context.width,
            "height": st.codec_context.height,
            "codec": st.codec_context.name,
        }


__all__ = ["encode_mp4", "probe_mp4"]
