"""Figures of issue frames through an article: the frame shares by paragraph, stance by frame.

Palette: Paul Tol's "muted" scheme (colour-blind safe), hatched beyond nine frames; stance in
ColorBrewer RdBu as in :mod:`edm_stance.plots` (which re-exports these functions).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .plot_base import (ABSENT_COLOR, ABSENT_HATCH, PAPER_WIDTH, finish_heatmap, nothing_to_draw, one_article,
                        paper_style, paragraph_axis, set_title, signed, subplots, width_for)
from .styles import STANCE_CMAP
from .styles import target_labels as _target_labels  # the figures' keyword `target_labels` shadows the name

__all__ = ["FRAME_COLORS", "frame_shift", "frame_stance_heatmap"]

# Paul Tol's "muted" qualitative scheme, colour-blind safe, for up to nine frames.
FRAME_COLORS = ("#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499",
                "#DDDDDD")
_FRAME_HATCHES = ("", "", "", "", "", "", "", "", "", "..", "//", "xx")


def _frame_order(frame_table: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(frame_table["frame"]))


def _frame_labels(frame_table: pd.DataFrame) -> dict[str, str]:
    if "label" in frame_table.columns:
        return dict(zip(frame_table["frame"], frame_table["label"]))
    return {f: f.replace("_", " ").capitalize() for f in frame_table["frame"]}


def frame_shift(frame_table: pd.DataFrame, *, shifts: pd.DataFrame | None = None, kind: str = "auto",
                title: str | None = None):
    """Plot each issue frame's share of each paragraph, stacked to 100%.

    Parameters
    ----------
    frame_table : pandas.DataFrame
        One article's frame table (article_id, paragraph, frame, share, and label).
    shifts : pandas.DataFrame, optional
        Its frame shifts (:func:`edm_stance.shifts.frame_shifts`): marked by a dashed line
        between the two paragraphs.
    kind : {"auto", "area", "bar"}
        Stacked bars (each paragraph a discrete unit; the dominant frame outlined), stacked
        area, or "auto": bars up to 16 paragraphs and area beyond.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if kind not in {"auto", "area", "bar"}:
        raise ValueError(f"kind must be 'auto', 'area' or 'bar', got {kind!r}.")
    table = one_article(frame_table, "frame")
    frames = _frame_order(table)
    labels = _frame_labels(table)
    shares = table.pivot_table(index="paragraph", columns="frame", values="share", aggfunc="first")[frames] * 100
    paragraphs = shares.index.to_numpy()
    kind = ("bar" if len(paragraphs) <= 16 else "area") if kind == "auto" else kind
    dominant = shares.idxmax(axis=1)
    colors = [FRAME_COLORS[i % len(FRAME_COLORS)] for i in range(len(frames))]
    hatches = [_FRAME_HATCHES[i % len(_FRAME_HATCHES)] for i in range(len(frames))]
    with paper_style():
        fig, ax = subplots(figsize=(width_for(len(paragraphs), 0.35, 5.2) + 1.4, 3.3))
        bottom = np.zeros(len(paragraphs))
        for frame, color, hatch in zip(frames, colors, hatches):
            values = shares[frame].to_numpy()
            if kind == "area":
                ax.fill_between(paragraphs, bottom, bottom + values, facecolor=color, edgecolor="white", linewidth=0.5,
                                hatch=hatch)
            else:
                ax.bar(paragraphs, values, bottom=bottom, width=0.72, color=color, edgecolor="white", linewidth=0.5,
                       hatch=hatch)
                top = dominant.to_numpy() == frame
                ax.bar(paragraphs[top], values[top], bottom=bottom[top], width=0.72, fill=False, edgecolor="#111111",
                       linewidth=1.3)
            bottom += values
        # Frames listed top to bottom as they are stacked, then the marks.
        handles = [Patch(facecolor=c, hatch=h, edgecolor="white", label=labels[f])
                   for f, c, h in zip(frames, colors, hatches)][::-1]
        if kind == "bar":
            handles.append(Patch(fill=False, edgecolor="#111111", linewidth=1.3, label="dominant frame"))
        if shifts is not None and not shifts.empty:
            middles = [(row.from_paragraph + row.to_paragraph) / 2 for row in shifts.itertuples()]
            ax.plot(middles, [104] * len(middles), linestyle="none", marker="v", markersize=6, color="#111111",
                    clip_on=False)
            handles.append(Line2D([], [], linestyle="none", marker="v", markersize=6, color="#111111",
                                  label="dominant frame changes"))
        ax.set_ylim(0, 100)
        ax.set_ylabel("Share of paragraph (%)")
        paragraph_axis(ax, list(paragraphs))
        if kind == "area" and len(paragraphs) > 1:
            ax.set_xlim(paragraphs[0], paragraphs[-1])
        ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.01, 0.5), title="Issue frame", title_fontsize=8)
        set_title(ax, title, pad=16)
    return fig


