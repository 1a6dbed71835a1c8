"""The end-of-run lines about layouts: frames the failure policy skipped (with their reasons),
frames that needed more than one layout, and the collision-shape cache."""
from __future__ import annotations


def layout_lines(summary: dict, most: int = 10) -> list[str]:
    """Human-readable lines for a :func:`~synth3d.run.pipeline.render_dataset` summary."""
    lines = []
    skipped = summary.get("skipped_frames") or []
    attempts = summary.get("layout_attempts") or {}
    if skipped:
        lines.append(f"skipped {len(skipped)} frame(s) whose layout failed (see manifest.jsonl):")
        for s in skipped[:most]:
            lines.append(f"  frame {s['index']}: {s['reason']}")
        if len(skipped) > most:
            lines.append(f"  … and {len(skipped) - most} more")
    if attempts:
        total = sum(attempts.values())
        lines.append(f"{len(attempts)} frame(s) needed more than one layout ({total} layouts; "
                     f"most {max(attempts.values())})")
    cc = summary.get("collision_cache")
    if cc:
        lines.append(f"collision shapes: {cc['hits']} read from the cache, {cc['built']} built "
                     f"({cc['seconds_building']:.1f} s)")
    return lines
