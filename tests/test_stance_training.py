"""The paragraph model's recipe end to end on a tiny random encoder: CV, calibration, ensemble, scoring."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from edm_stance.cli import main
from edm_stance.errors import ModelLoadError
from edm_stance.scoring import get_scorer
from edm_stance.stance_data import LABELS, StanceInput
from edm_stance.stance_model import ParagraphStanceModel, model_revision

from .conftest import NEWSMTSC, SEED


@pytest.fixture(scope="module")
def trained_dir(tmp_path_factory, tiny_encoder_dir):
    out = tmp_path_factory.mktemp("trained") / "model"
    code = main(["train", "--output", str(out), "--base-model", str(tiny_encoder_dir), "--no-newsmtsc", "--cv", "2",
                 "--members", "2", "--epochs", "1", "--limit", "48", "--max-length", "128", "--no-bf16"])
    assert code == 0
    return out


def test_train_writes_a_calibrated_ensemble(trained_dir):
    config = json.loads((trained_dir / "stance_config.json").read_text())
    assert config["members"] == ["member-0", "member-1"]
    assert config["temperature"] == pytest.approx(config["cv"]["temperature"]) and config["temperature"] > 0
    assert set(config["cv"]["metrics"]) == {"ngos", "russia", "west", "all"}
    assert config["training"]["n_corpus_pairs"] == 48 and config["training"]["members"] == 2
    predictions = pd.read_csv(trained_dir / "cv_predictions.csv")
    assert len(predictions) == 48 and set(predictions["fold"]) == {0, 1}
    assert not [p for p in trained_dir.parent.iterdir() if p.name.startswith(".")]  # no work folder left behind
    assert json.loads((trained_dir / "member-1" / "adapter_config.json").read_text())["base_model_name_or_path"]


def test_reloaded_ensemble_predicts_deterministically(trained_dir):
    model = ParagraphStanceModel.from_pretrained(trained_dir, device="cpu")
    items = [StanceInput("Moscow threatened Kyiv. NATO stayed calm.", ((0, 6),), "Russia", ((0, 23), (24, 41))),
             StanceInput("NGOs were raided.", ((0, 4),), "NGOs", ((0, 17),))]
    probs = model.predict_proba(items)
    assert probs.shape == (2, 2, 3) and np.allclose(probs.sum(-1), 1, atol=1e-5)
    assert not np.allclose(probs[:, 0], probs[:, 1])  # two members, two seeds
    again = ParagraphStanceModel.from_pretrained(trained_dir, device="cpu").predict_proba(items)
    assert np.allclose(again, probs, atol=1e-6)
    assert model.identity == model_revision(trained_dir)


def test_trained_model_scores_the_seed_through_the_cli(trained_dir, tmp_path, capsys):
    out = tmp_path / "out.csv"
    assert main(["score", str(SEED), "--model", str(trained_dir), "--scorer", "paragraph", "-o", str(out)]) == 0
    table = pd.read_csv(out)
    present = table[table["label"] != "absent"]
    assert len(table) == 24 and len(present) == 12
    assert set(present["label"]) <= set(LABELS[1:])
    assert (present["score_low"] <= present["score"] + 1e-9).all() and (present["score"] <= present["score_high"] + 1e-9).all()


def test_training_without_newsmtsc_path_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("EDM_STANCE_NEWSMTSC", raising=False)
    assert main(["train", "--output", str(tmp_path / "m")]) == 2
    assert "no NewsMTSC folder given" in capsys.readouterr().err


def test_not_a_model_folder_is_named(tmp_path):
    with pytest.raises(ModelLoadError, match="not a paragraph stance model"):
        ParagraphStanceModel.from_pretrained(tmp_path)


@pytest.mark.skipif(not (NEWSMTSC / "train.jsonl").is_file(), reason="NewsMTSC is not available")
def test_two_stage_recipe_with_newsmtsc(tmp_path, tiny_encoder_dir):
    out = tmp_path / "model"
    assert main(["train", "--output", str(out), "--base-model", str(tiny_encoder_dir), "--newsmtsc", str(NEWSMTSC),
                 "--cv", "0", "--members", "1", "--epochs", "1", "--limit", "32", "--max-length", "128"]) == 0
    config = json.loads((out / "stance_config.json").read_text())
    assert config["members_report"][0]["stage1"]["n_newsmtsc"] == 32
    assert set(config["newsmtsc_member0"]) == {"devtest_rw", "devtest_mt"}
    assert get_scorer("paragraph", model_name_or_path=str(out)).identity()["model_revision"] == model_revision(out)


def test_band_is_the_standard_deviation_of_the_stance_under_the_probabilities():
    from edm_stance.scoring.paragraph import stance_spread

    assert stance_spread(np.array([0.0, 1.0, 0.0])) == (0.0, 0.0)  # sure of neutral: no band
    score, spread = stance_spread(np.array([0.5, 0.0, 0.5]))  # torn between critical and favorable: the widest
    assert score == 0.0 and spread == pytest.approx(1.0)
    score, spread = stance_spread(np.array([0.1, 0.2, 0.7]))
    assert score == pytest.approx(0.6) and spread == pytest.approx(np.sqrt(0.8 - 0.36))


def test_members_that_differ_in_stage_2_only_share_the_stage_1_checkpoint():
    from edm_stance.stance_training import TrainSettings

    base = TrainSettings()
    assert TrainSettings(seed=14, stage1_seed=13).stage1_key() == base.stage1_key()
    assert TrainSettings(seed=14).stage1_key() != base.stage1_key()
