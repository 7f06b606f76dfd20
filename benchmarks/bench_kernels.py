"""asv benchmarks of the exact kernels: FC NTK vs a plain numpy recursion, CNTK-GAP vs a
straightforward float32 dynamic program, and the memory of a 2,000-image CNTK Gram matrix.

Each family carries its own baseline, measured in the same run, so that the figures are ratios
that survive a noisy shared machine. ``NTKBENCH_BENCH_PROFILE=full`` runs the sizes of issue #3
(n = 4,000 FC inputs; 2,000 CIFAR-sized images); the default quick profile keeps asv fast.
``NTKBENCH_BENCH_THREADS`` sets torch's thread count (default: torch's own).

Run one directly, e.g. ``python benchmarks/bench_kernels.py`` prints every figure.
"""

from __future__ import annotations

import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from ntkbench.kernels import cntk_kernel, fc_kernel
from benchmarks.references import fc_kernel_numpy

FULL = os.environ.get("NTKBENCH_BENCH_PROFILE", "quick") == "full"
THREADS = os.environ.get("NTKBENCH_BENCH_THREADS")


def _threads() -> None:
    if THREADS:
        torch.set_num_threads(int(THREADS))


# --------------------------------------------------------------------------------------------
# Baseline: a straightforward float32 per-pair CNTK dynamic program (the "76 ms" of issue #3).
# --------------------------------------------------------------------------------------------

def _naive_conv(t: torch.Tensor, f: int) -> torch.Tensor:
    """VALID patch sum of an (H, W, H, W) tensor with f² shifted slices."""
    h, w = t.shape[0] - f + 1, t.shape[1] - f + 1
    out = torch.zeros((h, w, h, w), dtype=t.dtype)
    for a in range(f):
        for b in range(f):
            out += t[a:a + h, b:b + w, a:a + h, b:b + w]
    return out


def _naive_diag(x: torch.Tensor, depth: int, f: int) -> list[torch.Tensor]:
    """Per-pixel variances of one image at every activation (ReLU, c_σ = 2, VALID)."""
    v = (x * x).sum(0)
    out = []
    for _ in range(depth):
        v = F.conv2d(v[None, None], torch.ones((1, 1, f, f), dtype=v.dtype))[0, 0]
        out.append(v)
        v = v / f ** 2
    return out


def naive_cntk_pair(x: torch.Tensor, y: torch.Tensor, dx: list[torch.Tensor], dy: list[torch.Tensor],
                    depth: int, f: int) -> float:
    """CNTK-GAP (fix first and last layers, ReLU, VALID f × f) of one pair, straightforwardly."""
    s = torch.einsum("cij,ckl->ijkl", x, y)
    sigma = _naive_conv(s, f)
    theta = torch.zeros_like(sigma)
    for h in range(depth):
        norm = torch.sqrt(dx[h][:, :, None, None] * dy[h][None, None])
        rho = torch.clamp(sigma / norm, -1.0, 1.0)
        ang = torch.acos(rho)
        k = norm * (torch.sqrt(1 - rho * rho) + (math.pi - ang) * rho) / (math.pi * f * f)
        kdot = (math.pi - ang) / (math.pi * f * f)
        theta = theta * kdot + (k if h < depth - 1 else 0.0)
        if h < depth - 1:
            sigma = _naive_conv(k, f)
            theta = _naive_conv(theta, f)
    return float(theta.mean())


def _images(n: int, side: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, 3, side, side))


# --------------------------------------------------------------------------------------------
# Benchmarks
# --------------------------------------------------------------------------------------------

class FCKernel:
    """FC NTK + NNGP Gram matrix, d = 90, depth 3 (issue #3: n = 4,000; neural-tangents 1.7 s)."""

    params = [["ntkbench_float64", "ntkbench_float32", "numpy_recursion_float64"]]
    param_names = ["implementation"]
    timeout = 600

    def setup(self, implementation: str) -> None:
        _threads()
        n = 4000 if FULL else 1000
        self.x = np.random.default_rng(0).normal(size=(n, 90))

    def time_gram(self, implementation: str) -> None:
        if implementation == "numpy_recursion_float64":
            fc_kernel_numpy(self.x, depth=3)
        else:
            dtype = torch.float64 if implementation.endswith("64") else torch.float32
            fc_kernel(self.x, depth=3, get=("nngp", "ntk"), dtype=dtype)

    def peakmem_gram(self, implementation: str) -> None:
        self.time_gram(implementation)


