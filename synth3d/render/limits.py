"""Image sizes a GL context can render, checked before any framebuffer is made.

A size beyond the context's limits otherwise surfaces as a raw ``framebuffer 'colour_ms'
incomplete (status 0x8cd6)``. :func:`check_size` compares the size with the context's
``GL_MAX_RENDERBUFFER_SIZE``, ``GL_MAX_VIEWPORT_DIMS`` and ``GL_MAX_SAMPLES`` and, on a software
rasteriser, with the largest single buffer it allocates, and says in one line the largest size
of the same aspect that this machine renders.
"""

from __future__ import annotations

import math

from ..errors import RenderError

COLOUR_BYTES = 8
"""Bytes per sample of the largest attachment (the multisampled RGBA16F colour buffer)."""
SOFTWARE_MAX_BUFFER_BYTES = 1 << 31
"""Largest single buffer assumed on a software rasteriser. Mesa's llvmpipe (22.3) completes an
8192×8192 4× RGBA16F buffer (2 GiB) and refuses 16384×8192 (4 GiB) as incomplete; 2 GiB is the
measured safe side."""


def gl_limits(gl) -> dict:
    """The context's size limits: max_renderbuffer, max_viewport (w, h), max_samples, and
    max_buffer_bytes (software rasterisers only, else None)."""

    def get(name):
        return gl.glGetIntegerv(getattr(gl, name))

    vp = list(get("GL_MAX_VIEWPORT_DIMS"))
    renderer = gl.glGetString(gl.GL_RENDERER).decode(errors="replace")
    low = renderer.lower()
    software = any(w in low for w in ("llvmpipe", "softpipe", "swrast", "software", "lavapipe"))
    return {
        "max_renderbuffer": int(get("GL_MAX_RENDERBUFFER_SIZE")),
        "max_viewport": (int(vp[0]), int(vp[1])),
        "max_samples": int(get("GL_MAX_SAMPLES")),
        "max_buffer_bytes": SOFTWARE_MAX_BUFFER_BYTES if software else None,
        "renderer": renderer,
    }


def fits(limits: dict, width: int, height: int, msaa: int) -> str | None:
    """None when ``width × height`` at ``msaa`` samples fits ``limits``, else the reason."""
    side = min(limits["max_renderbuffer"], *limits["max_viewport"])
    if width > side or height > side:
        return f"a side over {side} px (GL_MAX_RENDERBUFFER_SIZE / GL_MAX_VIEWPORT_DIMS)"
    if msaa > limits["max_samples"]:
        return f"{msaa} samples per pixel over GL_MAX_SAMPLES = {limits['max_samples']}"
    cap = limits["max_buffer_bytes"]
    if cap is not None and width * height * max(msaa, 1) * COLOUR_BYTES > cap:
        return (
            f"a {width * height * max(msaa, 1) * COLOUR_BYTES / 2**30:.1f} GiB colour buffer, "
            f"over the software rasteriser's {cap / 2**30:.0f} GiB"
        )
    return None


def largest_size(limits: dict, width: int, height: int, msaa: int) -> tuple[int, int]:
    """The largest size with the aspect of ``width × height`` that :func:`fits`."""
    side = min(limits["max_renderbuffer"], *limits["max_viewport"])
    s = min(1.0, side / max(width, height))
    cap = limits["max_buffer_bytes"]
    if cap is not None:
        s = min(s, math.sqrt(cap / (width * height * max(msaa, 1) * COLOUR_BYTES)))
    w, h = max(1, int(width * s)), max(1, int(height * s))
    while fits(limits, w, h, msaa) is not None and w > 1:  # float rounding: step down until it fits
        w, h = max(1, w - 1), max(1, int(height * (w - 1) / width))
    return w, h


def check_size(gl, width: int, height: int, msaa: int) -> None:
    """Raise RenderError("--size", …) when this context cannot render ``width × height`` at
    ``msaa`` samples, naming the largest size of the same aspect it can."""
    limits = gl_limits(gl)
    if msaa > limits["max_samples"]:
        raise RenderError(
            "msaa",
            f"{msaa} samples per pixel, but this GL stack "
            f"({limits['renderer']}) supports at most {limits['max_samples']}",
        )
    why = fits(limits, width, height, msaa)
    if why is None:
        return
    w, h = largest_size(limits, width, height, msaa)
    raise RenderError(
        "--size",
        f"{width}x{height} is too large for this GL stack "
        f"({limits['renderer']}): {why}; the largest size of this aspect it "
        f"renders is {w}x{h}",
    )
