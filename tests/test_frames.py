"""Issue frames: the frames file, the zero-shot scorer on the seed's clear cases, dominant frames."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from edm_stance.errors import DataFileError
from edm_stance.frames import FRAME_COLUMNS, FrameScorer, dominant_frames, frame_stance, load_frames


def test_shipped_frames_have_descriptions_and_examples():
    frames = load_frames()
    assert list(frames) == ["economic", "security_military", "political_governance", "legality_crime_corruption",
                            "civil_society_rights", "public_opinion", "diplomacy_international", "energy",
                            "migration_labour"]
    assert all(frame.description and len(frame.examples) >= 3 for frame in frames.values())
    assert frames["migration_labour"].label == "Migration and labour"


def test_a_users_frames_file_replaces_the_shipped_one(tmp_path):
    path = tmp_path / "frames.yaml"
    path.write_text("ports:\n  description: Sea ports and shipping.\nfarming:\n  label: Farming\n  description: Crops.\n"
                    "  examples: [Wheat harvests fell.]\n", encoding="utf-8")
    frames = load_frames(path)
    assert list(frames) == ["ports", "farming"]
    assert frames["ports"].label == "ports" and frames["farming"].prototypes == ("Crops.", "Wheat harvests fell.")


@pytest.mark.parametrize(("text", "message"), [
    ("energy: [a, b]\nports: {description: x}\n", "frames.yaml: frame 'energy' must be a mapping"),
    ("energy: {description: x, colour: red}\nports: {description: x}\n", "frames.yaml: frame 'energy': unknown key(s) 'colour'"),
    ("energy: {label: Energy}\nports: {description: x}\n", "frames.yaml: frame 'energy' needs a non-empty 'description'"),
    ("energy: {description: x}\n", "frames.yaml: must map at least two frame names"),
    ("energy: {description: [\n", "frames.yaml: not valid YAML"),
])
def test_bad_frames_files_name_the_file_and_the_problem(tmp_path, text, message):
    path = tmp_path / "frames.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match=re.escape(message)):
        load_frames(path)


def test_missing_frames_file(tmp_path):
    with pytest.raises(DataFileError, match=re.escape(f"{tmp_path / 'nope.yaml'}: no such frames file")):
        load_frames(tmp_path / "nope.yaml")


@pytest.fixture(scope="module")
def seed_frames(seed_article):
    return FrameScorer().score([seed_article])


def test_frame_table_is_tidy_and_shares_sum_to_one(seed_frames):
    assert list(seed_frames.columns) == FRAME_COLUMNS
    assert len(seed_frames) == 8 * 9
    sums = seed_frames.groupby("paragraph")["share"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, atol=1e-5)
    assert seed_frames["share"].between(0, 1).all()


def test_seed_clear_cases(seed_frames):
    top = seed_frames.sort_values("share", ascending=False).groupby("paragraph").head(3)
    top3 = top.groupby("paragraph")["frame"].agg(list)
    dominant = dominant_frames(seed_frames).set_index("paragraph")["frame"]
    # Paragraph 2: Russian investment and the military base at Kant.
    assert dominant[2] == "economic"
    assert "security_military" in top3[2]
    # Paragraph 5: how Kyrgyz citizens and an online survey see Russia.
    assert dominant[5] == "public_opinion"
    # Paragraph 7: migrant workers and remittances.
    assert dominant[7] == "migration_labour"
    assert seed_frames.query("paragraph == 7 and frame == 'migration_labour'")["share"].item() > 0.5


def test_scoring_is_deterministic(seed_article, seed_frames):
    again = FrameScorer().score(seed_article)
    pd.testing.assert_frame_equal(again, seed_frames)


def test_frame_stance_weights_scores_by_frame_share():
    frames = pd.DataFrame({"article_id": "a", "paragraph": [1, 1, 2, 2], "frame": ["x", "y", "x", "y"],
                           "label": ["X", "Y", "X", "Y"], "score": 0.0, "share": [0.75, 0.25, 0.25, 0.75]})
    stance = pd.DataFrame({"article_id": "a", "paragraph": [1, 2, 1, 2], "target": ["t", "t", "u", "u"],
                           "label": ["favorable", "critical", "absent", "absent"], "score": [0.8, -0.4, np.nan, np.nan]})
    crossed = frame_stance(frames, stance).set_index(["frame", "target"])
    assert crossed.loc[("x", "t"), "score"] == pytest.approx((0.75 * 0.8 - 0.25 * 0.4) / 1.0)
    assert crossed.loc[("y", "t"), "weight"] == pytest.approx(1.0)
    assert np.isnan(crossed.loc[("x", "u"), "score"]) and crossed.loc[("x", "u"), "weight"] == 0
