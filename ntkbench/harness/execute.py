"""Run one cell: load data, fit and apply the method, and measure it the same way for every method."""

from __future__ import annotations

import functools
import json
import tempfile
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from ntkbench.contracts import Method, Split
from ntkbench.data.errors import DataMissingError
from ntkbench.data.splits import subsample
from ntkbench.harness import metrics
from ntkbench.harness.kernel_cache import ExactKernelCache
from ntkbench.harness.featurize import feature_budget_bytes, featurize
from ntkbench.harness.fingerprint import object_fingerprint
from ntkbench.harness.quality import evaluation_subset, kernel_quality
from ntkbench.harness.registry import Registry
from ntkbench.harness.rows import make_row
from ntkbench.harness.suite import UNIVERSAL_DATASET_PARAMS, Cell
from ntkbench.harness.timing import PhaseTimer
from ntkbench.solvers import RidgeFit
from ntkbench.solvers.encoding import ridge_targets
from ntkbench.solvers.selection import holdout_indices, select_ridge
from ntkbench.solvers.streaming import normal_equations, select_ridge_streamed, streamed_predict


#: The phases whose time and memory belong to the method (loading data and measuring kernel
#: quality are the harness's work and are excluded from ``peak_mem_mb``).
METHOD_PHASES = ("fit", "featurize", "solve", "predict")


def execute_cell(cell: Cell, registry: Registry, *, suite: str, cache_dir: Path | None = None,
                 device: str = "cpu") -> dict[str, Any]:
    """Run ``cell`` and return its store row; exceptions become rows with status ``error``."""
    try:
        outcome = _run(cell, registry, cache_dir=cache_dir, device=device)
    except Exception as exc:  # a failing cell is a result, not a crash of the suite
        outcome = {"status": "error", "error": f"{type(exc).__name__}: {exc}\n{_short_traceback()}"}
    return make_row(cell, suite, device, **outcome)


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
    # Features too large for memory go to files here (TMPDIR), removed with the cell.
    with tempfile.TemporaryDirectory(prefix="ntkbench-features-") as scratch:
        result = _evaluate(method, split, cell, timer, cache_dir, Path(scratch))
    memory = {phase: timer.memory[phase] for phase in METHOD_PHASES if phase in timer.memory}
    result["peak_mem_mb"] = max(memory.values(), default=0.0)
    result["metrics"].update({f"mem_{phase}_mb": value for phase, value in memory.items()})
    result["metrics"].update({f"gpu_mem_{phase}_mb": value for phase, value in timer.gpu_memory.items()
                              if phase in METHOD_PHASES})
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


def _evaluate(method: Method, split: Split, cell: Cell, timer: PhaseTimer, cache_dir: Path | None,
              scratch: Path) -> dict[str, Any]:
    settings = cell.settings
    X_all, y_all, fit_idx, val_idx = _train_validation(split, settings.val_fraction, cell.seed)
    X_test = split.X_test
    if method.input == "flat":
        X_all, X_test = X_all.reshape(len(X_all), -1), X_test.reshape(len(X_test), -1)
    elif X_all.ndim == 2:
        shape = (-1, *split.image_shape)
        X_all, X_test = X_all.reshape(shape), X_test.reshape(shape)
    out: dict[str, Any] = {"metrics": {"n_train": int(len(X_all)), "n_test": int(len(X_test)),
                                       "d": int(np.prod(X_all.shape[1:])),
                                       "lossy_data": bool(split.metadata.get("lossy", False))}}
    m = out["metrics"]

    if method.output == "predictions":
        X_fit, y_fit, requests = _fit_requests(method, split, X_all, y_all, fit_idx, val_idx)
        with timer("fit"):
            method.fit(X_fit, y_fit, **requests)
        with timer("predict"):
            prediction, variance = method.predict_with_variance(X_test)
        prediction = np.asarray(prediction)
        m.update(_score(split.task, split.y_test, prediction))
        if variance is not None and split.task == "regression":
            m["test_nlpd"] = metrics.gaussian_nlpd(split.y_test, prediction, variance)
        return out
    if method.output not in ("features", "kernel"):
        raise ValueError(f"method {method.name!r} has unknown output {method.output!r}")

    targets, decode = ridge_targets(split.task, y_all, n_classes=split.n_classes if split.task == "classification"
                                    else None, center_only=bool(split.metadata.get("y_center_only")))
    with timer("fit"):
        method.fit(X_all, y_all)
    with timer("featurize"):
        if method.output == "features":
            budget = feature_budget_bytes()
            train_side = _check_output(featurize(method, X_all, name="train", directory=scratch, budget=budget),
                                       (len(X_all), None), "transform(X_train)")
            test_side = _check_output(featurize(method, X_test, name="test", directory=scratch, budget=budget),
                                      (len(X_test), train_side.shape[1]), "transform(X_test)")
            out["feature_dim"] = int(train_side.shape[1])
        else:
            train_side = _check_output(method.kernel(X_all, X_all), (len(X_all), len(X_all)), "kernel(X_train, X_train)")
            test_side = _check_output(method.kernel(X_test, X_all), (len(X_test), len(X_all)), "kernel(X_test, X_train)")
    # Features written to files (too large for memory) are solved from streamed normal equations.
    streamed = isinstance(train_side, np.memmap)
    out["metrics"]["out_of_core"] = streamed
    with timer("solve"):
        y_val = y_all[val_idx]
        select = select_ridge_streamed if streamed else functools.partial(select_ridge, method.output)
        best, val_scores = select(train_side, targets, fit_idx, val_idx, settings.ridge_grid,
                                  lambda scores: _validation_score(split.task, y_val, decode(scores)))
        if streamed:
            final = normal_equations(train_side, targets).fit(best)
        else:
            fit_class = RidgeFit.from_features if method.output == "features" else RidgeFit.from_kernel
            final = fit_class(train_side, targets, best)
    with timer("predict"):
        prediction = decode(streamed_predict(test_side, final.coef) if streamed else final.predict(test_side))
    m.update(_score(split.task, split.y_test, prediction))
    m["ridge_relative"] = best
    m["val_score"] = val_scores[best]

    target = method.target_kernel()
    if settings.n_eval and target is not None:
        held_out = settings.kernel_eval_on == "test"
        X_eval = X_test if held_out else X_all
        idx = evaluation_subset(len(X_eval), settings.n_eval, cell.seed)
        approx = _method_gram(method, test_side if held_out else train_side, X_eval, idx, gram=not held_out)
        m.update(kernel_quality(approx, X_eval[idx], target, spectral_ridge=settings.spectral_ridge,
                                cache=_kernel_cache(cache_dir), code=object_fingerprint(target.function)))
        m["n_eval"] = int(len(idx))
        m["target_kernel"] = target.name
    return out


