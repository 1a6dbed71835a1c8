"""``synth3d report``: one static HTML page (no server) to look through a dataset."""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>synth3d report: __TITLE__</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 16px; background: #f4f4f4; color: #222; }
h1 { font-size: 20px; margin: 0 0 4px; } .muted { color: #666; }
#controls { position: sticky; top: 0; background: #f4f4f4; padding: 8px 0; z-index: 2;
            display: flex; flex-wrap: wrap; gap: 14px; align-items: center; }
#gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(__W__px, 1fr)); gap: 10px; }
.card { background: #fff; border-radius: 6px; padding: 6px; box-shadow: 0 1px 3px #0002; }
.view { position: relative; width: __W__px; height: __H__px; }
.view img, .view svg { position: absolute; left: 0; top: 0; width: __W__px; height: __H__px; }
.view .overlay { opacity: 0.55; display: none; }
body.show-masks .view .mask, body.show-depth .view .depth { display: block; }
.view svg { display: none; } body.show-boxes .view svg { display: block; }
.caption { font-size: 12px; margin-top: 4px; word-break: break-word; }
#plots img { max-width: 100%; background: #fff; margin: 6px 0; }
</style></head>
<body class="show-boxes">
<h1>__TITLE__</h1>
<div class="muted">__SUBTITLE__</div>
<div id="controls">
  <label><input type="checkbox" id="t-boxes" checked> boxes</label>
  <label><input type="checkbox" id="t-masks"> masks</label>
  <label><input type="checkbox" id="t-depth"> depth</label>
  <span id="filters"></span>
  <span id="count" class="muted"></span>
</div>
<div id="gallery"></div>
__SEQUENCES__
<h2>Statistics</h2>
<div id="plots">__PLOTS__</div>
<pre class="muted">__SUMMARY__</pre>
<script id="data" type="application/json">__DATA__</script>
<script>
"use strict";
const data = JSON.parse(document.getElementById("data").textContent);
const filters = {};
const notes = [];  // what the page could not honour in #filter=, shown next to the count
function applyHash() {
  // #filter=name:value,name:value preselects filters (shareable views, and the browser test).
  const m = location.hash.match(/filter=([^&]*)/);
  if (!m) return;
  const known = Object.keys(data.attributes);
  for (const kv of decodeURIComponent(m[1]).split(",")) {
    if (kv === "") continue;
    const i = kv.indexOf(":");
    if (i <= 0) { notes.push(`ignored filter '${kv}' (expected name:value)`); continue; }
    const k = kv.slice(0, i), v = kv.slice(i + 1);
    if (!known.includes(k)) {
      notes.push(`ignored unknown filter '${k}' (attributes: ${known.join(", ") || "none"})`);
      continue;
    }
    if (!data.attributes[k].map(String).includes(v))
      notes.push(`no frame has ${k} = '${v}' (values: ${data.attributes[k].join(", ")})`);
    filters[k] = v;
  }
}
function card(f) {
  const div = document.createElement("div");
  div.className = "card";
  div.dataset.frame = f.index;
  const boxes = f.boxes.map(b =>
    `<rect x="${b[0]}" y="${b[1]}" width="${b[2]}" height="${b[3]}" fill="none" ` +
    `stroke="${b[5]}" stroke-width="1.5"/><text x="${b[0] + 2}" y="${Math.max(b[1] - 2, 10)}" ` +
    `font-size="10" fill="${b[5]}">${b[4]}</text>`).join("");
  const attrs = Object.entries(f.attributes).map(([k, v]) => `${k}=${v}`).join(" ");
  div.innerHTML =
    `<div class="view"><img src="${f.rgb}" alt="frame ${f.index}">` +
    `<img class="overlay mask" src="${f.mask}" alt=""><img class="overlay depth" src="${f.depth}" alt="">` +
    `<svg viewBox="0 0 ${data.thumb[0]} ${data.thumb[1]}">${boxes}</svg></div>` +
    `<div class="caption"><b>#${f.index}</b> ${f.n} objects ${attrs}</div>`;
  return div;
}
function render() {
  const g = document.getElementById("gallery");
  g.textContent = "";
  let shown = 0;
  for (const f of data.frames) {
    if (Object.entries(filters).some(([k, v]) => v !== "" && String(f.attributes[k]) !== v)) continue;
    g.appendChild(card(f));
    shown++;
  }
  document.getElementById("count").textContent = `${shown} of ${data.frames.length} frames` +
    (notes.length ? ` — ${notes.join("; ")}` : "");
}
function setup() {
  for (const t of ["boxes", "masks", "depth"]) {
    document.getElementById("t-" + t).addEventListener("change", e =>
      document.body.classList.toggle("show-" + t, e.target.checked));
  }
  const box = document.getElementById("filters");
  for (const [name, values] of Object.entries(data.attributes)) {
    const sel = document.createElement("select");
    sel.id = "f-" + name;
    sel.innerHTML = `<option value="">${name}: all</option>` +
      values.map(v => `<option value="${v}">${name}: ${v}</option>`).join("");
    if (filters[name] !== undefined) sel.value = filters[name];
    sel.addEventListener("change", e => { filters[name] = e.target.value; render(); });
    box.appendChild(sel);
  }
}
applyHash();
setup();
render();
</script>
</body></html>
"""


def _hex(c) -> str:
    return "#%02x%02x%02x" % tuple(int(v) for v in c)


def build_report(
    dataset: str | Path,
    out: str | Path | None = None,
    thumb_width: int = 240,
    max_frames: int = 500,
) -> Path:
    """Write ``report/index.html`` (default inside the dataset) with thumbnails, mask/box/depth
    overlays, attribute filters and the statistics plots. Returns the page's path."""
    import cv2

    from .overlay import instance_colour
    from .stats import dataset_stats, load_dataset

    dataset = Path(dataset)
    info, manifest, rows = load_dataset(dataset)
    out = Path(out) if out else dataset / "report"
    for sub in ("thumbs", "masks", "depth"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    W, H = info["width"], info["height"]
    tw, th = thumb_width, max(1, round(thumb_width * H / W))
    s = tw / W
    labels = {r["index"]: r for r in rows}
    cats = {int(k): v for k, v in info.get("categories", {}).items()}
    frames = []
    for r in manifest[:max_frames]:
        name = f"{r['index']:06d}"
        rgb = cv2.imread(str(dataset / r["files"]["rgb"]), cv2.IMREAD_COLOR)
        inst = cv2.imread(str(dataset / r["files"]["instance"]), cv2.IMREAD_UNCHANGED)
        depth = cv2.imread(str(dataset / r["files"]["depth"]), cv2.IMREAD_UNCHANGED)
        cv2.imwrite(
            str(out / "thumbs" / f"{name}.jpg"),
            cv2.resize(rgb, (tw, th), interpolation=cv2.INTER_AREA),
            [cv2.IMWRITE_JPEG_QUALITY, 85],
        )
        lut = np.zeros((int(inst.max()) + 1, 3), np.uint8)
        for i in range(1, len(lut)):
            lut[i] = instance_colour(i)[::-1]
        cv2.imwrite(
            str(out / "masks" / f"{name}.png"),
            cv2.resize(lut[inst], (tw, th), interpolation=cv2.INTER_NEAREST),
        )
        hit = depth > 0
        vis = np.zeros(depth.shape, np.uint8)
        if hit.any():
            lo, hi = np.percentile(depth[hit], [1, 99])
            vis[hit] = np.clip(255 - 230 * (depth[hit] - lo) / max(hi - lo, 1), 0, 255)
        cmap = cv2.applyColorMap(vis, cv2.COLORMAP_VIRIDIS)
        cmap[~hit] = 0
        cv2.imwrite(
            str(out / "depth" / f"{name}.jpg"),
            cv2.resize(cmap, (tw, th), interpolation=cv2.INTER_AREA),
        )
        anns = labels.get(r["index"], {}).get("annotations", [])
        boxes = [
            [
                round(a["bbox"][0] * s, 1),
                round(a["bbox"][1] * s, 1),
                round(a["bbox"][2] * s, 1),
                round(a["bbox"][3] * s, 1),
                html.escape(cats.get(a["category_id"], str(a["category_id"]))),
                _hex(instance_colour(a["id"])),
            ]
            for a in anns
        ]
        frames.append(
            {
                "index": r["index"],
                "attributes": r.get("attributes", {}),
                "rgb": f"thumbs/{name}.jpg",
                "mask": f"masks/{name}.png",
                "depth": f"depth/{name}.jpg",
                "boxes": boxes,
                "n": len(anns),
            }
        )
    summary = dataset_stats(dataset, out / "stats")
    plots = "\n".join(
        f'<img src="stats/{Path(p).name}" alt="{Path(p).stem}">'
        for p in summary["files"]
        if p.endswith(".png")
    )
    attrs = {
        k: [str(v) for v in spec["values"]]
        for k, spec in (info.get("template", {}).get("attributes") or {}).items()
    }
    data = {"frames": frames, "attributes": attrs, "thumb": [tw, th]}
    title = html.escape(f"{info.get('template_name', 'dataset')} — {dataset.name}")
    sub = html.escape(
        f"{len(manifest)} frames of {W}×{H}, seed {info.get('seed')}, "
        f"{summary['instances']} labelled instances"
        + (f"; showing the first {max_frames}" if len(manifest) > max_frames else "")
    )
    page = (
        PAGE.replace("__TITLE__", title)
        .replace("__SUBTITLE__", sub)
        .replace("__SEQUENCES__", _sequences(dataset, out))
        .replace("__W__", str(tw))
        .replace("__H__", str(th))
        .replace("__PLOTS__", plots)
        .replace("__SUMMARY__", html.escape(summary["text"]))
        .replace("__DATA__", json.dumps(data).replace("</", "<\\/"))
    )
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def _sequences(dataset: Path, out: Path, limit: int = 50) -> str:
    """HTML of a sequence dataset's videos (RGB and flow MP4 side by side, looping)."""
    import os

    seqs = sorted(p for p in (dataset / "sequences").glob("*") if (p / "rgb.mp4").exists())
    if not seqs:
        return ""
    rows = []
    for p in seqs[:limit]:
        vids = "".join(
            f'<video src="{html.escape(os.path.relpath(p / name, out))}" autoplay loop muted '
            f'playsinline width="256"></video> '
            for name in ("rgb.mp4", "flow.mp4")
            if (p / name).exists()
        )
        rows.append(f'<div class="card"><b>sequence {int(p.name)}</b><br>{vids}</div>')
    more = f"<p class=muted>first {limit} of {len(seqs)}</p>" if len(seqs) > limit else ""
    return (
        '<h2>Sequences</h2><div style="display:flex;flex-wrap:wrap;gap:10px">'
        + "".join(rows)
        + "</div>"
        + more
    )
