"""Command line: ``ntkbench list | prepare | run | report | export | cache``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tabulate import tabulate


def _cmd_list(args: argparse.Namespace) -> int:
    from ntkbench.harness.registry import discover

    registry = discover()
    if args.what in ("all", "methods"):
        rows = []
        for name, cls in sorted(registry.methods.items()):
            reason = cls.missing_requirements()
            grid = "; ".join(f"{k}={v}" for k, v in cls.params.items())
            rows.append([name, cls.output, cls.input, "yes" if reason is None else f"no: {reason}", grid])
        print("Methods")
        print(tabulate(rows, headers=["name", "output", "input", "available", "parameters (default grid)"],
                       tablefmt="simple", maxcolwidths=[None, None, None, 40, 70]))
    if args.what in ("all", "datasets"):
        rows = []
        for name, cls in sorted(registry.datasets.items()):
            try:
                dataset = cls()
                facts, reason = dataset.describe(), dataset.unavailable()
            except Exception as exc:  # one broken adapter must not hide the others
                facts, reason = {}, f"{type(exc).__name__}: {exc}"
            grid = "; ".join(f"{k}={v}" for k, v in cls.params.items())
            grid += "".join(f"; {k} groups: {', '.join(g)}" for k, g in cls.groups.items())
            rows.append([name, facts.get("task", cls.task), facts.get("n", "?"), facts.get("d", "?"),
                         "yes" if reason is None else f"no: {reason}", grid])
        print("\nDatasets (every dataset also takes n_train, n_test: seeded subsampling, 0 = all)")
        print(tabulate(rows, headers=["name", "task", "n", "d", "data present", "parameters (default grid)"],
                       tablefmt="simple", maxcolwidths=[None, None, None, None, 50, 60]))
    for source, error in sorted(registry.errors.items()):
        print(f"warning: {source} failed to load: {error}", file=sys.stderr)
    return 0


def _cmd_prepare(args: argparse.Namespace) -> int:
    from ntkbench.data import prepare

    for name in args.names:
        prepare(name)
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from ntkbench.harness.runner import RunOptions, run_suite
    from ntkbench.harness.store import Store
    from ntkbench.harness.suite import load_suite

    suite = load_suite(args.suite)
    options = RunOptions(jobs=args.jobs, force=args.force, device=args.device, time_limit=args.time_limit,
                         memory_limit_mb=args.memory_limit, progress=not args.no_progress, threads=args.threads)
    with Store(args.store) as store:
        print(f"suite {suite.name}: {len(suite.cells)} cells ({suite.path}); store {store.path}")
        summary = run_suite(suite, store, options)
        print(f"{summary.cached} cells already finished (skipped); ran {len(summary.rows)}: "
              + (", ".join(f"{k} {v}" for k, v in sorted(summary.counts().items())) or "nothing"))
        _print_summary(suite, store)
    return 0


def _print_summary(suite, store) -> None:
    from ntkbench.report.build import suite_frame
    from ntkbench.report.tables import test_metric

    frame = suite_frame(suite, store)
    if frame.empty:
        return
    rows = []
    for (dataset, method), group in frame.groupby(["dataset_display", "method_display"], sort=False):
        ok = group[group["status"] == "ok"]
        column, name = test_metric(frame[frame["dataset_display"] == dataset])
        value = ok[column].median() if column in ok and not ok.empty else float("nan")
        eps = ok["m_spectral_eps"].median() if "m_spectral_eps" in ok and not ok.empty else float("nan")
        time = ok["t_total"].median() if "t_total" in ok and not ok.empty else float("nan")
        rows.append([dataset, method, f"{len(ok)}/{len(group)}", f"{name.split()[-1]} {value:.4g}",
                     f"{eps:.3g}", f"{time:.3g}"])
    print(tabulate(rows, headers=["dataset", "method", "ok", "test (median)", "spectral ε", "total s"],
                   tablefmt="simple", maxcolwidths=[28, 48, None, None, None, None]))


def _cmd_report(args: argparse.Namespace) -> int:
    from ntkbench.harness.store import Store, StoreError, default_store_path, missing_store_message
    from ntkbench.harness.suite import load_suite
    from ntkbench.report import build_report

    suite = load_suite(args.suite)
    path = Path(args.store) if args.store else default_store_path()
    if not path.is_file():
        raise StoreError(missing_store_message(path, suite.name))
    with Store(path, readonly=True) as store:
        readme = build_report(suite, store, Path(args.out) if args.out else None)
    print(f"report written: {readme}")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from ntkbench.harness.store import Store
    from ntkbench.harness.suite import load_suite

    if args.output == "-" and args.format != "csv":
        raise ValueError(f"{args.format} cannot be written to standard output; give a file with --output")
    keys = [c.key for c in load_suite(args.suite).cells] if args.suite else None
    with Store(args.store, readonly=True) as store:
        if args.output == "-":
            store.frame(keys).to_csv(sys.stdout, index=False)
            return 0
        path = store.export(Path(args.output or f"results/ntkbench.{args.format}"), args.format, keys)
    print(f"exported to {path}")
    return 0


def _cmd_cache(args: argparse.Namespace) -> int:
    from ntkbench.harness.kernel_cache import SIZE_VARIABLE, ExactKernelCache
    from ntkbench.harness.store import default_store_path

    store = Path(args.store) if args.store else default_store_path()
    cache = ExactKernelCache(store.parent / "kernel_cache")
    if args.action == "clear":
        removed = cache.clear(args.older_than)
        print(f"removed {len(removed)} file{'' if len(removed) == 1 else 's'} "
              f"({_size(sum(e.size for e in removed))}) from {cache.directory}")
        return 0
    entries = cache.entries()
    if not entries:
        print(f"no cached kernel matrices in {cache.directory}")
        return 0
    rows = [[e.path.name, f"{e.size:,}", e.last_used_text] for e in reversed(entries)]
    print(f"exact-kernel cache {cache.directory} (most recently used first)")
    print(tabulate(rows, headers=["file", "bytes", "last used (UTC)"], tablefmt="simple"))
    print(f"{len(entries)} files, {_size(sum(e.size for e in entries))} of the {_size(cache.max_bytes)} "
          f"bound (set it in MiB with {SIZE_VARIABLE})")
    return 0


def _size(count: float) -> str:
    """A byte count for people: ``6.5 KiB``, ``4 GiB``."""
    for unit in ("B", "KiB", "MiB"):
        if count < 1024:
            return f"{count:.4g} {unit}"
        count /= 1024
    return f"{count:.4g} GiB"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ntkbench", description="Benchmarks of scalable neural-kernel approximations.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="list methods and datasets with their parameters and availability")
    p.add_argument("what", nargs="?", choices=["all", "methods", "datasets"], default="all")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("prepare", help="download a dataset into the data home and verify it")
    p.add_argument("names", nargs="+", metavar="NAME")
    p.set_defaults(func=_cmd_prepare)

    store_help = "result store (SQLite file); default results/ntkbench.sqlite"
    p = sub.add_parser("run", help="run a suite (a name under reports/ or a path to a suite.toml)")
    p.add_argument("suite")
    p.add_argument("--jobs", "-j", type=int, default=1, help="worker processes (0: run in this process)")
    p.add_argument("--force", action="store_true", help="recompute cells that already finished")
    p.add_argument("--store", default=None, help=store_help)
    p.add_argument("--device", default="cpu", help="torch device for the methods, e.g. cuda:0")
    p.add_argument("--time-limit", type=float, default=None, help="seconds per cell (overrides the suite)")
    p.add_argument("--memory-limit", type=float, default=None, help="MiB per cell, 0 = none (overrides the suite)")
    p.add_argument("--threads", type=int, default=None,
                   help="torch/BLAS threads per worker (default: cores divided among the workers)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("report", help="write reports/<suite>/README.md, plots and results.csv from the store")
    p.add_argument("suite")
    p.add_argument("--store", default=None, help=store_help)
    p.add_argument("--out", default=None, help="output folder (default: the suite's folder)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("export", help="export the store as one tidy table")
    p.add_argument("--format", choices=["csv", "parquet"], default="csv")
    p.add_argument("--output", "-o", default=None,
                   help="output file, or - for CSV on standard output (default results/ntkbench.FORMAT)")
    p.add_argument("--suite", default=None, help="only the cells of this suite")
    p.add_argument("--store", default=None, help=store_help)
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("cache", help="list or clear the exact-kernel cache (kept beside the store)")
    p.add_argument("action", choices=["list", "clear"])
    p.add_argument("--older-than", type=float, default=None, metavar="DAYS",
                   help="clear only matrices last used more than DAYS days ago")
    p.add_argument("--store", default=None, help=store_help + "; the cache is its folder's kernel_cache/")
    p.set_defaults(func=_cmd_cache)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ntkbench`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError) as exc:
        print(f"ntkbench: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
