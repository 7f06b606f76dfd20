"""PolySketch: sketches of x^{⊗k}, k = 1..q, for any degree q (Ahle et al. 2020)."""

from __future__ import annotations

from typing import Sequence

import torch

from ntkbench.sketches._base import RandomStateLike, Sketch, as_input, check_dim
from ntkbench.sketches.srht import SRHT, TensorSRHT

class _Tree:
    """Balanced binary tree of TensorSRHTs with ``k`` leaves, all equal to the input x.

    A subtree of degree j splits into ⌈j/2⌉ and ⌊j/2⌋ leaves, so any k works (not only powers of
    two) and the depth is ⌈log₂ k⌉, which keeps the variance growth logarithmic in k. Every node
    has its own randomness, so the factors are independent and the estimate is unbiased. Nodes
    whose children are both nodes (degree >= 4) tell their TensorSRHT that its inputs are sketches.
    """

    def __init__(self, rs, input_dim: int, degree: int, output_dim: int, device: torch.device,
                 scale: float = 1.0) -> None:
        self.degree = degree
        if degree == 1:
            self.dim = input_dim
            return
        self.left = _Tree(rs, input_dim, (degree + 1) // 2, output_dim, device)
        self.right = _Tree(rs, input_dim, degree // 2, output_dim, device)
        self.node = TensorSRHT(self.left.dim, self.right.dim, output_dim, scale=scale,
                               inputs_are_sketches=degree >= 4, random_state=rs, device=device)
        self.dim = output_dim

    def __call__(self, x: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        if self.degree == 1:
            return x
        return self.node(self.left(x), self.right(x), out=out)


class PolySketch(Sketch):
    """Sketches S_k(x) of the tensor powers x^{⊗k}, E⟨S_k(x), S_k(y)⟩ = ⟨x, y⟩^k, for k = 1..q.

    Degree 1 is an :class:`SRHT`; degree k ≥ 2 is an independent balanced tree of k − 1
    :class:`TensorSRHT` nodes. Each degree has its own size, so a polynomial Σ c_k ⟨x, y⟩^k can
    spend its feature budget where its coefficients are (the reference code gives every degree m/4).

    Parameters
    ----------
    input_dim : int
    degree : int
        The largest power q >= 1 (any integer, not only powers of two).
    output_dims : int or sequence of q ints
        Real output size of S_1..S_q (0 skips that degree); an int is used for all degrees.
    weights : sequence of q floats, optional
        Multiply S_k by weights[k−1] (folded into the last node: free), e.g. √c_k for Σ c_k⟨x, y⟩^k.
    random_state : int, RandomState instance or None
    device : str or torch.device, default="cpu"

    References
    ----------
    Ahle, Kapralov, Knudsen, Pagh, Velingker, Woodruff, Zandieh, "Oblivious sketching of high-degree
    polynomial kernels", SODA 2020.

    Examples
    --------
    >>> import torch
    >>> P = PolySketch(10, 3, [0, 64, 32], random_state=0)
    >>> [None if s is None else tuple(s.shape) for s in P(torch.ones(4, 10))]
    [None, (4, 64), (4, 32)]
    """

    def __init__(self, input_dim: int, degree: int, output_dims: int | Sequence[int], *,
                 weights: Sequence[float] | None = None, random_state: RandomStateLike = None, device: str | torch.device = "cpu") -> None:
        self.input_dim = check_dim(input_dim, "input_dim")
        self.degree = check_dim(degree, "degree")
        dims = [output_dims] * self.degree if isinstance(output_dims, int) else list(output_dims)
        if len(dims) != self.degree:
            raise ValueError(f"output_dims must have one entry per degree 1..{self.degree}, got {len(dims)}")
        self.output_dims = [0 if m == 0 else check_dim(m, f"output_dims[{k}]")
                            for k, m in enumerate(dims)]
        self.output_dim = sum(self.output_dims)
        w = [1.0] * self.degree if weights is None else [float(v) for v in weights]
        if len(w) != self.degree:
            raise ValueError(f"weights must have one entry per degree 1..{self.degree}, got {len(w)}")
        rs = self._setup(random_state, device)
        self._maps: list = []
        for k, m in enumerate(self.output_dims, start=1):
            if m == 0:
                self._maps.append(None)
            elif k == 1:
                self._maps.append(SRHT(self.input_dim, m, scale=w[0], random_state=rs, device=self.device))
            else:
                self._maps.append(_Tree(rs, self.input_dim, k, m, self.device, scale=w[k - 1]))

    def __call__(self, x) -> list[torch.Tensor | None]:
        """List of the q sketches [S_1(x), …, S_q(x)] (None for skipped degrees)."""
        x = as_input(x, self.input_dim, self.device)
        return [None if f is None else f(x) for f in self._maps]

    def concatenated(self, x, *, out: torch.Tensor | None = None) -> torch.Tensor:
        """[S_1(x), …, S_q(x)] side by side (skipped degrees left out): (n, output_dim), into ``out``."""
        x = as_input(x, self.input_dim, self.device)
        if out is None:
            out = torch.empty(x.shape[0], self.output_dim, dtype=x.dtype, device=x.device)
        start = 0
        for f, m in zip(self._maps, self.output_dims):
            if f is not None:
                f(x, out=out[:, start:start + m])
                start += m
        return out
