"""Tests of the nli scorer on a tiny, randomly initialised NLI model built on the fly.

The model's outputs carry no meaning; these tests check windows, wiring, aggregation and
errors, never the quality of a stance. The conformance suite in test_scoring.py runs too.
"""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from edm_stance.article import parse_article
from edm_stance.cli import main
from edm_stance.errors import ModelLoadError
from edm_stance.model import MentionInput, adapter_revision
from edm_stance.scoring import LABELS, get_scorer
from edm_stance.scoring.nli import DEFAULT_HYPOTHESES, load_nli_model, plan_windows

from .conftest import SEED

# Invented for the tests, not EDM text: one sentence far longer than the 64-token window.
LONG_SENTENCE = (
    "Russia and its partners signed " + ", ".join(f"agreement number {n} on roads and pipelines" for n in range(1, 16))
    + " in the capital."
)


def _copy_with_labels(source, folder, id2label):
    shutil.copytree(source, folder)
    config = json.loads((folder / "config.json").read_text())
    config["id2label"] = {str(k): v for k, v in id2label.items()}
    config["label2id"] = {v: k for k, v in id2label.items()}
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def _windows(scorer, text, sentence_spans, label="Russia"):
    from edm_stance.scoring.nli import _Request

    model = scorer.model
    budget = model.premise_budget([t.format(target=label) for t in scorer.hypotheses.values()])
    return scorer._windows(model, _Request(text, tuple(sentence_spans), (), label), budget), budget


def test_plan_windows_packs_whole_sentences():
    offsets = [(0, 2), (3, 5), (6, 8), (9, 11), (12, 14)]  # five tokens
    sentences = [(0, 5), (6, 8), (9, 14)]  # of 2, 1 and 2 tokens
    assert plan_windows(offsets, sentences, budget=3) == [(0, 3), (3, 5)]
    assert plan_windows(offsets, sentences, budget=5) == [(0, 5)]
    assert plan_windows(offsets, sentences, budget=2) == [(0, 2), (2, 3), (3, 5)]
    assert plan_windows([], [], budget=4) == []


def test_plan_windows_splits_a_long_sentence_with_overlap_at_word_starts():
    offsets = [(i * 3, i * 3 + 2) for i in range(20)]  # 20 words of one token each
    windows = plan_windows(offsets, [(0, 59)], budget=8)
    assert windows == [(0, 8), (6, 14), (12, 20)]
    # a word of two tokens ("ab" + "##cd", no gap between them) is not cut at a window's edge
    offsets = [(0, 2), (3, 5), (6, 8), (9, 11), (12, 14), (15, 17), (18, 20), (21, 23), (23, 25), (26, 28), (29, 31)]
    windows = plan_windows(offsets, [(0, 31)], budget=8)
    assert windows[0] == (0, 7)
    assert set(range(len(offsets))) == {k for lo, hi in windows for k in range(lo, hi)}


def test_a_long_paragraph_is_split_into_windows_that_cover_every_sentence(nli_scorer, seed_article):
    paragraph = seed_article.paragraphs[1]
    spans = [(s.start - paragraph.start, s.end - paragraph.start) for s in paragraph.sentences]
    windows, budget = _windows(nli_scorer, paragraph.text, spans)
    assert nli_scorer.model.max_length == 64
    assert len(nli_scorer.model.token_offsets([paragraph.text])[0]) > budget
    assert len(windows) >= 3
    for lo, hi in windows:
        assert len(nli_scorer.model.token_offsets([paragraph.text[lo:hi]])[0]) <= budget
        assert (lo, hi) in [(a, b) for a, _ in spans for _, b in spans if a <= b]  # whole sentences
    for start, end in spans:
        assert any(lo <= start and end <= hi for lo, hi in windows), paragraph.text[start:end]


