"""Figures of stance and framing through an article, in one paper style.

Every function takes the project's tidy tables (a scorer's stance table, a frame table, a
shifts table) and returns a matplotlib Figure sized for a paper (at most 6.5 in wide, 9 pt
text); :func:`save_figure` writes it as PNG (300 dpi) and SVG. Palettes are colour-blind
safe: Okabe-Ito for targets, each target with one colour, marker and line style in every
figure (:mod:`edm_stance.styles`), ColorBrewer RdBu for stance (red critical, blue
favorable, white neutral, and a grey hatched cell for "absent"), Paul Tol's "muted" for
issue frames. A figure with nothing to draw says so in words instead of showing an empty
axis. The article as highlighted HTML is :func:`edm_stance.highlight.highlighted_text`.
"""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .output import atomic_write
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
FRAME_COLORS = ("#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499",
                "#DDDDDD")
_FRAME_HATCHES = ("", "", "", "", "", "", "", "", "", "..", "//", "xx")
ABSENT_COLOR = "#D9D9D9"
ABSENT_HATCH = "////"
_LABEL_SIGN = {"critical": -1, "neutral": 0, "favorable": 1}
_MAX_SEPARATED = 40  # paragraphs up to which the heat map draws a white line between cells


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


def _subplots(*args, **kwargs):
    """``plt.subplots``, closed at once: the caller owns the figure, pyplot does not show it twice."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(*args, **kwargs)
    plt.close(fig)
    return fig, axes


def _width_for(n_paragraphs: int, per_paragraph: float = 0.5, minimum: float = 4.2) -> float:
    return float(np.clip(2.6 + per_paragraph * n_paragraphs, minimum, PAPER_WIDTH))


def _paragraph_axis(ax, paragraphs: Sequence[int]) -> None:
    from matplotlib.ticker import MaxNLocator

    lo, hi = (min(paragraphs), max(paragraphs)) if len(paragraphs) else (1, 1)
    ax.set_xlim(lo - 0.5, hi + 0.5)
    if hi - lo < 25:
        ax.set_xticks(range(lo, hi + 1))
    else:  # long articles: a dozen round numbers, so that the labels never overlap
        ax.xaxis.set_major_locator(MaxNLocator(nbins=12, integer=True, steps=[1, 2, 2.5, 5, 10]))
    ax.set_xlabel("Paragraph")


def _one_article(table: pd.DataFrame, what: str) -> pd.DataFrame:
    if table.empty:
        raise ValueError(f"the {what} table is empty; score an article first.")
    ids = table["article_id"].unique()
    if len(ids) > 1:
        raise ValueError(f"the {what} table holds {len(ids)} articles; select one, e.g. table[table.article_id == {ids[0]!r}].")
    return table


def _signed(value: float) -> str:
    """Format a score with its sign and a typographic minus: +0.42, −0.30."""
    return f"{value:+.2f}".replace("-", "\u2212")


def _set_title(ax, title: str | None, **kwargs) -> None:
    """Set the axes title, wrapped to the figure's width so that a long article title never overflows it."""
    if title:
        ax.set_title(textwrap.fill(title, max(30, int(ax.figure.get_figwidth() * 11))), **kwargs)


