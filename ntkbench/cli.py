"""Command line: ``ntkbench list | prepare | run | report | export | cache``."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from tabulate import tabulate

LISTS = ("all", "methods", "datasets")


def _collection_param(cls) -> str | None:
    """The parameter that picks a member of a collection (``name``, else a grouped one), or None."""
    if "name" in cls.params:
        return "name"
    return next(iter(cls.groups), None)


def _members(cls, param: str) -> list:
    """Every value of ``param`` the adapter knows: its valid choices, group members, default grid."""
    values = [*getattr(cls, "choices", {}).get(param, [])]
    for group in cls.groups.get(param, {}).values():
        values.extend(group)
    values.extend(cls.params.get(param, []))
    return list(dict.fromkeys(values))


def _list_collection(name: str, cls) -> None:
    """One row per member: its groups, facts known without reading data, and whether it is present."""
    param = _collection_param(cls)
    dataset = cls()
    groups = cls.groups.get(param, {})
    facts, present, missing = {}, {}, []
    for member in _members(cls, param):
        facts[member] = getattr(dataset, "member_facts", lambda _: {})(member)
        try:
            reason = dataset.unavailable(**{param: member})
        except Exception as exc:  # an invalid member must not hide the others
            reason = f"{type(exc).__name__}: {exc}"
        present[member] = reason is None
        if reason is not None:
            missing.append(reason)
    keys = list(dict.fromkeys(k for f in facts.values() for k in f))
    rows = []
    for member, known in facts.items():
        row = [member, *(known.get(k, "") for k in keys)]
        if groups:
            row.append(", ".join(g for g, ms in groups.items() if member in ms))
        rows.append(row + ["yes" if present[member] else "no"])
    shown = ", ".join(f"{g} ({len(ms)})" for g, ms in groups.items())
    print(f"{name}: {len(rows)} members, {sum(present.values())} present; choose one with "
          f"{param} = ..." + (f", or a group: {shown}" if shown else ""))
    print(tabulate(rows, headers=[param, *keys] + (["groups"] if groups else []) + ["present"], tablefmt="simple"))
    if missing:
        print(f"\n{len(missing)} not present" + (", e.g." if len(missing) > 1 else ":") + f" {missing[0]}")


def _cmd_list(args: argparse.Namespace) -> int:
    from ntkbench.harness.registry import discover

    registry = discover()
    for source, error in sorted(registry.errors.items()):
        print(f"warning: {source} failed to load: {error}", file=sys.stderr)
    collections = sorted(n for n, cls in registry.datasets.items() if _collection_param(cls))
    if args.what not in LISTS:
        if args.what not in collections:
            what = (f"dataset {args.what!r} is not a collection (`ntkbench list datasets` shows it)"
                    if args.what in registry.datasets else f"unknown list {args.what!r}")
            raise ValueError(f"{what}; valid: {', '.join(LISTS)} or a collection: {', '.join(collections) or '(none)'}")
        _list_collection(args.what, registry.datasets[args.what])
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
    return 0


def _cmd_prepare(args: argparse.Namespace) -> int:
    from ntkbench.data import prepare

    for name in args.names:
        prepare(name)
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from ntkbench.harness.runner import RunOptions, run_suite
    from ntkbench.harness.store import Store, default_store_path
    from ntkbench.harness.suite import load_suite, select_cells
    from ntkbench.report.build import suite_frame

    suite = load_suite(args.suite)
    defined = len(suite.cells)
    if args.only:
        suite = dataclasses.replace(suite, cells=select_cells(suite.cells, args.only))
    selected = f", {len(suite.cells)} selected by --only" if args.only else ""
    if args.dry_run:
        return _dry_run(suite, Path(args.store) if args.store else default_store_path(), args.force,
                        f"suite {suite.name}: {defined} cells{selected} ({suite.path})")
    options = RunOptions(jobs=args.jobs, force=args.force, device=args.device, time_limit=args.time_limit,
                         memory_limit_mb=args.memory_limit, progress=not args.no_progress, threads=args.threads,
                         scheduler=args.scheduler)
    with Store(args.store) as store:
        print(f"suite {suite.name}: {defined} cells{selected} ({suite.path}); store {store.path}")
        summary = run_suite(suite, store, options)
        frame = suite_frame(suite, store)
    print(f"{summary.cached} cells already finished (skipped); ran {len(summary.rows)}: "
          + (", ".join(f"{k} {v}" for k, v in sorted(summary.counts().items())) or "nothing"))
    _print_summary(frame)
    _print_outcomes(frame, summary)
    return 1 if summary.failed else 0


def _dry_run(suite, store_path: Path, force: bool, heading: str) -> int:
    """Print the cells (a line per method and dataset, their seeds by state) and whether the store
    holds them finished; run nothing, write nothing."""
    import pandas as pd

    from ntkbench.harness.runner import pending_cells
    from ntkbench.harness.store import Store
    from ntkbench.report.build import with_display_labels

    finished: set[str] = set()
    if store_path.is_file():
        with Store(store_path, readonly=True) as store:
            finished = store.finished_keys()
    todo = {cell.key for cell in pending_cells(suite, finished, force)}
    cells = pd.DataFrame([{"key": c.key, "method": c.method, "method_params": dict(c.method_params),
                           "dataset": c.dataset, "dataset_params": dict(c.dataset_params), "seed": c.seed,
                           "todo": c.key in todo} for c in suite.cells])
    cells = with_display_labels(cells, suite.cells)
    rows = []
    for (dataset, method), group in cells.groupby(["dataset_display", "method_display"], sort=False):
        seeds = [", ".join(map(str, group.loc[group["todo"] == state, "seed"])) for state in (False, True)]
        rows.append([dataset, method, *seeds])
    print(f"{heading}; store {store_path}")
    print(tabulate(rows, headers=["dataset", "method", "finished seeds", "seeds to run"], tablefmt="simple",
                   maxcolwidths=[40, 60, None, None]))
    print(f"dry run: {len(suite.cells) - len(todo)} cells finished, {len(todo)} to run; nothing was run")
    return 0


def _print_outcomes(frame, summary) -> None:
    """One line per failed or skipped cell with its reason, and a note where a size asked for
    exceeded the data (all rows were used)."""
    if not summary.rows:
        return
    labels = frame.set_index("key")[["method_display", "dataset_display"]]
    for row in summary.failed + summary.skipped:
        method, dataset = labels.loc[row["key"]]
        print(f"{row['status']}: {method} on {dataset}, seed {row['seed']}: {_reason(row['error'])}")
    used: dict[tuple[str, str], tuple[int, int]] = {}
    for row in summary.rows:
        for size in ("n_train", "n_test"):
            asked, got = row["dataset_params"].get(size, 0), row["metrics"].get(size)
            if row["status"] == "ok" and asked and got is not None and got < asked:
                used[(labels.loc[row["key"], "dataset_display"], size)] = (asked, got)
    for (dataset, size), (asked, got) in used.items():
        print(f"note: {dataset}: {size} = {asked} asked, but the data has {got} such rows; "
              f"all {got} were used (the rows' metrics record {size})")
    if summary.skipped:
        print(f"{len(summary.skipped)} cells skipped (missing data or dependency, or unsuitable input): "
              "not failures; the next run tries them again")
    if summary.failed:
        print(f"{len(summary.failed)} cells failed (error or timeout): exit status 1")


def _reason(error: str | None, width: int = 200) -> str:
    """The error of a row on one line: its message without the traceback, shortened to ``width``."""
    text = " ".join((error or "no reason recorded").split("Traceback (most recent call last)")[0].split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_summary(frame) -> None:
    from ntkbench.report.tables import test_metric

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

    p = sub.add_parser("list", help="list methods and datasets with their parameters and availability, "
                                    "or the members of one collection (e.g. `ntkbench list uci_fd121`)")
    p.add_argument("what", nargs="?", default="all", metavar="{all,methods,datasets,COLLECTION}")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("prepare", help="download a dataset into the data home and verify it")
    p.add_argument("names", nargs="+", metavar="NAME")
    p.set_defaults(func=_cmd_prepare)

    store_help = "result store (SQLite file); default results/ntkbench.sqlite"
    p = sub.add_parser("run", help="run a suite (a name under reports/ or a path to a suite.toml)",
                       epilog="exit status: 0 when no cell failed (skipped cells do not count), "
                              "1 when a cell failed (error or timeout), 2 for an invalid suite or option")
    p.add_argument("suite")
    p.add_argument("--only", action="append", default=[], metavar="PATTERN",
                   help="run only the methods or datasets whose name or label contains PATTERN or matches "
                        "it as a glob; repeatable: patterns of one side add up, the method and dataset "
                        "sides combine (--only rff --only digits: rff on digits)")
    p.add_argument("--dry-run", action="store_true",
                   help="list the cells and which are finished in the store; run nothing")
    p.add_argument("--jobs", "-j", type=int, default=1, help="worker processes (0: run in this process)")
    p.add_argument("--force", action="store_true", help="recompute cells that already finished")
    p.add_argument("--store", default=None, help=store_help)
    p.add_argument("--device", default="cpu", help="torch device for the methods, e.g. cuda:0")
    p.add_argument("--time-limit", type=float, default=None, help="seconds per cell (overrides the suite)")
    p.add_argument("--memory-limit", type=float, default=None, help="MiB per cell, 0 = none (overrides the suite)")
    p.add_argument("--threads", type=int, default=None,
                   help="torch/BLAS threads per worker (default: cores divided among the workers)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run the cells on a Dask cluster: its scheduler's address (tcp://HOST:PORT), or "
                        "'local' for a local cluster of --jobs workers; needs dask[distributed]")
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
