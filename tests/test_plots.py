"""Figures from small hand-made tables: they build, save as PNG and SVG, and show what they claim."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from edm_stance import plots
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
    view = plots.highlighted_text(seed_article, stance, default_targets)
    assert view._repr_html_() == view.html
    assert view.html.count("outline: 1.5px dashed") == 1 + (stance["label"] != "absent").sum() - 2  # legend + evidence
    assert 'title="NGOs: ' in view.html and "¶8" in view.html
    assert "no target mentioned" not in view.html  # every seed paragraph mentions a target
