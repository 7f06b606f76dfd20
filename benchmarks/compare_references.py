"""Side-by-side speed and accuracy of the default NTK feature maps and the reference code (issue #16).

Featurizes ``--n`` × 90 standard-normal points into 4,096 features, at depths 1–3, in float64 and
float32, with

* ``reference``: the in-repo re-implementation of the reference one-pass NTK sketch
  (:class:`bench_features.ReferenceOnePassSketch`, degree-2 fit, as in the reference experiments);
* ``reference_code``: the reference code itself (``insuhan/ntk-sketch-rf``, ``ntk_sketch.py``),
  only when ``--reference-code DIR`` (or ``$NTKBENCH_REFERENCE_CODE``) names a checkout of it. It
  is never part of this repository; without ``quadprog`` its polynomial fit is replaced by the
  in-repo re-implementation of the same QP (:func:`bench_features.reference_poly_coeffs`);
* ``ntk_sketch``: ``NTKSketch(4096, depth=L)`` with every other parameter at its default;
* ``ntk_sketch_layerwise``: the same with ``method="layerwise"`` (the default when b_std > 0).

Each configuration fits every map once (fitting depends only on d), warms it up, then times the
maps interleaved (A, B, C, A, B, C, ...) ``--repeats`` times, and reports the median and the
minimum, their ratios to ``reference`` (> 1: faster than the reference), the relative Frobenius
error of Φ Φᵀ against the exact NTK on the first ``--n-eval`` points (float64 kernel), and the load
average (``/proc/loadavg``, 1 minute) before the first and after the last run::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/compare_references.py --n 50000
    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/compare_references.py --n 20000 --depths 2 --dtypes float32
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import time
import types
from pathlib import Path
from typing import Callable

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_features import ReferenceOnePassSketch, gaussian_data, reference_poly_coeffs  # noqa: E402

from ntkbench.features import NTKSketch  # noqa: E402
from ntkbench.kernels import fc_kernel  # noqa: E402

N_COMPONENTS = 4096
MAPS = ["reference", "reference_code", "ntk_sketch", "ntk_sketch_layerwise"]

Featurize = Callable[[np.ndarray], np.ndarray]


def load_average() -> float:
    """The 1-minute load average (nan where /proc/loadavg does not exist)."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except OSError:
        return float("nan")


def import_reference_code(path: str | None) -> types.ModuleType | None:
    """The reference code's ``ntk_sketch`` module from a checkout at ``path``, or None when absent.

    Its module imports ``quadprog`` for its polynomial fit, which is not a dependency here; when it is
    missing, an empty stand-in module satisfies the import and the fit comes from
    :func:`reference_poly_coeffs` (the same QP).
    """
    if not path or not (Path(path) / "ntk_sketch.py").is_file():
        return None
    try:
        importlib.import_module("quadprog")
    except ImportError:
        sys.modules["quadprog"] = types.ModuleType("quadprog")
    sys.path.insert(0, str(Path(path).resolve()))
    try:
        return importlib.import_module("ntk_sketch")
    finally:
        sys.path.pop(0)


def reference_code_map(module: types.ModuleType, depth: int, dtype: str, seed: int) -> Featurize:
    """The reference code's one-pass sketch (``TensorSketch`` + ``OblvFeat``, degree 2, 4,096 features)."""
    np.random.seed(seed)  # the reference code draws from numpy's global generator
    sketch = module.TensorSketch(d=90, m=N_COMPONENTS + 1, q=2, dev="cpu")
    if hasattr(module, "get_poly_approx_ntk") and hasattr(sys.modules["quadprog"], "solve_qp"):
        coeffs = module.get_poly_approx_ntk(depth, 2)
    else:
        coeffs = reference_poly_coeffs(depth, 2)
    torch_dtype = getattr(torch, dtype)
    coeffs = torch.as_tensor(coeffs, dtype=torch_dtype)
    return lambda X: module.OblvFeat(sketch, torch.as_tensor(X, dtype=torch_dtype), coeffs).T.numpy()