def _fit_requests(method: Method, split: Split, X_all: np.ndarray, y_all: np.ndarray, fit_idx: np.ndarray,
                  val_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """The training data and the keyword arguments that ``method.fit`` asks for (``fit_requests``).

    A method that asks for the validation split is fitted on the other training rows only.
    """
    unknown = set(method.fit_requests) - {"validation", "task", "n_classes"}
    if unknown:
        raise ValueError(f"method {method.name!r} requests unknown fit arguments {sorted(unknown)}")
    requests: dict[str, Any] = {}
    if "task" in method.fit_requests:
        requests["task"] = split.task
    if "n_classes" in method.fit_requests:
        requests["n_classes"] = split.n_classes if split.task == "classification" else None
    if "validation" in method.fit_requests:
        requests["validation"] = (X_all[val_idx], y_all[val_idx])
        return X_all[fit_idx], y_all[fit_idx], requests
    return X_all, y_all, requests


def _method_gram(method: Method, side: np.ndarray, X: np.ndarray, idx: np.ndarray, *, gram: bool) -> np.ndarray:
    """The method's kernel matrix on the rows ``idx`` of ``X``.

    ``side`` holds the features of ``X`` (feature methods), or its kernel: the Gram matrix of ``X``
    when ``gram`` (training rows), else the kernel with the training rows, in which case the
    method is asked for the kernel of the held-out rows afresh.
    """
    if method.output == "features":
        phi = np.asarray(side[idx], dtype=np.float64)
        return phi @ phi.T
    if gram:
        return np.asarray(side[np.ix_(idx, idx)], dtype=np.float64)
    points = X[idx]
    return _check_output(method.kernel(points, points), (len(idx), len(idx)), "kernel(X_eval, X_eval)")


def _train_validation(split: Split, val_fraction: float, seed: int):
    """All training inputs (train ∪ given validation) and the fit/validation index sets within them."""
    if split.X_val is not None:
        X_all = np.concatenate([split.X_train, split.X_val])
        y_all = np.concatenate([split.y_train, split.y_val])
        n = len(split.X_train)
        return X_all, y_all, np.arange(n), np.arange(n, len(X_all))
    fit_idx, val_idx = holdout_indices(len(split.X_train), val_fraction, seed)
    return split.X_train, split.y_train, fit_idx, val_idx


@functools.lru_cache(maxsize=2)
def _kernel_cache(directory: Path | None) -> ExactKernelCache:
    """One cache object per folder and process, so the last matrix is also kept in memory."""
    return ExactKernelCache(directory)


def _validation_score(task: str, y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Accuracy (classification) or minus the MSE: higher is better."""
    return metrics.accuracy(y_true, y_pred) if task == "classification" else -metrics.mse(y_true, y_pred)


def _score(task: str, y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    if task == "classification":
        acc = metrics.accuracy(y_true, y_pred)
        return {"test_accuracy": acc, "test_error": 1.0 - acc}
    value = metrics.mse(y_true, y_pred)
    return {"test_mse": value, "test_rmse": float(np.sqrt(value))}


def _check_output(array: Any, shape: tuple[int | None, int | None], what: str) -> np.ndarray:
    arr = array if isinstance(array, np.memmap) else np.asarray(array)
    if arr.ndim != 2 or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
        raise ValueError(f"{what} returned shape {arr.shape}, expected {shape}")
    # A memory map was checked chunk by chunk as it was written; checking it whole would read it all.
    if not isinstance(arr, np.memmap) and not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} returned NaN or infinite values")
    return arr


def _short_traceback(limit: int = 4000) -> str:
    text = traceback.format_exc()
    return text[-limit:]
