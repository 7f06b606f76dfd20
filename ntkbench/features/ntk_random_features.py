"""NTK random features (Zandieh et al. 2021, §2.2 of the spec) as a scikit-learn transformer."""

from __future__ import annotations

import math

import numpy as np
import torch
from sklearn.utils._param_validation import StrOptions

from ntkbench.features._base import BaseNTKFeatures
from ntkbench.features._duals import ArcCos0RandomFeatures, ArcCos1RandomFeatures
from ntkbench.features._layerwise import LayerwiseFeatureMap, plan_sizes
from ntkbench.features.hermite_duals import monte_carlo_map
from ntkbench.kernels import get_activation


class NTKRandomFeatures(BaseNTKFeatures):
    """Random features of the NTK (or NNGP) of a fully-connected ReLU network of any depth.

    Arc-cosine random features of order 1 (NNGP step) and 0 (derivative step) are combined layer by
    layer, the tensor product of the NTK features with the order-0 features being sketched by a
    TensorSRHT (Zandieh et al. 2021). Differences from the reference code, all keeping the L = 1
    estimator exactly unbiased:

    * order-1 features use leverage-score (modified) sampling, drawn **exactly**: the weighted
      feature √d·ReLU(wᵀx)/‖w‖ only depends on the direction of w, which is uniform (the reference
      code approximates the density ∝ ‖w‖²N(w) by one Gibbs sweep);
    * antithetic pairs (w, −w) and exact control variates: the linear part t/2 of κ1, its mean and
      the constant 1/2 of κ0 are exact coordinates, only the residuals are random (:mod:`._duals`);
    * directions in orthogonal blocks; frequencies of the SRHTs drawn without replacement;
    * exact pass-through of each layer's input instead of re-sketching it (:mod:`._layerwise`).

    Parameters
    ----------
    n_components : int, default=1024
        Output dimension D. Internal sizes derive from it (``ntkbench.features._layerwise``): the
        input x exactly when d ≤ D/4 (else an SRHT of it to D/4), one norm coordinate per layer, and
        the rest split evenly over layers, 2h/(2h+1) of layer h to the TensorSRHT and the remainder to
        the order-1 residual features; m0 (order-0 features) equals the TensorSRHT size. Any D ≥ 1
        works: below the smallest size with one coordinate per block (4 at L = 1, 7 at L = 2) the
        features of that size are compressed to D by a final SRHT (same expected inner products,
        more variance).
    depth : int, default=1
        Number of hidden ReLU layers L.
    get : {"ntk", "nngp"}, default="ntk"
    activation : str, default="relu"
        Any name of the activation registry. Other than ReLU: Monte Carlo features σ(Wφ)/√m of each
        layer and σ′(Wφ)/√m combined by TensorSRHT (Gaussian W in orthogonal blocks), unbiased for
        inputs of any norm (:mod:`ntkbench.features.hermite_duals`).
    w_std : float, default=sqrt(2)
        Weight standard deviation; the kernel scales by (w_std²/2) per layer as in ``fc_kernel``.
    b_std : float, default=0.0
        Bias standard deviation (one extra constant coordinate).
    sampling : {"leverage", "gaussian"}, default="leverage"
        Distribution of the order-1 weights.
    batch_size : int, default=1024
        Rows per batch in ``transform``; memory is O(batch_size × n_components).
    device : str or torch.device, default="cpu"
        Checked in ``fit``: an unknown device or a missing accelerator is a ValueError.
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    arch_ : Arch
        The architecture whose kernel is approximated.
    map_ : LayerwiseFeatureMap
        The fitted random map (wrapped with the final SRHT below the minimum size).
    n_features_in_ : int

    See Also
    --------
    NTKSketch : polynomial sketches of the same recursion.
    ntkbench.kernels.fc_kernel : the exact kernel.

    References
    ----------
    A. Zandieh, I. Han, H. Avron, N. Shoham, C. Kim, J. Shin, "Scaling Neural Tangent Kernels via
    Sketching and Random Features", NeurIPS 2021.
    Y. Cho, L. Saul, "Kernel Methods for Deep Learning", NeurIPS 2009.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.pipeline import make_pipeline
    >>> X = np.random.default_rng(0).standard_normal((200, 5))
    >>> y = np.sin(X[:, 0])
    >>> model = make_pipeline(NTKRandomFeatures(n_components=256, depth=2, random_state=0), Ridge(alpha=1e-2))
    >>> model.fit(X, y).predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints = {
        **BaseNTKFeatures._parameter_constraints,
        "sampling": [StrOptions({"leverage", "gaussian"})],
    }

    def __init__(self, n_components: int = 1024, *, depth: int = 1, get: str = "ntk", activation: str = "relu",
                 w_std: float = math.sqrt(2.0), b_std: float = 0.0, sampling: str = "leverage",
                 batch_size: int = 1024, device: str = "cpu", random_state=None) -> None:
        self.n_components = n_components
        self.depth = depth
        self.get = get
        self.activation = activation
        self.w_std = w_std
        self.b_std = b_std
        self.sampling = sampling
        self.batch_size = batch_size
        self.device = device
        self.random_state = random_state

    def _build(self, n_features: int, rs: np.random.RandomState, device: torch.device):
        if get_activation(self.activation).name != "relu":
            return monte_carlo_map(n_features, self.n_components, self.depth, self.get, self.w_std, self.b_std,
                                   self.activation, rs, device)
        plan = plan_sizes(self.n_components, n_features, self.depth, self.get, self.b_std > 0)
        return LayerwiseFeatureMap(
            n_features, self.depth, self.get, self.w_std ** 2 / 2.0, float(self.b_std) ** 2, plan,
            lambda dim, size, r: ArcCos1RandomFeatures(dim, size, r, device, self.sampling),
            lambda dim, size, r: ArcCos0RandomFeatures(dim, size, r, device),
            rs, device)