def test_a_sentence_longer_than_the_window_is_split_by_tokens_with_overlap(nli_scorer):
    text = f"Moscow was silent. {LONG_SENTENCE}"
    windows, budget = _windows(nli_scorer, text, [(0, 18), (19, len(text))])
    assert windows[0] == (0, 18)
    chunks = windows[1:]
    assert len(chunks) >= 3
    for (_, previous_end), (next_start, _) in zip(chunks, chunks[1:]):
        assert next_start < previous_end  # overlap
    covered = {i for lo, hi in windows for i in range(lo, hi)}
    assert all(i in covered for i, char in enumerate(text) if not char.isspace())
    assert chunks[-1][1] == len(text)


def test_a_window_that_tokenizes_longer_on_its_own_is_split_again():
    from edm_stance.scoring.nli import NLIScorer, _Request

    class StubModel:
        """Tokens are words inside the whole text, but each word is two tokens on its own (as BPE can differ)."""

        def token_offsets(self, texts):
            self.calls = getattr(self, "calls", 0) + 1
            spans = [[m.span() for m in re.finditer(r"\S+", text)] for text in texts]
            if self.calls == 1:
                return spans
            return [[half for a, b in words for half in ((a, (a + b) // 2), ((a + b) // 2, b))] for words in spans]

    text = "one two three four five six seven eight nine ten"
    windows = NLIScorer._windows(StubModel(), _Request(text, ((0, len(text)),), (), "x"), budget=8)
    assert len(windows) > 2
    assert all(len(text[lo:hi].split()) * 2 <= 8 for lo, hi in windows)
    covered = {i for lo, hi in windows for i in range(lo, hi)}
    assert all(i in covered for i, char in enumerate(text) if not char.isspace())


def test_only_windows_with_a_mention_are_scored_and_averaged(nli_scorer, default_targets):
    text = f"{LONG_SENTENCE} NATO watched. Brussels said nothing. The weather was fine and warm all week long."
    article = parse_article(text, "invented")
    units_table = nli_scorer.score([article], default_targets).set_index("target")
    from edm_stance.scoring.nli import _Request

    paragraph = article.paragraphs[0]
    spans = tuple((s.start - paragraph.start, s.end - paragraph.start) for s in paragraph.sentences)
    mentions = tuple((m.start, m.end) for m in default_targets["west"].find(paragraph.text))
    (judged,) = nli_scorer._judge([_Request(paragraph.text, spans, mentions, "the West")])
    all_windows, _ = _windows(nli_scorer, paragraph.text, spans, "the West")
    assert 1 <= len(judged) < len(all_windows)
    assert all(any(m0 < hi and lo < m1 for m0, m1 in mentions) for (lo, hi), _ in judged)
    mean = np.mean([p for _, p in judged], axis=0)
    row = units_table.loc["west"]
    # float32 results move in the 6th decimal with the padding of the batch a pair lands in
    assert row["score"] == pytest.approx(mean[2] - mean[0], abs=1e-5)
    assert row["label"] == ("critical", "neutral", "favorable")[int(mean.argmax())]
    assert row["confidence"] == pytest.approx(mean.max(), abs=1e-5)
    assert row["evidence"] in ("NATO watched.", "Brussels said nothing.")


def test_probabilities_use_the_entailment_index_from_the_config(tiny_nli_model_dir, tmp_path):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    item = MentionInput("Invented: Russia is a trusted partner of the region.", 10, 16)
    probs = get_scorer("nli", model_name_or_path=str(tiny_nli_model_dir)).mention_probabilities([item])
    tokenizer = AutoTokenizer.from_pretrained(tiny_nli_model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(tiny_nli_model_dir).eval()
    hypotheses = [DEFAULT_HYPOTHESES[s].format(target="Russia") for s in ("critical", "neutral", "favorable")]
    with torch.inference_mode():
        logits = model(**tokenizer([item.text] * 3, hypotheses, padding=True, return_tensors="pt")).logits.double().numpy()

    def softmax(column):
        return np.exp(column) / np.exp(column).sum()

    assert probs.shape == (1, 3)
    np.testing.assert_allclose(probs[0], softmax(logits[:, 1]), rtol=1e-5)
    assert not np.allclose(softmax(logits[:, 1]), softmax(logits[:, 0]), rtol=1e-3)
    moved = _copy_with_labels(tiny_nli_model_dir, tmp_path / "moved", {0: "ENTAILMENT", 1: "contradiction", 2: "neutral"})
    np.testing.assert_allclose(
        get_scorer("nli", model_name_or_path=str(moved)).mention_probabilities([item])[0], softmax(logits[:, 0]), rtol=1e-5
    )
    assert get_scorer("nli", model_name_or_path=str(moved)).mention_probabilities([]).shape == (0, 3)


def test_threshold_gives_a_neutral_band(nli_scorer, seed_article, default_targets):
    banded = get_scorer("nli", model_name_or_path=nli_scorer.model_name_or_path, threshold=0.01)
    table = banded.score([seed_article], default_targets)
    present = table[table["label"] != "absent"]
    expected = np.where(present["score"] > 0.01, "favorable", np.where(present["score"] < -0.01, "critical", "neutral"))
    assert present["label"].tolist() == expected.tolist()
    default = nli_scorer.score([seed_article], default_targets)
    np.testing.assert_allclose(present["score"], default.loc[present.index, "score"])


def test_evidence_is_a_sentence_that_mentions_the_target(nli_scorer, seed_article, default_targets):
    table = nli_scorer.score([seed_article], default_targets)
    for row in table[table["label"] != "absent"].itertuples():
        paragraph = seed_article.paragraphs[row.paragraph - 1]
        assert row.evidence in [s.text for s in paragraph.sentences]
        assert default_targets[row.target].find(row.evidence)


def test_identity_does_not_load_the_model(tiny_nli_model_dir, tmp_path):
    folder = shutil.copytree(tiny_nli_model_dir, tmp_path / "fresh")
    before = load_nli_model.cache_info().misses
    custom = {**DEFAULT_HYPOTHESES, "neutral": "{target} is described without judgement."}
    identity = get_scorer("nli", model_name_or_path=folder, hypothesis_template=custom).identity()
    assert load_nli_model.cache_info().misses == before
    assert identity["scorer"] == "nli"
    assert identity["model_name_or_path"] == str(folder)
    assert identity["model_revision"] == adapter_revision(folder)
    assert identity["hypothesis_template"]["neutral"] == "{target} is described without judgement."
    assert get_scorer("nli", model_name_or_path=folder).identity()["hypothesis_template"] == DEFAULT_HYPOTHESES


def test_a_model_without_an_entailment_label_is_refused(tiny_nli_model_dir, tmp_path, seed_article, default_targets):
    folder = _copy_with_labels(tiny_nli_model_dir, tmp_path / "sentiment", {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"})
    message = (
        f"{folder}: config.id2label has no single entailment label (LABEL_0, LABEL_1, LABEL_2); the nli scorer needs "
        "a model fine-tuned for NLI, e.g. MoritzLaurer/deberta-v3-base-zeroshot-v2.0."
    )
    with pytest.raises(ModelLoadError, match=re.escape(message)):
        get_scorer("nli", model_name_or_path=str(folder)).score([seed_article], default_targets)


def test_a_missing_folder_or_unreachable_hub_id_is_one_line(tmp_path, monkeypatch, seed_article, default_targets):
    missing = tmp_path / "no-model-here"
    message = (
        f"{missing}: no such model folder. Pass a folder that holds a Hugging Face NLI model "
        "(config.json, weights, tokenizer) or a Hub id such as MoritzLaurer/deberta-v3-base-zeroshot-v2.0."
    )
    with pytest.raises(ModelLoadError, match=re.escape(message)):
        get_scorer("nli", model_name_or_path=str(missing)).score([seed_article], default_targets)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    message = (
        "edm-stance-tests/no-such-nli-model: not a local folder, and loading it from the Hugging Face Hub failed "
        "(HF_HUB_OFFLINE is set and it is not in the local cache). Pass a folder that holds an NLI model, or a Hub "
        "id with internet access the first time, e.g. MoritzLaurer/deberta-v3-base-zeroshot-v2.0."
    )
    with pytest.raises(ModelLoadError, match=re.escape(message)):
        get_scorer("nli", model_name_or_path="edm-stance-tests/no-such-nli-model").mention_probabilities(
            [MentionInput("Russia.", 0, 6)]
        )


def test_parameters_are_validated():
    with pytest.raises(ModelLoadError, match=re.escape("the nli scorer needs a model: pass model_name_or_path")):
        get_scorer("nli")
    with pytest.raises(ValueError, match=re.escape("batch_size must be a positive integer, got 0.")):
        get_scorer("nli", model_name_or_path="x", batch_size=0)
    with pytest.raises(ValueError, match=re.escape("hypothesis_template must map each of critical, neutral, favorable")):
        get_scorer("nli", model_name_or_path="x", hypothesis_template={"critical": "{target} is bad."})
    bad = {**DEFAULT_HYPOTHESES, "favorable": "This text likes them."}
    with pytest.raises(ValueError, match=re.escape("hypothesis_template['favorable'] must be text with '{target}'")):
        get_scorer("nli", model_name_or_path="x", hypothesis_template=bad)
    with pytest.raises(ValueError, match=re.escape("threshold must be in [0, 1) or None, got 1.5.")):
        get_scorer("nli", model_name_or_path="x", threshold=1.5)


def test_cli_scores_with_an_nli_model_folder(tiny_nli_model_dir, tmp_path, capsys):
    out_csv = tmp_path / "out.csv"
    code = main(["score", str(SEED), "--scorer", "nli", "--model", str(tiny_nli_model_dir), "-o", str(out_csv)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"wrote 24 rows to {out_csv}" in out
    table = pd.read_csv(out_csv)
    assert len(table) == 24 and set(table["label"]) <= set(LABELS)
    assert table.loc[table["label"] != "absent", "score"].between(-1, 1).all()


def test_cli_errors_are_one_line(tmp_path, capsys):
    out_csv = tmp_path / "out.csv"
    code = main(["score", str(SEED), "--scorer", "nli", "--model", str(tmp_path / "nope"), "-o", str(out_csv)])
    _, err = capsys.readouterr()
    assert code == 2
    assert err == f"edm-stance: error: {tmp_path / 'nope'}: no such model folder. Pass a folder that holds a Hugging Face " \
                  "NLI model (config.json, weights, tokenizer) or a Hub id such as MoritzLaurer/deberta-v3-base-zeroshot-v2.0.\n"
    assert not out_csv.exists()
    code = main(["score", str(SEED), "--scorer", "nli"])
    _, err = capsys.readouterr()
    assert code == 2 and err.startswith("edm-stance: error: the nli scorer needs a model: pass model_name_or_path (on the "
                                        "command line, --model)")


def test_cli_evaluates_nli_on_a_newsmtsc_file(tiny_nli_model_dir, tmp_path, capsys):
    # Two records in NewsMTSC's format, invented for this test.
    records = [
        {"primary_gid": "a", "sentence_normalized": "Invented: Moscow praised the deal.",
         "targets": [{"from": 10, "to": 16, "polarity": 6.0}]},
        {"primary_gid": "b", "sentence_normalized": "Invented: NATO was blamed.", "targets": [{"from": 10, "to": 14, "polarity": 2.0}]},
    ]
    data = tmp_path / "tiny.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    code = main(["evaluate", "--newsmtsc", str(data), "--scorer", "nli", "--model", str(tiny_nli_model_dir)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.splitlines()[0] == "tiny.jsonl: 2 mentions, scorer nli"
    assert re.fullmatch(r"F1m \d+\.\d  accuracy \d+\.\d  \(most probable class\)", out.splitlines()[1])
