"""The ``synth3d`` command line: thin commands over the public API.

:mod:`.app` holds the typer app, the global options and shared helpers; :mod:`.produce` the
commands that make datasets (render, merge, stylize, export); :mod:`.look` those that inspect
(preview, stats, report, validate, schema, doctor, rerender, assets).
"""

# isort: off
from . import produce  # noqa: F401 — registers its commands first (the --help order)
from . import look  # noqa: F401

# isort: on
from .app import app, run

__all__ = ["app", "run"]
