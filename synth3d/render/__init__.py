"""Rendering: headless GL platform selection and the renderer (the only OpenGL code).

Import :class:`synth3d.render.renderer.Renderer` lazily: importing it pulls in OpenGL, whose
platform must be chosen first (:func:`synth3d.render.platform.configure`).
"""
