"""Refit on corrections (tiny random encoder): predictions move toward the corrections, the new folder is a
complete model with its card, rescoring picks it up, and agreement is checked only on held-out corrections."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from edm_stance.cache import ResultCache
from edm_stance.cli import main
from edm_stance.corrections import CorrectionLog, correction_inputs, latest_corrections, read_corrections
from edm_stance.evaluation import STANCE_LABELS
from edm_stance.refit import REFIT_CORRECTIONS, RefitSettings, refit_stance_model, trained_keys
from edm_stance.review import review_queue
from edm_stance.scoring import get_scorer
from edm_stance.stance_data import default_corpus_path
from edm_stance.stance_model import ParagraphStanceModel, model_revision

from .conftest import SEED


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    """The first 40 paragraphs of the synthetic corpus: what the tests replay."""
    path = tmp_path_factory.mktemp("corpus") / "paragraphs.jsonl"
    lines = default_corpus_path().read_text(encoding="utf-8").splitlines(keepends=True)[:40]
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def seed_queue(tiny_stance_model_dir, seed_article, default_targets):
    scorer = get_scorer("paragraph", model_name_or_path=str(tiny_stance_model_dir))
    table = scorer.score([seed_article], default_targets)
    return review_queue([seed_article], table, default_targets, model=str(tiny_stance_model_dir),
                        model_revision=model_revision(tiny_stance_model_dir))


def _correct_against_the_model(queue: pd.DataFrame, folder, model_dir) -> pd.DataFrame:
    """Label every row with the stance the model finds least probable (an analyst who disagrees)."""
    probs = ParagraphStanceModel.from_pretrained(model_dir, device="cpu").predict_proba(
        correction_inputs(queue.assign(mentions=[json.dumps(m) for m in queue["mentions"]]))).mean(axis=1)
    log = CorrectionLog(folder=folder, analyst="jane")
    for row, p in zip(queue.to_dict("records"), probs):
        label = STANCE_LABELS[int(p.argmin())]
        log.append({**row, "label": label, "strength": {"critical": -1, "neutral": 0, "favorable": 1}[label]})
    return latest_corrections(read_corrections(folder))


def _probability_of_correction(model_dir, corrections: pd.DataFrame) -> np.ndarray:
    probs = ParagraphStanceModel.from_pretrained(model_dir, device="cpu").predict_proba(
        correction_inputs(corrections)).mean(axis=1)
    return probs[np.arange(len(corrections)), [STANCE_LABELS.index(label) for label in corrections["label"]]]


def test_refit_moves_the_corrected_paragraphs_toward_the_corrections(tmp_path, seed_queue, tiny_stance_model_dir,
                                                                      small_corpus):
    corrections = _correct_against_the_model(seed_queue, tmp_path / "corrections", tiny_stance_model_dir)
    assert len(corrections) == 12
    out = tmp_path / "refit"
    report = refit_stance_model(out, tmp_path / "corrections", model_dir=tiny_stance_model_dir,
                                corpus_paths=[small_corpus],
                                settings=RefitSettings(epochs=6, learning_rate=3e-3, replay=8, holdout=0.0))
    assert report["n_corrections"] == 12 and report["n_held_out"] == 0 and report["members"] == 2
    before = _probability_of_correction(tiny_stance_model_dir, corrections)
    after = _probability_of_correction(out, corrections)
    assert after.mean() > before.mean() + 0.1, (before, after)
    assert (after > before).mean() >= 0.75, (before, after)


def test_refit_through_the_cli_then_rescore_and_evaluate(tmp_path, seed_queue, tiny_stance_model_dir, small_corpus,
                                                         default_targets, capsys):
    folder = tmp_path / "corrections"
    corrections = _correct_against_the_model(seed_queue, folder, tiny_stance_model_dir)
    out = tmp_path / "models" / "refit-1"
    assert main(["train", "--corrections", str(folder), "--model", str(tiny_stance_model_dir), "--output", str(out),
                 "--corpus", str(small_corpus), "--epochs", "2", "--holdout", "0.3", "--no-newsmtsc"]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"refitted 2 member\(s\) on \d+ correction\(s\) \(\d+ held out\)", printed)
    config = json.loads((out / "stance_config.json").read_text())
    refit = config["refits"][-1]
    assert refit["base_model_revision"] == model_revision(tiny_stance_model_dir)
    assert refit["n_corrections"] + refit["n_held_out"] == 12 and refit["n_held_out"] > 0
    assert config["temperature"] == json.loads((tiny_stance_model_dir / "stance_config.json").read_text())["temperature"]
    card = (out / "MODEL.md").read_text()
    assert f"on **{refit['n_corrections']} corrections**" in card and "| after |" in card
    history = pd.read_csv(out / REFIT_CORRECTIONS)
    assert sorted(history["split"].value_counts().to_dict().items()) == [("held_out", refit["n_held_out"]),
                                                                         ("train", refit["n_corrections"])]
    assert len(trained_keys(out)) == refit["n_corrections"]
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no work folder left behind

    # --model DIR everywhere: the CLI scores with it, and the cache keys on its revision
    assert model_revision(out) != model_revision(tiny_stance_model_dir)
    identities = [get_scorer("paragraph", model_name_or_path=str(m)).identity() for m in (tiny_stance_model_dir, out)]
    caches = [ResultCache(tmp_path / "cache", scorer_identity=i, targets=default_targets) for i in identities]
    assert caches[0].key != caches[1].key
    assert main(["score", str(SEED), "--scorer", "paragraph", "--model", str(out), "-o", str(tmp_path / "after.csv"),
                 "--cache-dir", str(tmp_path / "cache")]) == 0
    assert len(pd.read_csv(tmp_path / "after.csv")) == 24

    # agreement before/after on the held-out corrections only
    capsys.readouterr()
    assert main(["evaluate", "--gold", str(folder), "--model", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"12 corrected pair(s); {refit['n_corrections']} used to train the model(s) are left out; agreement on " \
           f"the other {refit['n_held_out']}:" in printed
    assert f"  before: {tiny_stance_model_dir}" in printed and f"  after: {out}" in printed
    assert re.search(rf"^after\s+all\s+{refit['n_held_out']}\s", printed, re.MULTILINE)

    # a refit of the refit keeps the history, and nothing trained on is ever evaluated
    again = tmp_path / "models" / "refit-2"
    assert main(["train", "--corrections", str(folder), "--model", str(out), "--output", str(again),
                 "--corpus", str(small_corpus), "--epochs", "1", "--holdout", "0", "--no-newsmtsc"]) == 0
    assert len(json.loads((again / "stance_config.json").read_text())["refits"]) == 2
    assert trained_keys(again) == set(zip(corrections["article_id"], corrections["paragraph"], corrections["target"]))
    capsys.readouterr()
    assert main(["evaluate", "--gold", str(folder), "--model", str(again)]) == 2
    assert capsys.readouterr().err == (f"edm-stance: error: {folder}: every one of its 12 correction(s) was used to "
                                       "train the model; nothing is left to check it on (correct more paragraphs, or "
                                       "refit with --holdout)\n")


@pytest.mark.parametrize(("argv", "message"), [
    (["--corrections", "C", "--members", "3"], "--members cannot change in a refit"),
    (["--model", "M"], "--model: only for a refit (with --corrections); drop it to train from the corpus"),
    (["--corrections", "C", "--holdout", "1"], "--holdout must be a share from 0 up to (not including) 1; got 1.0"),
])
def test_refit_options_are_checked(tmp_path, capsys, argv, message):
    assert main(["train", "--output", str(tmp_path / "out"), *argv]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_refit_of_a_folder_that_is_no_model_is_one_line(tmp_path, capsys):
    CorrectionLog(folder=tmp_path / "c", analyst="jane")  # no file yet
    assert main(["train", "--corrections", str(tmp_path / "c"), "--model", str(tmp_path), "--output",
                 str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == (f"edm-stance: error: {tmp_path}: not a paragraph stance model (no "
                                       "stance_config.json); refit a model written by 'edm-stance train'\n")


def test_an_empty_model_means_the_default_and_a_model_needs_a_scorer_that_takes_one(tmp_path, capsys):
    from edm_stance.errors import ScorerOptionError
    from edm_stance.scoring import scorer_for

    assert scorer_for("lexicon", "").name == "lexicon" and scorer_for("paragraph", None).model_name_or_path is None
    with pytest.raises(ScorerOptionError, match="The 'lexicon' scorer takes no option 'model_name_or_path'"):
        scorer_for("lexicon", str(tmp_path))
    assert main(["report", str(SEED), "--scorer", "lexicon", "--model", str(tmp_path), "-o", str(tmp_path / "r")]) == 2
    assert "takes no option 'model_name_or_path'" in capsys.readouterr().err and not (tmp_path / "r").exists()


def test_top_layers_leaves_the_lower_layers_as_they_were(tiny_stance_model_dir, seed_queue):
    import torch

    from edm_stance.corrections import correction_examples
    from edm_stance.refit import refit_members

    corrections = seed_queue.head(6).assign(label="favorable", strength=1.0,
                                            mentions=[json.dumps(m) for m in seed_queue.head(6)["mentions"]])
    before = ParagraphStanceModel.load_member(tiny_stance_model_dir, 0, device="cpu")
    models, losses = refit_members(tiny_stance_model_dir, correction_examples(corrections), [],
                                   RefitSettings(epochs=2, learning_rate=1e-2, top_layers=1), device="cpu")
    assert len(models) == 2 and all(len(epochs) == 2 for epochs in losses)
    old = dict(before.encoder.named_parameters())
    changed = {name: not torch.equal(p, old[name]) for name, p in models[0].encoder.named_parameters() if "lora_" in name}
    assert changed and not any(v for k, v in changed.items() if ".layer.0." in k)
    assert all(v for k, v in changed.items() if ".layer.1." in k and "lora_B" in k)
