"""Shared fixtures: small datasets rendered once per session, paths to the shared real assets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "assets"
SCENES = REPO / "scenes"

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")


def shared(*parts: str) -> Path:
    """Path under ../shared/assets, skipping the test when it is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"shared asset {p} not present")
    return p


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run the real ``synth3d`` command (as ``python -m synth3d``)."""
    return subprocess.run(
        [sys.executable, "-m", "synth3d", *map(str, args)],
        cwd=cwd or REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def tabletop_small(tmp_path_factory) -> Path:
    """scenes/tabletop.yaml, 5 frames at 160×120, seed 3."""
    from synth3d.run.pipeline import render_dataset

    out = tmp_path_factory.mktemp("tabletop")
    render_dataset(SCENES / "tabletop.yaml", out, n=5, seed=3, size=(160, 120))
    return out


@pytest.fixture(scope="session")
def cards_small(tmp_path_factory) -> Path:
    """scenes/cards.yaml, 4 frames at 160×120."""
    from synth3d.run.pipeline import render_dataset

    out = tmp_path_factory.mktemp("cards")
    render_dataset(SCENES / "cards.yaml", out, n=4, seed=1, size=(160, 120))
    return out
