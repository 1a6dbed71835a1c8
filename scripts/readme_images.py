"""Render the pictures shown in the README (docs/images/) with the bundled templates.

    .venv/bin/python scripts/readme_images.py
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from synth3d.run.pipeline import render_dataset  # noqa: E402


def _tile(images, cols):
    rows = [np.hstack(images[i:i + cols]) for i in range(0, len(images), cols)]
    return np.vstack(rows)


def _ids_to_colour(inst):
    rng = np.random.Generator(np.random.PCG64(7))
    lut = rng.integers(60, 255, size=(65536, 3), dtype=np.uint8)
    lut[0] = 0
    return lut[inst]


def main():
    out_dir = REPO / "docs" / "images"
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for name, size in (("tabletop", (320, 240)), ("cards", (320, 240)), ("sprites", (320, 240))):
            out = Path(tmp) / name
            render_dataset(REPO / "scenes" / f"{name}.yaml", out, n=3, seed=11, size=size)
            rows.append([cv2.imread(str(out / "rgb" / f"{i:06d}.png")) for i in range(3)])
        cv2.imwrite(str(out_dir / "templates.png"), _tile(sum(rows, []), 3))
        t = Path(tmp) / "tabletop"
        rgb = cv2.imread(str(t / "rgb" / "000001.png"))
        inst = cv2.imread(str(t / "instance" / "000001.png"), cv2.IMREAD_UNCHANGED)
        depth = cv2.imread(str(t / "depth" / "000001.png"), cv2.IMREAD_UNCHANGED).astype(float)
        d = np.zeros(depth.shape, np.uint8)
        hit = depth > 0
        lo, hi = depth[hit].min(), depth[hit].max()
        d[hit] = (255 - 200 * (depth[hit] - lo) / max(hi - lo, 1)).astype(np.uint8)
        depth_vis = cv2.applyColorMap(d, cv2.COLORMAP_VIRIDIS)
        depth_vis[~hit] = 0
        cv2.imwrite(str(out_dir / "buffers.png"),
                    np.hstack([rgb, cv2.cvtColor(_ids_to_colour(inst), cv2.COLOR_RGB2BGR), depth_vis]))
        # One tabletop layout under three of the project's HDRIs: the layout streams do not
        # depend on the environment, so only the lighting changes.
        tiles = []
        for hdri in ("sky_sun_15", "studio", "sky_sun_70"):
            out = Path(tmp) / f"env_{hdri}"
            render_dataset(REPO / "scenes" / "tabletop.yaml", out, n=1, seed=3, size=(320, 240),
                           start=2, overrides=[
                               f"assets.skies.path=hdri/{hdri}.hdr", "assets.skies.weights={}",
                               f"asset_root={REPO}",
                               "objects[1].count=1",
                               "objects[1].material={base_color: [0.9, 0.9, 0.92], "
                               "roughness: 0.12, metallic: 1.0}",
                               "backdrops[0].texture={type: checker, squares: 16}"])
            tiles.append(cv2.imread(str(out / "rgb" / "000002.png")))
        cv2.imwrite(str(out_dir / "hdris.png"), np.hstack(tiles))
        # What `synth3d preview` and `synth3d stats` draw, made by those commands.
        import shutil
        import subprocess

        subprocess.run([sys.executable, "-m", "synth3d", "preview", str(REPO / "scenes" / "tabletop.yaml"),
                        "-n", "12", "--width", "240", "-o", str(out_dir / "preview.png")],
                       check=True, capture_output=True)
        sp = Path(tmp) / "sprites-stats"
        subprocess.run([sys.executable, "-m", "synth3d", "render", str(REPO / "scenes" / "sprites.yaml"),
                        "-n", "400", "-o", str(sp), "--size", "64x36", "--no-progress"],
                       check=True, capture_output=True)
        subprocess.run([sys.executable, "-m", "synth3d", "stats", str(sp)], check=True,
                       capture_output=True)
        shutil.copy(sp / "stats" / "attributes.png", out_dir / "stats-attributes.png")
    print(f"wrote {out_dir}/templates.png, buffers.png, hdris.png, preview.png and "
          "stats-attributes.png")


if __name__ == "__main__":
    main()
