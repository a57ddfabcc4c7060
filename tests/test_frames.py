"""Issue frames: the frames file, which method scores which frames, the trained and the zero-shot scorer, dominant frames."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from edm_stance import frame_model
from edm_stance.errors import DataFileError, ModelLoadError, ScorerOptionError
from edm_stance.frame_model import FRAME_MODEL_ENV, softmax
from edm_stance.frames import FRAME_COLUMNS, FrameScorer, dominant_frames, frame_share_table, frame_stance, load_frames


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
    return FrameScorer(method="similarity").score([seed_article])


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
    again = FrameScorer(method="similarity").score(seed_article)
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


def _users_frames(tmp_path):
    path = tmp_path / "my_frames.yaml"
    path.write_text("ports:\n  description: Sea ports, shipping and cargo.\nfarming:\n  description: Crops and harvests.\n",
                    encoding="utf-8")
    return load_frames(path)


def test_which_method_scores_which_frames(tmp_path, tiny_frame_model_dir):
    assert FrameScorer().method_used == "model"  # the shipped frames: the trained model
    assert FrameScorer(frames=load_frames()).method_used == "model"  # the same frames, passed explicitly
    users = _users_frames(tmp_path)
    assert FrameScorer(frames=users).method_used == "similarity"  # a user's frames: no model is trained on them
    assert FrameScorer(method="similarity").method_used == "similarity"  # the shipped frames, zero-shot on request
    assert FrameScorer(model_name_or_path=str(tiny_frame_model_dir)).method_used == "model"
    with pytest.raises(ScorerOptionError, match="method 'similarity' takes no model_name_or_path"):
        FrameScorer(method="similarity", model_name_or_path=str(tiny_frame_model_dir))
    with pytest.raises(ValueError, match=re.escape("must be one of auto, model, similarity. Got 'bert' instead.")):
        FrameScorer(method="bert")


@pytest.fixture(scope="module")
def model_frames(seed_article, tiny_frame_model_dir):
    return FrameScorer(model_name_or_path=str(tiny_frame_model_dir)).score([seed_article])


def test_model_table_is_tidy_shares_sum_to_one_and_follow_the_calibrated_scores(model_frames):
    assert list(model_frames.columns) == FRAME_COLUMNS
    assert len(model_frames) == 8 * 9
    assert model_frames["frame"].unique().tolist() == list(load_frames())
    assert model_frames.loc[model_frames["frame"] == "energy", "label"].unique().tolist() == ["Energy"]
    np.testing.assert_allclose(model_frames.groupby("paragraph")["share"].sum().to_numpy(), 1.0, atol=1e-9)
    assert model_frames["share"].between(0, 1).all()
    for _, paragraph in model_frames.groupby("paragraph"):  # share = softmax of the calibrated logits
        np.testing.assert_allclose(paragraph["share"].to_numpy(), softmax(paragraph["score"].to_numpy()), rtol=1e-6)


def test_model_scores_are_deterministic_and_the_same_for_texts(seed_article, model_frames, tiny_frame_model_dir):
    scorer = FrameScorer(model_name_or_path=str(tiny_frame_model_dir))
    pd.testing.assert_frame_equal(scorer.score(seed_article), model_frames)
    _, shares = scorer.predict_shares([p.text for p in seed_article.paragraphs])
    np.testing.assert_allclose(shares.ravel(), model_frames["share"].to_numpy(), rtol=1e-6)


def test_model_temperature_is_applied(seed_article, tiny_frame_model_dir):
    scorer = FrameScorer(model_name_or_path=str(tiny_frame_model_dir))
    model = frame_model.load_frame_model(str(tiny_frame_model_dir), None)
    logits = model.predict_logits([p.text for p in seed_article.paragraphs])
    assert model.config["temperature"] == 1.5
    np.testing.assert_allclose(scorer.predict_shares(seed_article.paragraphs)[1], softmax(logits, 1.5), rtol=1e-6)


def test_empty_input_gives_an_empty_table_without_loading_a_model(monkeypatch, tiny_frame_model_dir):
    monkeypatch.setattr(frame_model, "load_frame_model", lambda *a, **k: pytest.fail("the model was loaded"))
    table = FrameScorer(model_name_or_path=str(tiny_frame_model_dir)).score([])
    assert table.empty and list(table.columns) == FRAME_COLUMNS


def test_the_model_folder_comes_from_the_option_else_the_variable_else_the_package(monkeypatch, tmp_path):
    monkeypatch.delenv(FRAME_MODEL_ENV, raising=False)
    assert FrameScorer().model_dir == frame_model.shipped_frame_model_dir()
    assert frame_model.shipped_frame_model_dir().parts[-3:] == ("edm_stance", "data", "frames_model")
    monkeypatch.setenv(FRAME_MODEL_ENV, str(tmp_path / "mine"))
    assert FrameScorer().model_dir == tmp_path / "mine"
    assert FrameScorer(model_name_or_path=str(tmp_path / "other")).model_dir == tmp_path / "other"


def test_a_missing_shipped_model_says_where_it_goes_and_how_to_get_it(monkeypatch, tmp_path):
    folder = tmp_path / "frames_model"
    monkeypatch.delenv(FRAME_MODEL_ENV, raising=False)
    monkeypatch.setattr(frame_model, "shipped_frame_model_dir", lambda: folder)
    message = (f"{folder}: the trained frame model is missing (no frame_config.json); train it with 'python "
               f"experiments/frames_cv.py --train-final {folder}' (see README), or use the zero-shot frames: "
               "--method similarity (FrameScorer(method='similarity'))")
    with pytest.raises(ModelLoadError, match=re.escape(message)):
        FrameScorer().identity()
    with pytest.raises(ModelLoadError, match=re.escape(message)):
        FrameScorer().predict_shares(["A paragraph about gas."])


def _broken_models(tmp_path, tiny_frame_model_dir):
    import shutil

    (tmp_path / "a_file").write_text("x")
    empty = tmp_path / "empty"
    empty.mkdir()
    bad_config = tmp_path / "bad_config"
    shutil.copytree(tiny_frame_model_dir, bad_config)
    (bad_config / "frame_config.json").write_text("{not json")
    bad_head = tmp_path / "bad_head"
    shutil.copytree(tiny_frame_model_dir, bad_head)
    (bad_head / "head.safetensors").write_bytes(b"broken")
    return [
        (tmp_path / "nowhere", f"{tmp_path / 'nowhere'}: no such frame model folder"),
        (tmp_path / "a_file", f"{tmp_path / 'a_file'}: is a file, not a frame model folder"),
        (empty, f"{empty}: not a frame model (no frame_config.json or head.safetensors)"),
        (bad_config, f"{bad_config / 'frame_config.json'}: not a readable frame config"),
        (bad_head, f"{bad_head / 'head.safetensors'}: the frame layer could not be loaded"),
    ]


def test_broken_model_folders_are_one_clear_error(tmp_path, tiny_frame_model_dir):
    for folder, message in _broken_models(tmp_path, tiny_frame_model_dir):
        with pytest.raises(ModelLoadError, match=re.escape(message)):
            FrameScorer(model_name_or_path=str(folder)).predict_shares(["Gas prices rose again."])


def test_a_model_scores_only_the_frames_it_was_trained_on(tmp_path, tiny_frame_model_dir):
    scorer = FrameScorer(frames=_users_frames(tmp_path), model_name_or_path=str(tiny_frame_model_dir))
    with pytest.raises(ModelLoadError, match=re.escape(f"{tiny_frame_model_dir}: the frame model scores the frames "
                                                       "economic, security_military")):
        scorer.identity()


def test_users_frames_are_scored_by_similarity(tmp_path, seed_article):
    table = FrameScorer(frames=_users_frames(tmp_path)).score([seed_article])
    assert table["frame"].unique().tolist() == ["ports", "farming"] and len(table) == 16
    np.testing.assert_allclose(table.groupby("paragraph")["share"].sum().to_numpy(), 1.0, atol=1e-5)
    assert FrameScorer(frames=_users_frames(tmp_path)).identity()["method"] == "similarity"


def test_identity_changes_with_the_frames_and_the_model(tmp_path, tiny_frame_model_dir):
    import shutil

    shipped = FrameScorer(model_name_or_path=str(tiny_frame_model_dir)).identity()
    relabelled = {**load_frames()}
    relabelled["energy"] = replace(relabelled["energy"], label="Oil and gas")
    assert FrameScorer(frames=relabelled, model_name_or_path=str(tiny_frame_model_dir)).identity() != shipped
    retrained = tmp_path / "retrained"
    shutil.copytree(tiny_frame_model_dir, retrained)
    config = (retrained / "frame_config.json").read_text().replace('"temperature": 1.5', '"temperature": 2.0')
    (retrained / "frame_config.json").write_text(config)
    assert FrameScorer(model_name_or_path=str(retrained)).identity()["model_revision"] != shipped["model_revision"]


def test_frame_share_table_has_one_row_per_paragraph():
    frames = pd.DataFrame({"article_id": ["b"] * 4 + ["a"] * 2, "paragraph": [1, 1, 2, 2, 1, 1],
                           "frame": ["x", "y"] * 3, "label": ["X", "Y"] * 3, "score": 0.0,
                           "share": [0.75, 0.25, 0.4, 0.6, 0.5, 0.5]})
    wide = frame_share_table(frames)
    assert list(wide.columns) == ["article_id", "paragraph", "frame", "share", "runner_up", "runner_up_share",
                                  "share_x", "share_y"]
    assert wide[["article_id", "paragraph", "frame", "runner_up"]].values.tolist() == [
        ["b", 1, "x", "y"], ["b", 2, "y", "x"], ["a", 1, "x", "y"]]  # input order; a tie goes to the first frame
    assert wide["share"].tolist() == [0.75, 0.6, 0.5] and wide["share_y"].tolist() == [0.25, 0.6, 0.5]
