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
    """x ↦ scale·FFT(D ⊙ x)[P] and scale·Σ_k D_k x_k (the zero frequency), as real tensors (re, im, zero).

    One factor of an SRHT, with its own signs D and frequencies P. For *any* fixed frequency j the
    random signs give E_D[F_j(D x) conj F_j(D x′)] = ⟨x, x′⟩, so the frequencies only matter for the
    variance. The FFT of a real x satisfies F[d − j] = conj F[j] and F_0, F_{d/2} are real. An SRHT
    (``full_spectrum=False``) draws its frequencies, stratified, from the genuinely complex half
    1..⌊(d−1)/2⌋, so no coordinate is a copy or a conjugate of another (with m = d it is an
    orthogonal transform: exact). A TensorSRHT factor (``full_spectrum=True``) draws from all d
    frequencies: F_j and conj F_j give different products with the other factor, so this doubles the
    number of distinct product features. Either way the values come from a real FFT (half the work of
    a complex one) and a gather; small inputs (d <= 256) use one matrix product with the precomputed
    [Re, Im, zero] matrix instead.
    """

    def __init__(self, rs, input_dim: int, n_samples: int, device: torch.device, scale: float = 1.0,
                 full_spectrum: bool = False) -> None:
        self.input_dim, self.n_samples = input_dim, n_samples
        signs = random_signs(rs, input_dim)
        half = (input_dim - 1) // 2
        if full_spectrum:
            index = stratified_indices(rs, input_dim, n_samples)
        elif half >= 1:
            index = 1 + stratified_indices(rs, half, n_samples)
        else:  # d <= 2: only real frequencies exist
            index = stratified_indices(rs, input_dim // 2 + 1, n_samples)
        self.index = torch.as_tensor(index, device=device)
        self.rindex = torch.as_tensor(np.minimum(index, input_dim - index) % input_dim, device=device)
        self.conj = (torch.as_tensor(np.where(index > input_dim // 2, -1.0, 1.0), device=device)
                     if full_spectrum else None)
        self.signs = torch.as_tensor(signs, device=device)
        self.dense = input_dim <= DENSE_MAX_DIM
        self._scaled = torch.as_tensor(signs * scale, device=device)
        if self.dense:
            freq = self.index.cpu().numpy()
            phase = np.exp(-2j * np.pi * np.outer(np.arange(input_dim), freq) / input_dim) * (signs * scale)[:, None]
            self.matrix = torch.as_tensor(np.concatenate([phase.real, phase.imag, (signs * scale)[:, None]], axis=1),
                                          device=device)

    def __call__(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        s = self.n_samples
        if self.dense:
            y = x @ self.matrix.to(x.dtype)
            return y[:, :s], y[:, s:2 * s], y[:, 2 * s:]
        f = torch.view_as_real(torch.fft.rfft(x * self._scaled.to(x.dtype), dim=1))
        g = torch.index_select(f, 1, self.rindex)
        im = g[..., 1] if self.conj is None else g[..., 1] * self.conj.to(x.dtype)
        return g[..., 0], im, f[:, :1, 0]


def _output(x: torch.Tensor, n: int, m: int, out: torch.Tensor | None) -> torch.Tensor:
    if out is None:
        return torch.empty(n, m, dtype=x.dtype, device=x.device)
    if out.shape != (n, m):
        raise ValueError(f"out must have shape {(n, m)}, got {tuple(out.shape)}")
    return out


class SRHT(Sketch):
    """Subsampled randomised Fourier transform, E⟨S x, S y⟩ = ⟨x, y⟩.

    Parameters
    ----------
    input_dim : int
    output_dim : int
        Real output dimension: ⌊m/2⌋ complex samples and, for odd m, one real zero-frequency sample.
        The weights are 2/m per complex sample and 1/m for the real one, which keeps E⟨Sx, Sy⟩ = ⟨x, y⟩.
    scale : float, default=1.0
        Multiplies the output (folded into the signs: free).
    random_state : int, RandomState instance or None
    device : str or torch.device, default="cpu"

    Examples
    --------
    >>> import torch
    >>> S = SRHT(8, 64, random_state=0)
    >>> S(torch.ones(3, 8, dtype=torch.float64)).shape
    torch.Size([3, 64])
    """

    def __init__(self, input_dim: int, output_dim: int, *, scale: float = 1.0,
                 random_state: RandomStateLike = None, device: str | torch.device = "cpu") -> None:
        self.input_dim = check_dim(input_dim, "input_dim")
        self.output_dim = check_dim(output_dim, "output_dim")
        self.scale = float(scale)
        rs = self._setup(random_state, device)
        self._f = _SignedFFT(rs, self.input_dim, self.output_dim // 2, self.device,
                             self.scale * math.sqrt(2.0 / self.output_dim))

    def __call__(self, x, *, out: torch.Tensor | None = None) -> torch.Tensor:
        """Sketch the rows of ``x`` (n, input_dim) → (n, output_dim), same dtype (into ``out`` if given)."""
        x = as_input(x, self.input_dim, self.device)
        re, im, zero = self._f(x)
        s = self.output_dim // 2
        out = _output(x, x.shape[0], self.output_dim, out)
        out[:, :s] = re
        out[:, s:2 * s] = im
        if self.output_dim % 2:
            out[:, 2 * s:] = zero * math.sqrt(0.5)
        return out


class TensorSRHT(Sketch):
    """Sketch of the tensor product x ⊗ y, E⟨T(x, y), T(x′, y′)⟩ = ⟨x, x′⟩⟨y, y′⟩ (Ahle et al. 2020).

    T(x, y) = √(1/M)·FFT(D₁x)[P₁] ⊙ FFT(D₂y)[P₂] with M = output_dim/2 complex samples, returned as
    ``[Re, Im]`` (plus one real zero-frequency product for odd sizes). Costs O(n(d₁ log d₁ + d₂ log d₂ + M)) instead of the n·d₁·d₂ of the tensor product.

    Parameters
    ----------
    input_dim1, input_dim2 : int
    output_dim : int
        Real output dimension (odd sizes as in :class:`SRHT`).
    scale : float, default=1.0
        Multiplies the output (folded into the signs: free).
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

    def __init__(self, input_dim1: int, input_dim2: int, output_dim: int, *, scale: float = 1.0,
                 random_state: RandomStateLike = None, device: str | torch.device = "cpu") -> None:
        self.input_dim1 = check_dim(input_dim1, "input_dim1")
        self.input_dim2 = check_dim(input_dim2, "input_dim2")
        self.input_dim = self.input_dim1 * self.input_dim2
        self.output_dim = check_dim(output_dim, "output_dim")
        self.scale = float(scale)
        rs = self._setup(random_state, device)
        half = self.output_dim // 2
        self._f1 = _SignedFFT(rs, self.input_dim1, half, self.device, self.scale * math.sqrt(2.0 / self.output_dim),
                              full_spectrum=True)
        self._f2 = _SignedFFT(rs, self.input_dim2, half, self.device, full_spectrum=True)

    def __call__(self, x, y, *, out: torch.Tensor | None = None) -> torch.Tensor:
        """Sketch x_i ⊗ y_i for each row i: (n, d₁), (n, d₂) → (n, output_dim) (into ``out`` if given)."""
        x = as_input(x, self.input_dim1, self.device, "x")
        y = as_input(y, self.input_dim2, self.device, "y")
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"x and y must have the same number of rows, got {x.shape[0]} and {y.shape[0]}")
        if x.dtype != y.dtype:
            x, y = x.to(torch.float64), y.to(torch.float64)
        r1, i1, z1 = self._f1(x)
        r2, i2, z2 = self._f2(y)
        s = self.output_dim // 2
        out = _output(x, x.shape[0], self.output_dim, out)
        re, im = out[:, :s], out[:, s:2 * s]
        torch.mul(r1, r2, out=re)
        re.addcmul_(i1, i2, value=-1.0)
        torch.mul(r1, i2, out=im)
        im.addcmul_(i1, r2)
        if self.output_dim % 2:
            torch.mul(z1, z2, out=out[:, 2 * s:]).mul_(math.sqrt(0.5))
        return out
