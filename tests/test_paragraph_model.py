"""The shipped paragraph stance model (the default scorer) on the seed's clearest cases, and its card."""

from __future__ import annotations

import json

import pytest

from edm_stance.cli import DEFAULT_SCORER
from edm_stance.scoring import get_scorer
from edm_stance.scoring.paragraph import default_model_dir


@pytest.fixture(scope="module")
def seed_table(seed_article, default_targets):
    return get_scorer("paragraph").score([seed_article], default_targets).set_index(["paragraph", "target"])


def test_the_paragraph_model_is_the_default_and_shipped():
    assert DEFAULT_SCORER == "paragraph"
    config = json.loads((default_model_dir() / "stance_config.json").read_text())
    assert config["members"] and config["temperature"] > 0 and config["holdout"]["metrics"]["all"]["stance_macro_f1"]
    assert (default_model_dir() / "MODEL.md").is_file() and (default_model_dir() / "holdout_predictions.csv").is_file()


def test_russia_at_the_peak_of_cooperation_is_favorable(seed_table):
    assert seed_table.loc[(1, "russia"), "label"] == "favorable"


@pytest.mark.xfail(strict=True, reason="the shipped model reads NGOs 'branded mercenaries' as sympathetic victims "
                   "(favorable, score +0.42); the victim/accusation line is its known weak point (MODEL.md)")
def test_ngos_branded_mercenaries_are_criticised(seed_table):
    assert seed_table.loc[(6, "ngos"), "label"] == "critical"


@pytest.mark.xfail(strict=True, reason="the shipped model calls ¶4's bullied NGOs critical, by a hair (score -0.05, "
                   "confidence 0.50); the victim/accusation line is its known weak point (MODEL.md)")
def test_bullied_civil_society_is_not_criticised(seed_table):
    """¶4: the authorities bully NGOs; the codebook calls the NGOs' portrayal favorable (a victim), never critical."""
    assert seed_table.loc[(4, "ngos"), "label"] != "critical"


def test_scores_bands_and_evidence_are_consistent(seed_table):
    present = seed_table[seed_table["label"] != "absent"]
    assert len(present) == 12  # the seed's 12 present pairs, found by the target rules
    assert ((present["score_low"] <= present["score"]) & (present["score"] <= present["score_high"])).all()
    assert present["confidence"].between(1 / 3, 1).all()
    assert all(isinstance(e, str) and e for e in present["evidence"])
