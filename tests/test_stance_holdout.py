"""experiments/stance_holdout.py on fabricated fold predictions: metrics, the baseline, the shipped card."""

from __future__ import annotations

import importlib.util
import json
import sys

import numpy as np
import pandas as pd
import pytest

from edm_stance.stance_data import LABELS, corpus_examples, default_corpus_path, grouped_folds, read_corpus_file
from edm_stance.targets import load_targets

from .conftest import ROOT


def _script(name: str):
    sys.path.insert(0, str(ROOT / "experiments"))
    try:
        spec = importlib.util.spec_from_file_location(name, ROOT / "experiments" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "experiments"))
    return module


@pytest.fixture
def run(tmp_path, monkeypatch):
    """A 12-article corpus, and fold 0 (of 3) predictions that are right except where noted."""
    lines = default_corpus_path().read_text(encoding="utf-8").splitlines()
    articles = list(dict.fromkeys(json.loads(line)["article_id"] for line in lines))[:12]
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("\n".join(line for line in lines if json.loads(line)["article_id"] in articles) + "\n")
    examples = corpus_examples(read_corpus_file(corpus), load_targets())
    held = [examples[i] for i in grouped_folds(examples, 3, 0)[0][1]]
    rng = np.random.default_rng(0)
    logits = np.eye(4)[[ex.label for ex in held]] * 3 + rng.normal(0, 0.3, (len(held), 4))
    logits[0] = np.roll(logits[0], 1)  # one wrong
    folder = tmp_path / "runs" / "holdout"
    (folder / "fold0-model" / "member-0").mkdir(parents=True)
    (folder / "fold0-model" / "member-0" / "adapter_model.safetensors").write_bytes(b"x" * 2000)
    (folder / "fold0-model" / "stance_config.json").write_text(json.dumps({"max_length": 320, "temperature": 1.0}))
    (folder / "fold0-checks.json").write_text(json.dumps({"devtest_rw": {"n": 10, "f1m": 77.0}, "seed": {"stance_macro_f1": 0.5}}))
    pd.DataFrame([{"article_id": ex.key[0], "paragraph": ex.key[1], "target": ex.key[2], "gold": LABELS[ex.label],
                   "fold": 0, "member": 0, "seconds": 1.0, **{f"logit_{label}": z for label, z in zip(LABELS, row)}}
                  for ex, row in zip(held, logits)]).to_parquet(folder / "fold0.parquet")
    script = _script("stance_holdout")
    monkeypatch.setattr(script, "RUNS", tmp_path / "runs")
    monkeypatch.setattr(script, "RESULTS", tmp_path / "results")
    return script, corpus, tmp_path


def test_holdout_metrics_baseline_and_shipped_card(run, monkeypatch):
    script, corpus, tmp = run
    monkeypatch.setattr(sys, "argv", ["stance_holdout.py", "--k", "3", "--corpus", str(corpus), "--baseline", "lexicon",
                                      "--ship", str(tmp / "model")])
    script.main()
    result = json.loads((tmp / "results" / "holdout.json").read_text())
    assert result["n_held_articles"] == 4 and result["n_train_articles"] == 8
    assert 0.8 < result["metrics"]["all"]["stance_macro_f1"] < 1.0  # one pair wrong
    assert result["baseline"]["scorer"] == "lexicon"
    assert result["baseline"]["metrics"]["all"]["stance_macro_f1"] < result["metrics"]["all"]["stance_macro_f1"]
    assert result["temperature"] > 0 and result["ece_after"] <= result["ece_before"] + 1e-9
    assert result["settings"]["stage2"]["epochs"] == 3
    config = json.loads((tmp / "model" / "stance_config.json").read_text())
    assert config["temperature"] == result["temperature"] and config["holdout"]["n_held_paragraphs"] == result["n_held_paragraphs"]
    card = (tmp / "model" / "MODEL.md").read_text()
    assert f"| pooled | {result['metrics']['all']['stance_macro_f1']:.3f} |" in card
    assert "devtest_rw: F1m 77.000 (n=10)" in card and "| `member-0/adapter_model.safetensors` | 2.0 KB |" in card
    assert len(pd.read_csv(tmp / "model" / "holdout_predictions.csv")) == len(pd.read_parquet(tmp / "runs" / "holdout" / "fold0.parquet"))


def test_predictions_of_another_split_are_refused(run, monkeypatch):
    script, corpus, tmp = run
    monkeypatch.setattr(sys, "argv", ["stance_holdout.py", "--k", "3", "--fold-seed", "5", "--corpus", str(corpus),
                                      "--baseline", "none"])
    with pytest.raises(SystemExit, match="are not fold 0 of k=3, seed 5"):
        script.main()


def test_a_shipped_model_carries_its_evaluation_for_notebook_03(run, monkeypatch, tmp_path):
    from edm_stance.stance_cv import model_evaluation

    script, corpus, tmp = run
    monkeypatch.setattr(sys, "argv", ["stance_holdout.py", "--k", "3", "--corpus", str(corpus), "--baseline", "none",
                                      "--ship", str(tmp / "model")])
    script.main()
    evaluation = model_evaluation(tmp / "model")
    result = json.loads((tmp / "results" / "holdout.json").read_text())
    assert "fold 0 of 3 by article" in evaluation.description
    assert evaluation.metrics.loc["all", "stance macro-F1"] == result["metrics"]["all"]["stance_macro_f1"]
    assert evaluation.ece == pytest.approx({"before": result["ece_before"], "after": result["ece_after"]}, abs=1e-4)
    assert list(evaluation.bins)[0] == "before calibration" and len(evaluation.bins) == 2
    (tmp / "model" / "holdout_predictions.csv").unlink()
    assert model_evaluation(tmp / "model") is None  # nothing to show, rather than a wrong figure


def test_two_runs_ship_as_one_ensemble(run, monkeypatch):
    import shutil

    script, corpus, tmp = run
    first = tmp / "runs" / "holdout"
    second = tmp / "runs" / "holdout_m1"
    shutil.copytree(first, second)
    shifted = pd.read_parquet(second / "fold0.parquet")
    shifted["logit_favorable"] += 1.0  # a second member that leans favorable
    shifted.to_parquet(second / "fold0.parquet")
    monkeypatch.setattr(script, "model_checks", lambda folder, newsmtsc: {"seed": {"stance_macro_f1": 0.25}})
    monkeypatch.setattr(sys, "argv", ["stance_holdout.py", "--name", "holdout,holdout_m1", "--k", "3", "--corpus",
                                      str(corpus), "--baseline", "none", "--ship", str(tmp / "model")])
    script.main()
    result = json.loads((tmp / "results" / "holdout+holdout_m1.json").read_text())
    assert result["members"] == 2 and result["settings"]["seed"] == 13
    assert result["metrics"]["all"] != result["metrics_member0"]["all"]
    config = json.loads((tmp / "model" / "stance_config.json").read_text())
    assert config["members"] == ["member-0", "member-1"] and (tmp / "model" / "member-1").is_dir()
    assert config["holdout"]["checks"] == {"seed": {"stance_macro_f1": 0.25}}  # measured again on the ensemble
    assert set(pd.read_csv(tmp / "model" / "holdout_predictions.csv")["member"]) == {0, 1}
    assert "an ensemble of 2 member(s)" in (tmp / "model" / "MODEL.md").read_text()
