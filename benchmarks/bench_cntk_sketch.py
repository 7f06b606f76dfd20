"""asv benchmarks of CNTKSketch (issue #10), and the script that produces its figures.

Benchmarks (asv): ``time_*`` and ``peakmem_*`` of featurizing 32×32×3 images with the paper's
architecture (depth 3, 4×4 VALID filters, fixed first/last layers, GAP, degree-2 fits; float32, 2
threads), time per pixel from 16×16 to 64×64 images (``track_`` in µs per pixel: cost must be
linear in pixels), and ``track_`` of the relative Frobenius and spectral errors against the exact
CNTK of the same architecture. Images are CIFAR-10 test images (the JPEG copy under
``$NTKBENCH_DATA``, standardised, optionally 2×2-average-pooled to 16×16); without the data the
benchmarks fall back on Gaussian images. ``NTKBENCH_BENCH_PROFILE=full`` uses the issue's sizes;
the default quick profile keeps asv fast.

Figures (the issue's reference on this machine: 1.54 s per image at n_components = 4,096, 0.29 s at
1,024, 6.7 s at 16,384; relative Frobenius 0.036 at 4,096, 0.09–0.16 at 1,024)::

    NTKBENCH_DATA=../shared/data python benchmarks/bench_cntk_sketch.py --speed [--n 64] [--threads 2]
    NTKBENCH_DATA=../shared/data python benchmarks/bench_cntk_sketch.py --pixels
    NTKBENCH_DATA=../shared/data python benchmarks/bench_cntk_sketch.py --errors [--n-eval 100] [--side 32] [--cache DIR]
"""

from __future__ import annotations

import argparse
import os
import time
from functools import lru_cache

import numpy as np
import torch

from ntkbench.arch import Arch
from ntkbench.features import CNTKSketch
from ntkbench.harness.metrics import relative_frobenius_error, relative_ridge, spectral_error
from ntkbench.kernels import arch_kernel

FULL = os.environ.get("NTKBENCH_BENCH_PROFILE", "quick") == "full"
ARCH = Arch(kind="conv", depth=3, filter_size=4, padding="valid", pooling="gap", fix_first_last=True)
THREADS = 2


@lru_cache(maxsize=None)
def cifar_test_images(n: int) -> np.ndarray | None:
    """The first ``n`` standardised CIFAR-10 test images (n, 3, 32, 32) float32, or None without data."""
    if not os.environ.get("NTKBENCH_DATA"):
        return None
    from ntkbench.harness.registry import discover

    dataset = discover(entry_points=False).dataset("cifar10")()
    params = {k: v[0] for k, v in dataset.params.items()}
    if dataset.unavailable(**params):
        return None
    return np.ascontiguousarray(dataset.load(seed=0, **params).X_test[:n], dtype=np.float32)


def images(n: int, side: int = 32, seed: int = 0) -> np.ndarray:
    """n images of side 16, 32 or 64 (CIFAR-10 pooled or tiled when available, else Gaussian), float32."""
    real = cifar_test_images(n)
    if real is None:
        return np.random.default_rng(seed).standard_normal((n, 3, side, side)).astype(np.float32)
    if side == 32:
        return real
    if side == 16:
        return np.ascontiguousarray(real.reshape(n, 3, 16, 2, 16, 2).mean(axis=(3, 5)))
    if side == 64:
        return np.ascontiguousarray(real.repeat(2, axis=2).repeat(2, axis=3))
    raise ValueError(f"side must be 16, 32 or 64, got {side}")


def kernel_errors(K: np.ndarray, F: np.ndarray) -> tuple[float, float]:
    """(relative Frobenius error, spectral ε) of Φ Φᵀ against K, λ = 0.01·tr(K)/n (harness metrics)."""
    F = np.asarray(F, dtype=np.float64)
    Ka = F @ F.T
    return relative_frobenius_error(K, Ka), spectral_error(K, Ka, relative_ridge(K, 0.01))


def sketch(n_components: int, seed: int = 0, **params) -> CNTKSketch:
    return CNTKSketch.from_arch(ARCH, n_components=n_components, random_state=seed, **params)


# --------------------------------------------------------------------------------------------------
# asv
# --------------------------------------------------------------------------------------------------

class FeaturizeCIFAR:
    """Featurize 32×32×3 images, paper architecture, float32, 2 threads: time and peak memory."""

    params = ([1024, 4096], ["auto", 4])
    param_names = ["n_components", "batch_size"]
    timeout = 900

    def setup(self, n_components, batch_size):
        torch.set_num_threads(THREADS)
        self.X = images(64 if FULL else 8)
        self.est = sketch(n_components, batch_size=batch_size).fit(self.X[:1])
        self.est.transform(self.X[:2])  # warm-up (FFT plans, first-call costs)

    def time_transform(self, n_components, batch_size):
        self.est.transform(self.X)

    def peakmem_transform(self, n_components, batch_size):
        self.est.transform(self.X)


class PixelScaling:
    """Time per pixel at n_components = 1,024 for 16×16, 32×32 and 64×64 images, per input pixel and per
    pixel processed by the layers (4×4 VALID: 13² + 10² + 7² of them for 16×16, 61² + 58² + 55² for 64×64)."""

    params = [16, 32, 64]
    param_names = ["side"]
    timeout = 900

    def setup(self, side):
        torch.set_num_threads(THREADS)
        self.X = images(16 if FULL else 4, side)
        self.est = sketch(1024).fit(self.X[:1])
        self.est.transform(self.X[:2])

    def time_transform(self, side):
        self.est.transform(self.X)

    def track_us_per_pixel(self, side):
        best = min(_timed(lambda: self.est.transform(self.X)) for _ in range(3))
        return 1e6 * best / (self.X.shape[0] * side * side)

    track_us_per_pixel.unit = "µs/pixel"

    def track_us_per_layer_pixel(self, side):
        best = min(_timed(lambda: self.est.transform(self.X)) for _ in range(3))
        return 1e6 * best / (self.X.shape[0] * layer_pixels(side))

    track_us_per_layer_pixel.unit = "µs/pixel"


