"""Figures of stance and framing through an article, in one paper style.

Every function takes the project's tidy tables (a scorer's stance table, a frame table, a
shifts table) and returns a matplotlib Figure sized for a paper (at most 6.5 in wide, 9 pt
text); :func:`save_figure` writes it as PNG (300 dpi) and SVG. Palettes are colour-blind
safe: Okabe-Ito for targets, each target with one colour, marker and line style in every
figure (:mod:`edm_stance.styles`), ColorBrewer RdBu for stance (red critical, blue
favorable, white neutral, and a grey hatched cell for "absent"), Paul Tol's "muted" for
issue frames. A figure with nothing to draw says so in words instead of showing an empty
axis. The article as highlighted HTML is :func:`edm_stance.highlight.highlighted_text`.

The stance figures are defined here; the frame figures in :mod:`edm_stance.frame_plots` and
the style in :mod:`edm_stance.plot_base`, both re-exported, so ``plots.<figure>`` reaches all.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .frame_plots import FRAME_COLORS, frame_shift, frame_stance_heatmap
from .plot_base import (ABSENT_COLOR, ABSENT_HATCH, PAPER_STYLE, PAPER_WIDTH, finish_heatmap, nothing_to_draw,
                        one_article, paper_style, paragraph_axis, save_figure, set_title, signed, subplots, width_for)
from .styles import STANCE_CMAP, TARGET_COLORS, stance_color, target_styles
from .styles import target_labels as _target_labels  # the figures' keyword `target_labels` shadows the name

__all__ = [
    "FRAME_COLORS",
    "PAPER_STYLE",
    "PAPER_WIDTH",
    "TARGET_COLORS",
    "frame_shift",
    "frame_stance_heatmap",
    "paper_style",
    "save_figure",
    "stance_heatmap",
    "stance_trajectory",
    "stance_trend",
    "stance_color",
]

_LABEL_SIGN = {"critical": -1, "neutral": 0, "favorable": 1}
_MAX_SEPARATED = 40  # paragraphs up to which the heat map draws a white line between cells


def stance_trajectory(stance_table: pd.DataFrame, *, shifts: pd.DataFrame | None = None, n_annotated: int = 3,
                      target_labels: Mapping[str, str] | None = None, title: str | None = None):
    """Plot each target's stance score paragraph by paragraph.

    Points only where the target is present; solid lines join adjacent paragraphs, dotted
    lines bridge paragraphs where the target is absent. The shaded band spans ``score_low``
    to ``score_high``: for the default model, the score plus and minus the standard deviation of
    the stance (-1/0/+1) under its calibrated probabilities, wide where it is unsure between
    critical and favorable; scorers without a spread draw no band. Shifts (from
    :func:`edm_stance.shifts.stance_shifts`) are ringed, and the ``n_annotated`` largest
    are labelled with their change. When no target is present anywhere, the figure says so.

    Parameters
    ----------
    stance_table : pandas.DataFrame
        One article's scorer table (article_id, paragraph, target, label, score, confidence).
    shifts : pandas.DataFrame, optional
        Its stance shifts.
    n_annotated : int
        How many of the largest shifts to label.
    target_labels : mapping, optional
        Display names by target name (default: the targets file's labels).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    table = one_article(stance_table, "stance")
    styles = target_styles(table["target"])
    targets = list(styles)
    labels = _target_labels(targets, target_labels)
    paragraphs = sorted(table["paragraph"].unique())
    if (table["label"] == "absent").all():
        with paper_style():
            fig, ax = subplots(figsize=(width_for(len(paragraphs)), 1.6))
            set_title(ax, title)
            nothing_to_draw(ax, f"No target ({', '.join(labels.values())}) is mentioned in the article's "
                                 f"{len(paragraphs)} paragraph{'s' if len(paragraphs) != 1 else ''}: "
                                 "there is no stance to plot.")
        return fig
    dodge = {t: (i - (len(targets) - 1) / 2) * 0.1 for i, t in enumerate(targets)}
    with paper_style():
        fig, ax = subplots(figsize=(width_for(len(paragraphs)), 3.3))
        ax.axhline(0, color="#888888", linewidth=0.7, zorder=0)
        handles, banded = [], False
        for target in targets:
            style = styles[target]
            part = table[(table["target"] == target) & (table["label"] != "absent")].sort_values("paragraph")
            x = part["paragraph"].to_numpy() + dodge[target]
            y = part["score"].to_numpy(dtype=float)
            low = part.get("score_low", part["score"]).fillna(part["score"]).to_numpy(dtype=float)
            high = part.get("score_high", part["score"]).fillna(part["score"]).to_numpy(dtype=float)
            spread = bool((high - low > 1e-6).any())
            banded = banded or spread
            runs = np.split(np.arange(len(part)), np.where(np.diff(part["paragraph"].to_numpy()) != 1)[0] + 1)
            for run in runs:
                if len(run) == 0:
                    continue
                if len(run) > 1:
                    ax.plot(x[run], y[run], color=style.color, linestyle=style.linestyle, zorder=2)
                if spread and len(run) > 1:
                    ax.fill_between(x[run], low[run], high[run], color=style.color, alpha=0.13, linewidth=0, zorder=1)
                elif spread:
                    ax.fill_between([x[run[0]] - 0.09, x[run[0]] + 0.09], low[run[0]], high[run[0]],
                                    color=style.color, alpha=0.13, linewidth=0, zorder=1)
            for left, right in zip(runs, runs[1:]):
                ax.plot([x[left[-1]], x[right[0]]], [y[left[-1]], y[right[0]]], color=style.color,
                        linestyle=":", linewidth=1.0, alpha=0.8, zorder=2)
            ax.plot(x, y, linestyle="none", marker=style.marker, color=style.color, markeredgecolor="white",
                    markeredgewidth=0.6, zorder=3)
            n_present = len(part)
            handles.append(Line2D([], [], **style.as_kwargs(), label=f"{labels[target]} ({n_present} of {len(paragraphs)} ¶)"))
        if shifts is not None and not shifts.empty:
            ranked = shifts.assign(size=shifts["change"].abs()).sort_values("size", ascending=False)
            for rank, row in enumerate(ranked.itertuples()):
                if row.target not in dodge:
                    continue
                x_to = row.to_paragraph + dodge[row.target]
                ax.plot(x_to, row.to_score, marker="o", markersize=13, markerfacecolor="none", markeredgecolor="#222222",
                        markeredgewidth=1.0, linestyle="none", zorder=4)
                if rank < n_annotated:
                    text = (f"{labels[row.target]} ¶{row.from_paragraph}→{row.to_paragraph}: {signed(row.change)}"
                            + (" (flip)" if row.kind == "flip" else ""))
                    up = row.to_score < 0.55
                    ax.annotate(text, xy=(x_to, row.to_score), xytext=(0, 16 if up else -18),
                                textcoords="offset points", ha="center", va="bottom" if up else "top", fontsize=7.5,
                                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#999999", "lw": 0.5},
                                arrowprops={"arrowstyle": "-", "color": "#555555", "lw": 0.6}, zorder=5)
            handles.append(Line2D([], [], marker="o", markersize=9, markerfacecolor="none", markeredgecolor="#222222",
                                  linestyle="none", label="shift (flip or jump)"))
        if banded:
            handles.append(Patch(color="#777777", alpha=0.25, label="score ± its standard deviation"))
        ax.set_ylim(-1.12, 1.12)
        ax.set_yticks([-1, -0.5, 0, 0.5, 1])
        ax.set_yticklabels(["−1\ncritical", "−0.5", "0\nneutral", "+0.5", "+1\nfavorable"])
        ax.set_ylabel("Stance score")
        paragraph_axis(ax, paragraphs)
        ax.grid(axis="x", color="#EEEEEE", linewidth=0.6, zorder=0)
        set_title(ax, title)
        fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 3 if len(paragraphs) <= 4 else 5))
    return fig


