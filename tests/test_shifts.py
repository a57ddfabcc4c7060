"""Stance and frame shifts on small hand-made tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from edm_stance.shifts import STANCE_SHIFT_COLUMNS, frame_shifts, stance_shifts


def _stance(rows):
    return pd.DataFrame(rows, columns=["article_id", "paragraph", "target", "label", "score"])


def test_flip_jump_and_absent_paragraphs_skipped():
    table = _stance([
        ("a", 1, "russia", "favorable", 0.6), ("a", 2, "russia", "absent", np.nan),
        ("a", 3, "russia", "critical", -0.3), ("a", 4, "russia", "critical", -0.9),
        ("a", 5, "russia", "neutral", -0.8), ("a", 1, "west", "neutral", 0.1), ("a", 2, "west", "favorable", 0.3),
    ])
    shifts = stance_shifts(table, threshold=0.5)
    assert list(shifts.columns) == STANCE_SHIFT_COLUMNS
    assert shifts[["target", "from_paragraph", "to_paragraph", "kind"]].values.tolist() == [
        ["russia", 1, 3, "flip"], ["russia", 3, 4, "jump"]]
    assert shifts["change"].tolist() == pytest.approx([-0.9, -0.6])


def test_threshold_must_be_positive():
    with pytest.raises(ValueError, match="threshold must be positive, got 0"):
        stance_shifts(_stance([]), threshold=0)


def test_no_present_pairs_give_an_empty_table():
    assert stance_shifts(_stance([("a", 1, "ngos", "absent", np.nan)])).empty


def test_frame_shifts_follow_the_dominant_frame():
    frames = pd.DataFrame({"article_id": "a", "paragraph": [1, 1, 2, 2, 3, 3], "frame": ["x", "y"] * 3,
                           "label": ["X", "Y"] * 3, "score": 0.0, "share": [0.7, 0.3, 0.6, 0.4, 0.2, 0.8]})
    shifts = frame_shifts(frames)
    assert shifts[["from_paragraph", "to_paragraph", "from_frame", "to_frame"]].values.tolist() == [[2, 3, "x", "y"]]
