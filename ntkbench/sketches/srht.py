"""Subsampled randomised (complex) Fourier transforms: SRHT and TensorSRHT (§1.4 of the spec).

As in the reference code, the Hadamard transform is replaced by the unnormalised complex DFT (any
input length, fast in torch on CPU and CUDA) and the real output is ``[Re z, Im z]``, whose inner
products are Re⟨z, z̄′⟩. Unlike the reference code, the frequencies are drawn stratified (without
replacement while possible) instead of i.i.d., which keeps every estimator unbiased and lowers its
variance.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ntkbench.sketches._base import RandomStateLike, Sketch, as_input, check_dim, random_signs, stratified_indices


DENSE_MAX_DIM = 256


class _SignedFFT:
    """x ↦ FFT(D ⊙ x)[P] and the zero frequency Σ_k D_k x_k, as real tensors (re, im, zero).

    One factor of an SRHT, with its own signs D and frequencies P. For small inputs (d <= 256) the
    map is applied as one real matrix product with the precomputed d × (2|P| + 1) matrix
    [Re, Im, zero] of diag(D)·F[:, P] (a GEMM beats an FFT plus a gather there); for larger inputs
    it is a real FFT (half the work of a complex one) and a gather that uses F(x)[d − j] = conj F(x)[j].
    The zero frequency is real for real x; it supplies the real coordinate of an odd output size.
    """

    def __init__(self, rs, input_dim: int, n_samples: int, device: torch.device) -> None:
        self.input_dim, self.n_samples = input_dim, n_samples
        signs = random_signs(rs, input_dim)
        index = stratified_indices(rs, input_dim, n_samples)
        self.index = torch.as_tensor(index, device=device)  # kept for inspection and naive references
        self.dense = input_dim <= DENSE_MAX_DIM
        self.signs = torch.as_tensor(signs, device=device)
        if self.dense:
            phase = np.exp(-2j * np.pi * np.outer(np.arange(input_dim), index) / input_dim) * signs[:, None]
            self.matrix = torch.as_tensor(np.concatenate([phase.real, phase.imag, signs[:, None]], axis=1),
                                          device=device)
        else:
            self.rindex = torch.as_tensor(np.minimum(index, input_dim - index), device=device)
            self.conj = torch.as_tensor(np.where(index > input_dim // 2, -1.0, 1.0), device=device)

    def __call__(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        s = self.n_samples
        if self.dense:
            y = x @ self.matrix.to(x.dtype)
            return y[:, :s], y[:, s:2 * s], y[:, 2 * s:]
        f = torch.fft.rfft(x * self.signs.to(x.dtype), dim=1)
        re = torch.index_select(f.real, 1, self.rindex)
        im = torch.index_select(f.imag, 1, self.rindex) * self.conj.to(x.dtype)
        return re, im, f.real[:, :1]


def _assemble(re: torch.Tensor, im: torch.Tensor, zero: torch.Tensor, output_dim: int) -> torch.Tensor:
    """[Re z, Im z] (weight 2/m per complex sample) plus, for odd m, the real zero-frequency term (1/m).

    Each complex sample contributes Re⟨z_j, z̄′_j⟩ with mean ⟨x, y⟩ and the real term z₀z₀′ has the same
    mean, so the weights 2/m and 1/m, which sum to 1 over the m real coordinates, keep it unbiased.
    """
    scale = math.sqrt(2.0 / output_dim)
    parts = [re * scale, im * scale]
    if output_dim % 2:
        parts.append(zero * math.sqrt(1.0 / output_dim))
    return torch.cat(parts, dim=1)


class SRHT(Sketch):
    """Subsampled randomised Fourier transform, E⟨S x, S y⟩ = ⟨x, y⟩.

    Parameters
    ----------
    input_dim : int
    output_dim : int
        Real output dimension: ⌊m/2⌋ complex samples and, for odd m, one real zero-frequency sample.
    random_state : int, RandomState instance or None
    device : str or torch.device, default="cpu"

    Examples
    --------
    >>> import torch
    >>> S = SRHT(8, 64, random_state=0)
    >>> S(torch.ones(3, 8, dtype=torch.float64)).shape
    torch.Size([3, 64])
    """

    def __init__(self, input_dim: int, output_dim: int, *, random_state: RandomStateLike = None,
                 device: str | torch.device = "cpu") -> None:
        self.input_dim = check_dim(input_dim, "input_dim")
        self.output_dim = check_dim(output_dim, "output_dim")
        rs = self._setup(random_state, device)
        self._f = _SignedFFT(rs, self.input_dim, self.output_dim // 2, self.device)

    def __call__(self, x) -> torch.Tensor:
        """Sketch the rows of ``x`` (n, input_dim) → (n, output_dim), same dtype."""
        x = as_input(x, self.input_dim, self.device)
        return _assemble(*self._f(x), self.output_dim)


class TensorSRHT(Sketch):
    """Sketch of the tensor product x ⊗ y, E⟨T(x, y), T(x′, y′)⟩ = ⟨x, x′⟩⟨y, y′⟩ (Ahle et al. 2020).

    T(x, y) = √(1/M)·FFT(D₁x)[P₁] ⊙ FFT(D₂y)[P₂] with M = output_dim/2 complex samples, returned as
    ``[Re, Im]`` (plus one real zero-frequency product for odd sizes). Costs O(n(d₁ log d₁ + d₂ log d₂ + M)) instead of the n·d₁·d₂ of the tensor product.

    Parameters
    ----------
    input_dim1, input_dim2 : int
    output_dim : int
        Real output dimension.
    random_state : int, RandomState instance or None
    device : str or torch.device, default="cpu"

    References
    ----------
    Ahle, Kapralov, Knudsen, Pagh, Velingker, Woodruff, Zandieh, "Oblivious sketching of high-degree
    polynomial kernels", SODA 2020.

    Examples
    --------
    >>> import torch
    >>> T = TensorSRHT(5, 7, 32, random_state=0)
    >>> T(torch.ones(2, 5), torch.ones(2, 7)).shape
    torch.Size([2, 32])
    """

    def __init__(self, input_dim1: int, input_dim2: int, output_dim: int, *,
                 random_state: RandomStateLike = None, device: str | torch.device = "cpu") -> None:
        self.input_dim1 = check_dim(input_dim1, "input_dim1")
        self.input_dim2 = check_dim(input_dim2, "input_dim2")
        self.input_dim = self.input_dim1 * self.input_dim2
        self.output_dim = check_dim(output_dim, "output_dim")
        rs = self._setup(random_state, device)
        half = self.output_dim // 2
        self._f1 = _SignedFFT(rs, self.input_dim1, half, self.device)
        self._f2 = _SignedFFT(rs, self.input_dim2, half, self.device)

    def __call__(self, x, y) -> torch.Tensor:
        """Sketch x_i ⊗ y_i for each row i: (n, d₁), (n, d₂) → (n, output_dim)."""
        x = as_input(x, self.input_dim1, self.device, "x")
        y = as_input(y, self.input_dim2, self.device, "y")
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"x and y must have the same number of rows, got {x.shape[0]} and {y.shape[0]}")
        if x.dtype != y.dtype:
            x, y = x.to(torch.float64), y.to(torch.float64)
        r1, i1, z1 = self._f1(x)
        r2, i2, z2 = self._f2(y)
        return _assemble(r1 * r2 - i1 * i2, r1 * i2 + i1 * r2, z1 * z2, self.output_dim)
