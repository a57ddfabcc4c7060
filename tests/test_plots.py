"""Figures from small hand-made tables: they build, save as PNG and SVG, and show what they claim."""

from __future__ import annotations

import re

import matplotlib
import numpy as np
import pandas as pd
import pytest

from edm_stance import plots
from edm_stance.highlight import highlighted_text
from edm_stance.shifts import stance_shifts

matplotlib.use("Agg")


@pytest.fixture
def stance():
    rows = [("a", p, t, label, score, conf, n, "")
            for p, t, label, score, conf, n in [
                (1, "russia", "favorable", 0.7, 0.8, 2), (1, "west", "absent", np.nan, np.nan, 0),
                (2, "russia", "critical", -0.6, 0.6, 1), (2, "west", "neutral", 0.05, 0.5, 1),
                (3, "russia", "absent", np.nan, np.nan, 0), (3, "west", "favorable", 0.5, 0.9, 3)]]
    return pd.DataFrame(rows, columns=["article_id", "paragraph", "target", "label", "score", "confidence",
                                       "n_mentions", "evidence"])


def test_trajectory_has_points_only_where_present_and_rings_shifts(stance, tmp_path):
    figure = plots.stance_trajectory(stance, shifts=stance_shifts(stance))
    ax = figure.axes[0]
    point_sets = [line.get_xydata() for line in ax.lines if line.get_marker() in ("o", "s") and line.get_linestyle() == "None"
                  and line.get_markersize() < 10]
    assert sorted(len(points) for points in point_sets) == [2, 2]  # two present paragraphs per target
    annotations = [child.get_text() for child in ax.texts]
    assert any("¶1→2" in text and "flip" in text for text in annotations)
    paths = plots.save_figure(figure, tmp_path, "trajectory")
    assert [p.name for p in paths] == ["trajectory.png", "trajectory.svg"]
    assert all(p.stat().st_size > 1000 for p in paths)
    assert not list(tmp_path.glob(".*.tmp"))


def test_heatmap_draws_absent_cells_hatched_and_neutral_white(stance):
    figure = plots.stance_heatmap(stance)
    ax = figure.axes[0]
    hatched = [patch for patch in ax.patches if patch.get_hatch() == plots.ABSENT_HATCH]
    assert len(hatched) == 2  # west in 1, russia in 3
    assert sorted(t.get_text() for t in ax.texts) == sorted(["+0.70", "\u22120.60", "+0.05", "+0.50"])
    assert plots.stance_color(0.0) == "#f6f7f7"  # RdBu's white middle: neutral is not absent grey
    assert plots.stance_color(0.0) != plots.ABSENT_COLOR.lower()


def test_tables_of_several_articles_are_refused(stance):
    two = pd.concat([stance, stance.assign(article_id="b")])
    with pytest.raises(ValueError, match="holds 2 articles; select one"):
        plots.stance_heatmap(two)


def test_frame_shift_outlines_the_dominant_frame():
    frames = pd.DataFrame({"article_id": "a", "paragraph": [1, 1, 2, 2], "frame": ["x", "y"] * 2,
                           "label": ["X frame", "Y frame"] * 2, "score": 0.0, "share": [0.7, 0.3, 0.2, 0.8]})
    figure = plots.frame_shift(frames)
    ax = figure.axes[0]
    outlined = [p for p in ax.patches if not p.get_fill()]
    assert [(round(p.get_x() + p.get_width() / 2), round(p.get_height())) for p in outlined] == [(1, 70), (2, 80)]
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["Y frame", "X frame"]


def test_highlighted_text_marks_mentions_evidence_and_margin(seed_article, default_targets):
    from edm_stance import get_scorer

    stance = get_scorer("lexicon").score([seed_article], default_targets)
    view = highlighted_text(seed_article, stance, default_targets)
    assert view._repr_html_() == view.html
    assert view.html.count("outline: 1.5px dashed") == 1 + (stance["label"] != "absent").sum() - 2  # legend + evidence
    assert 'title="NGOs: ' in view.html and "¶8" in view.html
    assert "no target mentioned" not in view.html  # every seed paragraph mentions a target


def _styles_of(figure):
    """(colour, marker) of each target's point markers, in drawing order."""
    return [(line.get_color(), line.get_marker()) for line in figure.axes[0].lines
            if line.get_linestyle() == "None" and line.get_marker() not in ("None", "", "|", "_") and line.get_markersize() < 10
            and len(line.get_xdata())]


def test_each_target_has_one_style_whatever_the_order_and_user_targets_come_next(stance):
    styles = plots.target_styles(["china", "west", "russia", "ngos", "azerbaijan"])
    assert (styles["russia"].color, styles["russia"].marker, styles["russia"].linestyle) == ("#D55E00", "o", "-")
    assert (styles["west"].color, styles["ngos"].color) == ("#0072B2", "#009E73")
    assert (styles["azerbaijan"].color, styles["china"].color) == (plots.TARGET_COLORS[3], plots.TARGET_COLORS[4])
    assert plots.target_styles(["china"])["china"].color == plots.TARGET_COLORS[3]  # the next free style
    reordered = stance.iloc[::-1]
    assert _styles_of(plots.stance_trajectory(stance)) == _styles_of(plots.stance_trajectory(reordered))
    assert ("#D55E00", "o") in _styles_of(plots.stance_trajectory(stance))
    summary = pd.DataFrame({"period": [pd.Timestamp("2006-01-01")] * 2 + [pd.Timestamp("2007-01-01")] * 2,
                            "target": ["ngos", "russia"] * 2, "n_articles": 4, "mean_score": 0.1, "low": 0.0, "high": 0.2})
    trend_styles = {(c, m) for c, m in _styles_of(plots.stance_trend(summary))}
    assert trend_styles == {(styles["russia"].color, "o"), (styles["ngos"].color, "^")}