def build(name: str, depth: int, dtype: str, seed: int, code: types.ModuleType | None) -> Featurize | None:
    """A fitted feature map by name (None for ``reference_code`` without the code)."""
    fit_on = gaussian_data(10).astype(dtype)
    if name == "reference":
        return ReferenceOnePassSketch(N_COMPONENTS + 1, depth, 2, seed).fit(fit_on).transform
    if name == "reference_code":
        return None if code is None else reference_code_map(code, depth, dtype, seed)
    if name == "ntk_sketch":
        return NTKSketch(N_COMPONENTS, depth=depth, random_state=seed).fit(fit_on).transform
    if name == "ntk_sketch_layerwise":
        return NTKSketch(N_COMPONENTS, depth=depth, method="layerwise", random_state=seed).fit(fit_on).transform
    raise ValueError(f"unknown map {name!r}; choose from {', '.join(MAPS)}")


def relative_frobenius(K: np.ndarray, F: np.ndarray) -> float:
    """‖Φ Φᵀ − K‖_F / ‖K‖_F, in float64."""
    F = np.asarray(F, dtype=np.float64)
    return float(np.linalg.norm(F @ F.T - K) / np.linalg.norm(K))


def compare(depth: int, dtype: str, n: int, n_eval: int, repeats: int, names: list[str], seed: int,
            code: types.ModuleType | None) -> list[dict]:
    """One configuration: errors, then interleaved timings; one row per map."""
    X = gaussian_data(n).astype(dtype)
    maps = {name: m for name in names if (m := build(name, depth, dtype, seed, code)) is not None}
    K = fc_kernel(X[:n_eval].astype(np.float64), depth=depth)
    errors = {name: relative_frobenius(K, f(X[:n_eval])) for name, f in maps.items()}  # also the warm-up
    times: dict[str, list[float]] = {name: [] for name in maps}
    load_before = load_average()
    for _ in range(repeats):
        for name, f in maps.items():
            start = time.perf_counter()
            f(X)
            times[name].append(time.perf_counter() - start)
    load_after = load_average()
    return [{"depth": depth, "dtype": dtype, "map": name, "median": statistics.median(t), "min": min(t),
             "error": errors[name], "load": (load_before, load_after)} for name, t in times.items()]


HEADER = ("| depth | dtype | map | median (s) | min (s) | speed-up, median | speed-up, min | rel. Frobenius "
          "| error / reference | load before, after |\n|---|---|---|---|---|---|---|---|---|---|")


def print_rows(rows: list[dict]) -> None:
    """Markdown rows; speed-ups and error ratios are against ``reference`` in the same configuration."""
    base = {(r["depth"], r["dtype"]): r for r in rows if r["map"] == "reference"}
    for r in rows:
        b = base.get((r["depth"], r["dtype"]))
        ratio = (lambda key: f"{b[key] / r[key]:.2f}×") if b else (lambda key: "")
        err = f"{r['error'] / b['error']:.2f}" if b else ""
        print(f"| {r['depth']} | {r['dtype']} | {r['map']} | {r['median']:.2f} | {r['min']:.2f} | {ratio('median')} "
              f"| {ratio('min')} | {r['error']:.4f} | {err} | {r['load'][0]:.2f}, {r['load'][1]:.2f} |", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=50_000, help="points to featurize (default 50,000)")
    parser.add_argument("--n-eval", type=int, default=2000, help="points on which the error is measured")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each map (interleaved)")
    parser.add_argument("--depths", nargs="*", type=int, default=[1, 2, 3])
    parser.add_argument("--dtypes", nargs="*", default=["float64", "float32"], choices=["float64", "float32"])
    parser.add_argument("--maps", nargs="*", default=MAPS, choices=MAPS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reference-code", default=os.environ.get("NTKBENCH_REFERENCE_CODE"),
                        help="checkout of insuhan/ntk-sketch-rf (optional; default $NTKBENCH_REFERENCE_CODE)")
    args = parser.parse_args(argv)
    if args.n_eval > args.n:
        parser.error(f"--n-eval ({args.n_eval}) must not exceed --n ({args.n})")
    code = import_reference_code(args.reference_code)
    if "reference_code" in args.maps and code is None:
        print("reference_code: skipped (no --reference-code checkout given or found)")
    print(f"n = {args.n} × 90 → {N_COMPONENTS}, error on {args.n_eval} points, {args.repeats} interleaved runs, "
          f"torch {torch.__version__}, {torch.get_num_threads()} torch thread(s), "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, load {load_average():.2f}\n")
    print(HEADER)
    with torch.no_grad():  # not set_grad_enabled: main() also runs inside test processes
        for depth in args.depths:
            for dtype in args.dtypes:
                print_rows(compare(depth, dtype, args.n, args.n_eval, args.repeats, args.maps, args.seed, code))


if __name__ == "__main__":
    main()
