"""Valid inputs give the features they gave before the input checks and size compression (issue 14).

The reference outputs and the script that made them live in tests/fixtures/features/.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ntkbench.features import NTKRandomFeatures, NTKSketch

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "features" / "features_reference.npz"
CLASSES = {"NTKRandomFeatures": NTKRandomFeatures, "NTKSketch": NTKSketch}


def _cases() -> list[str]:
    with np.load(FIXTURE) as data:
        return sorted({key.split("/")[0] for key in data.files})


@pytest.mark.parametrize("case", _cases())
def test_features_match_the_stored_reference(case):
    """Bit-identical on the machine that made the fixture; a few ulps allowed for other BLAS/FFT builds."""
    with np.load(FIXTURE) as data:
        spec = json.loads(str(data[f"{case}/spec"]))
        x, want = data[f"{case}/x"], data[f"{case}/features"]
    got = CLASSES[spec["class"]](**spec["params"]).fit(x).transform(x)
    assert got.dtype == want.dtype and got.shape == want.shape
    rtol = 8 * np.finfo(want.dtype).eps
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * np.abs(want).max())
