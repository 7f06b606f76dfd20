"""Run one cell: load data, fit and apply the method, and measure it the same way for every method."""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from ntkbench.harness import metrics
from ntkbench.harness.contracts import Method, Split, TargetKernel
from ntkbench.harness.environment import environment
from ntkbench.harness.registry import Registry
from ntkbench.data.errors import DataMissingError
from ntkbench.harness.suite import UNIVERSAL_DATASET_PARAMS, Cell
from ntkbench.harness.timing import PhaseTimer, peak_memory_mib, reset_peak_memory
from ntkbench.solvers import RidgeFit, RidgePath


def execute_cell(cell: Cell, registry: Registry, *, suite: str, cache_dir: Path | None = None,
                 device: str = "cpu") -> dict[str, Any]:
    """Run ``cell`` and return its store row; exceptions become rows with status ``error``."""
    try:
        outcome = _run(cell, registry, cache_dir=cache_dir, device=device)
    except Exception as exc:  # a failing cell is a result, not a crash of the suite
        outcome = {"status": "error", "error": f"{type(exc).__name__}: {exc}\n{_short_traceback()}"}
    return make_row(cell, suite, device, **outcome)


def make_row(cell: Cell, suite: str, device: str = "cpu", **outcome: Any) -> dict[str, Any]:
    """A complete store row for ``cell``: identity, then ``outcome`` (status, error, metrics ...)."""
    row: dict[str, Any] = {
        "key": cell.key, "suite": suite, "method": cell.method, "method_label": cell.method_label,
        "method_params": dict(cell.method_params), "dataset": cell.dataset,
        "dataset_label": cell.dataset_label, "dataset_params": dict(cell.dataset_params), "seed": cell.seed,
        "status": "ok", "error": None, "metrics": {}, "timings": {}, "feature_dim": None, "peak_mem_mb": None,
    }
    row.update(outcome)
    row["environment"] = environment(device)
    row["finished_at"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    return row


def _run(cell: Cell, registry: Registry, *, cache_dir: Path | None, device: str) -> dict[str, Any]:
    method_cls = registry.method(cell.method)
    dataset_cls = registry.dataset(cell.dataset)
    own_params = {k: v for k, v in cell.dataset_params.items() if k not in UNIVERSAL_DATASET_PARAMS}
    reason = method_cls.missing_requirements() or dataset_cls().unavailable(**own_params)
    if reason:
        return {"status": "skipped", "error": reason}
    timer = PhaseTimer(device)
    try:
        with timer("load"):
            split = load_split(cell.dataset, json.dumps(dict(cell.dataset_params), sort_keys=True), cell.seed,
                               registry)
    except DataMissingError as exc:  # data absent here: skip with the fetch command, retried next run
        return {"status": "skipped", "error": str(exc)}
    method = method_cls(random_state=cell.seed, device=device, **cell.method_params)
    reason = method.skip(split)
    if reason:
        return {"status": "skipped", "error": reason}
    baseline = reset_peak_memory()
    result = _evaluate(method, split, cell, timer, cache_dir)
    result["peak_mem_mb"] = max(peak_memory_mib() - baseline, 0.0)
    timings = timer.times
    timings["total"] = sum(v for k, v in timings.items() if k != "load")
    result["timings"] = timings
    return result


@functools.lru_cache(maxsize=4)
def load_split(dataset: str, params_json: str, seed: int, registry: Registry) -> Split:
    """Load (and subsample) a dataset cell; cached so cells on the same data load it once."""
    params = json.loads(params_json)
    n_train, n_test = params.pop("n_train", 0), params.pop("n_test", 0)
    split = registry.dataset(dataset)().load(seed=seed, **params)
    return subsample(split, n_train=n_train, n_test=n_test, seed=seed)


def subsample(split: Split, *, n_train: int = 0, n_test: int = 0, seed: int = 0) -> Split:
    """Seeded random subsets of the train and test parts (0 keeps all rows)."""
    rng = np.random.default_rng([seed, 7919])

    def pick(X: np.ndarray, y: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        if not n or n >= X.shape[0]:
            return X, y
        idx = np.sort(rng.choice(X.shape[0], size=n, replace=False))
        return X[idx], y[idx]

    X_train, y_train = pick(split.X_train, split.y_train, n_train)
    X_test, y_test = pick(split.X_test, split.y_test, n_test)
    return Split(X_train, y_train, X_test, y_test, split.task, split.X_val, split.y_val, dict(split.metadata))


def _evaluate(method: Method, split: Split, cell: Cell, timer: PhaseTimer, cache_dir: Path | None) -> dict[str, Any]:
    settings = cell.settings
    X_all, y_all, fit_idx, val_idx = _train_validation(split, settings.val_fraction, cell.seed)
    X_test = split.X_test
    if method.input == "flat":
        X_all, X_test = X_all.reshape(len(X_all), -1), X_test.reshape(len(X_test), -1)
    elif X_all.ndim == 2:
        shape = (-1, *split.image_shape)
        X_all, X_test = X_all.reshape(shape), X_test.reshape(shape)
    out: dict[str, Any] = {"metrics": {"n_train": int(len(X_all)), "n_test": int(len(X_test)),
                                       "lossy_data": bool(split.metadata.get("lossy", False))}}
    m = out["metrics"]

    if method.output == "predictions":
        with timer("fit"):
            method.fit(X_all, y_all)
        with timer("predict"):
            prediction = np.asarray(method.predict(X_test))
        m.update(_score(split.task, split.y_test, prediction))
        return out
    if method.output not in ("features", "kernel"):
        raise ValueError(f"method {method.name!r} has unknown output {method.output!r}")

    targets, decode = _encode_targets(split, y_all)
    with timer("fit"):
        method.fit(X_all, y_all)
    with timer("featurize"):
        if method.output == "features":
            train_side = _check_output(method.transform(X_all), (len(X_all), None), "transform(X_train)")
            test_side = _check_output(method.transform(X_test), (len(X_test), train_side.shape[1]),
                                      "transform(X_test)")
            out["feature_dim"] = int(train_side.shape[1])
        else:
            train_side = _check_output(method.kernel(X_all, X_all), (len(X_all), len(X_all)), "kernel(X_train, X_train)")
            test_side = _check_output(method.kernel(X_test, X_all), (len(X_test), len(X_all)), "kernel(X_test, X_train)")
    with timer("solve"):
        best, val_scores = _select_ridge(method.output, train_side, targets, fit_idx, val_idx, split.task,
                                         settings.ridge_grid, decode, y_all)
        fit_class = RidgeFit.from_features if method.output == "features" else RidgeFit.from_kernel
        final = fit_class(train_side, targets, best)
    with timer("predict"):
        prediction = decode(final.predict(test_side))
    m.update(_score(split.task, split.y_test, prediction))
    m["ridge_relative"] = best
    m["val_score"] = val_scores[best]

    target = method.target_kernel()
    if settings.n_eval and target is not None:
        m.update(_kernel_quality(method.output, train_side, X_all, target, settings, cell.seed, cache_dir))
    return out


def _train_validation(split: Split, val_fraction: float, seed: int):
    """All training inputs (train ∪ given validation) and the fit/validation index sets within them."""
    if split.X_val is not None:
        X_all = np.concatenate([split.X_train, split.X_val])
        y_all = np.concatenate([split.y_train, split.y_val])
        n = len(split.X_train)
        return X_all, y_all, np.arange(n), np.arange(n, len(X_all))
    n = len(split.X_train)
    n_val = int(round(val_fraction * n))
    if n_val < 1 or n - n_val < 1:
        raise ValueError(f"training set of {n} rows is too small to hold out a validation split")
    perm = np.random.default_rng([seed, 104729]).permutation(n)
    return split.X_train, split.y_train, np.sort(perm[n_val:]), np.sort(perm[:n_val])


def _encode_targets(split: Split, y_all: np.ndarray):
    """Centred one-hot (classification) or standardised (regression) targets, and the decoder back."""
    if split.task == "classification":
        onehot = np.eye(split.n_classes)[y_all.astype(int)]
        mean = onehot.mean(axis=0)
        return onehot - mean, lambda scores: np.argmax(scores + mean, axis=1)
    y = y_all.astype(np.float64)
    mean, std = y.mean(axis=0), y.std(axis=0)
    if split.metadata.get("y_center_only"):  # e.g. CT slices in paper 1: targets centred, not scaled
        std = np.ones_like(std)
    std = np.where(std > 0, std, 1.0)
    shape = y.shape
    return (y - mean) / std, lambda scores: (scores * std + mean).reshape((-1, *shape[1:]))


def _select_ridge(output, train_side, targets, fit_idx, val_idx, task, grid, decode, y_all):
    """The relative ridge of ``grid`` with the best validation score, and every score."""
    if output == "features":
        path = RidgePath.from_features(train_side[fit_idx], targets[fit_idx])
        val_side = train_side[val_idx]
    else:
        path = RidgePath.from_kernel(train_side[np.ix_(fit_idx, fit_idx)], targets[fit_idx])
        val_side = train_side[np.ix_(val_idx, fit_idx)]
    y_val = y_all[val_idx]
    scores = {}
    for r in grid:
        pred = decode(path.predict(val_side, r * path.scale))
        scores[r] = metrics.accuracy(y_val, pred) if task == "classification" else -metrics.mse(y_val, pred)
    best = max(grid, key=lambda r: (scores[r], r))  # ties go to the larger, safer ridge
    return best, scores


def _score(task: str, y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    if task == "classification":
        acc = metrics.accuracy(y_true, y_pred)
        return {"test_accuracy": acc, "test_error": 1.0 - acc}
    value = metrics.mse(y_true, y_pred)
    return {"test_mse": value, "test_rmse": float(np.sqrt(value))}


def _kernel_quality(output, train_side, X_all, target: TargetKernel, settings, seed, cache_dir) -> dict[str, float]:
    n_eval = min(settings.n_eval, len(X_all))
    idx = np.sort(np.random.default_rng([seed, 15485863]).permutation(len(X_all))[:n_eval])
    if output == "features":
        phi = np.asarray(train_side[idx], dtype=np.float64)
        approx = phi @ phi.T
    else:
        approx = np.asarray(train_side[np.ix_(idx, idx)], dtype=np.float64)
    exact = exact_kernel(target, X_all[idx], cache_dir)
    lam = metrics.relative_ridge(exact, settings.spectral_ridge)
    return metrics.kernel_quality(exact, approx, lam)


_EXACT_CACHE: dict[str, np.ndarray] = {}


def exact_kernel(target: TargetKernel, X: np.ndarray, cache_dir: Path | None) -> np.ndarray:
    """The exact kernel matrix of ``X``, cached in memory and on disk by kernel name and data hash."""
    digest = hashlib.sha256(target.name.encode())
    digest.update(str((X.shape, X.dtype.str)).encode())
    digest.update(np.ascontiguousarray(X).tobytes())
    key = digest.hexdigest()[:32]
    if key in _EXACT_CACHE:
        return _EXACT_CACHE[key]
    path = None if cache_dir is None else Path(cache_dir) / f"{key}.npy"
    if path is not None and path.is_file():
        K = np.load(path)
    else:
        K = target(X, X)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npy")
            np.save(tmp, K)
            tmp.replace(path)  # atomic: a killed run never leaves a truncated cache file
    _EXACT_CACHE.clear()  # keep one matrix: evaluation subsets are cell-specific
    _EXACT_CACHE[key] = K
    return K


def _check_output(array: Any, shape: tuple[int | None, int | None], what: str) -> np.ndarray:
    arr = np.asarray(array)
    if arr.ndim != 2 or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
        raise ValueError(f"{what} returned shape {arr.shape}, expected {shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} returned NaN or infinite values")
    return arr


def _short_traceback(limit: int = 4000) -> str:
    text = traceback.format_exc()
    return text[-limit:]
