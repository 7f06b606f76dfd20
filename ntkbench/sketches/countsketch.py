"""CountSketch and TensorSketch (Charikar et al. 2002; Pham & Pagh 2013)."""

from __future__ import annotations

from typing import Sequence

import torch

from ntkbench.sketches._base import RandomStateLike, Sketch, as_input, check_dim, random_signs


class CountSketch(Sketch):
    """C x = Σ_k s_k x_k e_{h(k)} with a random hash h: [d] → [m] and signs s; E⟨Cx, Cy⟩ = ⟨x, y⟩.

    Parameters
    ----------
    input_dim, output_dim : int
    random_state : int, RandomState instance or None
    device : str or torch.device, default="cpu"

    References
    ----------
    Charikar, Chen, Farach-Colton, "Finding frequent items in data streams", ICALP 2002.

    Examples
    --------
    >>> import torch
    >>> CountSketch(10, 4, random_state=0)(torch.eye(10)).shape
    torch.Size([10, 4])
    """

    def __init__(self, input_dim: int, output_dim: int, *, random_state: RandomStateLike = None,
                 device: str | torch.device = "cpu") -> None:
        self.input_dim = check_dim(input_dim, "input_dim")
        self.output_dim = check_dim(output_dim, "output_dim")
        rs = self._setup(random_state, device)
        self.hash = self._put(rs.randint(0, self.output_dim, size=self.input_dim))
        self.signs = self._put(random_signs(rs, self.input_dim))

    def __call__(self, x) -> torch.Tensor:
        """Sketch the rows of ``x`` (n, input_dim) → (n, output_dim)."""
        x = as_input(x, self.input_dim, self.device)
        out = torch.zeros(x.shape[0], self.output_dim, dtype=x.dtype, device=x.device)
        return out.index_add_(1, self.hash, x * self.signs.to(x.dtype))


class TensorSketch(Sketch):
    """Sketch of x₁ ⊗ … ⊗ x_p: the circular convolution of p independent CountSketches, via the FFT.

    E⟨T(x₁..x_p), T(y₁..y_p)⟩ = Π_i ⟨x_i, y_i⟩. Real output of dimension ``output_dim``.

    Parameters
    ----------
    input_dims : int or sequence of int
        Dimension of each factor; an int means one factor.
    output_dim : int
    degree : int, optional
        With an int ``input_dims``: the number p of factors, all of that dimension (x^{⊗p} when the
        same x is passed p times, or when :meth:`power` is used).
    random_state : int, RandomState instance or None
    device : str or torch.device, default="cpu"

    References
    ----------
    Pham & Pagh, "Fast and scalable polynomial kernels via explicit feature maps", KDD 2013.

    Examples
    --------
    >>> import torch
    >>> T = TensorSketch(6, 16, degree=3, random_state=0)
    >>> T.power(torch.ones(2, 6)).shape
    torch.Size([2, 16])
    """

    def __init__(self, input_dims: int | Sequence[int], output_dim: int, *, degree: int | None = None,
                 random_state: RandomStateLike = None, device: str | torch.device = "cpu") -> None:
        if isinstance(input_dims, (int,)) and not isinstance(input_dims, bool):
            p = 1 if degree is None else check_dim(degree, "degree")
            dims = [input_dims] * p
        else:
            if degree is not None:
                raise ValueError("pass degree only with an integer input_dims")
            dims = list(input_dims)
            if not dims:
                raise ValueError("input_dims must not be empty")
        self.input_dims = [check_dim(d, "input_dims") for d in dims]
        self.degree = len(self.input_dims)
        self.input_dim = int(torch.tensor(self.input_dims).prod())
        self.output_dim = check_dim(output_dim, "output_dim")
        rs = self._setup(random_state, device)
        self._sketches = [CountSketch(d, self.output_dim, random_state=rs, device=self.device)
                          for d in self.input_dims]

    def __call__(self, *xs) -> torch.Tensor:
        """Sketch the row-wise tensor products of the ``degree`` inputs."""
        if len(xs) != self.degree:
            raise ValueError(f"TensorSketch of degree {self.degree} takes {self.degree} inputs, got {len(xs)}")
        m = self.output_dim
        prod = None
        for sketch, x in zip(self._sketches, xs):
            f = torch.fft.rfft(sketch(x), n=m, dim=1)
            prod = f if prod is None else prod * f
        return torch.fft.irfft(prod, n=m, dim=1)

    def power(self, x) -> torch.Tensor:
        """Sketch of x^{⊗degree} (all factors equal; requires equal input dims)."""
        return self(*([x] * self.degree))
