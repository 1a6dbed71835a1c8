"""Docs stay true: the generated template reference, the README's template and API examples."""

from __future__ import annotations

import re
import subprocess
import sys

import yaml
from conftest import REPO


def test_template_reference_is_current():
    r = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen_reference.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def _blocks(lang):
    return re.findall(rf"```{lang}\n(.*?)```", (REPO / "README.md").read_text(), re.S)


def test_readme_template_example_validates(tmp_path):
    from synth3d.run.pipeline import Scenes

    # "Templates in brief" (the post.styles snippet is checked in test_styles_integration)
    (block,) = [b for b in _blocks("yaml") if b.startswith("name:")]
    data = yaml.safe_load(block)
    data["asset_root"] = str(REPO)
    scenes = Scenes(data)
    spec = scenes.sample(0, 0)
    assert 1 <= len(spec.objects) <= 3 and spec.environment.hdri


def test_readme_python_example_runs(tmp_path, monkeypatch):
    (block,) = _blocks("python")
    monkeypatch.chdir(REPO)
    code = block.replace('"out/cards", n=10', f'r"{tmp_path}/cards", n=2')
    code = code.replace("320, 240", "64, 48").replace("size=[320,240]", "size=[64,48]")
    ns: dict = {}
    exec(compile(code, "README.md", "exec"), ns)
    assert ns["image"].shape == (48, 64, 3)
    assert (tmp_path / "cards" / "annotations" / "coco.json").exists()


def test_readme_commands_are_the_ci_commands():
    text = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    assert "bash scripts/setup.sh && .venv/bin/python -m pytest -q" in text
    assert "bash scripts/setup.sh && .venv/bin/python -m pytest -q" in ci


def _doc_blocks(name, lang):
    return re.findall(rf"```{lang}\n(.*?)```", (REPO / "docs" / name).read_text(), re.S)


def test_authoring_guide_templates_validate():
    from synth3d.run.pipeline import Scenes
    from synth3d.template import load_template

    blocks = [yaml.safe_load(b) for b in _doc_blocks("authoring.md", "yaml")]
    full = [b for b in blocks if "name" in b]
    assert len(full) == 2
    for b in full:
        b["asset_root"] = str(REPO)
        Scenes(b).sample(0, 0)
    # The snippets are fragments of valid templates: merged into the bundled ones they validate.
    grid, looks = [b for b in blocks if "name" not in b]
    sprites = yaml.safe_load((REPO / "scenes" / "sprites.yaml").read_text())
    sprites.update(grid)
    sprites["asset_root"] = str(REPO / "sprites")
    assert Scenes(sprites).default_frames() == 4 * 5 * 4
    table = yaml.safe_load((REPO / "scenes" / "tabletop.yaml").read_text())
    table["post"] = looks["post"]
    table["environment"].update(looks["environment"])
    table["asset_root"] = str(REPO)
    load_template(table)


def test_python_api_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    for code in _doc_blocks("python-api.md", "python"):
        code = code.replace('"out/', f'"{tmp_path}/')
        exec(compile(code, "docs/python-api.md", "exec"), {})
    assert (tmp_path / "api-cards" / "bop" / "models" / "models_info.json").exists()
    assert (tmp_path / "api-rerendered" / "rgb" / "000002.png").read_bytes() == (
        tmp_path / "api-cards" / "rgb" / "000002.png"
    ).read_bytes()
