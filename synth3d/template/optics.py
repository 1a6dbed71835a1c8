"""Template models of camera optics: lens distortion, depth of field, vignetting, sensor noise.

``camera.distortion`` and ``post.optics`` (see :mod:`synth3d.post.optics` for the models'
physics and :mod:`synth3d.lens` for how labels follow the distortion).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from .distributions import FloatDist, Model, check_range

DISTORTION_DOC = (
    "Lens distortion (OpenCV k1, k2, p1, p2, k3) applied after rendering; labels follow it."
)
OPTICS_DOC = "Camera optics and sensor on the linear image: depth of field, vignetting, noise."


def _prob(v: float) -> float:
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"a probability must be in 0..1, got {v:g}")
    return v


class DistortionSpec(Model):
    """OpenCV Brown–Conrady lens distortion (radial k1, k2, k3; tangential p1, p2) of the pinhole
    render; every label is remapped with the image and the coefficients are written next to K
    (SceneSpec ``camera.distortion``, BOP ``cam_dist``, COCO ``images[].camera.dist``)."""

    k1: FloatDist = Field(0.0, description="Radial r² coefficient (< 0: barrel, > 0: pincushion).")
    k2: FloatDist = Field(0.0, description="Radial r⁴ coefficient.")
    p1: FloatDist = Field(0.0, description="Tangential coefficient p1.")
    p2: FloatDist = Field(0.0, description="Tangential coefficient p2.")
    k3: FloatDist = Field(0.0, description="Radial r⁶ coefficient.")
    p: float = Field(1.0, description="Probability that a frame is distorted.")

    _ranges = field_validator("k1", "k2", "k3", "p1", "p2")(
        classmethod(lambda cls, v: check_range(v, -2.0, 2.0))
    )
    _p = field_validator("p")(classmethod(lambda cls, v: _prob(v)))


class DepthOfFieldSpec(Model):
    """Thin-lens depth of field from the depth buffer: circle of confusion in pixels from the
    focal length (fx · sensor width / image width), the f-number and the focus distance."""

    f_number: FloatDist = Field(2.8, description="Aperture f-number N (smaller: blurrier).")
    focus_m: FloatDist | None = Field(
        None, description="Focus distance (m); unset: the depth seen at the principal point."
    )
    sensor_width_mm: FloatDist = Field(
        36.0, description="Sensor width (mm); sets the focal length with the intrinsics."
    )
    p: float = Field(1.0, description="Probability that a frame has depth of field.")

    _n = field_validator("f_number")(classmethod(lambda cls, v: check_range(v, 0.5, 64.0)))
    _focus = field_validator("focus_m")(
        classmethod(lambda cls, v: check_range(v, 0.0, lo_open=True))
    )
    _sensor = field_validator("sensor_width_mm")(
        classmethod(lambda cls, v: check_range(v, 1.0, 100.0))
    )
    _p = field_validator("p")(classmethod(lambda cls, v: _prob(v)))


class NoiseSpec(Model):
    """Physically based sensor noise on the exposed linear image, before white balance and the
    tonemap: Poisson shot noise of the photo-electrons plus Gaussian read noise."""

    full_well_e: FloatDist = Field(
        2000.0,
        description="Electrons collected at an exposed value of 1.0 (a bright white); "
        "fewer electrons — a smaller pixel or a higher ISO — is noisier.",
    )
    read_noise_e: FloatDist = Field(3.0, description="Read noise, electrons (standard deviation).")
    p: float = Field(1.0, description="Probability that a frame has sensor noise.")

    _fw = field_validator("full_well_e")(classmethod(lambda cls, v: check_range(v, 1.0)))
    _rn = field_validator("read_noise_e")(classmethod(lambda cls, v: check_range(v, 0.0)))
    _p = field_validator("p")(classmethod(lambda cls, v: _prob(v)))


class OpticsSpec(Model):
    """Camera optics and sensor applied to the linear image before the tonemap, in the order
    light meets them: depth of field, vignetting, lens distortion (``camera.distortion``),
    exposure, sensor noise. None of them changes a label except distortion, which moves every
    label with the pixels."""

    dof: DepthOfFieldSpec | None = Field(None, description="Depth of field (unset: all sharp).")
    vignetting: FloatDist = Field(
        0.0, description="Natural vignetting: 0 none, 1 the full cos⁴ falloff of the ray angle."
    )
    noise: NoiseSpec | None = Field(None, description="Sensor noise (unset: none).")

    _vig = field_validator("vignetting")(classmethod(lambda cls, v: check_range(v, 0.0, 1.0)))


class RealismSpec(Model):
    """Rendering effects that make objects sit in their scene (see the README's *Looks real*);
    `scripts/bench_realism.py` measures each one's cost per frame."""

    ao: bool = Field(
        True,
        description="Ground-truth ambient occlusion (GTAO, screen space) of "
        "the indirect HDRI/ambient light: creases, contacts and the floor around "
        "objects darken as the sky above them is hidden.",
    )
    ao_radius_m: FloatDist = Field(
        0.1,
        description="AO search radius (m): occluders farther "
        "than this from a point do not darken it.",
    )

    soft_shadows: bool = Field(
        False,
        description="Shadows of the HDRI's sun as soft as the sun: "
        "penumbrae from its measured angular size (percentage-closer soft "
        "shadows); a hazy or partly clouded sun casts softer shadows. Off "
        "by default: about +23 % CPU per frame on a software rasteriser.",
    )

    sky_shadows: Literal[0, 8, 16, 32] = Field(
        0,
        description="Sky shadows: the HDRI's sky split into this many cells, each a soft "
        "shadow-casting area light, so objects hide the sky they really hide — a tray's walls "
        "the low sky from what lies inside it, an object the sky from the floor behind it — at "
        "any distance (screen-space AO sees only its radius and the screen). Combined with AO "
        "as the darker of the two. 0: off, the default: on a software rasteriser 8 cells cost "
        "about +30 % CPU per frame, 16 about +60 %, 32 about +130 % (each cell renders the "
        "objects once more).",
    )

    _radius = field_validator("ao_radius_m")(
        classmethod(lambda cls, v: check_range(v, 0.0, 10.0, lo_open=True))
    )


class MeteringSpec(Model):
    """Automatic exposure's metering (fields of ``post.tonemap``)."""

    auto_exposure_key: float = Field(
        0.18,
        description="auto_exposure: the log-average luminance the frame is exposed to "
        "(0.18 = middle grey; a night template uses ~0.04 so night stays dark).",
    )
    auto_exposure_range_ev: list[float] = Field(
        [-12.0, 12.0],
        min_length=2,
        max_length=2,
        description="auto_exposure: the correction "
        "is clamped to [min, max] EV, as a camera's metering range is (e.g. [-12, 0]: never "
        "brighten a dark map).",
    )

    @field_validator("auto_exposure_key")
    @classmethod
    def _key(cls, v):
        if not 0.001 <= v <= 1.0:
            raise ValueError(f"must be within 0.001..1, got {v:g}")
        return v

    @field_validator("auto_exposure_range_ev")
    @classmethod
    def _range(cls, v):
        if v[0] > v[1]:
            raise ValueError(f"[min, max] with min ≤ max, got {v}")
        return v
