"""Figures that judge a model rather than an article: confusion matrices and reliability diagrams.

They share the paper style of :mod:`edm_stance.plots` and are used by notebook 03 and the
model cards.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .plot_base import PAPER_WIDTH, paper_style, subplots

__all__ = ["confusion_matrices", "reliability_diagram"]


def confusion_matrices(results: Mapping[str, tuple[Sequence[str], Sequence[str]]], *,
                       labels: Sequence[str] = ("critical", "neutral", "favorable"), title: str | None = None):
    """Plot one confusion matrix per model, side by side: counts, shaded by row share.

    Parameters
    ----------
    results : mapping of str to (gold labels, predicted labels)
        One entry per model (or data set), in panel order.
    labels : sequence of str
        The classes, in the order of the rows and columns; predictions outside them (e.g.
        ``absent``) get an extra column.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from sklearn.metrics import confusion_matrix

    if not results:
        raise ValueError("results is empty; pass at least one (gold, predicted) pair.")
    with paper_style():
        fig, axes = subplots(1, len(results), figsize=(min(PAPER_WIDTH, 0.6 + 2.6 * len(results)), 2.9), squeeze=False)
        for ax, (name, (gold, pred)) in zip(axes[0], results.items()):
            extra = sorted(set(pred) - set(labels))
            columns = [*labels, *extra]
            counts = confusion_matrix(list(gold), list(pred), labels=columns)[: len(labels)]
            shares = counts / np.clip(counts.sum(axis=1, keepdims=True), 1, None)
            ax.imshow(shares, cmap="Blues", vmin=0, vmax=1, aspect="auto")
            for r in range(counts.shape[0]):
                for c in range(counts.shape[1]):
                    ax.text(c, r, str(counts[r, c]), ha="center", va="center", fontsize=8,
                            color="white" if shares[r, c] > 0.6 else "#222222")
            accuracy = np.trace(counts[:, : len(labels)]) / max(1, counts.sum())
            ax.set_title(f"{name}\n(n = {counts.sum()}, accuracy {accuracy:.0%})", fontsize=9)
            ax.set_xticks(range(len(columns)))
            ax.set_xticklabels(columns, rotation=30, ha="right")
            ax.set_yticks(range(len(labels)))
            ax.set_yticklabels(labels if ax is axes[0][0] else [])
            ax.set_xlabel("Predicted")
            ax.tick_params(length=0)
            for spine in ax.spines.values():
                spine.set_visible(False)
        axes[0][0].set_ylabel("Gold")
        if title:
            fig.suptitle(textwrap.fill(title, max(30, int(fig.get_figwidth() * 11))), fontsize=10, fontweight="bold",
                         x=0.02, ha="left")
    return fig


def reliability_diagram(bins: Mapping[str, pd.DataFrame], *, title: str | None = None):
    """Plot, per calibration, the accuracy of the top class against its confidence.

    Parameters
    ----------
    bins : mapping of str to DataFrame
        One entry per curve (e.g. "before calibration", "after"), each with the columns
        ``bin_lower, bin_upper, n, confidence, accuracy`` of
        :func:`edm_stance.stance_cv.expected_calibration_error` (``["bins"]``).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        A perfectly calibrated model lies on the diagonal; points below it are over-confident.
        Marker area is proportional to the number of pairs in the bin.
    """
    if not bins:
        raise ValueError("bins is empty; pass at least one table of calibration bins.")
    markers = ("o", "s", "^", "D")
    colors = ("#999999", "#0072B2", "#D55E00", "#009E73")
    with paper_style():
        fig, ax = subplots(figsize=(3.6, 3.4))
        ax.plot([0, 1], [0, 1], color="#BBBBBB", linewidth=0.8, linestyle="--", label="perfect calibration")
        total = max(int(t["n"].sum()) for t in bins.values())
        for k, (name, table) in enumerate(bins.items()):
            shown = table[table["n"] > 0]
            ax.plot(shown["confidence"], shown["accuracy"], color=colors[k % 4], marker=markers[k % 4], linewidth=1.2,
                    markersize=0, label=name)
            ax.scatter(shown["confidence"], shown["accuracy"], s=8 + 400 * shown["n"] / total, color=colors[k % 4],
                       marker=markers[k % 4], edgecolor="white", linewidth=0.5, zorder=3)
        ax.set_xlim(0.3, 1.0)
        ax.set_ylim(0.0, 1.02)
        ax.set_xlabel("Confidence (probability of the predicted label)")
        ax.set_ylabel("Accuracy")
        ax.legend(loc="upper left")
        if title:
            ax.set_title(textwrap.fill(title, 45))
    return fig
