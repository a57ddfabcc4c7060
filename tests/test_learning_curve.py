"""The learning-curve simulation, end to end on the tiny random encoder and a small slice of the corpus."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from edm_stance.learning_curve import learning_curve_figure, read_learning_curve, summarise
from edm_stance.stance_data import default_corpus_path

from .conftest import ROOT


@pytest.fixture(scope="module")
def two_regions(tmp_path_factory):
    """The first 36 paragraphs of two regions of the synthetic corpus."""
    kept: dict[str, list[str]] = {"ngo": [], "rus": []}
    for line in default_corpus_path().read_text(encoding="utf-8").splitlines(keepends=True):
        region = json.loads(line)["article_id"].split("-")[1]
        if region in kept and len(kept[region]) < 36:
            kept[region].append(line)
    path = tmp_path_factory.mktemp("corpus") / "two_regions.jsonl"
    path.write_text("".join(kept["ngo"] + kept["rus"]), encoding="utf-8")
    return path


def test_simulation_smoke_run_writes_the_curve_and_resumes(tmp_path, tiny_encoder_dir, two_regions):
    command = [sys.executable, str(ROOT / "experiments" / "learning_curve.py"), "--regions", "ngo", "--ks", "2", "4",
               "--corpus", str(two_regions), "--base-model", str(tiny_encoder_dir), "--train-limit", "40",
               "--epochs", "1", "--max-length", "128", "--no-bf16", "--refit-epochs", "1", "--replay", "8",
               "--work", str(tmp_path / "work"), "--output", str(tmp_path / "out")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    summary, results, settings = read_learning_curve(tmp_path / "out" / "learning_curve.json")
    assert settings["regions"] == ["ngo"] and settings["train"]["lora_layers"] == 3 and settings["ks"] == [2, 4]
    assert sorted(zip(results["rule"], results["k"])) == [("base", 0), ("random", 2), ("random", 4),
                                                          ("uncertain", 2), ("uncertain", 4)]
    assert results["n_train_pairs"].eq(40).all() and results["n_test_pairs"].gt(0).all()
    assert results["stance_macro_f1"].between(0, 1).all()
    assert sorted(zip(summary["rule"], summary["k"])) == [("random", 0), ("random", 2), ("random", 4),
                                                          ("uncertain", 0), ("uncertain", 2), ("uncertain", 4)]
    for suffix in (".png", ".svg"):
        assert (tmp_path / "out" / f"learning_curve{suffix}").stat().st_size > 5000
    lines = (tmp_path / "work" / "ngo" / "results.jsonl").read_text()
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert (tmp_path / "work" / "ngo" / "results.jsonl").read_text() == lines  # resumed: nothing run twice
    changed = subprocess.run([*command, "--epochs", "2"], env=env, capture_output=True, text=True, timeout=600)
    assert changed.returncode == 1 and "holds a run with other settings; use another work folder" in changed.stderr


def test_summary_averages_regions_and_repeats():
    results = pd.DataFrame([
        {"region": "a", "rule": "base", "k": 0, "repeat": 0, "stance_macro_f1": 0.4, "stance_accuracy": 0.5},
        {"region": "b", "rule": "base", "k": 0, "repeat": 0, "stance_macro_f1": 0.6, "stance_accuracy": 0.7},
        {"region": "a", "rule": "random", "k": 10, "repeat": 0, "stance_macro_f1": 0.5, "stance_accuracy": 0.5},
        {"region": "a", "rule": "random", "k": 10, "repeat": 1, "stance_macro_f1": 0.7, "stance_accuracy": 0.5},
        {"region": "b", "rule": "random", "k": 10, "repeat": 0, "stance_macro_f1": 0.8, "stance_accuracy": 0.9},
        {"region": "a", "rule": "uncertain", "k": 10, "repeat": 0, "stance_macro_f1": 0.9, "stance_accuracy": 0.9},
    ])
    summary = summarise(results).set_index(["rule", "k"])
    assert summary.loc[("random", 10), "stance_macro_f1"] == pytest.approx(0.7)  # (0.6 + 0.8) / 2
    assert summary.loc[("random", 10), ["f1_min", "f1_max"]].tolist() == pytest.approx([0.6, 0.8])
    assert summary.loc[("uncertain", 0), "stance_macro_f1"] == pytest.approx(0.5)
    assert summary.loc[("uncertain", 10), "n_regions"] == 1
    assert list(summary.index.get_level_values("rule"))[:1] == ["uncertain"]
    figure = learning_curve_figure(summarise(results))
    assert [t.get_text() for t in figure.axes[0].get_legend().get_texts()] == [
        "most uncertain first (mean of 1 regions)", "at random (mean of 2 regions)"]


def test_the_model_card_gives_the_curve_at_0_25_100_or_says_it_is_not_measured(tmp_path):
    spec = importlib.util.spec_from_file_location("stance_card", ROOT / "experiments" / "stance_card.py")
    stance_card = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stance_card)
    missing = "\n".join(stance_card.learning_curve_section(tmp_path / "none.json"))
    assert "Not measured yet." in missing and "python experiments/learning_curve.py" in missing
    results = pd.DataFrame([{"region": region, "rule": rule, "k": k, "repeat": 0, "stance_macro_f1": f1 + shift,
                             "stance_accuracy": 0.5} for region, shift in (("a", 0.0), ("b", 0.1))
                            for rule, k, f1 in [("base", 0, 0.5), ("uncertain", 10, 0.55), ("uncertain", 25, 0.6),
                                                ("uncertain", 100, 0.7), ("random", 25, 0.58), ("random", 100, 0.66)]])
    path = tmp_path / "learning_curve.json"
    path.write_text(json.dumps({"settings": {"regions": ["a", "b"], "members": 1, "train_limit": 1500,
                                             "train": {"lora_layers": 3}},
                                "summary": json.loads(summarise(results).to_json(orient="records")),
                                "results": json.loads(results.to_json(orient="records"))}))
    section = stance_card.learning_curve_section(path)
    assert "| corrections chosen | k = 0 | k = 25 | k = 100 |" in section
    assert "| most uncertain first | 0.550 | 0.650 | 0.750 |" in section
    assert "| at random | 0.550 | 0.630 | 0.710 |" in section
    assert "mean over 2 regions" in "\n".join(section)
