"""Light and environment draws: the template's lights (colour or temperature, intensity,
direction/position) and the HDRI environment (map, rotation, exposure, background)."""

from __future__ import annotations

import numpy as np

from ..assets.catalog import Catalog
from ..color import temperature_to_linear_rgb
from ..spec import EnvironmentSpec, LightSpec
from .values import choose_weighted, sample_color, sample_float, sample_int, sample_vec


def sample_lights(lights: list, rng) -> list[LightSpec]:
    """Every light of every template light entry (``count`` each)."""
    out = []
    for spec in lights:
        for _ in range(sample_int(spec.count, rng)):
            if spec.temperature_k is not None:
                color = temperature_to_linear_rgb(sample_float(spec.temperature_k, rng))
            else:
                color = sample_color(spec.color, rng)
            intensity = sample_float(spec.intensity, rng)
            kw = {}
            if spec.type == "directional":
                d = sample_vec(spec.direction, rng)
                kw["direction"] = (d / np.linalg.norm(d)).tolist()
            else:
                pos = sample_vec(spec.position, rng)
                kw["position"] = pos.tolist()
                if spec.type == "spot":
                    d = sample_vec(spec.target, rng) - pos
                    kw["direction"] = (d / np.linalg.norm(d)).tolist()
                    kw["cone_deg"] = sample_float(spec.cone_deg, rng)
            out.append(
                LightSpec(
                    type=spec.type,
                    color=color,
                    intensity=intensity,
                    shadows=spec.shadows and spec.type != "point",
                    **kw,
                )
            )
    return out


def sample_environment(e, catalog: Catalog, rng) -> EnvironmentSpec:
    """The frame's environment: HDRI (or colour) background and lighting, backplate, switches."""
    hdri = None
    if e.hdri:
        es = catalog.sets[e.hdri]
        hdri = choose_weighted(es, [x.weight for x in es], rng).path
    plate = None
    if e.backplate:
        es = catalog.sets[e.backplate]
        plate = choose_weighted(es, [x.weight for x in es], rng).path
    return EnvironmentSpec(
        hdri=hdri,
        rotation_deg=sample_float(e.rotation_deg, rng),
        exposure_ev=sample_float(e.exposure_ev, rng),
        background=e.background or ("backplate" if plate else "hdri" if hdri else "color"),
        backplate=plate,
        background_blur=max(0.0, sample_float(e.background_blur, rng)),
        color=sample_color(e.color, rng),
        lighting=bool(e.lighting and hdri),
        ambient=sample_color(e.ambient, rng),
        shadows=e.shadows,
        reflections=e.reflections,
        shadow_catcher=e.shadow_catcher,
    )
