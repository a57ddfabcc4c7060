"""One look for every figure, table and the highlighted text: target styles, names and stance colours.

Each target keeps one style (colour, marker, line style) wherever it appears, in notebooks
01-04 and in the HTML. The default targets (``russia``, ``west``, ``ngos``, in the order of
the packaged targets file) hold the first styles; any other target takes the next free
style, in alphabetical order of the names, so that the same set of targets is drawn alike in
every figure whatever the order of the table. Colours are Okabe & Ito's (2008),
distinguishable with every common colour-vision deficiency; markers and line styles make the
figures survive greyscale. Stance is coloured with ColorBrewer's RdBu (red critical, white
neutral, blue favorable).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["STANCE_CMAP", "TARGET_COLORS", "TargetStyle", "stance_color", "target_labels", "target_styles"]

TARGET_COLORS = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES = ("-", "--", "-.", ":")
STANCE_CMAP = "RdBu"


@dataclass(frozen=True)
class TargetStyle:
    """How a target is drawn: a line/marker colour, a marker and a line style (matplotlib names)."""

    color: str
    marker: str
    linestyle: str

    def as_kwargs(self) -> dict:
        """Return ``color``, ``marker`` and ``linestyle`` for ``Axes.plot``."""
        return {"color": self.color, "marker": self.marker, "linestyle": self.linestyle}


def _style(index: int) -> TargetStyle:
    return TargetStyle(TARGET_COLORS[index % len(TARGET_COLORS)], MARKERS[index % len(MARKERS)],
                       LINESTYLES[index % len(LINESTYLES)])


@functools.cache
def _default_targets() -> tuple[tuple[str, str], ...]:
    from .targets import load_targets

    return tuple((name, target.label) for name, target in load_targets().items())


def target_styles(names: Iterable[str]) -> dict[str, TargetStyle]:
    """Return the style of each target: defaults first, the others next in alphabetical order.

    Parameters
    ----------
    names : iterable of str
        Target names, e.g. ``table["target"].unique()``.

    Returns
    -------
    dict of str to TargetStyle
        In that fixed order (defaults, then the others alphabetically): the order of legends.

    Examples
    --------
    >>> target_styles(["west", "russia"])["russia"].color
    '#D55E00'
    """
    names = list(dict.fromkeys(names))
    order = [name for name, _ in _default_targets()]
    order += sorted(name for name in names if name not in order)
    return {name: _style(index) for index, name in enumerate(order) if name in names}


def target_labels(names: Iterable[str], labels: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return each target's display name: ``labels``, else the targets file's label, else the name; capitalised."""
    chosen = {**dict(_default_targets()), **(labels or {})}
    out = {}
    for name in dict.fromkeys(names):
        label = chosen.get(name, name.replace("_", " "))
        out[name] = label[:1].upper() + label[1:]
    return out


def stance_color(score: float, strength: float = 1.0) -> str:
    """Return the RdBu colour of a stance score in [-1, 1] as hex; ``strength`` < 1 pales it."""
    import matplotlib

    rgba = np.array(matplotlib.colormaps[STANCE_CMAP]((float(np.clip(score, -1, 1)) + 1) / 2))
    rgb = 1 - strength * (1 - rgba[:3])
    return matplotlib.colors.to_hex(rgb)
