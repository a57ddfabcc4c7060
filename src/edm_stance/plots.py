"""Figures of stance and framing through an article, in one paper style.

Every function takes the project's tidy tables (a scorer's stance table, a frame table, a
shifts table) and returns a matplotlib Figure sized for a paper (at most 6.5 in wide, 9 pt
text); :func:`save_figure` writes it as PNG (300 dpi) and SVG. Palettes are colour-blind
safe: Okabe-Ito for targets (with distinct markers and line styles, so the figures survive
greyscale), ColorBrewer RdBu for stance (red critical, blue favorable, white neutral, and a
grey hatched cell for "absent"), Paul Tol's "muted" for issue frames. :func:`highlighted_text`
renders an article as HTML with the mentions coloured by stance, the evidence sentences
marked and the frames and scores in a margin.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .article import Article
from .output import atomic_write
from .presence import find_article_mentions
from .targets import Targets

__all__ = [
    "FRAME_COLORS",
    "PAPER_STYLE",
    "PAPER_WIDTH",
    "TARGET_COLORS",
    "HighlightedText",
    "confusion_matrices",
    "frame_shift",
    "frame_stance_heatmap",
    "highlighted_text",
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
# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
TARGET_COLORS = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_LINESTYLES = ("-", "--", "-.", ":")
# Paul Tol's "muted" qualitative scheme, colour-blind safe, for up to nine frames.
FRAME_COLORS = ("#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499",
                "#DDDDDD")
_FRAME_HATCHES = ("", "", "", "", "", "", "", "", "", "..", "//", "xx")
STANCE_CMAP = "RdBu"
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


def _target_labels(names: Sequence[str], labels: Mapping[str, str] | None) -> dict[str, str]:
    from .targets import load_targets

    defaults = {name: target.label for name, target in load_targets().items()}
    chosen = {**defaults, **(labels or {})}
    out = {}
    for name in names:
        label = chosen.get(name, name.replace("_", " "))
        out[name] = label[:1].upper() + label[1:]
    return out


def _style_of(index: int) -> dict:
    return {"color": TARGET_COLORS[index % len(TARGET_COLORS)], "marker": _MARKERS[index % len(_MARKERS)],
            "linestyle": _LINESTYLES[index % len(_LINESTYLES)]}


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


def stance_color(score: float, strength: float = 1.0) -> str:
    """Return the RdBu colour of a stance score in [-1, 1] as hex; ``strength`` < 1 pales it."""
    import matplotlib

    rgba = np.array(matplotlib.colormaps[STANCE_CMAP]((float(np.clip(score, -1, 1)) + 1) / 2))
    rgb = 1 - strength * (1 - rgba[:3])
    return matplotlib.colors.to_hex(rgb)


def stance_trajectory(stance_table: pd.DataFrame, *, shifts: pd.DataFrame | None = None, n_annotated: int = 3,
                      target_labels: Mapping[str, str] | None = None, title: str | None = None):
    """Plot each target's stance score paragraph by paragraph.

    Points only where the target is present; solid lines join adjacent paragraphs, dotted
    lines bridge paragraphs where the target is absent. The shaded band is score ± (1 −
    confidence): wide where the scorer is unsure. Shifts (from
    :func:`edm_stance.shifts.stance_shifts`) are ringed, and the ``n_annotated`` largest
    are labelled with their change.

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
    targets = list(dict.fromkeys(table["target"]))
    labels = _target_labels(targets, target_labels)
    paragraphs = sorted(table["paragraph"].unique())
    dodge = {t: (i - (len(targets) - 1) / 2) * 0.1 for i, t in enumerate(targets)}
    with paper_style():
        fig, ax = _subplots(figsize=(_width_for(len(paragraphs)), 3.3))
        ax.axhline(0, color="#888888", linewidth=0.7, zorder=0)
        handles = []
        for i, target in enumerate(targets):
            style = _style_of(i)
            part = table[(table["target"] == target) & (table["label"] != "absent")].sort_values("paragraph")
            x = part["paragraph"].to_numpy() + dodge[target]
            y = part["score"].to_numpy(dtype=float)
            half = 1 - part["confidence"].fillna(0).to_numpy(dtype=float)
            runs = np.split(np.arange(len(part)), np.where(np.diff(part["paragraph"].to_numpy()) != 1)[0] + 1)
            for run in runs:
                if len(run) == 0:
                    continue
                if len(run) > 1:
                    ax.plot(x[run], y[run], color=style["color"], linestyle=style["linestyle"], zorder=2)
                    ax.fill_between(x[run], np.clip(y[run] - half[run], -1, 1), np.clip(y[run] + half[run], -1, 1),
                                    color=style["color"], alpha=0.13, linewidth=0, zorder=1)
                else:
                    ax.fill_between([x[run[0]] - 0.09, x[run[0]] + 0.09], max(-1, y[run[0]] - half[run[0]]),
                                    min(1, y[run[0]] + half[run[0]]), color=style["color"], alpha=0.13, linewidth=0, zorder=1)
            for left, right in zip(runs, runs[1:]):
                ax.plot([x[left[-1]], x[right[0]]], [y[left[-1]], y[right[0]]], color=style["color"],
                        linestyle=":", linewidth=1.0, alpha=0.8, zorder=2)
            ax.plot(x, y, linestyle="none", marker=style["marker"], color=style["color"], markeredgecolor="white",
                    markeredgewidth=0.6, zorder=3)
            n_present = len(part)
            handles.append(Line2D([], [], color=style["color"], marker=style["marker"], linestyle=style["linestyle"],
                                  label=f"{labels[target]} ({n_present} of {len(paragraphs)} ¶)"))
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
        handles.append(Patch(color="#777777", alpha=0.25, label="± (1 − confidence)"))
        ax.set_ylim(-1.12, 1.12)
        ax.set_yticks([-1, -0.5, 0, 0.5, 1])
        ax.set_yticklabels(["−1\ncritical", "−0.5", "0\nneutral", "+0.5", "+1\nfavorable"])
        ax.set_ylabel("Stance score")
        _paragraph_axis(ax, paragraphs)
        ax.grid(axis="x", color="#EEEEEE", linewidth=0.6, zorder=0)
        if title:
            ax.set_title(title)
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
        if title:
            ax.set_title(title)
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
        if title:
            ax.set_title(title, pad=16)
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
        if title:
            ax.set_title(title, pad=18)
    return fig


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
        fig, axes = _subplots(1, len(results), figsize=(min(PAPER_WIDTH, 0.6 + 2.6 * len(results)), 2.9), squeeze=False)
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
            fig.suptitle(title, fontsize=10, fontweight="bold", x=0.02, ha="left")
    return fig


