"""experiments/frames_cv.py in its smoke mode: a tiny encoder, 60 paragraphs, 2 folds; then --train-final."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pandas as pd
import pytest

from edm_stance.frames import FrameScorer, load_frames

from .conftest import ROOT

FRAMES = list(load_frames())
KEYS = {"n", "accuracy", "macro_f1", "kappa", "top2_accuracy", "ece_before", "ece_after", "ece_after_crossfit",
        "temperature", "per_frame_f1", "confusion"}


def _script():
    spec = importlib.util.spec_from_file_location("frames_cv", ROOT / "experiments" / "frames_cv.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def smoke(tmp_path_factory, tiny_encoder_dir):
    folder = tmp_path_factory.mktemp("frames_cv")
    argv = ["--limit", "60", "--k", "2", "--epochs", "1", "--max-length", "64", "--no-bf16", "--name", "smoke",
            "--base-model", str(tiny_encoder_dir), "--results", str(folder / "smoke.json"),
            "--predictions", str(folder / "smoke.parquet")]
    script = _script()
    script.main(argv)
    return script, argv, folder


def test_cv_writes_both_methods_metrics(smoke):
    _, _, folder = smoke
    result = json.loads((folder / "smoke.json").read_text())
    assert result["k"] == 2 and result["frames"] == FRAMES and result["settings"]["epochs"] == 1
    assert result["data"]["n_paragraphs"] == 60 and sum(result["data"]["dominant_counts"].values()) == 60
    for method in ("trained", "zero_shot"):
        metrics = result[method]
        assert set(metrics) == KEYS, method
        assert metrics["n"] == 60
        assert all(0 <= metrics[key] <= 1 for key in ("accuracy", "macro_f1", "top2_accuracy", "ece_before", "ece_after"))
        assert metrics["accuracy"] <= metrics["top2_accuracy"] and metrics["temperature"] > 0
        assert list(metrics["per_frame_f1"]) == FRAMES
        assert sum(sum(row.values()) for row in metrics["confusion"].values()) == 60
        correct = sum(metrics["confusion"][frame][frame] for frame in FRAMES)
        assert correct / 60 == pytest.approx(metrics["accuracy"])
    assert result["agreement"]["original_A_vs_B"] == pytest.approx({"n": 1070, "agreement": 0.964, "kappa": 0.953}, abs=5e-4)
    second = result["agreement"]["second_release_writer_vs_blind_annotator"]
    assert second == pytest.approx({"n": 2295, "agreement": 0.810, "kappa": 0.781}, abs=5e-4)


def test_cv_folds_are_grouped_by_article(smoke):
    _, _, folder = smoke
    predictions = pd.read_parquet(folder / "smoke.parquet")
    assert len(predictions) == 60 and set(predictions["fold"]) == {0, 1}
    assert (predictions.groupby("article_id")["fold"].nunique() == 1).all()
    assert [c for c in predictions.columns if c.startswith("logit_")] == [f"logit_{f}" for f in FRAMES]


def test_train_final_writes_a_calibrated_model_with_its_card(smoke, tmp_path, seed_article):
    script, argv, folder = smoke
    result = json.loads((folder / "smoke.json").read_text())
    model_dir = tmp_path / "frames_model"
    model_dir.mkdir()
    (model_dir / "stale.txt").write_text("an older model")  # replaced whole
    script.main([*argv, "--train-final", str(model_dir)])
    assert sorted(p.name for p in model_dir.iterdir()) == ["FRAMES.md", "adapter_config.json",
                                                           "adapter_model.safetensors", "frame_config.json",
                                                           "head.safetensors"]
    assert not list(tmp_path.glob(".frames_model.*"))
    config = json.loads((model_dir / "frame_config.json").read_text())
    assert config["temperature"] == result["trained"]["temperature"] and config["frames"] == FRAMES
    card = (model_dir / "FRAMES.md").read_text()
    trained, zero_shot = result["trained"], result["zero_shot"]
    assert f"| dominant-frame accuracy | {trained['accuracy']:.3f} | {zero_shot['accuracy']:.3f} |" in card
    assert f"T = {result['trained']['temperature']:.3f}" in card and "agreed on 0.964 (kappa 0.953)" in card
    assert "## Data" in card and "## Settings" in card and "| epochs | 1 |" in card
    scorer = FrameScorer(model_name_or_path=str(model_dir))
    assert f"dominant-frame accuracy {result['trained']['accuracy']:.2f}" in scorer.describe()
    table = scorer.score([seed_article])
    np.testing.assert_allclose(table.groupby("paragraph")["share"].sum().to_numpy(), 1.0, atol=1e-9)


def test_train_final_needs_a_matching_cv_result(smoke, tmp_path):
    script, argv, folder = smoke
    with pytest.raises(SystemExit, match="differ from these; its temperature does not apply"):
        script.main([*argv, "--epochs", "2", "--train-final", str(tmp_path / "model")])
    with pytest.raises(SystemExit, match="no cross-validation result; run the cross-validation first"):
        script.main([*argv, "--results", str(tmp_path / "none.json"), "--train-final", str(tmp_path / "model")])
    assert not (tmp_path / "model").exists()


def test_a_model_without_a_cv_report_says_so(tiny_frame_model_dir):
    assert FrameScorer(model_name_or_path=str(tiny_frame_model_dir)).describe().endswith(
        "(temperature 1.50); this model carries no cross-validation report")
    assert "not a calibrated probability" in FrameScorer(method="similarity").describe()


def test_one_fold_hold_out_ships_that_folds_model(tmp_path, tiny_encoder_dir, seed_article):
    argv = ["--limit", "60", "--k", "2", "--epochs", "1", "--max-length", "64", "--no-bf16", "--name", "holdout",
            "--base-model", str(tiny_encoder_dir), "--results", str(tmp_path / "holdout.json"),
            "--predictions", str(tmp_path / "holdout.parquet"), "--folds", "1", "--ship", str(tmp_path / "model")]
    _script().main(argv)
    result = json.loads((tmp_path / "holdout.json").read_text())
    predictions = pd.read_parquet(tmp_path / "holdout.parquet")
    assert set(predictions["fold"]) == {1} and result["folds"] == [1]
    held = result["data"]["held_out"]["n_paragraphs"]
    assert held == len(predictions) == result["trained"]["n"] < 60
    assert result["trained"]["ece_after_crossfit"] is not None
    config = json.loads((tmp_path / "model" / "frame_config.json").read_text())
    assert config["temperature"] == result["trained"]["temperature"]
    assert config["data"]["n_paragraphs"] == 60 - held  # trained on the other fold only
    card = (tmp_path / "model" / "FRAMES.md").read_text()
    assert "## Grouped hold-out (fold 1 of 2 by article" in card and f"other {held} paragraphs" in card
    assert "On a grouped hold-out (one fold of 2, by article)" in FrameScorer(model_name_or_path=str(tmp_path / "model")).describe()
    table = FrameScorer(model_name_or_path=str(tmp_path / "model")).score([seed_article])
    np.testing.assert_allclose(table.groupby("paragraph")["share"].sum().to_numpy(), 1.0, atol=1e-9)


def test_ship_needs_exactly_one_fold(tmp_path):
    with pytest.raises(SystemExit, match="give exactly one fold"):
        _script().main(["--ship", str(tmp_path / "model"), "--folds", "0,1"])
    assert not (tmp_path / "model").exists()
