"""``python -m synth3d`` runs the command line."""

from .cli import run

run()
