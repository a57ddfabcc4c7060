"""One conformance suite for every scorer, plus the lexicon baseline and the registry."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from edm_stance.errors import UnknownScorerError
from edm_stance.scoring import COLUMNS, LABELS, MentionScorer, Scorer, StanceScore, available_scorers, get_scorer


class FakeScorer(MentionScorer):
    """Scores a unit by how many mentions it has: proves the base class wiring."""

    name = "fake"

    def score_units(self, units):
        return [StanceScore(len(u.mentions) / 10 - 0.5, "neutral", 0.5, u.paragraph.sentences[0].text) for u in units]


@pytest.fixture(params=["fake", "lexicon", "nli"])
def scorer(request):
    """Every scorer that runs without the trained adapter; nli on the tiny random test model."""
    if request.param == "nli":
        return request.getfixturevalue("nli_scorer")
    return FakeScorer() if request.param == "fake" else get_scorer("lexicon")


def test_scorer_conformance(scorer, seed_article, default_targets):
    assert isinstance(scorer, Scorer)
    table = scorer.score([seed_article], default_targets)
    assert list(table.columns) == COLUMNS
    assert len(table) == 8 * 3
    assert table[["paragraph", "target"]].values.tolist() == [[p, t] for p in range(1, 9) for t in ("russia", "west", "ngos")]
    assert set(table["label"]) <= set(LABELS)
    absent = table["label"] == "absent"
    assert table.loc[absent, "score"].isna().all()
    assert (table.loc[absent, "n_mentions"] == 0).all()
    assert table.loc[~absent, "score"].between(-1, 1).all()
    assert table.loc[~absent, "confidence"].between(0, 1).all()
    assert (table.loc[~absent, "evidence"].str.len() > 0).all()
    assert (table.loc[~absent, "n_mentions"] > 0).all()
    # presence is the targets' business, so every scorer agrees with the gold on the seed
    assert table.loc[(table["target"] == "russia") & ~absent, "paragraph"].tolist() == [1, 2, 3, 5, 7, 8]
    pd.testing.assert_frame_equal(table, scorer.score([seed_article], default_targets))
    empty = scorer.score([], default_targets)
    assert list(empty.columns) == COLUMNS and empty.empty


def test_evidence_is_a_sentence_that_mentions_the_target(seed_article, default_targets):
    table = get_scorer("lexicon").score([seed_article], default_targets)
    for row in table[table["label"] != "absent"].itertuples():
        paragraph = seed_article.paragraphs[row.paragraph - 1]
        assert row.evidence in [s.text for s in paragraph.sentences]
        assert default_targets[row.target].find(row.evidence)


def test_lexicon_scores_are_mean_vader_compounds(default_targets):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from edm_stance.article import parse_article

    article = parse_article("Russia is a wonderful, trusted partner. Russia exists. NATO is terrible.", "x")
    table = get_scorer("lexicon").score([article], default_targets).set_index("target")
    vader = SentimentIntensityAnalyzer()
    expected = np.mean([vader.polarity_scores(s)["compound"] for s in ["Russia is a wonderful, trusted partner.", "Russia exists."]])
    assert table.loc["russia", "score"] == pytest.approx(expected)
    assert table.loc["russia", "label"] == "favorable"
    assert table.loc["russia", "evidence"] == "Russia is a wonderful, trusted partner."
    assert table.loc["west", "label"] == "critical"
    assert table.loc["ngos", "label"] == "absent"


def test_registry():
    assert {"lexicon", "nli", "tsc"} <= set(available_scorers())
    with pytest.raises(UnknownScorerError, match=re.escape("No scorer named 'nil'. Available scorers: ")):
        get_scorer("nil")


def test_parameters_are_validated():
    with pytest.raises(ValueError, match=re.escape("threshold must be in [0, 1), got 2.")):
        get_scorer("lexicon", threshold=2)
