"""Headless GL platform selection.

PyOpenGL binds to a platform (EGL, OSMesa, GLX) when ``OpenGL`` is first imported, through the
``PYOPENGL_PLATFORM`` environment variable, so the choice has to be made before anything imports it.
Nothing in synth3d imports OpenGL at module level: only the functions of :mod:`synth3d.render` do.
"""

from __future__ import annotations

import os
import sys

from ..errors import RenderError

BACKENDS = ("egl", "osmesa")


def configure(backend: str | None = None, gpu: int | None = None) -> str:
    """Choose the GL platform (default: ``$SYNTH3D_GL`` or ``egl``) and EGL device index.

    Returns the backend in force. Raises RenderError if OpenGL was already imported with a
    different platform (the process must pick one platform before the first import).
    """
    backend = (backend or os.environ.get("SYNTH3D_GL") or "egl").lower()
    if backend not in BACKENDS:
        raise RenderError("--gl", f"unknown GL backend '{backend}' (choose {', '.join(BACKENDS)})")
    current = os.environ.get("PYOPENGL_PLATFORM")
    if "OpenGL.GL" in sys.modules and current != backend:
        raise RenderError(
            "--gl",
            f"OpenGL was already imported with platform '{current}'; "
            f"cannot switch to '{backend}' in this process",
        )
    os.environ["PYOPENGL_PLATFORM"] = backend
    if gpu is not None:
        if gpu < 0:
            raise RenderError("--gpu", "device index must be ≥ 0")
        os.environ["EGL_DEVICE_ID"] = str(gpu)
    return backend


def create_context(width: int, height: int, backend: str, gpu: int | None):
    """Create and make current a headless context; returns the pyrender platform object."""
    try:
        if backend == "egl":
            from pyrender.platforms import egl

            devices = egl.query_devices() if gpu is not None else None
            if devices is not None and gpu >= len(devices):
                raise RenderError(
                    "--gpu", f"EGL device {gpu} does not exist ({len(devices)} found)"
                )
            device = devices[gpu] if devices is not None else egl.get_default_device()
            platform = egl.EGLPlatform(width, height, device=device)
        else:
            from pyrender.platforms.osmesa import OSMesaPlatform

            platform = OSMesaPlatform(width, height)
        platform.init_context()
        platform.make_current()
    except RenderError:
        raise
    except Exception as e:  # the GL stacks raise a zoo of exception types
        hint = (
            "install Mesa's EGL (apt-get install libegl1 libegl-mesa0) or an NVIDIA driver"
            if backend == "egl"
            else "install OSMesa (apt-get install libosmesa6)"
        )
        raise RenderError(
            f"GL ({backend})",
            f"cannot create a context: {e.__class__.__name__}: {str(e)[:160]}; {hint}",
        ) from None
    return platform


def release_context(platform) -> None:
    """Destroy a context made by :func:`create_context`.

    pyrender's EGL platform also calls ``eglTerminate`` on the display, which EGL shares between
    every context on that device: it would break any other renderer alive in the process. Only
    the context is destroyed here; the display lives until the process ends."""
    display = getattr(platform, "_egl_display", None)
    if display is None:
        platform.delete_context()
        return
    from OpenGL import EGL

    EGL.eglMakeCurrent(display, EGL.EGL_NO_SURFACE, EGL.EGL_NO_SURFACE, EGL.EGL_NO_CONTEXT)
    if platform._egl_context is not None:
        EGL.eglDestroyContext(display, platform._egl_context)
        platform._egl_context = None
    # pyrender's Platform.__del__ would otherwise terminate the shared display later.
    platform._egl_display = None