class CNTKPairs:
    """CNTK-GAP (ReLU, 4×4 VALID filters, first/last layers fixed) of a block of image pairs."""

    params = [["ntkbench_float64", "ntkbench_float32", "naive_dp_float32"], [16, 32], [3, 5]]
    param_names = ["implementation", "image_side", "depth"]
    timeout = 600

    def setup(self, implementation: str, side: int, depth: int) -> None:
        _threads()
        per_side = 4 if FULL else 2
        self.a = _images(per_side, side, 0)
        self.b = _images(per_side, side, 1)
        self.pairs = per_side * per_side
        if implementation == "naive_dp_float32":
            self.ta = [torch.from_numpy(x).float() for x in self.a]
            self.tb = [torch.from_numpy(x).float() for x in self.b]
            self.da = [_naive_diag(x, depth, 4) for x in self.ta]
            self.db = [_naive_diag(x, depth, 4) for x in self.tb]

    def _run(self, implementation: str, depth: int) -> None:
        if implementation == "naive_dp_float32":
            for x, dx in zip(self.ta, self.da):
                for y, dy in zip(self.tb, self.db):
                    naive_cntk_pair(x, y, dx, dy, depth, 4)
        else:
            dtype = torch.float64 if implementation.endswith("64") else torch.float32
            cntk_kernel(self.a, self.b, depth=depth, filter_size=4, padding="valid", fix_first_last=True,
                        dtype=dtype)

    def peakmem_block(self, implementation: str, side: int, depth: int) -> None:
        self._run(implementation, depth)

    def time_block(self, implementation: str, side: int, depth: int) -> None:
        self._run(implementation, depth)

    def track_pairs_per_second(self, implementation: str, side: int, depth: int) -> float:
        best = math.inf
        for _ in range(3):
            start = time.perf_counter()
            self._run(implementation, depth)
            best = min(best, time.perf_counter() - start)
        return self.pairs / best

    track_pairs_per_second.unit = "pairs/s"


class CNTKGramMemory:
    """Peak memory of a CNTK Gram matrix of 2,000 CIFAR-sized images (quick profile: 200).

    Every block of image pairs has the same working set, so one block row K(X[:1], X) shows the
    footprint of the whole Gram matrix; the full n × n float64 output adds n²·8 bytes (32 MB).
    """

    timeout = 900

    def setup(self) -> None:
        _threads()
        self.x = _images(2000 if FULL else 200, 32)

    def peakmem_gram_block_row(self) -> None:
        cntk_kernel(self.x[:1], self.x, depth=3, filter_size=4, padding="valid", fix_first_last=True)


if __name__ == "__main__":      # print the figures without asv
    def best_of(fn, repeat: int = 3) -> float:
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times)

    _threads()
    print(f"torch threads: {torch.get_num_threads()}, profile: {'full' if FULL else 'quick'}")
    fc = FCKernel()
    fc_times = {}
    for impl in FCKernel.params[0]:
        fc.setup(impl)
        fc_times[impl] = best_of(lambda: fc.time_gram(impl))
        print(f"FC n={len(fc.x)} d=90 depth=3 {impl}: {fc_times[impl]:.3f} s")
    print(f"FC speed-up over the numpy recursion (float64): "
          f"{fc_times['numpy_recursion_float64'] / fc_times['ntkbench_float64']:.2f}x")
    bench = CNTKPairs()
    for side in CNTKPairs.params[1]:
        for depth in CNTKPairs.params[2]:
            rates = {}
            for impl in CNTKPairs.params[0]:
                bench.setup(impl, side, depth)
                rates[impl] = bench.track_pairs_per_second(impl, side, depth)
            print(f"CNTK {side}x{side}x3 depth={depth}: ntkbench float64 {1e3 / rates['ntkbench_float64']:.1f} "
                  f"ms/pair ({rates['ntkbench_float64']:.0f} entries/s), naive float32 DP "
                  f"{1e3 / rates['naive_dp_float32']:.1f} ms/pair; ratio "
                  f"{rates['ntkbench_float64'] / rates['naive_dp_float32']:.1f}x")
