"""CNTKSketch (Zandieh et al. 2021, §2.5 of the spec) as a scikit-learn transformer for images."""

from __future__ import annotations

import math
from numbers import Integral

import numpy as np
import torch
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

from ntkbench.arch import Arch
from ntkbench.features._base import BaseNTKFeatures, output_array
from ntkbench.features._conv_sketch import ConvArch, ConvSketchMap
from ntkbench.features._overflow import check_features_finite, check_row_norms
from ntkbench.sketches import check_device
from ntkbench.threads import torch_threads


AUTO_BATCH_NUMBERS = 2 ** 22


class CNTKSketch(BaseNTKFeatures):
    """Sketch of the convolutional NTK (or CNN-GP) of a ReLU conv net, in time linear in pixels.

    Follows the exact CNTK's pixel-pair recursion (:func:`ntkbench.kernels.cntk_kernel`) one pixel
    and one layer at a time (:mod:`ntkbench.features._conv_sketch`): per activation, PolySketch
    features of the polynomial fits of κ1 and κ0 (exact constant and linear terms), a TensorSRHT for
    Θ ⊙ K̇, then the f × f neighbourhood sum as a random signed sum of the shifted feature maps (exact
    for small blocks), and finally global average pooling or a sketch of the flatten readout. The
    features of an image cost O(depth · pixels · (f² + log D) · D) for D = ``n_components``, and
    memory is set by ``batch_size`` (images per batch), not by the number of images.

    Differences from the reference code (``cntk_sketch.py`` of Zandieh et al.): polynomial fits are
    minimax with exact values at t = 0 and 1, on [0, 1] after the first layer (cosines of ReLU
    features are nonnegative); constant and linear terms are exact pass-through blocks instead of
    being re-sketched; the patch sum adds signed shifted copies instead of an SRHT of their
    concatenation (no transform of an f²-times larger vector).

    Parameters
    ----------
    n_components : int, default=1024
        Output dimension D.
    depth : int, default=3
        Number L of [conv f×f, ReLU] layers (the spec's L; Arora et al.'s depth is L + 1).
    filter_size : int, default=4
    padding : {"valid", "same"}, default="valid"
    pooling : {"gap", "flatten"}, default="gap"
        Global average pooling (CNTK-GAP) or flatten (CNTK-V: trace over pixels, sketched).
    fix_first_last : bool, default=True
        First and last layers not trained (Arora et al.'s ``--fix yes``; NTK only).
    get : {"ntk", "nngp"}, default="ntk"
    degree : int, default=2
        Degree q >= 2 of the polynomial fits of κ0 and κ1.
    activation : {"relu"}, default="relu"
    w_std : float, default=sqrt(2)
    b_std : float, default=0.0
    batch_size : int or "auto", default="auto"
        Images per batch. ``"auto"``: about 2^22 numbers per first-layer feature map (pixels ×
        n_components), e.g. 1 image of 32×32 at 4,096 features, 4 at 1,024: batches that stay in
        the CPU caches measured fastest (at 4,096, one image per batch was 1.5× faster than 4).
    device : str or torch.device, default="cpu"
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    arch_ : Arch
    map_ : ConvSketchMap
    image_shape_ : tuple (C, H, W)
    n_features_in_ : int
        Number of channels C.

    See Also
    --------
    NTKSketch : the fully-connected sketch.
    ntkbench.kernels.cntk_kernel : the exact kernel it approximates.

    References
    ----------
    A. Zandieh, I. Han, H. Avron, N. Shoham, C. Kim, J. Shin, "Scaling Neural Tangent Kernels via
    Sketching and Random Features", NeurIPS 2021.
    S. Arora, S. Du, W. Hu, Z. Li, R. Salakhutdinov, R. Wang, "On Exact Computation with an
    Infinitely Wide Neural Net", NeurIPS 2019.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((4, 3, 8, 8)).astype(np.float32)
    >>> CNTKSketch(n_components=256, depth=2, random_state=0).fit_transform(X).shape
    (4, 256)
    """

    _parameter_constraints = {
        **BaseNTKFeatures._parameter_constraints,
        "activation": [StrOptions({"relu"})],
        "filter_size": [Interval(Integral, 1, None, closed="left")],
        "padding": [StrOptions({"valid", "same"})],
        "pooling": [StrOptions({"gap", "flatten"})],
        "fix_first_last": ["boolean"],
        "degree": [Interval(Integral, 2, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    }

    def __init__(self, n_components: int = 1024, *, depth: int = 3, filter_size: int = 4, padding: str = "valid",
                 pooling: str = "gap", fix_first_last: bool = True, get: str = "ntk", degree: int = 2,
                 activation: str = "relu", w_std: float = math.sqrt(2.0), b_std: float = 0.0,
                 batch_size: int | str = "auto", device: str = "cpu", random_state=None) -> None:
        self.n_components = n_components
        self.depth = depth
        self.filter_size = filter_size
        self.padding = padding
        self.pooling = pooling
        self.fix_first_last = fix_first_last
        self.get = get
        self.degree = degree
        self.activation = activation
        self.w_std = w_std
        self.b_std = b_std
        self.batch_size = batch_size
        self.device = device
        self.random_state = random_state

    @classmethod
    def from_arch(cls, arch: Arch, **params) -> "CNTKSketch":
        """An instance approximating the kernel of ``arch`` (a conv :class:`~ntkbench.arch.Arch`)."""
        if arch.kind != "conv":
            raise ValueError(f"{cls.__name__} handles plain convolutional networks, got Arch.kind={arch.kind!r}")
        return cls(depth=arch.depth, filter_size=arch.filter_size, padding=arch.padding, pooling=arch.pooling,
                   fix_first_last=arch.fix_first_last, activation=arch.activation, w_std=arch.w_std,
                   b_std=arch.b_std, **params)

    def _images(self, X, reset: bool) -> np.ndarray:
        """``X`` as a float32/float64 (n, C, H, W) array, with a clear error for anything else."""
        shape = np.shape(X)
        if len(shape) != 4:
            raise ValueError(f"{type(self).__name__} needs images of shape (n_samples, channels, height, width), "
                             f"got an array of shape {shape}")
        X = check_array(X, allow_nd=True, dtype=[np.float64, np.float32], ensure_min_features=1)
        if reset:
            return X
        if X.shape[1] != self.image_shape_[0]:
            raise ValueError(f"X has {X.shape[1]} channels but {type(self).__name__} was fitted on images with "
                             f"{self.image_shape_[0]}; transform images like those passed to fit")
        if X.shape[1:] != self.image_shape_:
            raise ValueError(f"X has images of shape {X.shape[1:]} but {type(self).__name__} was fitted on "
                             f"{self.image_shape_}; transform images like those passed to fit")
        return X

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Draw the random maps for images shaped like ``X`` (only its shape is used).

        Parameters
        ----------
        X : array-like of shape (n_samples, channels, height, width)
        y : ignored

        Returns
        -------
        self
        """
        self.device_ = check_device(self.device)
        X = self._images(X, reset=True)
        check_row_norms(X.reshape(len(X), -1))
        if self.get == "ntk" and self.fix_first_last and self.depth == 1:
            raise ValueError("fix_first_last=True with depth=1 leaves no trained layer (the NTK is 0); "
                             "use depth >= 2 or fix_first_last=False")
        if not math.isfinite(self.w_std) or not math.isfinite(self.b_std):
            raise ValueError("w_std and b_std must be finite")
        self.arch_ = Arch(kind="conv", depth=int(self.depth), activation=self.activation, w_std=float(self.w_std),
                          b_std=float(self.b_std), filter_size=int(self.filter_size), padding=self.padding,
                          pooling=self.pooling, fix_first_last=bool(self.fix_first_last))
        self.image_shape_ = X.shape[1:]
        self.n_features_in_ = X.shape[1]
        conv = ConvArch(int(self.depth), int(self.filter_size), self.padding, self.pooling, bool(self.fix_first_last),
                        float(self.w_std), float(self.b_std), self.get)
        self.map_ = ConvSketchMap(X.shape[1], X.shape[2:], conv, int(self.n_components), int(self.degree),
                                  check_random_state(self.random_state), self.device_)
        self._n_features_out = self.n_components
        return self

    def transform(self, X, out: np.ndarray | None = None) -> np.ndarray:
        """Features of the images ``X``, ``batch_size`` images at a time.

        Parameters
        ----------
        X : array-like of shape (n_samples, channels, height, width)
            float32 input gives float32 features; anything else float64.
        out : ndarray or numpy.memmap of shape (n_samples, n_components), optional
            Preallocated output (e.g. a memmap for data larger than memory); filled and returned.

        Returns
        -------
        ndarray of shape (n_samples, n_components)
        """
        check_is_fitted(self, "map_")
        X = self._images(X, reset=False)
        flat = X.reshape(len(X), -1)
        check_row_norms(flat)
        out = output_array(out, (X.shape[0], self.n_components), X.dtype)
        size = self.batch_size
        if size == "auto":
            size = max(1, AUTO_BATCH_NUMBERS // (self.map_.pixels[0] * self.n_components))
        with torch.no_grad(), torch_threads():       # the thread rule of ntkbench.threads
            for start in range(0, X.shape[0], size):
                batch = torch.from_numpy(np.ascontiguousarray(X[start:start + size])).to(self.device_)
                features = self.map_(batch)
                check_features_finite(features, flat[start:start + size], start, float(self.w_std) ** 2 / 2)
                out[start:start + batch.shape[0]] = features.cpu().numpy()
        return out
