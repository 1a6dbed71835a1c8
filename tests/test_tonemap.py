"""The table-driven tonemapper used for every written frame agrees with the tone curve applied
pixel by pixel, and both agree with the formulas computed independently in float64."""

from __future__ import annotations

import numpy as np
import pytest

from synth3d.color import encode_srgb8
from synth3d.post.tonemap import tonemap, tonemap_srgb8
from synth3d.spec import TonemapSpec

SPECS = [
    TonemapSpec(operator="aces", auto_exposure=True, exposure_ev=0.25),
    TonemapSpec(operator="clip"),
    TonemapSpec(operator="reinhard", exposure_ev=-1.5, white_balance_k=4300),
    TonemapSpec(operator="aces", white_balance_k=8000),
]


def _radiance(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = (rng.random((60, 80, 3), dtype=np.float32) ** 3 * 6).astype(np.float32)
    x[0, :4] = [[-1.0, 0, 0], [0, 0, 0], [70000.0, 1e9, 65504.0], [1e-7, 2e-5, 6e-8]]
    return x


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.operator}-wb{s.white_balance_k}")
def test_table_equals_the_curve_on_half_float_radiance(spec):
    # The renderer's colour target holds half floats: on those the table is exact.
    x = np.minimum(_radiance(1), 65504.0).astype(np.float16).astype(np.float32)
    assert np.array_equal(tonemap_srgb8(x, spec), encode_srgb8(tonemap(x, spec)))


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.operator}-wb{s.white_balance_k}")
def test_table_is_within_one_code_on_any_float_radiance(spec):
    x = np.minimum(_radiance(2), 1e5)  # beyond half floats' range the curve gives NaN
    a = tonemap_srgb8(x, spec).astype(int)
    b = encode_srgb8(tonemap(x, spec)).astype(int)
    assert np.abs(a - b).max() <= 1
    assert np.count_nonzero(a != b) / a.size < 0.03


def test_table_matches_the_formulas():
    # ACES (Narkowicz) at +1 EV, then the sRGB transfer function, in float64.
    v = np.array([0.0, 0.01, 0.05, 0.18, 0.5, 1.0, 3.0, 20.0])
    x = v * 2.0
    aces = np.clip(x * (2.51 * x + 0.03) / (x * (2.43 * x + 0.59) + 0.14), 0, 1)
    srgb = np.where(aces <= 0.0031308, aces * 12.92, 1.055 * aces ** (1 / 2.4) - 0.055)
    want = np.round(srgb * 255).astype(int)
    img = np.repeat(v.astype(np.float32)[None, :, None], 3, axis=2)
    got = tonemap_srgb8(img, TonemapSpec(operator="aces", exposure_ev=1.0))[0, :, 0].astype(int)
    assert np.abs(got - want).max() <= 1, (got, want)
    assert got[0] == 0 and got[-1] == 255