def frame_stance_heatmap(frame_stance_table: pd.DataFrame, *, target_labels: Mapping[str, str] | None = None,
                         min_weight: float = 0.25, title: str | None = None):
    """Plot frames × targets: the stance toward each target in paragraphs that use each frame.

    Parameters
    ----------
    frame_stance_table : pandas.DataFrame
        :func:`edm_stance.frames.frame_stance`'s table (frame, label, target, score, weight).
    target_labels : mapping, optional
    min_weight : float
        Cells with less evidence (summed frame share of the paragraphs) are shown as too thin.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.patches import Rectangle

    frames = list(dict.fromkeys(frame_stance_table["frame"]))
    targets = list(dict.fromkeys(frame_stance_table["target"]))
    labels = _target_labels(targets, target_labels)
    frame_labels = dict(zip(frame_stance_table["frame"], frame_stance_table["label"]))
    score = frame_stance_table.pivot_table(index="frame", columns="target", values="score", aggfunc="first",
                                           dropna=False).reindex(index=frames, columns=targets)
    weight = frame_stance_table.pivot_table(index="frame", columns="target", values="weight", aggfunc="first",
                                            dropna=False).reindex(index=frames, columns=targets).fillna(0)
    enough = (weight >= min_weight) & score.notna()
    if score.isna().all().all():
        with paper_style():
            fig, ax = subplots(figsize=(min(PAPER_WIDTH, 3.2 + 1.1 * len(targets)), 1.6))
            set_title(ax, title)
            nothing_to_draw(ax, f"No target ({', '.join(labels.values())}) is mentioned in the article: "
                                 "there is no stance to cross with the frames.")
        return fig
    with paper_style():
        fig, ax = subplots(figsize=(min(PAPER_WIDTH, 3.2 + 1.1 * len(targets)), 0.9 + 0.36 * len(frames)))
        image = ax.imshow(np.ma.masked_array(score.to_numpy(dtype=float), mask=~enough.to_numpy()), cmap=STANCE_CMAP,
                          vmin=-1, vmax=1, aspect="auto")
        for r, frame in enumerate(frames):
            for c, target in enumerate(targets):
                if not enough.loc[frame, target]:
                    ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=ABSENT_COLOR, edgecolor="#9A9A9A",
                                           hatch=ABSENT_HATCH, linewidth=0))
                else:
                    value = score.loc[frame, target]
                    ax.text(c, r, f"{signed(value)} (w {weight.loc[frame, target]:.1f})", ha="center", va="center",
                            fontsize=7, color="white" if abs(value) > 0.6 else "#222222")
        for edge in np.arange(-0.5, len(targets)):
            ax.axvline(edge, color="white", linewidth=1.2)
        for edge in np.arange(-0.5, len(frames)):
            ax.axhline(edge, color="white", linewidth=1.2)
        ax.set_xticks(range(len(targets)))
        ax.set_xticklabels([labels[t] for t in targets])
        ax.xaxis.tick_top()
        ax.set_yticks(range(len(frames)))
        ax.set_yticklabels([frame_labels.get(f, f) for f in frames])
        finish_heatmap(fig, ax, image, colorbar_label="Frame-weighted stance score",
                       absent_label=f"w: the frame's share summed over paragraphs where the target is present; "
                                    f"hatched: w < {min_weight:g}, too little evidence", fraction=0.06, aspect=15)
        set_title(ax, title, pad=18)
    return fig
