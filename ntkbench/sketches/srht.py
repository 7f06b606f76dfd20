"""Subsampled randomised (complex) Fourier transforms: SRHT and TensorSRHT (§1.4 of the spec).

As in the reference code, the Hadamard transform is replaced by the unnormalised complex DFT (any
input length, fast in torch on CPU and CUDA) and the real output holds Re z and Im z, whose inner
products are Re⟨z, z̄′⟩. Unlike the reference code, the frequencies are drawn stratified (without
replacement while possible) instead of i.i.d., which keeps every estimator unbiased and lowers its
variance.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.fft
import torch

from ntkbench.sketches._base import RandomStateLike, Sketch, as_input, check_dim, random_signs, stratified_indices


DENSE_MAX_DIM = 256


class _SignedFFT:
    """x ↦ scale·FFT(D ⊙ x) at M frequencies and scale·Σ_k D_k x_k (the zero frequency).

    One factor of an SRHT, with its own signs D. For *any* fixed frequency j the random signs give
    E_D[F_j(D x) conj F_j(D x′)] = ⟨x, x′⟩, so the choice of frequencies only matters for the
    variance. Returns the M samples as a complex (n, M) tensor and the zero frequency as a real
    (n, 1) tensor.

    Four paths, by cost:

    * dense (d <= 256): one matrix product with a precomputed matrix whose columns are interleaved
      [Re, Im] pairs of the chosen frequencies, then the zero frequency, so the product *is* the
      complex result (no gather). Frequencies drawn stratified from the genuinely complex half
      1..⌊(d−1)/2⌋ (SRHT) or from all d (TensorSRHT: F_j and conj F_j give different products with
      the other factor, which doubles the distinct product features).
    * SRHT, d > 256: a real FFT of length d and a gather of the stratified frequencies (with m = d
      every complex frequency is taken once: an orthogonal transform, exact).
    * TensorSRHT, d > 256, M < (d − 1)/2 (fewer samples than complex frequencies): a real FFT of
      length d and a gather of stratified frequencies from all d (conjugates read from the half
      spectrum).
    * TensorSRHT, d > 256, 2M + 1 >= d (inner PolySketch nodes, whose input is a sketch of the same
      size): a real FFT zero-padded to a fast length L >= 2M + 1 (5-smooth, ``scipy.fft.next_fast_len``;
      sketch sizes such as 1,732 = 4·433 otherwise run slow prime-size FFTs, and zeros do not
      change ⟨x, x′⟩) and the contiguous frequencies 1..M, all genuinely complex: a slice instead
      of a gather. These are nearly all the L/2 complex frequencies, so by Parseval the choice costs
      no variance. (A contiguous block of *few* low frequencies would: heavy coordinates that sit
      next to each other, such as the norm and input blocks of a layer-wise feature vector, make
      neighbouring frequencies strongly correlated, hence the gather in the other case.)
    """

    def __init__(self, rs, input_dim: int, n_samples: int, device: torch.device, scale: float = 1.0,
                 full_spectrum: bool = False, all_frequencies: bool = False) -> None:
        self.input_dim, self.n_samples = input_dim, n_samples
        signs = random_signs(rs, input_dim)
        self.dense = input_dim <= DENSE_MAX_DIM
        self.fft_len = input_dim
        self.contiguous = full_spectrum and not self.dense and 2 * n_samples + 1 >= input_dim
        half = (input_dim - 1) // 2
        if all_frequencies:  # frequencies 0..d−1 in order (dense only): see TensorSRHT
            if not self.dense or n_samples != input_dim:
                raise ValueError("all_frequencies needs a dense factor with n_samples == input_dim")
            index = np.arange(input_dim)
        elif self.contiguous:
            self.fft_len = scipy.fft.next_fast_len(2 * n_samples + 1, real=True)
            index = np.arange(1, n_samples + 1)
        elif full_spectrum:
            index = stratified_indices(rs, input_dim, n_samples)
        elif half >= 1:
            index = 1 + stratified_indices(rs, half, n_samples)
        else:  # d <= 2: only real frequencies exist
            index = stratified_indices(rs, input_dim // 2 + 1, n_samples)
        self.index = torch.as_tensor(index, device=device)
        self._half_index = torch.as_tensor(np.minimum(index, input_dim - index) % input_dim, device=device)
        self._conj = (torch.as_tensor(index > input_dim // 2, device=device)
                      if full_spectrum and not self.contiguous else None)
        self.signs = torch.as_tensor(signs, device=device)
        self._cache: dict[torch.dtype, torch.Tensor] = {}
        if self.dense:
            phase = np.exp(-2j * np.pi * np.outer(np.arange(input_dim), index) / input_dim) * (signs * scale)[:, None]
            pairs = np.stack([phase.real, phase.imag], axis=2).reshape(input_dim, 2 * n_samples)
            self._operator = np.concatenate([pairs, (signs * scale)[:, None], np.zeros((input_dim, 1))], axis=1)
        else:
            self._operator = signs * scale

    def _operator_as(self, dtype: torch.dtype) -> torch.Tensor:
        """The dense matrix or the scaled signs in ``dtype`` (converted once per dtype)."""
        if dtype not in self._cache:
            self._cache[dtype] = torch.as_tensor(self._operator, dtype=dtype, device=self.signs.device)
        return self._cache[dtype]

    def __call__(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        s = self.n_samples
        if self.dense:
            y = x @ self._operator_as(x.dtype)
            return torch.view_as_complex(y.view(x.shape[0], s + 1, 2))[:, :s], y[:, 2 * s:2 * s + 1]
        signed = torch.empty(x.shape[0], self.fft_len, dtype=x.dtype, device=x.device)
        torch.mul(x, self._operator_as(x.dtype), out=signed[:, :self.input_dim])
        signed[:, self.input_dim:].zero_()
        f = torch.fft.rfft(signed, dim=1)
        zero = f[:, :1].real
        if self.contiguous:
            return f[:, 1:s + 1], zero
        g = torch.index_select(f, 1, self._half_index)
        return (g if self._conj is None else torch.where(self._conj, g.conj(), g)), zero


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
        z, zero = self._f(x)
        s = self.output_dim // 2
        out = _output(x, x.shape[0], self.output_dim, out)
        out[:, :s] = z.real
        out[:, s:2 * s] = z.imag
        if self.output_dim % 2:
            out[:, 2 * s:] = zero * math.sqrt(0.5)
        return out


class TensorSRHT(Sketch):
    """Sketch of the tensor product x ⊗ y, E⟨T(x, y), T(x′, y′)⟩ = ⟨x, x′⟩⟨y, y′⟩ (Ahle et al. 2020).

    T(x, y) = √(1/M)·FFT(D₁x)[P₁] ⊙ FFT(D₂y)[P₂] with M = output_dim/2 complex samples, returned as
    interleaved pairs ``[Re z_1, Im z_1, Re z_2, …]`` (one complex multiply writes them), plus one real
    zero-frequency product for odd sizes. Costs O(n(d₁ log d₁ + d₂ log d₂ + M)) instead of the
    n·d₁·d₂ of the tensor product.

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
        scale1 = self.scale * math.sqrt(2.0 / self.output_dim)
        # More samples than the first factor has frequencies: every frequency of x appears in each
        # round of d₁ samples, so take them in order and multiply the whole spectrum of x into each
        # round at once (a broadcast instead of a second projection; same distribution of pairs).
        self._rounds = half // self.input_dim1 if self.input_dim1 <= DENSE_MAX_DIM else 0
        if self._rounds:
            self._f1 = _SignedFFT(rs, self.input_dim1, self.input_dim1, self.device, scale1, full_spectrum=True,
                                  all_frequencies=True)
            self._rest = torch.as_tensor(rs.permutation(self.input_dim1)[:half % self.input_dim1], device=self.device)
        else:
            self._f1 = _SignedFFT(rs, self.input_dim1, half, self.device, scale1, full_spectrum=True)
        self._f2 = _SignedFFT(rs, self.input_dim2, half, self.device, full_spectrum=True)

    def _product(self, z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
        """The M complex products of the two factors' samples."""
        if not self._rounds:
            return z1 * z2
        n, d1 = z1.shape
        full = self._rounds * d1
        prod = torch.empty(z2.shape, dtype=z2.dtype, device=z2.device)
        torch.mul(z2[:, :full].unflatten(1, (self._rounds, d1)), z1[:, None, :],
                  out=prod[:, :full].unflatten(1, (self._rounds, d1)))
        torch.mul(z2[:, full:], z1[:, self._rest], out=prod[:, full:])
        return prod

    def __call__(self, x, y, *, out: torch.Tensor | None = None) -> torch.Tensor:
        """Sketch x_i ⊗ y_i for each row i: (n, d₁), (n, d₂) → (n, output_dim) (into ``out`` if given)."""
        x = as_input(x, self.input_dim1, self.device, "x")
        y = as_input(y, self.input_dim2, self.device, "y")
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"x and y must have the same number of rows, got {x.shape[0]} and {y.shape[0]}")
        if x.dtype != y.dtype:
            x, y = x.to(torch.float64), y.to(torch.float64)
        z1, zero1 = self._f1(x)
        z2, zero2 = self._f2(y)
        s = self.output_dim // 2
        out = _output(x, x.shape[0], self.output_dim, out)
        out[:, :2 * s].unflatten(1, (s, 2)).copy_(torch.view_as_real(self._product(z1, z2)))
        if self.output_dim % 2:
            torch.mul(zero1, zero2, out=out[:, 2 * s:]).mul_(math.sqrt(0.5))
        return out
