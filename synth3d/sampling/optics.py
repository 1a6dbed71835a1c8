"""Drawing camera optics (lens distortion, depth of field, vignetting, sensor noise) for a frame.

Each draws from its own stream (``distortion``, ``optics``), so templates without optics keep
every other draw — and their SceneSpecs — unchanged."""

from __future__ import annotations

from ..spec import OpticsSpec, RealismSpec
from ..template import optics as T
from .values import sample_float


def sample_distortion(d: T.DistortionSpec | None, rng) -> list[float] | None:
    """[k1, k2, p1, p2, k3] of a frame, or None (no distortion template, or not drawn)."""
    if d is None:
        return None
    if d.p < 1.0 and rng.uniform() >= d.p:
        return None
    return [sample_float(v, rng) for v in (d.k1, d.k2, d.p1, d.p2, d.k3)]


def sample_optics(o: T.OpticsSpec | None, rng) -> OpticsSpec | None:
    """The frame's concrete optics, or None when the template has none."""
    if o is None:
        return None
    kw: dict = {"seed": int(rng.integers(0, 2**31 - 1))}
    if o.dof is not None and (o.dof.p >= 1.0 or rng.uniform() < o.dof.p):
        kw["dof_f_number"] = sample_float(o.dof.f_number, rng)
        kw["dof_focus_m"] = None if o.dof.focus_m is None else sample_float(o.dof.focus_m, rng)
        kw["sensor_width_mm"] = sample_float(o.dof.sensor_width_mm, rng)
    kw["vignetting"] = sample_float(o.vignetting, rng)
    if o.noise is not None and (o.noise.p >= 1.0 or rng.uniform() < o.noise.p):
        kw["noise_full_well_e"] = sample_float(o.noise.full_well_e, rng)
        kw["noise_read_e"] = sample_float(o.noise.read_noise_e, rng)
    return OpticsSpec(**kw)


def sample_realism(r: T.RealismSpec, rng) -> RealismSpec:
    """The frame's rendering effects (its own stream: ``realism``)."""
    return RealismSpec(
        ao=r.ao,
        ao_radius_m=sample_float(r.ao_radius_m, rng),
        soft_shadows=r.soft_shadows,
        sky_shadows=r.sky_shadows,
    )
