"""The ``sequence:`` section of a template: animated scenes rendered as videos.

A sequence is ``length`` consecutive frames of one sampled scene: frame *i* of the dataset is frame
``t = i % length`` of sequence ``i // length``. The scene (layout, materials, lights, HDRI) and
every motion parameter are drawn once per sequence from ``(seed, sequence id)``; frame ``t`` shows
it at time ``t / fps`` seconds. Every parameter is a constant or a distribution.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .distributions import FloatDist, Model, Vec3Dist


class ObjectMotionSpec(Model):
    """Motion of the objects of one group, drawn per object.

    ``static``: no motion. ``linear``: constant ``velocity`` (m/s, world) and a constant spin
    ``angular_velocity_deg`` (deg/s about world x, y, z through the object's centre).
    ``orbit``: turns about the vertical axis through ``center`` at ``rate_deg`` deg/s (the object
    turns with it, as on a turntable). ``spline``: a smooth path (Catmull-Rom) through ``keys``
    key poses spread evenly over the sequence; the first is the sampled pose, each later one is
    offset by ``offset`` (m) and turned by ``rotation_deg`` about a random axis through the
    object's centre (drawn per key). ``thrown``: lifted by ``height``, then dropped or thrown
    with the initial ``velocity`` and ``angular_velocity_deg`` and simulated (MuJoCo) with its
    collision shape against the floor and the other thrown and static objects, once per
    sequence; frame t shows the simulation at t / fps. Collision shape and material (density or
    mass, friction, restitution) come from the object group's ``physics:``, engine settings from
    the template's ``physics:``. (Objects with parametric motion do not take part in the
    simulation.)"""

    type: Literal["static", "linear", "orbit", "spline", "thrown"] = Field(
        "static", description="Kind of motion."
    )
    velocity: Vec3Dist = Field([0.0, 0.0, 0.0], description="linear/thrown: velocity (m/s).")
    angular_velocity_deg: Vec3Dist = Field(
        [0.0, 0.0, 0.0], description="linear/thrown: spin about world x, y, z (deg/s)."
    )
    center: Vec3Dist = Field([0.0, 0.0, 0.0], description="orbit: a point on the vertical axis.")
    rate_deg: FloatDist = Field(
        30.0, description="orbit: turning rate (deg/s, counter-clockwise seen from above)."
    )
    keys: int = Field(
        4,
        ge=2,
        le=64,
        description="spline: key poses over the sequence (the first is the sampled pose).",
    )
    offset: Vec3Dist = Field(
        [0.0, 0.0, 0.0],
        description="spline: each later key's position offset from the sampled pose (m).",
    )
    rotation_deg: FloatDist = Field(
        0.0,
        description="spline: each later key's rotation about a "
        "random axis through the object's centre.",
    )
    height: FloatDist = Field(
        0.0, description="thrown: lift above the sampled pose before the throw (m)."
    )


class CameraMotionSpec(Model):
    """Motion of the camera, drawn per sequence, on top of the sampled camera pose.

    ``orbit``: turns about the vertical axis through ``pivot`` at ``rate_deg`` deg/s (a camera
    looking at the pivot keeps looking at it). ``dolly``: moves along its optical axis at
    ``speed`` m/s (positive: forwards). ``spline``: a smooth path (Catmull-Rom) through ``keys``
    camera positions over the sequence, each later one offset by ``offset`` (m); with
    ``aim: pivot`` it keeps looking at ``pivot``, else it keeps its orientation. ``shake_deg``
    adds a handheld shake to any of them: a smooth rotation (sum of two sinusoids per axis with
    random phases around ``shake_hz``) of about that many degrees."""

    type: Literal["static", "orbit", "dolly", "spline"] = Field("static", description="Path.")
    pivot: Vec3Dist = Field(
        [0.0, 0.0, 0.0],
        description="orbit: point on the axis; spline: the point aimed at with aim: pivot.",
    )
    rate_deg: FloatDist = Field(20.0, description="orbit: turning rate (deg/s).")
    speed: FloatDist = Field(0.1, description="dolly: speed along the optical axis (m/s).")
    keys: int = Field(4, ge=2, le=64, description="spline: key positions over the sequence.")
    offset: Vec3Dist = Field([0.0, 0.0, 0.0], description="spline: each later key's offset (m).")
    aim: Literal["fixed", "pivot"] = Field(
        "fixed", description="spline: keep the orientation, or look at pivot."
    )
    shake_deg: FloatDist = Field(0.0, description="Handheld shake amplitude (deg); 0 = none.")
    shake_hz: FloatDist = Field(1.5, description="Handheld shake frequency (Hz).")


class LightingMotionSpec(Model):
    """Changes of the lighting over time (rates, drawn per sequence)."""

    environment_rotation_deg: FloatDist = Field(
        0.0, description="HDRI rotation rate about z (deg/s); the background moves with it."
    )
    environment_exposure_ev: FloatDist = Field(0.0, description="HDRI exposure change (EV/s).")
    lights_rotation_deg: FloatDist = Field(
        0.0, description="Lights turn about the world z axis (deg/s): directions and positions."
    )
    lights_intensity_ev: FloatDist = Field(0.0, description="Light intensity change (EV/s).")


class SequenceSpec(Model):
    """Animated sequences: ``length`` frames of one scene at ``fps``; see the README's
    "Sequences" section for the outputs (optical flow, object coordinates, videos, tracks)."""

    length: int = Field(ge=2, le=100000, description="Frames per sequence.")
    fps: float = Field(
        24.0, gt=0, le=1000, description="Frames per second (frame t is at t/fps s)."
    )
    shutter: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Motion blur: the shutter is open for this "
        "fraction of the frame interval, centred on the frame time (0: none).",
    )
    subframes: int = Field(
        5, ge=2, le=64, description="Motion blur: renders averaged across the shutter."
    )
    objects: dict[str, ObjectMotionSpec] = Field(
        default_factory=dict,
        description='Motion per object group name; `"*"` for the groups not named.',
    )
    camera: CameraMotionSpec = Field(default_factory=CameraMotionSpec, description="Camera path.")
    lighting: LightingMotionSpec = Field(
        default_factory=LightingMotionSpec, description="Lighting changes over time."
    )
    flow: bool = Field(
        True,
        description="Write forward/backward optical flow (.flo) and its validity mask per frame.",
    )
    scene_flow: bool = Field(
        False,
        description="Write sceneflow/NNNNNN.npy: each pixel's "
        "surface point's 3D motion to frame t+1 (float32 H×W×3, metres, "
        "world axes; 0 where nothing was hit).",
    )
    object_coordinates: bool = Field(
        True,
        description="Write objcoord/NNNNNN.png: each pixel's "
        "point in its asset's box, normalised to 0..65535.",
    )
    video: bool = Field(True, description="Write sequences/SSSSSS/rgb.mp4 and flow.mp4 (H.264).")
    video_crf: int = Field(
        18, ge=0, le=51, description="H.264 quality (constant rate factor, 0 = lossless)."
    )


def check_sequence(template) -> list[str]:
    """Cross-field problems of a template's ``sequence`` section (messages name the place)."""
    errors = []
    seq = template.sequence
    names = {o.name for o in template.objects}
    for name in seq.objects:
        if name != "*" and name not in names:
            known = ", ".join(sorted(names)) or "none defined"
            errors.append(f"sequence.objects.{name}: no object group of that name (known: {known})")
    if template.labels.hidden == "resample":
        errors.append(
            "labels.hidden: 'resample' lays a frame out again, which a sequence cannot "
            "do (its frames share one layout); use hidden: drop"
        )
    if template.mode == "exhaustive":
        errors.append("mode: 'exhaustive' enumerates stills; sequences need mode: random")
    return errors


__all__ = [
    "CameraMotionSpec",
    "LightingMotionSpec",
    "ObjectMotionSpec",
    "SequenceSpec",
    "check_sequence",
]