def _nothing_to_draw(ax, message: str) -> None:
    """Say in words why a figure is empty, instead of leaving a blank axis."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, textwrap.fill(message, max(30, int(ax.figure.get_figwidth() * 13))), transform=ax.transAxes,
            ha="center", va="center", fontsize=9, color="#444444",
            bbox={"boxstyle": "round,pad=0.6", "fc": "#F4F4F4", "ec": "#CCCCCC", "lw": 0.6})


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

    table = _one_article(stance_table, "stance")
    styles = target_styles(table["target"])
    targets = list(styles)
    labels = _target_labels(targets, target_labels)
    paragraphs = sorted(table["paragraph"].unique())
    if (table["label"] == "absent").all():
        with paper_style():
            fig, ax = _subplots(figsize=(_width_for(len(paragraphs)), 1.6))
            _set_title(ax, title)
            _nothing_to_draw(ax, f"No target ({', '.join(labels.values())}) is mentioned in the article's "
                                 f"{len(paragraphs)} paragraph{'s' if len(paragraphs) != 1 else ''}: "
                                 "there is no stance to plot.")
        return fig
    dodge = {t: (i - (len(targets) - 1) / 2) * 0.1 for i, t in enumerate(targets)}
    with paper_style():
        fig, ax = _subplots(figsize=(_width_for(len(paragraphs)), 3.3))
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
                    text = (f"{labels[row.target]} ¶{row.from_paragraph}→{row.to_paragraph}: {_signed(row.change)}"
                            + (" (flip)" if row.kind == "flip" else ""))
                    up = row.to_score < 0.55
                    ax.annotate(text, xy=(x_to, row.to_score), xytext=(0, 16 if up else -18),
                                textcoords="offset points", ha="center", va="bottom" if up else "top", fontsize=7.5,
                                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#999999", "lw": 0.5},
                                arrowprops={"arrowstyle": "-", "color": "#555555", "lw": 0.6}, zorder=5)
            handles.append(Line2D([], [], marker="o", markersize=9, markerfacecolor="none", markeredgecolor="#222222",
                                  linestyle="none", label="shift (flip or jump)"))
        if banded:
            handles.append(Patch(color="#777777", alpha=0.25, label="spread of the ensemble's scores"))
        ax.set_ylim(-1.12, 1.12)
        ax.set_yticks([-1, -0.5, 0, 0.5, 1])
        ax.set_yticklabels(["−1\ncritical", "−0.5", "0\nneutral", "+0.5", "+1\nfavorable"])
        ax.set_ylabel("Stance score")
        _paragraph_axis(ax, paragraphs)
        ax.grid(axis="x", color="#EEEEEE", linewidth=0.6, zorder=0)
        _set_title(ax, title)
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
    from matplotlib.patches import Patch, Rectangle

    table = _one_article(stance_table, "stance")
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
        fig, ax = _subplots(figsize=(_width_for(len(paragraphs), 0.42), 0.9 + 0.42 * len(targets) + 0.5))
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
                    ax.text(paragraph, row, _signed(score), ha="center", va="center", fontsize=7.5,
                            color="white" if abs(score) > 0.6 else "#222222")
        if len(paragraphs) <= _MAX_SEPARATED:  # more white lines than that would cover the cells
            for edge in np.arange(paragraphs[0] - 0.5, paragraphs[-1] + 1):
                ax.axvline(edge, color="white", linewidth=1.2)
        for edge in np.arange(-0.5, len(targets)):
            ax.axhline(edge, color="white", linewidth=1.2)
        ax.set_yticks(range(len(targets)))
        ax.set_yticklabels([labels[t] for t in targets])
        _paragraph_axis(ax, paragraphs)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        colorbar = fig.colorbar(image, ax=ax, ticks=[-1, 0, 1], fraction=0.05, pad=0.02, aspect=12)
        colorbar.ax.set_yticklabels(["−1 critical", "0 neutral", "+1 favorable"])
        colorbar.set_label("Stance score")
        colorbar.outline.set_visible(False)
        fig.legend(handles=[Patch(facecolor=ABSENT_COLOR, edgecolor="#9A9A9A", hatch=ABSENT_HATCH,
                                  label="absent: target not mentioned")], loc="outside lower left")
        _set_title(ax, title)
    return fig


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
    table = _one_article(frame_table, "frame")
    frames = _frame_order(table)
    labels = _frame_labels(table)
    shares = table.pivot_table(index="paragraph", columns="frame", values="share", aggfunc="first")[frames] * 100
    paragraphs = shares.index.to_numpy()
    kind = ("bar" if len(paragraphs) <= 16 else "area") if kind == "auto" else kind
    dominant = shares.idxmax(axis=1)
    colors = [FRAME_COLORS[i % len(FRAME_COLORS)] for i in range(len(frames))]
    hatches = [_FRAME_HATCHES[i % len(_FRAME_HATCHES)] for i in range(len(frames))]
    with paper_style():
        fig, ax = _subplots(figsize=(_width_for(len(paragraphs), 0.35, 5.2) + 1.4, 3.3))
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
        _paragraph_axis(ax, list(paragraphs))
        if kind == "area" and len(paragraphs) > 1:
            ax.set_xlim(paragraphs[0], paragraphs[-1])
        ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.01, 0.5), title="Issue frame", title_fontsize=8)
        _set_title(ax, title, pad=16)
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
    from matplotlib.patches import Patch, Rectangle

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
            fig, ax = _subplots(figsize=(min(PAPER_WIDTH, 3.2 + 1.1 * len(targets)), 1.6))
            _set_title(ax, title)
            _nothing_to_draw(ax, f"No target ({', '.join(labels.values())}) is mentioned in the article: "
                                 "there is no stance to cross with the frames.")
        return fig
    with paper_style():
        fig, ax = _subplots(figsize=(min(PAPER_WIDTH, 3.2 + 1.1 * len(targets)), 0.9 + 0.36 * len(frames)))
        image = ax.imshow(np.ma.masked_array(score.to_numpy(dtype=float), mask=~enough.to_numpy()), cmap=STANCE_CMAP,
                          vmin=-1, vmax=1, aspect="auto")
        for r, frame in enumerate(frames):
            for c, target in enumerate(targets):
                if not enough.loc[frame, target]:
                    ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=ABSENT_COLOR, edgecolor="#9A9A9A",
                                           hatch=ABSENT_HATCH, linewidth=0))
                else:
                    value = score.loc[frame, target]
                    ax.text(c, r, f"{_signed(value)} (w {weight.loc[frame, target]:.1f})", ha="center", va="center",
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
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        colorbar = fig.colorbar(image, ax=ax, ticks=[-1, 0, 1], fraction=0.06, pad=0.02, aspect=15)
        colorbar.ax.set_yticklabels(["−1 critical", "0 neutral", "+1 favorable"])
        colorbar.set_label("Frame-weighted stance score")
        colorbar.outline.set_visible(False)
        fig.legend(handles=[Patch(facecolor=ABSENT_COLOR, edgecolor="#9A9A9A", hatch=ABSENT_HATCH,
                                  label=f"w: the frame's share summed over paragraphs where the target is present; "
                                        f"hatched: w < {min_weight:g}, too little evidence")],
                   loc="outside lower left")
        _set_title(ax, title, pad=18)
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
            fig, ax = _subplots(figsize=(width, 1.6))
            _set_title(ax, title)
            _nothing_to_draw(ax, "No article mentions a target: there is no stance to compare.")
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
        fig, ax = _subplots(figsize=(width, 3.3))
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
        _set_title(ax, title)
        fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 3))
    return fig
