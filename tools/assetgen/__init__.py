"""Generators of the content synth3d ships (meshes, HDRIs, textures, sprites, photos): run
``python -m tools.assetgen`` (or ``scripts/make_assets.py``) from the repository root to
regenerate it. A development tool: nothing in the ``synth3d`` package imports it."""
