"""asv benchmarks of the FALKON solver (issue #12), and the script that measures a large run.

Benchmarks (asv): ``time_`` and ``peakmem_`` of one FALKON solve (uniform centres, fixed ridge,
20 conjugate-gradient iterations, 2 threads, float64) on n × 90 Gaussian inputs with m centres,
and ``track_`` of the final relative residual (a preconditioner that stops working shows up there
first). ``FalkonSolve``: Gaussian and Laplace kernels, n = 20,000 and m = 1,000 (quick profile) or
n = 200,000 and m = 5,000 (``NTKBENCH_BENCH_PROFILE=full``). ``FalkonNTK``: the ReLU NTK of depth
1, whose exact kernel costs about ten times the Gaussian per entry, at a tenth of the sizes.

One measured run, with its extrapolation (cost per iteration ∝ n·m, preconditioner ∝ m³; memory
X + 3 m² + one block)::

    python benchmarks/bench_falkon.py --n 200000 --m 5000 [--kernel gaussian|laplace|ntk]
        [--dtype float32] [--threads 2] [--iterations 20]
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np
import torch

from ntkbench.kernels import fc_kernel
from ntkbench.kernels.stationary import stationary_kernel
from ntkbench.solvers.falkon import FalkonOptions, _preconditioner, falkon
from ntkbench.solvers.landmarks import uniform_landmarks

FULL = os.environ.get("NTKBENCH_BENCH_PROFILE", "quick") == "full"
N, M, D = (200_000, 5_000, 90) if FULL else (20_000, 1_000, 90)
N_NTK, M_NTK = N // 10, M // 2
ITERATIONS = 20
RIDGE = 1e-6
THREADS = 2


def kernel_fn(name: str):
    """The benchmark kernels on torch row blocks: Gaussian or Laplace of bandwidth √d (inputs
    N(0, I), so about the median distance), or the ReLU NTK of depth 1."""
    if name in ("gaussian", "laplace"):
        return lambda A, B: stationary_kernel(A, B, kernel=name, bandwidth=float(np.sqrt(A.shape[1])))
    return lambda A, B: fc_kernel(A, None if B is A else B, depth=1, dtype=A.dtype)


def problem(n: int, m: int, d: int = D, dtype: torch.dtype = torch.float64, seed: int = 0):
    """Inputs N(0, I_d), a smooth target with noise, and m uniform centres."""
    rng = np.random.default_rng(seed)
    X = torch.as_tensor(rng.standard_normal((n, d)), dtype=dtype)
    y = torch.tanh(X[:, :3].sum(1)) + 0.1 * torch.as_tensor(rng.standard_normal(n), dtype=dtype)
    return X, y, X[uniform_landmarks(n, m, rng)].clone()


class FalkonSolve:
    """One FALKON solve at fixed ridge and iteration count."""

    params = (["gaussian", "laplace"],)
    param_names = ["kernel"]
    timeout = 3600 if FULL else 600
    sizes = (N, M)

    def setup(self, kernel):
        torch.set_num_threads(THREADS)
        self.X, self.y, self.C = problem(*self.sizes)
        self.kernel = kernel_fn(kernel)

    def _solve(self):
        return falkon(self.X, self.y, self.C, self.kernel, RIDGE, max_iter=ITERATIONS, tol=0.0)

    def time_falkon(self, kernel):
        self._solve()

    def peakmem_falkon(self, kernel):
        self._solve()

    def track_relative_residual(self, kernel):
        return self._solve().residuals[-1]

    track_relative_residual.unit = "relative residual"


class FalkonNTK(FalkonSolve):
    """The same solve with the exact ReLU NTK of depth 1, at smaller sizes."""

    params = (["ntk"],)
    sizes = (N_NTK, M_NTK)


def measure(n: int, m: int, kernel: str, dtype: torch.dtype, iterations: int) -> dict[str, float]:
    """Time the phases of one FALKON run and its peak resident memory."""
    X, y, C = problem(n, m, dtype=dtype)
    fn = kernel_fn(kernel)
    start = time.perf_counter()
    _preconditioner(C, fn, RIDGE)
    preconditioner = time.perf_counter() - start
    start = time.perf_counter()
    result = falkon(X, y, C, fn, RIDGE, max_iter=iterations, tol=0.0, options=FalkonOptions())
    total = time.perf_counter() - start
    per_iteration = (total - preconditioner) / (iterations + 1)  # + the right-hand side pass
    return {"total_s": total, "preconditioner_s": preconditioner, "per_iteration_s": per_iteration,
            "residual": result.residuals[-1], "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--m", type=int, default=5_000)
    parser.add_argument("--kernel", choices=["gaussian", "laplace", "ntk"], default="gaussian")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    parser.add_argument("--iterations", type=int, default=ITERATIONS)
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--target-n", type=int, default=1_000_000)
    parser.add_argument("--target-m", type=int, default=10_000)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with open("/proc/loadavg") as f:
        print("loadavg", f.read().strip())
    r = measure(args.n, args.m, args.kernel, getattr(torch, args.dtype), args.iterations)
    print(f"n={args.n} m={args.m} d={D} kernel={args.kernel} dtype={args.dtype} threads={args.threads} "
          f"iterations={args.iterations}")
    print(f"total {r['total_s']:.1f} s = preconditioner {r['preconditioner_s']:.1f} s + "
          f"{args.iterations + 1} passes x {r['per_iteration_s']:.2f} s; residual {r['residual']:.2e}; "
          f"peak RSS {r['peak_rss_mib']:.0f} MiB")
    scale_pass = (args.target_n * args.target_m) / (args.n * args.m)
    scale_chol = (args.target_m / args.m) ** 3
    estimate = r["preconditioner_s"] * scale_chol + (args.iterations + 1) * r["per_iteration_s"] * scale_pass
    size = torch.finfo(getattr(torch, args.dtype)).bits // 8
    memory = (args.target_n * D + 3 * args.target_m ** 2 + 2 ** 22 * 4) * size / 2 ** 20
    print(f"extrapolated to n={args.target_n} m={args.target_m}: {estimate / 60:.1f} min "
          f"(passes x{scale_pass:.0f}, preconditioner x{scale_chol:.0f}); memory model X + 3 m^2 + blocks "
          f"= {memory:.0f} MiB plus the interpreter")
