"""The package's shape, checked: the import layers of docs/architecture.md (import-linter, with
the contract in pyproject.toml), no import cycles, module and function sizes, and ruff."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

PKG = REPO / "synth3d"
BIN = Path(sys.executable).parent


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    exe = BIN / "lint-imports"
    if not exe.exists():
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    return subprocess.run(
        [str(exe), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(cwd), "PATH": str(BIN)},
    )


def test_layer_contract_holds():
    r = _lint_imports(REPO)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "2 kept, 0 broken" in r.stdout


def test_layer_contract_catches_an_upward_import(tmp_path):
    """The contract is not vacuous: a core module importing the pipeline breaks it, and the
    report names the offending import."""
    shutil.copytree(PKG, tmp_path / "synth3d", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    spec = tmp_path / "synth3d" / "spec.py"
    spec.write_text(
        spec.read_text() + "\n\ndef _upward():\n    from .run import pipeline\n"
        "    return pipeline\n"
    )
    r = _lint_imports(tmp_path)
    assert r.returncode != 0
    assert "BROKEN" in r.stdout
    assert "synth3d.spec -> synth3d.run.pipeline" in r.stdout


def _import_graph() -> dict[str, set[str]]:
    """Every import between synth3d's modules, module-level or inside functions."""
    import grimp

    g = grimp.build_graph("synth3d")
    return {m: set(g.find_modules_directly_imported_by(m)) for m in g.modules}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    pytest.importorskip("grimp")
    assert _cycles(_import_graph()) == []


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# Guides from the restructuring (docs/architecture.md): rooms stay small. The limits leave some
# slack over today's largest; a module or function past them should be split, not the limit raised.
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 110  # after ruff format, which is vertical


def test_modules_and_functions_stay_small():
    big_modules, big_functions = [], []
    for f in sorted(PKG.rglob("*.py")):
        text = f.read_text()
        rel = f.relative_to(REPO)
        if text.count("\n") > MAX_MODULE_LINES and f.name != "shaders.py":  # GLSL source text
            big_modules.append(f"{rel}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                # The body, from its docstring on: a signature is a flat declaration (a CLI
                # command's options are one parameter each).
                n = node.end_lineno - node.body[0].lineno + 1
                if n > MAX_FUNCTION_LINES:
                    big_functions.append(f"{rel}:{node.lineno} {node.name}: {n} lines")
    assert not big_modules, big_modules
    assert not big_functions, big_functions


def test_ruff_lint_and_format():
    """`ruff check` and `ruff format --check` (settings in pyproject.toml) pass on the code."""
    exe = BIN / "ruff"
    if not exe.exists():
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    paths = ["synth3d", "tests", "scripts", "tools"]
    r = subprocess.run(
        [str(exe), "check", *paths], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stdout[-4000:]
    r = subprocess.run(
        [str(exe), "format", "--check", *paths],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout[-4000:]


def test_every_sampler_has_its_own_texture_unit():
    """Two samplers of different types on one unit make every draw a GL error: the registry of
    units gives each sampler its own, and every shader sampler the colour pass binds is in it."""
    import re

    from synth3d.render import shaders
    from synth3d.render.gl_resources import TEXTURE_UNITS

    assert len(set(TEXTURE_UNITS.values())) == len(TEXTURE_UNITS)
    from synth3d.render.sky_shadows import SKY_GLSL

    names = re.findall(r"uniform sampler\w+ (\w+);", shaders.COLOUR_FRAGMENT + SKY_GLSL)
    assert len(names) >= 10
    assert set(names) <= set(TEXTURE_UNITS), set(names) - set(TEXTURE_UNITS)