class KernelErrorCNTK:
    """Errors against the exact CNTK (paper architecture) on CIFAR-10 images pooled to 16×16, seed 0."""

    params = [1024, 4096]
    param_names = ["n_components"]
    timeout = 1800

    def setup_cache(self):
        torch.set_num_threads(THREADS)
        X = images(300 if FULL else 60, 16).astype(np.float64)
        return X, arch_kernel(ARCH, X)

    def setup(self, cache, n_components):
        X, K = cache
        self.errors = kernel_errors(K, sketch(n_components).fit_transform(X))

    def track_rel_frobenius(self, cache, n_components):
        return self.errors[0]

    track_rel_frobenius.unit = "relative"

    def track_spectral_eps(self, cache, n_components):
        return self.errors[1]

    track_spectral_eps.unit = "ε"


# --------------------------------------------------------------------------------------------------
# Figures script
# --------------------------------------------------------------------------------------------------

def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _speed(n: int, repeats: int, sizes: list[int], batch_size: int) -> None:
    X = images(n)
    print(f"| n_components | s per 32×32×3 image (best of {repeats}, {n} images, batch {batch_size}, "
          f"{torch.get_num_threads()} threads) | speed-up vs reference |")
    print("|---|---|---|")
    reference = {1024: 0.29, 4096: 1.54, 16384: 6.7}
    for m in sizes:
        est = sketch(m, batch_size=batch_size).fit(X[:1])
        est.transform(X[:2])
        best = min(_timed(lambda: est.transform(X)) for _ in range(repeats)) / n
        ref = reference.get(m)
        print(f"| {m} | {best:.4f} | {'%.1f×' % (ref / best) if ref else '—'} |", flush=True)


def layer_pixels(side: int) -> int:
    """Pixels the layers process per image: Σ over the layers of their output size (VALID shrinks them)."""
    return sum((side - h * (ARCH.filter_size - 1)) ** 2 for h in range(1, ARCH.depth + 1))


def _pixels(n: int, repeats: int, n_components: int) -> None:
    print(f"| side | µs per input pixel | ratio to 16×16 | µs per layer pixel | ratio to 16×16 | "
          f"(n_components = {n_components}, {n} images, best of {repeats}, {torch.get_num_threads()} threads) |")
    print("|---|---|---|---|---|---|")
    base = None
    for side in (16, 32, 64):
        X = images(n, side)
        est = sketch(n_components).fit(X[:1])
        est.transform(X[:2])
        best = min(_timed(lambda: est.transform(X)) for _ in range(repeats)) / n
        per_input, per_layer = 1e6 * best / side ** 2, 1e6 * best / layer_pixels(side)
        base = base or (per_input, per_layer)
        print(f"| {side} | {per_input:.2f} | {per_input / base[0]:.2f} | {per_layer:.2f} | "
              f"{per_layer / base[1]:.2f} | |", flush=True)


def _errors(n_eval: int, side: int, seeds: int, sizes: list[int], degree: int, cache: str | None) -> None:
    X = images(n_eval, side).astype(np.float64)
    path = os.path.join(cache, f"exact_cntk_{n_eval}x{side}.npy") if cache else None
    if path and os.path.exists(path):
        K = np.load(path)
    else:
        start = time.perf_counter()
        K = arch_kernel(ARCH, X)
        print(f"exact CNTK of {n_eval} {side}×{side} images: {time.perf_counter() - start:.1f} s")
        if path:
            np.save(path, K)
    print(f"| n_components | rel. Frobenius | spectral ε (λ = 0.01 tr K / n) | (median, min–max of {seeds} seeds, "
          f"degree {degree}) |")
    print("|---|---|---|---|")
    for m in sizes:
        errs = np.array([kernel_errors(K, sketch(m, seed=s, degree=degree).fit_transform(X)) for s in range(seeds)])
        med, lo, hi = np.median(errs, axis=0), errs.min(axis=0), errs.max(axis=0)
        print(f"| {m} | {med[0]:.4f} ({lo[0]:.4f}–{hi[0]:.4f}) | {med[1]:.3f} ({lo[1]:.3f}–{hi[1]:.3f}) | |",
              flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--pixels", action="store_true")
    parser.add_argument("--errors", action="store_true")
    parser.add_argument("--n", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--batch-size", type=lambda v: v if v == "auto" else int(v), default="auto")
    parser.add_argument("--sizes", nargs="*", type=int, default=[1024, 4096, 16384])
    parser.add_argument("--n-eval", type=int, default=100)
    parser.add_argument("--side", type=int, default=32)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--degree", type=int, default=2)
    parser.add_argument("--cache", help="folder for the exact kernel (reused when present)")
    args = parser.parse_args()
    torch.set_grad_enabled(False)
    torch.set_num_threads(args.threads)
    if args.speed:
        _speed(args.n, args.repeats, args.sizes, args.batch_size)
    if args.pixels:
        _pixels(max(args.n // 4, 2), args.repeats, 1024)
    if args.errors:
        _errors(args.n_eval, args.side, args.seeds, args.sizes, args.degree, args.cache)
