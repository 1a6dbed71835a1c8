"""Layouts in a run: the preflight that tolerates skipped frames, the manifest row of a frame the
``failure`` policy skipped, the physics engine recorded in ``dataset.json``, and the end-of-run
lines about skips, layout attempts and the collision-shape cache."""

from __future__ import annotations

from collections.abc import Callable

PREFLIGHT_PHYSICS_FRAMES = 2
"""Frames sampled before a physics run (each is simulated, so fewer than without physics)."""


def preflight(sampler, frames: list[int], sample: Callable[[int], object], n_plain: int) -> None:
    """Build the collision shapes, then sample the first frames before anything is written.
    Frames the failure policy skips are fine — unless every frame sampled is skipped: then the
    template cannot work, and the first failure is raised (as a PlacementError)."""
    from ..errors import FrameSkipped, PlacementError

    sampler.prepare_collision()
    n = PREFLIGHT_PHYSICS_FRAMES if sampler.uses_physics else n_plain
    first, ok = None, False
    for i in frames[:n]:
        try:
            sample(i)
            ok = True
        except FrameSkipped as e:
            first = first or e
    if first is not None and not ok:
        raise PlacementError(first.where, first.message)


def skip_row(sampler, seed: int, index: int, err) -> dict:
    """The manifest row of a frame the failure policy skipped: no files, the reason and the
    number of layouts tried."""
    return {
        "index": index,
        "seed": seed,
        "files": {},
        "attributes": sampler.attributes(seed, index),
        "skipped": err.message,
        "attempts": err.attempts,
    }


def physics_info(sampler) -> dict:
    """``{"physics_engine": "mujoco X.Y.Z"}`` for templates that simulate, else ``{}``."""
    if not sampler.uses_physics:
        return {}
    from ..sampling.physics import engine_version

    return {"physics_engine": engine_version()}


class LayoutLog:
    """Collects, from the manifest rows of a run, the skipped frames and the frames that needed
    more than one layout."""

    def __init__(self):
        self.skipped: list[dict] = []
        self.attempts: dict[int, int] = {}

    def add(self, row: dict) -> None:
        if "skipped" in row:
            self.skipped.append(
                {"index": row["index"], "reason": row["skipped"], "attempts": row["attempts"]}
            )
        elif row.get("attempts", 1) > 1:
            self.attempts[row["index"]] = row["attempts"]

    def summary(self, sampler) -> dict:
        out = {
            "skipped_frames": sorted(self.skipped, key=lambda s: s["index"]),
            "layout_attempts": dict(sorted(self.attempts.items())),
        }
        if sampler.uses_physics:
            from ..assets.collision import STATS

            out["collision_cache"] = {
                "hits": STATS.hits,
                "built": STATS.built,
                "seconds_building": STATS.seconds_building,
            }
        return out


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
        lines.append(
            f"{len(attempts)} frame(s) needed more than one layout ({total} layouts; "
            f"most {max(attempts.values())})"
        )
    cc = summary.get("collision_cache")
    if cc:
        lines.append(
            f"collision shapes: {cc['hits']} read from the cache, {cc['built']} built "
            f"({cc['seconds_building']:.1f} s)"
        )
    return lines
