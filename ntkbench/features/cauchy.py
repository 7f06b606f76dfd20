"""Random Fourier features of the Laplace kernel exp(-‖x − y‖ / σ): frequencies from a
multivariate Cauchy distribution."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data


class LaplaceRandomFeatures(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Random Fourier features (Rahimi & Recht 2007) of the Euclidean Laplace kernel.

    The Fourier transform of exp(-‖x‖/σ) on R^d is the multivariate Cauchy density (Student t with
    one degree of freedom) of scale 1/σ, so ω = g / (σ |z|) with g ~ N(0, I_d), z ~ N(0, 1), and
    φ(x) = √(2/m) cos(ωᵀx + b), b ~ U[0, 2π), gives E φ(x)ᵀφ(y) = exp(-‖x − y‖/σ). scikit-learn
    offers ``RBFSampler`` (Gaussian) but no sampler of this kernel (its ``laplacian_kernel`` is the
    ℓ1 one), hence this class, built like ``RBFSampler``.

    Parameters
    ----------
    bandwidth : float, default=1.0
        σ > 0.
    n_components : int, default=100
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    random_weights_ : ndarray of shape (n_features, n_components)
    random_offset_ : ndarray of shape (n_components,)

    Examples
    --------
    >>> X = np.random.default_rng(0).standard_normal((3, 2))
    >>> LaplaceRandomFeatures(n_components=8, random_state=0).fit_transform(X).shape
    (3, 8)
    """

    _parameter_constraints: dict = {
        "bandwidth": [Interval(Real, 0, None, closed="neither")],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, bandwidth: float = 1.0, n_components: int = 100, random_state=None) -> None:
        self.bandwidth = bandwidth
        self.n_components = n_components
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None) -> "LaplaceRandomFeatures":
        """Draw the frequencies and offsets for inputs with ``X``'s number of columns."""
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        rs = check_random_state(self.random_state)
        g = rs.standard_normal((X.shape[1], self.n_components))
        z = np.abs(rs.standard_normal(self.n_components))
        self.random_weights_ = (g / (self.bandwidth * z)).astype(X.dtype, copy=False)
        self.random_offset_ = rs.uniform(0.0, 2.0 * np.pi, self.n_components).astype(X.dtype, copy=False)
        self._n_features_out = self.n_components
        return self

    def transform(self, X) -> np.ndarray:
        """Features of shape (n_samples, n_components), in the input's float dtype."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        projection = X @ self.random_weights_ + self.random_offset_
        return math.sqrt(2.0 / self.n_components) * np.cos(projection, out=projection)
