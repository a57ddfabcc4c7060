"""The project's figure style and the helpers its figure modules share.

One paper style (at most 6.5 in wide, 9 pt text), :func:`save_figure` (PNG at 300 dpi and
SVG, written atomically), the grey hatched cell that means "absent", and small helpers for
paragraph axes, titles and figures with nothing to draw. The figures themselves are in
:mod:`edm_stance.plots` (stance) and :mod:`edm_stance.frame_plots` (issue frames).
"""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .output import atomic_write

__all__ = ["ABSENT_COLOR", "ABSENT_HATCH", "PAPER_STYLE", "PAPER_WIDTH", "paper_style", "save_figure"]

PAPER_WIDTH = 6.5  # inches: the text width of a one-column paper
PAPER_STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.8,
    "lines.linewidth": 1.6,
    "lines.markersize": 6,
    "hatch.linewidth": 0.6,
    "figure.dpi": 110,
    "savefig.dpi": 300,
    "svg.fonttype": "none",
    "figure.constrained_layout.use": True,
}
# Paul Tol's "muted" qualitative scheme, colour-blind safe, for up to nine frames.
ABSENT_COLOR = "#D9D9D9"
ABSENT_HATCH = "////"


@contextlib.contextmanager
def paper_style() -> Iterator[None]:
    """Apply the project's figure style inside a ``with`` block (matplotlib rc_context)."""
    import matplotlib.pyplot as plt

    with plt.rc_context(PAPER_STYLE):
        yield


def save_figure(figure, output_dir: str | Path, name: str, *, formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Save ``figure`` as ``output_dir/name.png`` and ``.svg`` (atomically); return the paths.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    output_dir : str or Path
        Created if missing.
    name : str
        File name without extension.
    formats : sequence of str
        Any format matplotlib writes.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    with paper_style():
        for fmt in formats:
            path = output_dir / f"{name}.{fmt}"
            with atomic_write(path) as tmp:
                figure.savefig(tmp, format=fmt, bbox_inches="tight", pad_inches=0.05,
                               metadata={"Date": None} if fmt == "svg" else None)
            paths.append(path)
    return paths


def subplots(*args, **kwargs):
    """``plt.subplots``, closed at once: the caller owns the figure, pyplot does not show it twice."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(*args, **kwargs)
    plt.close(fig)
    return fig, axes


def width_for(n_paragraphs: int, per_paragraph: float = 0.5, minimum: float = 4.2) -> float:
    return float(np.clip(2.6 + per_paragraph * n_paragraphs, minimum, PAPER_WIDTH))


def paragraph_axis(ax, paragraphs: Sequence[int]) -> None:
    from matplotlib.ticker import MaxNLocator

    lo, hi = (min(paragraphs), max(paragraphs)) if len(paragraphs) else (1, 1)
    ax.set_xlim(lo - 0.5, hi + 0.5)
    if hi - lo < 25:
        ax.set_xticks(range(lo, hi + 1))
    else:  # long articles: a dozen round numbers, so that the labels never overlap
        ax.xaxis.set_major_locator(MaxNLocator(nbins=12, integer=True, steps=[1, 2, 2.5, 5, 10]))
    ax.set_xlabel("Paragraph")


def one_article(table: pd.DataFrame, what: str) -> pd.DataFrame:
    if table.empty:
        raise ValueError(f"the {what} table is empty; score an article first.")
    ids = table["article_id"].unique()
    if len(ids) > 1:
        raise ValueError(f"the {what} table holds {len(ids)} articles; select one, e.g. table[table.article_id == {ids[0]!r}].")
    return table


def signed(value: float) -> str:
    """Format a score with its sign and a typographic minus: +0.42, −0.30."""
    return f"{value:+.2f}".replace("-", "\u2212")


def set_title(ax, title: str | None, **kwargs) -> None:
    """Set the axes title, wrapped to the figure's width so that a long article title never overflows it."""
    if title:
        ax.set_title(textwrap.fill(title, max(30, int(ax.figure.get_figwidth() * 11))), **kwargs)


def nothing_to_draw(ax, message: str) -> None:
    """Say in words why a figure is empty, instead of leaving a blank axis."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, textwrap.fill(message, max(30, int(ax.figure.get_figwidth() * 13))), transform=ax.transAxes,
            ha="center", va="center", fontsize=9, color="#444444",
            bbox={"boxstyle": "round,pad=0.6", "fc": "#F4F4F4", "ec": "#CCCCCC", "lw": 0.6})


def finish_heatmap(fig, ax, image, *, colorbar_label: str, absent_label: str, fraction: float, aspect: float) -> None:
    """The heat maps' common finish: no ticks or spines, a stance colorbar, the "absent" hatch in the legend."""
    from matplotlib.patches import Patch

    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    colorbar = fig.colorbar(image, ax=ax, ticks=[-1, 0, 1], fraction=fraction, pad=0.02, aspect=aspect)
    colorbar.ax.set_yticklabels(["\u22121 critical", "0 neutral", "+1 favorable"])
    colorbar.set_label(colorbar_label)
    colorbar.outline.set_visible(False)
    fig.legend(handles=[Patch(facecolor=ABSENT_COLOR, edgecolor="#9A9A9A", hatch=ABSENT_HATCH, label=absent_label)],
               loc="outside lower left")
