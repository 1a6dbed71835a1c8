"""``synth3d stats``: what a rendered dataset holds, as plots and a text summary, with attribute
frequencies tested against the template's probabilities."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np

from ..errors import DatasetError

FLAG_P = 1e-3
"""Attribute distributions whose chi-square p-value falls below this are flagged."""


def load_dataset(dataset: Path) -> tuple[dict, list[dict], list[dict]]:
    from ..writers.dataset import read_rows
    from ..writers.files import read_jsonl

    try:
        info = json.loads((dataset / "dataset.json").read_text())
    except (OSError, json.JSONDecodeError):
        raise DatasetError(
            str(dataset), "not a synth3d dataset (no readable dataset.json)"
        ) from None
    manifest = sorted(read_jsonl(dataset / "manifest.jsonl"), key=lambda r: r["index"])
    return info, manifest, read_rows(dataset)


def expected_frequencies(template: dict, name: str, indices: list[int]) -> dict:
    """Expected share of each value of attribute ``name`` over the frames ``indices``: the
    template's probabilities in random mode, the enumeration's own counts in exhaustive mode."""
    attrs = template.get("attributes") or {}
    spec = attrs[name]
    values = [str(v) for v in spec["values"]]
    if template.get("mode", "random") != "exhaustive":
        p = spec.get("p") or [1.0 / len(values)] * len(values)
        return dict(zip(values, p))
    names = list(attrs)
    radices = [len(attrs[a]["values"]) for a in names]
    pos = names.index(name)
    stride = int(np.prod(radices[pos + 1 :])) if pos + 1 < len(radices) else 1
    total = int(np.prod(radices))
    counts = Counter(values[(i % total) // stride % radices[pos]] for i in indices)
    return {v: counts.get(v, 0) / max(len(indices), 1) for v in values}


class _Plots:
    """Saves matplotlib figures as PNGs into one folder and remembers what it wrote."""

    def __init__(self, out: Path):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        self.plt = plt
        self.out = out
        self.written: list[Path] = []

    def save(self, fig, name: str) -> None:
        fig.tight_layout()
        fig.savefig(self.out / f"{name}.png", dpi=90)
        self.plt.close(fig)
        self.written.append(self.out / f"{name}.png")


def _attribute_stats(template: dict, manifest: list[dict], summary: dict, plots: _Plots) -> None:
    """Each attribute's observed frequencies against the template's, with a chi-square test."""
    from scipy.stats import chisquare

    attr_names = list(template.get("attributes") or {})
    if not attr_names:
        return
    indices = [r["index"] for r in manifest]
    fig, axes = plots.plt.subplots(
        len(attr_names), 1, figsize=(8, 2.6 * len(attr_names)), squeeze=False
    )
    for ax, name in zip(axes[:, 0], attr_names):
        exp = expected_frequencies(template, name, indices)
        obs = Counter(str(r["attributes"].get(name)) for r in manifest)
        vals = list(exp)
        n = len(manifest)
        o = np.array([obs.get(v, 0) for v in vals], float)
        e = np.array([exp[v] for v in vals]) * n
        keep = e > 0
        p = (
            float(chisquare(o[keep], e[keep] * o[keep].sum() / e[keep].sum()).pvalue)
            if keep.sum() > 1 and n
            else 1.0
        )
        unexpected = [v for v, k in zip(vals, keep) if not k and obs.get(v, 0)]
        flagged = (p < FLAG_P) or bool(unexpected)
        summary["attributes"][name] = {
            "observed": {v: int(obs.get(v, 0)) for v in vals},
            "expected": {v: float(exp[v]) for v in vals},
            "p_value": p,
            "flagged": flagged,
        }
        if flagged:
            summary["flagged"].append(name)
        x = np.arange(len(vals))
        ax.bar(x, o / max(n, 1), color="#4c78a8", label="observed")
        ax.scatter(x, e / max(n, 1), color="#e45756", zorder=3, marker="_", s=400, label="template")
        ax.set_xticks(x, vals, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel("share")
        ax.set_title(
            f"{name}: χ² p = {p:.3g}" + ("  ⚠ does not match the template" if flagged else ""),
            fontsize=10,
        )
        ax.legend(fontsize=8)
    plots.save(fig, "attributes")


def _instance_stats(
    info: dict, manifest: list[dict], rows: list[dict], summary: dict, plots: _Plots
) -> None:
    """Categories, box positions and sizes, and visibility of the labelled instances."""
    plt = plots.plt
    cats = {int(k): v for k, v in info.get("categories", {}).items()}
    W, H = info["width"], info["height"]
    anns = [a for r in rows for a in r["annotations"]]
    summary["instances"] = len(anns)
    cat_counts = Counter(cats.get(a["category_id"], str(a["category_id"])) for a in anns)
    summary["categories"] = dict(sorted(cat_counts.items()))
    fig, ax = plt.subplots(figsize=(8, 3))
    names = [cats[i] for i in sorted(cats)]
    ax.bar(names, [cat_counts.get(c, 0) for c in names], color="#54a24b")
    ax.set_ylabel("labelled instances")
    ax.set_title(f"categories ({len(anns)} instances in {len(manifest)} frames)", fontsize=10)
    plt.setp(ax.get_xticklabels(), rotation=30, ha="right", fontsize=8)
    plots.save(fig, "categories")
    if not anns:
        return
    b = np.array([a["bbox"] for a in anns], float)
    cx, cy = (b[:, 0] + b[:, 2] / 2) / W, (b[:, 1] + b[:, 3] / 2) / H
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.6))
    a1.hist2d(cx, cy, bins=24, range=[[0, 1], [0, 1]], cmap="magma")
    a1.set_xlim(0, 1)
    a1.set_ylim(1, 0)
    a1.set_title("box centres (image coordinates)", fontsize=10)
    a2.hist2d(b[:, 2] / W, b[:, 3] / H, bins=24, range=[[0, 1], [0, 1]], cmap="viridis")
    a2.set_xlabel("width / W")
    a2.set_ylabel("height / H")
    a2.set_title("box sizes", fontsize=10)
    plots.save(fig, "boxes")
    vf = [a["visib_fract"] for a in anns if a.get("visib_fract") is not None]
    if vf:
        fig, ax = plt.subplots(figsize=(6, 3))
        ax.hist(vf, bins=20, range=(0, 1), color="#f58518")
        ax.set_xlabel("visible fraction")
        ax.set_title(f"visibility (median {np.median(vf):.2f})", fontsize=10)
        plots.save(fig, "visibility")
        summary["visible_fraction_median"] = float(np.median(vf))


def _depth_stats(
    dataset: Path, info: dict, manifest: list[dict], depth_frames: int, summary: dict, plots: _Plots
) -> None:
    """Depth of object pixels over the first ``depth_frames`` frames."""
    import cv2

    depths = []
    scale = float(info.get("depth_scale", 1.0))
    for r in manifest[:depth_frames]:
        d = cv2.imread(str(dataset / r["files"]["depth"]), cv2.IMREAD_UNCHANGED)
        inst = cv2.imread(str(dataset / r["files"]["instance"]), cv2.IMREAD_UNCHANGED)
        if d is not None and inst is not None:
            depths.append(d[(inst > 0) & (d > 0)].astype(np.float64) * scale / 1000.0)
    if not depths or not sum(len(x) for x in depths):
        return
    dv = np.concatenate(depths)
    fig, ax = plots.plt.subplots(figsize=(6, 3))
    ax.hist(dv, bins=40, color="#72b7b2")
    ax.set_xlabel("depth of object pixels (m)")
    ax.set_title(f"depth ({len(depths)} frames)", fontsize=10)
    plots.save(fig, "depth")
    summary["object_depth_m"] = {
        "min": float(dv.min()),
        "median": float(np.median(dv)),
        "max": float(dv.max()),
    }


def _summary_lines(dataset: Path, summary: dict) -> list[str]:
    lines = [
        f"dataset {dataset}: {summary['frames']} frames, {summary['instances']} labelled instances"
    ]
    for c, k in summary["categories"].items():
        lines.append(f"  {c}: {k}")
    for name, a in summary["attributes"].items():
        mark = "  <- does not match the template" if a["flagged"] else ""
        lines.append(f"attribute {name}: chi-square p = {a['p_value']:.3g}{mark}")
        for v in a["observed"]:
            lines.append(
                f"  {v}: {a['observed'][v]} observed, "
                f"{a['expected'][v] * summary['frames']:.1f} expected"
            )
    if summary["flagged"]:
        lines.append(f"FLAGGED: {', '.join(summary['flagged'])}")
    return lines


def dataset_stats(
    dataset: str | Path, out: str | Path | None = None, depth_frames: int = 200
) -> dict:
    """Write plots (PNG) and ``summary.txt`` into ``out`` (default DATASET/stats) and return the
    summary as a dict: frames, instances, per-category counts, per-attribute observed and expected
    frequencies with a chi-square p-value and a ``flagged`` list."""
    dataset = Path(dataset)
    info, manifest, rows = load_dataset(dataset)
    out = Path(out) if out else dataset / "stats"
    out.mkdir(parents=True, exist_ok=True)
    summary: dict = {
        "dataset": str(dataset),
        "frames": len(manifest),
        "flagged": [],
        "attributes": {},
    }
    plots = _Plots(out)
    _attribute_stats(info.get("template", {}), manifest, summary, plots)
    _instance_stats(info, manifest, rows, summary, plots)
    _depth_stats(dataset, info, manifest, depth_frames, summary, plots)
    lines = _summary_lines(dataset, summary)
    (out / "summary.txt").write_text("\n".join(lines) + "\n")
    summary["files"] = [str(p) for p in plots.written + [out / "summary.txt"]]
    summary["text"] = "\n".join(lines)
    return summary
