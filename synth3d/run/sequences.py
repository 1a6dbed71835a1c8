"""Rendering sequences: the unit of work of a ``sequence:`` template.

A worker renders a whole sequence in frame order (its plan is sampled — and simulated — once),
then computes each frame's optical flow from the G-buffers of it and its neighbours, writes the
frames' files, the sequence's videos, and only then reports the frames: a sequence is done when
all its frames are, so a killed run redoes unfinished sequences whole, with the same bytes.

Per frame, besides the usual files (see the README's "Sequences"):
``flow_fw/NNNNNN.flo`` (to frame t+1) and ``flow_bw/NNNNNN.flo`` (to frame t−1), Middlebury
format, pixels; ``flow_valid/NNNNNN.png`` (uint8: bit 0 forward valid, bit 1 backward valid);
``objcoord/NNNNNN.png`` (uint16 RGB object coordinates). The last frame's forward and the first
frame's backward flow are the motion to one frame interval past the sequence's end (before its
start) at the frame's constant velocities; that frame is not rendered, so they are marked
invalid everywhere. Per sequence: ``sequences/SSSSSS/rgb.mp4`` and ``flow.mp4``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from ..errors import Synth3dError, TemplateError
from ..spec import SceneSpec


def sequence_name(seq_id: int) -> str:
    return f"{seq_id:06d}"


def check_range(scenes, start: int, n: int) -> None:
    """Runs of a sequence template cover whole sequences."""
    L = scenes.sequence.length
    if start % L or n % L:
        raise TemplateError(
            "-n" if n % L else "--start",
            f"a sequence template renders whole sequences of {L} frames: --start "
            f"and -n must be multiples of {L} (got --start {start} -n {n}; e.g. "
            f"-n {max(1, round(n / L)) * L} for {max(1, round(n / L))} sequence(s))",
        )


def shard_sequences(start: int, n: int, length: int, shard, layout: str) -> list[int]:
    """Frames of shard K of N when the sequences (not the frames) are split into N parts, as
    ``--shard-layout`` says (contiguous blocks, or every N-th sequence)."""
    seqs = list(range(start // length, (start + n) // length))
    if shard is not None:
        k, parts = shard
        if layout == "interleaved":
            seqs = seqs[k::parts]
        else:
            m = len(seqs)
            seqs = seqs[(k * m) // parts : ((k + 1) * m) // parts]
    return [s * length + t for s in seqs for t in range(length)]


def sequence_run(scenes, n: int, opts):
    """The frames of a run of a sequence template (whole sequences of its shard) and its
    options with chunks of whole sequences."""
    L = scenes.sequence.length
    check_range(scenes, opts.start, n)
    frames = shard_sequences(opts.start, n, L, opts.shard, opts.shard_layout)
    return frames, opts.replace(chunk=sequence_chunk(opts.chunk, L))


def whole_sequences(todo: Iterable[int], length: int) -> list[int]:
    """Every frame of each sequence that has a frame in ``todo`` (a sequence is redone whole)."""
    seqs = sorted({i // length for i in todo})
    return [s * length + t for s in seqs for t in range(length)]


def sequence_chunk(chunk: int | None, length: int) -> int:
    """Chunks for workers and Ray actors: whole sequences (one by default)."""
    return length * max(1, (chunk or length) // length)


def render_blurred(renderer, spec: SceneSpec, amodal: bool = False, normals: bool = False):
    """Render a frame; with an open shutter (``spec.sequence.shutter_s`` > 0) its colour and
    coverage are the mean of ``subframes`` renders at times spread evenly across the shutter
    (sub-frame k at ``time_s + shutter_s · ((k + ½)/n − ½)``, poses at the frame's constant
    velocities), while depth, ids, normals and amodal masks — everything labels are made of —
    are those of the shutter's middle. (The HDRI/colour background composited behind the
    objects is that of the middle too.)"""
    from ..sampling.motion import advance

    frame = renderer.render(spec, amodal=amodal, normals=normals)
    seq = spec.sequence
    if seq is None or seq.shutter_s <= 0 or seq.subframes < 2:
        return frame
    n = seq.subframes
    rgb = np.zeros_like(frame.rgb, dtype=np.float64)
    alpha = np.zeros_like(frame.alpha, dtype=np.float64)
    for k in range(n):
        sub = renderer.render(advance(spec, seq.shutter_s * ((k + 0.5) / n - 0.5)))
        rgb += sub.rgb
        alpha += sub.alpha
    return replace(
        frame, rgb=(rgb / n).astype(frame.rgb.dtype), alpha=(alpha / n).astype(frame.alpha.dtype)
    )


@dataclass(frozen=True)
class SequenceFrame:
    """One rendered frame of a sequence with its motion labels (flow arrays are (H, W, 2)
    float32 pixels, validity (H, W) bool, object coordinates (H, W, 3) uint16 or None)."""

    spec: SceneSpec
    frame: object
    flow_fw: np.ndarray | None
    flow_bw: np.ndarray | None
    valid_fw: np.ndarray | None
    valid_bw: np.ndarray | None
    objcoord: np.ndarray | None
    scene_flow: np.ndarray | None = None


def motion_labels(
    specs: list[SceneSpec],
    frames: list,
    want_flow: bool = True,
    want_objcoord: bool = True,
    t: int | None = None,
    want_scene_flow: bool = False,
):
    """Flow (forward, backward, validity), object coordinates and (optionally) scene flow of
    frame ``t`` (all frames when None) of a rendered sequence."""
    from ..annotate.flow import object_coordinates, rigid_flow, scene_motion
    from ..sampling.motion import advance

    L = len(specs)
    out = []
    for k in range(L) if t is None else [t]:
        spec, fr = specs[k], frames[k]
        fw = bw = vf = vb = oc = None
        if want_flow:
            dt = 1.0 / spec.sequence.fps
            if k + 1 < L:
                fw, vf = rigid_flow(
                    fr.depth_m,
                    fr.instance,
                    spec,
                    specs[k + 1],
                    frames[k + 1].depth_m,
                    frames[k + 1].instance,
                )
            else:
                fw, vf = rigid_flow(fr.depth_m, fr.instance, spec, advance(spec, dt))
            if k > 0:
                bw, vb = rigid_flow(
                    fr.depth_m,
                    fr.instance,
                    spec,
                    specs[k - 1],
                    frames[k - 1].depth_m,
                    frames[k - 1].instance,
                )
            else:
                bw, vb = rigid_flow(fr.depth_m, fr.instance, spec, advance(spec, -dt))
        if want_objcoord:
            oc = object_coordinates(fr.depth_m, fr.instance, spec)
        sf = None
        if want_scene_flow:
            nxt = specs[k + 1] if k + 1 < L else advance(spec, 1.0 / spec.sequence.fps)
            P, Q = scene_motion(fr.depth_m, fr.instance, spec, nxt)
            sf = (Q - P).astype(np.float32)
        out.append(SequenceFrame(spec, fr, fw, bw, vf, vb, oc, sf))
    return out


def render_sequence(
    renderer, scenes, seed: int, seq_id: int, on_start: Callable[[int], None] | None = None
) -> list[SequenceFrame]:
    """Render sequence ``seq_id`` in memory: its frames with flow and object coordinates (as the
    template's ``sequence`` asks)."""
    from .frames import wants_normals

    L = scenes.sequence.length
    specs, frames = [], []
    for t in range(L):
        i = seq_id * L + t
        if on_start is not None:
            on_start(i)
        spec = scenes.sample(seed, i)
        frames.append(render_blurred(renderer, spec, spec.output.amodal, wants_normals(spec)))
        specs.append(spec)
    q = scenes.sequence
    return motion_labels(specs, frames, q.flow, q.object_coordinates, want_scene_flow=q.scene_flow)


def render_sequences(
    renderer,
    scenes,
    seed: int,
    indices: Iterable[int],
    files,
    on_record: Callable[[dict, dict], None],
    writer_threads: int = 2,
    on_start: Callable[[int], None] | None = None,
) -> None:
    """:func:`~synth3d.run.frames.render_indices` for sequence templates: renders every sequence
    that has a frame in ``indices``, whole and in frame order, and reports its frames (in order)
    once all its files — frames and videos — are written."""
    pool = ThreadPoolExecutor(max(1, writer_threads), thread_name_prefix="synth3d-writer")
    try:
        for s in sorted({i // scenes.sequence.length for i in indices}):
            rows = _render_one(renderer, scenes, seed, s, files, pool, on_start)
            _write_videos(scenes.sequence, s, rows, files.out)
            for row, ann_row in rows:
                on_record(row, ann_row)
    finally:
        pool.shutdown(wait=True)


def _render_one(renderer, scenes, seed: int, s: int, files, pool, on_start) -> list[tuple]:
    """Render sequence ``s`` and write its frames' files; frame t is finished (labels, flow,
    encoding) in ``pool`` as soon as frame t+1 is rendered, and its G-buffers are let go once
    its neighbours are finished (memory stays flat over long sequences). Returns per frame
    (manifest row, label row)."""
    from .frames import FrameFailed, wants_normals

    q = scenes.sequence
    L = q.length
    specs, frames, futs = [], [], []
    current = s * L
    try:
        for t in range(L):
            current = s * L + t
            if on_start is not None:
                on_start(current)
            spec = scenes.sample(seed, current)
            frames.append(render_blurred(renderer, spec, spec.output.amodal, wants_normals(spec)))
            specs.append(spec)
            if t >= 1:  # frame t−1's flow needs frame t's buffers
                futs.append(pool.submit(_finish_one, scenes, files, specs, frames, t - 1))
            if t >= 3:  # frames t−4 and before are no longer needed by any finish
                futs[t - 3].result()
                if t >= 4:
                    frames[t - 4] = None
        futs.append(pool.submit(_finish_one, scenes, files, specs, frames, L - 1))
        results = []
        for t, f in enumerate(futs):
            current = s * L + t
            results.append(f.result())
        return results
    except Synth3dError:
        raise
    except Exception as e:
        raise FrameFailed(current, e) from e


def _finish_one(scenes, files, specs, frames, t: int) -> tuple:
    """Labels, flow and files of frame t (its neighbours rendered)."""
    from ..annotate.flow import encode_flo
    from .frames import process

    q = scenes.sequence
    n = t + 2 if t + 1 < q.length else len(specs)
    (m,) = motion_labels(specs[:n], frames[:n], q.flow, q.object_coordinates, t, q.scene_flow)
    o = process(m.frame, m.spec, scenes.template.labels)
    extras = dict(o.extras)
    if m.flow_fw is not None:
        extras["flow_fw"] = ("flo", encode_flo(m.flow_fw))
        extras["flow_bw"] = ("flo", encode_flo(m.flow_bw))
        extras["flow_valid"] = m.valid_fw.astype(np.uint8) | (m.valid_bw.astype(np.uint8) << 1)
    if m.objcoord is not None:
        extras["objcoord"] = m.objcoord
    if m.scene_flow is not None:
        extras["sceneflow"] = ("npy", _npy(m.scene_flow))
    return files.write(m.spec, replace(o, extras=extras))


def _write_videos(q, s: int, rows: list[tuple], out) -> None:
    """The sequence's RGB and flow MP4s, made from the frames' files as written; listed in its
    last frame's manifest row, so the sequence counts as done only with them."""
    import cv2

    from ..annotate.flow import decode_flo, flow_to_color
    from ..writers.files import atomic_write
    from ..writers.video import encode_mp4
    from .frames import FrameFailed

    if not q.video:
        return
    last = rows[-1][0]["files"]
    try:
        d = out / "sequences" / sequence_name(s)
        d.mkdir(parents=True, exist_ok=True)
        rgb = (
            cv2.cvtColor(
                cv2.imread(str(out / r["files"]["rgb"]), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB
            )
            for r, _a in rows
        )
        rel = f"sequences/{sequence_name(s)}/rgb.mp4"
        atomic_write(out / rel, encode_mp4(rgb, q.fps, q.video_crf))
        last["video_rgb"] = rel
        if q.flow:

            def flow(r):
                return decode_flo((out / r["files"]["flow_fw"]).read_bytes())

            top = max(float(np.hypot(*np.moveaxis(flow(r), -1, 0)).max()) for r, _a in rows)
            rel = f"sequences/{sequence_name(s)}/flow.mp4"
            atomic_write(
                out / rel,
                encode_mp4((flow_to_color(flow(r), top) for r, _a in rows), q.fps, q.video_crf),
            )
            last["video_flow"] = rel
    except Synth3dError:
        raise
    except Exception as e:
        raise FrameFailed(s * q.length + q.length - 1, e) from e


def _npy(a: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(a), allow_pickle=False)
    return buf.getvalue()


__all__ = [
    "SequenceFrame",
    "check_range",
    "motion_labels",
    "render_blurred",
    "render_sequence",
    "render_sequences",
    "sequence_run",
    "shard_sequences",
    "whole_sequences",
]
