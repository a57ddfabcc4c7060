"""Tables for reading: the per-target summary and the display form of a table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from edm_stance import tables
from edm_stance.shifts import stance_shifts


@pytest.fixture
def stance():
    rows = [("a", p, t, label, score) for p, t, label, score in [
        (1, "russia", "critical", -0.7), (2, "russia", "critical", -0.2), (3, "russia", "neutral", 0.1),
        (1, "west", "favorable", 0.6), (2, "west", "absent", np.nan), (3, "west", "favorable", 0.8),
        (1, "ngos", "absent", np.nan), (2, "ngos", "absent", np.nan), (3, "ngos", "absent", np.nan)]]
    return pd.DataFrame(rows, columns=["article_id", "paragraph", "target", "label", "score"]).assign(
        confidence=0.5, n_mentions=1, evidence="")


def test_the_most_favorable_paragraph_is_empty_when_none_is_favorable(stance):
    summary = tables.target_summary(stance, stance_shifts(stance)).set_index("target")
    assert list(summary.index) == ["russia", "west"]  # ngos is never present
    assert summary.loc["russia", "most_critical_paragraph"] == 1
    assert summary.loc["russia", "most_favorable_paragraph"] is pd.NA
    assert summary.loc["west", "most_critical_paragraph"] is pd.NA
    assert summary.loc["west", "most_favorable_paragraph"] == 3
    assert summary.loc["russia", ["critical", "neutral", "favorable", "paragraphs_present"]].tolist() == [2, 1, 0, 3]
    assert summary.loc["russia", "mean_score"] == pytest.approx(-0.8 / 3)
    assert tables.target_summary(stance.iloc[:0]).empty


def test_display_uses_names_percentages_and_shows_nothing_for_missing(stance):
    html = tables.for_display(tables.target_summary(stance)).to_html()
    assert ">Russia</td>" in html and ">The West</td>" in html and ">russia<" not in html
    assert ">most favorable paragraph</th>" in html and "<NA>" not in html and "nan" not in html
    assert ">−0.27<" in html.replace("-", "−")
    frames = pd.DataFrame({"paragraph": [1, 2], "frame": ["economic", "civil_society_rights"], "share": [0.291, 0.02],
                           "runner_up": ["energy", None]})
    shown = tables.for_display(frames, percent=["share"]).to_html()
    assert ">29%</td>" in shown and ">2%</td>" in shown and ">2.0<" not in shown and ">29.0<" not in shown
    assert ">Economic</td>" in shown and ">Energy</td>" in shown and ">civil_society_rights<" not in shown
    shown = tables.for_display(stance.iloc[3:]).to_html()
    assert "white-space: nowrap" in shown and "text-align: left" in shown  # ids never wrap, text reads left to right
    assert 'class="row_heading' not in shown  # no row numbers


def test_least_certain_lists_present_pairs_by_rising_confidence():
    from edm_stance.tables import least_certain

    table = pd.DataFrame({"article_id": "a", "paragraph": [1, 1, 2, 3], "target": ["russia", "west", "russia", "ngos"],
                          "label": ["favorable", "absent", "critical", "neutral"], "score": [0.8, None, -0.2, 0.0],
                          "confidence": [0.9, None, 0.4, 0.55], "evidence": ["x", "", "y", "z"]})
    checked = least_certain(table, n=2)
    assert checked[["paragraph", "target"]].values.tolist() == [[2, "russia"], [3, "ngos"]]
    assert len(least_certain(table, n=None)) == 3
