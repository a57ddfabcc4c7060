"""Inputs of the paragraph model: corpus pairs, NewsMTSC, folds, marking, cropping, name swaps."""

from __future__ import annotations

import json
import random

import pytest

from edm_stance import find_article_mentions, parse_article
from edm_stance.errors import DataFileError
from edm_stance.stance_data import (LABELS, StanceInput, corpus_examples, default_corpus_path, grouped_folds,
                                    newsmtsc_examples, read_corpus_file, swap_country_names)
from edm_stance.stance_model import _mark, crop_input

from .conftest import NEWSMTSC


@pytest.fixture(scope="module")
def corpus():
    return read_corpus_file(default_corpus_path())


def _article_mentions(paragraphs, targets) -> dict:
    """(article_id, paragraph, target) -> mention spans within the paragraph, found article by article."""
    by_article: dict[str, list] = {}
    for para in paragraphs:
        by_article.setdefault(para.article_id, []).append(para)
    spans = {}
    for article_id, article_paragraphs in by_article.items():
        article = parse_article("Title: T\n\n" + "\n\n".join(p.text for p in article_paragraphs), article_id)
        found = find_article_mentions(article, targets)
        for para, parsed, by_target in zip(article_paragraphs, article.paragraphs, found, strict=True):
            for name, mentions in by_target.items():
                spans[(article_id, para.paragraph, name)] = tuple((m.start - parsed.start, m.end - parsed.start)
                                                                  for m in mentions)
    return spans


def test_corpus_pairs_are_the_rule_present_pairs(corpus, default_targets):
    examples = corpus_examples(corpus[:60], default_targets)
    assert examples and all(ex.input.spans for ex in examples)
    spans = _article_mentions(corpus[:60], default_targets)  # names and role nouns carry across paragraphs
    for ex in examples:
        paragraph = next(p for p in corpus if (p.article_id, p.paragraph) == ex.key[:2])
        assert LABELS[ex.label] == paragraph.labels[ex.key[2]]
        assert ex.input.target_name == default_targets[ex.key[2]].label
        assert ex.input.spans == spans[ex.key]
    assert len(examples) == sum(bool(found) for key, found in spans.items() if key[2] in {"russia", "west", "ngos"})
    absent_with_mentions = [ex for ex in corpus_examples(corpus, default_targets) if ex.label == 0]
    assert absent_with_mentions  # the rules over-match sometimes: the model learns "absent" there


def test_folds_keep_articles_together(corpus, default_targets):
    examples = corpus_examples(corpus[:200], default_targets)
    folds = grouped_folds(examples, 5, seed=0)
    held = [i for _, h in folds for i in h]
    assert sorted(held) == list(range(len(examples)))
    for train, test in folds:
        assert not {examples[i].group for i in train} & {examples[i].group for i in test}


def test_malformed_corpus_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"article_id": "syn-x-1", "paragraph": 1, "text": "t",
                                "labels": {"russia": "hostile", "west": "absent", "ngos": "absent"}}) + "\n")
    with pytest.raises(DataFileError, match=f"{path}:1: not a corpus record"):
        read_corpus_file(path)


def test_mark_wraps_every_mention_and_moves_sentences():
    item = StanceInput("Moscow warned. Later Russia agreed.", ((0, 6), (21, 27)), "Russia", ((0, 14), (15, 35)))
    text, marks, sentences = _mark(item)
    assert text == "<< Moscow >> warned. Later << Russia >> agreed."
    assert [text[a:b] for a, b in marks] == ["Moscow", "Russia"]
    assert [text[a:b] for a, b in sentences] == ["<< Moscow >> warned.", "Later << Russia >> agreed."]


def test_crop_keeps_mention_sentences_and_drops_the_farthest():
    sentences = [f"Filler sentence number {i} here." for i in range(30)]
    sentences[25] = "NATO responded."
    text, cursor = " ".join(sentences), 0
    bounds = []
    for s in sentences:
        bounds.append((cursor, cursor + len(s)))
        cursor += len(s) + 1
    start = text.index("NATO")
    item = StanceInput(text, ((start, start + 4),), "the West", tuple(bounds))
    cropped = crop_input(item, lambda t: len(t.split()), budget=40)
    assert len(cropped.text.split()) <= 40
    assert [cropped.text[a:b] for a, b in cropped.spans] == ["NATO"]
    assert "number 0 " not in cropped.text and "number 24 " in cropped.text


def test_country_swap_is_consistent_and_keeps_spans():
    text = "Kyrgyzstan and Russia signed; Bishkek said Kyrgyzstan gains."
    item = StanceInput(text, ((15, 21),), "Russia", ((0, len(text)),))
    from edm_stance.stance_data import PairExample

    swapped = swap_country_names(PairExample(item, 1, "a"), random.Random(3)).input
    assert swapped.text[swapped.spans[0][0] : swapped.spans[0][1]] == "Russia"
    first = swapped.text.split(" ")[0]
    assert swapped.text.count(first) == 2 and "Bishkek" not in swapped.text
    assert swapped.sentences == ((0, len(swapped.text)),)


@pytest.mark.skipif(not (NEWSMTSC / "devtest_mt.jsonl").is_file(), reason="NewsMTSC is not available")
def test_newsmtsc_examples_map_polarity_to_codebook_labels():
    examples = newsmtsc_examples(NEWSMTSC / "devtest_mt.jsonl")
    assert {LABELS[ex.label] for ex in examples} == {"critical", "neutral", "favorable"}
    ex = examples[0]
    start, end = ex.input.spans[0]
    assert ex.input.text[start:end] == ex.input.target_name