@dataclass(frozen=True)
class HighlightedText:
    """An article rendered as HTML; displays itself in a notebook and saves to a file."""

    html: str

    def _repr_html_(self) -> str:
        return self.html

    def save(self, path: str | Path) -> Path:
        """Write a standalone HTML page (atomically) and return its path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        page = f'<!doctype html>\n<html><head><meta charset="utf-8"><title>Stance and frames</title></head>\n<body>{self.html}</body></html>\n'
        with atomic_write(path) as tmp:
            tmp.write_text(page, encoding="utf-8")
        return path


def highlighted_text(article: Article, stance_table: pd.DataFrame, targets: Targets, *,
                     frame_table: pd.DataFrame | None = None, n_frames: int = 2,
                     target_labels: Mapping[str, str] | None = None) -> HighlightedText:
    """Render the article with mentions coloured by stance, evidence marked, frames and scores in a margin.

    Each mention's background is its target's stance colour in that paragraph (RdBu: red
    critical, white neutral, blue favorable), underlined in the target's colour; hovering
    shows target, label and score. The sentence each score rests on (its evidence) is boxed
    and tagged with the target. The margin lists each present target's label, score and
    confidence and the paragraph's ``n_frames`` largest frame shares.

    Parameters
    ----------
    article : Article
    stance_table : pandas.DataFrame
        The article's scorer table.
    targets : Targets
        The targets that were scored (to find the mentions again).
    frame_table : pandas.DataFrame, optional
        The article's frame table.
    n_frames : int
        Frames shown per paragraph.
    target_labels : mapping, optional

    Returns
    -------
    HighlightedText
        Displays as HTML in a notebook; ``.save(path)`` writes a page.
    """
    table = stance_table[stance_table["article_id"] == article.article_id]
    names = [t for t in targets if t in set(table["target"])]
    labels = _target_labels(names, target_labels)
    colors = {name: TARGET_COLORS[i % len(TARGET_COLORS)] for i, name in enumerate(names)}
    rows = {(r.paragraph, r.target): r for r in table.itertuples()}
    frames = frame_table[frame_table["article_id"] == article.article_id] if frame_table is not None else None
    esc = html.escape
    parts = [
        '<div class="edm-highlight" style="font-family: Georgia, serif; font-size: 14px; line-height: 1.55; max-width: 980px;">',
        f'<div style="font-family: sans-serif; font-size: 12px; color: #333; margin-bottom: 8px;">'
        f'<b>{esc(article.title or article.article_id)}</b> — mentions shaded by the paragraph\'s stance toward the target: '
        f'<span style="background:{stance_color(-0.8, 0.6)}; padding: 0 4px;">critical</span> '
        f'<span style="background:#F2F2F2; padding: 0 4px;">neutral</span> '
        f'<span style="background:{stance_color(0.8, 0.6)}; padding: 0 4px;">favorable</span>; '
        f'underline colour = target ('
        + ", ".join(f'<span style="border-bottom: 3px solid {colors[n]};">{esc(labels[n])}</span>' for n in names)
        + '); <span style="outline: 1.5px dashed #555; padding: 0 2px;">boxed</span> = the evidence sentence of a score.</div>',
        '<table style="border-collapse: collapse; width: 100%;">',
    ]
    selected = targets.select(names)
    found_by_paragraph = (find_article_mentions(article, selected, entities=selected.entities) if names
                          else [{} for _ in article.paragraphs])
    for paragraph in article.paragraphs:
        evidence: dict[str, list[str]] = {}
        for name in names:
            row = rows.get((paragraph.number, name))
            if row is not None and row.label != "absent" and row.evidence:
                evidence.setdefault(row.evidence, []).append(name)
        mentions = []
        by_target = found_by_paragraph[paragraph.number - 1]
        for mention in sorted((m for ms in by_target.values() for m in ms), key=lambda m: (m.start, m.end, m.target)):
            if mentions and mention.start < mentions[-1].end:
                continue  # overlapping mention of another target: keep the first
            mentions.append(mention)
        body = []
        for sentence in paragraph.sentences:
            inner, pos = [], sentence.start
            for mention in (m for m in mentions if sentence.start <= m.start < sentence.end):
                row = rows[(paragraph.number, mention.target)]
                inner.append(esc(article.text[pos : mention.start]))
                tip = f"{labels[mention.target]}: {row.label} {row.score:+.2f}"
                inner.append(f'<span title="{esc(tip)}" style="background:{stance_color(row.score, 0.6)}; '
                             f'border-bottom: 3px solid {colors[mention.target]}; padding: 0 1px;">'
                             f"{esc(article.text[mention.start : mention.end])}</span>")
                pos = mention.end
            inner.append(esc(article.text[pos : sentence.end]))
            text = "".join(inner)
            if sentence.text in evidence:
                tags = " ".join(f'<sup style="font-family: sans-serif; font-size: 10px; color: {colors[n]};">'
                                f"{esc(labels[n])}</sup>" for n in evidence[sentence.text])
                text = f'<span style="outline: 1.5px dashed #555; outline-offset: 1px;">{text}</span>{tags}'
            body.append(text)
        margin = []
        for name in names:
            row = rows.get((paragraph.number, name))
            if row is None or row.label == "absent":
                continue
            margin.append(f'<div><span style="color:{colors[name]}; font-weight: bold;">{esc(labels[name])}</span>: '
                          f'<span style="background:{stance_color(row.score, 0.6)}; padding: 0 3px;">{esc(row.label)}</span> '
                          f"{row.score:+.2f} <span style='color:#777;'>(conf. {row.confidence:.2f})</span></div>")
        if not margin:
            margin.append('<div style="color:#999;">no target mentioned</div>')
        if frames is not None:
            top = frames[frames["paragraph"] == paragraph.number].nlargest(n_frames, "share")
            for frame_row in top.itertuples():
                width = int(round(60 * frame_row.share))
                margin.append(f'<div style="color:#333;">{esc(frame_row.label)} {frame_row.share:.0%} '
                              f'<span style="display:inline-block; height:7px; width:{width}px; background:#7A7A7A;"></span></div>')
        parts.append(
            '<tr style="border-top: 1px solid #E0E0E0; vertical-align: top;">'
            f'<td style="font-family: sans-serif; color:#777; padding: 6px 8px 6px 0; text-align:right;">¶{paragraph.number}</td>'
            f'<td style="padding: 6px 12px 6px 0; text-align: left;">{" ".join(body)}</td>'
            f'<td style="font-family: sans-serif; font-size: 11.5px; width: 260px; padding: 6px 0; text-align: left;">'
            f'{"".join(margin)}</td></tr>'
        )
    parts.append("</table></div>")
    return HighlightedText("\n".join(parts))


def stance_trend(summary: pd.DataFrame, *, by: str = "period", target_labels: Mapping[str, str] | None = None,
                 title: str | None = None):
    """Plot mean article stance per group (a period or a country) and target, with its interval.

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`edm_stance.trends.stance_over_time` or :func:`~edm_stance.trends.stance_by_country`:
        ``by``, target, n_articles, mean_score, low, high.
    by : str
        The group column; groups in the table's order, joined by lines when ``by`` is "period".
    target_labels : mapping, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.lines import Line2D

    import matplotlib.dates as mdates

    groups = list(dict.fromkeys(summary[by]))
    dated = by == "period" and all(isinstance(group, pd.Timestamp) for group in groups)
    if dated:  # a time axis: periods at their dates, gaps where there are no articles
        position = {group: float(mdates.date2num(group)) for group in groups}
    else:
        position = {group: float(i) for i, group in enumerate(groups)}
    spread = (max(position.values()) - min(position.values())) / max(len(groups), 8) if dated and len(groups) > 1 else 1.0
    targets = list(dict.fromkeys(summary["target"]))
    labels = _target_labels(targets, target_labels)
    dodge = {t: (i - (len(targets) - 1) / 2) * 0.12 * spread for i, t in enumerate(targets)}
    with paper_style():
        fig, ax = _subplots(figsize=(float(np.clip(2.6 + 0.45 * len(groups), 4.2, PAPER_WIDTH)), 3.3))
        ax.axhline(0, color="#888888", linewidth=0.7, zorder=0)
        handles = []
        for i, target in enumerate(targets):
            style = _style_of(i)
            part = summary[summary["target"] == target]
            x = part[by].map(position).to_numpy(dtype=float) + dodge[target]
            y = part["mean_score"].to_numpy(dtype=float)
            low = np.where(np.isnan(part["low"]), y, part["low"])
            high = np.where(np.isnan(part["high"]), y, part["high"])
            ax.errorbar(x, y, yerr=[y - low, high - y], color=style["color"], marker=style["marker"],
                        linestyle=style["linestyle"] if by == "period" else "none", capsize=2, markersize=4,
                        markeredgecolor="white", markeredgewidth=0.5, linewidth=1.0, elinewidth=0.8, zorder=3)
            handles.append(Line2D([], [], color=style["color"], marker=style["marker"], linestyle=style["linestyle"],
                                  label=f"{labels[target]} ({int(part['n_articles'].sum())} articles)"))
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
        if title:
            ax.set_title(title)
        fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 4))
    return fig
