"""The environment a result was measured in: code version, library versions, threads, device."""

from __future__ import annotations

import functools
import importlib.metadata
import os
import platform
import subprocess

from ntkbench.harness.registry import project_root

_PACKAGES = ("ntkbench", "numpy", "scipy", "scikit-learn", "torch")
#: Where a change (edited or new files) makes results differ from the commit's; generated reports
#: and notes elsewhere in the tree do not.
_CODE_PATHS = ("ntkbench", "methods", "datasets", "pyproject.toml")


@functools.lru_cache(maxsize=1)
def environment(device: str = "cpu") -> dict[str, object]:
    """Git commit (in full, with ``-dirty`` when the code differs from it: edited or untracked files
    under ntkbench/, methods/, datasets/), package versions, thread count, CPU and device."""
    import torch

    info: dict[str, object] = {
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "threads": torch.get_num_threads(),
        "device": device,
    }
    if device.startswith("cuda") and torch.cuda.is_available():
        info["device_name"] = torch.cuda.get_device_name(torch.device(device))
    for name in _PACKAGES:
        try:
            info[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            info[name] = None
    return info


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(project_root()), "rev-parse", "HEAD"],
                             capture_output=True, text=True, timeout=10, check=True)
        dirty = subprocess.run(["git", "-C", str(project_root()), "status", "--porcelain", "--", *_CODE_PATHS],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return out.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
