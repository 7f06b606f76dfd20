"""How methods look in every plot of every report: one colour per method, whatever else is drawn."""

from __future__ import annotations

import hashlib
import textwrap

from matplotlib import colormaps

_PALETTE = colormaps["tab20"].colors

#: Fixed colours for the methods in this repository, so that no two share one; other methods get
#: a colour from a hash of their name (stable across runs and reports).
_FIXED = {
    "exact_fc": 14, "exact_cntk": 15, "exact_myrtle": 7,
    "ntk_sketch": 0, "ntk_random_features": 2, "cntk_sketch": 1,
    "nystrom_ntk": 4, "rff": 6, "nystrom": 5, "falkon": 9, "gp": 8, "trained_net": 10,
}

_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def method_colour(method: str) -> tuple[float, float, float]:
    """The colour of ``method`` in every plot."""
    index = _FIXED.get(method)
    if index is None:
        index = int(hashlib.sha256(method.encode()).hexdigest(), 16) % len(_PALETTE)
    return _PALETTE[index]


def series_marker(position: int) -> str:
    """Marker of the ``position``-th configuration of one method (colour tells the method)."""
    return _MARKERS[position % len(_MARKERS)]


def wrap_title(text: str, width: int = 48) -> str:
    """``text`` broken into lines of at most ``width`` characters (long tokens broken too), never cut."""
    return "\n".join(textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False)) or text