def stance_heatmap(stance_table: pd.DataFrame, *, target_labels: Mapping[str, str] | None = None,
                   title: str | None = None, annotate: bool | None = None):
    """Plot paragraphs × targets coloured by stance score; absent cells grey and hatched.

    Parameters
    ----------
    stance_table : pandas.DataFrame
        One article's scorer table.
    target_labels : mapping, optional
        Display names by target name.
    title : str, optional
    annotate : bool, optional
        Write the score in each cell; default: when there are at most 16 paragraphs.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.patches import Rectangle

    table = one_article(stance_table, "stance")
    targets = list(dict.fromkeys(table["target"]))
    labels = _target_labels(targets, target_labels)
    paragraphs = sorted(table["paragraph"].unique())
    grid = table.pivot_table(index="target", columns="paragraph", values="score", aggfunc="first", dropna=False)
    grid = grid.reindex(index=targets, columns=paragraphs)
    present = table.assign(present=table["label"] != "absent").pivot_table(
        index="target", columns="paragraph", values="present", aggfunc="first").reindex(index=targets, columns=paragraphs)
    present = present.fillna(False).astype(bool)
    annotate = len(paragraphs) <= 16 if annotate is None else annotate
    with paper_style():
        fig, ax = subplots(figsize=(width_for(len(paragraphs), 0.42), 0.9 + 0.42 * len(targets) + 0.5))
        values = np.ma.masked_array(grid.to_numpy(dtype=float), mask=~present.to_numpy())
        image = ax.imshow(values, cmap=STANCE_CMAP, vmin=-1, vmax=1, aspect="auto",
                          extent=(paragraphs[0] - 0.5, paragraphs[-1] + 0.5, len(targets) - 0.5, -0.5))
        for row, target in enumerate(targets):
            for paragraph in paragraphs:
                if not present.loc[target, paragraph]:
                    ax.add_patch(Rectangle((paragraph - 0.5, row - 0.5), 1, 1, facecolor=ABSENT_COLOR,
                                           edgecolor="#9A9A9A", hatch=ABSENT_HATCH, linewidth=0))
                elif annotate:
                    score = grid.loc[target, paragraph]
                    ax.text(paragraph, row, signed(score), ha="center", va="center", fontsize=7.5,
                            color="white" if abs(score) > 0.6 else "#222222")
        if len(paragraphs) <= _MAX_SEPARATED:  # more white lines than that would cover the cells
            for edge in np.arange(paragraphs[0] - 0.5, paragraphs[-1] + 1):
                ax.axvline(edge, color="white", linewidth=1.2)
        for edge in np.arange(-0.5, len(targets)):
            ax.axhline(edge, color="white", linewidth=1.2)
        ax.set_yticks(range(len(targets)))
        ax.set_yticklabels([labels[t] for t in targets])
        paragraph_axis(ax, paragraphs)
        finish_heatmap(fig, ax, image, colorbar_label="Stance score", absent_label="absent: target not mentioned",
                       fraction=0.05, aspect=12)
        set_title(ax, title)
    return fig


def stance_trend(summary: pd.DataFrame, *, by: str = "period", target_labels: Mapping[str, str] | None = None,
                 title: str | None = None, min_articles: int = 3):
    """Plot mean article stance per group (a period or a country) and target, with its interval.

    Periods are joined by lines that break where a target has no article (a row with
    ``n_articles`` 0, as :func:`edm_stance.trends.stance_over_time` gives for empty periods),
    so a gap of years is never bridged. A group with fewer than ``min_articles`` articles is
    drawn hollow, with its number of articles written beside it: its mean rests on little.

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`edm_stance.trends.stance_over_time` or :func:`~edm_stance.trends.stance_by_country`:
        ``by``, target, n_articles, mean_score, low, high.
    by : str
        The group column; groups in the table's order, joined by lines when ``by`` is "period".
    target_labels : mapping, optional
    title : str, optional
    min_articles : int
        Groups with fewer articles are thin: hollow markers with n shown.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.dates as mdates
    from matplotlib.lines import Line2D

    groups = list(dict.fromkeys(summary[by]))
    width = float(np.clip(2.6 + 0.45 * len(groups), 4.2, PAPER_WIDTH))
    if not (summary["n_articles"] > 0).any():
        with paper_style():
            fig, ax = subplots(figsize=(width, 1.6))
            set_title(ax, title)
            nothing_to_draw(ax, "No article mentions a target: there is no stance to compare.")
        return fig
    dated = by == "period" and all(isinstance(group, pd.Timestamp) for group in groups)
    if dated:  # a time axis: periods at their dates
        position = {group: float(mdates.date2num(group)) for group in groups}
    else:
        position = {group: float(i) for i, group in enumerate(groups)}
    spread = (max(position.values()) - min(position.values())) / max(len(groups), 8) if dated and len(groups) > 1 else 1.0
    styles = target_styles(summary["target"])
    targets = list(styles)
    labels = _target_labels(targets, target_labels)
    dodge = {t: (i - (len(targets) - 1) / 2) * 0.12 * spread for i, t in enumerate(targets)}
    with paper_style():
        fig, ax = subplots(figsize=(width, 3.3))
        ax.axhline(0, color="#888888", linewidth=0.7, zorder=0)
        handles, any_thin = [], False
        for target in targets:
            style = styles[target]
            part = summary[summary["target"] == target].set_index(by).reindex(groups)
            n = part["n_articles"].fillna(0).to_numpy(dtype=int)
            x = np.array([position[group] for group in groups]) + dodge[target]
            y = np.where(n > 0, part["mean_score"].to_numpy(dtype=float), np.nan)
            low = np.where(np.isnan(part["low"]), y, part["low"])
            high = np.where(np.isnan(part["high"]), y, part["high"])
            if by == "period":  # NaN in an empty period breaks the line
                ax.plot(x, y, color=style.color, linestyle=style.linestyle, linewidth=1.0, zorder=2)
            shown = n > 0
            ax.errorbar(x[shown], y[shown], yerr=[y[shown] - low[shown], high[shown] - y[shown]], fmt="none",
                        ecolor=style.color, capsize=2, elinewidth=0.8, zorder=2)
            thick, thin = n >= min_articles, (n > 0) & (n < min_articles)
            ax.plot(x[thick], y[thick], linestyle="none", marker=style.marker, color=style.color, markersize=4.5,
                    markeredgecolor="white", markeredgewidth=0.5, zorder=3)
            ax.plot(x[thin], y[thin], linestyle="none", marker=style.marker, color=style.color, markersize=4.5,
                    markerfacecolor="white", markeredgecolor=style.color, markeredgewidth=1.0, zorder=3)
            for x_thin, top, n_thin in zip(x[thin], high[thin], n[thin]):
                ax.annotate(f"n={n_thin}", xy=(x_thin, top), xytext=(0, 2), textcoords="offset points", ha="center",
                            va="bottom", fontsize=6, color=style.color, zorder=4)
            any_thin = any_thin or bool(thin.any())
            handles.append(Line2D([], [], color=style.color, marker=style.marker,
                                  linestyle=style.linestyle if by == "period" else "none",
                                  label=f"{labels[target]} ({int(n.sum())} articles)"))
        if dated:
            ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
            ax.set_xlim(min(position.values()) - spread, max(position.values()) + spread)
        else:
            ax.set_xticks(range(len(groups)))
            ax.set_xticklabels([str(g) for g in groups], rotation=45 if len(groups) > 6 else 0,
                               ha="right" if len(groups) > 6 else "center")
            ax.set_xlim(-0.5, len(groups) - 0.5)
        ax.set_ylim(-1.12, 1.12)
        ax.set_yticks([-1, -0.5, 0, 0.5, 1])
        ax.set_yticklabels(["−1\ncritical", "−0.5", "0\nneutral", "+0.5", "+1\nfavorable"])
        ax.set_ylabel("Mean article stance")
        ax.set_xlabel("Period" if by == "period" else by.capitalize())
        handles.append(Line2D([], [], color="#555555", marker="|", linestyle="none", markersize=8,
                              label="95% bootstrap interval over articles"))
        if any_thin:
            handles.append(Line2D([], [], color="#555555", marker="o", markerfacecolor="white", linestyle="none",
                                  markersize=4.5, label=f"hollow: fewer than {min_articles} articles (n shown)"))
        set_title(ax, title)
        fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 3))
    return fig
