"""Tests of the codebook metrics and the NewsMTSC metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from edm_stance.errors import DataFileError
from edm_stance.evaluation import evaluate_tables, newsmtsc_metrics, read_table

from .conftest import GOLD


def test_gold_against_itself_is_perfect():
    gold = read_table(GOLD, kind="gold")
    pred = gold.assign(score=gold["strength"] / 2)
    report = evaluate_tables(gold, pred)
    assert list(report.index) == ["ngos", "russia", "west", "all"]
    assert (report["presence_f1"] == 1).all()
    assert (report["stance_macro_f1"] == 1).all()
    assert report.loc["all", "strength_spearman"] == pytest.approx(1.0)
    assert report.loc["all", "n_gold_present"] == 12


def test_hand_computed_metrics():
    keys = {"article_id": ["a"] * 4, "paragraph": [1, 2, 3, 4], "target": ["russia"] * 4}
    gold = pd.DataFrame({**keys, "label": ["critical", "favorable", "absent", "neutral"], "strength": [-2, 1, np.nan, 0]})
    pred = pd.DataFrame({**keys, "label": ["critical", "neutral", "favorable", "absent"], "score": [-0.9, 0.1, 0.5, np.nan]})
    row = evaluate_tables(gold, pred).loc["russia"]
    # presence: predicted present 1,2,3; gold present 1,2,4 -> P = R = 2/3
    assert row["presence_precision"] == pytest.approx(2 / 3)
    assert row["presence_recall"] == pytest.approx(2 / 3)
    # stance on gold-present 1,2,4: critical ok, favorable->neutral, neutral->absent
    assert row["stance_accuracy"] == pytest.approx(1 / 3)
    # per label F1: critical 1, favorable 0, neutral 0 -> macro 1/3
    assert row["stance_macro_f1"] == pytest.approx(1 / 3)


def test_newsmtsc_metrics():
    probs = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.3, 0.6], [0.5, 0.1, 0.4]])
    # predictions 0, 1, 2, 0: F1 of class 0 is 2/3, of class 1 is 1, of class 2 is 2/3
    assert newsmtsc_metrics(probs, [0, 1, 2, 2]) == {"f1m": pytest.approx((2 / 3 + 1 + 2 / 3) / 3), "accuracy": 0.75, "n": 4}
    # with a wide neutral band everything but the first is neutral
    assert newsmtsc_metrics(probs, [0, 1, 1, 1], threshold=0.55)["accuracy"] == 1.0


def test_bad_tables(tmp_path):
    path = tmp_path / "pred.csv"
    path.write_text("article_id,paragraph,label\na,1,absent\n")
    with pytest.raises(DataFileError, match="lacks the column"):
        read_table(path, kind="prediction")
    path.write_text("article_id,paragraph,target,label\na,1,russia,positive\n")
    with pytest.raises(DataFileError, match="unknown label"):
        read_table(path, kind="prediction")
    with pytest.raises(DataFileError, match="no such gold file"):
        read_table(tmp_path / "none.csv", kind="gold")
