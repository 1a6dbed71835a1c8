"""Render the pictures shown in the README (docs/images/) with the bundled templates.

.venv/bin/python scripts/readme_images.py           # all of them
.venv/bin/python scripts/readme_images.py styles    # only the stylisation contact sheet
.venv/bin/python scripts/readme_images.py sequences # only the movi sequences sheet
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
    rows = [np.hstack(images[i : i + cols]) for i in range(0, len(images), cols)]
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
        for name, size in (
            ("tabletop", (320, 240)),
            ("cards", (320, 240)),
            ("sprites", (320, 240)),
        ):
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
        cv2.imwrite(
            str(out_dir / "buffers.png"),
            np.hstack([rgb, cv2.cvtColor(_ids_to_colour(inst), cv2.COLOR_RGB2BGR), depth_vis]),
        )
        # One tabletop layout under three of the project's HDRIs: the layout streams do not
        # depend on the environment, so only the lighting changes.
        tiles = []
        for hdri in ("sky_sun_15", "studio", "sky_sun_70"):
            out = Path(tmp) / f"env_{hdri}"
            render_dataset(
                REPO / "scenes" / "tabletop.yaml",
                out,
                n=1,
                seed=3,
                size=(320, 240),
                start=2,
                overrides=[
                    f"assets.skies.path=hdri/{hdri}.hdr",
                    "assets.skies.weights={}",
                    f"asset_root={REPO}",
                    "objects[1].count=1",
                    "objects[1].material={base_color: [0.9, 0.9, 0.92], "
                    "roughness: 0.12, metallic: 1.0}",
                    "backdrops[0].texture={type: checker, squares: 16}",
                ],
            )
            tiles.append(cv2.imread(str(out / "rgb" / "000002.png")))
        cv2.imwrite(str(out_dir / "hdris.png"), np.hstack(tiles))
        # What `synth3d preview` and `synth3d stats` draw, made by those commands.
        import shutil
        import subprocess

        subprocess.run(
            [
                sys.executable,
                "-m",
                "synth3d",
                "preview",
                str(REPO / "scenes" / "tabletop.yaml"),
                "-n",
                "12",
                "--width",
                "240",
                "-o",
                str(out_dir / "preview.png"),
            ],
            check=True,
            capture_output=True,
        )
        sp = Path(tmp) / "sprites-stats"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "synth3d",
                "render",
                str(REPO / "scenes" / "sprites.yaml"),
                "-n",
                "400",
                "-o",
                str(sp),
                "--size",
                "64x36",
                "--no-progress",
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [sys.executable, "-m", "synth3d", "stats", str(sp)], check=True, capture_output=True
        )
        shutil.copy(sp / "stats" / "attributes.png", out_dir / "stats-attributes.png")
    print(
        f"wrote {out_dir}/templates.png, buffers.png, hdris.png, preview.png and "
        "stats-attributes.png"
    )


# One tabletop frame in every style (docs/images/styles.png): (caption, pass, params).
STYLE_TILES = [
    ("original", None, {}),
    ("sketch: pencil", "sketch", {}),
    ("sketch: ink", "sketch", {"look": "ink"}),
    ("paint: oil + mask outlines", "paint", {"brush": "oil"}),
    ("paint: watercolour", "paint", {"brush": "watercolour"}),
    ("paint: marker", "paint", {"brush": "marker"}),
    ("paint: tape", "paint", {"brush": "tape"}),
    ("transfer (ref. inset)", "transfer", {}),
    ("toon", "toon", {}),
    ("pixel", "pixel", {}),
    ("halftone", "halftone", {}),
    ("augment (severity 4)", "augment", {"severity": 4, "count": 3}),
]
STYLE_FRAME = dict(seed=11, index=6, size=(320, 240))
STYLE_REFERENCE = REPO / "cutouts" / "backgrounds" / "street.jpg"


def _caption(img, text):
    h = 22
    bar = img.copy()
    cv2.rectangle(bar, (0, img.shape[0] - h), (img.shape[1], img.shape[0]), (0, 0, 0), -1)
    img = cv2.addWeighted(bar, 0.6, img, 0.4, 0)
    cv2.putText(
        img,
        text,
        (6, img.shape[0] - 6),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.5,
        (255, 255, 255),
        1,
        cv2.LINE_AA,
    )
    return img


def styles_sheet(out_dir: Path) -> Path:
    """docs/images/styles.png: one rendered tabletop frame in every style, as ``process()``
    applies them (exact normals), captioned; the oil painting carries the frame's instance-mask
    outlines, which still fit it."""
    from synth3d.post.styles import apply_chain, names
    from synth3d.render.renderer import Renderer
    from synth3d.run.pipeline import Scenes, gbuffers, process, render_frame
    from synth3d.spec import StyleStepSpec

    w, h = STYLE_FRAME["size"]
    scenes = Scenes(REPO / "scenes" / "tabletop.yaml", size=(w, h))
    with Renderer(w, h) as r:
        spec, _ = render_frame(r, scenes, STYLE_FRAME["seed"], STYLE_FRAME["index"])
        frame = r.render(spec, amodal=False, normals=True)
    rgb = process(frame, spec).rgb
    g = gbuffers(frame, spec)
    known = names()
    tiles = []
    for k, (caption, name, params) in enumerate(STYLE_TILES):
        if name is not None and name not in known:
            raise SystemExit(f"readme_images: style pass '{name}' is not installed")
        if name == "transfer":
            params = {**params, "reference": str(STYLE_REFERENCE)}
        out = (
            rgb
            if name is None
            else apply_chain(
                rgb, [StyleStepSpec(pass_=name, applied=True, seed=k, params=params)], g
            )[0]
        )
        bgr = cv2.cvtColor(out, cv2.COLOR_RGB2BGR)
        if "mask outlines" in caption:
            edge = np.zeros(frame.instance.shape, bool)
            edge[:, 1:] |= frame.instance[:, 1:] != frame.instance[:, :-1]
            edge[1:] |= frame.instance[1:] != frame.instance[:-1]
            edge &= cv2.dilate((frame.instance > 0).astype(np.uint8), np.ones((3, 3))) > 0
            bgr[edge] = (0, 255, 255)
        if name == "transfer":
            ref = cv2.imread(str(STYLE_REFERENCE))
            rw = w // 4
            ref = cv2.resize(
                ref, (rw, rw * ref.shape[0] // ref.shape[1]), interpolation=cv2.INTER_AREA
            )
            bgr[4 : 4 + ref.shape[0], w - rw - 4 : w - 4] = ref
        tiles.append(_caption(bgr, caption))
    while len(tiles) % 4:
        tiles.append(np.zeros_like(tiles[0]))
    path = out_dir / "styles.png"
    cv2.imwrite(str(path), _tile(tiles, 4), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return path


SHARED = REPO.parent / "shared" / "assets"


def _photo(w: int, h: int) -> np.ndarray:
    """A real photograph (../shared/assets when present, else a bundled background), RGB,
    centre-cropped to w × h."""
    path = SHARED / "cutouts" / "backgrounds" / "garden.jpg"
    if not path.exists():
        path = REPO / "cutouts" / "backgrounds" / "street.jpg"
    img = cv2.imread(str(path))[..., ::-1]
    s = max(w / img.shape[1], h / img.shape[0])
    img = cv2.resize(
        img, (round(img.shape[1] * s), round(img.shape[0] * s)), interpolation=cv2.INTER_AREA
    )
    y, x = (img.shape[0] - h) // 2, (img.shape[1] - w) // 2
    return np.ascontiguousarray(img[y : y + h, x : x + w])


def img2img_sheets(out_dir: Path) -> list[Path]:
    """docs/images/img2img-looks.jpg (the new looks on a render and on a photo),
    img2img-compositing.jpg (keyed card edges and harmonisation) and img2img-pair.jpg (one
    aligned A|B pair as written by `synth3d stylize --pairs aligned`)."""
    import subprocess

    from synth3d.post.styles import apply_chain
    from synth3d.post.styles.estimate import image_gbuffers
    from synth3d.render.renderer import Renderer
    from synth3d.run.pipeline import Scenes, gbuffers, process, render_frame
    from synth3d.spec import StyleStepSpec

    w, h = 320, 240
    scenes = Scenes(REPO / "scenes" / "tabletop.yaml", size=(w, h))
    with Renderer(w, h) as r:
        spec, _ = render_frame(r, scenes, STYLE_FRAME["seed"], STYLE_FRAME["index"])
        frame = r.render(spec, amodal=False, normals=True)
    render = process(frame, spec).rgb[..., :3]
    photo = _photo(w, h)
    tmp = Path(tempfile.mkdtemp(prefix="synth3d-readme-"))
    # the reference painting: a bundled photo painted in oil by the paint pass
    street = cv2.imread(str(REPO / "cutouts" / "backgrounds" / "street.jpg"))[..., ::-1].copy()
    painting = apply_chain(
        street,
        [
            StyleStepSpec(
                pass_="paint", applied=True, seed=5, params={"brush": "oil", "texture": 1.0}
            )
        ],
        image_gbuffers(street),
    )[0]
    ref = tmp / "painting.png"
    cv2.imwrite(str(ref), painting[..., ::-1])
    looks = [
        ("original", None, {}),
        ("paint: watercolour", "paint", {"brush": "watercolour"}),
        ("paint: marker (flat nib)", "paint", {"brush": "marker"}),
        ("texture (painting inset)", "texture", {"reference": str(ref)}),
    ]
    rows = []
    for img, g in ((render, gbuffers(frame, spec)), (photo, image_gbuffers(photo))):
        row = []
        for k, (caption, name, params) in enumerate(looks):
            out = (
                img
                if name is None
                else apply_chain(
                    img, [StyleStepSpec(pass_=name, applied=True, seed=k, params=params)], g
                )[0]
            )
            bgr = cv2.cvtColor(out, cv2.COLOR_RGB2BGR)
            if name == "texture":
                rw = w // 4
                inset = cv2.resize(
                    painting[..., ::-1],
                    (rw, rw * painting.shape[0] // painting.shape[1]),
                    interpolation=cv2.INTER_AREA,
                )
                bgr[4 : 4 + inset.shape[0], w - rw - 4 : w - 4] = inset
            row.append(_caption(bgr, caption))
        rows.append(row)
    looks_path = out_dir / "img2img-looks.jpg"
    cv2.imwrite(str(looks_path), _tile(sum(rows, []), 4), [cv2.IMWRITE_JPEG_QUALITY, 88])

    # compositing: the keyed toy photo on black, hard key (old) vs unmixed matte; harmonize
    from synth3d.run.pipeline import render_dataset

    toy = REPO / "cutouts" / "toy_on_white.jpg"
    crops = []
    for caption, matte in (
        ("hard key: light halo", {"band": 0, "spill": False}),
        ("unmixed matte (default)", None),
    ):
        asset = {"path": str(toy), "alpha": "key", "key_threshold": 0.06}
        if matte:
            asset["matte"] = matte
        tpl = {
            "size": [320, 240],
            "assets": {"c": asset},
            "camera": {"target": [0, 0, 0], "offset": [0, -3, 0]},
            "environment": {"color": "#000000"},
            "objects": [
                {
                    "name": "c",
                    "assets": "c",
                    "screen_height": 0.9,
                    "placement": {"mode": "screen", "point": [0.5, 0.5], "distance": 2},
                }
            ],
        }
        out = tmp / f"key{len(crops)}"
        render_dataset(tpl, out, n=1)
        img = cv2.imread(str(out / "rgb" / "000000.png"))
        ys, xs = np.nonzero(img.max(2) > 0)
        cy, cx = ys.min() + 10, (xs.min() + xs.max()) // 2  # the top edge, zoomed 4×
        crop = img[max(0, cy - 20) : cy + 20, cx - 40 : cx + 40]
        crops.append(
            _caption(cv2.resize(crop, (320, 160), interpolation=cv2.INTER_NEAREST), caption)
        )
    cards = Scenes(REPO / "scenes" / "cards.yaml", size=(w, h))
    with Renderer(w, h) as r:
        cspec, _ = render_frame(r, cards, 0, 1)
        cframe = r.render(cspec)
    crgb = process(cframe, cspec).rgb[..., :3]
    cg = gbuffers(cframe, cspec)
    tiles = [_caption(cv2.cvtColor(crgb, cv2.COLOR_RGB2BGR), "cards frame")]
    for caption, params in (
        ("harmonize: colour", {}),
        ("harmonize: + Poisson", {"poisson": "normal"}),
    ):
        out = apply_chain(
            crgb, [StyleStepSpec(pass_="harmonize", applied=True, seed=0, params=params)], cg
        )[0]
        tiles.append(_caption(cv2.cvtColor(out, cv2.COLOR_RGB2BGR), caption))
    left = np.vstack(
        [c for c in crops] + [np.zeros((h * 2 - 320 if h * 2 > 320 else 0, 320, 3), np.uint8)]
    )[: h * 2]
    top = np.hstack(tiles[:2])
    bottom = np.hstack([tiles[2], np.zeros_like(tiles[2])])
    comp = np.hstack([left, np.vstack([top, bottom])[:, : w * 2]])
    comp_path = out_dir / "img2img-compositing.jpg"
    cv2.imwrite(str(comp_path), comp, [cv2.IMWRITE_JPEG_QUALITY, 88])

    # one aligned pair, written by the command line
    photos = tmp / "photos"
    photos.mkdir()
    cv2.imwrite(
        str(photos / "photo.jpg"),
        cv2.resize(photo[..., ::-1], (256, 192), interpolation=cv2.INTER_AREA),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "synth3d",
            "stylize",
            str(photos),
            "--style",
            "paint",
            "--set",
            "brush=watercolour",
            "--pairs",
            "aligned",
            "--split",
            "1,0,0",
            "-o",
            str(tmp / "pairs"),
            "--no-progress",
        ],
        check=True,
        capture_output=True,
    )
    pair = cv2.imread(str(tmp / "pairs" / "pairs" / "train" / "000000.png"))
    pair_path = out_dir / "img2img-pair.jpg"
    cv2.imwrite(str(pair_path), pair, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return [looks_path, comp_path, pair_path]


def sequences_sheet(out_dir: Path) -> Path:
    """docs/images/sequences.png: frames 0, 6, 12 and 23 of two scenes/movi.yaml sequences (one
    with a still camera, one orbiting) over their forward optical flow (colour-wheel coding,
    one scale per sequence)."""
    from synth3d.annotate.flow import flow_to_color

    rows = []
    with tempfile.TemporaryDirectory() as d:
        render_dataset(REPO / "scenes" / "movi.yaml", Path(d) / "movi", n=48, seed=0)
        for s in (0, 1):
            ts = (0, 6, 12, 23)
            flows = [
                cv2.readOpticalFlow(str(Path(d) / "movi" / f"flow_fw/{s * 24 + t:06d}.flo"))
                for t in ts
            ]
            top = max(float(np.hypot(f[..., 0], f[..., 1]).max()) for f in flows)
            rows.append(
                np.hstack(
                    [cv2.imread(str(Path(d) / "movi" / f"rgb/{s * 24 + t:06d}.png")) for t in ts]
                )
            )
            rows.append(
                np.hstack([cv2.cvtColor(flow_to_color(f, top), cv2.COLOR_RGB2BGR) for f in flows])
            )
    path = out_dir / "sequences.png"
    cv2.imwrite(str(path), np.vstack(rows), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return path


if __name__ == "__main__":
    sheets = {
        "styles": lambda d: [styles_sheet(d)],
        "img2img": img2img_sheets,
        "sequences": lambda d: [sequences_sheet(d)],
    }
    out = REPO / "docs" / "images"
    if sys.argv[1:] and sys.argv[1] in sheets and len(sys.argv) == 2:
        print("wrote", *sheets[sys.argv[1]](out))
    elif sys.argv[1:]:
        raise SystemExit(f"usage: readme_images.py [{' | '.join(sheets)}]")
    else:
        main()
        for make in sheets.values():
            print("wrote", *make(out))
