"""ntkbench: scalable approximations of neural kernels, and a harness that measures them alike."""

__version__ = "0.1.0"

from ntkbench.arch import Arch  # noqa: E402

__all__ = ["Arch", "__version__"]
