"""Distractors: objects rendered like any other (shadows, occlusion, depth) but unlabelled.

The renderer draws them with their SceneSpec ids; :func:`hide_distractors` turns those ids into
0 (background) in the frame's instance image before anything is labelled or written, so they are
in no mask and no label format, while the objects they cover lose those pixels (they count as
occluders in ``visib_fract``: the amodal masks are rendered per object, alone).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..spec import SceneSpec


def distractor_ids(spec: SceneSpec) -> list[int]:
    """Ids of the frame's unlabelled objects."""
    return [o.id for o in spec.objects if not o.labelled]


def hide_distractors(frame, spec: SceneSpec):
    """The frame with distractor ids set to 0 in ``instance`` (a new Frame; the input is not
    changed). Frames without distractors are returned as they are."""
    ids = distractor_ids(spec)
    if not ids:
        return frame
    inst = frame.instance
    lut = np.arange(max(int(inst.max()), max(ids)) + 1, dtype=inst.dtype)
    lut[ids] = 0
    return replace(frame, instance=lut[inst])
