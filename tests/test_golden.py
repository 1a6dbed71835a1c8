"""Whole-SceneSpec golden snapshots: frames 0–4 of every bundled template, serialised.

Any change in sampling (a shifted random stream, a new field, a changed default) shows up here as
a diff to review. When the change is intended, regenerate the snapshots and commit them with it::

    SYNTH3D_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/test_golden.py
"""

from __future__ import annotations

import difflib
import os

import pytest
from conftest import REPO, SCENES

GOLDEN = REPO / "tests" / "golden"
TEMPLATES = ["tabletop", "cards", "sprites", "stylised", "movi"]
FRAMES = 5


def _snapshot(name: str) -> str:
    from synth3d.run.pipeline import Scenes

    scenes = Scenes(SCENES / f"{name}.yaml")
    text = "".join(scenes.sample(seed=0, index=i).to_json() for i in range(FRAMES))
    # Asset paths are absolute; the snapshot must not depend on where the repository lives.
    return text.replace(str(REPO), "$REPO")


@pytest.mark.parametrize("name", TEMPLATES)
def test_scenespec_golden(name):
    path = GOLDEN / f"{name}.json"
    got = _snapshot(name)
    if os.environ.get("SYNTH3D_UPDATE_GOLDEN"):
        path.write_text(got)
    want = path.read_text()
    if got != want:
        diff = "".join(
            difflib.unified_diff(
                want.splitlines(True), got.splitlines(True), str(path), "sampled now", n=2
            )
        )
        pytest.fail(
            f"SceneSpecs of {name}.yaml frames 0–{FRAMES - 1} changed "
            f"(set SYNTH3D_UPDATE_GOLDEN=1 to accept):\n{diff[:6000]}"
        )