def test_a_figure_with_nothing_to_draw_says_so_within_its_width(stance, tmp_path):
    nothing = stance.assign(label="absent", score=np.nan, confidence=np.nan)
    title = "Stance by paragraph: " + "A very long article title that would never fit on one line of a small figure " * 2
    figure = plots.stance_trajectory(nothing, title=title)
    ax = figure.axes[0]
    assert not ax.axison and not ax.lines
    assert [t.get_text().replace("\n", " ") for t in ax.texts] == [
        "No target (Russia, The West) is mentioned in the article's 3 paragraphs: there is no stance to plot."]
    figure.canvas.draw()
    texts = [text for text in figure.findobj(matplotlib.text.Text) if text.get_visible() and text.get_text()]
    assert len(texts) == 2  # the title and the message
    for text in texts:
        box = text.get_window_extent()
        assert figure.bbox.x0 <= box.x0 and box.x1 <= figure.bbox.x1, text.get_text()
    assert ax.get_title(loc="left").count("\n") >= 2
    trend = plots.stance_trend(pd.DataFrame({"period": [pd.Timestamp("2006-01-01")], "target": ["russia"], "n_articles": [0],
                                             "mean_score": [np.nan], "low": [np.nan], "high": [np.nan]}))
    assert [t.get_text().replace("\n", " ") for t in trend.axes[0].texts] == [
        "No article mentions a target: there is no stance to compare."]
    assert all(p.stat().st_size > 1000 for p in plots.save_figure(figure, tmp_path, "empty"))
    crossed = pd.DataFrame({"frame": ["economic"] * 2, "label": ["Economic"] * 2, "target": ["russia", "west"],
                            "score": np.nan, "weight": 0.0, "n_paragraphs": 0})
    assert [t.get_text().replace("\n", " ") for t in plots.frame_stance_heatmap(crossed).axes[0].texts] == [
        "No target (Russia, The West) is mentioned in the article: there is no stance to cross with the frames."]


def test_trend_breaks_lines_across_empty_periods_and_marks_thin_ones():
    years = [pd.Timestamp(f"{year}-01-01") for year in (2004, 2005, 2006, 2007)]
    summary = pd.DataFrame({"period": years, "target": "russia", "n_articles": [5, 0, 2, 4],
                            "mean_score": [0.2, np.nan, -0.3, 0.1], "low": [0.0, np.nan, -0.5, 0.0],
                            "high": [0.4, np.nan, -0.1, 0.3]})
    ax = plots.stance_trend(summary).axes[0]
    joined = [line for line in ax.lines if line.get_linestyle() == "-" and len(line.get_xdata()) == 4]
    assert len(joined) == 1 and np.isnan(joined[0].get_ydata()[1])  # no line across 2005
    hollow = [line for line in ax.lines if line.get_markerfacecolor() == "white" and len(line.get_xdata())]
    assert [list(line.get_ydata()) for line in hollow] == [[-0.3]]
    assert [t.get_text() for t in ax.texts] == ["n=2"]
    assert "hollow: fewer than 3 articles (n shown)" in [t.get_text() for t in ax.figure.legends[0].get_texts()]


def test_highlighted_text_gives_the_text_the_full_width(seed_article, default_targets):
    from edm_stance import get_scorer

    view = highlighted_text(seed_article, get_scorer("lexicon").score([seed_article], default_targets), default_targets)
    table = view.html[view.html.index("<table"):]
    assert 'style="border-collapse: collapse; table-layout: fixed; width: 100%;' in table
    assert '<colgroup><col style="width: 3.2em;"><col><col style="width: 270px;"></colgroup>' in table
    cells = re.findall(r"<td ([^>]*)>", table)
    assert len(cells) == 3 * len(seed_article.paragraphs)
    assert all("vertical-align: top" in cell and "text-align: " in cell and "background: transparent" in cell
               for cell in cells)  # inline styles, stronger than JupyterLab's table rules
    assert "EDM Vol. 3, No. 138" in view.html  # the seed has no Title line
    russia = plots.target_styles(["russia"])["russia"].color
    assert f"border-bottom: 3px solid {russia};\">Russia" in view.html.replace("Russian", "Russia")


def test_highlighted_text_saves_a_readable_page(seed_article, default_targets, tmp_path):
    from edm_stance import get_scorer

    view = highlighted_text(seed_article, get_scorer("lexicon").score([seed_article], default_targets), default_targets)
    path = view.save(tmp_path / "page.html")
    assert path.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert path.stat().st_mode & 0o777 == 0o644
    assert not list(tmp_path.glob(".*.tmp"))


def test_trajectory_band_is_the_ensemble_spread_and_absent_without_one(stance):
    def bands_and_legend(figure):
        ax = figure.axes[0]
        return len(ax.collections), [t.get_text() for t in figure.legends[0].get_texts()]

    n_bands, legend = bands_and_legend(plots.stance_trajectory(stance))
    assert n_bands == 0 and "score ± its standard deviation" not in legend
    spread = stance.assign(score_low=stance["score"] - 0.2, score_high=stance["score"] + 0.1)
    figure = plots.stance_trajectory(spread)
    n_bands, legend = bands_and_legend(figure)
    assert n_bands == 2 and "score ± its standard deviation" in legend  # one run of paragraphs per target
    for collection in figure.axes[0].collections:
        vertices = collection.get_paths()[0].vertices
        for x in np.unique(vertices[:, 0]):
            assert np.ptp(vertices[vertices[:, 0] == x, 1]) == pytest.approx(0.3)  # score - 0.2 to score + 0.1
