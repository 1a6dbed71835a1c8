"""synth3d: scene templates → labelled synthetic image datasets, rendered headlessly with OpenGL.

Public API (imported lazily so that ``import synth3d`` stays cheap and GL-free)::

    import synth3d
    tpl = synth3d.load_template("scenes/tabletop.yaml", overrides=["size=[320,240]"])
    scenes = synth3d.Scenes(tpl)                  # preflight: opens every asset
    spec = scenes.sample(seed=0, index=0)         # a SceneSpec (plain data)
    with synth3d.Renderer() as r:
        frame = r.render(spec)                    # G-buffers: rgb, alpha, depth_m, instance
        image = synth3d.finish(frame, spec)       # uint8 sRGB as written to rgb/
    synth3d.render_dataset("scenes/tabletop.yaml", "out", n=10, seed=0)
    synth3d.stylize_dataset("out", "out-sketch", "sketch")   # the same labels, drawn
    movi = synth3d.Scenes("scenes/movi.yaml")     # a sequence template
    with synth3d.Renderer(movi.width, movi.height) as r:
        frames = synth3d.render_sequence(r, movi, seed=0, seq_id=0)  # frames with flow
"""

from __future__ import annotations

import os as _os

__version__ = "0.1.0"

# OpenCV reads these once, at its first import: EXR support is off by default, and its own log
# lines would break the one-line error contract (synth3d reports unreadable files itself).
_os.environ.setdefault("OPENCV_IO_ENABLE_OPENEXR", "1")
_os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")
# synth3d's matrix products are tiny; OpenBLAS worker threads only spin-wait after each one and
# steal the cores the (software) rasteriser needs: 1.3× more images/s on a 2-core machine. Takes
# effect when synth3d is imported before numpy (always so for the CLI); set it yourself otherwise.
_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

_LAZY = {
    "load_template": ("synth3d.template", "load_template"),
    "Template": ("synth3d.template", "Template"),
    "json_schema": ("synth3d.template", "json_schema"),
    "SceneSpec": ("synth3d.spec", "SceneSpec"),
    "read_scene": ("synth3d.assets.roots", "read_scene"),
    "Frame": ("synth3d.frame", "Frame"),
    "Renderer": ("synth3d.render.renderer", "Renderer"),
    "finish": ("synth3d.post", "finish"),
    "Scenes": ("synth3d.run.pipeline", "Scenes"),
    "render_dataset": ("synth3d.run.pipeline", "render_dataset"),
    "RenderOptions": ("synth3d.run.options", "RenderOptions"),
    "Progress": ("synth3d.run.options", "Progress"),
    "rerender": ("synth3d.run.pipeline", "rerender"),
    "stylize_dataset": ("synth3d.run.stylize", "stylize_dataset"),
    "render_sequence": ("synth3d.run.sequences", "render_sequence"),
    "rigid_flow": ("synth3d.annotate.flow", "rigid_flow"),
    "flow_to_color": ("synth3d.annotate.flow", "flow_to_color"),
    "Synth3dError": ("synth3d.errors", "Synth3dError"),
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name):
    if name in _LAZY:
        import importlib

        mod, attr = _LAZY[name]
        return getattr(importlib.import_module(mod), attr)
    raise AttributeError(f"module 'synth3d' has no attribute {name!r}")
