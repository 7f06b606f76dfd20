"""ntkbench's exact kernels against neural-tangents 0.6.5 (stored reference values, no JAX needed).

The fixture and the script that regenerates it live in tests/fixtures/kernels/; the layer mapping
they encode is the one documented in ntkbench.kernels.fc_kernel and ntkbench.kernels.conv.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ntkbench.arch import Arch
from ntkbench.kernels import arch_kernel

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "kernels" / "nt_reference.npz"


def _cases() -> list[str]:
    if not FIXTURE.exists():
        return []
    with np.load(FIXTURE) as data:
        return sorted({key.split("/")[0] for key in data.files})


@pytest.mark.skipif(not FIXTURE.exists(), reason=f"{FIXTURE} not generated (see make_nt_fixtures.py)")
@pytest.mark.parametrize("case", _cases())
def test_matches_neural_tangents(case):
    with np.load(FIXTURE) as data:
        spec = json.loads(str(data[f"{case}/spec"]))
        x1, x2 = data[f"{case}/x1"], data[f"{case}/x2"]
        want_nngp, want_ntk = data[f"{case}/nngp"], data[f"{case}/ntk"]
    nngp, ntk = arch_kernel(Arch(**spec), x1, x2, get=("nngp", "ntk"))
    np.testing.assert_allclose(nngp, want_nngp, rtol=1e-9, atol=1e-9 * np.abs(want_nngp).max())
    np.testing.assert_allclose(ntk, want_ntk, rtol=1e-9, atol=1e-9 * np.abs(want_ntk).max())
