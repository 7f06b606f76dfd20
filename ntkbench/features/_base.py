"""The scikit-learn plumbing shared by the NTK feature maps: validation, batching, output arrays."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ntkbench.arch import Arch
from ntkbench.features._overflow import check_features_finite, check_row_norms
from ntkbench.kernels import get_activation
from ntkbench.sketches import SRHT, check_device
from ntkbench.threads import torch_threads


def output_array(out: np.ndarray | None, shape: tuple[int, int], dtype: np.dtype) -> np.ndarray:
    """The ``out`` argument of ``transform``: a new array when None, else checked to have ``shape``.

    Raises
    ------
    ValueError
        If ``out`` is not an ndarray (a numpy.memmap is one) of that shape.
    """
    if out is None:
        return np.empty(shape, dtype=dtype)
    if not isinstance(out, np.ndarray) or out.shape != shape:
        raise ValueError(f"out must be an ndarray of shape {shape}, got {getattr(out, 'shape', type(out).__name__)}")
    return out


class BaseNTKFeatures(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Fit/transform skeleton; subclasses implement ``_build(n_features, rs, device)``.

    ``_build`` returns a callable mapping an (n, d) tensor to (n, output_dim) features, with
    ``output_dim`` = ``n_components`` unless that is below the smallest size the design holds (every
    block at least one coordinate); then ``fit`` compresses the features to ``n_components`` with a
    final SRHT, which keeps E⟨Φ(x), Φ(y)⟩ and only adds variance (:class:`_Compressed`).

    ``device`` is checked in ``fit``, before anything else, and not at construction: scikit-learn
    estimators only store their parameters in ``__init__`` (``clone`` and ``set_params`` bypass it, so
    a check there would miss ``set_params(device="cuda:0")``; ``check_estimator`` enforces this). The
    harness adapters, which are not estimators, check it when they are built
    (:func:`~ntkbench.sketches.check_device`).
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "depth": [Interval(Integral, 1, None, closed="left")],
        "get": [StrOptions({"ntk", "nngp"})],
        "activation": [str],
        "w_std": [Interval(Real, 0, None, closed="neither")],
        "b_std": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "random_state": ["random_state"],
    }

    @classmethod
    def from_arch(cls, arch: Arch, **params) -> "BaseNTKFeatures":
        """An instance approximating the kernel of ``arch`` (an fc :class:`~ntkbench.arch.Arch`)."""
        if arch.kind != "fc":
            raise ValueError(f"{cls.__name__} handles fully-connected networks, got Arch.kind={arch.kind!r}")
        return cls(depth=arch.depth, activation=arch.activation, w_std=arch.w_std, b_std=arch.b_std, **params)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Draw the random maps for inputs shaped like ``X`` (its values are only checked).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If ``device`` does not exist here, or a row of ``X`` has a squared norm that overflows.
        """
        self.device_ = check_device(self.device)
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        check_row_norms(X)
        get_activation(self.activation)   # an unknown name is a ValueError listing the known ones
        self.arch_ = Arch(kind="fc", depth=int(self.depth), activation=self.activation,
                          w_std=float(self.w_std), b_std=float(self.b_std))
        if not math.isfinite(self.w_std) or not math.isfinite(self.b_std):
            raise ValueError("w_std and b_std must be finite")
        rs = check_random_state(self.random_state)
        # typical input norms: maps whose dual depends on the norms size their sketches for them
        self.norm_quantiles_ = np.quantile(np.linalg.norm(X, axis=1), [0.05, 0.25, 0.5, 0.75, 0.95])
        self.map_ = self._build(X.shape[1], rs, self.device_)
        if self.map_.output_dim != self.n_components:
            self.map_ = _Compressed(self.map_, self.n_components, rs, self.device_)
        self._n_features_out = self.n_components
        return self

    def transform(self, X, out: np.ndarray | None = None) -> np.ndarray:
        """Features of ``X``, computed ``batch_size`` rows at a time.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            float32 input gives float32 features; anything else float64.
        out : ndarray or numpy.memmap of shape (n_samples, n_components), optional
            Preallocated output (e.g. a memmap for data larger than memory); filled and returned.
            Memory beyond ``out`` stays O(batch_size × n_components).

        Returns
        -------
        ndarray of shape (n_samples, n_components)

        Raises
        ------
        ValueError
            If a row is too large for the dtype: its squared norm, or a deeper layer's, overflows.
        """
        check_is_fitted(self, "map_")
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        check_row_norms(X)
        out = output_array(out, (X.shape[0], self.n_components), X.dtype)
        with torch.no_grad(), torch_threads():  # the thread rule of ntkbench.threads
            for start in range(0, X.shape[0], self.batch_size):
                stop = min(start + self.batch_size, X.shape[0])
                rows = X[start:stop]
                rows = np.ascontiguousarray(rows) if rows.flags.writeable else np.array(rows)
                batch = torch.from_numpy(rows).to(self.device_)
                target = out[start:stop]
                in_place = self.device_.type == "cpu" and target.flags.c_contiguous and target.flags.writeable
                features = self.map_(batch, out=torch.from_numpy(target) if in_place else None)  # in place: no copy
                check_features_finite(features, rows, start, self.w_std ** 2 / 2.0)
                if not in_place:
                    target[...] = features.cpu().numpy()
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.non_deterministic = False
        return tags


class _Compressed:
    """A fitted map followed by an SRHT to ``output_dim`` < ``inner.output_dim`` coordinates.

    E⟨S a, S b⟩ = ⟨a, b⟩ for the SRHT S, so the features estimate the same kernel as ``inner``'s; the
    reference code ends every sketch this way, here it is only used below the design's minimum size.
    """

    def __init__(self, inner, output_dim: int, rs: np.random.RandomState, device: torch.device) -> None:
        self.inner = inner
        self.sketch = SRHT(inner.output_dim, output_dim, random_state=rs, device=device)
        self.output_dim = output_dim

    def __call__(self, x: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        return self.sketch(self.inner(x), out=out)
