"""preview, stats and report: the commands people use to look at templates and datasets."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import SCENES, run_cli


@pytest.fixture(scope="module")
def sprites(tmp_path_factory) -> Path:
    from synth3d.run.pipeline import render_dataset

    out = tmp_path_factory.mktemp("sprites")
    render_dataset(SCENES / "sprites.yaml", out, n=40, seed=2, size=(96, 54))
    return out


def test_preview_writes_a_labelled_contact_sheet(tmp_path):
    out = tmp_path / "sheet.png"
    r = run_cli("preview", SCENES / "cards.yaml", "-n", "4", "--width", "80", "-o", out)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(out)
    sheet = cv2.imread(str(out))
    assert sheet.shape == (2 * 60 + 2, 2 * 80 + 2, 3)  # 2×2 tiles of 80×60 with a 2 px gap
    # The same frames without overlays differ exactly where outlines/boxes/names are drawn.
    from synth3d.inspect.overlay import instance_colour
    from synth3d.post import finish
    from synth3d.render.renderer import Renderer
    from synth3d.run.pipeline import Scenes

    scenes = Scenes(SCENES / "cards.yaml", size=(80, 60))
    with Renderer(80, 60) as rr:
        spec = scenes.sample(scenes.template.seed, 0)
        frame = rr.render(spec)
        plain = cv2.cvtColor(finish(frame, spec), cv2.COLOR_RGB2BGR)
    tile = sheet[:60, :80]
    changed = np.any(tile != plain, axis=2)
    assert changed.any() and changed.mean() < 0.5
    colours = {tuple(instance_colour(i)[::-1]) for i in range(1, 6)}
    drawn = {tuple(int(v) for v in p) for p in tile[changed]}
    assert drawn & colours, "outlines/boxes use the instance colours"


def test_stats_matches_template_and_flags_a_mismatch(sprites, tmp_path):
    r = run_cli("stats", sprites)
    assert r.returncode == 0, r.stderr
    assert "40 frames" in r.stdout and "does not match" not in r.stdout
    for name in ("attributes", "categories", "boxes", "depth"):
        assert (sprites / "stats" / f"{name}.png").stat().st_size > 1000
    from synth3d.inspect.stats import dataset_stats

    s = dataset_stats(sprites)
    assert s["flagged"] == [] and set(s["attributes"]) == {"background", "character", "object"}
    counts = s["attributes"]["background"]["observed"]
    manifest = [json.loads(l) for l in (sprites / "manifest.jsonl").read_text().splitlines()]
    assert counts["desert"] == sum(r["attributes"]["background"] == "desert" for r in manifest)
    # A dataset whose frames disagree with its template's probabilities gets flagged.
    bad = tmp_path / "bad"
    shutil.copytree(sprites, bad)
    info = json.loads((bad / "dataset.json").read_text())
    info["template"]["attributes"]["background"]["p"] = [0.97, 0.01, 0.01, 0.01]
    (bad / "dataset.json").write_text(json.dumps(info))
    r = run_cli("stats", bad)
    assert r.returncode == 0 and "FLAGGED: background" in r.stdout


def test_stats_and_report_refuse_non_datasets(tmp_path):
    for cmd in ("stats", "report"):
        r = run_cli(cmd, tmp_path)
        assert r.returncode == 2 and "not a synth3d dataset" in r.stderr


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


def test_report_page_loads_in_a_headless_browser(sprites, tmp_path):
    r = run_cli("report", sprites)
    assert r.returncode == 0, r.stderr
    page = Path(r.stdout.strip())
    assert page == sprites / "report" / "index.html"
    text = page.read_text()
    assert "<script" in text and "thumbs/000000.jpg" in text
    for sub, n in (("thumbs", 40), ("masks", 40), ("depth", 40)):
        assert len(list((page.parent / sub).iterdir())) == n
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium to load the page (Debian: apt-get install chromium)")
    manifest = [json.loads(l) for l in (sprites / "manifest.jsonl").read_text().splitlines()]
    for frag, expected in (
        ("", 40),
        (
            "#filter=background:desert",
            sum(r["attributes"]["background"] == "desert" for r in manifest),
        ),
    ):
        res = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={tmp_path / 'profile'}",
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=5000",
                "--dump-dom",
                page.as_uri() + frag,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        dom = res.stdout
        assert dom.count('class="card"') == expected, (frag, dom.count('class="card"'))
        assert f"{expected} of 40 frames" in dom
        console_errors = [
            l
            for l in res.stderr.splitlines()
            if "CONSOLE" in l and ("Uncaught" in l or "Error" in l)
        ]
        assert not console_errors, console_errors
