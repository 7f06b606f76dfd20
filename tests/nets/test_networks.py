"""Finite networks of an Arch: at initialisation their empirical NTK tends to the exact NTK of the
same Arch as the width grows; bad parameters fail with clear messages; one seed, one network."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ntkbench.arch import Arch
from ntkbench.harness.metrics import relative_frobenius_error
from ntkbench.kernels import arch_kernel
from ntkbench.nets import build_network, empirical_ntk, per_example_gradients


def _ntk_error(arch: Arch, X: np.ndarray, width: int, seed: int) -> float:
    net = build_network(arch, X.shape[1:], width=width, random_state=seed, dtype=torch.float64)
    return relative_frobenius_error(arch_kernel(arch, X), empirical_ntk(net, torch.as_tensor(X)).numpy())


@pytest.mark.parametrize("b_std", [0.0, 0.5])
def test_empirical_ntk_of_a_wide_mlp_approaches_the_exact_ntk(rng, b_std):
    X = rng.standard_normal((10, 5))
    arch = Arch(depth=2, b_std=b_std)
    narrow = np.mean([_ntk_error(arch, X, 64, seed) for seed in range(3)])
    wide = np.mean([_ntk_error(arch, X, 1024, seed) for seed in range(3)])
    # fluctuations fall like 1/sqrt(width): 16x the width, about 4x less error
    assert wide < 0.4 * narrow
    assert wide < 0.15


@pytest.mark.parametrize("arch", [
    Arch(kind="conv", depth=2),
    Arch(kind="conv", depth=2, padding="valid", pooling="flatten", b_std=0.3),
    Arch(kind="myrtle", depth=5, fix_first_last=True),
], ids=["cntk_gap", "cntk_flatten_bias", "myrtle5_fixed"])
def test_empirical_ntk_of_wide_convnets_approaches_the_exact_cntk(rng, arch):
    X = rng.standard_normal((4, 2, 6, 6))
    narrow = np.mean([_ntk_error(arch, X, 16, seed) for seed in range(2)])
    wide = np.mean([_ntk_error(arch, X, 256, seed) for seed in range(2)])
    assert wide < 0.5 * narrow
    assert wide < 0.3


def test_per_example_gradients_equal_an_autograd_loop(rng):
    X = torch.as_tensor(rng.standard_normal((5, 3)))
    net = build_network(Arch(depth=2, b_std=0.2, activation="erf"), (3,), width=7, dtype=torch.float64)
    J = per_example_gradients(net, X, batch_size=2)
    rows = [torch.cat([g.reshape(-1) for g in torch.autograd.grad(net(x[None]).sum(), list(net.parameters()))])
            for x in X]
    np.testing.assert_allclose(J.numpy(), torch.stack(rows).numpy(), rtol=1e-12, atol=1e-12)


def test_fixed_first_and_last_layers_get_no_gradient(rng):
    net = build_network(Arch(kind="conv", depth=2, fix_first_last=True), (1, 5, 5), width=4)
    frozen = [name for name, p in net.named_parameters() if not p.requires_grad]
    assert frozen == ["0.weight", f"{len(net) - 1}.weight"]
    J = per_example_gradients(net, torch.as_tensor(rng.standard_normal((2, 1, 5, 5)), dtype=torch.float32))
    assert J.shape == (2, 4 * 4 * 9)  # only the middle conv is trained


def test_same_seed_same_network_and_another_seed_another():
    x = torch.ones(2, 3)
    a, b, c = (build_network(Arch(depth=2), (3,), width=8, random_state=s) for s in (1, 1, 2))
    assert torch.equal(a(x), b(x)) and not torch.equal(a(x), c(x))


@pytest.mark.parametrize("width", [0, -3, 2.5, True])
def test_a_width_that_is_not_a_positive_integer_is_refused(width):
    with pytest.raises(ValueError, match="width must be a positive integer"):
        build_network(Arch(), (3,), width=width)


@pytest.mark.parametrize("arch, shape, message", [
    (Arch(), (1, 4, 4), r"fc network takes inputs of shape \(d,\)"),
    (Arch(kind="conv"), (16,), r"conv network takes images of shape \(C, H, W\)"),
    (Arch(kind="conv", depth=3, filter_size=3, padding="valid"), (1, 5, 5), "too small for 3 VALID"),
    (Arch(activation="exp_normalized(gamma=1)"), (3,), "not an elementwise function"),
])
def test_networks_that_cannot_be_built_say_why(arch, shape, message):
    with pytest.raises(ValueError, match=message):
        build_network(arch, shape, width=4)


def test_factorised_wide_network_trains_a_fraction_of_the_parameters_and_keeps_the_kernel(rng):
    X = rng.standard_normal((10, 5))
    arch = Arch(depth=3)
    dense = build_network(arch, (5,), width=1024, random_state=0)
    factorised = build_network(arch, (5,), width=1024, rank=128, random_state=0)
    trained = [sum(p.numel() for p in net.parameters() if p.requires_grad) for net in (dense, factorised)]
    assert trained[1] < trained[0] / 7                      # two 1024×1024 layers became 1024×128 factors
    assert sum(b.numel() for b in factorised.buffers()) == 2 * 128 * 1024   # the fixed random maps
    errors = [relative_frobenius_error(arch_kernel(arch, X), empirical_ntk(
        build_network(arch, (5,), width=1024, rank=128, random_state=s, dtype=torch.float64),
        torch.as_tensor(X)).numpy()) for s in range(2)]
    assert np.mean(errors) < 0.3                              # E[RᵀR] = I keeps the NNGP and NTK in expectation


@pytest.mark.parametrize("kwargs, message", [
    ({"rank": 0}, "rank must be an integer between 1 and the width 8"),
    ({"rank": 9}, "rank must be an integer between 1 and the width 8"),
])
def test_a_rank_outside_one_to_width_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_network(Arch(), (3,), width=8, **kwargs)


def test_factorised_layers_are_for_fc_networks_only():
    with pytest.raises(ValueError, match="applies to fc networks"):
        build_network(Arch(kind="conv"), (1, 4, 4), width=8, rank=4)
